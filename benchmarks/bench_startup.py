"""Start-up time of the command line: `rntk-bench --help`, `datasets`, `kernels`.

Each command runs in a fresh interpreter several times, interleaved with the floor
`python -c "import click"` (the interpreter plus click, what any click program pays), so
the figures of one round share the machine's load. Prints the median wall and CPU
(user + system) seconds per command; CPU time is the steadier figure on a shared
machine.

    python benchmarks/bench_startup.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

COMMANDS = {
    'python -c "import click"': [sys.executable, "-c", "import click"],
    "rntk-bench --help": [sys.executable, "-m", "rntk_bench.cli", "--help"],
    "rntk-bench datasets": [sys.executable, "-m", "rntk_bench.cli", "datasets"],
    "rntk-bench kernels": [sys.executable, "-m", "rntk_bench.cli", "kernels"],
}


def _once(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``command`` (its output discarded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=os.environ.copy())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs per command")
    args = parser.parse_args()
    for command in COMMANDS.values():  # warm the file cache and bytecode once
        _once(command)
    walls: dict[str, list[float]] = {name: [] for name in COMMANDS}
    cpus: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.repeats):
        for name, command in COMMANDS.items():
            wall, cpu = _once(command)
            walls[name].append(wall)
            cpus[name].append(cpu)
    print(f"median of {args.repeats} runs each (warm caches), seconds")
    print(f"{'command':<28} {'wall':>6} {'cpu':>6}")
    for name in COMMANDS:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        print(f"{name:<28} {wall:>6.3f} {cpu:>6.3f}")


if __name__ == "__main__":
    main()
