# each_case.sh - the command line of adversary.sh and forgery.sh, sourced
# by both with their arguments:
#
#   SCRIPT GRADE SOURCE REF_BUILD CASE...
#
# One CTest entry may name several cases; each then runs in a run of its
# own script, and the script exits here. Every case runs, even after a
# failure, so one report shows them all: the exit status is 77 (CTest's
# "skipped") only when every case was skipped, the first failing case's
# status when one failed, else 0. With one case, this sets GRADE, SOURCE,
# REF and CASE and returns to the script.
each_case() {
    local script=$1 grade=$2 source=$3 ref=$4
    shift 4
    local worst=77 failed=0 c rc
    for c in "$@"; do
        "$script" "$grade" "$source" "$ref" "$c"
        rc=$?
        [ $rc -eq 77 ] && continue
        [ $rc -ne 0 ] && [ $failed -eq 0 ] && failed=$rc
        worst=0
    done
    [ $failed -ne 0 ] && return $failed
    return $worst
}

if [ $# -gt 4 ]; then
    each_case "$0" "$@"
    exit $?
fi
GRADE=$1
SOURCE=$2
REF=$3
CASE=$4
# The reference: the grader's own cache entry when the tests share one
# (PARALAB_GRADE_CACHE, set by CTest: built once by grader_prepare, and it
# leaves a compiler cache beside it that every submission build reads),
# else the project's build.
if [ -n "${PARALAB_GRADE_CACHE:-}" ]; then REF_ARGS=(); else REF_ARGS=(--reference-build "$REF"); fi
