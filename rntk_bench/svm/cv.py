"""Cross-validation scores of a C-SVM on precomputed Gram matrices, with pruning.

:func:`cv_scores` is the fast path of selection (docs/SELECTION.md): per-fold work
done once, LIBSVM's one-vs-one vote replayed exactly in compiled code, and the
C-path shortcut; by default its fits run LIBSVM's solver replicated step for step in
numba (:mod:`._csvc`, the same models bit for bit), with ``solver="libsvm"`` they go
through the binding. :func:`cv_scores_block` scores the Gram matrices of one kernel
together and skips the cells that can no longer be selected.
:func:`reference_cv_scores` is the plain loop they are tested and benchmarked
against, one :class:`~.libsvm.PrecomputedSVC` per fold and C. Every fit takes its
options (tolerance, iteration cap, ...) from :data:`.libsvm.OPTIONS`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numba as nb
import numpy as np

from rntk_bench._validation import check_choice
from rntk_bench.svm import libsvm
from rntk_bench.svm._csvc import fold_accuracies
from rntk_bench.svm.libsvm import PrecomputedSVC

__all__ = [
    "SOLVERS",
    "CVScores",
    "FoldSplits",
    "cv_scores",
    "cv_scores_block",
    "reference_cv_scores",
]

#: SVM solvers of the cross-validation: LIBSVM's solver compiled (:mod:`._csvc`) or the
#: scikit-learn binding; the same models bit for bit.
SOLVERS = ("numba", "libsvm")


class FoldSplits(Protocol):
    """What cross-validation reads of :class:`rntk_bench.evaluation.splits.Folds`."""

    @property
    def splits(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(train_index, validation_index) of every fold."""


@dataclass(frozen=True)
class CVScores:
    """Cross-validation accuracy of every C for one Gram matrix.

    Attributes
    ----------
    mean, std : ndarray of shape (n_C,)
        Mean and standard deviation over folds (NaN where there are no folds, and
        for C values pruned by :func:`cv_scores_block`).
    capped : int
        Fits that stopped at MAX_ITER iterations.
    fits : int
        LIBSVM fits run (fewer than folds x C values where the C path skipped some).
    pruned : int
        C values left unscored because they could no longer be selected.
    """

    mean: np.ndarray
    std: np.ndarray
    capped: int = 0
    fits: int = 0
    pruned: int = 0


@dataclass(frozen=True)
class _Fold:
    """What every fit of one fold needs, made once per fold (not per Gram or C).

    Attributes
    ----------
    index : int
        Position of the fold in ``Folds.splits``.
    train, valid : ndarray of shape (n_train,), (n_valid,), int64
    classes : ndarray
        The training labels present, sorted.
    codes : ndarray of shape (n_train,), int64
        Training labels as positions in ``classes``.
    target : ndarray of shape (n_valid,), int64
        Validation labels as positions in ``classes`` (-1: a class absent from training).
    """

    index: int
    train: np.ndarray
    valid: np.ndarray
    classes: np.ndarray
    codes: np.ndarray
    target: np.ndarray


def _fold(y: np.ndarray, split: tuple[np.ndarray, np.ndarray], index: int) -> _Fold:
    train, valid = (np.asarray(rows, dtype=np.int64) for rows in split)
    classes, codes = np.unique(y[train], return_inverse=True)
    position = np.searchsorted(classes, y[valid]).clip(0, len(classes) - 1)
    target = np.where(classes[position] == y[valid], position, -1).astype(np.int64)
    return _Fold(index, train, valid, classes, codes.astype(np.int64), target)


