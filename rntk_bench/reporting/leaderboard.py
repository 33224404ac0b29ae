"""The leaderboard: accuracy table, ranks, wins/ties/losses, P90/P95/PMA.

Definitions: docs/metrics.md in the repository.

With acc_k(D) the test accuracy of method k on data set D (mean over resamples)
and M(D) = max_k acc_k(D) over the compared methods:

- mean accuracy  = mean_D acc_k(D), +- the standard deviation over data sets;
- Friedman rank  = mean_D rank of k on D by accuracy (1 = best, ties averaged);
- P90 / P95      = % of data sets with acc_k(D) >= 0.90 M(D) / >= 0.95 M(D);
- PMA            = mean_D 100 acc_k(D) / M(D), +- the standard deviation;
- wins/ties/losses of each method against a reference method, with the two-sided
  Wilcoxon signed-rank p-value of the pair, Holm-adjusted over the k - 1
  comparisons with the reference (:mod:`rntk_bench.reporting.statistics`).

Every metric is computed over the data sets that ALL compared methods share, so
that ranks and ratios compare like with like; :func:`missing_pairs` lists what
was left out. Standard deviations are sample standard deviations (ddof=1), NaN
for a single value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rntk_bench.errors import InputError
from rntk_bench.reporting.published import is_published
from rntk_bench.reporting.statistics import DECIMALS, friedman_ranks, wilcoxon_versus

__all__ = [
    "LEADERBOARD_COLUMNS",
    "AccuracyTable",
    "Leaderboard",
    "accuracy_table",
    "leaderboard",
    "missing_pairs",
    "shared_datasets",
    "wins_ties_losses",
]

# Slack for the P90/P95 thresholds, so acc == 0.9 M(D) on paper counts as reaching it.
_EPS = 1e-12

#: Columns of :attr:`Leaderboard.table`, in order.
LEADERBOARD_COLUMNS = (
    "source",
    "n_datasets",
    "mean_accuracy",
    "std_accuracy",
    "friedman_rank",
    "p90",
    "p95",
    "pma",
    "pma_std",
    "wins",
    "ties",
    "losses",
    "wilcoxon_p",
)


@dataclass(frozen=True)
class AccuracyTable:
    """Per-data-set accuracies: data sets x methods.

    Attributes
    ----------
    mean : DataFrame of shape (n_datasets, n_methods)
        Mean test accuracy over resamples; NaN where a method has no result.
    std : DataFrame of shape (n_datasets, n_methods)
        Sample standard deviation over resamples (NaN for fewer than two).
    n : DataFrame of shape (n_datasets, n_methods), int
        Number of resamples behind each mean (0 where missing).
    expected : Series of shape (n_datasets,), int
        Number of resamples the computed methods have on each data set (the union).
    sources : dict
        Method -> "computed" or "published".
    """

    mean: pd.DataFrame
    std: pd.DataFrame
    n: pd.DataFrame
    expected: pd.Series
    sources: dict[str, str]

    @property
    def methods(self) -> list[str]:
        return list(self.mean.columns)

    @property
    def computed_methods(self) -> list[str]:
        return [m for m in self.methods if self.sources[m] == "computed"]

    @property
    def published_methods(self) -> list[str]:
        return [m for m in self.methods if self.sources[m] == "published"]

    def long(self) -> pd.DataFrame:
        """One row per (dataset, method) with a result: dataset, method, source,
        accuracy (mean), std, n_resamples."""

        def melt(frame: pd.DataFrame, name: str) -> pd.Series:
            return (
                frame.rename_axis(index="dataset", columns="method")
                .melt(ignore_index=False, value_name=name)
                .set_index("method", append=True)[name]
            )

        long = pd.concat(
            [melt(self.mean, "accuracy"), melt(self.std, "std"), melt(self.n, "n_resamples")],
            axis=1,
        )
        long = long[long["n_resamples"] > 0].reset_index()
        long.insert(2, "source", long["method"].map(self.sources))
        long = long.sort_values(["dataset", "method"], kind="stable").reset_index(drop=True)
        long["n_resamples"] = long["n_resamples"].astype("int64")
        return long


def _method_order(methods: Sequence[str], sources: dict[str, str]) -> list[str]:
    # Computed methods first (alphabetical), then the published references.
    return sorted(methods, key=lambda m: (sources[m] != "computed", m.lower(), m))


def accuracy_table(tidy: pd.DataFrame) -> AccuracyTable:
    """Aggregate the tidy table over resamples into data sets x methods tables.

    Parameters
    ----------
    tidy : DataFrame
        Tidy rows (columns dataset, method, resample, accuracy, source), computed
        and published.

    Returns
    -------
    AccuracyTable
        Rows: the data sets of the computed results (all data sets when there are
        none), sorted case-insensitively; columns: computed methods, then published.

    Raises
    ------
    InputError
        If ``tidy`` has no rows.
    """
    if tidy.empty:
        raise InputError("no results to tabulate; the tidy table is empty.")
    computed = tidy[tidy["source"] == "computed"]
    base = computed if not computed.empty else tidy
    datasets = sorted(base["dataset"].unique(), key=lambda d: (d.lower(), d))
    sources = tidy.drop_duplicates("method").set_index("method")["source"].astype(str).to_dict()
    methods = _method_order(list(sources), sources)
    grouped = tidy.groupby(["dataset", "method"])["accuracy"]
    mean = grouped.mean().unstack().reindex(index=datasets, columns=methods)
    std = grouped.std(ddof=1).unstack().reindex(index=datasets, columns=methods)
    n = grouped.count().unstack().reindex(index=datasets, columns=methods).fillna(0)
    expected = (
        base.groupby("dataset")["resample"].nunique().reindex(datasets).fillna(0).astype("int64")
    )
    for frame in (mean, std, n):
        frame.index.name = "dataset"
        frame.columns.name = "method"
    return AccuracyTable(mean, std, n.astype("int64"), expected, sources)


def shared_datasets(mean: pd.DataFrame, methods: Sequence[str] | None = None) -> list[str]:
    """The data sets (rows of ``mean``) on which every one of ``methods`` has a result."""
    columns = list(mean.columns) if methods is None else list(methods)
    if not columns:
        return list(mean.index)
    return list(mean.index[mean[columns].notna().all(axis=1)])


def missing_pairs(table: AccuracyTable, compared: Sequence[str] | None = None) -> pd.DataFrame:
    """The (data set, method) pairs without a result, or with fewer resamples.

    Parameters
    ----------
    table : AccuracyTable
    compared : sequence of str, optional
        The methods entering the ranks (flagged in ``in_ranks``); default all.

    Returns
    -------
    DataFrame
        Columns dataset, method, source, status ("missing" or "partial"),
        n_resamples, expected_resamples, in_ranks. "partial": fewer resamples than
        the computed methods have on that data set (the mean is over other splits);
        published methods with a single split everywhere (the registry's) are not
        flagged partial.
    """
    compared_set = set(table.methods if compared is None else compared)
    # A published source with one split per data set (the registry's 1-NN rows) cannot
    # have more; it is not "partial", and the report says so in a note instead.
    single_split = {m for m in table.published_methods if int(table.n[m].max()) <= 1}
    rows = []
    for dataset in table.mean.index:
        expected = int(table.expected[dataset])
        for method in table.methods:
            n = int(table.n.at[dataset, method])
            if n == 0 or (n < expected and method not in single_split):
                rows.append(
                    (
                        dataset,
                        method,
                        table.sources[method],
                        "missing" if n == 0 else "partial",
                        n,
                        expected,
                        method in compared_set,
                    )
                )
    return pd.DataFrame(
        rows,
        columns=[
            "dataset",
            "method",
            "source",
            "status",
            "n_resamples",
            "expected_resamples",
            "in_ranks",
        ],
    )


def wins_ties_losses(matrix: pd.DataFrame, versus: str) -> pd.DataFrame:
    """Per method, on how many data sets it beats, ties or loses to ``versus``.

    Parameters
    ----------
    matrix : DataFrame of shape (n_datasets, n_methods)
        Accuracies without missing values.
    versus : str
        A column of ``matrix``, the reference method.

    Returns
    -------
    DataFrame of shape (n_methods, 3), int
        Columns wins (method's accuracy > the reference's), ties, losses.
    """
    if versus not in matrix.columns:
        raise InputError(f"versus must be one of {', '.join(matrix.columns)}; got {versus!r}.")
    rounded = matrix.round(DECIMALS)
    reference = rounded[versus]
    return pd.DataFrame(
        {
            "wins": rounded.gt(reference, axis=0).sum().astype("int64"),
            "ties": rounded.eq(reference, axis=0).sum().astype("int64"),
            "losses": rounded.lt(reference, axis=0).sum().astype("int64"),
        }
    )


@dataclass(frozen=True)
class Leaderboard:
    """The summary leaderboard and what it was computed over.

    Attributes
    ----------
    table : DataFrame of shape (n_methods, len(LEADERBOARD_COLUMNS))
        Index: method, sorted by Friedman rank (then mean accuracy, then name).
        Columns :data:`LEADERBOARD_COLUMNS`: source, n_datasets (data sets the
        method has results for, before the restriction), mean_accuracy,
        std_accuracy (over data sets), friedman_rank, p90, p95 (percent), pma,
        pma_std (percent), wins, ties, losses (against ``versus``; <NA> when there
        is no reference method), wilcoxon_p (two-sided Wilcoxon signed-rank p-value
        against ``versus``, Holm-adjusted over the other compared methods; NaN on
        the reference's row, without a reference or without shared data sets).
    datasets : list of str
        The data sets all compared methods share: every metric is over these.
    n_datasets_total : int
        Data sets in the accuracy table (shared or not).
    versus : str or None
        The reference method of wins/ties/losses.
    """

    table: pd.DataFrame
    datasets: list[str]
    n_datasets_total: int
    versus: str | None


def leaderboard(
    mean: pd.DataFrame,
    methods: Sequence[str] | None = None,
    *,
    versus: str | None = None,
    sources: dict[str, str] | None = None,
) -> Leaderboard:
    """The summary leaderboard over the data sets all ``methods`` share.

    Parameters
    ----------
    mean : DataFrame of shape (n_datasets, n_methods_all)
        Mean accuracy per data set and method (NaN where missing), e.g.
        :attr:`AccuracyTable.mean`.
    methods : sequence of str, optional
        The compared methods (columns of ``mean``); default all.
    versus : str, optional
        The reference method for wins/ties/losses; must be one of ``methods``.
    sources : dict, optional
        Method -> "computed"/"published"; default from the " (published)" suffix.

    Returns
    -------
    Leaderboard

    Raises
    ------
    InputError
        If a method is not a column of ``mean`` or ``versus`` is not compared.
    """
    methods = list(mean.columns) if methods is None else list(methods)
    unknown = [m for m in methods if m not in mean.columns]
    if unknown or not methods:
        raise InputError(
            f"methods must be columns of the accuracy table ({', '.join(mean.columns)}); "
            f"got {unknown or 'none'}."
        )
    if versus is not None and versus not in methods:
        raise InputError(
            f"versus must be one of the compared methods ({', '.join(methods)}); got "
            f"{versus!r}. Add --with-published to compare against a published method."
        )
    sources = sources or {m: "published" if is_published(m) else "computed" for m in methods}
    shared = shared_datasets(mean, methods)
    matrix = mean.loc[shared, methods].astype("float64")
    best = matrix.max(axis=1)
    # A data set where every method scores 0 has M(D) = 0: all methods are equally
    # (un)successful there, so each reaches 100% of the best.
    ratio = matrix.div(best.where(best > 0), axis=0).fillna(1.0)
    ratio[matrix.isna()] = np.nan
    ranks = friedman_ranks(matrix)
    reaches = {level: matrix.ge(level * best - _EPS, axis=0) for level in (0.90, 0.95)}
    n_shared = len(shared)
    table = pd.DataFrame(index=pd.Index(methods, name="method"))
    table["source"] = [sources.get(m, "computed") for m in methods]
    table["n_datasets"] = mean[methods].notna().sum().astype("int64")
    table["mean_accuracy"] = matrix.mean() if n_shared else np.nan
    table["std_accuracy"] = matrix.std(ddof=1) if n_shared else np.nan
    table["friedman_rank"] = ranks.mean() if n_shared else np.nan
    table["p90"] = 100.0 * reaches[0.90].sum() / n_shared if n_shared else np.nan
    table["p95"] = 100.0 * reaches[0.95].sum() / n_shared if n_shared else np.nan
    table["pma"] = (100.0 * ratio).mean() if n_shared else np.nan
    table["pma_std"] = (100.0 * ratio).std(ddof=1) if n_shared else np.nan
    if versus is not None:
        wtl = wins_ties_losses(matrix, versus).astype("Int64")
        for column in ("wins", "ties", "losses"):
            table[column] = wtl[column]
        table["wilcoxon_p"] = wilcoxon_versus(matrix, versus)["p_holm"]
    else:
        for column in ("wins", "ties", "losses"):
            table[column] = pd.array([pd.NA] * len(methods), dtype="Int64")
        table["wilcoxon_p"] = np.nan
    table = table.assign(_name=[m.lower() for m in methods]).sort_values(
        ["friedman_rank", "mean_accuracy", "_name"],
        ascending=[True, False, True],
        kind="stable",
        na_position="last",
    )
    table = table.drop(columns="_name")[list(LEADERBOARD_COLUMNS)]
    return Leaderboard(table, shared, int(mean.shape[0]), versus)
