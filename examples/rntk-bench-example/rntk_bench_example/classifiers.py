"""A classifier for rntk-bench: any scikit-learn-compatible classifier class.

rntk-bench gives a plain scikit-learn classifier the preprocessed series flattened
to (n, n_channels x length); its constructor parameters are its grid (set in a grid
file under the method's name), selected by the same cross-validation folds as the
kernels' SVMs.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


class CentroidClassifier(ClassifierMixin, BaseEstimator):
    """Nearest class centroid, Euclidean, centroids shrunk toward the overall mean.

    Parameters
    ----------
    shrinkage : float, default 0.0
        Fraction in [0, 1] by which every centroid moves toward the overall mean.
    """

    def __init__(self, shrinkage: float = 0.0) -> None:
        self.shrinkage = shrinkage

    def fit(self, X: np.ndarray, y: np.ndarray) -> CentroidClassifier:
        X = np.asarray(X, dtype=np.float64)
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        centre = X.mean(axis=0)
        means = np.stack([X[codes == k].mean(axis=0) for k in range(len(self.classes_))])
        self.centroids_ = means + float(self.shrinkage) * (centre - means)
        return self

    def _distances(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        return np.linalg.norm(X[:, None, :] - self.centroids_[None, :, :], axis=2)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.classes_[np.argmin(self._distances(X), axis=1)]

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Softmax of the negative distances, columns in ``classes_`` order."""
        d = self._distances(X)
        e = np.exp(-(d - d.min(axis=1, keepdims=True)))
        return e / e.sum(axis=1, keepdims=True)
