"""An aeon classifier around :class:`rntk_bench.estimators.KernelSVMClassifier`.

Importing this module imports aeon (the ``ecosystem`` extra). The wrapper adds aeon's
input checks and conversion (3-D arrays or lists of (n_channels, t_i) arrays) and its
tags, and delegates the work to the scikit-learn estimator.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from aeon.classification.base import BaseClassifier

from rntk_bench.estimators import Grid, KernelSVMClassifier
from rntk_bench.evaluation.protocol import PAPER_C_GRID

__all__ = ["AeonKernelSVMClassifier"]


class AeonKernelSVMClassifier(BaseClassifier):
    """aeon classifier: a kernel SVM selected by the benchmark's protocol.

    Parameters are those of :class:`rntk_bench.estimators.KernelSVMClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> from rntk_bench.estimators.aeon import AeonKernelSVMClassifier
    >>> X = np.random.default_rng(0).normal(size=(20, 1, 12))
    >>> y = np.array(["a", "b"] * 10)
    >>> clf = AeonKernelSVMClassifier(grid={"sigma_w": [1.4]}, c_grid=(1.0,), folds=2)
    >>> clf.fit(X, y).predict_proba(X[:3]).shape
    (3, 2)
    """

    _tags: ClassVar[dict[str, Any]] = {
        "X_inner_type": ["np-list", "numpy3D"],
        "capability:multivariate": True,
        "capability:unequal_length": True,
        "algorithm_type": "distance",
    }

    def __init__(
        self,
        kernel: str = "rntk",
        grid: Grid = "quick",
        c_grid: Sequence[float] = PAPER_C_GRID,
        folds: int = 10,
        preprocessing: str = "maxnorm",
        normalisation: str = "mean-diagonal",
        seed: int = 0,
        backend: str = "auto",
        device: str = "cpu",
        dtype: str = "float64",
    ) -> None:
        self.kernel = kernel
        self.grid = grid
        self.c_grid = c_grid
        self.folds = folds
        self.preprocessing = preprocessing
        self.normalisation = normalisation
        self.seed = seed
        self.backend = backend
        self.device = device
        self.dtype = dtype
        super().__init__()

    def _fit(self, X: Any, y: np.ndarray) -> AeonKernelSVMClassifier:
        self.estimator_ = KernelSVMClassifier(**self.get_params(deep=False))
        self.estimator_.fit(X, y)
        return self

    def _predict(self, X: Any) -> np.ndarray:
        return self.estimator_.predict(X)

    def _predict_proba(self, X: Any) -> np.ndarray:
        return self.estimator_.predict_proba(X)

    @classmethod
    def _get_test_params(cls, parameter_set: str = "default") -> dict[str, Any]:
        """Small settings for aeon's own estimator checks."""
        return {"grid": {"sigma_w": [1.4]}, "c_grid": (1.0,), "folds": 2}
