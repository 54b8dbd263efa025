#!/usr/bin/env python3
"""Resident memory of Python's multiprocessing.Pool(2).map over N squares.

The twin of bench/bench_rss.c (docs/bench.md, issue 18): prints one CSV line
    python-pool,n,rss_items_kb,rss_peak_kb,bytes_per_item
rss_items_kb once the items exist, rss_peak_kb the peak of this (parent)
process after the map with its results held; the pool's workers are
separate processes and not counted, as on fork and MPI.
"""
import multiprocessing
import sys


def square(x):
    return x * x


def status_kb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    items = [i % 1000 for i in range(n)]
    before = status_kb("VmRSS")
    with multiprocessing.Pool(2) as pool:
        results = pool.map(square, items)
    peak = status_kb("VmHWM")
    assert len(results) == n
    print(f"python-pool,{n},{before},{peak},{(peak - before) * 1024 / n:.0f}")


if __name__ == "__main__":
    main()
