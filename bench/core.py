"""The workloads of bench/core.cpp in Python asyncio (the reference we port from).

Prints "<workload> python <seconds>" per repetition, like bench_core.
Usage: python3 core.py [workload] [repetitions] [--uvloop]
"""
import asyncio

import harness

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


async def task_group():
    total = 0

    async def adder(i):
        nonlocal total
        total += i

    async with asyncio.TaskGroup() as tg:
        for i in range(SPAWN_N):
            tg.create_task(adder(i))
    assert total == SPAWN_N * (SPAWN_N - 1) // 2


async def gather():
    await asyncio.gather(*(yielder() for _ in range(GATHER_N)))


async def wait_for():
    total = 0
    for i in range(WAIT_FOR_N):
        total += await asyncio.wait_for(leaf(i), 1)
    assert total == WAIT_FOR_N * (WAIT_FOR_N - 1) // 2


WORKLOADS = {"spawn": spawn, "task_group": task_group, "gather": gather, "wait_for": wait_for}


if __name__ == "__main__":
    harness.main(WORKLOADS)