def _score_fold(
    gram: np.ndarray,
    fold: _Fold,
    y: np.ndarray,
    c_grid: Sequence[float] | np.ndarray,
    wanted: np.ndarray,
    c_path: bool,
    out: np.ndarray,
    solver: str = "numba",
    ascending: np.ndarray | None = None,
) -> tuple[int, int]:
    """Validation accuracy of one fold for the wanted C values, written into ``out``.

    Parameters
    ----------
    gram : ndarray of shape (n_train, n_train), float64, C-contiguous
    fold : _Fold
    y : ndarray of shape (n_train,)
    c_grid : sequence of float
    wanted : ndarray of shape (n_C,), bool
        The C values to score; the others are left as they are in ``out``.
    c_path : bool
        Use the C-path shortcut (see :func:`cv_scores`).
    out : ndarray of shape (n_C,)
    solver : {"numba", "libsvm"}
        LIBSVM's algorithm replicated in compiled code (:mod:`._csvc`), or LIBSVM
        itself through scikit-learn's binding; both give the same accuracies.
    ascending : ndarray of shape (n_C,), int, optional
        ``np.argsort(c_grid, kind="stable")``, when the caller has it already.

    Returns
    -------
    capped, fits : int
    """
    if len(fold.classes) == 1:  # LIBSVM refuses one class; the prediction is that class
        out[wanted] = np.mean(y[fold.valid] == fold.classes[0])
        return 0, 0
    c_values = np.asarray(c_grid, dtype=float)
    if ascending is None:
        ascending = np.argsort(c_values, kind="stable")
    order = ascending[wanted[ascending]]  # the wanted C values, smaller C first
    options = libsvm.OPTIONS
    if solver != "numba":
        return _score_fold_binding(gram, fold, c_grid, order, c_path, out)
    accuracies = np.empty(len(order))
    fits, capped = fold_accuracies(
        gram,
        fold.train,
        fold.valid,
        fold.codes,
        len(fold.classes),
        fold.target,
        c_values[order],
        options.tol,
        options.max_iter,
        c_path,
        True,
        accuracies,
    )
    out[order] = accuracies
    return capped, fits


def _score_fold_binding(
    gram: np.ndarray,
    fold: _Fold,
    c_grid: Sequence[float] | np.ndarray,
    order: np.ndarray,
    c_path: bool,
    out: np.ndarray,
) -> tuple[int, int]:
    """:func:`_score_fold` through scikit-learn's LIBSVM binding, C values in ``order``."""
    k_train = np.ascontiguousarray(gram[np.ix_(fold.train, fold.train)])
    k_valid = np.ascontiguousarray(gram[np.ix_(fold.valid, fold.train)])
    labels = fold.codes.astype(np.float64)
    weights = np.ones(len(fold.train))  # SVC's default, made once per fold instead of per fit
    unbounded: float | None = None  # the accuracy of the first fit free of its bounds
    capped = fits = 0
    for c in order:  # smaller C first
        if unbounded is not None:
            out[c] = unbounded
            continue
        C = float(c_grid[c])
        support, _, n_class_sv, sv_coef, intercept, _, _, _, n_iter = libsvm.fit_binding(
            k_train, labels, C, sample_weight=weights
        )
        fits += 1
        stopped = libsvm.OPTIONS.capped(n_iter)
        capped += stopped
        accuracy = _ovo_accuracy(
            k_valid, support, n_class_sv.astype(np.int64), sv_coef, intercept, fold.target
        )
        out[c] = accuracy
        if c_path and not stopped and (sv_coef.size == 0 or np.max(np.abs(sv_coef)) < C):
            unbounded = accuracy
    return capped, fits


def cv_scores(
    gram: np.ndarray,
    y: np.ndarray,
    folds: FoldSplits,
    c_grid: Sequence[float],
    *,
    c_path: bool = True,
    solver: str = "numba",
) -> CVScores:
    """Cross-validated accuracy of a C-SVM for every C on one training Gram matrix.

    The fast path (LIBSVM reached directly) gives the same fold accuracies as
    :func:`reference_cv_scores`, the plain loop over folds and C values, with less work
    around each fit (see docs/SELECTION.md):

    - the fold's Gram blocks, class codes and validation targets are made once per
      fold, not once per C;
    - predictions are LIBSVM's one-vs-one vote, replayed in the same order of
      floating-point operations (:func:`_ovo_accuracy`), for all validation rows in
      one compiled call;
    - the C path (``c_path``): C values are visited in increasing order; once a fit
      ends with every multiplier of every one-vs-one sub-problem strictly below its
      bound (max |dual coefficient| < C), that solution satisfies the optimality
      conditions for every larger C as well, so those fits are skipped and the fold
      accuracy copied. A fit stopped at MAX_ITER never starts the shortcut.

    Parameters
    ----------
    gram : ndarray of shape (n_train, n_train)
        Normalised training Gram matrix.
    y : ndarray of shape (n_train,)
    folds : FoldSplits
        :class:`rntk_bench.evaluation.splits.Folds`, or anything with its ``splits``.
    c_grid : sequence of float
    c_path : bool, default True
        Use the C-path shortcut.
    solver : {"numba", "libsvm"}, default "numba"
        LIBSVM's solver replicated in compiled code (:mod:`._csvc`, the same
        multipliers bit for bit, about twice as fast on these small problems) or
        LIBSVM through scikit-learn's private binding.

    Returns
    -------
    CVScores
    """
    return cv_scores_block([gram], y, folds, c_grid, c_path=c_path, prune=False, solver=solver)[0]


