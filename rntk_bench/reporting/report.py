"""A run's report: tidy results + published rows -> tables, statistics, plots, README.

:func:`build_report` computes everything in memory (nothing is written, nothing
is rerun); :func:`write_report` writes the files. Reading is strictly read-only
with respect to the run's results.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from rntk_bench import __version__
from rntk_bench.errors import InputError, ResultError
from rntk_bench.reporting.metrics import (
    AccuracyTable,
    FriedmanResult,
    Leaderboard,
    NotApplicableError,
    accuracy_table,
    friedman_posthoc,
    leaderboard,
    missing_pairs,
)
from rntk_bench.reporting.published import published_frames
from rntk_bench.reporting.selection import format_selection, selection_table
from rntk_bench.reporting.tables import (
    format_accuracy,
    format_leaderboard,
    to_markdown,
    write_table,
)
from rntk_bench.reporting.tidy import Problem, problems_frame
from rntk_bench.reporting.variants import load_runs

__all__ = ["DEFAULT_VERSUS", "Report", "build_report", "cd_sentence", "slug", "write_report"]

#: The reference method of wins/ties/losses and the scatter plots, when present.
DEFAULT_VERSUS = "rntk"
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


def cd_sentence(result: FriedmanResult) -> str:
    """What the critical difference diagram shows and which test drew its bars."""
    f = result
    line = (
        f"Friedman test over {f.n_datasets} data sets and {f.n_methods} methods: "
        f"chi2 = {f.statistic:.3f}, p = {f.pvalue:.3g}. "
    )
    if f.test == "nemenyi":
        line += (
            f"Bars join methods whose mean ranks differ by less than the Nemenyi critical "
            f"difference at alpha = {f.alpha:g}, {f.critical_difference:.3f} (Demsar 2006)."
        )
    else:
        line += (
            "Bars join methods that a two-sided Wilcoxon signed-rank test cannot separate at "
            f"alpha = {f.alpha:g} after Holm's correction over all "
            f"{f.n_methods * (f.n_methods - 1) // 2} pairs (the convention of aeon and "
            "tsml-eval; `--cd-test nemenyi` for Nemenyi's test)."
        )
    if not f.significant:
        line += " The Friedman test does not reject equal ranks, so one bar joins all methods."
    return line


def slug(name: str) -> str:
    """A file-name-safe form of a method name: "ROCKET (published)" -> "ROCKET-published"."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "method"


