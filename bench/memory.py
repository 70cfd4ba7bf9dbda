"""Memory per live task in Python asyncio, like bench_memory: N tasks are started and
left suspended on one shared future; the growth of traced memory divided by N.

Prints "memory_per_task python <bytes>" (or uvloop with --uvloop).
Usage: python3 memory.py [workload] [tasks] [--uvloop]
"""
import asyncio
import sys
import tracemalloc


async def parked(gate):
    try:
        await gate
    except asyncio.CancelledError:
        pass


async def measure(n):
    gate = asyncio.get_running_loop().create_future()
    tasks = []
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(n):
        tasks.append(asyncio.create_task(parked(gate)))
    for _ in range(8):
        await asyncio.sleep(0)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    gate.cancel()
    await asyncio.gather(*tasks)
    return (after - before) / n


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    workload = args[0] if args else "all"
    n = int(args[1]) if len(args) > 1 else 20000
    impl = "python"
    if "--uvloop" in sys.argv:
        import uvloop

        uvloop.install()
        impl = "uvloop"
    if workload in ("all", "memory_per_task"):
        print(f"memory_per_task {impl} {asyncio.run(measure(n)):.0f}")


if __name__ == "__main__":
    main()
