#!/bin/sh
# tsan-check.sh PROGRAM VARIANT race|clean
#
# Runs `PROGRAM run VARIANT N W` (shared_counter_omp_tsan, built with
# -fsanitize=thread against tsan_gomp.c) and checks ThreadSanitizer's verdict:
#   race   TSan must report a data race inside pl_counter_omp_<VARIANT>
#   clean  no report at all, and the right count
# Exit 0 = as expected, 1 = not, 77 = TSan cannot run here (CTest: skipped).
set -u
prog=$1 variant=$2 want=$3
n=20000 w=4
out=$(TSAN_OPTIONS="halt_on_error=0 exitcode=66 ${TSAN_OPTIONS:-}" "$prog" run "$variant" $n $w 2>&1)
status=$?

case $out in
*"FATAL: ThreadSanitizer"*|*"ThreadSanitizer: unexpected memory mapping"*)
    printf '%s\n' "$out" | head -5
    echo "tsan-check: ThreadSanitizer cannot run on this kernel/machine: skipped"
    exit 77 ;;
*"not implemented yet"*)
    echo "tsan-check: pl_counter_omp_$variant is not implemented yet"
    exit 1 ;;
esac

races=$(printf '%s\n' "$out" | grep -c "WARNING: ThreadSanitizer: data race")
if [ "$want" = race ]; then
    if [ "$races" -ge 1 ] && printf '%s\n' "$out" | grep -q "SUMMARY: ThreadSanitizer: data race.*pl_counter_omp_$variant"; then
        printf '%s\n' "$out" | grep "SUMMARY: ThreadSanitizer"
        echo "tsan-check: ThreadSanitizer found the race in pl_counter_omp_$variant, as it should"
        exit 0
    fi
    printf '%s\n' "$out" | tail -20
    echo "tsan-check: expected a data race report in pl_counter_omp_$variant, got $races report(s) (exit $status)"
    exit 1
fi

if [ "$races" -eq 0 ] && [ "$status" -eq 0 ] && printf '%s\n' "$out" | grep -qx "count $((n * w))"; then
    echo "tsan-check: pl_counter_omp_$variant is race-free and exact under ThreadSanitizer"
    exit 0
fi
printf '%s\n' "$out" | head -60
echo "tsan-check: pl_counter_omp_$variant: $races race report(s), exit $status (expected none, count $((n * w)))"
exit 1
