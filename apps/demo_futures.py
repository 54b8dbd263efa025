#!/usr/bin/env python3
"""demo_futures.py - futures in Python's standard library, beside demo_futures.c.

`./paralab demo futures --python` runs this and then the C demo.

Why concurrent.futures and not the lesson's `parallel` library: there,
`task.future(x)` does NOT start anything. It returns a deferred job (a
ParallelJob: the function and its arguments), with no result(), no done(),
no cancel(); the job runs only when handed to `parallel.par` /
`async_par`. The futures of lab 02 (start now, wait with a timeout, ask if
done, cancel) are concurrent.futures' Future, which this file uses:

    ex = ThreadPoolExecutor(2)
    f = ex.submit(time.sleep, 0.3)   # starts now (if a worker is free)
    f.result(timeout=0.05)           # TimeoutError: not done yet, still running
    f.result()                       # waits for it
    f.cancel()                       # True only if it has NOT started yet

The last line is where C differs most: Python cannot stop a running thread
(neither can OpenMP), so a running task has to be asked to stop - here with
a threading.Event, the cooperative stop paralab's pl_should_stop() is.
"""
import concurrent.futures as cf
import sys
import threading
import time


def sleep_ms(ms):
    time.sleep(ms / 1000)
    return ms


def square(x):
    return x * x


def fail(text):
    raise ValueError(f"fail: {text!r}")


def hang(stop):
    # Polls its stop flag like paralab's long tasks poll pl_should_stop():
    # the only safe way to end a running thread early.
    while not stop.wait(0.002):
        pass
    return "stopped when asked"


def show(label, future):
    try:
        text = f"OK {future.result()!r}"
    except cf.CancelledError:
        text = "CANCELLED"
    except Exception as exc:  # the task's own exception, re-raised by result()
        text = f"FAILED: {type(exc).__name__}: {exc}"
    print(f"  {label:<28} {text}")


def wait_twice(ex):
    f = ex.submit(sleep_ms, 300)
    print(f"started sleep_ms(300); done right away? {'yes' if f.done() else 'no'}")
    try:
        f.result(timeout=0.05)
    except cf.TimeoutError:
        print(f"  {'result(timeout=0.05)':<28} TimeoutError: not done yet, it keeps running; wait again")
    show("result()", f)


def many(ex):
    fs = [ex.submit(square, x) for x in range(5, 9)]
    print("square(5..8) submitted together, waited for last to first:")
    for x, f in reversed(list(zip(range(5, 9), fs))):
        show(f"square({x})", f)


def fail_and_cancel(ex):
    bad = ex.submit(fail, "no such species")
    stop = threading.Event()
    forever = ex.submit(hang, stop)
    show("fail(...)", bad)
    time.sleep(0.05)  # let it start: a queued future could still be cancelled
    print(f"  {'hang().cancel()':<28} {forever.cancel()}: a running task cannot be cancelled")
    stop.set()
    show("hang() after stop.set()", forever)


def main(argv):
    if argv[1:] in (["-h"], ["--help"]):
        print("usage: demo_futures.py\n  concurrent.futures: submit, result(timeout), done, cancel")
        return 0
    if argv[1:]:
        print(f"demo_futures.py: takes no arguments (got {argv[1]!r})", file=sys.stderr)
        return 2
    print("[python] concurrent.futures.ThreadPoolExecutor(2): submit, result(timeout), cancel")
    with cf.ThreadPoolExecutor(max_workers=2) as ex:
        wait_twice(ex)
        many(ex)
        fail_and_cancel(ex)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
