"""The worker's stage: training Gram matrices of a block of settings and their CV tables.

A *task* (:class:`BlockTask`) is one (split, kernel family, block of grid settings): one
training Gram matrix per setting, shared by every C value, every fold and the sibling
kernels of the family, turned into cross-validation accuracies (:func:`run_block`).
Pure: nothing here reads or writes result files. :func:`rntk_bench.evaluate` runs the
blocks of a split in turn; ``rntk-bench run`` hands them to its workers and checkpoints
each block's scores.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from rntk_bench.evaluation.gram_cache import GramCache
from rntk_bench.evaluation.preprocessing import check_finite, check_gram, normalise_gram
from rntk_bench.evaluation.splits import OVERFLOW_FIX, Folds
from rntk_bench.methods.base import KernelFamily, Setting
from rntk_bench.svm import CVScores, cv_scores_block

__all__ = [
    "BlockScores",
    "BlockTask",
    "KernelPlan",
    "kernel_plan",
    "quiet_overflow",
    "run_block",
    "score_grams",
    "score_table",
    "training_grams",
]


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


def kernel_plan(family: KernelFamily, kernel: str, settings: Sequence[Setting]) -> KernelPlan:
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
    family: KernelFamily
    kernels: tuple[str, ...]
    block: int
    settings: tuple[Setting, ...]
    X_train: Any
    y_train: np.ndarray
    folds: Folds
    length: int | None
    c_grid: tuple[float, ...]
    normalisation: str
    backend_options: dict[str, Any]
    gram_cache: str | None
    prune: bool = True
    solver: str = "numba"  # the SVM solver of the CV (svm.cv_scores_block)
    # kernel -> the best complete mean CV accuracy of the unit's finished blocks, where
    # known when the task was handed out: pruning starts from it (cv_scores_block).
    floor: Mapping[str, float] = field(default_factory=dict)


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
    pruned: dict[str, int] = field(default_factory=dict)


_F = TypeVar("_F", bound=Callable[..., Any])


def quiet_overflow(function: _F) -> _F:
    """Run without numpy's overflow warnings: check_finite reports overflows, in one line."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(over="ignore", invalid="ignore"):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@quiet_overflow
def training_grams(
    family: KernelFamily,
    kernels: Sequence[str],
    X_train: Any,
    settings: Sequence[Setting],
    length: int | None,
    backend_options: Mapping[str, Any],
    gram_cache: str | None,
) -> tuple[list[dict[str, np.ndarray]], list[str]]:
    """Training Gram sets of ``settings``, through the run's Gram cache when it has one.

    Returns
    -------
    grams : list of {kernel: ndarray of shape (n_train, n_train)}, one per setting
    warnings : list of str
        The cache's (damaged or unwritable files); empty without a cache.
    """

    def compute(missing: Sequence[int]) -> list[dict[str, np.ndarray]]:
        wanted = [settings[i] for i in missing]
        return list(
            family.compute(X_train, None, wanted, fit_X=X_train, length=length, **backend_options)
        )

    if gram_cache is None:
        return compute(range(len(settings))), []
    cache = GramCache(gram_cache)
    dtype = str(backend_options.get("dtype", "float64"))
    values = [s.values for s in settings]
    grams = cache.grams(family.cache_name, kernels, X_train, values, length, dtype, compute)
    return grams, cache.warnings


def run_block(task: BlockTask) -> BlockScores:
    """Pure: Gram matrices of a block of settings and their CV accuracies."""
    started = time.perf_counter()
    grams, warnings = training_grams(
        task.family,
        task.kernels,
        task.X_train,
        task.settings,
        task.length,
        task.backend_options,
        task.gram_cache,
    )
    gram_seconds = time.perf_counter() - started
    started = time.perf_counter()
    mean, std, capped, pruned = score_grams(task, grams, release=True)
    return BlockScores(
        task.dataset,
        task.resample,
        task.family.name,
        task.block,
        mean,
        std,
        gram_seconds,
        time.perf_counter() - started,
        capped,
        warnings,
        pruned,
    )


