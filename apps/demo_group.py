#!/usr/bin/env python3
"""demo_group.py - the lesson's async group, as it was meant to work.

Its C twin is demo_group.c (`./paralab demo group --python` runs both).

The lesson's example 3 uses the `parallel` library:

    funciones = {'planta': plantas.future('roja'),
                 'animal': animales.future('amarillo'),
                 'insecto': insectos.future('café')}
    with parallel.async_par(funciones, max_workers=5) as ex:
        resultados = ex.results(timeout=4)

`async_par` exists only in the library's first releases (0.0.x); the
current one (python-parallel 0.9.1) no longer has it, so the example fails
with AttributeError on a fresh install. Even where it runs, `.future()` only
packs the function and its argument: nothing runs before async_par, and
results(timeout=4) gives each wait 4 seconds in turn, not the whole group.

The same group with the standard library: one Future per name, a deadline
for the whole group (concurrent.futures.wait), the first to finish
(FIRST_COMPLETED) and the finishing order. The tasks RETURN their text
instead of printing it, so the lines never interleave: one place prints.
"""
import concurrent.futures as cf
import sys
import threading
import time

# The lesson's species, its arguments, and how long each one takes: the
# same as demo_group.c (planta is slowest, so it finishes last).
MEMBERS = {"planta": ("roja", 0.5), "animal": ("amarillo", 0.1), "insecto": ("café", 0.2)}


def species(kind, color, seconds):
    start = time.monotonic()
    time.sleep(seconds)
    # Which thread ran it, like the worker of a C result.
    return f"{kind} {color}", threading.get_ident() % 100000, (time.monotonic() - start) * 1000


def main(argv):
    if argv[1:] in (["-h"], ["--help"]):
        print("usage: demo_group.py\n  async_par({planta, animal, insecto}).results(timeout=4), with concurrent.futures")
        return 0
    if argv[1:]:
        print(f"demo_group.py: takes no arguments (got {argv[1]!r})", file=sys.stderr)
        return 2
    print("[python] ThreadPoolExecutor(5): {planta, animal, insecto}, every result within 4 s")
    order = []
    with cf.ThreadPoolExecutor(max_workers=5) as ex:
        futures = {ex.submit(species, name, color, secs): name for name, (color, secs) in MEMBERS.items()}
        # The finishing order, recorded by the futures themselves as they end.
        for f, name in futures.items():
            f.add_done_callback(lambda _f, name=name: order.append(name))
        done, _ = cf.wait(futures, timeout=4, return_when=cf.FIRST_COMPLETED)
        print(f"first to finish: {futures[next(iter(done))]}" if done else "nothing finished within 4 s")
        # One deadline for the whole group, counted from here: what the lesson
        # meant by results(timeout=4).
        done, not_done = cf.wait(futures, timeout=4)
        print("results(timeout=4):")
        for f, name in futures.items():
            if f in done:
                text, worker, ms = f.result()
                print(f"  {name:<8} OK {text!r} (thread ...{worker}, {ms:.1f} ms)")
            else:
                f.cancel()  # starts no more; one already running cannot be stopped
                print(f"  {name:<8} TIMEOUT")
    print("finishing order:", " ".join(order))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
