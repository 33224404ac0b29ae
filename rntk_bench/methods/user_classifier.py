"""A user's classifier class as a trained method: ``--kernels my_pkg:MyClassifier``.

Any scikit-learn-compatible classifier class enters the benchmark with the kernels'
protocol: its grid (a grid file's entry under the method's name; without one, one
setting with its defaults) is selected by the SAME cross-validation folds as the
kernels' (mean fold accuracy; ties: the earlier setting; a table that cannot choose:
the grid's centre, as for the kernels, :mod:`rntk_bench.svm.select`), the chosen
setting is refit on the whole training split and scores the test split once. Its
result file has the kernels' schema: predictions, probabilities when the estimator
has ``predict_proba``, the selection table under ``cv``.

What it receives (preprocessed series):

- a plain scikit-learn classifier: the series flattened to (n, n_channels x length),
  after the run's length policy (unequal lengths resampled as the fixed-length
  kernels resample them);
- an aeon or sktime classifier (told by its base class; aeon and sktime are imported
  only for classes that come from them): the 3-D collection (n, n_channels, length);
  unequal lengths as they are when its tag ``capability:unequal_length`` (of an
  instance with its default parameters) says it takes them (aeon: a list of
  (n_channels, t_i) arrays; sktime: a pd-multiindex frame).

A setting that does not give ``random_state`` gets the run's seed (seed + resample),
so a randomised classifier is reproducible; it is recorded under ``resolved``.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rntk_bench.errors import InputError
from rntk_bench.methods._imports import import_object
from rntk_bench.methods.base import Capabilities, TrainedMethod
from rntk_bench.methods.trained import MethodOutcome, MethodTask
from rntk_bench.methods.user_kernel import fixed_length_pair

__all__ = ["estimator_kind", "user_classifier"]

_INPUTS = {
    "scikit-learn": "series flattened to (n, channels x length)",
    "aeon": "3-D collection (n, channels, length)",
    "sktime": "3-D collection (n, channels, length)",
}


def _tag(cls: Any, tag: str) -> bool:
    """A tag of a default instance (its parameters may change the class's tag)."""
    try:
        return cls().get_tag(tag, False, raise_error=False) is True
    except Exception:  # not a scikit-base estimator after all: no tag
        return False


def estimator_kind(cls: type, path: str) -> str:
    """ "aeon", "sktime" or "scikit-learn": how a classifier class takes series.

    Raises
    ------
    InputError
        When the class is not a classifier (nor can be built with its defaults).
    """
    roots = {getattr(c, "__module__", "").split(".")[0] for c in cls.__mro__}
    for library in ("aeon", "sktime"):
        if library in roots:
            base = import_object(f"{library}.classification.base:BaseClassifier")
            if issubclass(cls, base):
                return library
    try:
        instance = cls()
    except Exception as exc:  # a user's class: whatever it raises, one line
        raise InputError(
            f"{path} cannot be built with its default parameters "
            f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]}); a classifier "
            "class must be (scikit-learn's convention)."
        ) from None
    from sklearn.base import is_classifier

    if not (is_classifier(instance) and callable(getattr(instance, "fit", None))):
        raise InputError(
            f"{path} is not a classifier (scikit-learn's is_classifier says no); give a "
            "classifier class, or a kernel function f(X, Y=None, **params)."
        )
    return "scikit-learn"


def _parameters(cls: type, path: str) -> tuple[str, ...]:
    try:
        names = cls().get_params(deep=False)
    except Exception as exc:  # a user's class: whatever it raises, one line
        raise InputError(
            f"{path}: get_params() of a default instance failed ({type(exc).__name__}); "
            "a classifier must follow scikit-learn's estimator API."
        ) from None
    return tuple(names)


