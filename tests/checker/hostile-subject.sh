#!/bin/bash
# hostile-subject.sh CHECKER - a subject that attacks its checker (issue 14):
# kill(getppid()), kill(-1, SIGKILL), the checker's pid found in /proc and
# signalled, its /proc/PID/mem, environ and fd/N opened. (Root inside a
# namespace may list the numbers in fd/ - the directory is root's - but
# open none of them.) The checker must
# survive all of it and fail the test with the subject's own end ("exited
# during the test (status 3)"), and nothing of its memory, environment or
# descriptors may be opened. Run as it can be here:
#   namespace  the subject in its own user+PID namespace (any user, where allowed)
#   user       as root: the subject as nobody, no namespace (Docker's default seccomp)
#   both       as root: the subject as nobody in its own namespaces
# A kill is tried only where the checker says the subject is isolated: on a
# machine without namespaces, as a plain user, it would really kill the
# checker (and kill(-1) every process of the user) - that case is reported
# as not isolated, the remaining checks still run.
set -euo pipefail
checker=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
chmod 755 "$T" # the "user" runs: nobody runs the subject from here
cp "$checker" "$T/test_map_fork"
cat >"$T/pl_subject_fork" <<'SUBJECT'
#!/bin/sh
log=$HOSTILE_LOG
note() { echo "$1" >>"$log"; }
# open: a file of the checker's that must not open (mem, environ, fd/)
open() { if sh -c 'exec 5<"$1"' _ "$1" 2>/dev/null; then note "OPENED $1"; else note "refused $1"; fi; }
# kill: tried only when isolated (see the top of hostile-subject.sh); the checker surviving is the check
isolated=
[ "$(awk '/^NSpid/ {print NF - 1}' /proc/self/status)" -gt "$HOSTILE_LEVELS" ] && isolated=namespace
[ "$(id -u)" != "$HOSTILE_UID" ] && isolated="${isolated:+$isolated+}user"
note "isolation: ${isolated:-none}"
try_kill() { if [ -z "$isolated" ]; then note "skipped kill $*"; else kill -9 "$@" 2>/dev/null; note "sent kill -9 $* (rc $?)"; fi; }
try_kill "$PPID"
for d in /proc/[0-9]*; do
    p=${d#/proc/}
    case "$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)" in
    "$CHECKER_MARK "*) ;; # the checker, or its copy that is the namespace's init
    *) continue ;;
    esac
    note "found the checker (or its init) as $p"
    open "$d/mem"
    open "$d/environ"
    for n in 0 1 2 3 4 5 6 7 8 9; do # the verdict descriptor is 3 under the grader
        [ -e "$d/fd/$n" ] || [ -L "$d/fd/$n" ] && open "$d/fd/$n"
    done
    try_kill "$p"
done
case $isolated in namespace*) try_kill -1 ;; *) note "skipped kill -1 (only inside a namespace)" ;; esac
exit 3
SUBJECT
chmod 755 "$T/pl_subject_fork"
status=0
run() { # NAME [VAR=VALUE...]
    local name=$1 out rc=0 uid
    shift
    uid=$(id -u)
    case " $* " in *PARALAB_SUBJECT_UID=*) uid=65534 ;; esac
    : >"$T/log"
    chmod 666 "$T/log"
    out=$(cd "$T" && env "$@" HOSTILE_LOG="$T/log" CHECKER_MARK="$T/test_map_fork" HOSTILE_UID="$(id -u)" \
        HOSTILE_LEVELS="$(awk '/^NSpid/ {print NF - 1}' /proc/self/status)" \
        timeout 90 "$T/test_map_fork" --only map/n_one --test-timeout 20 2>&1) || rc=$?
    if [ "$name" = namespace ] && grep -q "checker: note: no user+PID namespace" <<<"$out"; then
        echo "skip $name: this machine gives the subject no namespace: $(grep -m1 'checker: note' <<<"$out")"
        return
    fi
    if [ "$rc" -ne 1 ] || ! grep -q "checker:0  - the subject process exited during the test (status 3)" <<<"$out"; then
        echo "FAIL $name: the checker did not survive to report the subject's exit (exit $rc)"
        echo "$out" | tail -n 8
        status=1
    elif grep -q "^OPENED" "$T/log" || ! grep -q "^found the checker" "$T/log"; then
        echo "FAIL $name: the subject reached into the checker (or never found it):"
        cat "$T/log"
        status=1
    elif pgrep -f "$T/" >/dev/null; then
        echo "FAIL $name: a process of the hostile subject is still running"
        status=1
    else
        echo "ok   $name: $(grep -m1 isolation "$T/log"); checker survived: $(grep -c '^sent' "$T/log") kills sent," \
            "$(grep -c '^refused' "$T/log") opens refused$(grep -q 'skipped kill [0-9]' "$T/log" && echo ', kills skipped (not isolated)')"
        grep -h "checker: note" <<<"$out" || true
    fi
}
run namespace
if [ "$(id -u)" = 0 ]; then
    run user PARALAB_SUBJECT_UID=65534:65534 PARALAB_SUBJECT_NO_NAMESPACE=1
    run both PARALAB_SUBJECT_UID=65534:65534
else
    echo "skip user, both: they need root (the subject as another user)"
fi
exit $status
