"""Input preprocessing with training statistics, finiteness and degeneracy checks, Gram
normalisation.

See :mod:`rntk_bench.evaluation.protocol` for the defaults and why they were chosen, and
docs/protocol.md §3 for when data are degenerate (:func:`Preprocessing.apply`,
:func:`check_gram`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from rntk_bench._validation import check_choice
from rntk_bench.errors import DegenerateDataError, NumericalError
from rntk_bench.evaluation.protocol import PREPROCESSINGS

__all__ = [
    "DEGENERATE_GRAM_FIX",
    "UNDERFLOW",
    "Preprocessing",
    "check_finite",
    "check_gram",
    "normalise_gram",
    "preprocess",
    "series_list",
]


#: A series whose largest magnitude is below this (sqrt of the smallest normal float64,
#: about 1.5e-154) underflows: every product of two of its values, what each kernel
#: computes first (inner products, squared distances), is subnormal or zero.
UNDERFLOW = math.sqrt(float(np.finfo(np.float64).tiny))
#: Squares at least this large lose no digit to subnormal rounding (tiny / eps, ~1e-292).
_EXACT_SQUARE = float(np.finfo(np.float64).tiny / np.finfo(np.float64).eps)


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

    def apply(self, X: Any, what: str = "the series") -> Any:
        """Preprocess series (any split) with the training statistics.

        Parameters
        ----------
        X : array (n, n_channels, n_timepoints) or list of (n_channels, t_i)
        what : str
            Names the series in messages ("GunPoint, training split").

        Returns
        -------
        same kind as X, float64 copies

        Raises
        ------
        DegenerateDataError
            When a series that is not all zeros underflows (see :meth:`underflowing`).
        """
        series = series_list(X)
        self.check(series, what)
        if self.method == "znorm":

            def znorm(s: np.ndarray) -> np.ndarray:
                with np.errstate(over="ignore", invalid="ignore", under="ignore"):
                    centred = s - s.mean(axis=1, keepdims=True)
                    std = s.std(axis=1, keepdims=True)
                    peak = np.abs(s).max(axis=1, keepdims=True, initial=0.0)
                    tiny = ((peak > 0) & (peak * peak < _EXACT_SQUARE)).any()
                if tiny or not (np.isfinite(centred).all() and np.isfinite(std).all()):
                    # Values near the float limits: z-normalisation is scale-free, so
                    # divide by the largest magnitude first instead of overflowing (or
                    # of squares that underflow, which would give zeros).
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

    def underflowing(self, series: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Which series this preprocessing makes underflow, and their largest magnitudes.

        A series underflows when it is not all zeros and its largest magnitude after
        preprocessing is below :data:`UNDERFLOW`: "maxnorm" divides it by the largest
        training norm, "none" leaves it as it is; "znorm" never underflows (each
        non-constant channel gets unit variance, whatever its scale).

        Returns
        -------
        mask : ndarray of bool, shape (n,)
        peaks : ndarray of shape (n,)
            The largest magnitude of each series after preprocessing.
        """
        with np.errstate(invalid="ignore"):  # NaN is check_finite's to report
            peaks = np.array([float(np.abs(s).max()) if s.size else 0.0 for s in series])
        if self.method == "znorm" or not peaks.size:
            return np.zeros(len(series), dtype=bool), peaks
        scaled = peaks / self.scale if self.method == "maxnorm" else peaks
        return (peaks > 0) & (scaled < UNDERFLOW), scaled

    def check(self, series: list[np.ndarray], what: str) -> None:
        """Raise DegenerateDataError if this preprocessing makes a series underflow."""
        mask, scaled = self.underflowing(series)
        if not mask.any():
            return
        count = f"{int(mask.sum())} of {len(series)} series"
        if self.method == "maxnorm":
            norms = np.array([_norm(s) for s in series])
            median = float(np.median(norms[norms > 0]))
            fix = "Fix: the znorm preprocessing (--preprocessing znorm; per series, so one "
            if median / self.scale < UNDERFLOW:  # one extreme series among ordinary ones
                cause = (
                    f"the largest training series (norm {self.scale:.3g}) is "
                    f"{self.scale / median:.0e} times larger than the median series (norm "
                    f"{median:.3g}), so max-norm scaling makes {count} underflow"
                )
                fix += "extreme series does not rescale the others), or remove the extreme value."
            else:  # a few series of tiny values
                cause = (
                    f"{count} are at most {float(scaled[mask].max()):.0e} times the largest "
                    f"training norm ({self.scale:.3g}), so max-norm scaling makes them underflow"
                )
                fix += "series' scale does not matter), or remove or rescale those series."
        else:
            cause = (
                f"{count} have no value above {UNDERFLOW:.1e} in magnitude (the largest "
                f"is {float(scaled[mask].max()):.3g}), so they underflow"
            )
            fix = "Fix: --preprocessing maxnorm or znorm, or rescale the data."
        raise DegenerateDataError(
            f"{what}: degenerate data after preprocessing ({self.method}): {cause} (products "
            f"of their values fall below the float range: every kernel would see zeros); "
            f"nothing was computed for it. {fix}"
        )


