# each_case.sh - sourced by adversary.sh and forgery.sh: one CTest entry may
# name several cases, and each then runs in a run of its own script.
#
#   each_case SCRIPT GRADE SOURCE REF_BUILD CASE...
#
# Every case runs, even after a failure, so one report shows them all.
# Returns 77 (CTest's "skipped") only when every case was skipped, the first
# failing case's status when one failed, else 0.
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
