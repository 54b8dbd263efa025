#!/usr/bin/env python3
"""bench_py.py - the lesson's own tools on the bench's workloads.

    bench_py.py --tool T --task K --n N --arg A --workers W --reps R
                [--timeline FILE] [--url BASE] [--dir DIR]

Tools (T):
    serial      a plain loop: [f(x) for x in items]
    mp_pool     multiprocessing.Pool(W).map(f, items, chunksize=1)
    cf_thread   concurrent.futures.ThreadPoolExecutor(W).map(f, items)
    cf_process  concurrent.futures.ProcessPoolExecutor(W).map(f, items)

Tasks (K), the same as the C bench's:
    noop        returns its argument: the per-task overhead of the tool
    spin        CPU-bound: A is the target milliseconds per task; the number
                of rounds of the same LCG as the C `spin` is calibrated once
                (pure Python runs a round ~50-100x slower than C, so the same
                round count would not be the same workload)
    sleep_ms    time.sleep(A / 1000): I/O-bound
    fetch       A is "MS:BYTES": download BASE/slow/MS/BYTES (the C bench's
                loopback fixture, started by bench/run) into its own file

Why chunksize=1: paralab's pl_map hands out one item at a time (like
ProcessPoolExecutor.map's default); Pool.map's default chunksize batches
items, which hides the per-task cost this bench measures. The pool is
created and warmed up BEFORE the timed calls, as the C bench's warm-up call
does: what is timed is one map call, not starting the interpreter workers.

--bare maps a plain `square` over range(N) instead (noop only): the
lesson's own `Pool(W).map(sq, range(N))`, with nothing recorded per item.
run_task records a status, the worker and two clock readings per item, as
every paralab task does, so it is the like-for-like figure; --bare is the
figure a student would time by hand, reported beside it (py_<tool>_bare).

--cold times the pool's start and shutdown too (`with Pool(W) as p:
p.map(...)`, the lesson's own pattern), reported as py_<tool>_cold: what a
pl_map call pays, since ours starts its workers per call.

--paired runs the items in a plain loop right before each timed map and
reports the median ratio loop / map (see bench_map.c: a baseline measured
back to back with the map sees the same machine load).

Prints one CSV line, the same columns as bench_<model>:
    model,workload,workers,n,arg,reps,median_s,min_s,max_s,not_ok,
    base_s,pspeedup,pspeedup_lo,pspeedup_hi
"""
import argparse
import concurrent.futures as cf
import multiprocessing as mp
import os
import statistics
import sys
import threading
import time
import urllib.request

MASK = (1 << 64) - 1
SPIN_ROUNDS = {"per_ms": None}


def spin_rounds(n):
    x = 1
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) & MASK
    return x >> 1


def calibrate_spin():
    """Rounds per millisecond of this interpreter (best of 3, so noise slows it least)."""
    n = 200_000
    best = min(_timed(spin_rounds, n) for _ in range(3))
    return max(1, int(n / (best * 1000)))


def _timed(fn, arg):
    t = time.perf_counter()
    fn(arg)
    return time.perf_counter() - t


def worker_id():
    """Which worker ran a task: the pid for processes, the thread ident for threads."""
    if threading.current_thread() is threading.main_thread():
        return os.getpid()
    return threading.get_ident()


def run_task(job):
    """Run one item; return (ok, worker, start_ns, end_ns). time.monotonic_ns is
    CLOCK_MONOTONIC on Linux: the same clock as pl_now_ns, comparable across processes."""
    kind, arg = job
    start = time.monotonic_ns()
    ok = True
    if kind == "noop":
        pass
    elif kind == "spin":
        spin_rounds(arg)
    elif kind == "sleep_ms":
        time.sleep(arg / 1000)
    elif kind == "fetch":
        url, path = arg
        try:
            with urllib.request.urlopen(url, timeout=30) as r, open(path, "wb") as f:
                f.write(r.read())
        except OSError:
            ok = False
    return ok, worker_id(), start, time.monotonic_ns()


def square(x):
    """--bare's task: the lesson's `sq`, no bookkeeping at all."""
    return x * x


