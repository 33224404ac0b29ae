"""Time the full paper protocol on the ucr56 data sets available here.

Runs (or resumes) `rntk-bench run --suite ucr56 --grid paper` with every kernel,
then prints the wall time of this invocation and, from the result files, the time
spent on Gram matrices and on SVM selection per kernel family and in total.

    python benchmarks/bench_run.py --archive ../shared/ucr [--n-jobs 2] [--name ucr56]

Data sets that are neither cached nor in the archive and cannot be downloaded are
skipped (listed). Timings are per-process CPU work summed over tasks; the wall time
is what a user waits. A resumed run reports the stored task timings and the wall
time of the resumption only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from rntk_bench.data import fetch_dataset, get_registry
from rntk_bench.errors import DataError
from rntk_bench.evaluation.results import iter_results
from rntk_bench.kernels import KERNELS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", default=None, help="local copy of the UCR archive")
    parser.add_argument("--results-dir", default="results")
    parser.add_argument("--name", default="ucr56")
    parser.add_argument("--n-jobs", default=str(os.cpu_count() or 1))
    parser.add_argument("--grid", default="paper")
    parser.add_argument(
        "--extra", nargs=argparse.REMAINDER, default=[], help="further arguments for rntk-bench run"
    )
    args = parser.parse_args()

    available, missing = [], []
    for name in get_registry().suite("ucr56"):
        try:
            fetch_dataset(name, archive=args.archive, sources=[])
            available.append(name)
        except DataError:
            missing.append(name)
    print(f"ucr56: {len(available)} data sets available, {len(missing)} not: {', '.join(missing)}")
    command = [
        sys.executable,
        "-m",
        "rntk_bench.cli",
        "run",
        *available,
        "--grid",
        args.grid,
        "--kernels",
        "all",
        "--name",
        args.name,
        "--results-dir",
        args.results_dir,
        "--n-jobs",
        args.n_jobs,
        "--no-download",
        *(["--archive", args.archive] if args.archive else []),
        *args.extra,
    ]
    print("$", " ".join(command[1:]))
    started = time.perf_counter()
    subprocess.run(command, check=True)
    wall = time.perf_counter() - started

    gram: dict[str, float] = defaultdict(float)
    svm: dict[str, float] = defaultdict(float)
    test: dict[str, float] = defaultdict(float)
    seen_units = set()
    for _, result in iter_results(Path(args.results_dir) / args.name):
        if isinstance(result, Exception):
            continue
        family = KERNELS[result.kernel].family
        unit = (result.dataset["name"], result.resample, family, result.grid)
        if unit not in seen_units:  # train Gram + selection are shared by a family
            seen_units.add(unit)
            gram[family] += result.timing["gram_train"]
            svm[family] += result.timing["svm_select"]
        test[family] += result.timing["gram_test"] + result.timing["svm_test"]
    print(
        f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"n_jobs={args.n_jobs}, grid={args.grid}"
    )
    print(f"{'family':<12} {'Gram (s)':>10} {'SVM selection (s)':>18} {'test (s)':>9}")
    for family in sorted(gram, key=lambda f: -gram[f] - svm[f]):
        print(f"{family:<12} {gram[family]:>10.1f} {svm[family]:>18.1f} {test[family]:>9.1f}")
    total_gram, total_svm = sum(gram.values()), sum(svm.values())
    print(f"{'total':<12} {total_gram:>10.1f} {total_svm:>18.1f} {sum(test.values()):>9.1f}")
    print(
        f"\nwall time of this invocation: {wall / 60:.1f} min "
        f"(task CPU time {(total_gram + total_svm) / 60:.1f} min over {args.n_jobs} workers)"
    )
    summary = {
        "wall_seconds": wall,
        "gram_seconds": dict(gram),
        "svm_seconds": dict(svm),
        "datasets": available,
        "missing": missing,
        "n_jobs": args.n_jobs,
    }
    out = Path(args.results_dir) / args.name / "benchmark.json"
    out.write_text(json.dumps(summary, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
