"""Statistics pinned where mutation testing found them loose (tools/mutate.py).

Each test fails on one change that tests/reporting/test_statistics.py lets through:
the 12-decimal tie rule, the empty comparison, Nemenyi's pairwise p-values (their
scale and diagonal), and the "p < alpha rejects" convention at p == alpha.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rntk_bench.reporting.statistics import (
    FriedmanResult,
    friedman_ranks,
    nemenyi_critical_difference,
    nemenyi_pairwise,
    wilcoxon_pvalue,
    wilcoxon_versus,
)


def test_accuracies_equal_to_12_decimals_tie():
    # Means of the same accuracies in another order differ by ~1e-16; anything below
    # 5e-13 is rounding, not a difference between methods.
    ranks = friedman_ranks(pd.DataFrame({"A": [0.5], "B": [0.5 + 3e-13], "C": [0.4]}))
    assert ranks.iloc[0].tolist() == [1.5, 1.5, 3.0]
    assert wilcoxon_pvalue([0.5, 0.7], [0.5 + 3e-13, 0.7 - 3e-13]) == 1.0


def test_a_comparison_without_data_sets_gives_no_p_value():
    empty = pd.DataFrame({"A": pd.Series(dtype=float), "B": pd.Series(dtype=float)})
    out = wilcoxon_versus(empty, "A")
    assert out.isna().all().all() and list(out.index) == ["A", "B"]


def test_nemenyi_p_values_cross_alpha_at_the_critical_difference():
    k, n, alpha = 4, 12, 0.05
    cd = nemenyi_critical_difference(k, n, alpha)
    # Demsar (2006), table 5: q_0.05 = 2.569 for k = 4 (already divided by sqrt 2).
    assert cd == pytest.approx(2.569 * math.sqrt(k * (k + 1) / (6 * n)), rel=1e-3)
    ranks = pd.Series([1.0, 1.0 + cd, 1.0 + 0.9 * cd, 1.0 + 1.1 * cd], index=list("ABCD"))
    p = nemenyi_pairwise(ranks, n)
    assert p.loc["A", "B"] == pytest.approx(alpha, rel=1e-6)
    assert p.loc["A", "C"] > alpha > p.loc["A", "D"]
    np.testing.assert_array_equal(np.diag(p.to_numpy()), 1.0)
    np.testing.assert_allclose(p.to_numpy(), p.to_numpy().T)


def test_a_p_value_equal_to_alpha_does_not_reject():
    pairwise = pd.DataFrame([[1.0, 0.05], [0.05, 1.0]], index=["A", "B"], columns=["A", "B"])
    result = FriedmanResult(
        statistic=9.0,
        pvalue=0.05,
        ranks=pd.Series([1.0, 2.0], index=["A", "B"]),
        pairwise=pairwise,
        test="wilcoxon-holm",
        critical_difference=None,
        alpha=0.05,
        n_datasets=5,
        n_methods=2,
    )
    assert not result.significant
    significant = FriedmanResult(**{**result.__dict__, "pvalue": 0.01})
    assert significant.joined().loc["A", "B"]  # p == alpha: joined, not different
