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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from rntk_bench.data import Dataset
from rntk_bench.evaluation.decision import class_probabilities, class_scores
from rntk_bench.evaluation.fallback import FALLBACK_RULE, cv_ties, grid_centre
from rntk_bench.evaluation.gram_cache import GramCache
from rntk_bench.evaluation.preprocessing import check_finite, normalise_gram, preprocess
from rntk_bench.evaluation.protocol import Protocol, TestTruncation
from rntk_bench.evaluation.splits import (
    Folds,
    apply_length_policy,
    resample_split,
    take,
    truncate_series,
)
from rntk_bench.evaluation.svm import CVScores, PrecomputedSVC, cv_scores_block, select_best
from rntk_bench.kernels import FAMILIES, KernelFamily

__all__ = [
    "BlockScores",
    "BlockTask",
    "FittedSVM",
    "KernelPlan",
    "Selection",
    "Split",
    "finalise",
    "fit_selected",
    "fixed_length_split",
    "kernel_plan",
    "make_split",
    "run_block",
    "score_grams",
    "score_table",
    "select",
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
    train_index, test_index = resample_split(
        data.y_train, data.y_test, resample, protocol.seed, labels=data.classes
    )
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


def _quiet_overflow(function: _F) -> _F:
    """Run without numpy's overflow warnings: check_finite reports overflows, in one line."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(over="ignore", invalid="ignore"):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@_quiet_overflow
def training_grams(
    family: KernelFamily,
    kernels: Sequence[str],
    X_train: Any,
    settings: Sequence[dict[str, Any]],
    length: int | None,
    backend_options: dict[str, Any],
    gram_cache: str | None,
) -> tuple[list[dict[str, np.ndarray]], list[str]]:
    """Training Gram sets of ``settings``, through the run's Gram cache when it has one.

    Returns
    -------
    grams : list of {kernel: ndarray of shape (n_train, n_train)}, one per setting
    warnings : list of str
        The cache's (damaged or unwritable files); empty without a cache.
    """

    def compute(missing: list[dict[str, Any]]) -> list[dict[str, np.ndarray]]:
        return list(
            family.compute(X_train, None, missing, fit_X=X_train, length=length, **backend_options)
        )

    if gram_cache is None:
        return compute(list(settings)), []
    cache = GramCache(gram_cache)
    dtype = str(backend_options.get("dtype", "float64"))
    grams = cache.grams(family.name, kernels, X_train, settings, length, dtype, compute)
    return grams, cache.warnings


def run_block(task: BlockTask) -> BlockScores:
    """Pure: Gram matrices of a block of settings and their CV accuracies."""
    started = time.perf_counter()
    grams, warnings = training_grams(
        FAMILIES[task.family],
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
        task.family,
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
        Instead of :func:`~rntk_bench.evaluation.svm.cv_scores_block` (same
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
    family = FAMILIES[task.family]
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
                what = (
                    f"{task.dataset.split('/')[0]}: the {kernel} training Gram matrix of {setting}"
                )
                check_finite(gram, what, _OVERFLOW_FIX)
                gram = normalise_gram(gram, task.normalisation, np.diag(gram).copy())
                check_finite(gram, f"{what}, normalised ({task.normalisation}),", _OVERFLOW_FIX)
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


@dataclass(frozen=True)
class Selection:
    """The (setting, C) chosen on a CV table (see :func:`select_best` for ties).

    Attributes
    ----------
    setting_index : int
        Row of the kernel's table (``plan_.settings``).
    kernel_setting : dict
        The kernel's parameters of that row.
    family_setting : dict
        A family setting that projects on it (what the family computes).
    C : float
    cv_accuracy, cv_std : float or None
        None when there was nothing to validate on.
    fallback : bool
        Every entry of the table tied, so the grid's centre was taken
        (:mod:`~rntk_bench.evaluation.fallback`), not a corner picked by the tie-break.
    """

    setting_index: int
    kernel_setting: dict[str, Any]
    family_setting: dict[str, Any]
    C: float
    cv_accuracy: float | None
    cv_std: float | None
    fallback: bool = False


def select(
    plan_: KernelPlan,
    family_settings: Sequence[dict[str, Any]],
    mean: np.ndarray,
    std: np.ndarray,
    c_grid: Sequence[float],
) -> Selection:
    """Pure: the best (setting, C) of one kernel's (n_settings, n_C) CV table."""
    fallback = cv_ties(mean)
    if fallback:  # CV cannot choose: the data-independent default, not a grid corner
        s_index, c_index = grid_centre(plan_.settings, c_grid)
    else:
        s_index, c_index = select_best(mean, c_grid)
    cv_accuracy = float(mean[s_index, c_index])
    missing = math.isnan(cv_accuracy)
    return Selection(
        setting_index=s_index,
        kernel_setting=plan_.settings[s_index],
        family_setting=family_settings[plan_.source.index(s_index)],
        C=float(c_grid[c_index]),
        cv_accuracy=None if missing else cv_accuracy,
        cv_std=None if missing else float(std[s_index, c_index]),
        fallback=fallback,
    )


@dataclass
class FittedSVM:
    """A C-SVM refit on a whole training split for one kernel setting.

    Built by :func:`fit_selected`; :meth:`decision` scores new series. The engine's
    test split and the public estimators both go through it.

    Attributes
    ----------
    family : KernelFamily
    kernel : str
    setting : dict
        The family setting computed.
    X_train : array or list of series
        Preprocessed training series (the columns of every Gram matrix).
    length : int or None
        Common length for fixed-length kernels (None: equal lengths).
    normalisation : str
    backend_options : dict
    train_diagonal : ndarray of shape (n_train,)
    model : PrecomputedSVC
    n_classes : int
    gram_seconds, svm_seconds : float
        Time to compute the training Gram matrix / to fit the SVM.
    """

    family: KernelFamily
    kernel: str
    setting: dict[str, Any]
    X_train: Any
    length: int | None
    normalisation: str
    backend_options: dict[str, Any]
    train_diagonal: np.ndarray
    model: PrecomputedSVC
    n_classes: int
    gram_seconds: float
    svm_seconds: float

    def gram(self, X: Any, length: int | None = None) -> np.ndarray:
        """Normalised (n_rows, n_train) Gram matrix of new series against the training ones.

        Parameters
        ----------
        X : array (n_rows, n_channels, n_timepoints) or list of (n_channels, t_i)
            Preprocessed like the training series.
        length : int, optional
            Overrides ``self.length`` (fixed-length kernels on series of other lengths).
        """
        length = self.length if length is None else length
        gram = next(
            self.family.compute(
                X,
                self.X_train,
                [self.setting],
                fit_X=self.X_train,
                length=length,
                **self.backend_options,
            )
        )[self.kernel]
        row_diagonal = None
        if self.normalisation == "cosine":
            row_diagonal = _diagonal(
                self.family,
                self.kernel,
                X,
                self.setting,
                self.X_train,
                length,
                self.backend_options,
            )
        with np.errstate(over="ignore", invalid="ignore"):  # check_finite reports them
            normalised = normalise_gram(gram, self.normalisation, self.train_diagonal, row_diagonal)
        check_finite(
            normalised,
            f"test x training the {self.kernel} Gram matrix of {self.setting}",
            _OVERFLOW_FIX,
        )
        return normalised

    def decision(self, gram: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Predicted codes, per-class scores and probabilities from a :meth:`gram` matrix.

        Returns
        -------
        y_pred : ndarray of shape (n_rows,), int class codes (LIBSVM's vote)
        scores : ndarray of shape (n_rows,) for two classes, else (n_rows, n_classes)
            :func:`rntk_bench.evaluation.decision.class_scores`.
        probabilities : ndarray of shape (n_rows, n_classes)
            :func:`rntk_bench.evaluation.decision.class_probabilities`.
        """
        y_pred = self.model.predict(gram)
        scores = class_scores(self.model.decision_function(gram), self.n_classes)
        return y_pred, scores, class_probabilities(scores, self.n_classes)


@_quiet_overflow
def fit_selected(
    family: KernelFamily,
    kernel: str,
    setting: dict[str, Any],
    C: float,
    X_train: Any,
    y_train: np.ndarray,
    length: int | None,
    normalisation: str,
    backend_options: dict[str, Any],
    n_classes: int | None = None,
    gram_cache: str | None = None,
) -> FittedSVM:
    """Pure: refit the C-SVM of one kernel setting on the whole training split.

    Parameters
    ----------
    family : KernelFamily
    kernel : str
    setting : dict
        A family setting.
    C : float
    X_train : array (n_train, n_channels, n_timepoints) or list of (n_channels, t_i)
        Preprocessed.
    y_train : ndarray of shape (n_train,), int class codes 0..n_classes-1
    length : int or None
    normalisation : {"none", "mean-diagonal", "cosine"}
    backend_options : dict
        backend, device, dtype, n_threads.
    n_classes : int, optional
        Number of classes of the data set (default: the codes seen in y_train).
    gram_cache : str, optional
        The run's Gram cache folder: the training Gram the selection computed is loaded
        from it rather than computed again (GAK on PLAID: 124 of 687 s).

    Returns
    -------
    FittedSVM
    """
    started = time.perf_counter()
    (gram_set,), _ = training_grams(
        family, (kernel,), X_train, (setting,), length, backend_options, gram_cache
    )
    train_gram = gram_set[kernel]
    train_diagonal = np.diag(train_gram).copy()
    train_norm = normalise_gram(train_gram, normalisation, train_diagonal)
    check_finite(train_norm, f"training the {kernel} Gram matrix of {setting}", _OVERFLOW_FIX)
    gram_seconds = time.perf_counter() - started
    started = time.perf_counter()
    model = PrecomputedSVC(C).fit(train_norm, y_train)
    return FittedSVM(
        family=family,
        kernel=kernel,
        setting=setting,
        X_train=X_train,
        length=length,
        normalisation=normalisation,
        backend_options=backend_options,
        train_diagonal=train_diagonal,
        model=model,
        n_classes=int(n_classes if n_classes is not None else len(np.unique(y_train))),
        gram_seconds=gram_seconds,
        svm_seconds=time.perf_counter() - started,
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
    n_classes: int | None = None,
    gram_cache: str | None = None,
) -> dict[str, Any]:
    """Pure: select (setting, C) on the CV table, refit, score the test split once.

    Parameters
    ----------
    n_classes : int, optional
        Classes of the data set (codes 0..n_classes-1), so that the scores and
        probabilities have a column for every class even if the training split lacks
        one; default: the classes of the training split.
    gram_cache : str, optional
        The run's Gram cache folder (see :func:`fit_selected`).

    Returns
    -------
    dict with keys selected, test, timing (parts of a :class:`Result`); timing's
    gram_test + svm_test = refit + predict. ``test`` holds
    y_true, y_pred (codes), ``scores`` (:func:`~rntk_bench.evaluation.decision.class_scores`)
    and ``probabilities`` (n_test lists of n_classes floats).
    """
    chosen = select(plan_, family_settings, mean, std, protocol.c_grid)
    if n_classes is None:
        n_classes = len(np.unique(split.y_train))
    fitted = fit_selected(
        family,
        plan_.kernel,
        chosen.family_setting,
        chosen.C,
        split.X_train,
        split.y_train,
        split.length,
        protocol.normalisation,
        backend_options,
        n_classes=len(np.unique(split.y_train)),
        gram_cache=gram_cache,
    )
    started = time.perf_counter()
    gram = fitted.gram(split.X_test)
    gram_seconds = time.perf_counter() - started
    started = time.perf_counter()
    y_pred, class_score, probabilities = fitted.decision(gram)
    svm_seconds = time.perf_counter() - started
    scores: list[Any] | None = class_score.tolist()
    # Columns for the classes the SVM saw -> columns for every class of the data set.
    seen = np.unique(split.y_train)
    if len(seen) < n_classes:
        full = np.zeros((len(y_pred), n_classes))
        full[:, seen] = probabilities
        probabilities = full
        scores = None  # no score for a class the SVM never saw
    resolved = {}
    if family.resolve is not None:
        resolved = family.resolve(chosen.family_setting, split.X_train, split.length)
    return {
        "selected": {
            "setting": chosen.kernel_setting,
            "resolved": resolved,
            "C": chosen.C,
            "cv_accuracy": chosen.cv_accuracy,
            "cv_std": chosen.cv_std,
            "setting_index": chosen.setting_index,
            "fallback": FALLBACK_RULE if chosen.fallback else None,
        },
        "test": {
            "accuracy": float(np.mean(y_pred == split.y_test)),
            "n_test": len(split.y_test),
            "y_true": split.y_test.tolist(),
            "y_pred": y_pred.tolist(),
            "scores": scores,
            "probabilities": probabilities.tolist(),
        },
        "timing": {
            # the refit's training Gram counts as test-phase kernel work, as before
            "gram_test": fitted.gram_seconds + gram_seconds,
            "svm_test": fitted.svm_seconds + svm_seconds,
            "refit": fitted.gram_seconds + fitted.svm_seconds,
            "predict": gram_seconds + svm_seconds,
        },
    }
