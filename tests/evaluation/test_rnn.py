"""The trained RNN method: determinism, learning, the engine path and the torch extra."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from rntk_bench.cli import main
from rntk_bench.errors import InputError
from rntk_bench.methods import TrainedMethod, lookup, method_names
from rntk_bench.methods._rnn_training import TrainOptions, validation_split
from rntk_bench.records import iter_results

from .conftest import run_all

SMALL = {"width": 16, "lr": 1e-2, "sigma_w": 1.0, "sigma_b": 0.1, "sigma_h": 0.5}


def _separable(n: int, seed: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Class 0 rises, class 1 falls; unequal lengths (5-12 steps), slight noise."""
    rng = np.random.default_rng(seed)
    X, y = [], np.arange(n) % 2
    for label in y:
        t = int(rng.integers(5, 13))
        ramp = np.linspace(0.0, 1.0, t) * (1.0 if label == 0 else -1.0)
        X.append((ramp + 0.05 * rng.normal(size=t))[None, :])
    return X, y


def test_validation_split_is_stratified_and_keeps_singletons_in_training():
    y = np.array([0] * 10 + [1] * 10 + [2])
    fit, validation = validation_split(y, 0.2, seed=0)
    assert sorted(np.concatenate([fit, validation]).tolist()) == list(range(21))
    assert 20 in fit  # the singleton class is never held out
    assert np.bincount(y[validation], minlength=3).tolist() == [2, 2, 0]
    fit, validation = validation_split(np.arange(4), 0.2, seed=0)  # Fungi-like
    assert validation.size == 0 and fit.size == 4


def test_rnn_is_a_method_and_kernels_are_not():
    assert "rnn" in method_names() and "rntk" not in method_names()
    rnn = lookup("rnn").description
    assert isinstance(rnn, TrainedMethod)
    assert not isinstance(lookup("rntk").description, TrainedMethod)
    assert rnn.settings("quick")[0].values["width"] == 32
    assert len(rnn.settings("paper")) == 4
    assert rnn.settings("some-grid.yaml") == rnn.settings("paper")


def test_without_torch_the_rnn_is_one_line_error(monkeypatch, tmp_path: Path):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch -> ImportError
    with pytest.raises(InputError, match="needs torch"):
        lookup("rnn").description.check()
    result = CliRunner().invoke(
        main,
        ["run", "ItalyPowerDemand", "--kernels", "rnn", "--results-dir", str(tmp_path), "-q"],
    )
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "needs torch" in result.output
    assert not (tmp_path / "custom" / "runs").exists()


@pytest.mark.torch
def test_the_rnn_is_deterministic_for_a_seed():
    pytest.importorskip("torch")
    from rntk_bench.methods._rnn_training import fit_rnn

    X, y = _separable(24, seed=0)
    X_test, _ = _separable(10, seed=1)
    options = TrainOptions(max_epochs=5, patience=5, batch_size=8)
    settings = [SMALL, {**SMALL, "sigma_w": 1.4142}]
    one = fit_rnn(X, y, X_test, settings, seed=3, options=options, n_threads=1)
    two = fit_rnn(X, y, X_test, settings, seed=3, options=options, n_threads=1)
    np.testing.assert_array_equal(one["y_pred"], two["y_pred"])
    strip = [{k: v for k, v in r.items() if k != "seconds"} for r in one["records"]]
    assert strip == [{k: v for k, v in r.items() if k != "seconds"} for r in two["records"]]
    other = fit_rnn(X, y, X_test, settings, seed=4, options=options, n_threads=1)
    assert other["records"][0]["seed"] != one["records"][0]["seed"]


@pytest.mark.torch
def test_the_rnn_learns_a_separable_problem_with_unequal_lengths_to_100_percent():
    pytest.importorskip("torch")
    from rntk_bench.methods._rnn_training import fit_rnn

    X, y = _separable(40, seed=0)
    X_test, y_test = _separable(40, seed=1)
    out = fit_rnn(X, y, X_test, [SMALL], seed=0, options=TrainOptions(max_epochs=40, patience=40))
    assert np.mean(out["y_pred"] == y_test) == 1.0
    assert out["records"][0]["val_accuracy"] == 1.0
    assert out["n_validation"] == 8 and out["n_fit"] == 32


@pytest.mark.torch
def test_rnn_runs_through_the_engine_and_resumes(make_config, tmp_path: Path):
    pytest.importorskip("torch")
    config = make_config(datasets=("ItalyPowerDemand",), kernels=("rnn", "linear"), grid="quick")
    events = run_all(config, tmp_path, n_jobs=2)
    results = {r.kernel: r for _, r in iter_results(tmp_path, strict=True)}
    assert set(results) == {"rnn", "linear"}
    rnn = results["rnn"]
    assert 0.5 < rnn.accuracy <= 1.0  # two classes; a trained network beats chance
    assert rnn.selected["C"] is None and rnn.selected["fallback"] is None
    assert rnn.cv["networks"][0]["epochs"] >= 1
    assert rnn.environment["versions"]["torch"]
    assert len(rnn.test["y_pred"]) == rnn.dataset["n_test"]
    assert sum(type(e).__name__ == "ResultDone" for e in events) == 2
    again = run_all(config, tmp_path)
    assert sum(type(e).__name__ == "ResultSkipped" for e in again) == 2
    assert not any(type(e).__name__ == "ResultDone" for e in again)
