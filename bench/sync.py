"""The workloads of bench/sync.cpp in Python asyncio (the reference we port from).

Prints "<workload> python <seconds>" per repetition, like bench_sync.
Usage: python3 sync.py [workload] [repetitions] [--uvloop]
"""
import asyncio

import harness

SEMAPHORE_TASKS = 100_000
SEMAPHORE_PERMITS = 10
QUEUE_ITEMS = 1_500_000
QUEUE_SIZE = 100
EVENT_WAITERS = 1000
EVENT_ROUNDS = 1000


async def semaphore():
    sem = asyncio.Semaphore(SEMAPHORE_PERMITS)
    done = 0

    async def worker():
        nonlocal done
        async with sem:
            await asyncio.sleep(0)
            done += 1

    await asyncio.gather(*(worker() for _ in range(SEMAPHORE_TASKS)))
    assert done == SEMAPHORE_TASKS


async def queue():
    q = asyncio.Queue(QUEUE_SIZE)
    total = 0

    async def producer():
        for i in range(QUEUE_ITEMS):
            await q.put(i)

    async def consumer():
        nonlocal total
        for _ in range(QUEUE_ITEMS):
            total += await q.get()

    await asyncio.gather(producer(), consumer())
    assert total == QUEUE_ITEMS * (QUEUE_ITEMS - 1) // 2


async def event():
    go = [asyncio.Event() for _ in range(EVENT_ROUNDS)]
    round_done = [asyncio.Event() for _ in range(EVENT_ROUNDS)]
    woken = 0
    arrived = 0

    async def waiter():
        nonlocal woken, arrived
        for r in range(EVENT_ROUNDS):
            await go[r].wait()
            woken += 1
            arrived += 1
            if arrived == EVENT_WAITERS:
                arrived = 0
                round_done[r].set()

    async def setter():
        await asyncio.sleep(0)  # every waiter is waiting on round 0
        for r in range(EVENT_ROUNDS):
            go[r].set()
            await round_done[r].wait()

    await asyncio.gather(*(waiter() for _ in range(EVENT_WAITERS)), setter())
    assert woken == EVENT_WAITERS * EVENT_ROUNDS


# Python has no try-first queue API beyond put_nowait/get_nowait, which is what
# Queue.put/get already do first: the same program stands for both queue rows.
WORKLOADS = {"semaphore": semaphore, "queue": queue, "queue_try_first": queue, "event": event}


if __name__ == "__main__":
    harness.main(WORKLOADS)
