"""One short GPU window: check the torch backend on CUDA, time it, run ucr56 on it.

    python benchmarks/gpu_check.py --archive PATH            # on a CUDA machine
    python benchmarks/gpu_check.py --archive PATH --device cpu   # dry run, small sizes

Three steps, each printed as it finishes (so a cut-off window still reports):

1. correctness: the torch backend on the device, float64 and float32, against the
   float64 numpy reference (symmetric and rectangular Grams, one and two layers);
   the script stops if a deviation exceeds the test suite's tolerance;
2. speed: pair-steps/s of the RNTK + RNNGP Gram (N = 4000, T = 500, L = 1 and 2,
   float32 and float64; pair-steps = N^2 T L / seconds, best of --repeat after a
   warm-up);
3. the ucr56 paper protocol with ``--device DEVICE`` through bench_run.py: wall time
   and the Gram / SVM selection split (selection runs on the CPU cores).

The dry run (``--device cpu``) uses N = 120, T = 40 and, for step 3, four small data
sets with the quick grid, so the whole path can be tried without a GPU.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from rntk_bench.kernels import rnn_kernels

# float64 differs from the reference by rounding. In float32 the arc-cosine of a
# near-collinear pair's correlation amplifies rounding to ~sqrt(eps32) = 3.5e-4 at worst
# (seen: 4e-5 on the CPU, 1.1e-4 with cuBLAS on an H200), so the bound is 5e-4.
TOLERANCE = {"float64": 1e-10, "float32": 5e-4}
PARAMS = dict(sigma_w=np.sqrt(2), sigma_b=0.1, sigma_h=0.5)
PAPER_KERNELS = "rntk,rnngp,ntk,nngp,rbf,polynomial,linear"
DRY_DATASETS = "Coffee,ItalyPowerDemand,Beef,GunPoint"


def _series(n: int, t: int, seed: int = 0) -> np.ndarray:
    X = np.random.default_rng(seed).standard_normal((n, 1, t))
    return X / np.max(np.linalg.norm(X.reshape(n, -1), axis=1))  # the maxnorm preprocessing


def check(device: str) -> bool:
    """Step 1; True when every deviation is within tolerance."""
    X = _series(64, 60)
    cases = {"symmetric": (X, None), "rectangular": (X[:24], X[10:50] * 0.9 + 0.01)}
    ok = True
    for layers in (1, 2):
        for case, (a, b) in cases.items():
            ref = rnn_kernels(a, b, n_layers=layers, backend="numpy", **PARAMS)
            for dtype in ("float64", "float32"):
                out = rnn_kernels(
                    a, b, n_layers=layers, backend="torch", device=device, dtype=dtype, **PARAMS
                )
                dev = max(
                    float(np.max(np.abs(o - r)) / np.max(np.abs(r)))
                    for o, r in zip(out, ref, strict=True)
                )
                good = dev < TOLERANCE[dtype]
                ok &= good
                print(
                    f"  {case:<11} L={layers} {dtype}: max rel dev {dev:.1e} "
                    f"({'ok' if good else 'ABOVE ' + str(TOLERANCE[dtype])})",
                    flush=True,
                )
    return ok


def speed(device: str, n: int, t: int, repeat: int) -> None:
    """Step 2."""
    X = _series(n, t)
    for layers in (1, 2):
        for dtype in ("float32", "float64"):
            options = dict(backend="torch", device=device, dtype=dtype, n_layers=layers)
            rnn_kernels(X[:16], **options, **PARAMS)  # warm-up: kernels, allocator
            best = float("inf")
            for _ in range(repeat):
                started = time.perf_counter()
                rnn_kernels(X, **options, **PARAMS)  # returns numpy: the device is synced
                best = min(best, time.perf_counter() - started)
            rate = n * n * t * layers / best
            print(
                f"  N={n} T={t} L={layers} {dtype}: {best:.2f} s, {rate:.3g} pair-steps/s",
                flush=True,
            )


def protocol(device: str, archive: str | None, results_dir: str, dry: bool, n_jobs: int) -> int:
    """Step 3: bench_run.py with the device; returns its exit status."""
    command = [
        sys.executable,
        str(Path(__file__).with_name("bench_run.py")),
        "--results-dir",
        results_dir,
        "--name",
        f"ucr56-{device.replace(':', '')}" + ("-dry" if dry else ""),
        "--n-jobs",
        str(n_jobs),
        "--kernels",
        PAPER_KERNELS,
        *(["--archive", archive] if archive else []),
        *(["--datasets", DRY_DATASETS, "--grid", "quick"] if dry else []),
        "--extra",
        "--device",
        device,
    ]
    print("  $", " ".join(command[1:]), flush=True)
    return subprocess.run(command).returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--archive", default=None, help="local copy of the UCR archive")
    parser.add_argument("--results-dir", default="results")
    parser.add_argument("--n-jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--n", type=int, default=None, help="Gram size (4000; dry run 120)")
    parser.add_argument("--t", type=int, default=None, help="series length (500; dry run 40)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--skip-protocol", action="store_true")
    args = parser.parse_args()
    dry = args.device == "cpu"
    n = args.n or (120 if dry else 4000)
    t = args.t or (40 if dry else 500)

    try:
        import torch
    except ImportError:
        sys.exit("torch is not installed: pip install 'rntk-bench[gpu]'")
    where = args.device
    if args.device.startswith("cuda"):
        if not torch.cuda.is_available():
            sys.exit("no CUDA device visible to torch; use --device cpu for a dry run")
        where = f"{torch.cuda.get_device_name(0)} (torch {torch.__version__})"
    print(f"device: {where}{' [dry run]' if dry else ''}", flush=True)

    started = time.perf_counter()
    print("1. torch backend vs the float64 numpy reference", flush=True)
    if not check(args.device):
        sys.exit("deviation above tolerance: not timing a wrong kernel")
    print("2. RNTK + RNNGP Gram throughput", flush=True)
    speed(args.device, n, t, args.repeat)
    status = 0
    if not args.skip_protocol:
        print(f"3. ucr56 protocol with --device {args.device}", flush=True)
        status = protocol(args.device, args.archive, args.results_dir, dry, args.n_jobs)
    print(f"gpu_check done in {time.perf_counter() - started:.0f} s", flush=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
