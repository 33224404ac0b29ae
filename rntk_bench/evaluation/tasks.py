"""The pure parts of an experiment: splits, tasks, CV scores, selection and scoring.

Nothing here reads or writes files: :mod:`.experiment` plans the tasks, runs them
through :mod:`.parallel`, checkpoints their scores and writes the result files.

A *task* (:class:`BlockTask`) is one (data set, resample, kernel family, block of grid
settings): one training Gram matrix per setting, shared by every C value, every fold
and the sibling kernels of the family, turned into cross-validation accuracies
(:func:`run_block`). :func:`finalise` then selects the best (setting, C) of a kernel
on the whole CV table, refits it on the training split and scores the test split once,
with a test x train Gram matrix for that setting only.
"""

from __future__ import annotations

import functools
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from rntk_bench.data import Dataset
from rntk_bench.evaluation.gram_cache import GramCache
from rntk_bench.evaluation.protocol import (
    Folds,
    Protocol,
    TestTruncation,
    apply_length_policy,
    check_finite,
    normalise_gram,
    preprocess,
    resample_split,
    take,
    truncate_series,
)
from rntk_bench.evaluation.svm import PrecomputedSVC, cv_scores, select_best
from rntk_bench.kernels import FAMILIES, KernelFamily

__all__ = [
    "BlockScores",
    "BlockTask",
    "KernelPlan",
    "Split",
    "finalise",
    "fixed_length_split",
    "kernel_plan",
    "make_split",
    "run_block",
]


@dataclass(frozen=True)
class Split:
    """One train/test split of a data set, preprocessed.

    Attributes
    ----------
    X_train, X_test : arrays (n, n_channels, n_timepoints) or lists of (n_channels, t_i)
    y_train, y_test : ndarray of int class codes
    length : int or None
        Common length for fixed-length kernels (None: the data are equal-length).
    """

    X_train: Any
    y_train: np.ndarray
    X_test: Any
    y_test: np.ndarray
    length: int | None


_OVERFLOW_FIX = (
    "Scale the inputs (--preprocessing maxnorm or znorm) or drop the grid values that "
    "make the kernel overflow."
)


def make_split(
    data: Dataset,
    resample: int,
    protocol: Protocol,
    truncation: TestTruncation | None = None,
) -> Split:
    """The preprocessed split of ``data`` for ``resample`` (0: official).

    ``truncation`` cuts every test series (before preprocessing, as a shorter series
    would arrive) while the training series stay whole; the split is then of
    variable length and ``length`` is its longest series.

    Raises
    ------
    NumericalError
        When the preprocessing leaves a non-finite value.
    """
    train_index, test_index = resample_split(data.y_train, data.y_test, resample, protocol.seed)
    if isinstance(data.X_train, list):
        X_all: Any = list(data.X_train) + list(data.X_test)
    else:
        X_all = np.concatenate([data.X_train, data.X_test])
    y_all = np.concatenate([data.y_train, data.y_test])
    X_train, X_test = take(X_all, train_index), take(X_all, test_index)
    if truncation is not None:
        X_test = truncate_series(X_test, truncation, data.info.name)
        if not isinstance(X_train, list):
            X_train = list(X_train)
    X_train, X_test = preprocess(X_train, X_test, protocol.preprocessing)
    length: int | None = None
    if isinstance(X_train, list):
        length = max(s.shape[-1] for s in [*X_train, *X_test])
    what = f"{data.info.name} after preprocessing ({protocol.preprocessing})"
    check_finite(X_train, f"{what}, training split,", _OVERFLOW_FIX)
    check_finite(X_test, f"{what}, test split,", _OVERFLOW_FIX)
    return Split(X_train, y_all[train_index], X_test, y_all[test_index], length)


def fixed_length_split(split: Split, policy: str) -> Split:
    """The split as a fixed-length kernel sees it under a length ``policy``.

    See :func:`~rntk_bench.evaluation.protocol.apply_length_policy`; equal-length
    splits and "resample" come back unchanged (the kernels resample to ``length``).
    """
    if split.length is None or policy == "resample":
        return split
    X_train, X_test, length = apply_length_policy(split.X_train, split.X_test, policy)
    return Split(X_train, split.y_train, X_test, split.y_test, length)


