"""The grid-centre fallback when cross-validation ties everywhere (Fungi-like data)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rntk_bench.evaluation.blocks import kernel_plan
from rntk_bench.evaluation.finish import finish
from rntk_bench.evaluation.protocol import Protocol
from rntk_bench.evaluation.splits import Split, cv_folds
from rntk_bench.methods import FAMILIES, load_grid
from rntk_bench.svm.select import FALLBACK_RULE, grid_centre

PAPER_C = (0.01, 0.1, 1.0, 10.0, 100.0)


@pytest.mark.parametrize(
    ("kernel", "expected"),
    [
        ("rntk", {"sigma_w": 1.41, "sigma_b": 0.3, "sigma_h": 0.1}),
        ("ntk", {"depth": 3, "fix_first": 2}),
        ("nngp", {"depth": 3}),
        ("rbf", {"gamma_scale": 1.0}),
        ("polynomial", {"degree": 3, "coef0": 0.0}),
    ],
)
def test_the_paper_grid_centres_stated_in_the_docs(kernel, expected):
    family = next(f for f in FAMILIES.values() if kernel in f.kernels)
    plan = kernel_plan(family, kernel, family.settings(load_grid("paper")[family.name]))
    s_index, c_index = grid_centre(plan.settings, PAPER_C)
    assert PAPER_C[c_index] == 1.0
    assert {k: plan.settings[s_index][k] for k in expected} == expected


def test_a_fungi_like_split_falls_back_to_the_centre_and_says_so():
    """One training series per class: no folds, every setting ties, the centre is used."""
    rng = np.random.default_rng(0)
    X_train = rng.normal(size=(4, 1, 12))
    y_train = np.arange(4)
    X_test = X_train + 0.01 * rng.normal(size=X_train.shape)
    y_test = np.arange(4)
    folds = cv_folds(y_train, 10, seed=0)
    assert folds.splits == []
    family = FAMILIES["rbf"]
    settings = family.settings({"gamma_scale": (0.25, 1.0, 4.0)})
    plan = kernel_plan(family, "rbf", settings)
    mean = np.full((3, 5), np.nan)
    protocol = Protocol()
    selected, test, _ = finish(
        family,
        plan,
        settings,
        mean,
        mean.copy(),
        Split(X_train, y_train, X_test, y_test, None),
        protocol.c_grid,
        protocol.normalisation,
        {"backend": "auto", "device": "cpu", "dtype": "float64", "n_threads": 1},
    )
    assert selected.fallback == FALLBACK_RULE
    assert selected.setting == {"gamma_scale": 1.0}
    assert selected.C == 1.0
    assert selected.cv_accuracy is None
    accuracy = float(np.mean(test.y_pred == y_test))
    assert math.isclose(accuracy, 1.0)  # near-copies of the training series


def test_a_scored_table_is_not_a_fallback():
    family = FAMILIES["rbf"]
    settings = family.settings({"gamma_scale": (0.25, 1.0, 4.0)})
    plan = kernel_plan(family, "rbf", settings)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, 1, 8))
    y = np.array([0, 0, 0, 1, 1, 1])
    mean = np.zeros((3, 5))
    mean[2, 4] = 1.0  # a corner wins clearly
    protocol = Protocol()
    selected, _, _ = finish(
        family,
        plan,
        settings,
        mean,
        mean.copy(),
        Split(X, y, X, y, None),
        protocol.c_grid,
        protocol.normalisation,
        {"backend": "auto", "device": "cpu", "dtype": "float64", "n_threads": 1},
    )
    assert selected.fallback is None
    assert selected.setting == {"gamma_scale": 4.0}
    assert selected.C == 100.0
