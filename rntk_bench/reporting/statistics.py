"""Significance tests over the data sets: Wilcoxon, Holm, Friedman, Nemenyi, CD cliques.

Definitions: docs/metrics.md in the repository.

- :func:`wilcoxon_versus`: the two-sided Wilcoxon signed-rank p-value of each method
  against a reference method, Holm-adjusted over the k - 1 comparisons (the
  leaderboard's last column);
- :func:`friedman_posthoc`: the critical difference analysis, a Friedman test followed
  by either pairwise Wilcoxon signed-rank tests with Holm's correction over all
  k (k - 1) / 2 pairs (the default, the convention of aeon and tsml-eval) or the
  Nemenyi test (Demsar 2006); :meth:`FriedmanResult.joined` says which pairs the
  diagram's bars join.

Holm's correction is our own few lines over numpy (:func:`holm`); scipy supplies the
Wilcoxon, Friedman and studentized-range distributions, imported when first used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rntk_bench.errors import InputError

__all__ = [
    "CD_TESTS",
    "DECIMALS",
    "FriedmanResult",
    "NotApplicableError",
    "friedman_posthoc",
    "friedman_ranks",
    "holm",
    "nemenyi_critical_difference",
    "nemenyi_pairwise",
    "wilcoxon_holm_pairwise",
    "wilcoxon_pvalue",
    "wilcoxon_versus",
]

# Accuracies are fractions of a test set and means of such; rounding to 12 decimals
# before ranking or comparing makes values that are equal on paper equal in floating
# point (e.g. a mean of [0.9, 0.8] and one of [0.8, 0.9]), so ties are ties.
DECIMALS = 12

#: The post-hoc tests that can draw the bars of the critical difference diagram.
CD_TESTS = ("wilcoxon-holm", "nemenyi")


class NotApplicableError(InputError):
    """A statistic or plot does not apply to this input (too few methods or data sets)."""


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
    return matrix.round(DECIMALS).rank(axis=1, ascending=False, method="average")


def holm(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values.

    Sorted ascending, the i-th smallest of m p-values (i from 0) becomes
    min(1, max over j <= i of (m - j) p_(j)); a hypothesis is rejected at level
    alpha when its adjusted p-value is below alpha. Adjusted p-values are monotone
    in the raw ones, tied raw p-values get the same adjusted value, and none exceeds 1.
    (The same arithmetic as statsmodels' ``multipletests(method="holm")``, so the
    values are equal bit for bit.)

    Parameters
    ----------
    pvalues : array-like of shape (m,)

    Returns
    -------
    ndarray of shape (m,)
        Adjusted p-values in the input order.
    """
    values = np.asarray(pvalues, dtype="float64")
    if values.size == 0:
        return values
    order = np.argsort(values, kind="stable")
    stepped = np.maximum.accumulate(values[order] * np.arange(values.size, 0, -1))
    adjusted = np.empty_like(values)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


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

    x = np.round(np.asarray(a, dtype="float64"), DECIMALS)
    y = np.round(np.asarray(b, dtype="float64"), DECIMALS)
    if x.shape != y.shape:
        raise InputError(f"paired samples must have one shape; got {x.shape} and {y.shape}.")
    # Differences rounded like the accuracies, so equal differences on paper are tied
    # ranks (and exact zeros) in floating point too.
    d = np.round(x - y, DECIMALS)
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
    rounded = matrix.round(DECIMALS).astype("float64")
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
