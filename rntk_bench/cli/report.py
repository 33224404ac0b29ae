"""``rntk-bench report`` and ``rntk-bench check``: leaderboards and the CI regression."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from rntk_bench.errors import InputError, ResultError

if TYPE_CHECKING:
    import pandas as pd

    from rntk_bench.reporting import Problem

# The reporting layer (pandas, matplotlib, scipy) is imported inside
# the commands, so `rntk-bench --help` and the other commands start fast.


def _warn(problems: Sequence[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


@click.command()
@click.argument(
    "run_dirs", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path)
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Report folder [default: RUN_DIR/report; required with several run folders].",
)
@click.option(
    "--with-published/--without-published",
    default=False,
    show_default=True,
    help="Rank the published reference methods with the computed ones. They appear in "
    "the per-data-set accuracy table either way.",
)
@click.option(
    "--published",
    "published",
    multiple=True,
    metavar="PATH_OR_URL",
    help="Folder, file or http(s) URL of bake-off accuracy files "
    "(<Classifier>_accuracy.csv: data set, then one column per resample). Repeatable. "
    "The registry's 1-NN ED and 1-NN DTW rows are always added.",
)
@click.option(
    "--versus",
    metavar="METHOD",
    help="Reference method of wins/ties/losses and the scatter plots [default: rntk].",
)
@click.option(
    "--cd-test",
    type=click.Choice(["wilcoxon-holm", "nemenyi"]),
    default="wilcoxon-holm",
    show_default=True,
    help="Post-hoc test that draws the bars of the critical difference diagram: pairwise "
    "Wilcoxon signed-rank with Holm's correction (as aeon and tsml-eval) or Nemenyi.",
)
@click.option(
    "--alpha",
    type=click.FloatRange(0.0, 1.0, min_open=True, max_open=True),
    default=0.05,
    show_default=True,
    help="Significance level of the Friedman and post-hoc tests (aeon's diagram uses 0.1).",
)
@click.option(
    "--methods",
    metavar="LIST",
    help="Comma-separated computed methods to report (default: all), e.g. to keep a "
    "few length-policy variants (rbf+pad-start, ...) of a run.",
)
@click.option("--no-plots", is_flag=True, help="Skip the critical difference and scatter plots.")
def report(
    run_dirs: tuple[Path, ...],
    out: Path | None,
    with_published: bool,
    published: tuple[str, ...],
    versus: str | None,
    cd_test: str,
    alpha: float,
    methods: str | None,
    no_plots: bool,
) -> None:
    """Write the leaderboards, tables and plots of one run folder, or of several merged.

    Reads RUN_DIR/runs/*/*.json only (never reruns an SVM, never writes there) and
    writes accuracy.{md,csv,tex} (data sets x methods), leaderboard.{md,csv,tex}
    (mean accuracy, Friedman rank, P90, P95, PMA, wins/ties/losses and the Holm-adjusted
    Wilcoxon p-value against --versus), missing.csv,
    cd_diagram.{png,svg}, scatter_<versus>_vs_<method>.{png,svg}, summary.json and
    a README.md that stitches them together, selection.{md,csv,tex} (per method:
    CV ties that used the grid centre, selected C and kernel parameters at an edge
    of their grid). Unreadable result files are listed, not fatal.

    Method names carry what differs from the headline protocol, e.g. rntk[L=2,erf]
    or rbf[C=0.001..1e5]; several run folders are merged into one report, and a
    name two runs share gets the run's name (rntk@RUN).

    \b
    Examples:
      rntk-bench report results/ci
      rntk-bench report results/ucr56 --with-published --published ~/ucr-archive/published
      rntk-bench report results/ablation/base results/ablation/L2 --out results/ablation/report
    """
    import matplotlib

    matplotlib.use("Agg")  # never open a window, even where a display exists

    from rntk_bench.reporting import build_report, to_markdown, write_report
    from rntk_bench.reporting.tables import format_leaderboard

    if len(run_dirs) > 1 and out is None:
        raise InputError("several run folders: give the report folder with --out.")
    result = build_report(
        list(run_dirs),
        with_published=with_published,
        published=published,
        versus=versus,
        cd_test=cd_test,
        alpha=alpha,
        methods=None if methods is None else [m.strip() for m in methods.split(",") if m.strip()],
    )
    target = out if out is not None else run_dirs[0] / "report"
    files = write_report(result, target, plots=not no_plots)
    _warn(result.problems)
    click.echo(to_markdown(format_leaderboard(result.board)))
    click.echo(result.shared_line())
    for note in result.notes:
        click.echo(f"note: {note}")
    counts = result.counts()
    gaps = [
        f"{counts[key]} {word}"
        for key, word in (("missing_pairs", "missing"), ("partial_pairs", "partial"))
        if counts[key]
    ]
    if gaps:
        plural = "s" if counts["missing_pairs"] + counts["partial_pairs"] > 1 else ""
        click.echo(f"{' and '.join(gaps)} (data set, method) pair{plural}: see missing.csv.")
    click.echo(f"\nWrote {len(files)} files to {target}:")
    for path in files:
        click.echo(f"  {path.relative_to(target)}")


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--reference",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Reference CSV: dataset, method, accuracy (mean over resamples, in [0, 1]) "
    "and optionally n_resamples.",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(0.0, 1.0, max_open=True),
    default=0.0,
    show_default=True,
    help="How far an accuracy may fall below the reference and pass, as a fraction "
    "(0.02 = 2 accuracy points).",
)
@click.option(
    "--update",
    is_flag=True,
    help="Write (overwrite) the reference from this run instead of checking.",
)
def check(run_dir: Path, reference: Path, tolerance: float, update: bool) -> None:
    """Check a run's accuracies against a committed reference (the CI regression).

    Fails (exit 1) with a diff table when an accuracy falls more than --tolerance
    below the reference, when a (data set, method) of the reference has no result
    or another number of resamples, or when the reference is malformed.
    Improvements and new methods or data sets are reported and pass.

    \b
    Examples:
      rntk-bench check results/ci --reference results/reference/ci.csv
      rntk-bench check results/ci --reference results/reference/ci.csv --tolerance 0.02
      rntk-bench check results/ci --reference results/reference/ci.csv --update
    """
    from rntk_bench.reporting import (
        compare_to_reference,
        load_results,
        read_reference,
        run_accuracies,
        to_markdown,
        write_reference,
    )

    tidy, problems = load_results(run_dir)
    _warn(problems)
    if tidy.empty:
        raise ResultError(
            f"no results in {run_dir} (expected runs/<Dataset>/*.json); run `rntk-bench run` first."
        )
    current = run_accuracies(tidy)
    if update:
        if reference.is_file():
            try:
                before = compare_to_reference(current, read_reference(reference))
                changed = before.diff()
                if not changed.empty:
                    click.echo(f"Changes against the previous {reference}:")
                    click.echo(to_markdown(_rounded(changed), index=False))
            except InputError as exc:  # a malformed old reference is what --update replaces
                click.echo(f"previous reference unreadable ({exc}); replacing it.", err=True)
        write_reference(current, reference)
        n_data, n_methods = current["dataset"].nunique(), current["method"].nunique()
        click.echo(
            f"Wrote {len(current)} accuracies ({n_data} data sets, {n_methods} methods) "
            f"to {reference}."
        )
        return
    result = compare_to_reference(current, read_reference(reference), tolerance)
    diff = result.diff()
    if not diff.empty:
        click.echo(to_markdown(_rounded(diff), index=False))
    if result.passed:
        click.echo(result.summary())
        return
    click.echo(result.summary(), err=True)
    raise SystemExit(1)


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Accuracies with 4 decimals and signed deltas, for people reading a CI log."""
    out = frame.copy()
    for column in ("reference", "now"):
        out[column] = ["–" if v != v else f"{v:.4f}" for v in out[column]]  # v != v: NaN
    out["delta"] = ["–" if v != v else f"{v:+.4f}" for v in out["delta"]]
    return out
