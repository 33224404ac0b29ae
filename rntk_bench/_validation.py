"""Shared validation vocabulary for public entry points.

Every message names the parameter, what was expected, what was received and,
where there is one, the fix. Helpers raise :class:`rntk_bench.errors.InputError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rntk_bench.errors import InputError

__all__ = [
    "SeriesBatch",
    "as_series_batch",
    "check_choice",
    "check_finite_real",
    "check_nonnegative",
    "check_positive",
    "check_positive_int",
]


@dataclass(frozen=True)
class SeriesBatch:
    """A batch of (possibly unequal-length) series in one padded array.

    Attributes
    ----------
    values : ndarray of shape (n_cases, n_channels, max_length), float64
        Series aligned at their END: a series of length ``t_i`` occupies
        ``values[i, :, max_length - t_i:]`` and is zero before that. End alignment
        is what the RNTK needs (its read-out compares the last states).
    lengths : ndarray of shape (n_cases,), int64
        Number of valid time points of every series.
    """

    values: np.ndarray
    lengths: np.ndarray

    @property
    def n_cases(self) -> int:
        return int(self.values.shape[0])

    @property
    def n_channels(self) -> int:
        return int(self.values.shape[1])

    @property
    def max_length(self) -> int:
        return int(self.values.shape[2])

    @property
    def equal_length(self) -> bool:
        return bool(np.all(self.lengths == self.max_length))

    def series(self, i: int) -> np.ndarray:
        """Return series ``i`` without padding, shape (n_channels, lengths[i])."""
        return self.values[i, :, self.max_length - int(self.lengths[i]) :]

    def take(self, index: np.ndarray | Sequence[int] | slice) -> SeriesBatch:
        """Return the sub-batch of the given cases, trimmed to its own longest series."""
        lengths = self.lengths[index]
        longest = int(lengths.max()) if lengths.size else 0
        values = self.values[index][:, :, self.max_length - longest :]
        return SeriesBatch(values=values, lengths=lengths)

    def resampled(self, length: int) -> np.ndarray:
        """Linearly resample every series to ``length`` points.

        Returns
        -------
        ndarray of shape (n_cases, n_channels, length)
            Equal-length series; a series already of that length is returned unchanged.
        """
        out = np.empty((self.n_cases, self.n_channels, length), dtype=np.float64)
        target = np.linspace(0.0, 1.0, length)
        for i in range(self.n_cases):
            s = self.series(i)
            if s.shape[1] == length:
                out[i] = s
                continue
            source = np.linspace(0.0, 1.0, s.shape[1]) if s.shape[1] > 1 else np.zeros(1)
            for c in range(self.n_channels):
                out[i, c] = np.interp(target, source, s[c])
        return out


_SHAPE_HINT = (
    "X must have shape (n_cases, n_channels, n_timepoints) or be a list of (n_channels, t_i) arrays"
)


def as_series_batch(X: Any, name: str = "X") -> SeriesBatch:
    """Validate series input and convert it to a :class:`SeriesBatch`.

    Parameters
    ----------
    X : array-like of shape (n_cases, n_channels, n_timepoints), or list of arrays
        of shape (n_channels, t_i)
        Real, finite values; at least one case and one time point.
    name : str
        The parameter's name, used in error messages.

    Returns
    -------
    SeriesBatch
        float64 copy, end-aligned; the input is never modified.
    """
    if isinstance(X, SeriesBatch):
        return X
    hint = _SHAPE_HINT.replace("X ", f"{name} ", 1)
    if isinstance(X, np.ndarray) or not isinstance(X, (list, tuple)):
        arr = np.asarray(X)
        if arr.dtype == object:
            return _batch_from_list(list(arr), name, hint)
        if arr.ndim != 3:
            fix = f" Use {name}[:, None, :] for univariate series." if arr.ndim == 2 else ""
            raise InputError(f"{hint}; got shape {arr.shape}.{fix}")
        if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
            raise InputError(f"{name} must hold real numbers; got dtype {arr.dtype}.")
        values = np.array(arr, dtype=np.float64, copy=True)
        if values.shape[0] == 0 or values.shape[1] == 0 or values.shape[2] == 0:
            raise InputError(f"{name} must not be empty; got shape {values.shape}.")
        _check_all_finite(values, name)
        lengths = np.full(values.shape[0], values.shape[2], dtype=np.int64)
        return SeriesBatch(values=values, lengths=lengths)
    return _batch_from_list(list(X), name, hint)


def _batch_from_list(items: list[Any], name: str, hint: str) -> SeriesBatch:
    if not items:
        raise InputError(f"{name} must not be empty; got an empty list.")
    series = []
    for i, item in enumerate(items):
        s = np.asarray(item)
        if s.ndim == 1:
            raise InputError(
                f"{hint}; {name}[{i}] has shape {s.shape}. Use {name}[i][None, :] for "
                "univariate series."
            )
        if s.ndim != 2:
            raise InputError(f"{hint}; {name}[{i}] has shape {s.shape}.")
        if not np.issubdtype(s.dtype, np.number) or np.iscomplexobj(s):
            raise InputError(f"{name}[{i}] must hold real numbers; got dtype {s.dtype}.")
        if s.shape[1] == 0:
            raise InputError(f"{name}[{i}] is empty (0 time points); drop it or fix the data.")
        series.append(s.astype(np.float64, copy=False))
    channels = {s.shape[0] for s in series}
    if len(channels) != 1:
        raise InputError(
            f"every series in {name} must have the same number of channels; got {sorted(channels)}."
        )
    lengths = np.array([s.shape[1] for s in series], dtype=np.int64)
    longest = int(lengths.max())
    values = np.zeros((len(series), series[0].shape[0], longest), dtype=np.float64)
    for i, s in enumerate(series):
        values[i, :, longest - s.shape[1] :] = s
    _check_all_finite(values, name)
    return SeriesBatch(values=values, lengths=lengths)


def _check_all_finite(values: np.ndarray, name: str) -> None:
    if not np.isfinite(values).all():
        bad = int(np.count_nonzero(~np.isfinite(values)))
        raise InputError(
            f"{name} must be finite; got {bad} NaN or infinite values. Interpolate "
            "missing values first (rntk_bench.data loads them interpolated)."
        )


def check_finite_real(value: Any, name: str) -> float:
    """Return ``value`` as a float after checking that it is a finite real number."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a real number; got {value!r}.") from None
    if not np.isfinite(out):
        raise InputError(f"{name} must be finite; got {value!r}.")
    return out


def check_nonnegative(value: Any, name: str) -> float:
    """Return ``value`` as a float after checking that it is finite and >= 0."""
    out = check_finite_real(value, name)
    if out < 0:
        raise InputError(f"{name} must be >= 0; got {value!r}. Use its absolute value.")
    return out


def check_positive(value: Any, name: str) -> float:
    """Return ``value`` as a float after checking that it is finite and > 0."""
    out = check_finite_real(value, name)
    if out <= 0:
        raise InputError(f"{name} must be > 0; got {value!r}.")
    return out


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking that it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise InputError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    if value < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def check_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """Return ``value`` after checking that it is one of ``choices``."""
    options = list(choices)
    if value not in options:
        raise InputError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}.")
    return str(value)
