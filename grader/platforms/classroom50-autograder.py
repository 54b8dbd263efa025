#!/usr/bin/env python3
"""Classroom 50 autograder for paralab (copy to CLASSROOM/autograders/ASSIGNMENT/autograder.py).

The Classroom 50 runner calls this once per submission, in the student's
checkout, with CLASSROOM, ASSIGNMENT, SUBMISSION_TAG, COMMIT_URL, ... set.
paralab-grade writes ./result.json (classroom50/result/v1) itself, with those
identity fields, whole points per test and the exact points beside them.
Give the assignment the grader image as its runtime (grader/README.md,
"Classroom 50"):  {"container": {"image": "ghcr.io/COURSE/paralab:grader", "user": "root"}}
Exit 0 when result.json was written (a low score is not a runner failure).
"""
import os
import subprocess
import sys
from pathlib import Path

SOURCE = os.environ.get("PARALAB_SOURCE", "/autograder/source")  # the grader image's tree
GRADE = os.environ.get("PARALAB_GRADE", str(Path(SOURCE) / "build" / "grader" / "paralab-grade"))
# More paralab-grade options, e.g. "--only 01-map" for a one-lab assignment.
EXTRA = os.environ.get("PARALAB_GRADE_ARGS", "").split()

args = [GRADE, "--source-dir", SOURCE, "--out", "paralab-out",
        "--format", "classroom50=result.json", "--format", "junit"]
args += EXTRA
args.append("labs" if Path("labs").is_dir() else ".")
status = subprocess.run(args, check=False).returncode
if not Path("result.json").is_file():
    print(f"::error::paralab-grade ended with status {status} and wrote no result.json", file=sys.stderr)
    sys.exit(1)
sys.exit(0)
