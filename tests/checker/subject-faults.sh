#!/bin/bash
# subject-faults.sh CHECKER - a checker whose subject crashes, hangs or
# answers garbage must fail the test with that reason in words, exit 1 (a
# failed test, not a crashed or hung checker) and leave no process behind.
# The checker is copied next to a fake pl_subject_fork (it finds its
# subject in its own directory).
set -euo pipefail
checker=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cp "$checker" "$T/test_map_fork"
# The fake subject's sleep is named for this run (its command line does not
# hold $T): a plain "sleep 1001" would also find another run's, when two test
# runs share the machine.
nap="sleep 1001.$$"
status=0
expect() { # NAME SCRIPT REASON
    printf '#!/bin/sh\n%s\n' "$2" >"$T/pl_subject_fork"
    chmod +x "$T/pl_subject_fork"
    local out rc=0
    out=$(cd "$T" && timeout 90 ./test_map_fork --only map/n_one --test-timeout 3 2>&1) || rc=$?
    if [ "$rc" -ne 1 ] || ! grep -q "checker:0  - the subject process $3" <<<"$out"; then
        echo "FAIL $1: exit $rc, expected 1 and 'the subject process $3'"; echo "$out" | tail -n 5
        status=1
    elif pgrep -f "$T/" >/dev/null || pgrep -x -f "$nap" >/dev/null; then
        echo "FAIL $1: a process of the fake subject is still running"; status=1
    else
        echo "ok   $1: $(grep -m1 'checker:0' <<<"$out" | sed 's/^ *//')"
    fi
}
expect crash 'kill -SEGV $$' 'died with signal 11'
expect exit 'exit 3' 'exited during the test (status 3)'
expect hang "$nap" 'did not answer in time'
expect garbage 'printf "\000\000\000\003abc" >&3; '"$nap" 'sent a malformed answer'
exit $status