def cv_scores_block(
    grams: Sequence[np.ndarray],
    y: np.ndarray,
    folds: FoldSplits,
    c_grid: Sequence[float],
    *,
    c_path: bool = True,
    prune: bool = True,
    floor: float = -np.inf,
    solver: str = "numba",
) -> list[CVScores]:
    """:func:`cv_scores` of several Gram matrices of one kernel, skipping hopeless cells.

    Pruning (``prune``) leaves out the folds of a (Gram, C) cell once it can no longer
    be selected, which changes no selected setting, C or CV accuracy of a selected
    cell (docs/SELECTION.md, "Pruning"). A cell's mean over F folds is at most
    ``(sum of its scored folds + number of unscored folds) / F``; when that bound is
    below the best complete mean seen so far minus 1e-9 (far outside
    :func:`~.select.select_best`'s 1e-12 tie band), no cell it could tie with is lost and
    the cell cannot win, so its remaining folds are skipped and its mean and std
    are NaN. To find a high bar early, every matrix is scored on the first fold, and
    the rest are completed in decreasing order of their best first-fold accuracy;
    ``floor`` starts the bar at a complete mean already known for the same table
    (another block of the kernel's settings on the same folds).

    Parameters
    ----------
    grams : sequence of ndarray of shape (n_train, n_train)
        Normalised training Gram matrices of one kernel (one per setting).
    y : ndarray of shape (n_train,)
    folds : FoldSplits
    c_grid : sequence of float
    c_path : bool, default True
    prune : bool, default True
        False: score every fold of every cell (the complete CV table).
    floor : float, default -inf
        A complete mean CV accuracy of another cell of the same kernel's table on the
        same folds and C grid (only then is pruning against it exact).
    solver : {"numba", "libsvm"}, default "numba"
        As for :func:`cv_scores`.

    Returns
    -------
    list of CVScores
        One per Gram matrix, in input order; mean and std are exactly those of
        :func:`cv_scores` wherever they are not NaN from pruning.
    """
    n_c = len(c_grid)
    check_choice(solver, "solver", SOLVERS)
    if solver == "libsvm":
        if libsvm.binding() is None:  # pragma: no cover - depends on the scikit-learn version
            return [reference_cv_scores(g, y, folds, c_grid) for g in grams]
        libsvm.binding().set_verbosity_wrap(0)  # LIBSVM prints its progress otherwise
    if not folds.splits:
        return [CVScores(np.full(n_c, np.nan), np.full(n_c, np.nan)) for _ in grams]
    y = np.asarray(y)
    grams = [np.ascontiguousarray(g, dtype=np.float64) for g in grams]
    fold_data = [_fold(y, split, f) for f, split in enumerate(folds.splits)]
    c_values = np.asarray(c_grid, dtype=float)
    ascending = np.argsort(c_values, kind="stable")
    n_folds = len(folds.splits)
    scores = [np.full((n_c, n_folds), np.nan) for _ in grams]
    capped = [0] * len(grams)
    fits = [0] * len(grams)
    everything = np.ones(n_c, dtype=bool)

    def score(g: int, f: int, wanted: np.ndarray) -> None:
        out = np.full(n_c, np.nan)
        c, n = _score_fold(
            grams[g], fold_data[f], y, c_values, wanted, c_path, out, solver, ascending
        )
        scores[g][wanted, f] = out[wanted]
        capped[g] += c
        fits[g] += n

    if not prune:
        for g in range(len(grams)):
            for f in range(n_folds):
                score(g, f, everything)
    else:
        _score_pruned(score, scores, everything, floor)
    out = []
    for g, table in enumerate(scores):
        # mean/std over the full (n_C, F) table: the same reduction as without pruning,
        # NaN in every row that has an unscored fold.
        pruned = int(np.isnan(table).any(axis=1).sum())
        out.append(CVScores(table.mean(axis=1), table.std(axis=1), capped[g], fits[g], pruned))
    return out


