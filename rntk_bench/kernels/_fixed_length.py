"""The unequal-length policy of the fixed-length kernels (FC NTK/NNGP, classical).

Those kernels compare series point by point, so every series must have the same
number of time points. Policy: linearly resample every series to ``length``
points (default: the longest series among X and Y). Pass the same ``length`` for
the train x train and test x train Gram matrices (the experiment engine passes
the longest series of the whole data set) so that both use one feature space.
Equal-length input of that length is used unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rntk_bench._validation import SeriesBatch, as_series_batch, check_positive_int
from rntk_bench.errors import InputError
from rntk_bench.kernels._params import identity_ids


def flatten_pair(X: Any, Y: Any, length: int | None) -> tuple[np.ndarray, np.ndarray, bool]:
    """Validate X and Y and flatten them to feature vectors of one common length.

    Parameters
    ----------
    X : array (n_X, n_channels, n_timepoints) or list of (n_channels, t_i)
    Y : same kinds, or None for X itself
    length : int, optional
        Common number of time points; see the module docstring.

    Returns
    -------
    fx : ndarray of shape (n_X, n_channels * length)
    fy : ndarray of shape (n_Y, n_channels * length) (``fx`` itself when Y is None)
    symmetric : bool
        True when Y was None.
    """
    xb = as_series_batch(X, "X")
    yb = xb if Y is None else as_series_batch(Y, "Y")
    if yb.n_channels != xb.n_channels:
        raise InputError(
            f"X and Y must have the same number of channels; got {xb.n_channels} and "
            f"{yb.n_channels}."
        )
    if length is None:
        length = max(int(xb.lengths.max()), int(yb.lengths.max()))
    else:
        length = check_positive_int(length, "length")
    fx = _flat(xb, length)
    fy = fx if Y is None else _flat(yb, length)
    return fx, fy, Y is None


def _flat(batch: SeriesBatch, length: int) -> np.ndarray:
    if batch.equal_length and batch.max_length == length:
        values = batch.values
    else:
        values = batch.resampled(length)
    return values.reshape(batch.n_cases, -1)


def identical_rows(fx: np.ndarray, fy: np.ndarray) -> np.ndarray:
    """Boolean (n_X, n_Y) matrix: True where the two feature vectors are identical."""
    ids_x, ids_y = identity_ids((row.tobytes() for row in fx), (row.tobytes() for row in fy))
    return ids_x[:, None] == ids_y[None, :]
