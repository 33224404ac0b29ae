"""Kernels: pure functions on arrays of series, ``k(X, Y=None, **params) -> (n_X, n_Y)``.

X and Y are float arrays of shape (n_cases, n_channels, n_timepoints) or lists of
(n_channels, t_i) arrays for unequal lengths; Y=None means the Gram of X with itself.

- :func:`rntk`, :func:`rnngp`, :func:`rnn_kernels`: the Recurrent NTK and its GP
  kernel from one recursion (numba, numpy reference or torch backend).
- :func:`ntk`, :func:`nngp`: fully connected NTK / NNGP on the flattened series.
- :func:`rbf`, :func:`polynomial`, :func:`linear`: classical kernels.
- :func:`gak`, :func:`gak_bandwidth`: the global alignment kernel (checked against tslearn) and its
  median-distance bandwidth.
- The registry of methods (which kernels a run can name, their grids and
  capabilities) is :mod:`rntk_bench.methods`; this package holds the functions only.
- :func:`monte_carlo_kernels`: empirical kernels of finite random RNNs.
- :func:`rntk_time_weights`, :func:`rntk_time_weight_curve`: the RNTK unrolled into
  time-step weights, per pair or summed over a data set's pairs (docs/time_weights.md).
- :func:`compiled_on_disk`: whether numba's cache already holds the fused RNN loop.
"""

from rntk_bench.kernels.classic import linear, polynomial, rbf
from rntk_bench.kernels.finite import monte_carlo_kernels
from rntk_bench.kernels.gak import gak, gak_bandwidth
from rntk_bench.kernels.ntk import fc_kernels_all_depths, nngp, ntk
from rntk_bench.kernels.rntk import rnn_kernels, rnn_kernels_grid, rnngp, rntk
from rntk_bench.kernels.weights import (
    TimeWeightCurve,
    TimeWeights,
    rntk_time_weight_curve,
    rntk_time_weights,
)


def compiled_on_disk(loop: str = "rnn") -> bool | None:
    """Whether numba's on-disk cache already holds a compiled loop.

    loop: "rnn" (the fused RNN Gram loop, tens of seconds to compile) or "gak" (the
    all-pairs alignment recursion, a few seconds). False: the next Gram compiles it
    (once per install); None: unknown. numba is imported only here, so that light
    commands stay light.
    """
    from rntk_bench.kernels._fused import compiled_on_disk as check

    if loop == "gak":
        from rntk_bench.kernels._gak_fused import log_gak_pairs

        return check(log_gak_pairs)
    return check()


__all__ = [
    "TimeWeightCurve",
    "TimeWeights",
    "compiled_on_disk",
    "fc_kernels_all_depths",
    "gak",
    "gak_bandwidth",
    "linear",
    "monte_carlo_kernels",
    "nngp",
    "ntk",
    "polynomial",
    "rbf",
    "rnn_kernels",
    "rnn_kernels_grid",
    "rnngp",
    "rntk",
    "rntk_time_weight_curve",
    "rntk_time_weights",
]
