"""Start-up notice, the cost model that orders tasks (largest first), repeated settings."""

from __future__ import annotations

import dataclasses
import json

import numpy as np

import rntk_bench.kernels
from rntk_bench.evaluation import blocks
from rntk_bench.evaluation.blocks import BlockTask
from rntk_bench.evaluation.splits import cv_folds
from rntk_bench.experiment.cost import block_cost
from rntk_bench.experiment.events import Preparing, RunPlanned
from rntk_bench.methods import FAMILIES

from .conftest import run_all


def _task(family: str, n: int, length: int, settings: list[dict], kernels=("k",)) -> BlockTask:
    y = np.arange(n) % 2
    described = FAMILIES[family]
    return BlockTask(
        dataset="d",
        resample=0,
        family=described,
        kernels=kernels,
        block=0,
        settings=tuple(described.setting(values) for values in settings),
        X_train=np.zeros((n, 1, length)),
        y_train=y,
        folds=cv_folds(y, 2, 0),
        length=None,
        c_grid=(1.0,),
        normalisation="mean-diagonal",
        backend_options={},
        gram_cache=None,
    )


def test_task_cost_counts_gram_work_and_selection():
    cost = block_cost
    one_layer = {"sigma_w": 1.4142135623730951, "n_layers": 1}
    rnn = _task("rnn", 100, 300, [one_layer] * 50, kernels=("rntk", "rnngp"))
    # series^2 x (T x layers + 500 per kernel) x settings
    assert cost(rnn) == 100 * 100 * (300 + 1000) * 50
    two_layers = _task(
        "rnn", 100, 300, [{**one_layer, "n_layers": 2}] * 50, kernels=("rntk", "rnngp")
    )
    assert cost(two_layers) > cost(rnn)
    # The alignment kernel is quadratic in the length: one bandwidth (a GAK task) on
    # long series outweighs a block of 50 RNN settings, so it starts first.
    gak = _task("gak", 100, 700, [{}])
    assert cost(gak) == 100 * 100 * (700 * 700 + 500)
    assert cost(gak) > cost(rnn)
    # unequal lengths (a list of series): the mean length stands for T
    ragged = dataclasses.replace(gak, X_train=[np.zeros((1, t)) for t in [400, 1000] * 50])
    assert cost(ragged) == cost(gak)
    linear = _task("linear", 100, 300, [{}])
    assert cost(linear) == 100 * 100 * (1 + 500)


def test_a_cold_numba_cache_is_announced(make_config, tmp_path, monkeypatch):
    monkeypatch.setattr(rntk_bench.kernels, "compiled_on_disk", lambda loop="rnn": False)
    events = run_all(make_config(datasets=("ItalyPowerDemand",), kernels=("rntk",)), tmp_path)
    notes = [e.message for e in events if isinstance(e, Preparing)]
    assert len(notes) == 2 and notes[0].startswith("compiling the numba kernels")
    assert notes[1].startswith("compiled in ")
    assert events.index(next(e for e in events if isinstance(e, RunPlanned))) == 2
    monkeypatch.setattr(rntk_bench.kernels, "compiled_on_disk", lambda loop="rnn": True)
    events = run_all(make_config(datasets=("ItalyPowerDemand",), kernels=("rbf",)), tmp_path)
    assert not [e for e in events if isinstance(e, Preparing)]


def test_a_cold_gak_cache_is_announced_and_gak_runs_one_task_per_bandwidth(
    make_config, tmp_path, monkeypatch
):
    """GAK alone: its cache is checked (not the RNN loop's), and each of the quick grid's
    three bandwidths is a task of its own, so that two workers share a long data set."""
    asked: list[str] = []

    def cold(loop: str = "rnn") -> bool:
        asked.append(loop)
        return loop != "gak"

    monkeypatch.setattr(rntk_bench.kernels, "compiled_on_disk", cold)
    config = make_config(datasets=("ItalyPowerDemand",), kernels=("gak",), grid="quick")
    events = run_all(config, tmp_path / "split", n_jobs=2)
    assert asked == ["gak"]
    notes = [e.message for e in events if isinstance(e, Preparing)]
    assert notes[0].startswith("compiling the numba kernels") and notes[1].startswith("compiled")
    planned = next(e for e in events if isinstance(e, RunPlanned))
    assert (planned.tasks, planned.units, planned.results_to_compute) == (3, 1, 1)
    # the same selection as scoring the three bandwidths in one task
    monkeypatch.setattr(FAMILIES["gak"], "block_size", lambda n, requested: n)
    whole = run_all(config, tmp_path / "whole")
    assert next(e for e in whole if isinstance(e, RunPlanned)).tasks == 1
    split_result, whole_result = (
        json.loads(next((tmp_path / name).rglob("gak-r0-*.json")).read_text())
        for name in ("split", "whole")
    )
    assert split_result["selected"] == whole_result["selected"]
    assert split_result["test"]["y_pred"] == whole_result["test"]["y_pred"]


def test_a_kernel_repeated_by_ignored_parameters_is_scored_once(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 1, 20))
    y = np.arange(30) % 3
    settings = [
        {"depth": d, "fix_first": f, "sigma_w": 1.4142135623730951, "sigma_b": 0.0}
        for d in (1, 2, 3)
        for f in (0, 1)
        if f < d
    ]
    task = _task("fc", 30, 20, settings, kernels=("ntk", "nngp"))
    task = BlockTask(
        **{
            **task.__dict__,
            "X_train": X,
            "y_train": y,
            "folds": cv_folds(y, 3, 0),
            "backend_options": {
                "backend": "auto",
                "device": "cpu",
                "dtype": "float64",
                "n_threads": 1,
            },
        }
    )
    calls = []
    real = blocks.cv_scores_block

    def counting(grams, *args, **kwargs):
        calls.extend([1] * len(grams))
        return real(grams, *args, **kwargs)

    monkeypatch.setattr(blocks, "cv_scores_block", counting)
    scores = blocks.run_block(task)
    assert len(calls) == 5 + 3  # NTK: 5 settings; NNGP: one per depth
    nngp = scores.mean["nngp"]
    assert len(nngp) == 5 and nngp[1] == nngp[2] and nngp[3] == nngp[4]  # depth 2, depth 3
    assert len(scores.mean["ntk"]) == 5
