"""The workloads of bench/processes.cpp in Python asyncio (the reference we port from).

Prints "<workload> python <seconds>" (or "uvloop") per repetition, like bench_processes.
Usage: python3 processes.py [workload] [repetitions] [--uvloop]
"""
import asyncio

import harness

SPAWNS = 400
AT_ONCE = 10
CATS = 4
CAT_BYTES = 8 << 20


async def true_once():
    p = await asyncio.create_subprocess_exec("/bin/true")
    return 1 if await p.wait() == 0 else 0


async def spawn_wait():
    ok = 0
    for _ in range(0, SPAWNS, AT_ONCE):
        ok += sum(await asyncio.gather(*(true_once() for _ in range(AT_ONCE))))
    assert ok == SPAWNS


async def cat_once(data):
    p = await asyncio.create_subprocess_exec(
        "/bin/cat", "-", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    out, _ = await p.communicate(data)
    return len(out) if out == data else 0


async def cat_pipe():
    data = b"c" * CAT_BYTES
    total = sum(await asyncio.gather(*(cat_once(data) for _ in range(CATS))))
    assert total == CATS * CAT_BYTES


WORKLOADS = {"spawn_wait": spawn_wait, "cat_pipe": cat_pipe}


if __name__ == "__main__":
    harness.main(WORKLOADS)
