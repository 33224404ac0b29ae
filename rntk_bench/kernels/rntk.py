"""The Recurrent Neural Tangent Kernel (RNTK) and its GP kernel (RNNGP).

Both come out of one recursion (docs/rntk.md §3-4): ask for both with
:func:`rnn_kernels`, or for one with :func:`rntk` / :func:`rnngp`.

Backends
--------
- ``"numba"`` (default on the CPU): a fused, vectorised, multi-threaded float64 loop
  (:mod:`._fused`); about 30x the plain numpy reference on 2 cores.
- ``"numpy"``: the plain vectorised float64 reference (:mod:`._reference`).
- ``"torch"``: the optional torch extra, on ``device="cpu"`` or ``"cuda"``, in float64
  or (faster, ~1e-6 relative error) float32.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from rntk_bench._validation import SeriesBatch, as_series_batch, check_choice, check_positive_int
from rntk_bench.errors import InputError
from rntk_bench.kernels._params import (
    RNNParams,
    padded_values,
    series_ids,
)

__all__ = ["BACKENDS", "rnn_kernels", "rnn_kernels_grid", "rnngp", "rntk"]

BACKENDS = ("auto", "numba", "numpy", "torch")
DTYPES = ("float64", "float32")


def rnn_kernels(
    X: Any,
    Y: Any = None,
    *,
    sigma_w: float,
    sigma_u: float = 1.0,
    sigma_b: float = 0.0,
    sigma_h: float = 0.0,
    sigma_v: float = 1.0,
    n_layers: int = 1,
    activation: str = "relu",
    h0: str = "shared",
    backend: str = "auto",
    device: str = "cpu",
    dtype: str = "float64",
    n_threads: int | None = None,
    block_size: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """RNTK and RNNGP Gram matrices from one recursion.

    Parameters
    ----------
    X : array of shape (n_X, n_channels, n_timepoints), or list of (n_channels, t_i)
        The row series. Unequal lengths are aligned at their ends (docs/rntk.md §4).
    Y : same kinds as X, optional
        The column series; None means X (the symmetric Gram, computed once per pair).
    sigma_w : float
        Recurrent weight scale (paper: sigma_w; the edge of stability for ReLU is
        sqrt(2)).
    sigma_u : float, default 1
        Input weight scale (paper: sigma_u).
    sigma_b : float, default 0
        Bias scale (paper: sigma_b).
    sigma_h : float, default 0
        Initial hidden state scale (paper: sigma_h).
    sigma_v : float, default 1
        Read-out weight scale (paper: sigma_v); multiplies both kernels by sigma_v^2.
    n_layers : int, default 1
        Number of stacked recurrent layers (paper: L).
    activation : {"relu", "erf"}
    h0 : {"shared", "independent"}
        One initial state for all inputs (a standard RNN), or one per input as in the
        authors' code (then only identical series share it). Equal when sigma_h = 0.
    backend : {"auto", "numba", "numpy", "torch"}
        "auto" is "numba" on the CPU and "torch" for any other device.
    device : str, default "cpu"
        A torch device ("cuda", "cuda:1", ...) for the torch backend.
    dtype : {"float64", "float32"}
        float32 is allowed with the torch backend only (measured error in the README).
    n_threads : int, optional
        Threads for the numba backend (default: numba's, i.e. all cores). Use 1 inside
        parallel workers: never nest parallel levels.
    block_size : int, optional
        Rows per block for the numpy and torch backends (their temporaries are
        O(n_layers * block_size * n_Y)); default chosen to keep them near 256 MiB.
        The numba backend works one row at a time and ignores it.

    Returns
    -------
    ntk : ndarray of shape (n_X, n_Y), float64
    nngp : ndarray of shape (n_X, n_Y), float64
    """
    params = RNNParams.validated(
        sigma_w=sigma_w,
        sigma_u=sigma_u,
        sigma_b=sigma_b,
        sigma_h=sigma_h,
        sigma_v=sigma_v,
        n_layers=n_layers,
        activation=activation,
        h0=h0,
    )
    return next(
        rnn_kernels_grid(
            X,
            Y,
            [params],
            backend=backend,
            device=device,
            dtype=dtype,
            n_threads=n_threads,
            block_size=block_size,
        )
    )


def rnn_kernels_grid(
    X: Any,
    Y: Any = None,
    settings: Sequence[Mapping[str, Any] | RNNParams] = (),
    *,
    backend: str = "auto",
    device: str = "cpu",
    dtype: str = "float64",
    n_threads: int | None = None,
    block_size: int | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """RNTK and RNNGP for every setting of a grid, sharing the work that allows.

    The input checks, padding, transposition and series identities are done once
    for the whole grid; each setting then costs one variance table and one fused
    pass over the pairs. Every setting is validated before the first is computed.

    Parameters
    ----------
    X, Y : as for :func:`rnn_kernels`
    settings : sequence of dict (parameter name -> value) or RNNParams
    backend, device, dtype, n_threads, block_size : as for :func:`rnn_kernels`

    Yields
    ------
    (ntk, nngp) : ndarrays of shape (n_X, n_Y), one pair per setting, in order
    """
    grid = [s if isinstance(s, RNNParams) else RNNParams.validated(**dict(s)) for s in settings]
    Xb = as_series_batch(X, "X")
    symmetric = Y is None
    Yb = Xb if symmetric else as_series_batch(Y, "Y")
    if Yb.n_channels != Xb.n_channels:
        raise InputError(
            f"X and Y must have the same number of channels; got {Xb.n_channels} and "
            f"{Yb.n_channels}."
        )
    backend = _resolve_backend(backend, device, dtype)
    if n_threads is not None:
        n_threads = check_positive_int(n_threads, "n_threads")
    if block_size is not None:
        block_size = check_positive_int(block_size, "block_size")
    if backend == "numba":
        inputs = _FusedInputs(Xb, Yb, symmetric)
        for params in grid:
            yield inputs.kernels(params, n_threads)
    elif backend == "torch":
        from rntk_bench.kernels import _torch

        # On a GPU, settings of one structure go through one batched pass, as many as
        # fit a whole Gram per setting in one pass's memory (the small UCR Grams are
        # launch-bound one setting at a time; benchmarks/bench_gpu_batch.py). On the
        # CPU one setting at a time is as fast (no launch cost to amortise).
        depth = max((p.n_layers for p in grid), default=1)
        per_setting = _torch.pair_bytes(dtype, depth) * Xb.n_cases * Yb.n_cases
        batched = block_size is None and device != "cpu"
        batch = max(1, _torch.PASS_BYTES // per_setting) if batched else 1
        for _, group in itertools.groupby(grid, key=_torch.structure):
            alike = list(group)
            for lo in range(0, len(alike), batch):
                yield from _torch.rnn_kernels_torch_batch(
                    Xb,
                    Yb,
                    alike[lo : lo + batch],
                    device=device,
                    dtype=dtype,
                    block_size=block_size,
                )
    else:
        for params in grid:
            yield _blocked_reference(Xb, Yb, params, block_size)


def rntk(X: Any, Y: Any = None, **params: Any) -> np.ndarray:
    """The Recurrent Neural Tangent Kernel; same parameters as :func:`rnn_kernels`.

    Returns
    -------
    ndarray of shape (n_X, n_Y), float64
    """
    return rnn_kernels(X, Y, **params)[0]


def rnngp(X: Any, Y: Any = None, **params: Any) -> np.ndarray:
    """The GP kernel of the same RNN (only the read-out trained); same parameters.

    Returns
    -------
    ndarray of shape (n_X, n_Y), float64
    """
    return rnn_kernels(X, Y, **params)[1]


def _resolve_backend(backend: str, device: str, dtype: str) -> str:
    backend = check_choice(backend, "backend", BACKENDS)
    dtype = check_choice(dtype, "dtype", DTYPES)
    if not isinstance(device, str) or not device:
        raise InputError(f"device must be a string such as 'cpu' or 'cuda'; got {device!r}.")
    if backend == "auto":
        backend = "numba" if device == "cpu" and dtype == "float64" else "torch"
    if backend != "torch" and device != "cpu":
        raise InputError(
            f"device={device!r} needs backend='torch'; the {backend} backend runs on the CPU only."
        )
    if backend != "torch" and dtype != "float64":
        raise InputError(
            f"dtype={dtype!r} needs backend='torch'; the {backend} backend is float64 only."
        )
    return backend


def _default_block_rows(n_y: int, n_layers: int) -> int:
    # ~16 float64 temporaries of (rows, n_Y) per layer: keep them near 256 MiB.
    budget = 256 * 2**20 // (16 * 8 * max(n_y, 1) * n_layers)
    return max(1, budget)


def _blocked_reference(
    X: SeriesBatch, Y: SeriesBatch, params: RNNParams, block_size: int | None
) -> tuple[np.ndarray, np.ndarray]:
    from rntk_bench.kernels._reference import rnn_kernels_reference

    rows = block_size or _default_block_rows(Y.n_cases, params.n_layers)
    ntk = np.empty((X.n_cases, Y.n_cases))
    nngp = np.empty_like(ntk)
    for lo in range(0, X.n_cases, rows):
        block = X.take(slice(lo, lo + rows))
        ntk[lo : lo + rows], nngp[lo : lo + rows] = rnn_kernels_reference(block, Y, params)
    return ntk, nngp


@contextmanager
def _numba_threads(n_threads: int | None) -> Iterator[None]:
    import numba

    if n_threads is None:
        yield
        return
    before = numba.get_num_threads()
    numba.set_num_threads(min(n_threads, numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
    try:
        yield
    finally:
        numba.set_num_threads(before)


class _FusedInputs:
    """What the fused loop needs of a pair (X, Y) that does not depend on the setting.

    Built once and shared by every setting of a grid (:func:`rnn_kernels_grid`).
    """

    def __init__(self, X: SeriesBatch, Y: SeriesBatch, symmetric: bool) -> None:
        from rntk_bench.kernels import _fused

        self.X, self.Y, self.symmetric = X, Y, symmetric
        self.n_steps = n_steps = max(X.max_length, Y.max_length)
        self.ids_x, ids_y = series_ids(X, Y)
        self.x = np.ascontiguousarray(padded_values(X, n_steps))
        self.x_start = (n_steps - X.lengths).astype(np.int64)
        # Columns padded with zero series to a multiple of LANES (see _fused.rnn_gram).
        extra = -Y.n_cases % _fused.LANES
        self.n_columns = Y.n_cases + extra
        y_values = self.x if symmetric else padded_values(Y, n_steps)
        self.y_values = np.ascontiguousarray(np.pad(y_values, ((0, extra), (0, 0), (0, 0))))
        self.y_t = np.ascontiguousarray(self.y_values.transpose(2, 1, 0))
        self.y_start = np.pad((n_steps - Y.lengths).astype(np.int64), (0, extra))
        self.ids_y = np.pad(ids_y, (0, extra), constant_values=-1)

    def kernels(self, params: RNNParams, n_threads: int | None) -> tuple[np.ndarray, np.ndarray]:
        from rntk_bench.kernels import _fused

        code = _fused.ACTIVATION_CODES[params.activation]
        squares = (params.sigma_w**2, params.sigma_u**2, params.sigma_b**2, params.sigma_h**2)
        qx = _fused.variance_table(
            self.x, self.x_start, *squares, params.n_layers, code, self.X.n_cases
        )
        if self.symmetric:
            qy = np.pad(
                qx,
                ((0, 0), (0, 0), (0, 0), (0, self.n_columns - self.X.n_cases)),
                constant_values=1.0,
            )
        else:
            qy = _fused.variance_table(
                self.y_values, self.y_start, *squares, params.n_layers, code, self.n_columns
            )
        if params.h0 == "shared":
            keys_x, keys_y = np.zeros_like(self.ids_x), np.zeros_like(self.ids_y)
        else:
            keys_x, keys_y = self.ids_x, self.ids_y
        ntk = np.empty((self.X.n_cases, self.Y.n_cases))
        nngp = np.empty_like(ntk)
        with _numba_threads(n_threads):
            _fused.rnn_gram(
                self.x,
                self.x_start,
                keys_x,
                self.ids_x,
                qx,
                self.y_t,
                self.y_start,
                keys_y,
                self.ids_y,
                qy,
                params.sigma_w**2,
                params.sigma_u**2,
                params.sigma_b**2,
                params.sigma_h**2,
                params.sigma_v**2,
                code,
                self.symmetric,
                ntk,
                nngp,
            )
            if self.symmetric:
                _fused.mirror_upper(ntk)
                _fused.mirror_upper(nngp)
        return ntk, nngp
