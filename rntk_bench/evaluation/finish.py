"""The last stage: select (setting, C) on the CV table, refit, score the test split once.

The test split is touched here only, for the chosen setting: one test x train Gram.
:class:`FittedSVM` is also what the public estimators predict with.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rntk_bench.evaluation.blocks import KernelPlan, quiet_overflow, training_grams
from rntk_bench.evaluation.outcome import Selected, TestScores, Timing
from rntk_bench.evaluation.preprocessing import check_finite, check_gram, normalise_gram
from rntk_bench.evaluation.splits import OVERFLOW_FIX, Split
from rntk_bench.methods.base import KernelFamily, Setting
from rntk_bench.svm import (
    FALLBACK_RULE,
    PrecomputedSVC,
    class_probabilities,
    class_scores,
    cv_ties,
    grid_centre,
    select_best,
)

__all__ = ["FittedSVM", "Selection", "finish", "fit_selected", "select"]


def diagonal(
    family: KernelFamily,
    kernel: str,
    X: Any,
    setting: Setting,
    fit_X: Any,
    length: int | None,
    backend_options: Mapping[str, Any],
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


@dataclass(frozen=True)
class Selection:
    """The (setting, C) chosen on a CV table (see :func:`select_best` for ties).

    Attributes
    ----------
    setting_index : int
        Row of the kernel's table (``plan_.settings``).
    kernel_setting : dict
        The kernel's parameters of that row.
    family_setting : Setting
        A family setting that projects on it (what the family computes).
    C : float
    cv_accuracy, cv_std : float or None
        None when there was nothing to validate on.
    fallback : bool
        Every entry of the table tied, so the grid's centre was taken
        (:func:`rntk_bench.svm.grid_centre`), not a corner picked by the tie-break.
    """

    setting_index: int
    kernel_setting: dict[str, Any]
    family_setting: Setting
    C: float
    cv_accuracy: float | None
    cv_std: float | None
    fallback: bool = False


def select(
    plan_: KernelPlan,
    family_settings: Sequence[Setting],
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
    setting : Setting
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
    setting: Setting
    X_train: Any
    length: int | None
    normalisation: str
    backend_options: Mapping[str, Any]
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
            row_diagonal = diagonal(
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
            f"test x training the {self.kernel} Gram matrix of {self.setting.values}",
            OVERFLOW_FIX,
        )
        return normalised

    def decision(self, gram: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Predicted codes, per-class scores and probabilities from a :meth:`gram` matrix.

        Returns
        -------
        y_pred : ndarray of shape (n_rows,), int class codes (LIBSVM's vote)
        scores : ndarray of shape (n_rows,) for two classes, else (n_rows, n_classes)
            :func:`rntk_bench.svm.decision.class_scores`.
        probabilities : ndarray of shape (n_rows, n_classes)
            :func:`rntk_bench.svm.decision.class_probabilities`.
        """
        y_pred = self.model.predict(gram)
        scores = class_scores(self.model.decision_function(gram), self.n_classes)
        return y_pred, scores, class_probabilities(scores, self.n_classes)


@quiet_overflow
def fit_selected(
    family: KernelFamily,
    kernel: str,
    setting: Setting,
    C: float,
    X_train: Any,
    y_train: np.ndarray,
    length: int | None,
    normalisation: str,
    backend_options: Mapping[str, Any],
    n_classes: int | None = None,
    gram_cache: str | None = None,
) -> FittedSVM:
    """Pure: refit the C-SVM of one kernel setting on the whole training split.

    Parameters
    ----------
    family : KernelFamily
    kernel : str
    setting : Setting
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
    what = f"training the {kernel} Gram matrix of {setting.values}"
    check_finite(train_norm, what, OVERFLOW_FIX)
    check_gram(train_norm, train_diagonal, X_train, what)
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


@quiet_overflow
def finish(
    family: KernelFamily,
    plan_: KernelPlan,
    family_settings: Sequence[Setting],
    mean: np.ndarray,
    std: np.ndarray,
    split: Split,
    c_grid: Sequence[float],
    normalisation: str,
    backend_options: Mapping[str, Any],
    n_classes: int | None = None,
    gram_cache: str | None = None,
) -> tuple[Selected, TestScores, Timing]:
    """Pure: select (setting, C) on the CV table, refit, score the test split once.

    Parameters
    ----------
    family, plan_, family_settings
        The kernel's family, its plan and the family's settings (table rows project
        on them).
    mean, std : ndarray of shape (len(plan_.settings), len(c_grid))
    split : Split
    c_grid : sequence of float
    normalisation : {"none", "mean-diagonal", "cosine"}
    backend_options : mapping
    n_classes : int, optional
        Classes of the data set (codes 0..n_classes-1), so that the probabilities have
        a column for every class even if the training split lacks one; default: the
        classes of the training split.
    gram_cache : str, optional
        The run's Gram cache folder (see :func:`fit_selected`).

    Returns
    -------
    selected : Selected
    test : TestScores
    timing : Timing
        gram_test, svm_test, refit and predict (the selection's seconds are the
        caller's).
    """
    chosen = select(plan_, family_settings, mean, std, c_grid)
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
        normalisation,
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
    scores: np.ndarray | None = class_score
    # Columns for the classes the SVM saw -> columns for every class of the data set.
    seen = np.unique(split.y_train)
    if len(seen) < n_classes:
        full = np.zeros((len(y_pred), n_classes))
        full[:, seen] = probabilities
        probabilities = full
        scores = None  # no score for a class the SVM never saw
    selected = Selected(
        setting=chosen.kernel_setting,
        resolved=family.resolve(chosen.family_setting, split.X_train, split.length),
        C=chosen.C,
        cv_accuracy=chosen.cv_accuracy,
        cv_std=chosen.cv_std,
        setting_index=chosen.setting_index,
        fallback=FALLBACK_RULE if chosen.fallback else None,
    )
    timing = Timing(
        # the refit's training Gram counts as test-phase kernel work, as before
        gram_test=fitted.gram_seconds + gram_seconds,
        svm_test=fitted.svm_seconds + svm_seconds,
        refit=fitted.gram_seconds + fitted.svm_seconds,
        predict=gram_seconds + svm_seconds,
    )
    return selected, TestScores(y_pred, scores, probabilities), timing
