"""Leaderboard metrics against values computed by hand (docs/metrics.md).

rntk_bench/reporting/leaderboard.py; the significance tests are in test_statistics.py.

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
    accuracy_table,
    friedman_ranks,
    leaderboard,
    load_results,
    missing_pairs,
    shared_datasets,
    wins_ties_losses,
)

from .conftest import WriteRun

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


def test_means_equal_on_paper_are_ties(write_run: WriteRun) -> None:
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


def test_accuracy_table_means_stds_and_counts(write_run: WriteRun) -> None:
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
