#!/bin/bash
# adversary.sh - grade a hostile submission and check the grader stays in charge.
#
#   adversary.sh GRADE SOURCE REF_BUILD CASE
#
# CASE is one of: loop deadlock segfault forkbomb membomb flood exit0
# fakesummary outside deltests destructor killparent (adversaries generated
# from solutions/ by patching one function), nofork racymap zombies (faults
# students really make: the tests named for the fault fail, with a hint, and
# the others pass), zipslip (an archive member outside the upload: never
# written), archives (a correct submission as a directory, .tar.gz and .zip
# with a stray link and junk: the same score each time, one note),
# usage (command-line mistakes and a corrupt archive: one clear line, exit 2
# resp. a 0 score), or reference / skeleton (full marks / exactly 0).
# Several CASEs may be given: they run one after another (one CTest entry).
#
# The submission is a copy of solutions/ with ONE function (pl_map in 01-map,
# of the "victim" model) patched. The grader runs a few map tests on the
# victim and, when another model exists, the same tests on it as a control.
# Checked: the grader exits 0 within its budget; the victim's tests score 0
# with the expected reason; the control's tests pass; results.json is valid
# and ours; no runner process and no stray file is left behind.
#
# To keep the real tree safe from "deltests"/"outside", every case grades
# against a throw-away copy of the project tree.
set -u
. "$(dirname "$0")/each_case.sh" # several CASEs: one run each; else sets GRADE SOURCE REF CASE
LAB=${ADV_LAB:-01-map}
FUNC=${ADV_FUNC:-pl_map}
# Not a speed test (the machine may be loaded 10-40): a grader that hangs
# would exceed it; a slow one under load should not. Grading everything
# (reference, skeleton: 270 tests) took up to 400 s at load 20.
BUDGET=${ADV_BUDGET:-300}
case "$CASE" in reference|skeleton) BUDGET=${ADV_BUDGET:-600} ;; esac

fail() { echo "FAIL [$CASE]: $*" >&2; exit 1; }
note() { echo "[$CASE] $*"; }

T=$(mktemp -d /tmp/paralab-adv-XXXXXX)
chmod 755 "$T"
cleanup() { [ -n "${ADV_KEEP:-}" ] && echo "kept $T" || rm -rf "$T"; rm -rf /tmp/paralab-adv-outside /var/tmp/paralab-adv-outside /dev/shm/paralab-adv-outside; }
trap cleanup EXIT

# A private copy of the trusted tree (what the grader reads).
SRC=$T/src
mkdir -p "$SRC"
(cd "$SOURCE" && tar --exclude='./build*' --exclude=./.git --exclude=./out -cf - .) | tar -xf - -C "$SRC"

