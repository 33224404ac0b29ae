"""An sktime classifier around :class:`rntk_bench.estimators.KernelSVMClassifier`.

Importing this module imports sktime. The wrapper adds sktime's input conversion (any
sktime panel type; unequal lengths through its "df-list" type) and tags, and delegates
the work to the scikit-learn estimator, so the protocol is the tool's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from sktime.classification.base import BaseClassifier

from rntk_bench.estimators import Grid, KernelSVMClassifier
from rntk_bench.evaluation.protocol import PAPER_C_GRID

__all__ = ["SktimeKernelSVMClassifier"]


class SktimeKernelSVMClassifier(BaseClassifier):
    """sktime classifier: a kernel SVM selected by the benchmark's protocol.

    Parameters are those of :class:`rntk_bench.estimators.KernelSVMClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> from rntk_bench.estimators.sktime import SktimeKernelSVMClassifier
    >>> X = np.random.default_rng(0).normal(size=(20, 1, 12))
    >>> y = np.array(["a", "b"] * 10)
    >>> clf = SktimeKernelSVMClassifier(grid={"sigma_w": [1.4]}, c_grid=(1.0,), folds=2)
    >>> clf.fit(X, y).predict_proba(X[:3]).shape
    (3, 2)
    """

    _tags: ClassVar[dict[str, Any]] = {
        "X_inner_mtype": "df-list",
        "y_inner_mtype": "numpy1D",
        "capability:multivariate": True,
        "capability:unequal_length": True,
        "capability:predict_proba": True,
        "authors": "rntk-bench developers",
        "maintainers": "rntk-bench developers",
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

    def _fit(self, X: Any, y: np.ndarray) -> SktimeKernelSVMClassifier:
        self.estimator_ = KernelSVMClassifier(**self.get_params(deep=False))
        self.estimator_.fit(_series(X), y)
        return self

    def _predict(self, X: Any) -> np.ndarray:
        return self.estimator_.predict(_series(X))

    def _predict_proba(self, X: Any) -> np.ndarray:
        return self.estimator_.predict_proba(_series(X))

    @classmethod
    def get_test_params(cls, parameter_set: str = "default") -> list[dict[str, Any]]:
        """Small settings for sktime's own estimator checks."""
        return [
            {"grid": {"sigma_w": [1.4]}, "c_grid": (1.0,), "folds": 2},
            {"kernel": "rbf", "grid": {"gamma_scale": [0.5, 2.0]}, "c_grid": (1.0,), "folds": 2},
        ]


def _series(X: Any) -> Any:
    """numpy3D as is; sktime's df-list (time x variables frames) -> (channels, t_i) arrays."""
    if isinstance(X, np.ndarray):
        return X
    return [np.asarray(frame, dtype=np.float64).T for frame in X]
