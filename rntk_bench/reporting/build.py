"""Building a run's report: tidy results + published rows -> tables and statistics.

:func:`build_report` computes everything the report shows in memory, as DataFrames
and result objects gathered in a :class:`Report`; nothing is written and nothing is
rerun (writing is :mod:`rntk_bench.reporting.write`). Reading is strictly read-only
with respect to the run's results.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from rntk_bench.errors import InputError, ResultError
from rntk_bench.reporting.leaderboard import (
    AccuracyTable,
    Leaderboard,
    accuracy_table,
    leaderboard,
    missing_pairs,
)
from rntk_bench.reporting.published import published_frames
from rntk_bench.reporting.selection import selection_table
from rntk_bench.reporting.statistics import FriedmanResult, NotApplicableError, friedman_posthoc
from rntk_bench.reporting.tidy import Problem, load_runs, problems_frame

__all__ = ["DEFAULT_VERSUS", "Report", "build_report", "length_policy_note", "resamples_column"]

#: The reference method of wins/ties/losses and the scatter plots, when present.
DEFAULT_VERSUS = "rntk"


def _relative(path: str, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(root.resolve()))
    except ValueError:
        return path


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
        Its table has, after ``n_datasets``, a ``resamples`` column
        (:func:`resamples_column`).
    missing : DataFrame
        :func:`~rntk_bench.reporting.leaderboard.missing_pairs` of the accuracy table.
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

    def problems_table(self) -> pd.DataFrame:
        """The problems (path, severity, reason), paths relative to the run folder, so a
        committed report holds no local paths."""
        frame = problems_frame(self.problems)
        frame["path"] = [_relative(p, self.run_dir) for p in frame["path"]]
        return frame


def _read_computed(
    run_dirs: list[Path], methods: Sequence[str] | None
) -> tuple[pd.DataFrame, list[Problem]]:
    """The runs' tidy rows (only ``methods`` when given); ResultError when there are none."""
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
    return computed, problems


def _choose_versus(
    versus: str | None, compared: list[str], table: AccuracyTable, notes: list[str]
) -> str | None:
    """``versus``, or the default reference when the run has it (else None and a note)."""
    if versus is None:
        if DEFAULT_VERSUS in compared:
            return DEFAULT_VERSUS
        notes.append(
            f"No {DEFAULT_VERSUS!r} results: no wins/ties/losses or scatter plots "
            "(choose a reference method with --versus)."
        )
        return None
    if versus not in compared:
        hint = (
            " Add --with-published to compare against a published method."
            if versus in table.methods
            else ""
        )
        raise InputError(
            f"--versus must be one of the compared methods ({', '.join(compared)}); got "
            f"{versus!r}.{hint}"
        )
    return versus


def _coverage_notes(table: AccuracyTable, board: Leaderboard, n_compared: int) -> list[str]:
    """Notes on data sets without ranks and on published rows of fewer splits."""
    notes: list[str] = []
    if not board.datasets:
        notes.append(
            f"No data set has results for all {n_compared} compared methods, so the "
            "leaderboard has no ranks; see missing.csv."
        )
    if (table.expected > 1).any():
        # Which published sources have one split only (the registry) is in the data.
        single = [m for m in table.published_methods if int(table.n[m].max()) <= 1]
        if len(single) < len(table.published_methods):
            notes.append(
                "Published bake-off rows are means over the resamples the run has on each "
                "data set (0..k-1 for k resamples). Resample 0 is the archive's split; "
                "resample k > 0 is drawn as tsml-eval and aeon draw their resample k (with "
                "the default --seed 0)."
            )
        if single:
            notes.append(
                f"{', '.join(single)}: published for the official split (resample 0) only, "
                "while the run has several resamples."
            )
    return notes


def resamples_column(table: AccuracyTable, board: Leaderboard) -> list[int | str]:
    """Per leaderboard row, how many resamples each of its per-data-set accuracies averages.

    Counted over the data sets the metrics use (``board.datasets``; the method's own
    data sets when no data set is shared).

    Returns
    -------
    list of int or str, one per row of ``board.table``
        The count (e.g. 3) where every data set has the same, else "lo-hi" (e.g. "1-3",
        a run whose data sets have different resample counts); 0 without any result.
    """
    counts: list[int | str] = []
    for method in board.table.index:
        n = table.n.loc[board.datasets, method] if board.datasets else table.n[method]
        n = n[n > 0]
        low, high = (int(n.min()), int(n.max())) if len(n) else (0, 0)
        counts.append(low if low == high else f"{low}-{high}")
    return counts


def _with_resamples(table: AccuracyTable, board: Leaderboard) -> Leaderboard:
    """``board`` with the ``resamples`` column after ``n_datasets``."""
    frame = board.table.copy()
    values = pd.Series(resamples_column(table, board), index=frame.index, dtype=object)
    frame.insert(list(frame.columns).index("n_datasets") + 1, "resamples", values)
    return replace(board, table=frame)


def _scatter_methods(
    table: AccuracyTable, board: Leaderboard, versus: str | None, notes: list[str]
) -> list[str]:
    """The methods that share a data set with ``versus`` (notes for the others)."""
    scatter: list[str] = []
    if versus is None:
        return scatter
    others = [m for m in board.table.index if m != versus]
    if not others:
        notes.append(f"No scatter plots: {versus} is the only compared method.")
    for other in others:
        if table.mean[[versus, other]].notna().all(axis=1).any():
            scatter.append(other)
        else:
            notes.append(f"No scatter plot of {versus} vs {other}: no shared data set.")
    return scatter


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
        (:func:`~rntk_bench.reporting.tidy.load_runs`).
    with_published : bool
        Whether published methods enter the ranks and the leaderboard; they are in
        the accuracy table either way.
    published : sequence of str or Path
        Folders, files or URLs of bake-off accuracy files (see
        :func:`~rntk_bench.reporting.published.read_published`). Per data set, a
        published row averages the published resamples the run has there (0..k-1 for
        a run of k resamples; :func:`~rntk_bench.reporting.published.align_published`).
    registry : bool
        Add the registry's 1-NN ED and 1-NN DTW (learned window) rows.
    versus : str, optional
        Reference method of wins/ties/losses and scatter plots; default "rntk" when
        the run has it (else none, with a note).
    alpha : float
        Significance level of the Friedman and post-hoc tests.
    cd_test : {"wilcoxon-holm", "nemenyi"}
        The post-hoc test that draws the bars of the critical difference diagram
        (:func:`~rntk_bench.reporting.statistics.friedman_posthoc`).
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
    computed, problems = _read_computed(run_dirs, methods)
    extra, published_problems, sources = published_frames(computed, published, registry=registry)
    problems = problems + published_problems
    tidy = pd.concat([computed, extra], ignore_index=True) if not extra.empty else computed
    table = accuracy_table(tidy)
    compared = list(table.methods if with_published else table.computed_methods)
    notes: list[str] = []
    versus = _choose_versus(versus, compared, table, notes)
    board = leaderboard(table.mean, compared, versus=versus, sources=table.sources)
    board = _with_resamples(table, board)
    friedman = None
    try:
        matrix = table.mean.loc[board.datasets, compared]
        friedman = friedman_posthoc(matrix, test=cd_test, alpha=alpha)
    except NotApplicableError as exc:
        notes.append(f"No Friedman test or critical difference diagram: {exc}")
    lengths_note = length_policy_note(computed)
    if lengths_note:
        notes.append(lengths_note)
    notes += _coverage_notes(table, board, len(compared))
    scatter = _scatter_methods(table, board, versus, notes)
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
        compared=compared,
        board=board,
        missing=missing_pairs(table, compared),
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
