"""Cost of the global alignment kernel next to the RNTK's, on the same series.

    python benchmarks/bench_gak.py                  # 100 series x T = 300, univariate
    python benchmarks/bench_gak.py --n 60 --t 500
    python benchmarks/bench_gak.py --dataset PLAID --n 30 [--archive PATH]

Three computations of the symmetric training Gram of the same seeded white-noise
series, one thread each: GAK with the package's compiled all-pairs recursion (the
default), GAK through tslearn's ``cdist_gak`` (the reference), and the RNTK (fused numba
path, L = 1); interleaved over ``--repeat`` rounds after one warm-up call each (which
compiles numba code), best round reported, wall and CPU seconds. Figures:

- pair-seconds = seconds / number of distinct pairs (n (n + 1) / 2), the cost of
  one kernel value; alignment cells/s = sum over the distinct pairs of T_i T_j /
  seconds for GAK;
- the two GAK paths side by side (speed ratio and largest relative difference);
- the GAK recursion visits T^2 cells per pair, the RNTK recursion T steps per pair
  (times L layers), so the GAK / RNTK ratio grows linearly with T.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _machine import machine  # benchmarks/_machine.py (scripts run from this folder)

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
    parser.add_argument(
        "--dataset", help="use the first --n training series of this data set (any lengths)"
    )
    parser.add_argument("--archive", help="local copy of the archive for --dataset")
    args = parser.parse_args()
    if args.dataset:
        from rntk_bench._validation import as_series_batch
        from rntk_bench.data import load_dataset

        train = as_series_batch(load_dataset(args.dataset, archive=args.archive)[0], "X")
        X = [train.series(i) for i in range(min(args.n, train.n_cases))]
        lengths = np.array([x.shape[-1] for x in X], dtype=float)
        span = f"lengths {lengths.min():.0f}-{lengths.max():.0f}"
        what = f"{args.dataset}, first {len(X)} training series ({span})"
    else:
        X = np.random.default_rng(0).standard_normal((args.n, 1, args.t))
        lengths = np.full(args.n, float(args.t))
        what = f"{args.n} white-noise series x T = {args.t}"
    sigma = gak_bandwidth(X)
    names = ("gak (numba, 1 thread)", "gak (tslearn, 1 thread)", "rntk (numba, 1 thread, L=1)")
    runs = dict(
        zip(
            names,
            (
                lambda: gak(X, sigma=sigma, n_jobs=1),
                lambda: gak(X, sigma=sigma, n_jobs=1, backend="tslearn"),
                lambda: rntk(X, sigma_w=np.sqrt(2), n_threads=1),
            ),
            strict=True,
        )
    )
    for run in runs.values():  # warm-up: numba compilation
        run()
    best = {name: (np.inf, np.inf) for name in runs}
    for _ in range(args.repeat):
        for name, run in runs.items():  # interleaved: both see the same machine load
            wall, cpu = _timed(run)
            if wall < best[name][0]:
                best[name] = (wall, cpu)
    pairs = len(X) * (len(X) + 1) // 2
    cells = (lengths.sum() ** 2 + (lengths**2).sum()) / 2
    print(machine())
    print(f"symmetric Gram, {what} ({pairs} pairs), best of {args.repeat}")
    print(
        f"{'kernel':<30} {'wall s':>8} {'cpu s':>8} {'pair-s (wall)':>14} {'pair-s (cpu)':>13}"
        f" {'GAK cells/s':>12}"
    )
    for name, (wall, cpu) in best.items():
        rate = f"{cells / wall:12.2e}" if name.startswith("gak") else f"{'':>12}"
        print(f"{name:<30} {wall:8.3f} {cpu:8.3f} {wall / pairs:14.2e} {cpu / pairs:13.2e} {rate}")
    numba_gak, tslearn_gak, rntk_gram = (best[name] for name in names)
    ours, theirs = gak(X, sigma=sigma, n_jobs=1), gak(X, sigma=sigma, n_jobs=1, backend="tslearn")
    deviation = float(np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-300)))
    print(
        f"GAK numba / tslearn: {tslearn_gak[0] / numba_gak[0]:.1f}x faster (wall), "
        f"largest relative difference {deviation:.1e}"
    )
    print(
        f"GAK (numba) / RNTK ratio: wall {numba_gak[0] / rntk_gram[0]:.0f}, "
        f"cpu {numba_gak[1] / max(rntk_gram[1], 1e-9):.0f}"
    )


if __name__ == "__main__":
    main()