def preprocess(X_train: Any, X_test: Any, method: str, name: str = "the data") -> tuple[Any, Any]:
    """Apply the input preprocessing to both splits (statistics from train only).

    Parameters
    ----------
    X_train, X_test : arrays (n, n_channels, n_timepoints) or lists of (n_channels, t_i)
    method : {"none", "znorm", "maxnorm"}
        See :class:`Preprocessing`.
    name : str
        Names the data in messages.

    Returns
    -------
    X_train, X_test : same kinds as the input, float64 copies

    Raises
    ------
    DegenerateDataError
        When the preprocessing makes a series of either split underflow.
    """
    fitted = Preprocessing.fit(X_train, method)
    return (
        fitted.apply(X_train, f"{name}, training split"),
        fitted.apply(X_test, f"{name}, test split"),
    )


def _norm(s: np.ndarray) -> float:
    """Euclidean norm that neither overflows nor underflows for finite values."""
    with np.errstate(over="ignore", under="ignore"):
        norm = float(np.linalg.norm(s))
    if math.isfinite(norm) and norm * norm >= _EXACT_SQUARE:
        return norm  # every ordinary series: the plain norm, bit for bit
    peak = float(np.abs(s).max()) if s.size else 0.0
    if not peak > 0:
        return norm  # all zeros (or NaN: check_finite reports it)
    # finite input whose squares overflow or underflow: scale first
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


#: What a user can do about a degenerate Gram matrix.
DEGENERATE_GRAM_FIX = (
    "Fix: drop this setting from the grid, use another --preprocessing, or clean the data."
)


def check_gram(normalised: np.ndarray, diagonal: np.ndarray, X_train: Any, what: str) -> None:
    """Raise DegenerateDataError when a training Gram matrix cannot tell the series apart.

    Two signs, neither of which a kernel shows on ordinary data:

    - k(x, x) is zero or subnormal for a training series that is not all zeros: every
      kernel here has k(x, x) > 0 for x != 0 (or is normalised to 1), so the value
      underflowed;
    - the normalised matrix is constant (at least two series, all entries equal up to
      rounding): the SVM sees no difference between any two series and would score
      chance, e.g. identical or all-zero series, or a setting whose values all
      underflow (or saturate) to one number.

    Parameters
    ----------
    normalised : ndarray of shape (n_train, n_train)
        The Gram matrix the SVM sees.
    diagonal : ndarray of shape (n_train,)
        k(x, x) of the training series, before normalisation.
    X_train : array (n_train, n_channels, n_timepoints) or list of (n_channels, t_i)
        The (preprocessed) training series.
    what : str
        Names the matrix ("GunPoint: the rbf training Gram matrix of {...}").
    """
    floor = float(np.finfo(diagonal.dtype).tiny) if diagonal.dtype.kind == "f" else 0.0
    small = np.flatnonzero(np.abs(diagonal) < floor)
    if small.size:  # only here: which series are not all zeros
        series = series_list(X_train)
        lost = [i for i in small if np.any(series[i] != 0)]
        if lost:
            raise DegenerateDataError(
                f"{what} is degenerate: k(x, x) underflows to {float(diagonal[lost[0]]):.3g} "
                f"for {len(lost)} of {len(diagonal)} training series that are not zero "
                f"(their values are too small for this kernel); nothing was written for it. "
                f"{DEGENERATE_GRAM_FIX}"
            )
    if normalised.shape[0] < 2 or not normalised.size:
        return
    low, high = float(normalised.min()), float(normalised.max())
    eps = float(np.finfo(normalised.dtype).eps) if normalised.dtype.kind == "f" else 0.0
    if high - low <= 8 * eps * max(abs(low), abs(high)):
        raise DegenerateDataError(
            f"{what} is degenerate: every entry is {high:.6g}, so the kernel cannot tell "
            f"any two of the {normalised.shape[0]} training series apart (identical or "
            f"all-zero series, or values that under- or overflow to one number); nothing "
            f"was written for it. {DEGENERATE_GRAM_FIX}"
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
