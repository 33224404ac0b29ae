"""Leaderboard metrics and significance tests, recomputed from the tidy table.

Definitions: docs/metrics.md in the repository.

With acc_k(D) the test accuracy of method k on data set D (mean over resamples)
and M(D) = max_k acc_k(D) over the compared methods:

- mean accuracy  = mean_D acc_k(D), +- the standard deviation over data sets;
- Friedman rank  = mean_D rank of k on D by accuracy (1 = best, ties averaged);
- P90 / P95      = % of data sets with acc_k(D) >= 0.90 M(D) / >= 0.95 M(D);
- PMA            = mean_D 100 acc_k(D) / M(D), +- the standard deviation;
- wins/ties/losses of each method against a reference method, with the two-sided
  Wilcoxon signed-rank p-value of the pair, Holm-adjusted over the k - 1
  comparisons with the reference.

The critical difference analysis (:func:`friedman_posthoc`) is a Friedman test
followed by either pairwise Wilcoxon signed-rank tests with Holm's correction
over all k (k - 1) / 2 pairs (the default, the convention of aeon and tsml-eval)
or the Nemenyi test (Demsar 2006).

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

__all__ = [
    "CD_TESTS",
    "LEADERBOARD_COLUMNS",
    "AccuracyTable",
    "FriedmanResult",
    "Leaderboard",
    "NotApplicableError",
    "accuracy_table",
    "friedman_posthoc",
    "friedman_ranks",
    "holm",
    "leaderboard",
    "missing_pairs",
    "nemenyi_critical_difference",
    "nemenyi_pairwise",
    "shared_datasets",
    "wilcoxon_holm_pairwise",
    "wilcoxon_pvalue",
    "wilcoxon_versus",
    "wins_ties_losses",
]

# Accuracies are fractions of a test set and means of such; rounding to 12 decimals
# before ranking or comparing makes values that are equal on paper equal in floating
# point (e.g. a mean of [0.9, 0.8] and one of [0.8, 0.9]), so ties are ties.
_DECIMALS = 12
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

#: The post-hoc tests that can draw the bars of the critical difference diagram.
CD_TESTS = ("wilcoxon-holm", "nemenyi")


class NotApplicableError(InputError):
    """A statistic or plot does not apply to this input (too few methods or data sets)."""


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


def friedman_ranks(matrix: pd.DataFrame) -> pd.DataFrame:
    """Rank the methods (columns) on every data set (row): 1 = best, ties averaged.

    Parameters
    ----------
    matrix : DataFrame of shape (n_datasets, n_methods)
        Accuracies without missing values.

    Returns
    -------
    DataFrame of shape (n_datasets, n_methods)
    """
    return matrix.round(_DECIMALS).rank(axis=1, ascending=False, method="average")


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
    rounded = matrix.round(_DECIMALS)
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


def holm(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values.

    Sorted ascending, the i-th smallest of m p-values (i from 0) becomes
    max over j <= i of min(1, (m - j) p_(j)); a hypothesis is rejected at level
    alpha when its adjusted p-value is below alpha. Computed by statsmodels'
    ``multipletests(method="holm")``.

    Parameters
    ----------
    pvalues : array-like of shape (m,)

    Returns
    -------
    ndarray of shape (m,)
        Adjusted p-values in the input order.
    """
    from statsmodels.stats.multitest import multipletests

    values = np.asarray(pvalues, dtype="float64")
    if values.size == 0:
        return values
    return np.asarray(multipletests(values, method="holm")[1], dtype="float64")