# Command-line mistakes: one clear line on stderr and exit 2 (results.json
# still written, saying so) - before any grading; a corrupt archive: exit 0,
# score 0, one clear line instead of the unzip tool's raw output.
if [ "$CASE" = usage ]; then
    usage_error() { # NAME WANT ARGS...: exit 2, one stderr line matching WANT, nothing on stdout
        local name=$1 want=$2
        shift 2
        rm -rf "$T/out"
        "$GRADE" --source-dir "$SRC" "${REF_ARGS[@]}" --out "$T/out" "$@" > "$T/u.out" 2> "$T/u.err"
        local rc=$?
        [ $rc -eq 2 ] || fail "$name: exit status $rc, want 2: $(cat "$T/u.err")"
        grep -q -e "$want" "$T/u.err" || fail "$name: stderr does not say '$want': $(cat "$T/u.err")"
        [ ! -s "$T/u.out" ] || fail "$name: printed a report: $(head -3 "$T/u.out")"
        jq -e '.score == 0' "$T/out/results.json" >/dev/null || fail "$name: no valid results.json"
        jq -r .output "$T/out/results.json" | grep -q -e "$want" || fail "$name: results.json does not say '$want'"
        note "$name: $(tail -1 "$T/u.err")"
    }
    # (one line up front; a selection found empty only by the catalog may follow the start-up lines)
    one_line() { [ "$(wc -l < "$T/u.err")" -eq 1 ] || fail "$1: more than one line: $(cat "$T/u.err")"; }
    usage_error "a file that is not an archive" "README.md is not a submission" "$SRC/README.md"
    one_line "not an archive"
    usage_error "--only nosuch" "--only nosuch: no such lab.*01-map (map" --only nosuch
    one_line "--only"
    usage_error "--junit in a missing directory" "cannot write --junit /nonexistent/x.xml" --junit /nonexistent/x.xml
    one_line "--junit"
    # A mistaken --format: said on stderr; the default results.json says "bad command line".
    rm -rf "$T/out"
    "$GRADE" --source-dir "$SRC" --out "$T/out" --format nosuch > "$T/u.out" 2> "$T/u.err"
    rc=$?
    [ $rc -eq 2 ] || fail "--format nosuch: exit status $rc, want 2"
    grep -q "unknown format 'nosuch' (formats: gradescope, prairielearn" "$T/u.err" || fail "--format nosuch: $(cat "$T/u.err")"
    jq -r .output "$T/out/results.json" | grep -q "bad command line" || fail "--format nosuch: results.json does not say so"
    note "--format nosuch: $(head -1 "$T/u.err")"
    usage_error "--tests matching nothing" "selects none of the .* tests.*01-map" --tests 'nosuch/*'
    echo "this is not a zip file" > "$T/broken.zip"
    rm -rf "$T/out"
    "$GRADE" --source-dir "$SRC" "${REF_ARGS[@]}" --out "$T/out" --no-perf "$T/broken.zip" > "$T/u.out" 2> "$T/u.err"
    rc=$?
    [ $rc -eq 0 ] || fail "corrupt zip: exit status $rc, want 0 (graded: score 0): $(cat "$T/u.err")"
    grep -q -i "zipinfo\|central directory\|zipfile" "$T/u.err" && fail "corrupt zip: the tool's raw output leaked: $(cat "$T/u.err")"
    jq -e '.score == 0' "$T/out/results.json" >/dev/null || fail "corrupt zip: no score 0 in results.json"
    msg=$(jq -r .output "$T/out/results.json" | grep 'cannot list the archive') || fail "corrupt zip: results.json does not say 'cannot list the archive'"
    [ "$(grep -c 'cannot list the archive' "$T/u.out")" -eq 1 ] || fail "corrupt zip: the report does not say it once"
    note "corrupt zip: $msg"
    note "ok"
    exit 0
fi

# Victim and control models: the parallel models lab $LAB has, fork first.
models=()
for m in fork openmp mpi; do
    [ -f "$SRC/solutions/$LAB/$m.c" ] && models+=("$m")
done
[ ${#models[@]} -ge 1 ] || { echo "SKIP: no parallel model in solutions/$LAB yet"; exit 77; }
case "$CASE" in
    racymap) VICTIM=openmp ;;
    nofork|zombies) VICTIM=fork ;;
    *) VICTIM=${ADV_VICTIM:-${models[0]}} ;;
