"""Input preprocessing with training statistics, finiteness checks, Gram normalisation.

See :mod:`rntk_bench.evaluation.protocol` for the defaults and why they were chosen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from rntk_bench._validation import check_choice
from rntk_bench.errors import NumericalError
from rntk_bench.evaluation.protocol import PREPROCESSINGS

__all__ = [
    "Preprocessing",
    "check_finite",
    "normalise_gram",
    "preprocess",
    "series_list",
]


def series_list(X: Any) -> list[np.ndarray]:
    return list(X) if isinstance(X, list) else [x for x in np.asarray(X)]


def _like(X: Any, series: list[np.ndarray]) -> Any:
    if isinstance(X, list):
        return series
    return np.stack(series) if series else np.asarray(X, dtype=np.float64).copy()


@dataclass(frozen=True)
class Preprocessing:
    """An input preprocessing with its statistics taken from a training split.

    Attributes
    ----------
    method : {"none", "znorm", "maxnorm"}
        "znorm": every series (and channel) to zero mean and unit variance; constant
        series become zeros. "maxnorm": divide every series by ``scale``.
    scale : float
        The largest Euclidean norm of a training series ("maxnorm"), else 1.
    """

    method: str
    scale: float = 1.0

    @classmethod
    def fit(cls, X_train: Any, method: str) -> Preprocessing:
        """Take the statistics of ``method`` from the training series."""
        method = check_choice(method, "preprocessing", PREPROCESSINGS)
        scale = 1.0
        if method == "maxnorm":
            norms = [_norm(s) for s in series_list(X_train)]
            scale = max(norms) if norms and max(norms) > 0 else 1.0
        return cls(method, scale)

    def apply(self, X: Any) -> Any:
        """Preprocess series (any split) with the training statistics.

        Parameters
        ----------
        X : array (n, n_channels, n_timepoints) or list of (n_channels, t_i)

        Returns
        -------
        same kind as X, float64 copies
        """
        series = series_list(X)
        if self.method == "znorm":

            def znorm(s: np.ndarray) -> np.ndarray:
                with np.errstate(over="ignore", invalid="ignore"):
                    centred = s - s.mean(axis=1, keepdims=True)
                    std = s.std(axis=1, keepdims=True)
                if not (np.isfinite(centred).all() and np.isfinite(std).all()):
                    # Values near the float limit: z-normalisation is scale-free, so
                    # divide by the largest magnitude first instead of overflowing.
                    peak = np.abs(s).max(axis=1, keepdims=True)
                    s = np.divide(s, peak, out=np.zeros_like(s, dtype=np.float64), where=peak > 0)
                    centred = s - s.mean(axis=1, keepdims=True)
                    std = s.std(axis=1, keepdims=True)
                return np.divide(centred, std, out=np.zeros_like(centred), where=std > 0)

            out = [znorm(s) for s in series]
        elif self.method == "maxnorm":
            out = [s / self.scale for s in series]
        else:
            out = [s.astype(np.float64, copy=True) for s in series]
        return _like(X, out)


def preprocess(X_train: Any, X_test: Any, method: str) -> tuple[Any, Any]:
    """Apply the input preprocessing to both splits (statistics from train only).

    Parameters
    ----------
    X_train, X_test : arrays (n, n_channels, n_timepoints) or lists of (n_channels, t_i)
    method : {"none", "znorm", "maxnorm"}
        See :class:`Preprocessing`.

    Returns
    -------
    X_train, X_test : same kinds as the input, float64 copies
    """
    fitted = Preprocessing.fit(X_train, method)
    return fitted.apply(X_train), fitted.apply(X_test)


def _norm(s: np.ndarray) -> float:
    """Euclidean norm that does not overflow for values near the float limit."""
    with np.errstate(over="ignore"):
        norm = float(np.linalg.norm(s))
    if math.isfinite(norm):
        return norm
    peak = float(np.abs(s).max())  # finite input, overflowing squares: scale first
    return peak * float(np.linalg.norm(s / peak))


def check_finite(values: Any, what: str, fix: str) -> None:
    """Raise NumericalError unless every value of an array (or list of arrays) is finite.

    Parameters
    ----------
    values : ndarray or list of ndarray
    what : str
        Names the values in the message ("GunPoint: the rntk Gram matrix of ...").
    fix : str
        What the user can do about it.
    """
    arrays = values if isinstance(values, list) else [values]
    if all(np.isfinite(a).all() for a in arrays):
        return
    raise NumericalError(
        f"{what} has non-finite values (an overflow beyond the float range); nothing was "
        f"written for it. {fix}"
    )


# --- Gram normalisation -------------------------------------------------------------


def normalise_gram(
    gram: np.ndarray,
    method: str,
    train_diagonal: np.ndarray,
    row_diagonal: np.ndarray | None = None,
) -> np.ndarray:
    """Normalise a Gram matrix whose columns are the training series.

    Parameters
    ----------
    gram : ndarray of shape (n_rows, n_train)
    method : {"none", "mean-diagonal", "cosine"}
    train_diagonal : ndarray of shape (n_train,)
        k(x, x) of the training series.
    row_diagonal : ndarray of shape (n_rows,), optional
        k(x, x) of the row series (needed for "cosine"; defaults to train_diagonal,
        i.e. a train x train Gram).

    Returns
    -------
    ndarray of shape (n_rows, n_train)
    """
    if method == "none":
        return gram
    if method == "mean-diagonal":
        with np.errstate(over="ignore"):
            scale = float(np.mean(train_diagonal))
        if math.isinf(scale):  # finite entries whose sum overflows
            peak = float(np.abs(train_diagonal).max())
            scale = peak * float(np.mean(train_diagonal / peak))
        return gram / scale if scale > 0 else gram
    rows = train_diagonal if row_diagonal is None else row_diagonal
    with np.errstate(over="ignore"):
        denom = np.sqrt(np.outer(np.maximum(rows, 0), np.maximum(train_diagonal, 0)))
    if np.isinf(denom).any():  # the product overflows, the square roots do not
        denom = np.sqrt(np.maximum(rows, 0))[:, None] * np.sqrt(np.maximum(train_diagonal, 0))
    return np.divide(gram, denom, out=np.zeros_like(gram), where=denom > 0)
