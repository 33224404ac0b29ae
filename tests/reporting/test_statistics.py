"""Significance tests against values computed by hand (docs/metrics.md).

rntk_bench/reporting/statistics.py: Wilcoxon signed-rank p-values, Holm's correction,
the Friedman test and its post-hoc tests (Wilcoxon-Holm, Nemenyi).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rntk_bench.errors import InputError
from rntk_bench.reporting import (
    NotApplicableError,
    friedman_posthoc,
    holm,
    leaderboard,
    nemenyi_critical_difference,
    wilcoxon_holm_pairwise,
    wilcoxon_pvalue,
    wilcoxon_versus,
)

NAN = math.nan


def test_friedman_statistic_and_critical_difference_by_hand() -> None:
    # A always first, B second, C third on 4 data sets: no ties, so
    # chi2 = 12 N / (k (k+1)) * (sum R_j^2 - k (k+1)^2 / 4) = 4 * (14 - 12) = 8,
    # p = exp(-8 / 2) for 2 degrees of freedom.
    matrix = pd.DataFrame(
        {"A": [0.9, 0.8, 0.7, 0.95], "B": [0.8, 0.7, 0.6, 0.9], "C": [0.7, 0.6, 0.5, 0.85]}
    )
    result = friedman_posthoc(matrix, test="nemenyi")
    assert result.statistic == pytest.approx(8.0)
    assert result.pvalue == pytest.approx(math.exp(-4.0))
    assert result.ranks.to_dict() == {"A": 1.0, "B": 2.0, "C": 3.0}
    # Demsar (2006), table 5: q_0.05 = 2.343 for k = 3; CD = q sqrt(k (k+1) / (6 N)).
    assert result.critical_difference == pytest.approx(2.343 * math.sqrt(12 / 24), rel=1e-3)
    assert nemenyi_critical_difference(2, 10) == pytest.approx(1.960 * math.sqrt(6 / 60), 1e-3)
    p = result.pairwise
    assert p.loc["A", "C"] == p.loc["C", "A"]
    assert p.loc["A", "C"] < p.loc["A", "B"]  # farther apart in rank, smaller p-value


@pytest.mark.parametrize(
    ("matrix", "reason"),
    [
        (pd.DataFrame({"A": [0.9, 0.8], "B": [0.7, 0.6]}), "at least 3 compared methods"),
        (pd.DataFrame({"A": [0.9], "B": [0.7], "C": [0.5]}), "at least 2 shared data sets"),
        (pd.DataFrame({"A": [0.9, 0.8], "B": [0.9, 0.8], "C": [0.9, 0.8]}), "all methods tie"),
        (pd.DataFrame({"A": [0.9, NAN], "B": [0.9, 0.8], "C": [0.9, 0.8]}), "every method"),
    ],
)
def test_friedman_degenerate_cases_are_not_applicable(matrix: pd.DataFrame, reason: str) -> None:
    with pytest.raises(NotApplicableError, match=reason):
        friedman_posthoc(matrix)


# Six paired accuracies; X - Y has six distinct non-zero differences, all positive.
X = [0.9, 0.8, 0.7, 0.95, 0.6, 0.5]
Y = [0.85, 0.72, 0.6, 0.94, 0.45, 0.38]


def test_wilcoxon_exact_pvalues_by_hand() -> None:
    # All 6 differences positive: W- = 0; of the 2^6 equally likely sign patterns only
    # all-plus and all-minus are as extreme, so the two-sided p = 2 / 64.
    assert wilcoxon_pvalue(X, Y) == pytest.approx(2 / 64)
    assert wilcoxon_pvalue(Y, X) == pytest.approx(2 / 64)
    # The smallest difference (D4, 0.01) turned negative: W- = 1; patterns with W- <= 1
    # are {} and {rank 1}, so p = 2 * 2 / 64.
    flipped = list(Y)
    flipped[3] = 0.96
    assert wilcoxon_pvalue(X, flipped) == pytest.approx(4 / 64)
    # A tied data set is dropped ("wilcox" zero method): the same 6 differences remain.
    assert wilcoxon_pvalue([*X, 0.3], [*Y, 0.3]) == pytest.approx(2 / 64)
    # Equal on every data set: no evidence of a difference.
    assert wilcoxon_pvalue(X, X) == 1.0
    with pytest.raises(InputError, match="one shape"):
        wilcoxon_pvalue(X, Y[:5])


def test_holm_by_hand() -> None:
    # Sorted 0.01, 0.03, 0.04 times m - i = 3, 2, 1: 0.03, 0.06, 0.04 -> running max
    # 0.03, 0.06, 0.06; returned in the input order.
    assert holm([0.01, 0.04, 0.03]).tolist() == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.6]).tolist() == pytest.approx([1.0, 1.0])  # capped at 1
    assert holm([]).size == 0
    assert holm([0.2]).tolist() == [0.2]  # a family of one is not adjusted


@pytest.mark.parametrize(
    ("raw", "adjusted"),
    [
        # Ties: sorted 0.01, 0.02, 0.02, 0.04 times 4, 3, 2, 1 = 0.04, 0.06, 0.04, 0.04;
        # running max 0.04, 0.06, 0.06, 0.06: tied raw p-values get one adjusted value.
        ([0.02, 0.01, 0.02, 0.04], [0.06, 0.04, 0.06, 0.06]),
        # A p-value of 1 (every pair tied in the Wilcoxon test): sorted 0.01, 0.5, 1 times
        # 3, 2, 1 = 0.03, 1, 1.
        ([1.0, 0.01, 0.5], [1.0, 0.03, 1.0]),
        # Capped at 1: 0.6 * 2 = 1.2 -> 1, and the larger 0.7 inherits it (monotone).
        ([0.6, 0.01, 0.7], [1.0, 0.03, 1.0]),
        # The step-down max: 0.3 * 2 = 0.6 carries over to 0.45 * 1.
        ([0.2, 0.45, 0.3], [0.6, 0.6, 0.6]),
        ([1.0, 1.0, 1.0], [1.0, 1.0, 1.0]),
        ([0.0, 0.5], [0.0, 0.5]),
    ],
)
def test_holm_ties_ones_and_cap_by_hand(raw: list[float], adjusted: list[float]) -> None:
    assert holm(raw).tolist() == pytest.approx(adjusted, rel=1e-15, abs=0)


def test_holm_is_exact_in_binary_fractions() -> None:
    # Powers of two multiply exactly: sorted 1/64, 1/32, 1/32, 1 times 4, 3, 2, 1 =
    # 1/16, 3/32, 1/16, 1 -> running max 1/16, 3/32, 3/32, 1 (bit for bit).
    raw = np.array([1 / 32, 1.0, 1 / 64, 1 / 32])
    out = holm(raw)
    assert out.dtype == np.float64
    assert out.tolist() == [3 / 32, 1.0, 1 / 16, 3 / 32]
    assert raw.tolist() == [1 / 32, 1.0, 1 / 64, 1 / 32]  # the input is not changed


def test_holm_is_monotone_above_raw_and_at_most_one() -> None:
    rng = np.random.default_rng(0)
    for m in (2, 7, 21, 120):
        raw = np.round(rng.random(m) ** 4, 3)  # rounding makes ties
        out = holm(raw)
        order = np.argsort(raw, kind="stable")
        assert np.all(np.diff(out[order]) >= 0)
        assert np.all(out >= raw) and np.all(out <= 1.0)
        for value in np.unique(raw):
            assert len(set(out[raw == value].tolist())) == 1


def test_wilcoxon_versus_and_leaderboard_column() -> None:
    matrix = pd.DataFrame({"ref": X, "worse": Y, "same": X})
    out = wilcoxon_versus(matrix, "ref")
    # Raw: worse 2/64, same 1 (all tie); Holm over 2 comparisons: 2 * 2/64, then max(1, .).
    assert out.loc["worse", "p"] == pytest.approx(2 / 64)
    assert out.loc["worse", "p_holm"] == pytest.approx(4 / 64)
    assert out.loc["same", "p_holm"] == 1.0
    assert math.isnan(out.loc["ref", "p"]) and math.isnan(out.loc["ref", "p_holm"])
    board = leaderboard(matrix, versus="ref").table
    assert board.loc["worse", "wilcoxon_p"] == pytest.approx(4 / 64)
    assert board.loc["worse", ["wins", "ties", "losses"]].tolist() == [0, 0, 6]
    assert math.isnan(board.loc["ref", "wilcoxon_p"])
    assert leaderboard(matrix).table["wilcoxon_p"].isna().all()  # no reference, no test


def test_friedman_posthoc_wilcoxon_holm_by_hand() -> None:
    # A > B > C on every one of 6 data sets, all 6 differences distinct per pair.
    matrix = pd.DataFrame({"A": X, "B": Y, "C": [v - 0.2 for v in X]})
    result = friedman_posthoc(matrix)
    assert result.test == "wilcoxon-holm" and result.critical_difference is None
    # Friedman: ranks 1, 2, 3 on all N = 6 sets: chi2 = 12 N / (k (k + 1)) * (sum R^2 -
    # k (k + 1)^2 / 4) = 6 * (14 - 12) = 12, p = exp(-12 / 2).
    assert result.statistic == pytest.approx(12.0)
    assert result.pvalue == pytest.approx(math.exp(-6.0))
    # Every pair: raw p = 2/64; Holm over 3 pairs: 3 * 2/64, 2 * 2/64 -> max = 6/64 each.
    expected = np.full((3, 3), 6 / 64)
    np.fill_diagonal(expected, 1.0)
    np.testing.assert_allclose(result.pairwise.to_numpy(), expected)
    np.testing.assert_allclose(wilcoxon_holm_pairwise(matrix).to_numpy(), expected)
    # 6/64 = 0.094 >= 0.05: no pair separated, all joined; at alpha = 0.1 none joined.
    assert result.joined().to_numpy().all()
    strict = friedman_posthoc(matrix, alpha=0.1)
    assert strict.joined().to_numpy().sum() == 3  # the diagonal only
    # Nemenyi on the same matrix: the CD at k = 3, N = 6 is 2.343 sqrt(12 / 36) = 1.353,
    # so A and C (rank gap 2) are separated and the neighbours are not.
    nemenyi = friedman_posthoc(matrix, test="nemenyi")
    assert nemenyi.critical_difference == pytest.approx(2.343 * math.sqrt(12 / 36), rel=1e-3)
    joined = nemenyi.joined()
    assert not joined.loc["A", "C"] and joined.loc["A", "B"] and joined.loc["B", "C"]
    with pytest.raises(InputError, match="test must be one of"):
        friedman_posthoc(matrix, test="t-test")


def test_friedman_not_rejecting_joins_every_pair() -> None:
    # Rotating ranks: every method has mean rank 2, Friedman chi2 = 0, p = 1.
    matrix = pd.DataFrame({"A": [0.9, 0.8, 0.7], "B": [0.8, 0.7, 0.9], "C": [0.7, 0.9, 0.8]})
    result = friedman_posthoc(matrix)
    assert result.statistic == pytest.approx(0.0) and not result.significant
    assert result.joined().to_numpy().all()
