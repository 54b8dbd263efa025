#!/bin/bash
# platforms.sh - the platforms' entry points, run the way each platform runs them.
#
#   platforms.sh GRADE SOURCE REF_BUILD
#
# 1. PrairieLearn: grader/prairielearn with a fake /grade (PARALAB_PL_ROOT):
#    the reference solutions of lab 00 uploaded as loose .c files, the lab
#    named in tests/options. /grade/results/results.json must follow
#    PrairieLearn's schema (gradable, score 0..1, message, tests[] with
#    points/max_points/message/output) and give full marks.
# 2. Classroom 50: grader/platforms/classroom50-autograder.py in a checkout of
#    the untouched skeletons, with the runner's variables set, plus --format
#    github as the plain-Actions workflow asks: result.json must follow
#    classroom50/result/v1 (whole points, sums) and score 0; the base64 line
#    must decode to the reporter's JSON with status "fail".
# Read back with Python's json module (python3 is a base package).
set -u
GRADE=$1
SOURCE=$2
REF=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
LAB=00-shared-state
T=$(mktemp -d /tmp/paralab-platforms-XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
GRADER_BUILD=$(dirname "$(dirname "$GRADE")")

# ---------------------------------------------------------------- PrairieLearn
mkdir -p "$T/grade/student" "$T/grade/tests"
cp "$SOURCE/solutions/$LAB/"*.c "$T/grade/student/"
printf -- '--only %s   # the lab these files belong to\n--no-perf --reference-build %s\n' "$LAB" "$REF" \
    >"$T/grade/tests/options"
PARALAB_PL_ROOT=$T/grade PARALAB_SOURCE=$SOURCE PARALAB_GRADER_BUILD=$GRADER_BUILD \
    "$SOURCE/grader/prairielearn" >"$T/pl.log" 2>&1 || fail "grader/prairielearn exited with $?: $(tail -5 "$T/pl.log")"
python3 - "$T/grade/results/results.json" <<'PY' || fail "PrairieLearn results.json: $(head -c 600 "$T/grade/results/results.json")"
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
assert r["gradable"] is True, r.get("message")
assert isinstance(r["score"], (int, float)) and r["score"] == 1, r["score"]
assert isinstance(r["message"], str) and isinstance(r["output"], str)
assert r["tests"], "no tests"
for t in r["tests"]:
    assert isinstance(t["name"], str) and isinstance(t["message"], str) and isinstance(t["output"], str), t
    assert isinstance(t["points"], (int, float)) and isinstance(t["max_points"], (int, float)), t
    assert t["points"] == t["max_points"] > 0, t
print(f"PrairieLearn: gradable, score {r['score']}, {len(r['tests'])} tests")
PY
echo "ok: PrairieLearn entry point, loose files of $LAB: full marks"

# ---------------------------------------------------------------- Classroom 50 + GitHub
mkdir -p "$T/checkout"
cp -r "$SOURCE/labs" "$T/checkout/labs"
chmod -R a+rX "$T/checkout"
(
    cd "$T/checkout" || exit 1
    CLASSROOM=paralab-test ASSIGNMENT=labs SUBMISSION_TAG=submit/test COMMIT_URL=https://example.invalid/c/1 \
        RELEASE_URL=https://example.invalid/r/1 PARALAB_SOURCE=$SOURCE PARALAB_GRADE=$GRADE \
        PARALAB_GRADE_ARGS="--only $LAB --no-perf --reference-build $REF --format github" \
        python3 "$SOURCE/grader/platforms/classroom50-autograder.py" >"$T/c50.log" 2>&1
) || fail "classroom50-autograder.py exited with $?: $(tail -5 "$T/c50.log")"
python3 - "$T/checkout/result.json" "$T/checkout/paralab-out/github-result.b64" <<'PY' || fail "Classroom 50 / GitHub results"
import base64, json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
assert r["schema"] == "classroom50/result/v1"
for k in ("classroom", "assignment", "submission", "commit", "release", "review", "datetime"):
    assert isinstance(r[k], str) and r[k], k
assert r["classroom"] == "paralab-test" and r["review"] == "https://example.invalid/c/1"
assert type(r["score"]) is int and type(r["max-score"]) is int
assert r["score"] == 0 and r["max-score"] > 0, (r["score"], r["max-score"])
assert sum(t["score"] for t in r["tests"]) == r["score"]
assert sum(t["max-score"] for t in r["tests"]) == r["max-score"]
for t in r["tests"]:
    assert isinstance(t["test-name"], str) and type(t["passed"]) is bool, t
    assert type(t["score"]) is int and type(t["max-score"]) is int, t
line = open(sys.argv[2], encoding="ascii").read()
assert line.endswith("\n") and "\n" not in line[:-1], "not one line"
g = json.loads(base64.b64decode(line.strip(), validate=True))
assert g["version"] == 1 and g["status"] == "fail" and g["max_score"] == r["max-score"], g
assert all(t["status"] in ("pass", "fail") and isinstance(t["message"], str) for t in g["tests"])
print(f"Classroom 50: {r['score']}/{r['max-score']} over {len(r['tests'])} tests; GitHub: {g['status']}")
PY
echo "ok: Classroom 50 autograder.py and --format github on the skeletons of $LAB: 0, valid files"