@dataclass(frozen=True)
class KernelPlan:
    """The distinct settings of one kernel within its family's grid.

    Attributes
    ----------
    kernel : str
    settings : list of dict
        Distinct projections of the family settings on the kernel's parameters.
    source : list of int
        For each family setting, the index of its projection in ``settings``.
    """

    kernel: str
    settings: list[dict[str, Any]]
    source: list[int]


def kernel_plan(
    family: KernelFamily, kernel: str, settings: Sequence[dict[str, Any]]
) -> KernelPlan:
    """Group a family's settings by what ``kernel`` depends on (e.g. NNGP ignores fix_first)."""
    distinct: dict[str, int] = {}
    projected: list[dict[str, Any]] = []
    source = []
    for setting in settings:
        projection = family.projection(kernel, setting)
        key = json.dumps(projection, sort_keys=True)
        if key not in distinct:
            distinct[key] = len(projected)
            projected.append(projection)
        source.append(distinct[key])
    return KernelPlan(kernel, projected, source)


@dataclass(frozen=True)
class BlockTask:
    """A task: CV accuracies of a block of one family's settings on one split."""

    dataset: str
    resample: int
    family: str
    kernels: tuple[str, ...]
    block: int
    settings: tuple[dict[str, Any], ...]
    X_train: Any
    y_train: np.ndarray
    folds: Folds
    length: int | None
    c_grid: tuple[float, ...]
    normalisation: str
    backend_options: dict[str, Any]
    gram_cache: str | None


@dataclass(frozen=True)
class BlockScores:
    """What a task returns: per kernel, per setting of the block, CV mean/std per C."""

    dataset: str
    resample: int
    family: str
    block: int
    mean: dict[str, list[list[float]]]
    std: dict[str, list[list[float]]]
    gram_seconds: float
    svm_seconds: float
    capped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


_F = TypeVar("_F", bound=Callable[..., Any])


