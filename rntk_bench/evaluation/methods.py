"""Methods: everything a run compares, behind one small interface.

A run's ``--kernels`` names are *methods*. Two kinds exist:

- the kernel SVMs (every name of the kernel registry, ``rntk-bench kernels``): the
  engine computes their Gram matrices by family, shares them across the C grid, the
  folds and sibling kernels, and selects (setting, C) by cross-validation
  (:mod:`.tasks`); nothing about them lives here;
- *trained methods* (this registry, :data:`METHODS`): estimators that select their own
  hyper-parameters on the training split and predict the test split once. A trained
  method is one pure task per (data set, resample) (:func:`run_method`), and its
  result file has the same schema as a kernel's (predictions, the selection table
  under ``cv``, timings, versions), so run, report, check, resume and Dask treat both
  alike.

The planner (:func:`rntk_bench.evaluation.experiment.run_experiment`) asks
:func:`is_method` for each name and sends the others to the kernel path.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from rntk_bench.errors import InputError, UnknownNameError
from rntk_bench.kernels.grids import grid_settings

__all__ = [
    "METHODS",
    "MethodOutcome",
    "MethodSpec",
    "MethodTask",
    "get_method",
    "is_method",
    "method_names",
    "run_method",
]


@dataclass(frozen=True)
class MethodTask:
    """One trained method on one split: everything the (pure) fit needs."""

    dataset: str
    resample: int
    method: str
    settings: tuple[dict[str, Any], ...]
    X_train: Any
    y_train: np.ndarray
    X_test: Any
    seed: int
    n_threads: int | None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MethodOutcome:
    """What a method task returns: the parts of a result file it determines."""

    dataset: str
    resample: int
    method: str
    selected: dict[str, Any]
    cv: dict[str, Any]
    y_pred: list[int]
    timing: dict[str, float]


@dataclass(frozen=True)
class MethodSpec:
    """A registered trained method.

    Attributes
    ----------
    name : str
    summary : str
        One line for listings.
    grids : mapping
        Grid name ("paper", "quick") -> {parameter: values}; a YAML grid file uses
        "paper" (grid files change the kernels' grids only).
    options : dict
        Fixed training options (part of every result's identity).
    fit : callable
        ``fit(task) -> MethodOutcome``, pure.
    check : callable
        Raises InputError when the method cannot run here (a missing extra).
    unequal_length : bool
    """

    name: str
    summary: str
    grids: Mapping[str, Mapping[str, tuple[Any, ...]]]
    options: dict[str, Any]
    fit: Callable[[MethodTask], MethodOutcome]
    check: Callable[[], None]
    unequal_length: bool = True

    def settings(self, grid: str) -> list[dict[str, Any]]:
        """The method's settings for a run's grid name (files fall back to "paper")."""
        return grid_settings(self.grids.get(grid, self.grids["paper"]))


def _fit_rnn(task: MethodTask) -> MethodOutcome:
    from rntk_bench.evaluation.rnn import TrainOptions, fit_rnn

    started, cpu = time.perf_counter(), time.process_time()
    out = fit_rnn(
        task.X_train,
        task.y_train,
        task.X_test,
        list(task.settings),
        seed=task.seed,
        options=TrainOptions(**task.options),
        n_threads=task.n_threads,
    )
    records = out["records"]
    chosen = out["chosen"]
    record = records[chosen]
    return MethodOutcome(
        dataset=task.dataset,
        resample=task.resample,
        method=task.method,
        selected={
            "setting": dict(task.settings[chosen]),
            "resolved": {k: record[k] for k in ("seed", "best_epoch", "epochs", "val_loss")},
            "C": None,
            "cv_accuracy": record["val_accuracy"],
            "cv_std": None,
            "setting_index": chosen,
            "fallback": "grid centre (no validation data)" if out["fallback"] else None,
        },
        cv={
            "settings": [dict(s) for s in task.settings],
            "c_grid": [],
            # One column: the hold-out validation accuracy of each setting's network.
            "mean": [[r["val_accuracy"]] for r in records],
            "std": [[None] for _ in records],
            "scheme": f"hold-out validation: {out['n_validation']} of "
            f"{out['n_validation'] + out['n_fit']} training series (stratified), "
            "early stopping and selection by validation accuracy, then loss",
            "networks": records,
            "initialisations": "one per setting (seed recorded); the best network by "
            "validation is the final model, not refitted",
        },
        y_pred=[int(v) for v in out["y_pred"]],
        timing={
            "train": out["train_seconds"],
            "predict": out["predict_seconds"],
            "total": time.perf_counter() - started,
            # CPU seconds of the worker process: on a shared machine the honest cost.
            "cpu": time.process_time() - cpu,
        },
    )


def _check_rnn() -> None:
    from rntk_bench.evaluation.rnn import require_torch

    require_torch()


def _rnn_spec() -> MethodSpec:
    from rntk_bench.evaluation.rnn import RNN_GRIDS, TrainOptions

    return MethodSpec(
        name="rnn",
        summary="trained Elman RNN with the RNTK's initialisation (RMSProp, early stopping)",
        grids=RNN_GRIDS,
        options=asdict(TrainOptions()),
        fit=_fit_rnn,
        check=_check_rnn,
    )


METHODS: dict[str, MethodSpec] = {spec.name: spec for spec in (_rnn_spec(),)}


def method_names() -> list[str]:
    """Names of the trained methods."""
    return list(METHODS)


def is_method(name: str) -> bool:
    """True for a trained method's name (the rest are kernel names)."""
    return name in METHODS


def get_method(name: str) -> MethodSpec:
    """The trained method ``name``."""
    try:
        return METHODS[name]
    except KeyError:
        raise UnknownNameError(
            f"unknown method {name!r}; trained methods: {', '.join(METHODS)}."
        ) from None


def run_method(task: MethodTask) -> MethodOutcome:
    """Pure: fit the method on the task's training split, predict its test split once."""
    spec = get_method(task.method)
    if not task.settings:
        raise InputError(f"{task.method}: the grid has no setting.")
    return spec.fit(task)