def _score_pruned(
    score: Callable[[int, int, np.ndarray], None],
    scores: list[np.ndarray],
    everything: np.ndarray,
    floor: float,
) -> None:
    """The pruning order of :func:`cv_scores_block`: ``score(g, f, wanted)`` fills ``scores``.

    Every matrix on the first fold, then each in decreasing order of its best first-fold
    accuracy, fold by fold, the C values whose bound can still reach the bar.
    """
    n_folds = scores[0].shape[1] if scores else 0
    for g in range(len(scores)):
        score(g, 0, everything)
    first = [float(np.max(np.nan_to_num(s[:, 0], nan=-1.0))) for s in scores]
    bar = floor  # the best complete mean so far
    for g in sorted(range(len(scores)), key=lambda i: -first[i]):  # stable: ties in order
        for f in range(1, n_folds):
            bound = (np.sum(scores[g][:, :f], axis=1) + (n_folds - f)) / n_folds
            alive = ~np.isnan(scores[g][:, f - 1]) & (bound >= bar - 1e-9)
            if not alive.any():
                break
            score(g, f, alive)
        complete = ~np.isnan(scores[g]).any(axis=1)
        if complete.any():
            bar = max(bar, float(np.max(scores[g][complete].mean(axis=1))))


def reference_cv_scores(
    gram: np.ndarray, y: np.ndarray, folds: FoldSplits, c_grid: Sequence[float]
) -> CVScores:
    """:func:`cv_scores` the plain way: one :class:`PrecomputedSVC` fit per fold and C.

    Kept as the reference the fast path is tested and benchmarked against.
    """
    n_c = len(c_grid)
    if not folds.splits:
        return CVScores(np.full(n_c, np.nan), np.full(n_c, np.nan))
    scores = np.empty((n_c, len(folds.splits)))
    capped = 0
    for f, (train, valid) in enumerate(folds.splits):
        k_train = np.ascontiguousarray(gram[np.ix_(train, train)])
        k_valid = np.ascontiguousarray(gram[np.ix_(valid, train)])
        for c, C in enumerate(c_grid):
            model = PrecomputedSVC(C).fit(k_train, y[train])
            capped += model.capped
            scores[c, f] = np.mean(model.predict(k_valid) == y[valid])
    return CVScores(scores.mean(axis=1), scores.std(axis=1), capped, n_c * len(folds.splits))


@nb.njit(cache=True, nogil=True)
def _ovo_accuracy(
    k_valid: np.ndarray,
    support: np.ndarray,
    n_class_sv: np.ndarray,
    sv_coef: np.ndarray,
    intercept: np.ndarray,
    target: np.ndarray,
) -> float:
    """Share of rows whose LIBSVM one-vs-one prediction equals ``target``.

    LIBSVM's ``svm_predict_values`` for a precomputed kernel, step for step: the
    same sums in the same order (no fast-math, so no reassociation or fused
    multiply-add), the same ``> 0`` vote and the first class among equal votes.

    Parameters
    ----------
    k_valid : ndarray of shape (n_rows, n_train)
    support : ndarray of shape (n_sv,)
        Training indices of the support vectors, grouped by class.
    n_class_sv : ndarray of shape (n_class,), int64
    sv_coef : ndarray of shape (n_class - 1, n_sv)
    intercept : ndarray of shape (n_class * (n_class - 1) / 2,)
        Minus LIBSVM's rho.
    target : ndarray of shape (n_rows,), int64
        The class code each row should get (-1: none).
    """
    n_class = n_class_sv.shape[0]
    start = np.zeros(n_class, np.int64)
    for i in range(1, n_class):
        start[i] = start[i - 1] + n_class_sv[i - 1]
    kvalue = np.empty(support.shape[0])
    vote = np.empty(n_class, np.int64)
    hits = 0
    for r in range(k_valid.shape[0]):
        for s in range(support.shape[0]):
            kvalue[s] = k_valid[r, support[s]]
        vote[:] = 0
        p = 0
        for i in range(n_class):
            for j in range(i + 1, n_class):
                total = 0.0
                for k in range(n_class_sv[i]):
                    total += sv_coef[j - 1, start[i] + k] * kvalue[start[i] + k]
                for k in range(n_class_sv[j]):
                    total += sv_coef[i, start[j] + k] * kvalue[start[j] + k]
                total -= -intercept[p]  # LIBSVM subtracts rho = -intercept
                if total > 0:
                    vote[i] += 1
                else:
                    vote[j] += 1
                p += 1
        best = 0
        for i in range(1, n_class):
            if vote[i] > vote[best]:
                best = i
        hits += best == target[r]
    return hits / k_valid.shape[0]