@dataclass(frozen=True)
class _Versions:
    """``versions()``: the installed versions of the classifier's distribution and library.

    A value, not a closure: descriptions compare equal after pickling.
    """

    distribution: str | None
    kind: str

    def __call__(self) -> dict[str, str]:
        from importlib import metadata

        out = {}
        for name in dict.fromkeys(d for d in (self.distribution, self.kind) if d):
            try:
                out[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                continue
        return out


@dataclass(frozen=True)
class _Fit:
    """``fit(task)`` of the classifier at ``path`` (imported in the worker)."""

    path: str
    kind: str

    def __call__(self, task: MethodTask) -> MethodOutcome:
        return _fit(self.path, self.kind, task)


def _check() -> None:
    """Nothing to check before a run: the class was imported and checked by its lookup."""


@functools.cache
def user_classifier(
    name: str, path: str, origin: tuple[tuple[str, str], ...] = ()
) -> TrainedMethod:
    """The trained-method description of a user's classifier class.

    Parameters
    ----------
    name : str
        The method's name: its import path, or its entry point's name.
    path : str
        "module:Class" of the classifier.
    origin : tuple of (key, value)
        Import path, distribution, version, code digest (part of its results' identity).

    Raises
    ------
    InputError
        When the path names no classifier class.
    """
    cls = import_object(path)
    if not inspect.isclass(cls):
        raise InputError(
            f"{path} names an object of type {type(cls).__name__}, not a classifier class."
        )
    kind = estimator_kind(cls, path)
    native = kind != "scikit-learn" and _tag(cls, "capability:unequal_length")
    doc = (inspect.getdoc(cls) or "").strip().splitlines()
    details = dict(origin)
    return TrainedMethod(
        name=name,
        summary=doc[0] if doc else f"user classifier {path}",
        grids={"paper": {}, "quick": {}},
        options={**details, "input": _INPUTS[kind] + (", or as they are" if native else "")},
        fit=_Fit(path, kind),
        check=_check,
        capabilities=Capabilities(native_lengths=native),
        cost_per_step=1.0,
        epochs=1,
        parameters=_parameters(cls, path),
        reads_grid_files=True,
        environment={"backend": kind, "device": "cpu", "dtype": "float64"},
        versions=_Versions(details.get("distribution"), kind),
        timing_note="seconds of work: cross-validating every setting on the training "
        "split, refitting the chosen one, predicting test",
    )


# --- the fit: CV on the kernels' folds, refit, score the test split once ---------------


def _inputs(kind: str, native: bool, X: Any, X_test: Any, length: int | None) -> tuple[Any, Any]:
    """Training and test series as the classifier takes them (module docstring)."""
    if native and isinstance(X, list) and len({s.shape for s in [*X, *X_test]}) > 1:
        if kind == "sktime":
            return _sktime_frame(X), _sktime_frame(X_test)
        return [np.asarray(s, dtype=np.float64) for s in X], [
            np.asarray(s, dtype=np.float64) for s in X_test
        ]
    x, x_test = fixed_length_pair(X, X_test, length)
    assert x_test is not None  # a test split is given
    if kind == "scikit-learn":
        return x.reshape(len(x), -1), x_test.reshape(len(x_test), -1)
    return x, x_test


def _sktime_frame(series: Sequence[np.ndarray]) -> Any:
    """Unequal-length series as sktime's pd-multiindex frame (instance, time point)."""
    import pandas as pd

    lengths = [s.shape[-1] for s in series]
    index = pd.MultiIndex.from_arrays(
        [
            np.repeat(np.arange(len(series)), lengths),
            np.concatenate([np.arange(t) for t in lengths]),
        ],
        names=["instance", "timepoints"],
    )
    values = np.concatenate([np.asarray(s, dtype=np.float64).T for s in series])
    return pd.DataFrame(values, index=index, columns=[f"var_{c}" for c in range(values.shape[1])])


def _rows(X: Any, index: np.ndarray) -> Any:
    if isinstance(X, list):
        return [X[int(i)] for i in index]
    if hasattr(X, "index") and hasattr(X, "loc"):  # a pd-multiindex frame
        import pandas as pd

        parts = [X.loc[int(i)] for i in index]
        return pd.concat(parts, keys=range(len(parts)), names=["instance", "timepoints"])
    return X[index]


def _estimator(cls: type, values: Mapping[str, Any], task: MethodTask) -> tuple[Any, dict]:
    """An estimator of one setting, seeded and single-threaded where it can be."""
    params = dict(values)
    resolved: dict[str, Any] = {}
    defaults = cls().get_params(deep=False)
    if "random_state" in defaults and "random_state" not in params:
        params["random_state"] = resolved["random_state"] = task.seed
    if "n_jobs" in defaults and "n_jobs" not in params and task.n_threads is not None:
        params["n_jobs"] = task.n_threads
    return cls(**params), resolved


def _fit_one(cls: type, values: Mapping[str, Any], task: MethodTask, X: Any, y: Any) -> Any:
    estimator, _ = _estimator(cls, values, task)
    estimator.fit(X, y)
    return estimator


def _cv_row(cls: type, values: Mapping[str, Any], task: MethodTask, X: Any) -> tuple[float, float]:
    scores = []
    for train, valid in task.folds:
        model = _fit_one(cls, values, task, _rows(X, train), task.y_train[train])
        predicted = np.asarray(model.predict(_rows(X, valid)))
        scores.append(float(np.mean(predicted == task.y_train[valid])))
    if not scores:
        return float("nan"), float("nan")
    return float(np.mean(scores)), float(np.std(scores))


def _probabilities(model: Any, X_test: Any, n_classes: int) -> list[list[float]] | None:
    """predict_proba's columns placed at their class codes (n_test, n_classes), or None."""
    if not hasattr(model, "predict_proba"):
        return None
    proba = np.asarray(model.predict_proba(X_test), dtype=np.float64)
    out = np.zeros((proba.shape[0], n_classes))
    out[:, np.asarray(model.classes_, dtype=np.int64)] = proba
    return out.tolist()


def _fit(path: str, kind: str, task: MethodTask) -> MethodOutcome:
    """Select the classifier's setting by CV on the kernels' folds, refit, predict test."""
    from rntk_bench.svm import FALLBACK_RULE, cv_ties, grid_centre, select_best

    started, cpu = time.perf_counter(), time.process_time()
    cls = import_object(path)
    native = task.method.capabilities.native_lengths
    X, X_test = _inputs(kind, native, task.X_train, task.X_test, task.length)
    settings = [dict(s) for s in task.settings]
    try:
        rows = [_cv_row(cls, values, task, X) for values in settings]
        mean = np.array([[m] for m, _ in rows])
        fallback = cv_ties(mean)
        index = grid_centre(settings, (1.0,))[0] if fallback else select_best(mean, (1.0,))[0]
        select_seconds = time.perf_counter() - started
        estimator, resolved = _estimator(cls, settings[index], task)
        estimator.fit(X, task.y_train)
        refit_seconds = time.perf_counter() - started - select_seconds
        y_pred = np.asarray(estimator.predict(X_test), dtype=np.int64)
        probabilities = _probabilities(
            estimator, X_test, task.n_classes or int(task.y_train.max()) + 1
        )
    except InputError:
        raise
    except Exception as exc:  # a user's classifier: whatever it raises, one line
        raise InputError(
            f"{task.method.name} failed on {task.dataset} (resample {task.resample}): "
            f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
        ) from None
    predict_seconds = time.perf_counter() - started - select_seconds - refit_seconds
    cv_mean, cv_std = rows[index]
    missing = np.isnan(cv_mean)
    return MethodOutcome(
        dataset=task.dataset,
        resample=task.resample,
        method=task.method.name,
        selected={
            "setting": settings[index],
            "resolved": resolved,
            "C": None,
            "cv_accuracy": None if missing else cv_mean,
            "cv_std": None if missing else cv_std,
            "setting_index": index,
            "fallback": FALLBACK_RULE if fallback else None,
        },
        cv={
            "settings": settings,
            "c_grid": [],
            # One column: the mean CV accuracy of each setting over the kernels' folds.
            "mean": [[m] for m, _ in rows],
            "std": [[s] for _, s in rows],
            "scheme": task.cv_scheme,
        },
        y_pred=y_pred.tolist(),
        timing={
            "select": select_seconds,
            "refit": refit_seconds,
            "train": select_seconds + refit_seconds,
            "predict": predict_seconds,
            "total": time.perf_counter() - started,
            "cpu": time.process_time() - cpu,
        },
        probabilities=probabilities,
    )