esac
[ -f "$SRC/solutions/$LAB/$VICTIM.c" ] || { echo "SKIP: no solutions/$LAB/$VICTIM.c"; exit 77; }
CONTROL=${models[1]:-}
[ "$CONTROL" = "$VICTIM" ] && CONTROL=${models[0]}
suite=${LAB#*-}
bin="$REF/tests/test_${suite}_${VICTIM}"
[ -x "$bin" ] || { echo "SKIP: $bin not built"; exit 77; }

# Two tests that pass on the reference quickly: the lesson's example and a tiny one.
if [ "$VICTIM" = mpi ]; then
    names=$(OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpiexec -n 1 "$bin" --list)
else
    names=$("$bin" --list)
fi
pick=()
for want in "$suite/lesson_pool5_square" "$suite/n_one" "$suite/results_in_input_order"; do
    grep -qx "$want" <<<"$names" && pick+=("$want")
done
[ ${#pick[@]} -ge 2 ] || mapfile -t pick < <(head -n 2 <<<"$names")
TESTS=$(IFS=,; echo "${pick[*]:0:2}")

# ---------------------------------------------------------------- the submission
SUB=$T/submission/labs
mkdir -p "$SUB"
cp -r "$SRC/solutions/." "$SUB/"
victim_file="$SUB/$LAB/$VICTIM.c"
expect_victim=""   # regex the victim's failure reason must match; "" = must pass
headers='#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>'
body=""
tail_code=""
replace_fn=""      # replace this function's whole definition with $replacement
replace_line=""    # or this exact line with $replacement
fault_fail=()      # fault cases: the victim's tests that must fail (with $fault_reason and a hint)
fault_pass=()      # ... and the victim's tests that must still pass
case "$CASE" in
    loop) body='{ volatile int adv_spin = 1; while (adv_spin) { } }'
        expect_victim='timed out' ;;
    deadlock) body='{ static pthread_mutex_t adv_m = PTHREAD_MUTEX_INITIALIZER; pthread_mutex_lock(&adv_m); pthread_mutex_lock(&adv_m); }'
        expect_victim='timed out.*stuck:.*(sleeping|futex)' ;;
    segfault) body='{ volatile int *adv_p = NULL; *adv_p = 42; }'
        expect_victim='SIGSEGV|signal 11' ;;
    forkbomb) body='for (;;) { (void)fork(); }'
        expect_victim='timed out.*processes \(process limit' ;;
    membomb) body='for (;;) { char *adv_p = malloc(1 << 20); if (adv_p == NULL) { abort(); } memset(adv_p, 1, 1 << 20); }'
        expect_victim='memory limit' ;;
    flood) body='{ static char adv_buf[65536]; memset(adv_buf, 120, sizeof adv_buf); for (long adv_i = 0; adv_i <= 16384; adv_i++) { fwrite(adv_buf, 1, sizeof adv_buf, stdout); } }'
        expect_victim='output flood' ;;
    exit0) body='exit(0);'
        expect_victim='exited during the test|malformed answer' ;; # its forged lines land on the checker's socket
    fakesummary) body='printf("  Test: fake ...passed\n\nRun Summary:    Type  Total    Ran Passed Failed Inactive\n              suites      1      1    n/a      0        0\n               tests      1      1      1      0        0\n             asserts      1      1      1      0      n/a\n"); dprintf(3, "0123456789abcdef PASS x/y\n0123456789abcdef END 1 0\n"); fflush(stdout); exit(0);'
        expect_victim='exited during the test|malformed answer' ;; # its forged lines land on the checker's socket
    outside) body="{ const char *adv_paths[] = {\"/tmp/paralab-adv-outside\", \"/var/tmp/paralab-adv-outside\", \"/dev/shm/paralab-adv-outside\", \"$SRC/tests/PWNED\", \"$T/out/results.json\", \"$REF/PWNED\", NULL}; for (int adv_i = 0; adv_paths[adv_i]; adv_i++) { FILE *adv_f = fopen(adv_paths[adv_i], \"w\"); if (adv_f) { fputs(\"{\\\"score\\\": 1000}\", adv_f); fclose(adv_f); } } }"
        expect_victim='' ;;
    deltests) body="{ char adv_exe[512]; ssize_t adv_n = readlink(\"/proc/self/exe\", adv_exe, sizeof adv_exe - 1); if (adv_n > 0) { adv_exe[adv_n] = 0; *strrchr(adv_exe, '/') = 0; char adv_cmd[2048]; snprintf(adv_cmd, sizeof adv_cmd, \"rm -rf '%s' '$SRC/tests' 2>/dev/null\", adv_exe); if (system(adv_cmd)) { } } }"
        expect_victim='' ;;
    destructor) tail_code='__attribute__((destructor)) static void adv_dtor(void) { sleep(1000); }'
        # (fork: a worker that exit()s runs the destructor too, and the test hangs in it)
        expect_victim='did not exit|timed out' ;;
    killparent) body='kill(getppid(), SIGKILL); kill(getppid(), SIGTERM); exit(0);'
        expect_victim='exited|crashed|killed' ;;
    # A fork map that runs every item in the parent: the serial solution handed in as
    # fork.c (right answers, deadlines kept, no fork).
    nofork) cp "$SRC/solutions/$LAB/serial.c" "$victim_file" || fail "no serial.c to hand in as fork.c"
        fault_fail=(map/items_run_in_the_models_workers fork/map_is_a_pool)
        fault_pass=(map/lesson_pool5_square map/each_item_runs_exactly_once map/no_zombies_after_each_call
                    map/no_descriptors_left_after_each_call)
        fault_reason='in_caller is [1-9]' ;;
    # An OpenMP map whose threads take items with an unsynchronised `next++`.
    racymap) replace_fn=run_items
        replacement='static int run_items(const char *task, pl_value *const items[], size_t n, int threads, size_t chunk,
                     pl_cancel *token, int64_t deadline_ns, pl_result *results[])
{
    (void)chunk; /* adversary: one item at a time, taken with a racy next++ */
    size_t next = 0; /* adversary: shared by the threads, no lock, no atomic */
    int rc = PL_OK;
#pragma omp parallel num_threads(threads)
    {
        for (;;) {
            size_t i = next++;
            if (i >= n) {
                break;
            }
            int item_rc = run_item(task, items[i], token, deadline_ns, &results[i]);
            if (item_rc < rc) {
                rc = item_rc;
            }
        }
    }
    return rc;
}'
        fault_fail=(map/each_item_runs_exactly_once)
        fault_pass=(map/lesson_pool5_square map/results_in_input_order map/items_run_in_the_models_workers)
        fault_reason='did not run exactly once' ;;
    # A fork map that never reaps its idle workers (it closes their pipes and forgets them).
    zombies) replace_line='    int rc = pl_fork_reap(w->pid, force, wstatus);'
        replacement='    int rc = force ? pl_fork_reap(w->pid, force, wstatus) : PL_OK; /* adversary: idle workers are never reaped */'
        fault_fail=(map/no_zombies_after_each_call)
        fault_pass=(map/lesson_pool5_square map/no_descriptors_left_after_each_call map/crash_is_isolated map/each_item_runs_exactly_once)
        fault_reason='zombie children' ;;
    reference|skeleton|zipslip|archives|usage) ;;
    *) fail "unknown case" ;;