def make_jobs(a):
    if a.task == "spin":
        rounds = int(float(a.arg) * calibrate_spin())
        return [("spin", rounds)] * a.n
    if a.task == "sleep_ms":
        return [("sleep_ms", int(a.arg))] * a.n
    if a.task == "fetch":
        ms, nbytes = a.arg.split(":")
        url = f"{a.url}/slow/{ms}/{nbytes}"
        return [("fetch", (url, os.path.join(a.dir, f"pyfetch_{i}.bin"))) for i in range(a.n)]
    return [("noop", 0)] * a.n


class Serial:
    """The baseline has the same shape as the pools: .map and a context manager."""

    def map(self, fn, items, chunksize=1):
        return [fn(x) for x in items]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def open_tool(tool, workers):
    if tool == "serial":
        return Serial()
    if tool == "mp_pool":
        return mp.Pool(workers)
    if tool == "cf_thread":
        return cf.ThreadPoolExecutor(max_workers=workers)
    if tool == "cf_process":
        return cf.ProcessPoolExecutor(max_workers=workers)
    raise SystemExit(f"bench_py: unknown tool {tool}")


def write_timeline(a, results, t0):
    lanes = {}
    order = sorted(range(len(results)), key=lambda i: results[i][2])
    with open(a.timeline, "w") as f:
        f.write("model,workers,item,worker,lane,start_ms,end_ms\n")
        for i in order:
            _, who, start, end = results[i]
            lane = lanes.setdefault(who, len(lanes))
            f.write(f"py_{a.tool},{a.workers},{i},{who},{lane},"
                    f"{(start - t0) / 1e6:.3f},{(end - t0) / 1e6:.3f}\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tool", required=True, choices=["serial", "mp_pool", "cf_thread", "cf_process"])
    p.add_argument("--task", required=True, choices=["noop", "spin", "sleep_ms", "fetch"])
    p.add_argument("--n", type=int, default=100)
    p.add_argument("--arg", default="0")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--timeline")
    p.add_argument("--url", default="")
    p.add_argument("--dir", default=".")
    p.add_argument("--cold", action="store_true")
    p.add_argument("--paired", type=int, default=0)
    p.add_argument("--chunksize", type=int, default=1,
                   help="items handed out at once (0: the tool's own default, Pool.map's automatic chunks)")
    p.add_argument("--bare", action="store_true",
                   help="map a plain square over range(N), nothing recorded (noop only)")
    a = p.parse_args()
    if a.bare and (a.task != "noop" or a.timeline or a.paired):
        p.error("--bare is for --task noop, without --timeline or --paired")
    chunk = a.chunksize if a.chunksize > 0 else None

    jobs = range(a.n) if a.bare else make_jobs(a)
    fn = square if a.bare else run_task
    walls, bases, not_ok = [], [], 0

    # None would be an error for the executors' map: leave their default alone.
    chunk_arg = {"chunksize": chunk} if chunk is not None or a.tool == "mp_pool" else {}

    def one_map(pool):
        t0 = time.monotonic_ns()
        if a.cold:
            with open_tool(a.tool, a.workers) as cold_pool:
                results = list(cold_pool.map(fn, jobs, **chunk_arg))
        else:
            results = list(pool.map(fn, jobs, **chunk_arg))
        return results, t0, (time.monotonic_ns() - t0) / 1e9

    with open_tool(a.tool, a.workers) as pool:
        pool.map(fn, list(jobs[: max(a.workers, 1)]) * 2)  # warm-up: start every worker
        for rep in range(a.reps):
            if a.paired:
                t = time.monotonic_ns()
                [run_task(j) for j in jobs]
                bases.append((time.monotonic_ns() - t) / 1e9)
            results, t0, wall = one_map(pool)
            walls.append(wall)
            if not a.bare:  # a bare square has no status to count
                not_ok += sum(1 for r in results if not r[0])
            if rep == a.reps - 1 and a.timeline:
                write_timeline(a, results, t0)
    pairs = ",,,,"
    if a.paired:
        ratios = [b / w for b, w in zip(bases, walls)]
        pairs = (f",{statistics.median(bases):.6f},{statistics.median(ratios):.4f},"
                 f"{min(ratios):.4f},{max(ratios):.4f}")
    name = f"py_{a.tool}" + ("_cold" if a.cold else "") + ("_bare" if a.bare else "")
    print(f"{name},{a.task},{a.workers},{a.n},{a.arg},{a.reps},"
          f"{statistics.median(walls):.6f},{min(walls):.6f},{max(walls):.6f},{not_ok}{pairs}")
    return 0 if not_ok == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
