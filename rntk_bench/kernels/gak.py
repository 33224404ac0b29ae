"""The global alignment kernel (GAK, Cuturi et al. 2007; Cuturi 2011), checked against tslearn.

GAK sums, over every monotone alignment of two series, the product of a local kernel
along the alignment path. It compares series of different lengths natively (no
resampling, no padding) and any number of channels, which makes it the standard SVM
kernel of this ground and the baseline the RNTK has to beat there.

Two backends compute the same values. ``backend="tslearn"`` is
:func:`tslearn.metrics.cdist_gak` (a maintained implementation; the reference), an
optional dependency (``pip install tslearn``, or the ``dev`` extra) imported only
when that backend is asked for: the CLI never selects it.
The default, ``"numba"``, runs tslearn's recursion for all pairs of a Gram in one
compiled parallel loop (:mod:`rntk_bench.kernels._gak_fused`): tslearn drives each pair
from Python and redoes long pairs in log space, which made GAK on the long
variable-length sets (PLAID: 1.4e11 alignment cells for the quick grid) a matter of
many hours on 2 cores. The compiled loop is 3-20x faster (benchmarks/bench_gak.py, one
thread: 3x on white noise at T = 300, 7x at T = 600 and on PLAID, 19x on
AllGestureWiimoteX, where tslearn's per-pair overhead dominates) and agrees with tslearn
to 1e-12 relative (the tests hold it to 1e-10).
This module adds the package's input conventions, validation and the bandwidth rule.

Which variant
-------------
The unnormalised kernel sums a number of paths that grows like (3 + 2 sqrt 2)^T, so
its values overflow (or, with a small bandwidth, underflow) float64 for series of a few
hundred steps. We use the *normalised* kernel

    gak(x, y) = k(x, y) / sqrt(k(x, x) k(y, y)),  in [0, 1], gak(x, x) = 1,

evaluated in log space (docs/gak.md): tslearn (>= 0.10) takes log k(x, y) from the
linear recursion when that is finite and non-zero, else from a log-sum-exp recursion;
the compiled loop rescales each row of the linear recursion by its maximum and carries
the logarithms (log-sum-exp only for pairs whose local kernels underflow); the ratio is
then exp(log k(x, y) - (log k(x, x) + log k(y, y)) / 2). Normalising keeps the kernel
positive semi-definite. The local kernel is tslearn's (Cuturi 2011's
``kappa = exp(-d^2 / (2 sigma^2))`` turned into ``kappa / (2 - kappa)``, which makes the
alignment kernel positive definite).

Bandwidth rule
--------------
Cuturi (2011) sets sigma relative to the data: the median distance between time
points of different series, times the square root of the median series length::

    sigma = sigma_scale * median_{i,j} ||x_i - x'_j|| * sqrt(median length)

(:func:`gak_bandwidth`, over the training split; a seeded sample of at most 2000 time
points keeps it cheap and deterministic). Grids give ``sigma_scale``; an absolute
``sigma`` may be given instead.

Cost: O(T T') elementwise steps per pair (the alignment recursion), against the RNTK's
O(L max(T, T')); see the README for measured pair-seconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from rntk_bench._validation import SeriesBatch, as_series_batch, check_choice, check_positive
from rntk_bench.errors import InputError

__all__ = ["gak", "gak_bandwidth"]

_BANDWIDTH_POINTS = 2000  # time points sampled for the median distance
_BANDWIDTH_SEED = 0


def gak(
    X: Any,
    Y: Any = None,
    *,
    sigma: float,
    n_jobs: int | None = None,
    backend: str = "numba",
) -> np.ndarray:
    """Normalised global alignment kernel between series of any lengths.

    Parameters
    ----------
    X : array of shape (n_X, n_channels, n_timepoints), or list of (n_channels, t_i)
    Y : same kinds as X, optional
        None means X (the symmetric Gram, each pair computed once).
    sigma : float > 0
        Bandwidth of the local Gaussian kernel on time points (absolute; see
        :func:`gak_bandwidth` for the data-derived scale).
    n_jobs : int, optional
        Threads. None or 1: one thread; -1: all cores. Use 1 inside parallel workers.
    backend : {"numba", "tslearn"}
        "numba" (default): the compiled all-pairs recursion of
        :mod:`rntk_bench.kernels._gak_fused`, 3-20x faster than tslearn
        (benchmarks/bench_gak.py). "tslearn": :func:`tslearn.metrics.cdist_gak`, the
        reference the tests hold the default to (1e-10 relative); needs the optional
        package tslearn.

    Returns
    -------
    ndarray of shape (n_X, n_Y), float64
        Values in [0, 1]; 1 on the diagonal of a Gram.

    Raises
    ------
    InputError
        For sigma <= 0, bad series, an unknown backend, X and Y with different
        channel counts, or ``backend="tslearn"`` without tslearn installed.
    """
    sigma = check_positive(sigma, "sigma (the GAK bandwidth)")
    scale = 2.0 * sigma * sigma
    if not (scale > 0 and math.isfinite(scale)):  # 1/(2 sigma^2) must be a finite number
        raise InputError(
            f"sigma (the GAK bandwidth) {sigma:g} is outside what float64 can use: "
            "2 sigma^2 must be a positive finite number (sigma between about 5.3e-155 "
            "and 9.5e+153)."
        )
    backend = check_choice(backend, "backend", ("numba", "tslearn"))
    Xb = as_series_batch(X, "X")
    Yb = None if Y is None else as_series_batch(Y, "Y")
    if Yb is not None and Yb.n_channels != Xb.n_channels:
        raise InputError(
            f"X and Y must have the same number of channels; got {Xb.n_channels} and "
            f"{Yb.n_channels}."
        )
    if backend == "tslearn":
        return _gak_tslearn(Xb, Yb, sigma, n_jobs)
    return _gak_numba(Xb, Yb, sigma, n_jobs)


def _gak_numba(
    Xb: SeriesBatch, Yb: SeriesBatch | None, sigma: float, n_jobs: int | None
) -> np.ndarray:
    from rntk_bench.kernels._gak_fused import log_gak_pairs
    from rntk_bench.kernels.rntk import _numba_threads

    scale = 1.0 / (2.0 * sigma * sigma)
    # tslearn's convention: None is one thread, a negative number all cores.
    threads = 1 if n_jobs is None else (None if n_jobs < 0 else n_jobs)
    with _numba_threads(threads):
        n_blocks = 8 * _active_threads()

        def log_pairs(
            a: tuple[np.ndarray, np.ndarray],
            b: tuple[np.ndarray, np.ndarray],
            rows: np.ndarray,
            cols: np.ndarray,
        ) -> np.ndarray:
            return log_gak_pairs(a[0], a[1], b[0], b[1], rows, cols, scale, n_blocks)

        x = _time_major(Xb)
        diagonal = np.arange(Xb.n_cases, dtype=np.int64)
        log_x = log_pairs(x, x, diagonal, diagonal)
        if Yb is None:
            rows, cols = np.triu_indices(Xb.n_cases, k=1)
            log_k = np.zeros((Xb.n_cases, Xb.n_cases))
            upper = log_pairs(x, x, rows.astype(np.int64), cols.astype(np.int64))
            log_k[rows, cols] = upper - 0.5 * (log_x[rows] + log_x[cols])
            log_k[cols, rows] = log_k[rows, cols]
            return np.exp(log_k)
        y = _time_major(Yb)
        diagonal_y = np.arange(Yb.n_cases, dtype=np.int64)
        log_y = log_pairs(y, y, diagonal_y, diagonal_y)
        rows, cols = (g.ravel().astype(np.int64) for g in np.indices((Xb.n_cases, Yb.n_cases)))
        log_k = log_pairs(x, y, rows, cols) - 0.5 * (log_x[rows] + log_y[cols])
        return np.exp(log_k).reshape(Xb.n_cases, Yb.n_cases)


def _active_threads() -> int:
    import numba

    return int(numba.get_num_threads())


def _time_major(batch: SeriesBatch) -> tuple[np.ndarray, np.ndarray]:
    """(n, max_length, n_channels) C-contiguous values and int64 lengths, end-aligned."""
    return (
        np.ascontiguousarray(batch.values.transpose(0, 2, 1), dtype=np.float64),
        batch.lengths.astype(np.int64),
    )


def _gak_tslearn(
    Xb: SeriesBatch, Yb: SeriesBatch | None, sigma: float, n_jobs: int | None
) -> np.ndarray:
    # tslearn parallelises over pairs with joblib; pin the threading backend so that an
    # enclosing process-based joblib context (the experiment engine's) is not inherited:
    # tslearn's backend objects cannot be pickled to worker processes.
    import joblib  # here, not at import: listing kernels stays light

    cdist_gak = _tslearn_cdist_gak()
    with joblib.parallel_config(backend="threading"):
        out = cdist_gak(
            _tslearn_layout(Xb),
            None if Yb is None else _tslearn_layout(Yb),
            sigma=sigma,
            n_jobs=n_jobs,
            be="numpy",
        )
    return np.asarray(out, dtype=np.float64)


def _tslearn_cdist_gak() -> Callable[..., Any]:
    """tslearn's ``cdist_gak``, imported on first use (tslearn is optional)."""
    try:
        from tslearn.metrics import cdist_gak
    except ImportError as exc:
        raise InputError(
            'backend="tslearn" needs the optional package tslearn, which is not installed '
            f"or cannot be imported ({exc}); install it with `pip install tslearn` (or "
            '`pip install "rntk-bench[dev]"`), or use the default backend="numba".'
        ) from None
    return cdist_gak


