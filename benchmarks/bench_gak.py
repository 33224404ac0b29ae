"""Cost of the global alignment kernel next to the RNTK's, on the same series.

    python benchmarks/bench_gak.py                  # 100 series x T = 300, univariate
    python benchmarks/bench_gak.py --n 60 --t 500

Both kernels compute the symmetric training Gram of the same seeded white-noise
series, one thread each (GAK: tslearn with n_jobs=1; RNTK: the fused numba path with
n_threads=1, L = 1), interleaved over ``--repeat`` rounds after one warm-up call each
(which compiles numba code), best round reported, wall and CPU seconds. Figures:

- pair-seconds = seconds / number of distinct pairs (n (n + 1) / 2), the cost of
  one kernel value;
- the GAK recursion visits T^2 cells per pair, the RNTK recursion T steps per pair
  (times L layers), so the ratio grows linearly with T.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rntk_bench.kernels import gak, gak_bandwidth, rntk


def _timed(function, *args, **kwargs) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    function(*args, **kwargs)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="number of series")
    parser.add_argument("--t", type=int, default=300, help="length of every series")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    X = np.random.default_rng(0).standard_normal((args.n, 1, args.t))
    sigma = gak_bandwidth(X)
    runs = {
        "gak (tslearn, 1 thread)": lambda: gak(X, sigma=sigma, n_jobs=1),
        "rntk (numba, 1 thread, L=1)": lambda: rntk(X, sigma_w=np.sqrt(2), n_threads=1),
    }
    for run in runs.values():  # warm-up: numba compilation
        run()
    best = {name: (np.inf, np.inf) for name in runs}
    for _ in range(args.repeat):
        for name, run in runs.items():  # interleaved: both see the same machine load
            wall, cpu = _timed(run)
            if wall < best[name][0]:
                best[name] = (wall, cpu)
    pairs = args.n * (args.n + 1) // 2
    print(f"symmetric Gram, {args.n} series x T = {args.t} ({pairs} pairs), best of {args.repeat}")
    print(f"{'kernel':<30} {'wall s':>8} {'cpu s':>8} {'pair-s (wall)':>14} {'pair-s (cpu)':>13}")
    for name, (wall, cpu) in best.items():
        print(f"{name:<30} {wall:8.3f} {cpu:8.3f} {wall / pairs:14.2e} {cpu / pairs:13.2e}")
    g, r = best["gak (tslearn, 1 thread)"], best["rntk (numba, 1 thread, L=1)"]
    print(f"GAK / RNTK ratio: wall {g[0] / r[0]:.0f}, cpu {g[1] / max(r[1], 1e-9):.0f}")


if __name__ == "__main__":
    main()
