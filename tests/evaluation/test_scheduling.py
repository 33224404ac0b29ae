"""Start-up notice, the cost model that orders tasks (largest first), repeated settings."""

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


def test_a_kernel_repeated_by_ignored_parameters_is_scored_once(monkeypatch):
    from rntk_bench.evaluation import tasks

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
    real = tasks.cv_scores_block

    def counting(grams, *args, **kwargs):
        calls.extend([1] * len(grams))
        return real(grams, *args, **kwargs)

    monkeypatch.setattr(tasks, "cv_scores_block", counting)
    scores = tasks.run_block(task)
    assert len(calls) == 5 + 3  # NTK: 5 settings; NNGP: one per depth
    nngp = scores.mean["nngp"]
    assert len(nngp) == 5 and nngp[1] == nngp[2] and nngp[3] == nngp[4]  # depth 2, depth 3
    assert len(scores.mean["ntk"]) == 5