def gak_bandwidth(X: Any) -> float:
    """The data's GAK bandwidth yardstick: median time-point distance x sqrt(median length).

    ``median ||x_i - x'_j||`` runs over pairs of time points (vectors of n_channels
    values) pooled from all series, on a seeded sample of at most 2000 points; zero
    distances (repeated values) are left out so that quantised data keep a positive
    scale.

    Parameters
    ----------
    X : array of shape (n_cases, n_channels, n_timepoints), or list of (n_channels, t_i)
        The fitting (training) series.

    Returns
    -------
    float > 0
        1.0 when every time point is the same.
    """
    from scipy.spatial.distance import pdist

    batch = as_series_batch(X, "X")
    points = np.concatenate([batch.series(i).T for i in range(batch.n_cases)])
    if len(points) > _BANDWIDTH_POINTS:
        rng = np.random.default_rng(_BANDWIDTH_SEED)
        points = points[np.sort(rng.choice(len(points), _BANDWIDTH_POINTS, replace=False))]
    distances = pdist(points)
    positive = distances[distances > 0]
    if not positive.size:
        return 1.0
    return float(np.median(positive) * np.sqrt(np.median(batch.lengths)))


def _tslearn_layout(batch: SeriesBatch) -> list[np.ndarray]:
    """tslearn's layout: one (t_i, n_channels) array per series (it NaN-pads itself)."""
    return [np.ascontiguousarray(batch.series(i).T) for i in range(batch.n_cases)]
