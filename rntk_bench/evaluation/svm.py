"""C-SVM on precomputed Gram matrices: cross-validation scores, selection, refit.

The SVM is LIBSVM's C-SVC (one-vs-one), as in the paper, reached through
scikit-learn. Selection fits thousands of small problems (a Gram per setting, five
C values, ten folds), where :class:`sklearn.svm.SVC`'s input validation costs more
than the fit itself (~0.7 ms of ~0.8 ms for 30 series). :class:`PrecomputedSVC` calls
the same LIBSVM binding that SVC wraps, with SVC's defaults (tol 1e-3, shrinking,
no class weights), and falls back to SVC if that private binding ever changes;
a test checks that both give identical predictions.

One difference from SVC's defaults: a fit stops after MAX_ITER iterations.
scikit-learn's LIBSVM has no cap by default, and on some nearly singular Gram
matrices it cycles for ever (seen: the RNNGP of PLAID at sigma_w = sqrt(2), C = 100,
never converged; capped at 1e5 iterations it gave the same predictions in 0.02 s).
Capped fits are counted and recorded in the result files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.svm import SVC

from rntk_bench.evaluation.protocol import Folds, Protocol

__all__ = ["MAX_ITER", "CVScores", "PrecomputedSVC", "cv_scores", "select_best"]

MAX_ITER = Protocol.svm_max_iter

try:  # the LIBSVM binding behind sklearn.svm.SVC
    from sklearn.svm import _libsvm as _LIBSVM
except ImportError:  # pragma: no cover - depends on the scikit-learn version
    _LIBSVM = None


class PrecomputedSVC:
    """C-SVC with a precomputed kernel: LIBSVM directly, SVC as the fallback.

    Parameters
    ----------
    C : float
        Regularisation.
    """

    def __init__(self, C: float) -> None:
        self.C = float(C)
        self._model: tuple | SVC | None = None
        self._classes: np.ndarray | None = None
        self.capped = False  # True when the fit stopped at MAX_ITER

    def fit(self, gram: np.ndarray, y: np.ndarray) -> PrecomputedSVC:
        """Fit on a (n_train, n_train) Gram matrix and labels (n_train,)."""
        classes, codes = np.unique(y, return_inverse=True)
        self._classes = classes
        if len(classes) == 1:
            self._model = None  # one class: LIBSVM refuses; the prediction is that class
            return self
        if _LIBSVM is not None:
            try:
                _LIBSVM.set_verbosity_wrap(0)  # LIBSVM prints its progress otherwise
                self._model = _LIBSVM.fit(
                    np.ascontiguousarray(gram, dtype=np.float64),
                    codes.astype(np.float64),
                    svm_type=0,
                    kernel="precomputed",
                    C=self.C,
                    tol=1e-3,
                    shrinking=1,
                    cache_size=200,
                    max_iter=MAX_ITER,
                    random_seed=0,
                )
                self.capped = int(np.max(self._model[-1])) >= MAX_ITER
                return self
            except TypeError:  # pragma: no cover - private binding changed
                pass
        model = SVC(kernel="precomputed", C=self.C, max_iter=MAX_ITER).fit(gram, codes)
        self.capped = int(np.max(model.n_iter_)) >= MAX_ITER
        self._model = model
        return self

    def predict(self, gram: np.ndarray) -> np.ndarray:
        """Predict from a (n_rows, n_train) Gram matrix; returns labels (n_rows,)."""
        assert self._classes is not None, "fit first"
        if self._model is None:
            return np.full(gram.shape[0], self._classes[0])
        if isinstance(self._model, SVC):
            codes = self._model.predict(gram)
        else:
            support, sv, n_class_sv, sv_coef, intercept, prob_a, prob_b, _, _ = self._model
            codes = _LIBSVM.predict(
                np.ascontiguousarray(gram, dtype=np.float64),
                support,
                sv,
                n_class_sv,
                sv_coef,
                intercept,
                prob_a,
                prob_b,
                svm_type=0,
                kernel="precomputed",
            )
        return self._classes[codes.astype(np.int64)]


@dataclass(frozen=True)
class CVScores:
    """Cross-validation accuracy of every C for one Gram matrix.

    Attributes
    ----------
    mean, std : ndarray of shape (n_C,)
        Mean and standard deviation over folds (NaN where there are no folds).
    capped : int
        Fits that stopped at MAX_ITER iterations.
    """

    mean: np.ndarray
    std: np.ndarray
    capped: int = 0


def cv_scores(gram: np.ndarray, y: np.ndarray, folds: Folds, c_grid: Sequence[float]) -> CVScores:
    """Cross-validated accuracy of a C-SVM for every C on one training Gram matrix.

    Parameters
    ----------
    gram : ndarray of shape (n_train, n_train)
        Normalised training Gram matrix.
    y : ndarray of shape (n_train,)
    folds : Folds
    c_grid : sequence of float

    Returns
    -------
    CVScores
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
    return CVScores(scores.mean(axis=1), scores.std(axis=1), capped)


def select_best(mean: np.ndarray, c_grid: Sequence[float]) -> tuple[int, int]:
    """Pick (setting index, C index) from a (n_settings, n_C) table of CV accuracies.

    Tie-break, deterministic: the highest mean accuracy; among equals the smaller C
    (more regularisation); then the earlier setting in grid order. NaN (no
    validation data) counts as a tie with everything.

    Returns
    -------
    setting_index, c_index : int
    """
    table = np.where(np.isnan(mean), -np.inf, mean)
    best = table.max()
    order = np.argsort(np.asarray(c_grid, dtype=float), kind="stable")
    for c in order:  # smaller C first
        hits = np.flatnonzero(table[:, c] >= best - 1e-12)
        if hits.size:
            return int(hits[0]), int(c)
    raise AssertionError("unreachable: the maximum is somewhere")  # pragma: no cover
