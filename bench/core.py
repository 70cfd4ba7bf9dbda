"""The workloads of bench/core.cpp in Python asyncio (the reference we port from).

Prints "<workload> python <seconds>" per repetition, like bench_core.
Usage: python3 core.py [workload] [repetitions] [--uvloop]
"""
import asyncio
import sys
import time

SPAWN_N = 200_000
GATHER_N = 75_000
GATHER_YIELDS = 10
WAIT_FOR_N = 100_000


async def leaf(i):
    return i


async def yielder():
    for _ in range(GATHER_YIELDS):
        await asyncio.sleep(0)


async def spawn():
    tasks = [asyncio.create_task(leaf(i)) for i in range(SPAWN_N)]
    total = 0
    for t in tasks:
        total += await t
    assert total == SPAWN_N * (SPAWN_N - 1) // 2


async def gather():
    await asyncio.gather(*(yielder() for _ in range(GATHER_N)))


async def wait_for():
    total = 0
    for i in range(WAIT_FOR_N):
        total += await asyncio.wait_for(leaf(i), 1)
    assert total == WAIT_FOR_N * (WAIT_FOR_N - 1) // 2


WORKLOADS = {"spawn": spawn, "gather": gather, "wait_for": wait_for}


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    only = args[0] if args else "all"
    reps = int(args[1]) if len(args) > 1 else 5
    impl = "python"
    if "--uvloop" in sys.argv:
        import uvloop
        uvloop.install()
        impl = "uvloop"
    for name, fn in WORKLOADS.items():
        if only not in ("all", name):
            continue
        for _ in range(reps):
            start = time.perf_counter()
            asyncio.run(fn())
            print(f"{name} {impl} {time.perf_counter() - start:.6f}", flush=True)


if __name__ == "__main__":
    main()