def score_grams(
    task: BlockTask,
    grams: list[dict[str, np.ndarray]],
    *,
    release: bool = False,
    scorer: Callable[..., list[CVScores]] | None = None,
) -> tuple[
    dict[str, list[list[float]]], dict[str, list[list[float]]], dict[str, int], dict[str, int]
]:
    """CV tables of a block's Gram matrices (the selection half of :func:`run_block`).

    Parameters
    ----------
    task : BlockTask
    grams : list of dict
        Per setting of ``task.settings``, kernel name -> training Gram matrix of shape
        (n_train, n_train), not normalised.
    release : bool, default False
        Drop each raw matrix from ``grams`` once normalised (saves one copy per block).
    scorer : callable, optional
        Instead of :func:`~rntk_bench.svm.cv_scores_block` (same
        signature): the benchmark passes the plain loop to time it side by side.

    Returns
    -------
    mean, std : dict of kernel -> list (per setting) of list (per C) of float
    capped, pruned : dict of kernel -> int
        Fits stopped at MAX_ITER; cells left NaN by pruning.
    """
    mean: dict[str, list[list[float]]] = {k: [] for k in task.kernels}
    std: dict[str, list[list[float]]] = {k: [] for k in task.kernels}
    capped = dict.fromkeys(task.kernels, 0)
    family = task.family
    # A kernel that ignores some family parameters (NNGP: fix_first) sees the same
    # setting several times; only its first occurrence is ever used (score_table), so
    # its scores are computed once and repeated. Cells that can no longer be selected
    # are pruned within the block (cv_scores_block), unless task.prune is False.
    pruned = dict.fromkeys(task.kernels, 0)
    for kernel in task.kernels:
        distinct: dict[str, int] = {}  # projection -> position among the distinct Grams
        rows: list[int] = []
        normalised: list[np.ndarray] = []
        for setting, gram_set in zip(task.settings, grams, strict=True):
            key = json.dumps(family.projection(kernel, setting), sort_keys=True)
            if key not in distinct:
                gram = gram_set[kernel]
                # task.dataset is the unit's key, "<data set>/<unit id>"
                where = task.dataset.split("/")[0]
                what = f"{where}: the {kernel} training Gram matrix of {setting.values}"
                check_finite(gram, what, OVERFLOW_FIX)
                diagonal = np.diag(gram).copy()
                gram = normalise_gram(gram, task.normalisation, diagonal)
                check_finite(gram, f"{what}, normalised ({task.normalisation}),", OVERFLOW_FIX)
                check_gram(gram, diagonal, task.X_train, what)
                distinct[key] = len(normalised)
                normalised.append(gram)
                if release:  # the raw matrix is not needed again: one copy per block
                    del gram_set[kernel]
            rows.append(distinct[key])
        scores = (scorer or cv_scores_block)(
            normalised,
            task.y_train,
            task.folds,
            task.c_grid,
            prune=task.prune,
            solver=task.solver,
            floor=task.floor.get(kernel, -np.inf),
        )
        for row in rows:
            mean[kernel].append(scores[row].mean.tolist())
            std[kernel].append(scores[row].std.tolist())
        capped[kernel] = sum(s.capped for s in scores)
        pruned[kernel] = sum(s.pruned for s in scores)
    return mean, std, capped, pruned


def score_table(
    plan_: KernelPlan, blocks: Sequence[BlockScores], n_c: int
) -> tuple[np.ndarray, np.ndarray]:
    """One kernel's CV table from its family's task scores.

    Parameters
    ----------
    plan_ : KernelPlan
    blocks : sequence of BlockScores
        Every block of the family's settings, in block order.
    n_c : int
        Length of the C grid.

    Returns
    -------
    mean, std : ndarray of shape (len(plan_.settings), n_c)
        Rows are the kernel's distinct settings (first occurrence in the family grid).
    """
    mean_rows = [row for b in blocks for row in b.mean[plan_.kernel]]
    std_rows = [row for b in blocks for row in b.std[plan_.kernel]]
    mean = np.full((len(plan_.settings), n_c), np.nan)
    std = np.full_like(mean, np.nan)
    for family_index, kernel_index in enumerate(plan_.source):
        if np.isnan(mean[kernel_index]).all():
            mean[kernel_index] = mean_rows[family_index]
            std[kernel_index] = std_rows[family_index]
    return mean, std
