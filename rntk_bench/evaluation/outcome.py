"""What evaluating one method on one split produces: typed, before any file is written.

:func:`rntk_bench.evaluate` returns an :class:`Outcome`; ``rntk-bench run`` turns the
same parts into a result file (:mod:`rntk_bench.experiment.records`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["CVTable", "Outcome", "Selected", "TestScores", "Timing"]


@dataclass(frozen=True)
class Selected:
    """The chosen setting and C.

    Attributes
    ----------
    setting : dict
        The method's parameters of the chosen row of the CV table.
    resolved : dict
        Data-derived values of the setting (e.g. the absolute gamma).
    C : float or None
        None for a trained method.
    cv_accuracy, cv_std : float or None
        Mean (std) cross-validation accuracy of the choice; None when there was
        nothing to validate on.
    setting_index : int
        Row of the CV table.
    fallback : str or None
        The rule used when cross-validation could not choose (every cell tied).
    """

    setting: dict[str, Any]
    resolved: dict[str, Any]
    C: float | None
    cv_accuracy: float | None
    cv_std: float | None
    setting_index: int
    fallback: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "setting": self.setting,
            "resolved": self.resolved,
            "C": self.C,
            "cv_accuracy": self.cv_accuracy,
            "cv_std": self.cv_std,
            "setting_index": self.setting_index,
            "fallback": self.fallback,
        }


@dataclass(frozen=True)
class CVTable:
    """The selection table on the training split.

    Attributes
    ----------
    settings : list of dict
        Rows: the method's distinct settings.
    c_grid : list of float
        Columns (empty for a trained method: one column of validation accuracies).
    mean, std : ndarray of shape (n_settings, n_C)
        Mean and std accuracy over folds; NaN where a cell was pruned (it could no
        longer be selected).
    scheme : str
        The folds actually used.
    capped_fits, pruned_cells : int
        SVM fits stopped at the iteration cap; cells left NaN by pruning.
    gram_seconds, svm_seconds : float
        Work of the training Gram matrices and of the CV fits.
    """

    settings: list[dict[str, Any]]
    c_grid: list[float]
    mean: np.ndarray
    std: np.ndarray
    scheme: str
    capped_fits: int = 0
    pruned_cells: int = 0
    gram_seconds: float = 0.0
    svm_seconds: float = 0.0

    def grid_search_results(self) -> dict[str, Any]:
        """The table in scikit-learn's ``GridSearchCV.cv_results_`` layout.

        One entry per (setting, C), settings outer: ``params`` (dicts of the setting's
        parameters and C), ``param_<name>`` columns, ``mean_test_score``,
        ``std_test_score`` and ``rank_test_score`` (1 = best; ties share the lowest
        rank; a pruned or missing cell ranks last). ``pd.DataFrame(cv_results_)``
        gives one row per cell.
        """
        params = [{**s, "C": c} for s in self.settings for c in self.c_grid]
        mean = np.asarray(self.mean, dtype=float).ravel()
        std = np.asarray(self.std, dtype=float).ravel()
        names = list(dict.fromkeys(k for p in params for k in p))
        out: dict[str, Any] = {
            f"param_{name}": np.ma.masked_array(
                np.array([p.get(name) for p in params], dtype=object),
                mask=[name not in p for p in params],
            )
            for name in names
        }
        score = np.where(np.isnan(mean), -np.inf, mean)
        order = np.sort(score)[::-1]
        rank = np.searchsorted(-order, -score, side="left") + 1
        out.update(
            params=params,
            mean_test_score=mean,
            std_test_score=std,
            rank_test_score=rank.astype(np.int32),
        )
        return out


@dataclass(frozen=True)
class TestScores:
    """The test split, scored once by the refit model.

    Attributes
    ----------
    y_pred : ndarray of shape (n_test,), int class codes
    scores : ndarray or None
        Per-class decision scores, (n_test,) for two classes; None when the training
        split lacked a class (no score for a class the SVM never saw).
    probabilities : ndarray of shape (n_test, n_classes)
    """

    __test__ = False  # not a pytest test class, despite its name

    y_pred: np.ndarray
    scores: np.ndarray | None
    probabilities: np.ndarray | None


@dataclass(frozen=True)
class Timing:
    """Seconds of work.

    gram_train and svm_select are the selection (shared by a family's kernels in a
    run); refit is the chosen setting's training Gram + fit, predict the test Gram +
    prediction; gram_test = refit Gram + test Gram, svm_test = fit + prediction.
    """

    gram_train: float = 0.0
    svm_select: float = 0.0
    gram_test: float = 0.0
    svm_test: float = 0.0
    refit: float = 0.0
    predict: float = 0.0

    @property
    def total(self) -> float:
        return self.gram_train + self.svm_select + self.gram_test + self.svm_test


@dataclass(frozen=True)
class Outcome:
    """One method evaluated on one split.

    Attributes
    ----------
    method : str
    classes : ndarray of shape (n_classes,)
        The labels, in code order (``classes[code]``).
    selected : Selected
    cv : CVTable
    test : TestScores
    y_test : ndarray of shape (n_test,) or None
        The true test labels when given (original labels).
    timing : Timing
    details : dict
        Method-specific records (a trained method's networks).
    """

    method: str
    classes: np.ndarray
    selected: Selected
    cv: CVTable
    test: TestScores
    y_test: np.ndarray | None
    timing: Timing
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def predictions(self) -> np.ndarray:
        """Predicted test labels (original labels), shape (n_test,)."""
        return self.classes[np.asarray(self.test.y_pred, dtype=np.int64)]

    @property
    def probabilities(self) -> np.ndarray | None:
        """Class probabilities, shape (n_test, n_classes), columns in ``classes`` order."""
        return self.test.probabilities

    @property
    def accuracy(self) -> float | None:
        """Test accuracy, when the true test labels were given."""
        if self.y_test is None:
            return None
        return float(np.mean(self.predictions == self.y_test))
