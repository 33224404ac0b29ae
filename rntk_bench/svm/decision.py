"""From LIBSVM's one-vs-one decision values to per-class scores and probabilities.

A C-SVC on K classes trains K (K - 1) / 2 one-vs-one machines; LIBSVM predicts by
their votes. Result files, the estimators and the tsml-eval export need one score and
one probability per class, defined here once:

- :func:`class_scores`: scikit-learn's "ovr" aggregation of the one-vs-one values
  (what ``SVC(decision_function_shape="ovr").decision_function`` returns): the number
  of votes of each class plus its summed one-vs-one margins squashed into (-1/3, 1/3),
  so votes decide and margins only break ties. Two classes: the single margin, positive
  for the second class (scikit-learn's binary convention).
- :func:`class_probabilities`: a softmax of those scores (two classes: the logistic
  function of the margin). Deterministic and free (no second cross-validation, unlike
  LIBSVM's Platt scaling, ``probability=True``), and its arg-max is the class of the
  highest score. They are NOT calibrated: they rank the classes of one case, they are
  not frequencies. Calibrate them (e.g. scikit-learn's ``CalibratedClassifierCV``) where
  log loss or reliability matters.

Like ``SVC``, the arg-max of the scores can differ from LIBSVM's vote when votes tie
(LIBSVM then takes the first class, the scores take the larger margin); predictions
always come from LIBSVM.
"""

from __future__ import annotations

import numpy as np

__all__ = ["class_probabilities", "class_scores"]


def class_scores(ovo: np.ndarray, n_classes: int) -> np.ndarray:
    """Per-class scores from LIBSVM's one-vs-one decision values.

    Parameters
    ----------
    ovo : ndarray of shape (n_rows, n_classes * (n_classes - 1) / 2)
        :meth:`rntk_bench.svm.libsvm.PrecomputedSVC.decision_function` (positive
        votes for the first class of a pair).
    n_classes : int

    Returns
    -------
    ndarray of shape (n_rows,) when n_classes <= 2 (margin of the second class; zeros
    for one class), else (n_rows, n_classes).
    """
    ovo = np.asarray(ovo, dtype=np.float64)
    if n_classes <= 2:
        return -ovo[:, 0] if ovo.shape[1] else np.zeros(ovo.shape[0])
    votes = np.zeros((ovo.shape[0], n_classes))
    margins = np.zeros_like(votes)
    pair = 0
    for i in range(n_classes):
        for j in range(i + 1, n_classes):
            value = ovo[:, pair]
            votes[:, i] += value > 0
            votes[:, j] += value <= 0
            margins[:, i] += value
            margins[:, j] -= value
            pair += 1
    return votes + margins / (3 * (np.abs(margins) + 1))


def class_probabilities(scores: np.ndarray, n_classes: int) -> np.ndarray:
    """Softmax of :func:`class_scores` (logistic of the margin for two classes).

    Parameters
    ----------
    scores : ndarray of shape (n_rows,) or (n_rows, n_classes)
    n_classes : int

    Returns
    -------
    ndarray of shape (n_rows, n_classes); rows sum to one.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if n_classes == 1:
        return np.ones((scores.shape[0], 1))
    if n_classes == 2:
        logits = np.column_stack([np.zeros_like(scores), scores])
    else:
        logits = scores
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)
