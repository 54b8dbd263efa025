#!/bin/bash
# forgery.sh - issue 14: lab files that do no work but forge the verdict score 0.
#
#   forgery.sh GRADE SOURCE REF_BUILD CASE...
#
# The submission is a copy of solutions/ in which some lab files get
# tests/grader/forgery_code.c pasted on top and one public function that
# does no work (returns PL_ENOTIMPL) after trying to forge the running
# test's verdict, as a student who read the harness would:
#   environ   the issue's attack, in 01-map/{openmp,fork,mpi}.c (pl_map): the
#             nonce from /proc/self/environ, --only and --verdict-fd from
#             /proc/self/cmdline, TIME + PASS + END lines, _exit(0) (MPI: the
#             harness's own lines silenced and its exit status turned into 0 at
#             exit, so mpiexec ends cleanly); graded with the performance tests,
#             as in the issue (29/29 on OpenMP before the trusted checker)
#   variants  on OpenMP: 02-futures (pl_future_start) finds the nonce in its own
#             memory (/proc/self/maps + /proc/self/mem); 03-group
#             (pl_group_new) writes the forged lines to every descriptor 0..1023
#   ctor      on OpenMP: 01-map's forgery runs in an __attribute__((constructor)),
#             before main; pl_map does no work
# Checked: paralab-grade grades it (exit 0, the forged files built); EVERY
# test of the forged labs on the forged models scores 0; the static scan
# flagged each forged file for review (results.json extra_data.review).
# ADV_NO_FORGE=1 builds the same submission without the forgery (the
# functions just do no work): the control that every test checked needs the
# function (it must score 0 on any grader).
# Several CASEs run one after another (one CTest entry); 77 = skipped.
set -u
. "$(dirname "$0")/each_case.sh" # several CASEs: one run each; else sets GRADE SOURCE REF CASE
BUDGET=${ADV_BUDGET:-500} # a grader that hangs, not a speed test (loaded machine)

fail() { echo "FAIL [$CASE]: $*" >&2; exit 1; }
note() { echo "[$CASE] $*"; }

# One forged file per line: LAB MODEL FUNCTION MODE (environ, environ-atexit, memory, allfds, ctor)
case "$CASE" in
    environ) forged="01-map openmp pl_map environ
01-map fork pl_map environ
01-map mpi pl_map environ-atexit"
        models=openmp,fork,mpi select=(--only 01-map) ;;
    variants) forged="02-futures openmp pl_future_start memory
03-group openmp pl_group_new allfds"
        models=openmp select=(--tests 'futures/*,group/*' --no-perf) ;;
    ctor) forged="01-map openmp pl_map ctor"
        models=openmp select=(--only 01-map --no-perf) ;;
    *) fail "unknown case (environ variants ctor)" ;;
esac
# No test passes whatever the function does: where a test's point does not apply to a
# model (crash isolation without processes, one MPI worker to balance) it still asks for a
# working call, and the leftovers tests check the results of the calls they count after.
# A test that ever needs to be excused goes here as a regular expression on its name.
free_re='^$'
while read -r lab model func mode; do
    [ -f "$SOURCE/solutions/$lab/$model.c" ] || { echo "SKIP: no solutions/$lab/$model.c"; exit 77; }
done <<<"$forged"
for m in ${models//,/ }; do
    [ -x "$REF/tests/test_map_$m" ] || { echo "SKIP: $REF/tests/test_map_$m not built"; exit 77; }
done
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 77; }

T=$(mktemp -d /tmp/paralab-forgery-XXXXXX)
chmod 755 "$T"
trap '[ -n "${ADV_KEEP:-}" ] && echo "kept $T" || rm -rf "$T"' EXIT

# The trusted tree as the grader reads it (without builds), and the forged submission.
SRC=$T/src
mkdir -p "$SRC" "$T/submission/labs"
(cd "$SOURCE" && tar --exclude='./build*' --exclude=./.git --exclude=./out -cf - .) | tar -xf - -C "$SRC"
SUB=$T/submission/labs
cp -r "$SRC/solutions/." "$SUB/"

