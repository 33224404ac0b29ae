"""RNTK Gram matrices of many settings on a torch device: one at a time vs batched.

    python benchmarks/bench_gpu_batch.py [--device cuda] [--n 100,300] [--t 300]

On UCR-sized problems (a few hundred series) a GPU computing one setting at a time is
bound by kernel launches (one T-step loop per setting). ``rnn_kernels_grid`` stacks
the settings of one structure into one loop. This prints, per problem size, the time
for the same 50 settings of the paper grid computed one at a time
(``rnn_kernels``, the pre-batching path) and batched (``rnn_kernels_grid``), the
pair-steps/s of each, their ratio, the largest deviation between them and from the
float64 numpy reference on the first setting, and the numba CPU time of a few
settings (one thread) for scale.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rntk_bench.kernels import rnn_kernels
from rntk_bench.kernels.rntk import rnn_kernels_grid
from rntk_bench.methods import GRIDS


def _settings(count: int) -> list[dict]:
    grid = GRIDS["paper"]["rnn"]
    every = [
        dict(sigma_w=w, sigma_b=b, sigma_h=h)
        for w in grid["sigma_w"]
        for b in grid["sigma_b"]
        for h in grid["sigma_h"]
    ]
    step = max(1, len(every) // count)
    return every[::step][:count]


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--dtype", default="float64")
    parser.add_argument("--n", default="100,300", help="numbers of series (comma-separated)")
    parser.add_argument("--t", type=int, default=300, help="series length")
    parser.add_argument("--settings", type=int, default=50)
    parser.add_argument("--numba-settings", type=int, default=3)
    args = parser.parse_args()
    settings = _settings(args.settings)
    options = dict(backend="torch", device=args.device, dtype=args.dtype)
    print(f"device {args.device}, {args.dtype}, T = {args.t}, {len(settings)} settings")
    for n in (int(v) for v in args.n.split(",")):
        X = np.random.default_rng(0).standard_normal((n, 1, args.t))
        X /= np.max(np.linalg.norm(X.reshape(n, -1), axis=1))
        list(rnn_kernels_grid(X[:8], None, settings[:2], **options))  # warm-up
        _sync(args.device)
        started = time.perf_counter()
        one = [rnn_kernels(X, **options, **s) for s in settings]
        _sync(args.device)
        t_one = time.perf_counter() - started
        started = time.perf_counter()
        batched = list(rnn_kernels_grid(X, None, settings, **options))
        _sync(args.device)
        t_batch = time.perf_counter() - started
        gap = max(
            float(np.max(np.abs(a[0] - b[0])) / np.max(np.abs(b[0])))
            for a, b in zip(batched, one, strict=True)
        )
        ref = rnn_kernels(X, backend="numba", n_threads=1, **settings[0])
        dev = float(np.max(np.abs(batched[0][0] - ref[0])) / np.max(np.abs(ref[0])))
        started = time.perf_counter()
        for s in settings[: args.numba_settings]:
            rnn_kernels(X, backend="numba", n_threads=1, **s)
        t_numba = (time.perf_counter() - started) * len(settings) / args.numba_settings
        work = n * n * args.t * len(settings)
        print(
            f"N={n}: one at a time {t_one:.2f} s ({work / t_one:.3g} pair-steps/s), "
            f"batched {t_batch:.2f} s ({work / t_batch:.3g}), {t_one / t_batch:.1f}x; "
            f"batched vs one at a time {gap:.1e}, vs numba {dev:.1e}; "
            f"numba 1 thread ~{t_numba:.1f} s for the same settings",
            flush=True,
        )


if __name__ == "__main__":
    main()
