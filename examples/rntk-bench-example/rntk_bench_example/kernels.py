"""A kernel for rntk-bench: ``f(X, Y=None, **params) -> (n_X, n_Y)`` Gram matrix.

rntk-bench gives X and Y as float arrays of shape (n, n_channels, length), already
preprocessed (max-norm scaled by default) and at one length; a kernel that sets
``f.unequal_length = True`` gets series of unequal lengths as lists of
(n_channels, t_i) arrays instead. The keyword parameters after X and Y are the
kernel's grid (set in a grid file under the method's name).
"""

from __future__ import annotations

import numpy as np


def cosine(X: np.ndarray, Y: np.ndarray | None = None, power: int = 1) -> np.ndarray:
    """Cosine similarity of the flattened series, raised to an integer power.

    Parameters
    ----------
    X : ndarray of shape (n_X, n_channels, length)
    Y : ndarray of shape (n_Y, n_channels, length), optional
        None: X itself.
    power : int, default 1
        cos^power stays positive semi-definite (Schur product theorem).

    Returns
    -------
    ndarray of shape (n_X, n_Y)
    """
    x = _unit_rows(X)
    y = x if Y is None else _unit_rows(Y)
    return (x @ y.T) ** int(power)


def _unit_rows(X: np.ndarray) -> np.ndarray:
    flat = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    norms = np.linalg.norm(flat, axis=1, keepdims=True)
    return flat / np.where(norms > 0, norms, 1.0)
