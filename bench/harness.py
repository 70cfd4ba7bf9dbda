"""What every Python benchmark script shares: the command line
"python3 <suite>.py [workload] [repetitions] [--uvloop]" and the lines
"<workload> <impl> <seconds>" that bench/run.py reads."""
import asyncio
import sys
import time


def main(workloads):
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    only = args[0] if args else "all"
    reps = int(args[1]) if len(args) > 1 else 5
    impl = "python"
    if "--uvloop" in sys.argv:
        import uvloop
        uvloop.install()
        impl = "uvloop"
    for name, fn in workloads.items():
        if only not in ("all", name):
            continue
        for _ in range(reps):
            start = time.perf_counter()
            asyncio.run(fn())
            print(f"{name} {impl} {time.perf_counter() - start:.6f}", flush=True)
