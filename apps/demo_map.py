#!/usr/bin/env python3
"""demo_map.py - the lesson's Pool example, as it was meant to work.

Its C twin is demo_map.c (`./paralab demo map --python` runs both).

The lesson writes:

    from multiprocessing import Pool

    def square(x):
        return x * x

    with Pool(5) as p:
        print(p.map(square, range(1, 11)))

It works on Linux with Python <= 3.13 only by luck: there a worker process
is a fork() of this one and starts with the pool already made. Under the
"spawn" start method (Windows, macOS) and "forkserver" (Linux's default
from Python 3.14), every worker starts a fresh interpreter and IMPORTS this
file to find `square`; without the `if __name__ == "__main__":` guard that
import reaches `Pool(5)` again, each worker dies with RuntimeError ("An
attempt has been made to start a new process before the current process has
finished its bootstrapping phase"), the pool starts a replacement, which
dies the same way... and the map never returns. `--lesson` shows exactly
that, for a few seconds, in a separate interpreter.

Standard library only (multiprocessing): runs anywhere Python 3.11 does.
"""
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import textwrap


def square(x):
    # The pid says which worker process computed this item: the C demo prints
    # the worker of every result, and Pool.map gives us only the values.
    return x * x, os.getpid()


def corrected():
    print("[python] multiprocessing.Pool(5).map(square, range(1, 11))")
    with multiprocessing.Pool(5) as pool:
        pairs = pool.map(square, range(1, 11))
    print([value for value, _ in pairs])
    workers = [pid for _, pid in pairs]
    print("ran on workers:", " ".join(str(pid) for pid in workers))
    # Pool.map cuts the items into chunks (chunksize = ceil(10 / (4 * 5)) = 1
    # here) and each worker takes the next chunk when it is free: a fast
    # worker may take several, another none at all.
    print(f"(worker process ids; Pool(5) = 5 processes, {len(set(workers))} different worker(s) "
          f"ran the {len(workers)} items)")


LESSON = textwrap.dedent("""\
    import multiprocessing
    multiprocessing.set_start_method("spawn", force=True)  # Windows' and macOS' default
    from multiprocessing import Pool

    def square(x):
        return x * x

    with Pool(5) as p:                                     # the lesson: no __main__ guard
        print(p.map(square, range(1, 11)))
""")


def lesson(seconds=6.0):
    """Run the lesson's code as written under "spawn", stop it after a few seconds."""
    print(f"[python] the lesson's code without `if __name__ == '__main__':`, start method spawn, "
          f"stopped after {seconds:g} s:")
    # start_new_session: the stuck pool and its workers form a process group
    # we can end as a whole (killing only the parent would orphan workers).
    # A real file, not `python -c`: a spawned worker re-imports the main
    # module from its file, which is the whole point.
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "lesson_pool.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(LESSON)
        proc = subprocess.Popen([sys.executable, script], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=seconds)
            finished = True
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            finished = False
    # One traceback per dead worker; its last line starts "RuntimeError:".
    errors = sum(1 for line in out.splitlines() if line.startswith("RuntimeError"))
    print(f"  RuntimeError raised {errors} time(s) by workers that imported the file again")
    print("  the map " + ("returned" if finished else "never returned: the pool kept replacing its dying workers"))
    print("  fix: put the pool under `if __name__ == '__main__':` (as this file does)")


def main(argv):
    if argv[1:] in (["-h"], ["--help"]):
        print("usage: demo_map.py [--lesson]\n"
              "  Pool(5).map(square, 1..10) done right; --lesson also runs the lesson's\n"
              "  unguarded version under the spawn start method, to see it fail.")
        return 0
    if argv[1:] not in ([], ["--lesson"]):
        print(f"demo_map.py: unknown argument {argv[1]!r} (see --help)", file=sys.stderr)
        return 2
    corrected()
    if argv[1:] == ["--lesson"]:
        lesson()
    return 0


# The guard the lesson forgot: a spawned worker imports this file as a module
# (its __name__ is then "__mp_main__"), and must not create a pool of its own.
if __name__ == "__main__":
    sys.exit(main(sys.argv))
