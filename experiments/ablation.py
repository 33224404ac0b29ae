"""The RNTK ablation on ucr56: one run per variant, then one merged report.

    python experiments/ablation.py --archive PATH [--grid paper|quick] [--n-jobs 2]

Variants change one thing at a time from the headline RNTK (one layer, ReLU,
``maxnorm`` inputs, shared initial state, mean-diagonal Gram normalisation):

    depth L = 2, 3 | erf | preprocessing none, znorm | h0 independent |
    Gram normalisation none, cosine | "best of": L in {1, 2, 3} x {ReLU, erf}
    chosen per data set by CV on train

plus the baselines (RBF, polynomial, linear, FC NTK/NNGP, RNNGP) on their full grids,
once with the paper's C grid and once with a wider one (1e-3 .. 1e5) for every kernel
alike (``base`` and ``wide-c``). ``--grid paper`` gives every RNTK variant the paper's
900 settings (about 10-25 min per variant on 2 free cores); ``--grid quick`` its 18
corner settings (the committed, reduced version). A run whose results exist is
skipped (the tool resumes), so the script can be rerun after an interruption.

Every run goes to RESULTS/<variant>/ and its wall time to RESULTS/timings.json;
the merged report (``rntk-bench report RUN_DIR RUN_DIR ...``) to RESULTS/report/.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import yaml

from rntk_bench.data import fetch_dataset, get_registry
from rntk_bench.errors import DataError
from rntk_bench.methods import GRIDS
from rntk_bench.records import Result, iter_results, write_result
from rntk_bench.svm import FALLBACK_RULE, cv_ties, grid_centre, select_best

WIDE_C = "0.001,0.01,0.1,1,10,100,1000,10000,100000"
BASELINES = "rntk,rnngp,ntk,nngp,rbf,polynomial,linear"

#: variant -> (kernels, RNTK grid overrides, extra `rntk-bench run` options)
VARIANTS: dict[str, tuple[str, dict[str, list], list[str]]] = {
    "base": (BASELINES, {}, []),
    "L2": ("rntk", {"n_layers": [2]}, []),
    "L3": ("rntk", {"n_layers": [3]}, []),
    "erf": ("rntk", {"activation": ["erf"]}, []),
    "prep-none": ("rntk", {}, ["--preprocessing", "none"]),
    "prep-znorm": ("rntk", {}, ["--preprocessing", "znorm"]),
    "h0-independent": ("rntk", {"h0": ["independent"]}, []),
    "gram-none": ("rntk", {}, ["--normalisation", "none"]),
    "gram-cosine": ("rntk", {}, ["--normalisation", "cosine"]),
    # The "best of" (depth and activation chosen per data set by CV on train): run it
    # with --only best-of, or assemble it from the L1 / L2 / L3 / erf runs (--assemble).
    "best-of": ("rntk", {"n_layers": [1, 2, 3], "activation": ["relu", "erf"]}, []),
    "wide-c": (BASELINES, {}, ["--c-grid", WIDE_C]),
}


def grid_file(folder: Path, variant: str, rntk_grid: str, overrides: dict[str, list]) -> Path:
    """A grid YAML: the paper grid for the baselines, ``rntk_grid`` for the RNN family."""
    rnn = {k: list(v) for k, v in GRIDS[rntk_grid]["rnn"].items()}
    rnn.update(overrides)
    path = folder / f"grid-{rntk_grid}-{variant}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"base": "paper", "rnn": rnn}, sort_keys=False))
    return path


#: The runs whose union the assembled "best of" selects from, in tie-break order.
ASSEMBLE_FROM = ("base", "L2", "L3", "erf")
_STRUCTURE_DEFAULTS = {"n_layers": 1, "activation": "relu", "h0": "shared"}


def assemble_best_of(results: Path, out_name: str = "best-of") -> tuple[int, int]:
    """The RNTK over the union of the L1, L2, L3 and erf grids, selected by CV on train.

    Every run's result file holds its whole CV table (settings x C), so the union's
    selection needs no new computation: the same rule as a run over the union grid
    (highest CV accuracy, then smaller C, then grid order; the grid centre when
    everything ties), and the chosen setting's test predictions are those of the run
    that holds it, which selected the same (setting, C) on its own table. Written as
    ordinary result files (kernel rntk) in RESULTS/<out_name>/, marked as assembled.

    Returns
    -------
    (results written, data sets where a run's own choice differed from the union's
    choice within that run; those keep the run's own choice and are counted)
    """
    by_dataset: dict[str, list[tuple[str, Result]]] = {}
    for variant in ASSEMBLE_FROM:
        for _, item in iter_results(results / variant, strict=True):
            assert isinstance(item, Result)
            if item.kernel == "rntk" and item.resample == 0:
                by_dataset.setdefault(item.dataset["name"], []).append((variant, item))
    written = differed = 0
    for _dataset, found in sorted(by_dataset.items()):
        if len(found) != len(ASSEMBLE_FROM):
            continue
        settings, rows, owners = [], [], []
        c_grid = found[0][1].cv["c_grid"]
        for variant, result in found:
            for index, setting in enumerate(result.cv["settings"]):
                settings.append({**_STRUCTURE_DEFAULTS, **setting})
                rows.append([np.nan if v is None else v for v in result.cv["mean"][index]])
                owners.append((variant, index))
        mean = np.array(rows, dtype=float)
        fallback = cv_ties(mean)
        pick, c_index = grid_centre(settings, c_grid) if fallback else select_best(mean, c_grid)
        variant, local = owners[pick]
        result = dict(found)[variant]
        if (result.selected["setting_index"], result.selected["C"]) != (local, c_grid[c_index]):
            differed += 1  # a tie resolved differently inside that run: keep its choice
            pick = owners.index((variant, result.selected["setting_index"]))
        selected = {
            **result.selected,
            "setting": settings[pick],
            "setting_index": pick,
            "fallback": FALLBACK_RULE if fallback else None,
            "assembled_from": variant,
        }
        best = Result(
            identity={
                "assembled": "best of " + ", ".join(ASSEMBLE_FROM),
                "from": sorted(r.id for _, r in found),
            },
            dataset=result.dataset,
            kernel="rntk",
            grid="union of the grids of " + ", ".join(ASSEMBLE_FROM),
            protocol=result.protocol,
            resample=0,
            selected=selected,
            cv={"settings": settings, "c_grid": c_grid, "mean": mean.tolist()},
            test=result.test,
            timing={
                "total": sum(float(r.timing.get("total", 0.0)) for _, r in found),
                "note": "the sum of the assembled runs' seconds of work",
            },
            environment=result.environment,
        )
        write_result(results / out_name, best)
        written += 1
    return written, differed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", default=None, help="local copy of the UCR archive")
    parser.add_argument("--grid", choices=["paper", "quick"], default="quick")
    parser.add_argument(
        "--results",
        default=None,
        help="[default: results/ablation (quick), results/ablation-paper (paper)]",
    )
    parser.add_argument("--n-jobs", default="2")
    parser.add_argument("--only", default=None, help="comma-separated variants to run")
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument(
        "--assemble",
        action="store_true",
        help="write the best-of from the L1/L2/L3/erf runs instead of running it",
    )
    args = parser.parse_args()
    results = Path(
        args.results or ("results/ablation-paper" if args.grid == "paper" else "results/ablation")
    )
    available = []
    for name in get_registry().suite("ucr56"):
        try:
            fetch_dataset(name, archive=args.archive, sources=[])
            available.append(name)
        except DataError:
            pass
    print(f"ucr56: {len(available)} data sets available", flush=True)
    timings_path = results / "timings.json"
    timings = json.loads(timings_path.read_text()) if timings_path.exists() else {}
    wanted = args.only.split(",") if args.only else list(VARIANTS)
    if args.assemble:
        wanted = [v for v in wanted if v != "best-of"]
    for variant in wanted:
        kernels, overrides, extra = VARIANTS[variant]
        grid = grid_file(results / "grids", variant, args.grid, overrides)
        command = [
            sys.executable, "-m", "rntk_bench.cli", "run", *available,
            "--kernels", kernels, "--grid", str(grid), "--results-dir", str(results),
            "--name", variant, "--n-jobs", args.n_jobs, "-q",
            *(["--archive", args.archive] if args.archive else []), *extra,
        ]  # fmt: skip
        started, cpu = time.perf_counter(), os.times()
        subprocess.run(command, check=True)
        after = os.times()
        wall = time.perf_counter() - started
        timings[variant] = {
            "wall_seconds": round(wall, 1),
            "cpu_seconds": round(after.children_user + after.children_system
                                 - cpu.children_user - cpu.children_system, 1),
            "kernels": kernels,
            "options": extra,
        }  # fmt: skip
        print(f"{variant}: {wall / 60:.1f} min", flush=True)
        timings_path.write_text(json.dumps(timings, indent=1) + "\n")
    if args.assemble:
        written, differed = assemble_best_of(results)
        print(f"best-of assembled: {written} results ({differed} kept their run's tie-break)")
    if not args.no_report:
        # Three reports: the variants (a CD diagram shows at most 16 methods) against
        # rntk, the same against RBF (W/T/L and Holm p), and the baselines on the paper
        # C grid beside the wider one.
        variants = [v for v in VARIANTS if v != "wide-c"]
        for runs, out, versus in (
            (variants, "report", "rntk"),
            (variants, "report-vs-rbf", "rbf"),
            (["base", "wide-c"], "report-wide-c", "rntk"),
        ):
            present = [str(results / v) for v in runs if (results / v / "runs").is_dir()]
            if len(present) == len(runs):
                subprocess.run(
                    [sys.executable, "-m", "rntk_bench.cli", "report", *present, "--out",
                     str(results / out), "--versus", versus],
                    check=True,
                )  # fmt: skip


if __name__ == "__main__":
    main()
