"""``rntk-bench run``: compute kernels, select SVMs by cross-validation, score the test split."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from rntk_bench.cli._disk import reraise
from rntk_bench.cli._options import (
    archive_option,
    data_dir_option,
    download_limit_options,
    source_option,
    suite_option,
)
from rntk_bench.cli._progress import Progress
from rntk_bench.cli._signals import Terminated
from rntk_bench.cli.data import download_limits
from rntk_bench.data.local import resolve_datasets
from rntk_bench.errors import InputError
from rntk_bench.evaluation.protocol import (
    LENGTH_POLICIES,
    NORMALISATIONS,
    PAPER_C_GRID,
    PREPROCESSINGS,
    TRUNCATION_SIDES,
    Protocol,
    TestTruncation,
)
from rntk_bench.experiment import DataOptions, RunConfig, executor, run_experiment
from rntk_bench.experiment.events import (
    RunPlanned,
)
from rntk_bench.methods import kernel_names, lookup
from rntk_bench.svm import SOLVERS


def _kernel_list(value: str) -> tuple[str, ...]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    if names == ["all"]:
        return tuple(kernel_names())
    return tuple(dict.fromkeys(names))


def _float_list(value: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in value.split(",") if v.strip())
    except ValueError:
        raise InputError(
            f"--c-grid must be comma-separated numbers such as 0.01,0.1,1,10,100; got {value!r}."
        ) from None


def _choices(value: str, option: str, valid: tuple[str, ...]) -> tuple[str, ...]:
    items = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    bad = [v for v in items if v not in valid]
    if not items or bad:
        raise InputError(
            f"{option} takes a comma-separated list of {', '.join(valid)}; got {value!r}."
        )
    return items


def _truncations(fractions: str | None, sides: str) -> tuple[TestTruncation | None, ...]:
    if fractions is None:
        return (None,)
    values = []
    for item in fractions.split(","):
        try:
            values.append(float(item))
        except ValueError:
            raise InputError(
                f"--truncate-test takes fractions in (0, 1] such as 0.5,0.75; got {fractions!r}."
            ) from None
    out: list[TestTruncation | None] = []
    if 1.0 in values:  # keeping 100% is the data set as it is: one variant, no label
        out.append(None)
    for side in _choices(sides, "--truncate-side", TRUNCATION_SIDES):
        for fraction in dict.fromkeys(v for v in values if v != 1.0):
            try:
                out.append(TestTruncation(fraction, side))
            except InputError:
                raise InputError(
                    f"--truncate-test fractions must be in (0, 1] (the share of each test "
                    f"series kept); got {fraction:g}."
                ) from None
    return tuple(out)


def _plain_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--name is one folder inside --results-dir: never a path that leads elsewhere."""
    if value is None:
        return None
    bad = (
        not value.strip()
        or value in (".", "..")
        or any(sep in value for sep in ("/", "\\", "\0"))
        or any(ord(c) < 32 for c in value)
        or len(value.encode()) > 255
    )
    if bad:
        raise InputError(
            f"--name must be a plain folder name (no '/' or '\\', not '.' or '..', no "
            f"control characters, at most 255 bytes), e.g. ucr56-paper; got {value!r}. "
            "Choose where it goes with --results-dir."
        )
    return value


def _configure(
    **options: Any,
) -> tuple[RunConfig, DataOptions, list[str], tuple[str, ...], tuple[TestTruncation | None, ...]]:
    """The run's configuration from the command's options, every value checked once."""
    o = options
    if not o["names"] and not o["suite"]:
        raise click.UsageError("give data set names or --suite (see `rntk-bench datasets`).")
    if o["settings_per_task"] < 1:
        raise InputError(f"--settings-per-task must be >= 1; got {o['settings_per_task']}.")
    policies = _choices(o["length_policy"], "--length-policy", LENGTH_POLICIES)
    truncations = _truncations(o["truncate_test"], o["truncate_side"])
    # Registered names, then folders of one's own data (a path, or not registered but
    # in --archive); fetch_dataset takes either.
    datasets = resolve_datasets(o["names"], o["suite"], o["archive"])
    protocol = Protocol(
        folds=o["folds"],
        c_grid=_float_list(o["c_grid"]),
        preprocessing=o["preprocessing"],
        normalisation=o["normalisation"],
        seed=o["seed"],
    )
    config = RunConfig(
        datasets=tuple(datasets),
        kernels=_kernel_list(o["kernels"]),
        grid=o["grid"],
        protocol=protocol,
        resamples=o["resamples"],
        backend="auto",
        device=o["device"],
        dtype=o["dtype"],
        settings_per_task=o["settings_per_task"],
        gram_cache=o["gram_cache"],
        length_policies=policies,
        truncations=truncations,
        full_cv=o["full_cv"],
        svm_solver=o["svm_solver"],
    )
    data_options = DataOptions(
        data_dir=o["data_dir"],
        archive=o["archive"],
        sources=o["sources"] if o["sources"] else None,
        download=not o["no_download"],
        skip_unavailable=o["skip_unavailable"],
        limits=download_limits(o["download_deadline"], o["min_rate_kib"]),
    )
    return config, data_options, datasets, policies, truncations


