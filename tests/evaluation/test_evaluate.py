"""rntk_bench.evaluate: the array-level entry point equals `rntk-bench run` on the same data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import rntk_bench
from rntk_bench.data import fetch_dataset
from rntk_bench.errors import InputError, UnknownNameError
from rntk_bench.evaluation.protocol import Protocol
from rntk_bench.experiment import RunConfig, executor, run_experiment
from rntk_bench.records import iter_results


@pytest.mark.parametrize("method", ["rntk", "rbf"])
def test_evaluate_equals_run_on_gunpoint(tmp_path, method):
    run_dir = tmp_path / "run"
    config = RunConfig(datasets=("GunPoint",), kernels=(method,), grid="quick")
    with executor(1) as ex:
        list(run_experiment(config, run_dir, ex))
    ((_, result),) = list(iter_results(run_dir, strict=True))

    data = fetch_dataset("GunPoint")
    labels = np.asarray(data.classes)
    outcome = rntk_bench.evaluate(
        method,
        data.X_train,
        labels[data.y_train],
        data.X_test,
        labels[data.y_test],
        grid="quick",
    )
    # Same selection, CV table, predictions and probabilities as the run's result file.
    assert outcome.selected.as_dict() == result.selected
    np.testing.assert_array_equal(outcome.cv.mean, np.array(result.cv["mean"], dtype=float))
    np.testing.assert_array_equal(outcome.cv.std, np.array(result.cv["std"], dtype=float))
    assert outcome.test.y_pred.tolist() == result.test["y_pred"]
    assert outcome.probabilities.tolist() == result.test["probabilities"]
    assert outcome.accuracy == result.accuracy
    # Predictions come back as the archive's labels, in the classes' order.
    assert list(outcome.predictions) == [labels[c] for c in result.test["y_pred"]]
    assert outcome.timing.total > 0


def test_evaluate_without_test_labels_and_with_string_labels():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 1, 12))
    y = np.array(["up", "down"] * 12)
    X[y == "up"] += 1.5
    outcome = rntk_bench.evaluate("linear", X[:16], y[:16], X[16:], grid="quick")
    assert outcome.accuracy is None
    assert set(outcome.predictions) <= {"up", "down"}
    assert list(outcome.classes) == ["down", "up"]
    assert outcome.probabilities.shape == (8, 2)
    np.testing.assert_allclose(outcome.probabilities.sum(axis=1), 1.0)
    # 2-D input is read as univariate series: the same outcome.
    flat = rntk_bench.evaluate("linear", X[:16, 0], y[:16], X[16:, 0], grid="quick")
    assert flat.predictions.tolist() == outcome.predictions.tolist()


def test_evaluate_grid_mapping_protocol_and_table_layout():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 2, 10))
    y = np.repeat([0, 1, 2], 10)
    X += y[:, None, None] * 0.8
    protocol = Protocol(folds=3, c_grid=(0.1, 10.0))
    outcome = rntk_bench.evaluate(
        "rbf", X[::2], y[::2], X[1::2], y[1::2], grid={"gamma_scale": [0.5, 2]},
        protocol=protocol, full_cv=True,
    )  # fmt: skip
    assert outcome.cv.settings == [{"gamma_scale": 0.5}, {"gamma_scale": 2}]
    assert outcome.cv.mean.shape == (2, 2) and not np.isnan(outcome.cv.mean).any()
    frame = pd.DataFrame(outcome.cv.grid_search_results())
    assert len(frame) == 4
    best = frame.loc[frame.rank_test_score == 1, "params"].iloc[0]
    assert best == {**outcome.selected.setting, "C": outcome.selected.C}
    assert outcome.cv.scheme.startswith("stratified 3-fold")


def test_evaluate_refuses_bad_input_in_one_line():
    X = np.zeros((6, 1, 5))
    y = np.array([0, 1] * 3)
    with pytest.raises(UnknownNameError, match="unknown method 'rntkk'; valid: rntk"):
        rntk_bench.evaluate("rntkk", X, y, X)
    with pytest.raises(InputError, match="unknown rbf parameter 'gama'; valid: gamma_scale, gamma"):
        rntk_bench.evaluate("rbf", X, y, X, grid={"gama": [1.0]})
    with pytest.raises(InputError, match="X_train has 6 series but y_train has 5"):
        rntk_bench.evaluate("rbf", X, y[:5], X)
    with pytest.raises(InputError, match="length_policy must be one of"):
        rntk_bench.evaluate("rbf", X, y, X, length_policy="stretch")