@dataclass
class Report:
    """Everything the report shows, computed from the result files.

    Attributes
    ----------
    run_dir : Path
    tidy : DataFrame
        Computed and aligned published rows (:data:`~rntk_bench.reporting.tidy.TIDY_COLUMNS`).
    problems : list of Problem
        Result or published files left out or superseded.
    accuracy : AccuracyTable
        Data sets x methods (all methods, published included).
    compared : list of str
        Methods entering ranks and the leaderboard.
    board : Leaderboard
    missing : DataFrame
        :func:`~rntk_bench.reporting.metrics.missing_pairs` of the accuracy table.
    friedman : FriedmanResult or None
    with_published : bool
    published_sources : list of str
    notes : list of str
        Why a statistic or plot was skipped, and other caveats, in plain words.
    scatter : list of str
        The methods plotted against ``versus`` (those sharing a data set with it).
    selection : DataFrame
        Per computed method: CV fallbacks and grid-edge counts
        (:func:`~rntk_bench.reporting.selection.selection_table`).
    edges : DataFrame
        The per-result rows behind ``selection``.
    run_dirs : list of Path
        Every run folder read (one, or several merged; ``run_dir`` is then their
        common parent).
    """

    run_dir: Path
    tidy: pd.DataFrame
    problems: list[Problem]
    accuracy: AccuracyTable
    compared: list[str]
    board: Leaderboard
    missing: pd.DataFrame
    friedman: FriedmanResult | None
    with_published: bool
    published_sources: list[str]
    notes: list[str] = field(default_factory=list)
    scatter: list[str] = field(default_factory=list)
    selection: pd.DataFrame = field(default_factory=pd.DataFrame)
    edges: pd.DataFrame = field(default_factory=pd.DataFrame)
    run_dirs: list[Path] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The run's name, or the merged runs' names."""
        if len(self.run_dirs) > 1:
            return " + ".join(p.name for p in self.run_dirs)
        return self.run_dir.name

    @property
    def versus(self) -> str | None:
        return self.board.versus

    @property
    def n_results(self) -> int:
        return int((self.tidy["source"] == "computed").sum())

    def counts(self) -> dict[str, int]:
        """The numbers the README and summary.json state."""
        in_ranks = self.missing[self.missing["in_ranks"]] if not self.missing.empty else None
        return {
            "result_files": self.n_results,
            "problems": sum(p.severity == "error" for p in self.problems),
            "warnings": sum(p.severity == "warning" for p in self.problems),
            "datasets": int(self.accuracy.mean.shape[0]),
            "methods": len(self.accuracy.methods),
            "computed_methods": len(self.accuracy.computed_methods),
            "published_methods": len(self.accuracy.published_methods),
            "compared_methods": len(self.compared),
            "shared_datasets": len(self.board.datasets),
            "missing_pairs": int((self.missing["status"] == "missing").sum()),
            "partial_pairs": int((self.missing["status"] == "partial").sum()),
            "missing_pairs_in_ranks": 0
            if in_ranks is None
            else int((in_ranks["status"] == "missing").sum()),
        }

    def shared_line(self) -> str:
        """One sentence: how many data sets the leaderboard is over, and why."""
        n, total = len(self.board.datasets), self.board.n_datasets_total
        line = (
            f"Ranks and all metrics are over the {n} data set{'s' if n != 1 else ''} that all "
            f"{len(self.compared)} compared methods share (of {total} in the run)."
        )
        dropped = total - n
        if dropped:
            line += f" {dropped} left out for missing results: see missing.csv."
        return line


def build_report(
    run_dir: str | Path | Sequence[str | Path],
    *,
    with_published: bool = False,
    published: Sequence[str | Path] = (),
    registry: bool = True,
    versus: str | None = None,
    alpha: float = 0.05,
    cd_test: str = "wilcoxon-holm",
    methods: Sequence[str] | None = None,
) -> Report:
    """Read a run's results and compute every table and statistic of the report.

    Parameters
    ----------
    run_dir : str or Path, or a sequence of them
        The run folder (holds runs/<Dataset>/*.json), or several to merge into one
        report; method names that two runs share get the run's name
        (:func:`~rntk_bench.reporting.variants.load_runs`).
    with_published : bool
        Whether published methods enter the ranks and the leaderboard; they are in
        the accuracy table either way.
    published : sequence of str or Path
        Folders, files or URLs of bake-off accuracy files (see
        :func:`~rntk_bench.reporting.published.read_published`).
    registry : bool
        Add the registry's 1-NN ED and 1-NN DTW (learned window) rows.
    versus : str, optional
        Reference method of wins/ties/losses and scatter plots; default "rntk" when
        the run has it (else none, with a note).
    alpha : float
        Significance level of the Friedman and post-hoc tests.
    cd_test : {"wilcoxon-holm", "nemenyi"}
        The post-hoc test that draws the bars of the critical difference diagram
        (:func:`~rntk_bench.reporting.metrics.friedman_posthoc`).

    methods : sequence of str, optional
        Report only these computed methods (e.g. a few of the length-policy variants
        of a run); default all.

    Returns
    -------
    Report

    Raises
    ------
    ResultError
        If the run folder does not exist or holds no usable result.
    InputError
        If ``versus`` is not a compared method, ``published`` cannot be read, or
        ``methods`` names a method the run does not have.
    """
    run_dirs = [Path(run_dir)] if isinstance(run_dir, (str, Path)) else [Path(p) for p in run_dir]
    if not run_dirs:
        raise InputError("give at least one run folder.")
    root = run_dirs[0]
    if len(run_dirs) > 1:  # relative paths and the title refer to the common parent
        root = Path(os.path.commonpath([p.resolve() for p in run_dirs]))
    computed, problems = load_runs(run_dirs)
    if methods is not None and not computed.empty:
        present = sorted(set(computed["method"]))
        unknown = [m for m in methods if m not in present]
        if unknown or not methods:
            raise InputError(
                f"--methods must name methods of the run ({', '.join(present)}); "
                f"got {', '.join(unknown) or 'none'}."
            )
        computed = computed[computed["method"].isin(list(methods))].reset_index(drop=True)
    if computed.empty:
        detail = f"; {len(problems)} unreadable: {problems[0]}" if problems else ""
        raise ResultError(
            f"no results in {', '.join(map(str, run_dirs))} (expected "
            f"runs/<Dataset>/*.json){detail}; run `rntk-bench run` first."
        )
    extra, published_problems, sources = published_frames(computed, published, registry=registry)
    problems = problems + published_problems
    tidy = pd.concat([computed, extra], ignore_index=True) if not extra.empty else computed
    table = accuracy_table(tidy)
    compared = table.methods if with_published else table.computed_methods
    notes: list[str] = []
    if versus is None:
        if DEFAULT_VERSUS in compared:
            versus = DEFAULT_VERSUS
        else:
            notes.append(
                f"No {DEFAULT_VERSUS!r} results: no wins/ties/losses or scatter plots "
                "(choose a reference method with --versus)."
            )
    elif versus not in compared:
        hint = (
            " Add --with-published to compare against a published method."
            if versus in table.methods
            else ""
        )
        raise InputError(
            f"--versus must be one of the compared methods ({', '.join(compared)}); got "
            f"{versus!r}.{hint}"
        )
    board = leaderboard(table.mean, compared, versus=versus, sources=table.sources)
    missing = missing_pairs(table, compared)
    friedman = None
    try:
        friedman = friedman_posthoc(
            table.mean.loc[board.datasets, compared], test=cd_test, alpha=alpha
        )
    except NotApplicableError as exc:
        notes.append(f"No Friedman test or critical difference diagram: {exc}")
    lengths_note = length_policy_note(computed)
    if lengths_note:
        notes.append(lengths_note)
    if not board.datasets:
        notes.append(
            f"No data set has results for all {len(compared)} compared methods, so the "
            "leaderboard has no ranks; see missing.csv."
        )
    if (table.expected > 1).any():
        # Which published sources have one split only (the registry) is in the data.
        single = [m for m in table.published_methods if int(table.n[m].max()) <= 1]
        if len(single) < len(table.published_methods):
            notes.append(
                "Published bake-off rows are means over the resamples the run has (0..K-1 "
                "for K resamples); only resample 0, the official split, is the same split in "
                "both, the others are re-splits drawn by each study."
            )
        if single:
            notes.append(
                f"{', '.join(single)}: published for the official split (resample 0) only, "
                "while the run has several resamples."
            )
    scatter: list[str] = []
    if versus is not None:
        others = [m for m in board.table.index if m != versus]
        if not others:
            notes.append(f"No scatter plots: {versus} is the only compared method.")
        for other in others:
            if table.mean[[versus, other]].notna().all(axis=1).any():
                scatter.append(other)
            else:
                notes.append(f"No scatter plot of {versus} vs {other}: no shared data set.")
    selection, edges = selection_table(computed)
    return Report(
        selection=selection,
        edges=edges,
        run_dirs=run_dirs,
        scatter=scatter,
        run_dir=root,
        tidy=tidy,
        problems=problems,
        accuracy=table,
        compared=list(compared),
        board=board,
        missing=missing,
        friedman=friedman,
        with_published=with_published,
        published_sources=sources,
        notes=notes,
    )


def length_policy_note(tidy: pd.DataFrame) -> str | None:
    """One sentence naming how each method handled unequal lengths; None if none had to.

    The per-data-set lengths in the result files ("... to 315 points") are dropped:
    the note names the policy, accuracy tables the data sets.
    """
    if "length_policy" not in tidy or tidy.empty:
        return None
    policies: dict[str, set[str]] = {}
    for method, text in zip(tidy["method"], tidy["length_policy"], strict=True):
        if not isinstance(text, str) or text == "equal lengths":
            continue
        general = re.sub(r"\s*\(\d+ points\)|\s+to \d+ points", "", text)
        if general.startswith("native"):  # RNN kernels align ends, GAK aligns globally
            general = "native (no resampling or padding)"
        if general.startswith("linear resampling"):
            general = "linear resampling to the longest series"
        policies.setdefault(method, set()).add(general)
    if not policies:
        return None
    by_policy: dict[str, list[str]] = {}
    for method in sorted(policies):
        by_policy.setdefault("; ".join(sorted(policies[method])), []).append(method)
    parts = [f"{', '.join(methods)}: {policy}" for policy, methods in by_policy.items()]
    return "Unequal lengths (variable-length or truncated data sets): " + "; ".join(parts) + "."


# ---------------------------------------------------------------------- writing


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


def _summary(report: Report, files: list[str], notes: list[str]) -> dict[str, Any]:
    board = report.board.table.reset_index()
    friedman = None
    if report.friedman is not None:
        f = report.friedman
        friedman = {
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
    # No timestamp or absolute paths: a regenerated report diffs only where results changed.
    return {
        "schema": "rntk-bench/report/1",
        "generated_by": f"rntk-bench {__version__}",
        "run": report.title,
        "with_published": report.with_published,
        "versus": report.versus,
        "counts": report.counts(),
        "compared_methods": report.compared,
        "shared_datasets": report.board.datasets,
        "leaderboard": _records(board),
        "friedman": friedman,
        "missing": _records(report.missing),
        "problems": [
            {"path": _relative(p.path, report.run_dir), "severity": p.severity, "reason": p.reason}
            for p in report.problems
        ],
        "selection": _records(report.selection),
        "published_sources": report.published_sources,
        "notes": notes,
        "files": files,
    }


def _relative(path: str, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(root.resolve()))
    except ValueError:
        return path


def _readme(
    report: Report, files: list[Path], plots: dict[str, str], notes: list[str], out: Path
) -> str:
    counts = report.counts()
    lines = [
        f"# Report: {report.title}",
        "",
        f"{counts['result_files']} result files, {counts['datasets']} data sets, "
        f"{counts['computed_methods']} computed methods"
        + (
            f", {counts['published_methods']} published reference methods"
            if counts["published_methods"]
            else ""
        )
        + f". Published methods {'are' if report.with_published else 'are not'} ranked.",
        "",
        "## Leaderboard",
        "",
        report.shared_line(),
        "",
        to_markdown(format_leaderboard(report.board)),
        "rank: mean Friedman rank (1 = best, ties averaged). P90/P95: % of data sets where "
        "the method reaches 90%/95% of the best compared accuracy. PMA: mean percentage of "
        "the best accuracy. "
        + (
            f"W/T/L vs {report.versus}: data sets where the row's method is more accurate / "
            f"equal / less accurate than {report.versus}. p vs {report.versus} (Holm): "
            "two-sided Wilcoxon signed-rank test of the pair over the shared data sets, "
            "Holm-adjusted over the other compared methods. "
            if report.versus
            else ""
        )
        + "Methods marked (published) are reported accuracies, not recomputed.",
        "",
    ]
    if notes:
        lines += ["## Notes", ""] + [f"- {note}" for note in notes] + [""]
    if "cd_diagram" in plots or report.friedman is not None:
        lines += ["## Critical difference diagram", ""]
        if report.friedman is not None:
            f = report.friedman
            lines += [cd_sentence(f), ""]
        if "cd_diagram" in plots:
            lines += [f"![critical difference diagram]({plots['cd_diagram']})", ""]
    scatters = {k: v for k, v in plots.items() if k.startswith("scatter:")}
    if scatters:
        lines += [
            f"## {report.versus} against each method",
            "",
            f"One point per data set that both methods have (this can be more than the "
            f"shared data sets of the leaderboard); above the diagonal {report.versus} is "
            "more accurate.",
            "",
        ]
        lines += [f"![{k.split(':', 1)[1]}]({v})" for k, v in scatters.items()] + [""]
    if not report.selection.empty:
        lines += [
            "## Selection: CV fallbacks and grid edges",
            "",
            "Per method: results where every setting tied in cross-validation, so the "
            "grid's centre was used (a data-independent default, e.g. Fungi), and results "
            "whose selected C or kernel parameter is the smallest or largest value of its "
            "grid (grids of >= 3 values; fallbacks not counted). Many results at an edge "
            "mean the grid, not the method, may limit the accuracy.",
            "",
            to_markdown(format_selection(report.selection)),
        ]
    n_resamples = sorted(set(report.accuracy.expected.tolist()))
    lines += [
        "## Accuracy per data set",
        "",
        "Test accuracy"
        + (", mean ± standard deviation over resamples" if max(n_resamples, default=1) > 1 else "")
        + f" (resamples per data set: {', '.join(map(str, n_resamples))}). "
        "– = no result.",
        "",
        to_markdown(format_accuracy(report.accuracy)),
    ]
    if not report.missing.empty:
        lines += [
            "## Missing results",
            "",
            f"{counts['missing_pairs']} (data set, method) pairs have no result and "
            f"{counts['partial_pairs']} have fewer resamples than the run "
            f"({counts['missing_pairs_in_ranks']} missing among the compared methods).",
            "",
            to_markdown(report.missing, index=False),
        ]
    if report.problems:
        frame = problems_frame(report.problems)
        frame["path"] = [_relative(p, report.run_dir) for p in frame["path"]]
        lines += ["## Problems", "", to_markdown(frame, index=False)]
    lines += [
        "## Files",
        "",
        *[f"- [{p.relative_to(out)}]({p.relative_to(out)})" for p in files],
        "",
        f"Published rows from: {'; '.join(report.published_sources) or 'none'}.",
        "",
    ]
    return "\n".join(lines)


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
    files: list[Path] = []
    accuracy_numeric = report.accuracy.mean.copy()
    files += write_table(
        accuracy_numeric,
        format_accuracy(report.accuracy),
        out / "accuracy",
        caption="Test accuracy per data set (mean ± std over resamples).",
    )
    long = out / "accuracy_long.csv"
    report.accuracy.long().to_csv(long, index=False, lineterminator="\n")
    files.append(long)
    files += write_table(
        report.board.table,
        format_leaderboard(report.board),
        out / "leaderboard",
        caption=report.shared_line(),
    )
    if not report.missing.empty:
        path = out / "missing.csv"
        report.missing.to_csv(path, index=False, lineterminator="\n")
        files.append(path)
    if report.problems:
        path = out / "problems.csv"
        frame = problems_frame(report.problems)
        # Paths relative to the run folder, so a committed report holds no local paths.
        frame["path"] = [_relative(p, report.run_dir) for p in frame["path"]]
        frame.to_csv(path, index=False, lineterminator="\n")
        files.append(path)
    if not report.selection.empty:
        files += write_table(
            report.selection.set_index("method"),
            format_selection(report.selection),
            out / "selection",
            caption="CV fallbacks and grid edges per method.",
        )
        path = out / "selection_edges.csv"
        report.edges.to_csv(path, index=False, lineterminator="\n")
        files.append(path)
    figures: dict[str, str] = {}
    notes = list(report.notes)
    if plots:
        files += _write_plots(report, out, figures)
    else:
        notes.append("Plots not drawn (--no-plots).")
    readme = out / "README.md"
    summary = out / "summary.json"
    names = [str(p.relative_to(out)) for p in [*files, readme, summary]]
    summary.write_text(
        json.dumps(_summary(report, names, notes), indent=1) + "\n", encoding="utf-8"
    )
    readme.write_text(_readme(report, [*files, summary], figures, notes, out), encoding="utf-8")
    return [*files, readme, summary]


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
