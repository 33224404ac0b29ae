"""Start-up notice and the cost model that orders tasks (largest first)."""

from __future__ import annotations

import numpy as np

from rntk_bench.evaluation import experiment
from rntk_bench.evaluation.experiment import Preparing, RunPlanned
from rntk_bench.evaluation.protocol import cv_folds
from rntk_bench.evaluation.tasks import BlockTask

from .conftest import run_all


def _task(family: str, n: int, length: int, settings: list[dict], kernels=("k",)) -> BlockTask:
    y = np.arange(n) % 2
    return BlockTask(
        dataset="d",
        resample=0,
        family=family,
        kernels=kernels,
        block=0,
        settings=tuple(settings),
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
    cost = experiment._task_cost
    rnn = _task("rnn", 100, 300, [{"n_layers": 1}] * 50, kernels=("rntk", "rnngp"))
    # series^2 x (T x layers + 500 per kernel) x settings
    assert cost(rnn) == 100 * 100 * (300 + 1000) * 50
    two_layers = _task("rnn", 100, 300, [{"n_layers": 2}] * 50, kernels=("rntk", "rnngp"))
    assert cost(two_layers) > cost(rnn)
    # The alignment kernel is quadratic in the length: 5 settings on long series
    # outweigh a block of 50 RNN settings, so they start first.
    gak = _task("gak", 100, 700, [{}] * 5)
    assert cost(gak) > cost(rnn)
    linear = _task("linear", 100, 300, [{}])
    assert cost(linear) == 100 * 100 * (1 + 500)


def test_a_cold_numba_cache_is_announced(make_config, tmp_path, monkeypatch):
    monkeypatch.setattr(experiment, "compiled_on_disk", lambda: False)
    events = run_all(make_config(datasets=("ItalyPowerDemand",), kernels=("rntk",)), tmp_path)
    notes = [e.message for e in events if isinstance(e, Preparing)]
    assert len(notes) == 2 and notes[0].startswith("compiling the numba kernels")
    assert notes[1].startswith("compiled in ")
    assert events.index(next(e for e in events if isinstance(e, RunPlanned))) == 2
    monkeypatch.setattr(experiment, "compiled_on_disk", lambda: True)
    events = run_all(make_config(datasets=("ItalyPowerDemand",), kernels=("rbf",)), tmp_path)
    assert not [e for e in events if isinstance(e, Preparing)]