def wilcoxon_pvalue(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value of paired accuracies ``a`` and ``b``.

    Zero differences (ties) are dropped ("wilcox" zero method, as aeon's and
    tsml-eval's critical difference diagrams do); scipy uses the exact null
    distribution for small samples without tied differences, else the normal
    approximation. When every pair ties there is no evidence of a difference: 1.0.

    Parameters
    ----------
    a, b : array-like of shape (n_datasets,)
        Accuracies of two methods on the same data sets.

    Returns
    -------
    float
    """
    from scipy.stats import wilcoxon

    x = np.round(np.asarray(a, dtype="float64"), _DECIMALS)
    y = np.round(np.asarray(b, dtype="float64"), _DECIMALS)
    if x.shape != y.shape:
        raise InputError(f"paired samples must have one shape; got {x.shape} and {y.shape}.")
    # Differences rounded like the accuracies, so equal differences on paper are tied
    # ranks (and exact zeros) in floating point too.
    d = np.round(x - y, _DECIMALS)
    if not np.any(d != 0):
        return 1.0
    return float(wilcoxon(d, zero_method="wilcox", alternative="two-sided").pvalue)


def wilcoxon_versus(matrix: pd.DataFrame, versus: str) -> pd.DataFrame:
    """Wilcoxon signed-rank test of each method against ``versus``, Holm-adjusted.

    Parameters
    ----------
    matrix : DataFrame of shape (n_datasets, n_methods)
        Accuracies without missing values.
    versus : str
        A column of ``matrix``, the reference method.

    Returns
    -------
    DataFrame of shape (n_methods, 2)
        Columns ``p`` (two-sided, unadjusted) and ``p_holm`` (Holm over the
        n_methods - 1 comparisons with the reference); NaN on the reference's row
        and for every method when there is no data set.
    """
    if versus not in matrix.columns:
        raise InputError(f"versus must be one of {', '.join(matrix.columns)}; got {versus!r}.")
    others = [m for m in matrix.columns if m != versus]
    out = pd.DataFrame(np.nan, index=matrix.columns, columns=["p", "p_holm"], dtype="float64")
    if matrix.empty or not others:
        return out
    raw = [wilcoxon_pvalue(matrix[m], matrix[versus]) for m in others]
    out.loc[others, "p"] = raw
    out.loc[others, "p_holm"] = holm(raw)
    return out


def wilcoxon_holm_pairwise(matrix: pd.DataFrame) -> pd.DataFrame:
    """Pairwise Wilcoxon signed-rank p-values, Holm-adjusted over all pairs.

    Parameters
    ----------
    matrix : DataFrame of shape (n_datasets, n_methods)
        Accuracies without missing values.

    Returns
    -------
    DataFrame of shape (n_methods, n_methods)
        Symmetric; the diagonal is 1. The family is the k (k - 1) / 2 pairs.
    """
    methods = list(matrix.columns)
    pairs = [(i, j) for i in range(len(methods)) for j in range(i + 1, len(methods))]
    raw = [wilcoxon_pvalue(matrix.iloc[:, i], matrix.iloc[:, j]) for i, j in pairs]
    adjusted = holm(raw)
    out = np.ones((len(methods), len(methods)))
    for (i, j), p in zip(pairs, adjusted, strict=True):
        out[i, j] = out[j, i] = p
    return pd.DataFrame(out, index=methods, columns=methods)


def nemenyi_critical_difference(n_methods: int, n_datasets: int, alpha: float = 0.05) -> float:
    """The Nemenyi critical difference of mean ranks (Demsar 2006, eq. 2).

    CD = q_alpha sqrt(k (k + 1) / (6 N)), with q_alpha the studentized range
    quantile for k groups and infinite degrees of freedom, divided by sqrt(2).
    """
    from scipy.stats import studentized_range

    q = studentized_range.ppf(1.0 - alpha, n_methods, np.inf) / np.sqrt(2.0)
    return float(q * np.sqrt(n_methods * (n_methods + 1) / (6.0 * n_datasets)))


def nemenyi_pairwise(mean_ranks: pd.Series, n_datasets: int) -> pd.DataFrame:
    """Pairwise Nemenyi p-values from mean ranks (Demsar 2006).

    p_ij = P(Q > sqrt(2) |R_i - R_j| / sqrt(k (k + 1) / (6 N))) for Q studentized-range
    distributed with k groups and infinite degrees of freedom; p_ij < alpha exactly
    when |R_i - R_j| exceeds :func:`nemenyi_critical_difference`.

    Parameters
    ----------
    mean_ranks : Series of shape (n_methods,)
    n_datasets : int

    Returns
    -------
    DataFrame of shape (n_methods, n_methods)
        Symmetric; the diagonal is 1.
    """
    from scipy.stats import studentized_range

    k = len(mean_ranks)
    r = mean_ranks.to_numpy(dtype="float64")
    q = np.abs(r[:, None] - r[None, :]) / np.sqrt(k * (k + 1) / (6.0 * n_datasets))
    p = studentized_range.sf(np.sqrt(2.0) * q, k, np.inf)
    np.fill_diagonal(p, 1.0)
    return pd.DataFrame(np.clip(p, 0.0, 1.0), index=mean_ranks.index, columns=mean_ranks.index)


@dataclass(frozen=True)
class FriedmanResult:
    """Friedman test over data sets and the post-hoc test that draws the CD bars.

    Attributes
    ----------
    statistic, pvalue : float
        Friedman chi-square statistic and its p-value (scipy.stats.friedmanchisquare).
    ranks : Series of shape (n_methods,)
        Mean rank of each method (1 = best), sorted.
    pairwise : DataFrame of shape (n_methods, n_methods)
        Pairwise p-values of the post-hoc test: Holm-adjusted Wilcoxon signed-rank
        (``test == "wilcoxon-holm"``) or Nemenyi (:func:`nemenyi_pairwise`).
    test : {"wilcoxon-holm", "nemenyi"}
    critical_difference : float or None
        Nemenyi critical difference of mean ranks at ``alpha``; None for
        Wilcoxon-Holm, which compares pairs, not rank differences.
    alpha : float
    n_datasets, n_methods : int
    """

    statistic: float
    pvalue: float
    ranks: pd.Series
    pairwise: pd.DataFrame
    test: str
    critical_difference: float | None
    alpha: float
    n_datasets: int
    n_methods: int

    @property
    def significant(self) -> bool:
        """Whether the Friedman test rejects "all methods rank alike" at ``alpha``."""
        return self.pvalue < self.alpha

    def joined(self) -> pd.DataFrame:
        """Which pairs the diagram joins (True: not significantly different).

        As in aeon's diagram, when the Friedman test does not reject, every pair is
        joined whatever the post-hoc test says.

        Returns
        -------
        DataFrame of shape (n_methods, n_methods), bool
        """
        if not self.significant:
            return pd.DataFrame(True, index=self.pairwise.index, columns=self.pairwise.columns)
        return self.pairwise >= self.alpha


def friedman_posthoc(
    matrix: pd.DataFrame, test: str = "wilcoxon-holm", alpha: float = 0.05
) -> FriedmanResult:
    """Friedman test and a post-hoc test over the rows (data sets) of ``matrix``.

    Parameters
    ----------
    matrix : DataFrame of shape (n_datasets, n_methods)
        Accuracies, no missing values (restrict to the shared data sets first).
    test : {"wilcoxon-holm", "nemenyi"}
        The post-hoc test: pairwise Wilcoxon signed-rank with Holm's correction
        over all pairs (Benavoli et al. 2016; aeon's and tsml-eval's default), or
        Nemenyi's test on mean ranks (Demsar 2006).
    alpha : float
        Significance level.

    Returns
    -------
    FriedmanResult

    Raises
    ------
    InputError
        If ``test`` is unknown.
    NotApplicableError
        Fewer than 3 methods or 2 data sets, missing values, or every method tying
        on every data set (the statistic is undefined).
    """
    from scipy.stats import friedmanchisquare

    if test not in CD_TESTS:
        raise InputError(f"test must be one of {', '.join(CD_TESTS)}; got {test!r}.")
    n_datasets, n_methods = matrix.shape
    if n_methods < 3:
        raise NotApplicableError(
            f"the Friedman test needs at least 3 compared methods; got {n_methods}."
        )
    if n_datasets < 2:
        raise NotApplicableError(
            f"the Friedman test needs at least 2 shared data sets; got {n_datasets}."
        )
    if matrix.isna().to_numpy().any():
        raise NotApplicableError("the Friedman test needs a result for every method and data set.")
    rounded = matrix.round(_DECIMALS).astype("float64")
    if (rounded.nunique(axis=1) == 1).all():
        raise NotApplicableError("all methods tie on every data set; nothing to test.")
    statistic, pvalue = friedmanchisquare(*(rounded[c].to_numpy() for c in rounded.columns))
    columns = list(rounded.columns)
    cd: float | None = None
    mean_ranks = friedman_ranks(rounded).mean()
    if test == "nemenyi":
        pairwise = nemenyi_pairwise(mean_ranks, n_datasets)
        cd = nemenyi_critical_difference(n_methods, n_datasets, alpha)
    else:
        pairwise = wilcoxon_holm_pairwise(rounded)
    # Best first; equal mean ranks in name order, so the diagram never depends on input order.
    order = sorted(columns, key=lambda m: (mean_ranks[m], m.lower(), m))
    ranks = mean_ranks[order]
    return FriedmanResult(
        statistic=float(statistic),
        pvalue=float(pvalue),
        ranks=ranks,
        pairwise=pairwise.astype("float64"),
        test=test,
        critical_difference=cd,
        alpha=alpha,
        n_datasets=n_datasets,
        n_methods=n_methods,
    )
