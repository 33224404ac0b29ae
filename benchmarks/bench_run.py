"""Time the full paper protocol on the ucr56 data sets available here.

Two modes.

Full run: runs (or resumes) `rntk-bench run --suite ucr56 --grid paper` with every
kernel, then prints the wall time of this invocation and, from the result files, the
time spent on Gram matrices and on SVM selection per kernel family and in total, the
selection's share of task time, and with ``--baseline`` the ratio to an earlier run's
``benchmark.json``.

    python benchmarks/bench_run.py --archive PATH [--n-jobs 2] [--name ucr56]

Side by side (``--compare-selection K``): on the same Gram matrices (K blocks of
settings per family and data set, cut as the run cuts them and drawn with a fixed
seed), times four selections interleaved, in CPU and wall seconds: the plain loop
(``reference_cv_scores`` per matrix, one LIBSVM fit per fold and C), the fast path
with pruning through scikit-learn's LIBSVM (``--svm-solver libsvm``), and the
compiled solver scoring every cell and with pruning (the default of ``rntk-bench
run``). It checks that the plain loop and the compiled solver give identical CV
tables, that pruning keeps every cell it scores and every selection, and that both
solvers prune alike, and extrapolates to the full grid. This is the fair comparison
on a shared machine: the variants see the same load.

    python benchmarks/bench_run.py --archive PATH --compare-selection 3

Data sets that are neither cached nor in the archive and cannot be downloaded are
skipped (listed). Timings are per-process CPU work summed over tasks; the wall time
is what a user waits. A resumed run reports the stored task timings and the wall
time of the resumption only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from _machine import machine  # benchmarks/_machine.py (scripts run from this folder)

from rntk_bench.data import fetch_dataset, get_registry
from rntk_bench.errors import DataError
from rntk_bench.methods import KernelFamily, lookup
from rntk_bench.records import iter_results


def _family_name(kernel: str) -> str | None:
    """The kernel family that computes ``kernel``; None for a trained method ("rnn")."""
    description = lookup(kernel).description
    return description.name if isinstance(description, KernelFamily) else None


def _available(archive: str | None) -> tuple[list[str], list[str]]:
    available, missing = [], []
    for name in get_registry().suite("ucr56"):
        try:
            fetch_dataset(name, archive=archive, sources=[])
            available.append(name)
        except DataError:
            missing.append(name)
    return available, missing


def compare_selection(
    archive: str | None,
    per_family: int,
    datasets: list[str],
    families: list[str] | None = None,
    seed: int = 0,
) -> dict:
    """Three selections on the same Gram matrices, interleaved; see the docstring.

    Per data set and family, ``per_family`` blocks of settings drawn with a fixed seed,
    cut as the run cuts them (RNN family: blocks of 50 consecutive grid settings; other
    families: the whole grid), are scored by the plain loop (old), the fast path with
    every cell (new) and the fast path with pruning (pruned), through the run's own
    :func:`~rntk_bench.evaluation.blocks.score_grams`; times are extrapolated to all
    blocks of the paper grid.
    """
    import numpy as np

    from rntk_bench.evaluation.blocks import BlockTask, score_grams
    from rntk_bench.evaluation.protocol import Protocol
    from rntk_bench.evaluation.splits import cv_folds, make_split
    from rntk_bench.methods import FAMILIES, family_aliases, load_grid
    from rntk_bench.svm import cv_scores, reference_cv_scores, select_best

    def plain(grams, y, folds, c_grid, **_):
        return [reference_cv_scores(g, y, folds, c_grid) for g in grams]

    protocol = Protocol()
    grid = load_grid("paper", families=family_aliases())
    rng = np.random.default_rng(seed)
    rows: dict[str, dict[str, float]] = {}
    labels = ("plain", "libsvm", "numba_all", "numba")
    keys = ("gram", *(f"{k}_{m}" for k in labels for m in ("cpu", "wall")), "cells", "pruned")
    differing = 0
    # Compile the numba code before timing (cached after the first run).
    tiny = np.eye(4)
    cv_scores(tiny, np.array([0, 0, 1, 1]), cv_folds(np.array([0, 0, 1, 1]), 2, 0), (1.0,))
    for turn, name in enumerate(datasets):
        data = fetch_dataset(name, archive=archive, sources=[])
        split = make_split(data, 0, protocol)
        folds = cv_folds(split.y_train, protocol.folds, protocol.seed)
        for family_name, family in FAMILIES.items():
            if families is not None and family_name not in families:
                continue
            settings = family.settings(grid[family_name])
            size = 50 if family_name == "rnn" else len(settings)
            n_blocks = -(-len(settings) // size)
            take = min(per_family, n_blocks)
            row = rows.setdefault(family_name, dict.fromkeys(keys, 0.0))
            scale = n_blocks / take  # extrapolation to the full grid
            for block in sorted(rng.choice(n_blocks, take, replace=False)):
                chosen = settings[block * size : (block + 1) * size]
                started = time.process_time()
                grams = list(
                    family.compute(
                        split.X_train,
                        None,
                        chosen,
                        fit_X=split.X_train,
                        length=split.length,
                        n_threads=1,
                    )
                )
                row["gram"] += (time.process_time() - started) * scale
                task = BlockTask(
                    dataset=name,
                    resample=0,
                    family=family,
                    kernels=family.kernels,
                    block=int(block),
                    settings=tuple(chosen),
                    X_train=split.X_train,
                    y_train=split.y_train,
                    folds=folds,
                    length=split.length,
                    c_grid=protocol.c_grid,
                    normalisation=protocol.normalisation,
                    backend_options={},
                    gram_cache=None,
                )
                # (label, scorer options, prune, solver)
                variants = [
                    ("plain", dict(scorer=plain), False, "libsvm"),
                    ("libsvm", {}, True, "libsvm"),
                    ("numba_all", {}, False, "numba"),
                    ("numba", {}, True, "numba"),
                ]
                variants = variants[turn % 4 :] + variants[: turn % 4]  # rotate who goes first
                out = {}
                for label, options, prune, solver in variants:
                    block_task = BlockTask(**{**task.__dict__, "prune": prune, "solver": solver})
                    cpu, wall = time.process_time(), time.perf_counter()
                    out[label] = score_grams(block_task, grams, **options)
                    row[f"{label}_cpu"] += (time.process_time() - cpu) * scale
                    row[f"{label}_wall"] += (time.perf_counter() - wall) * scale
                for kernel in family.kernels:
                    mean, std = (np.array(out["plain"][i][kernel]) for i in (0, 1))
                    every = np.array(out["numba_all"][0][kernel])
                    pruned = np.array(out["numba"][0][kernel])
                    before = np.array(out["libsvm"][0][kernel])
                    kept = ~np.isnan(pruned)
                    checks = {
                        # NaN: no validation data (Fungi: every class a singleton)
                        "plain = numba all": np.array_equal(mean, every, equal_nan=True)
                        and np.array_equal(
                            std, np.array(out["numba_all"][1][kernel]), equal_nan=True
                        ),
                        "kept cells = plain": np.array_equal(pruned[kept], mean[kept]),
                        "numba pruned = libsvm pruned": np.array_equal(
                            pruned, before, equal_nan=True
                        ),
                        "selection": select_best(pruned, protocol.c_grid)
                        == select_best(mean, protocol.c_grid),
                    }
                    failed = [check for check, ok in checks.items() if not ok]
                    if failed:
                        differing += 1
                        print(f"  {name} {kernel} block {block}: differs ({', '.join(failed)})")
                    row["cells"] += pruned.size * scale
                    row["pruned"] += out["numba"][3][kernel] * scale
    return {"families": rows, "differing_tables": differing, "per_family": per_family}


def _print_comparison(summary: dict) -> None:
    rows = summary["families"]
    print(
        f"\nselection on the same Gram matrices ({summary['per_family']} block(s) per family "
        "and data set, extrapolated to the paper grid; CPU seconds, wall in brackets)\n"
        "plain: reference_cv_scores (one PrecomputedSVC fit per fold and C); libsvm: the fast "
        "path with pruning through scikit-learn's LIBSVM; numba all: the compiled solver on "
        "every cell; numba: the compiled solver with pruning (the default of rntk-bench run)"
    )
    labels = ("plain", "libsvm", "numba_all", "numba")
    print(
        f"{'family':<12} {'Gram':>7} "
        + " ".join(f"{k.replace('_', ' '):>16}" for k in labels)
        + f" {'plain/numba':>11} {'libsvm/numba':>12} {'cells pruned':>12}"
    )
    for family, r in sorted(rows.items(), key=lambda kv: -kv[1]["plain_cpu"]):
        print(
            f"{family:<12} {r['gram']:>7.0f} "
            + " ".join(f"{r[f'{k}_cpu']:>7.0f} ({r[f'{k}_wall']:>6.0f})" for k in labels)
            + f" {r['plain_cpu'] / max(r['numba_cpu'], 1e-9):>10.2f}x"
            f" {r['libsvm_cpu'] / max(r['numba_cpu'], 1e-9):>11.2f}x"
            f" {r['pruned'] / max(r['cells'], 1e-9):>11.0%}"
        )
    gram = sum(r["gram"] for r in rows.values())
    total = {k: sum(r[f"{k}_cpu"] for r in rows.values()) for k in labels}
    print(
        f"{'total':<12} {gram:>7.0f} "
        + " ".join(f"{total[k]:>7.0f} {'':>8}" for k in labels)
        + f" {total['plain'] / max(total['numba'], 1e-9):>10.2f}x"
        f" {total['libsvm'] / max(total['numba'], 1e-9):>11.2f}x"
    )
    print(
        "task CPU time, Gram + selection: "
        + ", ".join(f"{k} {gram + v:.0f} s" for k, v in total.items())
        + f" (plain/numba {(gram + total['plain']) / (gram + total['numba']):.2f}x); "
        + "selection share "
        + ", ".join(f"{k} {v / (gram + v):.0%}" for k, v in total.items())
    )
    print(
        "blocks whose CV tables differ (plain vs numba all; numba pruned vs plain on the kept "
        "cells and vs libsvm pruned; or whose selection differs): "
        f"{summary['differing_tables']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", default=None, help="local copy of the UCR archive")
    parser.add_argument("--results-dir", default="results")
    parser.add_argument("--name", default="ucr56")
    parser.add_argument("--n-jobs", default=str(os.cpu_count() or 1))
    parser.add_argument("--grid", default="paper")
    parser.add_argument(
        "--kernels",
        default="all",
        help="kernels of the full run (e.g. the paper's seven: "
        "rntk,rnngp,ntk,nngp,rbf,polynomial,linear)",
    )
    parser.add_argument(
        "--compare-selection",
        type=int,
        default=0,
        metavar="K",
        help="time the plain loop, LIBSVM with pruning and the compiled solver (every cell; "
        "with pruning) side by side on K blocks of settings per family and data set",
    )
    parser.add_argument(
        "--datasets", default=None, help="comma-separated subset of the available sets"
    )
    parser.add_argument("--baseline", default=None, help="an earlier run's benchmark.json")
    parser.add_argument(
        "--extra", nargs=argparse.REMAINDER, default=[], help="further arguments for rntk-bench run"
    )
    args = parser.parse_args()

    available, missing = _available(args.archive)
    print(f"ucr56: {len(available)} data sets available, {len(missing)} not: {', '.join(missing)}")
    print(machine())
    if args.datasets:
        available = [name for name in available if name in args.datasets.split(",")]
    if args.compare_selection:
        names = available
        started = time.perf_counter()
        families = None
        if args.kernels != "all":
            named = {_family_name(k) for k in args.kernels.split(",")}
            families = sorted(name for name in named if name is not None)
        summary = compare_selection(args.archive, args.compare_selection, names, families)
        _print_comparison(summary)
        print(f"(took {time.perf_counter() - started:.0f} s of wall time)")
        return
    command = [
        sys.executable,
        "-m",
        "rntk_bench.cli",
        "run",
        *available,
        "--grid",
        args.grid,
        "--kernels",
        args.kernels,
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
        family = _family_name(result.kernel)
        if family is None:  # a trained method: no Gram matrices, no SVM selection
            continue
        unit = (result.dataset["name"], result.resample, family, result.grid)
        if unit not in seen_units:  # train Gram + selection are shared by a family
            seen_units.add(unit)
            gram[family] += result.timing["gram_train"]
            svm[family] += result.timing["svm_select"]
        test[family] += result.timing["gram_test"] + result.timing["svm_test"]
    print(f"\n{machine()}; n_jobs={args.n_jobs}, grid={args.grid}")
    print(f"{'family':<12} {'Gram (s)':>10} {'SVM selection (s)':>18} {'test (s)':>9}")
    for family in sorted(gram, key=lambda f: -gram[f] - svm[f]):
        print(f"{family:<12} {gram[family]:>10.1f} {svm[family]:>18.1f} {test[family]:>9.1f}")
    total_gram, total_svm = sum(gram.values()), sum(svm.values())
    print(f"{'total':<12} {total_gram:>10.1f} {total_svm:>18.1f} {sum(test.values()):>9.1f}")
    print(
        f"\nwall time of this invocation: {wall / 60:.1f} min "
        f"(task CPU time {(total_gram + total_svm) / 60:.1f} min over {args.n_jobs} workers)"
    )
    share = total_svm / max(total_gram + total_svm, 1e-9)
    print(f"SVM selection share of task time: {share:.0%}")
    if args.baseline:
        before = json.loads(Path(args.baseline).read_text())
        old_svm = sum(before["svm_seconds"].values())
        print(
            f"against {args.baseline}: wall {before['wall_seconds'] / 60:.1f} -> "
            f"{wall / 60:.1f} min ({before['wall_seconds'] / wall:.2f}x), selection "
            f"{old_svm:.0f} -> {total_svm:.0f} s ({old_svm / max(total_svm, 1e-9):.2f}x)"
        )
    summary = {
        "machine": machine(),
        "wall_seconds": wall,
        "gram_seconds": dict(gram),
        "svm_seconds": dict(svm),
        "datasets": available,
        "missing": missing,
        "n_jobs": args.n_jobs,
        "extra": args.extra,
    }
    out = Path(args.results_dir) / args.name / "benchmark.json"
    out.write_text(json.dumps(summary, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
