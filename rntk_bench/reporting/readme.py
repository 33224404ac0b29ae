"""The report's README.md: the Markdown tables stitched together, the plots linked.

One function per section; :func:`readme_text` puts them in order. The text only
reads a built :class:`~rntk_bench.reporting.build.Report`; writing the file is
:func:`rntk_bench.reporting.write.write_report`'s.
"""

from __future__ import annotations

from pathlib import Path

from rntk_bench.reporting.build import Report
from rntk_bench.reporting.selection import format_selection
from rntk_bench.reporting.statistics import FriedmanResult
from rntk_bench.reporting.tables import format_accuracy, format_leaderboard, to_markdown

__all__ = ["cd_sentence", "readme_text"]


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


def _leaderboard(report: Report) -> list[str]:
    counts = report.counts()
    return [
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
        + "Methods marked (published) are reported accuracies, not recomputed. "
        + _resamples_sentence(report),
        "",
    ]


def _resamples_sentence(report: Report) -> str:
    """What the leaderboard's resamples column counts, and which published splits."""
    line = (
        "resamples: the number of resamples (train/test splits; resample 0 is the archive's "
        "split) each of the row's per-data-set accuracies averages on the shared data sets "
        '("1-3" where they differ).'
    )
    if report.accuracy.published_methods:
        line += (
            " A published row averages, on each data set, the published resamples the run "
            "has there (0..k-1 for a run of k resamples), or those of them its source has "
            "(the registry's 1-NN rows: the official split only)."
        )
    return line


def _figures(report: Report, plots: dict[str, str]) -> list[str]:
    lines: list[str] = []
    if "cd_diagram" in plots or report.friedman is not None:
        lines += ["## Critical difference diagram", ""]
        if report.friedman is not None:
            lines += [cd_sentence(report.friedman), ""]
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
    return lines


def _selection(report: Report) -> list[str]:
    if report.selection.empty:
        return []
    return [
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


def _accuracy(report: Report) -> list[str]:
    table = report.accuracy
    n_resamples = sorted(set(table.expected.tolist()))
    expected = table.expected.to_numpy()[:, None]
    other = ((table.n.to_numpy() > 0) & (table.n.to_numpy() != expected)).any()
    return [
        "## Accuracy per data set",
        "",
        "Test accuracy"
        + (", mean ± standard deviation over resamples" if max(n_resamples, default=1) > 1 else "")
        + f" (resamples per data set: {', '.join(map(str, n_resamples))}"
        + ("; column resamples" if len(n_resamples) > 1 else "")
        + "). "
        + (
            "(n) after a value: it averages n resamples, not the data set's count. "
            if other
            else ""
        )
        + "– = no result.",
        "",
        to_markdown(format_accuracy(table)),
    ]


def _missing_and_problems(report: Report) -> list[str]:
    lines: list[str] = []
    if not report.missing.empty:
        counts = report.counts()
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
        lines += ["## Problems", "", to_markdown(report.problems_table(), index=False)]
    return lines


def readme_text(
    report: Report, files: list[Path], plots: dict[str, str], notes: list[str], out: Path
) -> str:
    """The README.md of a report folder.

    Parameters
    ----------
    report : Report
    files : list of Path
        The files written into ``out``, linked in the "Files" section.
    plots : dict
        Figure key ("cd_diagram", "scatter:<method>") -> file name in ``out``.
    notes : list of str
        The report's notes and the writer's own (e.g. plots not drawn).
    out : Path
        The report folder.

    Returns
    -------
    str
    """
    lines = _leaderboard(report)
    if notes:
        lines += ["## Notes", ""] + [f"- {note}" for note in notes] + [""]
    lines += _figures(report, plots)
    lines += _selection(report)
    lines += _accuracy(report)
    lines += _missing_and_problems(report)
    lines += [
        "## Files",
        "",
        *[f"- [{p.relative_to(out)}]({p.relative_to(out)})" for p in files],
        "",
        f"Published rows from: {'; '.join(report.published_sources) or 'none'}.",
        "",
    ]
    return "\n".join(lines)