def _quiet_overflow(function: _F) -> _F:
    """Run without numpy's overflow warnings: check_finite reports overflows, in one line."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(over="ignore", invalid="ignore"):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@_quiet_overflow
def _compute_grams(
    family: str,
    X: Any,
    Y: Any,
    settings: Sequence[dict[str, Any]],
    fit_X: Any,
    length: int | None,
    dtype: str,
    backend: str,
    device: str,
    n_threads: int | None,
) -> list[dict[str, np.ndarray]]:
    return list(
        FAMILIES[family].compute(
            X,
            Y,
            settings,
            fit_X=fit_X,
            length=length,
            dtype=dtype,
            backend=backend,
            device=device,
            n_threads=n_threads,
        )
    )


def run_block(task: BlockTask) -> BlockScores:
    """Pure: Gram matrices of a block of settings and their CV accuracies."""
    started = time.perf_counter()
    warnings: list[str] = []

    def compute(settings: list[dict[str, Any]]) -> list[dict[str, np.ndarray]]:
        return _compute_grams(
            task.family,
            task.X_train,
            None,
            settings,
            task.X_train,
            task.length,
            **task.backend_options,
        )

    if task.gram_cache is None:
        grams = compute(list(task.settings))
    else:
        cache = GramCache(task.gram_cache)
        grams = cache.grams(
            task.family,
            task.kernels,
            task.X_train,
            task.settings,
            task.length,
            task.backend_options.get("dtype", "float64"),
            compute,
        )
        warnings = cache.warnings
    gram_seconds = time.perf_counter() - started
    mean: dict[str, list[list[float]]] = {k: [] for k in task.kernels}
    std: dict[str, list[list[float]]] = {k: [] for k in task.kernels}
    capped = dict.fromkeys(task.kernels, 0)
    started = time.perf_counter()
    for setting, gram_set in zip(task.settings, grams, strict=True):
        for kernel in task.kernels:
            gram = gram_set[kernel]
            # task.dataset is the unit's key, "<data set>/<unit id>"
            what = f"{task.dataset.split('/')[0]}: the {kernel} training Gram matrix of {setting}"
            check_finite(gram, what, _OVERFLOW_FIX)
            gram = normalise_gram(gram, task.normalisation, np.diag(gram).copy())
            check_finite(gram, f"{what}, normalised ({task.normalisation}),", _OVERFLOW_FIX)
            scores = cv_scores(gram, task.y_train, task.folds, task.c_grid)
            mean[kernel].append(scores.mean.tolist())
            std[kernel].append(scores.std.tolist())
            capped[kernel] += scores.capped
    return BlockScores(
        task.dataset,
        task.resample,
        task.family,
        task.block,
        mean,
        std,
        gram_seconds,
        time.perf_counter() - started,
        capped,
        warnings,
    )


def _diagonal(
    family: KernelFamily,
    kernel: str,
    X: Any,
    setting: dict[str, Any],
    fit_X: Any,
    length: int | None,
    backend_options: dict[str, Any],
) -> np.ndarray:
    """k(x, x) of every series of X (one 1 x 1 Gram per series)."""
    rows = X if isinstance(X, list) else list(X)
    return np.array(
        [
            next(
                family.compute([x], None, [setting], fit_X=fit_X, length=length, **backend_options)
            )[kernel][0, 0]
            for x in rows
        ]
    )


@_quiet_overflow
def finalise(
    family: KernelFamily,
    plan_: KernelPlan,
    family_settings: Sequence[dict[str, Any]],
    mean: np.ndarray,
    std: np.ndarray,
    split: Split,
    protocol: Protocol,
    backend_options: dict[str, Any],
) -> dict[str, Any]:
    """Pure: select (setting, C) on the CV table, refit, score the test split once.

    Returns
    -------
    dict with keys selected, test, timing (parts of a :class:`Result`).
    """
    s_index, c_index = select_best(mean, protocol.c_grid)
    kernel_setting = plan_.settings[s_index]
    setting = family_settings[plan_.source.index(s_index)]
    C = protocol.c_grid[c_index]
    started = time.perf_counter()
    train_gram = next(
        family.compute(
            split.X_train,
            None,
            [setting],
            fit_X=split.X_train,
            length=split.length,
            **backend_options,
        )
    )[plan_.kernel]
    test_gram = next(
        family.compute(
            split.X_test,
            split.X_train,
            [setting],
            fit_X=split.X_train,
            length=split.length,
            **backend_options,
        )
    )[plan_.kernel]
    train_diag = np.diag(train_gram).copy()
    test_diag = None
    if protocol.normalisation == "cosine":
        test_diag = _diagonal(
            family,
            plan_.kernel,
            split.X_test,
            setting,
            split.X_train,
            split.length,
            backend_options,
        )
    gram_seconds = time.perf_counter() - started
    train_norm = normalise_gram(train_gram, protocol.normalisation, train_diag)
    test_norm = normalise_gram(test_gram, protocol.normalisation, train_diag, test_diag)
    what = f"the {plan_.kernel} Gram matrix of {kernel_setting}"
    check_finite(train_norm, f"training {what}", _OVERFLOW_FIX)
    check_finite(test_norm, f"test x training {what}", _OVERFLOW_FIX)
    started = time.perf_counter()
    model = PrecomputedSVC(C).fit(train_norm, split.y_train)
    y_pred = model.predict(test_norm)
    svm_seconds = time.perf_counter() - started
    resolved = {}
    if family.resolve is not None:
        resolved = family.resolve(setting, split.X_train, split.length)
    cv_accuracy = float(mean[s_index, c_index])
    return {
        "selected": {
            "setting": kernel_setting,
            "resolved": resolved,
            "C": C,
            "cv_accuracy": None if math.isnan(cv_accuracy) else cv_accuracy,
            "cv_std": None if math.isnan(cv_accuracy) else float(std[s_index, c_index]),
            "setting_index": s_index,
        },
        "test": {
            "accuracy": float(np.mean(y_pred == split.y_test)),
            "n_test": len(split.y_test),
            "y_true": split.y_test.tolist(),
            "y_pred": y_pred.tolist(),
        },
        "timing": {"gram_test": gram_seconds, "svm_test": svm_seconds},
    }