@click.command()
@click.argument("names", nargs=-1)
@suite_option("Run every data set of a suite.")
@click.option(
    "--kernels",
    default="all",
    show_default=True,
    help=f"Comma-separated methods, or 'all': {', '.join(kernel_names())}; trained "
    "methods (not in 'all'): rnn (an Elman RNN trained with RMSProp; needs torch); a "
    "plugin's name (rntk-bench kernels); or your own kernel function or classifier class "
    "by import path, e.g. my_pkg.kernels:cosine or sklearn.neighbors:KNeighborsClassifier.",
)
@click.option(
    "--grid",
    default="paper",
    show_default=True,
    help="Hyper-parameter grid: 'paper' (900 RNTK settings), 'quick' (18), or a YAML file.",
)
@click.option(
    "--name",
    "run_name",
    callback=_plain_name,
    help="Run name: results go to RESULTS_DIR/NAME [default: the suite's name, else 'custom'].",
)
@click.option(
    "--results-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results"),
    show_default=True,
)
@click.option("--folds", type=int, default=10, show_default=True, help="CV folds on train.")
@click.option(
    "--c-grid",
    default=",".join(f"{c:g}" for c in PAPER_C_GRID),
    show_default=True,
    help="SVM C values.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seeds folds and resamples.")
@click.option(
    "--resamples",
    type=int,
    default=1,
    show_default=True,
    help="Train/test splits per data set: the official split (resample 0), then seeded "
    "stratified re-splits of train+test.",
)
@click.option(
    "--preprocessing",
    type=click.Choice(PREPROCESSINGS),
    default="maxnorm",
    show_default=True,
    help="Input scaling: divide by the largest training norm (authors' code), per-series "
    "z-normalisation, or none.",
)
@click.option(
    "--normalisation",
    type=click.Choice(NORMALISATIONS),
    default="mean-diagonal",
    show_default=True,
    help="Gram scaling before the SVM (mean-diagonal = rescaled C grid; keeps LIBSVM fast).",
)
@click.option(
    "--n-jobs",
    type=int,
    default=-1,
    show_default=True,
    help="Parallel worker processes (-1: all cores).",
)
@click.option("--dask-scheduler", metavar="ADDRESS", help="Run the tasks on this Dask cluster.")
@click.option(
    "--dask-local", type=int, metavar="N", help="Start a local Dask cluster of N workers."
)
@click.option(
    "--device",
    default="cpu",
    show_default=True,
    help="Torch device for the RNTK Gram matrices, e.g. cuda (needs the gpu extra).",
)
@click.option(
    "--dtype",
    type=click.Choice(["float64", "float32"]),
    default="float64",
    show_default=True,
    help="float32 only with a torch device.",
)
@click.option(
    "--settings-per-task",
    type=int,
    default=50,
    show_default=True,
    help="RNTK grid settings per parallel task.",
)
@click.option(
    "--gram-cache",
    type=click.Path(file_okay=False),
    help="Cache training Gram matrices in this folder (data-only .npz files, never pickles).",
)
@click.option(
    "--length-policy",
    "length_policy",
    default="resample",
    show_default=True,
    help="How fixed-length kernels get one length on unequal-length data: comma-separated "
    f"{', '.join(LENGTH_POLICIES)}; each extra policy is reported as its own method "
    "(e.g. rbf+pad-start). The RNN kernels compare lengths natively.",
)
@click.option(
    "--truncate-test",
    "truncate_test",
    metavar="FRACTIONS",
    help="Cut every test series to these fractions of its length (comma-separated, each "
    "in (0, 1]), training series whole; each fraction is a variant of every data set, "
    "reported as e.g. 'GunPoint [test: last 50%]' (1: the data set as it is). The "
    "variants share their cross-validation work (it sees the training split only).",
)
@click.option(
    "--truncate-side",
    default="end",
    show_default=True,
    help="Which part of a truncated test series is kept: end, start, or end,start.",
)
@click.option(
    "--full-cv",
    is_flag=True,
    help="Score every (setting, C) cell of the CV tables. By default cells that can no "
    "longer be selected are left NaN (same selections and predictions, fewer SVM fits). "
    "Results that exist are kept: add --overwrite to recompute them.",
)
@click.option(
    "--svm-solver",
    type=click.Choice(SOLVERS),
    default="numba",
    show_default=True,
    help="SVM solver of the cross-validation: LIBSVM's C-SVC replicated in compiled code, "
    "or scikit-learn's LIBSVM itself (slower). The same multipliers bit for bit, so the "
    "same results.",
)
@click.option("--overwrite", is_flag=True, help="Recompute results that already exist.")
@data_dir_option
@archive_option
@source_option
@click.option("--no-download", is_flag=True, help="Never download; use cached/bundled data only.")
@click.option(
    "--skip-unavailable",
    is_flag=True,
    help="Warn about data sets that cannot be loaded and run the others (default: stop).",
)
@download_limit_options
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def run(
    names: tuple[str, ...],
    suite: str | None,
    kernels: str,
    grid: str,
    run_name: str | None,
    results_dir: Path,
    folds: int,
    c_grid: str,
    seed: int,
    resamples: int,
    preprocessing: str,
    normalisation: str,
    n_jobs: int,
    dask_scheduler: str | None,
    dask_local: int | None,
    device: str,
    dtype: str,
    settings_per_task: int,
    gram_cache: str | None,
    length_policy: str,
    truncate_test: str | None,
    truncate_side: str,
    full_cv: bool,
    svm_solver: str,
    overwrite: bool,
    data_dir: str | None,
    archive: str | None,
    sources: tuple[str, ...],
    no_download: bool,
    skip_unavailable: bool,
    download_deadline: float,
    min_rate_kib: float,
    quiet: bool,
) -> None:
    """Run the benchmark: kernels x data sets, SVM selected by CV on train, scored on test.

    NAMES are registered data sets (`rntk-bench datasets`) or your own data: the path
    of a folder MyData holding MyData_TRAIN.tsv and MyData_TEST.tsv (or .ts files),
    told from a name by its '/' (./MyData), or the name of such a folder in --archive
    that is not registered. Own data are read in place, shapes inferred and checked.

    \b
    Examples:
      rntk-bench run --suite ci --grid quick
      rntk-bench run GunPoint Coffee --kernels rntk,rbf --resamples 5
      rntk-bench run path/to/MyData --kernels rntk,rbf --grid quick
      rntk-bench run --suite ucr56 --archive ~/UCRArchive_2018 --n-jobs 16
      rntk-bench run --suite varlen --length-policy resample,pad-start --skip-unavailable
      rntk-bench run --suite ucr56 --truncate-test 0.5,0.75 --truncate-side end,start

    Results go to RESULTS_DIR/NAME/runs (one JSON file per data set, kernel and
    resample). Rerunning the same command skips finished results; an interrupted run
    resumes where it stopped. `rntk-bench report RESULTS_DIR/NAME` makes the tables.
    """
    config, data_options, datasets, policies, truncations = _configure(**locals())
    run_dir = results_dir / (run_name or suite or "custom")
    # Results per data-set line: native kernels once, fixed-length ones once per policy.
    expected = resamples * sum(
        1 if lookup(k).description.capabilities.native_lengths else len(policies)
        for k in config.kernels
    )
    started = time.perf_counter()
    progress = Progress(config.kernels, expected, quiet)
    try:
        with executor(n_jobs, dask_scheduler, dask_local) as pool:
            for event in run_experiment(config, run_dir, pool, data_options, overwrite):
                if isinstance(event, RunPlanned):
                    click.echo(
                        f"{len(datasets)} data sets"
                        + (f" x {len(truncations)} truncations" if truncate_test else "")
                        + f" x {len(config.kernels)} kernels"
                        + (f" x {len(policies)} length policies" if len(policies) > 1 else "")
                        + f" x {resamples} resample(s), grid {grid}: {event.results_done} results "
                        f"already done, {event.results_to_compute} to compute in "
                        f"{event.tasks} task{'' if event.tasks == 1 else 's'} on "
                        f"{pool.description}."
                    )
                progress.show(event)
    except KeyboardInterrupt as exc:
        progress.close()
        click.echo(
            f"\nInterrupted{' (SIGTERM)' if isinstance(exc, Terminated) else ''}: "
            f"{progress.written} results written this time and kept; finished tasks are "
            "checkpointed. Run the same command again to resume.",
            err=True,
        )
        sys.exit(143 if isinstance(exc, Terminated) else 130)
    except OSError as exc:
        progress.close()
        reraise(exc, progress.written)  # a full disk is one line
    progress.close()
    written, skipped = progress.written, progress.skipped
    minutes, seconds = divmod(time.perf_counter() - started, 60)
    click.echo(
        f"Done in {int(minutes)} min {seconds:.0f} s: {written} results written, {skipped} "
        f"already present, in {run_dir}. Next: rntk-bench report {run_dir}"
    )
