#!/usr/bin/env python3
"""Runs the side-by-side benchmarks and prints one Markdown table.

Each workload runs with this library, with hand-written raw Asio and with Python
asyncio (and uvloop when /usr/bin/python3 has it), interleaved, several times; the
table shows medians and the ratios of the medians.

Usage: bench/run.py [--build-dir build] [--reps 5] [workload]
Build first: cmake --preset default && cmake --build --preset default --target benchmarks
"""
import argparse
import os
import statistics
import subprocess
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# Each suite is a C++ program bench/<suite>.cpp (target bench_<suite>) and the same
# workloads in Python, bench/<suite>.py.
SUITES = ["core", "sync", "streams", "processes"]


def collect(cmd, results):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        workload, impl, seconds = line.split()
        results[workload][impl].append(float(seconds))


def has_uvloop(python):
    return subprocess.run([python, "-c", "import uvloop"], capture_output=True).returncode == 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("workload", nargs="?", default="all")
    args = parser.parse_args()

    results = defaultdict(lambda: defaultdict(list))
    uvloop_python = "/usr/bin/python3"
    with_uvloop = os.path.exists(uvloop_python) and has_uvloop(uvloop_python)
    for suite in SUITES if args.workload != "memory_per_task" else []:
        binary = os.path.join(args.build_dir, "bench", "bench_" + suite)
        script = os.path.join(HERE, suite + ".py")
        collect([binary, args.workload, str(args.reps)], results)
        collect([args.python, script, args.workload, str(args.reps)], results)
        if with_uvloop:
            collect([uvloop_python, script, args.workload, str(args.reps), "--uvloop"], results)

    # Memory per live task: one measurement per implementation (it does not vary).
    memory = defaultdict(lambda: defaultdict(list))
    if args.workload in ("all", "memory_per_task"):
        binary = os.path.join(args.build_dir, "bench", "bench_memory")
        script = os.path.join(HERE, "memory.py")
        collect([binary, "memory_per_task"], memory)
        collect([args.python, script, "memory_per_task"], memory)
        if with_uvloop:
            collect([uvloop_python, script, "memory_per_task", "20000", "--uvloop"], memory)

    print(f"Medians of {args.reps} runs, seconds (lower is better).\n")
    print("| workload | asyncio (C++) | raw Asio | Python asyncio | uvloop | "
          "asyncio / raw Asio | Python / asyncio |")
    print("|---|---|---|---|---|---|---|")
    for workload, impls in results.items():
        med = {impl: statistics.median(times) for impl, times in impls.items()}
        ours, raw, py = med.get("asyncio"), med.get("raw_asio"), med.get("python")
        uv = med.get("uvloop")
        fmt = lambda v: f"{v:.4f}" if v is not None else "-"
        ratio = f"{ours / raw:.2f}" if ours and raw else "-"
        speedup = f"{py / ours:.1f}x" if ours and py else "-"
        print(f"| {workload} | {fmt(ours)} | {fmt(raw)} | {fmt(py)} | {fmt(uv)} | {ratio} | {speedup} |")

    for workload, impls in memory.items():
        v = {impl: values[0] for impl, values in impls.items()}
        ours, raw = v.get("asyncio"), v.get("raw_asio")
        fmt = lambda x: f"{x:.0f}" if x is not None else "-"
        print(f"\nMemory per live task, bytes (heap growth / tasks; Python: tracemalloc).\n")
        print("| workload | asyncio (C++) | raw Asio | Python asyncio | uvloop | asyncio / raw Asio |")
        print("|---|---|---|---|---|---|")
        ratio = f"{ours / raw:.2f}" if ours and raw else "-"
        print(f"| {workload} | {fmt(ours)} | {fmt(raw)} | {fmt(v.get('python'))} | "
              f"{fmt(v.get('uvloop'))} | {ratio} |")


if __name__ == "__main__":
    main()

