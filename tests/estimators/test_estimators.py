"""The scikit-learn estimators: conformance, input kinds, composition, and the CLI's path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from rntk_bench.data import fetch_dataset
from rntk_bench.estimators import KernelSVMClassifier, RNTKClassifier, SeriesKernel
from rntk_bench.evaluation.protocol import Protocol
from rntk_bench.experiment import RunConfig, run_experiment
from rntk_bench.experiment.parallel import executor
from rntk_bench.kernels import rbf, rntk
from rntk_bench.records import iter_results

TINY = {"grid": {"sigma_w": [1.4]}, "c_grid": (1.0,), "folds": 2}


@parametrize_with_checks([RNTKClassifier(**TINY), SeriesKernel("rbf", {"gamma": 0.5})])
def test_scikit_learn_conformance(estimator, check):
    check(estimator)


@pytest.mark.slow
@parametrize_with_checks(
    [KernelSVMClassifier("rbf", grid={"gamma_scale": [0.5, 2.0]}, c_grid=(1.0,), folds=2)]
)
def test_scikit_learn_conformance_of_another_kernel(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def italy():
    data = fetch_dataset("ItalyPowerDemand")
    labels = np.asarray(data.classes)
    return data.X_train, labels[data.y_train], data.X_test[:60], labels[data.y_test[:60]]


def test_three_input_kinds_give_the_same_model(italy):
    X, y, X_test, _ = italy
    model = RNTKClassifier(grid={"sigma_w": [1.3, 1.4]}, folds=3)
    three = model.fit(X, y).decision_function(X_test)
    two = model.fit(X[:, 0, :], y).decision_function(X_test[:, 0, :])
    listed = model.fit(list(X), y).decision_function(list(X_test))
    np.testing.assert_allclose(two, three, rtol=1e-12)
    np.testing.assert_allclose(listed, three, rtol=1e-12)
    assert set(model.classes_) == {"1", "2"} and model.predict(X_test).dtype.kind == "U"


def test_unequal_lengths_and_probabilities(italy):
    X, y, X_test, _ = italy
    rng = np.random.default_rng(0)
    ragged = [x[:, : rng.integers(12, 25)] for x in X]
    model = RNTKClassifier(grid={"sigma_w": [1.4]}, folds=3).fit(ragged, y)
    proba = model.predict_proba([x[:, 3:] for x in X_test])
    assert proba.shape == (60, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    dec = model.decision_function([x[:, 3:] for x in X_test])
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-dec)))
    assert np.array_equal(
        model.predict([x[:, 3:] for x in X_test]), model.classes_[(dec > 0).astype(int)]
    )


def test_pipeline_grid_search_and_cross_val_score(italy):
    X, y, X_test, y_test = italy
    pipe = Pipeline(
        [
            ("flat", FunctionTransformer(lambda a: a[:, 0, :])),
            ("svm", KernelSVMClassifier("rbf", grid={"gamma_scale": [1.0]}, folds=3)),
        ]
    )
    search = GridSearchCV(pipe, {"svm__c_grid": [(0.1,), (10.0,)]}, cv=3).fit(X, y)
    assert search.best_params_["svm__c_grid"] in [(0.1,), (10.0,)]
    assert 0.8 < search.score(X_test, y_test) <= 1.0
    scores = cross_val_score(RNTKClassifier(grid={"sigma_w": [1.4]}, folds=3), X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.7


def test_series_kernel_as_callable_and_as_transformer(italy):
    X, y, X_test, y_test = italy
    flat, flat_test = X[:, 0, :], X_test[:, 0, :]
    kernel = SeriesKernel("rntk", {"sigma_w": 1.4, "sigma_b": 0.1})
    np.testing.assert_allclose(
        kernel(flat, flat_test[:5]), rntk(X, X_test[:5], sigma_w=1.4, sigma_b=0.1)
    )
    callable_svc = SVC(kernel=kernel, C=1.0).fit(flat, y)
    gram = SeriesKernel("rbf", {"gamma": 0.05})
    pipe = Pipeline([("gram", gram), ("svm", SVC(kernel="precomputed"))]).fit(X, y)
    np.testing.assert_allclose(pipe[0].transform(X_test), rbf(X_test, X, gamma=0.05))
    assert callable_svc.score(flat_test, y_test) > 0.8 and pipe.score(X_test, y_test) > 0.8


GRID_YAML = """\
base: quick
rntk: {sigma_w: [1.3, 1.4142], sigma_b: [0, 0.5], sigma_h: [0]}
rbf: {gamma_scale: [0.5, 2]}
"""


@pytest.mark.parametrize("kernel", ["rntk", "rbf"])
def test_estimator_and_run_agree(kernel, tmp_path: Path):
    grid = tmp_path / "grid.yaml"
    grid.write_text(GRID_YAML)
    protocol = Protocol(folds=5, c_grid=(0.1, 1.0, 10.0))
    config = RunConfig(
        datasets=("GunPoint",),
        kernels=(kernel,),
        grid=str(grid),
        protocol=protocol,
        full_cv=True,  # the estimator's cv_results_ is the complete table
    )
    with executor(1) as pool:
        list(run_experiment(config, tmp_path / "run", pool))
    [(_, result)] = list(iter_results(tmp_path / "run"))
    data = fetch_dataset("GunPoint")
    labels = np.asarray(data.classes)
    model = KernelSVMClassifier(kernel, grid=str(grid), c_grid=(0.1, 1.0, 10.0), folds=5)
    model.fit(data.X_train, labels[data.y_train])
    assert model.best_params_ == result.selected["setting"]
    assert model.best_C_ == result.selected["C"]
    assert model.best_score_ == pytest.approx(result.selected["cv_accuracy"], abs=1e-12)
    # cv_results_ is GridSearchCV's layout: one entry per (setting, C), settings outer
    n_settings, n_c = len(result.cv["settings"]), len(result.cv["c_grid"])
    assert model.cv_results_["params"] == [
        {**setting, "C": c} for setting in result.cv["settings"] for c in result.cv["c_grid"]
    ]
    mean = np.asarray(model.cv_results_["mean_test_score"])
    std = np.asarray(model.cv_results_["std_test_score"])
    assert mean.shape == std.shape == (n_settings * n_c,)
    np.testing.assert_allclose(mean.reshape(n_settings, n_c), result.cv["mean"])
    np.testing.assert_allclose(std.reshape(n_settings, n_c), result.cv["std"])
    assert np.array_equal(model.predict(data.X_test), labels[result.test["y_pred"]])
    np.testing.assert_allclose(
        model.predict_proba(data.X_test), result.test["probabilities"], rtol=1e-12
    )


def test_unknown_kernel_and_bad_input_are_refused(italy):
    X, y, _, _ = italy
    with pytest.raises(KeyError, match="unknown method 'nope'"):
        KernelSVMClassifier("nope").fit(X, y)
    with pytest.raises(ValueError, match="same number of channels"):
        RNTKClassifier(**TINY).fit([np.zeros((1, 5)), np.zeros((2, 6))], [0, 1])


def test_cv_results_is_a_grid_search_table(italy):
    """``pd.DataFrame(cv_results_)``: one row per (setting, C), rank 1 on the choice."""
    X, y, _, _ = italy
    c_grid = (0.1, 1.0, 10.0)
    scales = [0.5, 1.0, 2.0, 4.0]
    model = KernelSVMClassifier("rbf", grid={"gamma_scale": scales}, c_grid=c_grid, folds=3)
    model.fit(X, y)
    frame = pd.DataFrame(model.cv_results_)
    assert len(frame) == len(scales) * len(c_grid)
    for column in ("params", "param_gamma_scale", "param_C", "mean_test_score",
                   "std_test_score", "rank_test_score"):  # fmt: skip
        assert column in frame.columns, column
    cells = [(g, c) for g in scales for c in c_grid]
    assert list(zip(frame["param_gamma_scale"], frame["param_C"], strict=True)) == cells
    assert frame["params"].tolist() == [{"gamma_scale": g, "C": c} for g, c in cells]
    assert not frame.duplicated(["param_gamma_scale", "param_C"]).any()
    # ranks: 1 = the best mean; ties share the lowest rank (GridSearchCV's "min" rule)
    means = frame["mean_test_score"].to_numpy()
    assert frame["rank_test_score"].min() == 1
    assert np.array_equal(frame["rank_test_score"] == 1, means == means.max())
    expected = [1 + int(np.sum(means > m)) for m in means]
    assert frame["rank_test_score"].tolist() == expected
    # the selected cell is ranked first and holds best_score_
    chosen = frame[
        (frame["param_gamma_scale"] == model.best_params_["gamma_scale"])
        & (frame["param_C"] == model.best_C_)
    ]
    assert len(chosen) == 1
    assert chosen["rank_test_score"].iloc[0] == 1
    assert chosen["params"].iloc[0] == {**model.best_params_, "C": model.best_C_}
    assert chosen["mean_test_score"].iloc[0] == pytest.approx(model.best_score_, abs=1e-12)
    assert isinstance(model.cv_scheme_, str) and "3-fold" in model.cv_scheme_
