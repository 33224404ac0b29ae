"""Speed and memory of the averaged time-step weight curve of the RNTK.

    python benchmarks/bench_time_weights.py               # 300 series x 500 steps
    python benchmarks/bench_time_weights.py --n 100 --t 200

:func:`rntk_bench.kernels.rntk_time_weight_curve` over the distinct pairs of a seeded
white-noise training split (one layer, sigma_w = sqrt(2); ReLU and erf), timed after a
warm-up call (wall and CPU seconds, best of ``--repeat``), then once more under
tracemalloc for the peak of numpy's allocations. For scale it prints the size of the
(n, n, T) float64 array that the blocked computation never builds.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from rntk_bench.kernels import rntk_time_weight_curve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="number of series")
    parser.add_argument("--t", type=int, default=500, help="length of every series")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    X = np.random.default_rng(0).standard_normal((args.n, 1, args.t))
    pairs = args.n * (args.n - 1)
    print(f"averaged weight curve, {args.n} series x T = {args.t} ({pairs} ordered pairs), L = 1")
    print(f"{'activation':<10} {'wall s':>7} {'cpu s':>7} {'peak MiB':>9} {'(n, n, T) MiB':>14}")
    for activation in ("relu", "erf"):
        params = dict(sigma_w=np.sqrt(2), activation=activation)
        best = (np.inf, np.inf)
        for _ in range(args.repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            rntk_time_weight_curve(X, **params)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            best = min(best, (wall, cpu))
        tracemalloc.start()
        rntk_time_weight_curve(X, **params)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        full = args.n * args.n * args.t * 8 / 2**20
        print(f"{activation:<10} {best[0]:7.2f} {best[1]:7.2f} {peak:9.1f} {full:14.1f}")


if __name__ == "__main__":
    main()
