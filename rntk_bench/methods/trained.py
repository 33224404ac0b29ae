"""Trained methods: estimators that select their own hyper-parameters on the training split.

A trained method is one pure task per (data set, resample) (:func:`run_method`); its
result file has the same schema as a kernel's (predictions, the selection table under
``cv``, timings, versions), so run, report, check, resume and Dask treat both alike.
Built in: the trained finite RNN (``rnn``, :mod:`._rnn_training`); a user's
classifier (:mod:`.user_classifier`) is one too.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from rntk_bench.errors import InputError
from rntk_bench.methods.base import Capabilities, TrainedMethod

__all__ = ["TRAINED_RNN", "MethodOutcome", "MethodTask", "run_method"]


@dataclass(frozen=True)
class MethodTask:
    """One trained method on one split: everything the (pure) fit needs.

    ``folds`` are the kernels' cross-validation folds of the training split (index
    pairs) and ``cv_scheme`` their description, for methods that select by them;
    ``length`` is the common length a fixed-length method resamples to (None: the
    split has one length) and ``policy`` the run's length policy that brought it
    there (None: the method takes unequal lengths as they are).
    """

    dataset: str
    resample: int
    method: TrainedMethod
    settings: tuple[dict[str, Any], ...]
    X_train: Any
    y_train: np.ndarray
    X_test: Any
    seed: int
    n_threads: int | None
    options: dict[str, Any] = field(default_factory=dict)
    folds: tuple[tuple[np.ndarray, np.ndarray], ...] = ()
    cv_scheme: str = ""
    length: int | None = None
    policy: str | None = None
    n_classes: int = 0


@dataclass(frozen=True)
class MethodOutcome:
    """What a method task returns: the parts of a result file it determines.

    ``probabilities`` (n_test lists of n_classes floats, columns in class-code order)
    when the method has them; ``policy`` is the task's length policy.
    """

    dataset: str
    resample: int
    method: str
    selected: dict[str, Any]
    cv: dict[str, Any]
    y_pred: list[int]
    timing: dict[str, float]
    probabilities: list[list[float]] | None = None
    policy: str | None = None


def _fit_rnn(task: MethodTask) -> MethodOutcome:
    from rntk_bench.methods._rnn_training import TrainOptions, fit_rnn

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
        method=task.method.name,
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


def _torch_version() -> dict[str, str]:
    """{"torch": version} when torch is installed (the trained RNN's records)."""
    from importlib import metadata

    try:
        return {"torch": metadata.version("torch")}
    except metadata.PackageNotFoundError:  # pragma: no cover - checked before the run
        return {}


def _check_rnn() -> None:
    from rntk_bench.methods._rnn_training import require_torch

    require_torch()


def _trained_rnn() -> TrainedMethod:
    from rntk_bench.methods._rnn_training import RNN_GRIDS, TrainOptions

    return TrainedMethod(
        name="rnn",
        summary="trained Elman RNN with the RNTK's initialisation (RMSProp, early stopping)",
        grids=RNN_GRIDS,
        options=asdict(TrainOptions()),
        fit=_fit_rnn,
        check=_check_rnn,
        capabilities=Capabilities(native_lengths=True, alignment="packed, ends aligned"),
        environment={"backend": "torch", "device": "cpu", "dtype": "float32"},
        versions=_torch_version,
        timing_note="seconds of work: training every setting's network, predicting test",
    )


TRAINED_RNN = _trained_rnn()


def run_method(task: MethodTask) -> MethodOutcome:
    """Pure: fit the method on the task's training split, predict its test split once."""
    if not task.settings:
        raise InputError(f"{task.method.name}: the grid has no setting.")
    outcome: MethodOutcome = task.method.fit(task)
    return dataclasses.replace(outcome, policy=task.policy)
