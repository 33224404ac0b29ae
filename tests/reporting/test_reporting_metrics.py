"""Leaderboard metrics against values computed by hand (docs/metrics.md).

The main fixture, a 5 x 3 accuracy matrix (D5 lacks B, so 4 data sets are shared)::

            A     B     C      M(D)   ranks A/B/C
    D1     0.9   0.8   0.9     0.9    1.5 / 3 / 1.5
    D2     0.5   0.45  0.4     0.5    1 / 2 / 3       B = 0.90 M exactly (P90 edge)
    D3     0.6   0.6   0.6     0.6    2 / 2 / 2       all tie
    D4     0.7   1.0   0.95    1.0    3 / 1 / 2       C = 0.95 M exactly (P95 edge)
    D5     0.8    -    0.7            (not shared: left out of every metric)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rntk_bench.errors import InputError
from rntk_bench.reporting import (
    NotApplicableError,
    accuracy_table,
    friedman_posthoc,
    friedman_ranks,
    holm,
    leaderboard,
    load_results,
    missing_pairs,
    nemenyi_critical_difference,
    shared_datasets,
    wilcoxon_holm_pairwise,
    wilcoxon_pvalue,
    wilcoxon_versus,
    wins_ties_losses,
)

NAN = math.nan


@pytest.fixture
def mean() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "A": [0.9, 0.5, 0.6, 0.7, 0.8],
            "B": [0.8, 0.45, 0.6, 1.0, NAN],
            "C": [0.9, 0.4, 0.6, 0.95, 0.7],
        },
        index=pd.Index(["D1", "D2", "D3", "D4", "D5"], name="dataset"),
    )


def test_shared_datasets_drop_rows_with_a_missing_method(mean: pd.DataFrame) -> None:
    assert shared_datasets(mean) == ["D1", "D2", "D3", "D4"]
    assert shared_datasets(mean, ["A", "C"]) == ["D1", "D2", "D3", "D4", "D5"]


def test_friedman_ranks_average_ties_and_rank_1_is_best(mean: pd.DataFrame) -> None:
    ranks = friedman_ranks(mean.loc[["D1", "D2", "D3", "D4"]])
    expected = [[1.5, 3, 1.5], [1, 2, 3], [2, 2, 2], [3, 1, 2]]
    np.testing.assert_array_equal(ranks.to_numpy(), expected)


def test_leaderboard_hand_computed(mean: pd.DataFrame) -> None:
    board = leaderboard(mean, versus="A")
    t = board.table
    assert board.datasets == ["D1", "D2", "D3", "D4"]
    assert board.n_datasets_total == 5
    # Sorted by Friedman rank: A 7.5/4, B 8/4, C 8.5/4.
    assert list(t.index) == ["A", "B", "C"]
    assert t["friedman_rank"].tolist() == pytest.approx([1.875, 2.0, 2.125])
    # n_datasets counts each method's own results, before the restriction.
    assert t["n_datasets"].tolist() == [5, 4, 5]
    assert t.loc["A", "mean_accuracy"] == pytest.approx(2.7 / 4)
    assert t.loc["B", "mean_accuracy"] == pytest.approx(2.85 / 4)
    assert t.loc["C", "mean_accuracy"] == pytest.approx(2.85 / 4)
    # A: deviations from 0.675 are .225, -.175, -.075, .025; squares sum to .0875; ddof=1.
    assert t.loc["A", "std_accuracy"] == pytest.approx(math.sqrt(0.0875 / 3))
    # P90: A misses D4 (0.7 < 0.9); B reaches D2 exactly (0.45 = 0.9 * 0.5), misses D1
    # (0.8 < 0.81); C misses D2 (0.4 < 0.45).
    assert t["p90"].tolist() == pytest.approx([75.0, 75.0, 75.0])
    # P95: B misses D1 (0.8 < 0.855) and D2 (0.45 < 0.475); C reaches D4 exactly.
    assert t["p95"].tolist() == pytest.approx([75.0, 50.0, 75.0])
    # PMA: A (1 + 1 + 1 + 0.7) / 4; B (0.8/0.9 + 0.9 + 1 + 1) / 4; C (1 + 0.8 + 1 + 0.95) / 4.
    assert t.loc["A", "pma"] == pytest.approx(92.5)
    assert t.loc["B", "pma"] == pytest.approx(100 * (0.8 / 0.9 + 2.9) / 4)
    assert t.loc["C", "pma"] == pytest.approx(93.75)
    ratios_a = np.array([100, 100, 100, 70.0])
    assert t.loc["A", "pma_std"] == pytest.approx(ratios_a.std(ddof=1))
    # W/T/L of each method against A: B loses D1, D2, ties D3, wins D4.
    assert t.loc["B", ["wins", "ties", "losses"]].tolist() == [1, 1, 2]
    assert t.loc["C", ["wins", "ties", "losses"]].tolist() == [1, 2, 1]
    assert t.loc["A", ["wins", "ties", "losses"]].tolist() == [0, 4, 0]
    assert t.loc["A", "source"] == "computed"


def test_p90_threshold_is_robust_to_float_rounding() -> None:
    # 0.9 * 0.1 is 0.09000000000000001 in floating point: 0.09 still reaches 90%.
    mean = pd.DataFrame({"A": [0.1, 0.5], "B": [0.09, 0.5]}, index=["D1", "D2"])
    t = leaderboard(mean).table
    assert t.loc["B", "p90"] == 100.0
    assert t.loc["B", "p95"] == 50.0


def test_zero_best_accuracy_counts_as_reaching_the_best() -> None:
    mean = pd.DataFrame({"A": [0.0, 1.0], "B": [0.0, 0.5]}, index=["D1", "D2"])
    t = leaderboard(mean).table
    assert t.loc["A", "pma"] == 100.0
    assert t.loc["B", "pma"] == 75.0  # (100 + 50) / 2


def test_means_equal_on_paper_are_ties(write_run) -> None:  # type: ignore[no-untyped-def]
    # (0.1 + 0.2 + 0.3) / 3 != (0.3 + 0.2 + 0.1) / 3 in floating point; both are 0.2.
    run = write_run(
        {("D1", "a"): [0.1, 0.2, 0.3], ("D1", "b"): [0.3, 0.2, 0.1], ("D1", "c"): [0.0] * 3}
    )
    table = accuracy_table(load_results(run)[0])
    board = leaderboard(table.mean, versus="a")
    assert board.table.loc[["a", "b"], "friedman_rank"].tolist() == [1.5, 1.5]
    assert board.table.loc["b", ["wins", "ties", "losses"]].tolist() == [0, 1, 0]


def test_versus_must_be_compared(mean: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="versus must be one of"):
        leaderboard(mean, ["A", "B"], versus="C")
    with pytest.raises(InputError, match="columns of the accuracy table"):
        leaderboard(mean, ["A", "Z"])
    with pytest.raises(InputError, match="versus must be one of"):
        wins_ties_losses(mean, "Z")


def test_no_reference_method_leaves_wtl_empty(mean: pd.DataFrame) -> None:
    t = leaderboard(mean).table
    assert t["wins"].isna().all() and t["losses"].isna().all()


def test_nothing_shared_gives_nan_metrics_not_a_crash() -> None:
    mean = pd.DataFrame({"A": [0.9, NAN], "B": [NAN, 0.8]}, index=["D1", "D2"])
    board = leaderboard(mean, versus="A")
    assert board.datasets == []
    assert board.table["friedman_rank"].isna().all()
    assert board.table["n_datasets"].tolist() == [1, 1]


def test_accuracy_table_means_stds_and_counts(write_run) -> None:  # type: ignore[no-untyped-def]
    run = write_run(
        {
            ("Beta", "rntk"): [0.8, 0.9, 1.0],
            ("Beta", "rbf"): [0.7, 0.7],  # one resample short: partial
            ("alpha", "rntk"): [0.5],
        }
    )
    table = accuracy_table(load_results(run)[0])
    # Rows sorted case-insensitively; computed methods alphabetically.
    assert list(table.mean.index) == ["alpha", "Beta"]
    assert table.methods == ["rbf", "rntk"]
    assert table.mean.at["Beta", "rntk"] == pytest.approx(0.9)
    assert table.std.at["Beta", "rntk"] == pytest.approx(0.1)  # sample std of .8, .9, 1
    assert table.n.at["Beta", "rbf"] == 2
    assert table.n.at["alpha", "rbf"] == 0 and math.isnan(table.mean.at["alpha", "rbf"])
    assert table.expected.tolist() == [1, 3]
    long = table.long()
    assert list(long.columns) == ["dataset", "method", "source", "accuracy", "std", "n_resamples"]
    assert len(long) == 3  # only pairs with a result

    missing = missing_pairs(table)
    assert missing[["dataset", "method", "status", "n_resamples", "expected_resamples"]].to_dict(
        "records"
    ) == [
        {
            "dataset": "alpha",
            "method": "rbf",
            "status": "missing",
            "n_resamples": 0,
            "expected_resamples": 1,
        },
        {
            "dataset": "Beta",
            "method": "rbf",
            "status": "partial",
            "n_resamples": 2,
            "expected_resamples": 3,
        },
    ]
    assert missing_pairs(table, ["rntk"])["in_ranks"].tolist() == [False, False]


def test_accuracy_table_of_nothing_is_an_error() -> None:
    empty = pd.DataFrame(columns=["dataset", "method", "resample", "accuracy", "source"])
    with pytest.raises(InputError, match="no results"):
        accuracy_table(empty)


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
