"""Kernel benchmark: speed, memory and accuracy of every RNTK path, side by side.

    python benchmarks/bench_kernels.py                 # N = 1000, T = 300, L = 1 and 2
    python benchmarks/bench_kernels.py --n 400 --t 100 # smaller, for a quick look
    python benchmarks/bench_kernels.py --large         # also a 20,000 x 20,000 Gram, T = 500
    python benchmarks/bench_kernels.py --gpu-n 4000 --gpu-t 500   # on a CUDA machine

Each (path, case) runs in a fresh subprocess; a thread samples its resident memory
every 2 ms during the timed calls, and the peak above the resident memory just before
them (data loaded, code compiled) is reported. The Gram matrices are compared with the
plain float64 numpy reference in the parent. Figures:

- pair-steps/s = n_X * n_Y * T * n_layers / seconds (the full matrix, also for the
  symmetric Gram, which the fused path computes once per pair);
- ratio = speed relative to the reference in the same case (same machine, same run);
- max rel dev = max |K - K_ref| / max |K_ref| over both RNTK and RNNGP.

Every timing is the best of ``--repeat`` runs after one warm-up call (which also
compiles / loads the numba cache).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from _machine import machine  # benchmarks/_machine.py (scripts run from this folder)

PATHS = {
    "numpy reference (float64)": dict(backend="numpy"),
    "numba fused (float64, default)": dict(backend="numba"),
    "torch cpu float64": dict(backend="torch", device="cpu", dtype="float64"),
    "torch cpu float32": dict(backend="torch", device="cpu", dtype="float32"),
    "torch cuda float64": dict(backend="torch", device="cuda", dtype="float64"),
    "torch cuda float32": dict(backend="torch", device="cuda", dtype="float32"),
}
PARAMS = dict(sigma_w=np.sqrt(2), sigma_b=0.1, sigma_h=0.5)


def _data(n_x: int, n_y: int, t: int, symmetric: bool) -> tuple[np.ndarray, np.ndarray | None]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_x, 1, t))
    X /= np.max(np.linalg.norm(X.reshape(n_x, -1), axis=1))  # the maxnorm preprocessing
    Y = None if symmetric else X[:n_y] * 0.9 + 0.01
    return X, Y


def _rss_bytes() -> int:
    """Resident memory of this process now (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def child(spec: dict) -> None:
    """Run one (path, case) and print its figures as JSON."""
    from rntk_bench.kernels import rnn_kernels

    X, Y = _data(spec["n_x"], spec["n_y"], spec["t"], spec["symmetric"])
    options = PATHS[spec["path"]]
    small = X[:8], None if Y is None else Y[:8]
    rnn_kernels(*small, n_layers=spec["layers"], **PARAMS, **options)  # warm-up / compile
    baseline = _rss_bytes()
    peak = [baseline]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss_bytes())
            time.sleep(0.002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    best = float("inf")
    out = None
    for _ in range(spec["repeat"]):
        started = time.perf_counter()
        out = rnn_kernels(X, Y, n_layers=spec["layers"], **PARAMS, **options)
        best = min(best, time.perf_counter() - started)
        del out  # the next call must not hold two results
        out = None
    out = rnn_kernels(X, Y, n_layers=spec["layers"], **PARAMS, **options)
    done.set()
    sampler.join()
    if spec.get("save"):
        np.save(spec["save"], np.stack(out))
    print(json.dumps({"seconds": best, "peak_mib": (peak[0] - baseline) / 2**20}))


def _run_child(spec: dict) -> dict | None:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": last}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _available(path: str) -> bool:
    options = PATHS[path]
    if options.get("backend") != "torch":
        return True
    try:
        import torch
    except ImportError:
        return False
    return options["device"] == "cpu" or torch.cuda.is_available()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--t", type=int, default=300)
    parser.add_argument("--layers", default="1,2")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--large",
        action="store_true",
        help="also the memory check: a 20,000 x 20,000 Gram of length 500",
    )
    parser.add_argument("--gpu-n", type=int, default=4000)
    parser.add_argument("--gpu-t", type=int, default=500)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return

    print(f"{machine()}; numpy {np.__version__}")
    cases = []
    for layers in (int(v) for v in args.layers.split(",")):
        cases.append(("symmetric", args.n, args.n, layers))
        cases.append(("rectangular", args.n // 2, args.n, layers))
    header = (
        f"{'case':<28} {'path':<31} {'seconds':>8} {'pair-steps/s':>13} {'ratio':>6} "
        f"{'peak MiB':>9} {'max rel dev':>11}"
    )
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for kind, n_x, n_y, layers in cases:
            label = f"{kind} {n_x}x{n_y if kind != 'symmetric' else n_x} T={args.t} L={layers}"
            ref_time = None
            ref_file = Path(tmp) / "ref.npy"
            for path in PATHS:
                if not _available(path) or "cuda" in path:
                    continue
                save = Path(tmp) / "out.npy"
                spec = dict(
                    path=path,
                    n_x=n_x,
                    n_y=n_y,
                    t=args.t,
                    layers=layers,
                    symmetric=kind == "symmetric",
                    repeat=args.repeat,
                    save=str(save),
                )
                figures = _run_child(spec)
                if figures is None or "error" in figures:
                    print(f"{label:<28} {path:<31} failed: {figures and figures['error']}")
                    continue
                out = np.load(save)
                if ref_time is None:
                    ref_time = figures["seconds"]
                    save.rename(ref_file)
                    dev = 0.0
                else:
                    ref = np.load(ref_file)
                    dev = float(
                        max(
                            np.max(np.abs(out[k] - ref[k])) / np.max(np.abs(ref[k]))
                            for k in range(2)
                        )
                    )
                rate = n_x * n_y * args.t * layers / figures["seconds"]
                print(
                    f"{label:<28} {path:<31} {figures['seconds']:>8.2f} {rate:>13.3g} "
                    f"{ref_time / figures['seconds']:>5.1f}x {figures['peak_mib']:>9.0f} "
                    f"{dev:>11.1e}"
                )
        if any(_available(p) and "cuda" in p for p in PATHS):
            for path in (p for p in PATHS if "cuda" in p):
                spec = dict(
                    path=path,
                    n_x=args.gpu_n,
                    n_y=args.gpu_n,
                    t=args.gpu_t,
                    layers=1,
                    symmetric=True,
                    repeat=args.repeat,
                )
                figures = _run_child(spec)
                if figures and "seconds" in figures:
                    rate = args.gpu_n**2 * args.gpu_t / figures["seconds"]
                    print(
                        f"{'GPU N=' + str(args.gpu_n) + ' T=' + str(args.gpu_t):<28} "
                        f"{path:<31} {figures['seconds']:>8.2f} {rate:>13.3g}"
                    )
        else:
            print("(no CUDA device here: the torch cuda paths were not measured)")
        if args.large:
            spec = dict(
                path="numba fused (float64, default)",
                n_x=20000,
                n_y=20000,
                t=500,
                layers=1,
                symmetric=True,
                repeat=1,
            )
            figures = _run_child(spec)
            print(
                f"\nmemory check, symmetric 20000 x 20000, T = 500, numba: "
                f"{figures['seconds']:.0f} s, peak {figures['peak_mib'] / 1024:.2f} GiB above "
                f"baseline (the two float64 outputs alone are "
                f"{2 * 20000**2 * 8 / 2**30:.2f} GiB)"
            )


if __name__ == "__main__":
    main()