# forge LAB MODEL FUNCTION MODE: the forgery on top of the file, FUNCTION does no work.
forge() {
    local file=$SUB/$1/$2.c func=$3 mode=$4 body='adv_forge(); return PL_ENOTIMPL;'
    [ "$mode" = ctor ] && body='return PL_ENOTIMPL;'
    [ -n "${ADV_NO_FORGE:-}" ] && body='return PL_ENOTIMPL;'
    {
        echo "#define ADV_FROM_MEMORY $([ "$mode" = memory ] && echo 1 || echo 0)"
        echo "#define ADV_EVERY_FD $([ "$mode" = allfds ] && echo 1 || echo 0)"
        echo "#define ADV_EXIT_LATER $([ "$mode" = environ-atexit ] && echo 1 || echo 0)"
        cat "$SRC/tests/grader/forgery_code.c"
        if [ "$mode" = ctor ] && [ -z "${ADV_NO_FORGE:-}" ]; then
            echo '__attribute__((constructor)) static void adv_early(void) { adv_forge(); }'
        fi
        ADV_FN=$func ADV_BODY=$body awk '
            { print }
            !done && $0 ~ "^int " ENVIRON["ADV_FN"] "\\(" { found = 1 }
            found && !done && $0 ~ /^\{/ { print "    " ENVIRON["ADV_BODY"]; done = 1 }
            END { if (!done) exit 3 }' "$file"
    } > "$file.new" || fail "no definition of $func in $file"
    mv "$file.new" "$file"
}
while read -r lab model func mode; do
    forge "$lab" "$model" "$func" "$mode"
done <<<"$forged"

# The shipped rubric (points, perf rules), on the forged models only.
sed "s/^set models .*/set models ${models//,/ }/" "$SRC/grader/rubric.txt" > "$T/rubric.txt"
start=$(date +%s)
"$GRADE" --source-dir "$SRC" "${REF_ARGS[@]}" --rubric "$T/rubric.txt" --out "$T/out" --work "$T/work" \
    --jobs 2 "${select[@]}" "$SUB" > "$T/grade.out" 2> "$T/grade.err"
rc=$?
took=$(( $(date +%s) - start ))
[ $rc -eq 0 ] || { cat "$T/grade.err"; fail "paralab-grade exited with $rc"; }
[ $took -le "$BUDGET" ] || fail "grading took ${took}s, budget ${BUDGET}s"
json=$T/out/results.json
[ -s "$json" ] || fail "no results.json"
grep -q "COMPILE ERROR\|could not be built" "$T/grade.out" &&
    fail "a forged file did not build, so this proves nothing: $(grep -A5 'COMPILE ERROR\|could not be built' "$T/grade.out" | head -8)"
note "graded in ${took}s: $(grep '^Score:' "$T/grade.out")"

if [ -z "${ADV_NO_FORGE:-}" ]; then
    # The static scan flagged each forged file for a human (and changed no score: they are all 0).
    while read -r lab model func mode; do
        case "$mode" in
            memory) want='/proc/self/maps /proc/self/mem PARALAB_VERDICT' ;;
            ctor) want='constructor /proc/self/environ /proc/self/cmdline' ;;
            *) want='/proc/self/environ /proc/self/cmdline PARALAB_VERDICT' ;;
        esac
        for c in $want; do
            jq -e --arg f "$lab/$model.c" --arg c "$c" \
                '[.extra_data.review[] | select(.file == $f and (.construct | startswith($c)))] | length > 0' "$json" >/dev/null ||
                fail "the scan did not flag '$c' in $lab/$model.c: $(jq -c .extra_data.review "$json" | head -c 600)"
        done
    done <<<"$forged"
    grep -q "Flagged for review" "$T/grade.out" || fail "the text report does not show the flags"
    note "flagged for review: $(jq -r '[.extra_data.review[] | .file] | unique | join(", ")' "$json")"
fi

# Every test of a forged lab on its model that needs the function: 0 points.
scored=""
while read -r lab model func mode; do
    prefix="$lab [$model] "
    n=$(jq --arg p "$prefix" '[.tests[] | select(.name | startswith($p))] | length' "$json")
    [ "$n" -gt 0 ] || fail "no test of $lab on $model was graded"
    free=$(jq --arg p "$prefix" --arg re "$free_re" \
        '[.tests[] | select((.name | startswith($p)) and (.name | test($re)))] | length' "$json")
    s=$(jq -r --arg p "$prefix" --arg re "$free_re" '.tests[] | select((.name | startswith($p))
        and (.name | test($re) | not) and (.score > 0 or .status == "passed"))
        | "  \(.name): \(.score)/\(.max_score) \(.status)"' "$json")
    if [ -n "$s" ]; then
        scored+="$s"$'\n'
        note "$lab $model ($func, $mode): $(grep -c . <<<"$s") of the $((n - free)) tests that need $func scored"
    else
        note "$lab $model ($func, $mode): all $((n - free)) tests that need $func score 0 ($free pass without it)"
    fi
done <<<"$forged"
if [ -n "$scored" ]; then
    printf '%s' "$scored" | head -20
    [ "$(grep -c . <<<"$scored")" -le 20 ] || echo "  ..."
    fail "tests whose function does no work scored (total $(jq .score "$json")): the verdict was forged"
fi
[ -n "${ADV_NO_FORGE:-}" ] && { note "ok (control: no forgery)"; exit 0; }
note "ok"
