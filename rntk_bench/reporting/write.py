"""Writing a built report: Markdown/CSV/LaTeX tables, summary.json, README.md, plots.

:func:`write_report` turns a :class:`~rntk_bench.reporting.build.Report` into files;
it computes nothing new. No timestamps or absolute paths go into the files, so a
regenerated report differs only where the results changed.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from rntk_bench._version import __version__
from rntk_bench.errors import InputError
from rntk_bench.reporting.build import Report
from rntk_bench.reporting.readme import readme_text
from rntk_bench.reporting.selection import format_selection
from rntk_bench.reporting.tables import format_accuracy, format_leaderboard, write_table

__all__ = ["slug", "summary", "write_report"]

_STALE = (
    "selection.*",
    "selection_edges.csv",
    "cd_diagram.png",
    "cd_diagram.svg",
    "scatter_*_vs_*.png",
    "scatter_*_vs_*.svg",
    "missing.csv",
    "problems.csv",
)


def slug(name: str) -> str:
    """A file-name-safe form of a method name: "ROCKET (published)" -> "ROCKET-published"."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "method"


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/NA -> None, numpy scalars -> Python."""
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _friedman(report: Report) -> dict[str, Any] | None:
    if report.friedman is None:
        return None
    f = report.friedman
    return {
        "statistic": f.statistic,
        "pvalue": f.pvalue,
        "alpha": f.alpha,
        "posthoc_test": f.test,
        "critical_difference": f.critical_difference,
        "n_datasets": f.n_datasets,
        "n_methods": f.n_methods,
        "mean_ranks": {k: float(v) for k, v in f.ranks.items()},
        "pairwise_pvalues": {
            r: {c: _clean(f.pairwise.at[r, c]) for c in f.pairwise.columns}
            for r in f.pairwise.index
        },
    }


def summary(report: Report, files: list[str], notes: list[str]) -> dict[str, Any]:
    """The content of summary.json: counts, leaderboard, statistics, notes, files."""
    return {
        "schema": "rntk-bench/report/1",
        "generated_by": f"rntk-bench {__version__}",
        "run": report.title,
        "with_published": report.with_published,
        "versus": report.versus,
        "counts": report.counts(),
        "compared_methods": report.compared,
        "shared_datasets": report.board.datasets,
        "leaderboard": _records(report.board.table.reset_index()),
        "friedman": _friedman(report),
        "missing": _records(report.missing),
        "problems": _records(report.problems_table()),
        "selection": _records(report.selection),
        "published_sources": report.published_sources,
        "notes": notes,
        "files": files,
    }


def _prepare(report: Report, out: Path) -> None:
    """Refuse a folder inside the results; create ``out``; remove stale report files."""
    for runs in [(p / "runs").resolve() for p in report.run_dirs or [report.run_dir]]:
        if out.resolve() == runs or runs in out.resolve().parents:
            raise InputError(
                f"--out {out} is inside the results folder {runs}; the report never writes "
                "there. Choose another folder (default: RUN_DIR/report)."
            )
    out.mkdir(parents=True, exist_ok=True)
    # Remove what an earlier report wrote and this one may not (plots after --no-plots,
    # missing.csv once nothing is missing), so the folder never shows stale results.
    # Only the report's own file patterns are touched.
    for pattern in _STALE:
        for old in out.glob(pattern):
            if old.is_file():
                old.unlink()


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


def _write_tables(report: Report, out: Path) -> list[Path]:
    """accuracy.*, accuracy_long.csv, leaderboard.*, missing.csv, problems.csv, selection.*."""
    files = write_table(
        report.accuracy.mean.copy(),
        format_accuracy(report.accuracy),
        out / "accuracy",
        caption="Test accuracy per data set (mean ± std over resamples).",
    )
    files.append(_write_csv(report.accuracy.long(), out / "accuracy_long.csv"))
    files += write_table(
        report.board.table,
        format_leaderboard(report.board),
        out / "leaderboard",
        caption=report.shared_line(),
    )
    if not report.missing.empty:
        files.append(_write_csv(report.missing, out / "missing.csv"))
    if report.problems:
        files.append(_write_csv(report.problems_table(), out / "problems.csv"))
    if not report.selection.empty:
        files += write_table(
            report.selection.set_index("method"),
            format_selection(report.selection),
            out / "selection",
            caption="CV fallbacks and grid edges per method.",
        )
        files.append(_write_csv(report.edges, out / "selection_edges.csv"))
    return files


def _write_plots(report: Report, out: Path, figures: dict[str, str]) -> list[Path]:
    """Draw and save the plots; fills ``figures`` (key -> file name)."""
    from rntk_bench.reporting.plots import cd_diagram, save_figure, scatter_versus

    files: list[Path] = []
    if report.friedman is not None:
        fig, _ = cd_diagram(report.friedman)
        saved = save_figure(fig, out / "cd_diagram")
        files += saved
        figures["cd_diagram"] = saved[0].name
    versus = report.versus
    if versus is None:  # no reference method, no scatter plots
        return files
    for other in report.scatter:
        fig, _ = scatter_versus(report.accuracy.mean, versus, other)
        saved = save_figure(fig, out / f"scatter_{slug(versus)}_vs_{slug(other)}")
        files += saved
        figures[f"scatter:{other}"] = saved[0].name
    return files


def write_report(report: Report, out: str | Path, *, plots: bool = True) -> list[Path]:
    """Write the report's files into ``out``.

    Files: accuracy.{md,csv,tex} (data sets x methods; the CSV holds the mean
    accuracies at full precision), accuracy_long.csv (dataset, method, source,
    accuracy, std, n_resamples), leaderboard.{md,csv,tex}, missing.csv (when
    pairs are missing), problems.csv (when files were left out), cd_diagram.{png,svg}
    and scatter_<versus>_vs_<method>.{png,svg} (with ``plots``), summary.json, and
    README.md stitching the Markdown tables and linking the plots.

    Parameters
    ----------
    report : Report
    out : str or Path
        The report folder (created); must not be inside the run's runs/ folder.
    plots : bool
        Draw the critical difference diagram and the scatter plots.

    Returns
    -------
    list of Path
        The files written, README.md and summary.json last.
    """
    out = Path(out)
    _prepare(report, out)
    files = _write_tables(report, out)
    figures: dict[str, str] = {}
    notes = list(report.notes)
    if plots:
        files += _write_plots(report, out, figures)
    else:
        notes.append("Plots not drawn (--no-plots).")
    readme = out / "README.md"
    summary_path = out / "summary.json"
    names = [str(p.relative_to(out)) for p in [*files, readme, summary_path]]
    summary_path.write_text(
        json.dumps(summary(report, names, notes), indent=1) + "\n", encoding="utf-8"
    )
    text = readme_text(report, [*files, summary_path], figures, notes, out)
    readme.write_text(text, encoding="utf-8")
    return [*files, readme, summary_path]