esac

if [ -n "$body" ]; then
    # Insert the body right after the opening brace of FUNC's definition.
    # (through the environment: awk -v would turn the C string's \n into newlines)
    ADV_FN=$FUNC ADV_BODY=$body awk '
        { print }
        !done && $0 ~ "^[a-z].*[ *]" ENVIRON["ADV_FN"] "\\(" && $0 !~ /;[ \t]*$/ { found = 1 }
        found && !done && $0 ~ /^\{/ { print "    " ENVIRON["ADV_BODY"]; done = 1 }
        END { if (!done) exit 3 }' "$victim_file" > "$victim_file.new" || fail "no definition of $FUNC in $victim_file"
    mv "$victim_file.new" "$victim_file"
fi
if [ -n "$replace_fn" ]; then
    ADV_FN=$replace_fn ADV_TEXT=$replacement awk '
        !done && $0 ~ "^static [a-z].*[ *]" ENVIRON["ADV_FN"] "\\(" { skipping = 1 }
        skipping && $0 == "}" { print ENVIRON["ADV_TEXT"]; skipping = 0; done = 1; next }
        !skipping { print }
        END { if (!done) exit 3 }' "$victim_file" > "$victim_file.new" || fail "no function $replace_fn in $victim_file"
    mv "$victim_file.new" "$victim_file"
elif [ -n "$replace_line" ]; then
    ADV_LINE=$replace_line ADV_TEXT=$replacement awk '
        $0 == ENVIRON["ADV_LINE"] { print ENVIRON["ADV_TEXT"]; done = 1; next } { print }
        END { if (!done) exit 3 }' "$victim_file" > "$victim_file.new" || fail "no line '$replace_line' in $victim_file"
    mv "$victim_file.new" "$victim_file"
fi
if [ "$CASE" != reference ] && [ "$CASE" != skeleton ] && [ "$CASE" != archives ]; then
    { echo "$headers"; cat "$victim_file"; [ -n "$tail_code" ] && echo "$tail_code"; } > "$victim_file.new"
    mv "$victim_file.new" "$victim_file"
fi

# A rubric for quick adversary runs: short limits, only the two models.
cat > "$T/rubric.txt" <<EOF
set models $VICTIM${CONTROL:+,$CONTROL}
set timeout 6
set short-timeout 3
set memory-mb 512
set output-mb 8
set procs 256
lab 01-map map
lab 02-futures futures
lab 03-group group
EOF

args=(--source-dir "$SRC" "${REF_ARGS[@]}" --out "$T/out" --work "$T/work" --jobs 1 ${ADV_GRADE_ARGS:-})
case "$CASE" in
    reference)
        args=(--source-dir "$SRC" "${REF_ARGS[@]}" --out "$T/out" --work "$T/work" --jobs 2 ${ADV_GRADE_ARGS:-}) ;;
    skeleton)
        # The committed skeletons, or (until scripts/make-labs has run) the grader's own stripping.
        if compgen -G "$SOURCE/labs/0[1-9]-*" >/dev/null; then
            cp -r "$SOURCE/labs/." "$SUB/"
        else
            for f in "$SRC"/solutions/0[1-9]-*/*.c; do
                rel=${f#"$SRC/solutions/"}
                "$GRADE" --strip-solution "$f" > "$SUB/$rel"
            done
        fi
        # The shipped rubric, every lab and model: "exactly 0" is about all of it.
        args=(--source-dir "$SRC" "${REF_ARGS[@]}" --out "$T/out" --work "$T/work" --jobs 2 --no-perf ${ADV_GRADE_ARGS:-}) ;;
    nofork|racymap|zombies)
        # The fault's own tests and the ones that must survive it (model tests too: no --only).
        TESTS=$(IFS=,; echo "${fault_fail[*]},${fault_pass[*]}")
        # (memory-mb as shipped: 16 threads reserve ~1.2 GB of address space, not of memory)
        { echo "lab models model"; echo "set memory-mb 2048"; } >> "$T/rubric.txt"
        args+=(--no-perf --rubric "$T/rubric.txt" --tests "$TESTS") ;;
    *)
        args+=(--no-perf --rubric "$T/rubric.txt" --only "$LAB" --tests "$TESTS") ;;
esac
[ "$CASE" = reference ] || [ "$CASE" = skeleton ] || note "victim $VICTIM, control ${CONTROL:-none}, tests $TESTS"

# Hostile archives: a member that climbs out of the upload, a symbolic link.
target=$T/submission/labs
case "$CASE" in
    zipslip)
        (cd "$T/submission" && tar -cf "$T/upload.tar" "labs/$LAB/$VICTIM.c" \
            --transform "s|labs/$LAB/$VICTIM.c|../../paralab-adv-outside|") || fail "tar"
        target=$T/upload.tar ;;
esac

# A correct submission with what real uploads carry besides the lab files:
# an editor's compile_commands.json link (dangling here), build outputs,
# macOS junk, a link to a directory outside, and one lab file that is a
# link (graded as its skeleton: its lab is not among the tests here). As a
# directory, .tar.gz and .zip it must score the same, with one note.
if [ "$CASE" = archives ]; then
    command -v zip >/dev/null || { echo "SKIP: zip is not installed"; exit 77; }
    ln -s /nonexistent/build/compile_commands.json "$SUB/compile_commands.json"
    ln -s /etc "$SUB/$LAB/etc"
    mkdir -p "$SUB/$LAB/build" "$SUB/__MACOSX/$LAB"
    head -c 4096 /dev/urandom > "$SUB/$LAB/build/$VICTIM.o"
    echo junk > "$SUB/__MACOSX/$LAB/._$VICTIM.c"
    echo junk > "$SUB/.DS_Store"
    mkfifo "$SUB/$LAB/fifo"
    rm "$SUB/02-futures/openmp.c"
    ln -s ../01-map/openmp.c "$SUB/02-futures/openmp.c"
    (cd "$T/submission" && tar -czf "$T/upload.tar.gz" labs) || fail "tar"
    (cd "$T/submission" && zip -qry "$T/upload.zip" labs -x 'labs/01-map/fifo') || fail "zip"
    scores=()
    for target in "$T/submission/labs" "$T/upload.tar.gz" "$T/upload.zip"; do
        rm -rf "$T/out" "$T/work"
        mkdir -p "$T/out"
        "$GRADE" "${args[@]}" "$target" > "$T/grade.out" 2> "$T/grade.err" || { cat "$T/grade.err"; fail "paralab-grade exited with $? on $target"; }
        json=$T/out/results.json
        score=$(jq .score "$json")
        [ "$(jq '[.tests[] | select(.status != "passed")] | length' "$json")" -eq 0 ] ||
            fail "$(basename "$target"): tests failed: $(jq -r '.tests[] | select(.status != "passed") | .name + ": " + .output' "$json" | head -5)"
        grep -q "02-futures/openmp.c.*link.*graded as the untouched skeleton" "$T/grade.out" ||
            fail "$(basename "$target"): no note that 02-futures/openmp.c is a link graded as its skeleton: $(head -20 "$T/grade.out")"
        if [ "$target" != "$T/submission/labs" ]; then
            [ "$(grep -c 'skipped [0-9]* entries that are not lab files' "$T/grade.out")" -eq 1 ] ||
                fail "$(basename "$target"): not exactly one note about the skipped entries: $(head -20 "$T/grade.out")"
            note "$(basename "$target"): $(grep -o 'skipped [0-9]* entries that are not lab files ([^)]*)' "$T/grade.out" | head -1)"
        fi
        scores+=("$score")
        note "$(basename "$target"): score $score"
    done
    [ "${scores[0]}" = "${scores[1]}" ] && [ "${scores[0]}" = "${scores[2]}" ] ||
        fail "the same submission scored ${scores[*]} as directory, .tar.gz, .zip"
    [ -e "$T/work" ] && fail "the grader left its work directory behind"
    note "ok: the same score (${scores[0]}) as a directory, .tar.gz and .zip"
    exit 0
fi

# The output dir exists before grading, so "outside" can try to plant a result in it.
mkdir -p "$T/out"
start=$(date +%s)
# reference: the solutions themselves, as `./paralab grade` grades them (no submission
# build; a submitted copy of solutions/ is graded by perf-cases.sh's stress cases).
[ "$CASE" = reference ] && target=""
"$GRADE" "${args[@]}" ${target:+"$target"} > "$T/grade.out" 2> "$T/grade.err"
rc=$?
took=$(( $(date +%s) - start ))
cat "$T/grade.out"
[ $rc -eq 0 ] || { cat "$T/grade.err"; fail "paralab-grade exited with $rc"; }
[ $took -le "$BUDGET" ] || fail "grading took ${took}s, budget ${BUDGET}s"
note "graded in ${took}s"

json=$T/out/results.json
[ -s "$json" ] || fail "no results.json"
head -c 1 "$json" | grep -q '{' || fail "results.json is not ours"
grep -q '"score": 1000' "$json" && fail "results.json was overwritten by the submission"

# One test's object of results.json on one line (jq -c): name, score, status, output.
test_line() { jq -c --arg n "$LAB [$1] $2" '.tests[] | select(.name == $n)' "$json" | grep .; }

case "$CASE" in
    reference)
        jq -e '(.tests | length) > 0' "$json" >/dev/null || fail "no tests were graded"
        failed=$(jq '[.tests[] | select(.status != "passed")] | length' "$json")
        [ "$failed" -eq 0 ] || fail "the reference solutions failed $failed tests: $(jq -r '.tests[] | select(.status != "passed") | .name' "$json" | head -5)"
        jq -e '.score == ([.tests[].max_score] | add)' "$json" >/dev/null || fail "the reference did not get exactly full marks"
        note "reference: score $(jq .score "$json") = full marks, every test passed" ;;
    skeleton)
        jq -e '(.tests | length) > 0 and .score == 0' "$json" >/dev/null || fail "skeletons did not score exactly 0"
        grep -q '"status": "passed"' "$json" && fail "a skeleton test passed"
        grep -q 'could not be built' "$json" && fail "the skeletons did not build: $(jq -r .output "$json" | head -20)"
        grep -E -q 'timed out|crashed' "$json" && fail "a skeleton test hung or crashed (should fail cleanly)"
        grep -q 'not implemented' "$json" || fail "no test says 'not implemented'"
        note "skeletons: exactly 0, every test failed cleanly" ;;
    zipslip)
        # Its only member climbs out of the upload: never written, said so, nothing to grade.
        jq -e '.score == 0' "$json" >/dev/null || fail "an archive with nothing but a climbing member scored"
        jq -r .output "$json" | grep -q 'points outside the archive' || fail "results.json does not say 'points outside the archive'"
        [ -e "$T/work/sub/paralab-adv-outside" ] || [ -e "$T/paralab-adv-outside" ] && fail "the climbing member was written" ;;
    nofork|racymap|zombies)
        # The fault's tests fail with the right reason and a hint; the others pass, on the victim and the control.
        result_of() { jq -c --arg n "[$1] $2" '.tests[] | select(.name | endswith($n))' "$json"; }
        for t in "${fault_fail[@]}"; do
            line=$(result_of "$VICTIM" "$t")
            [ -n "$line" ] || fail "no result for $VICTIM $t"
            grep -q '"status":"failed"' <<<"$line" || fail "$VICTIM $t should fail (the fault's test): ${line:0:600}"
            grep -E -q "$fault_reason" <<<"$line" || fail "$VICTIM $t: the reason should match /$fault_reason/: ${line:0:600}"
            grep -q 'hint: ' <<<"$line" || fail "$VICTIM $t: no hint in: ${line:0:600}"
            note "$VICTIM $t failed: $(jq -r .output <<<"$line" | head -1)"
        done
        for t in "${fault_pass[@]}"; do
            line=$(result_of "$VICTIM" "$t")
            grep -q '"status":"passed"' <<<"$line" || fail "$VICTIM $t should still pass: ${line:0:600}"
        done
        if [ -n "$CONTROL" ]; then
            for t in "${fault_fail[@]}" "${fault_pass[@]}"; do
                line=$(result_of "$CONTROL" "$t")
                [ -z "$line" ] || grep -q '"status":"passed"' <<<"$line" || fail "control $CONTROL $t should pass: ${line:0:600}"
            done
        fi ;;
    *)
        for t in "${pick[@]:0:2}"; do
            line=$(test_line "$VICTIM" "$t") || fail "no result for $VICTIM $t"
            if [ -n "$expect_victim" ]; then
                grep -q '"status":"failed"' <<<"$line" || fail "$VICTIM $t should fail: $line"
                jq -e '.score == 0' <<<"$line" >/dev/null || fail "$VICTIM $t should score 0"
                grep -E -q "$expect_victim" <<<"$line" || fail "$VICTIM $t: reason should match /$expect_victim/: ${line:0:600}"
            else
                grep -q '"status":"passed"' <<<"$line" || fail "$VICTIM $t should still pass: ${line:0:600}"
            fi
            if [ -n "$CONTROL" ]; then
                line=$(test_line "$CONTROL" "$t") || fail "no result for $CONTROL $t"
                grep -q '"status":"passed"' <<<"$line" || fail "control $CONTROL $t should pass: ${line:0:600}"
            fi
        done ;;
esac

# The machine is left clean.
sleep 0.2
# (Matched by this case's private path: other graders may be running as the
# same runner user on this machine at the same time.)
left=$(pgrep -a -f "$T/" || true)
[ -z "$left" ] || fail "processes left behind: $left"
for f in /tmp/paralab-adv-outside /var/tmp/paralab-adv-outside /dev/shm/paralab-adv-outside "$SRC/tests/PWNED" "$REF/PWNED"; do
    [ -e "$f" ] && fail "the submission wrote $f"
done
[ -f "$SRC/tests/harness.c" ] || fail "the submission deleted the trusted tests"
[ -x "$bin" ] || fail "the submission deleted the reference binaries"
[ -e "$T/work" ] && fail "the grader left its work directory behind"
note "ok"
exit 0
