"""The kernel families: each kernel SVM method's description (see :mod:`.base`).

A family is a group of kernels that come out of one computation (the RNTK and RNNGP
of one recursion; the FC NTK and NNGP of one recursion; RBF settings of one distance
matrix) and is the unit the engine computes.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from rntk_bench._validation import check_positive
from rntk_bench.errors import InputError
from rntk_bench.kernels import classic
from rntk_bench.kernels._params import RNNParams
from rntk_bench.kernels.gak import gak, gak_bandwidth
from rntk_bench.kernels.ntk import fc_kernels_all_depths, nngp, ntk
from rntk_bench.kernels.rntk import rnn_kernels, rnn_kernels_grid, rnngp, rntk
from rntk_bench.methods.base import Capabilities, GramSet, KernelFamily, Member, Setting

__all__ = [
    "FAMILIES",
    "FCKernels",
    "GAKKernel",
    "LinearKernel",
    "PolynomialKernel",
    "RBFKernel",
    "RNNKernels",
    "mean_squared_norm",
    "median_squared_distance",
]

#: The RNN's parameters, written once: the fields of RNNParams.
RNN_PARAMETERS = tuple(f.name for f in fields(RNNParams))


# --- RNN family: RNTK + RNNGP from one recursion --------------------------------------

# Work per training pair of a global alignment kernel pair, in RNN pair-steps: T^2
# cells of the compiled recursion, 10-16 ns each against ~10 ns per RNN pair-step.
_GAK_PAIR_COST = 1.0


class RNNKernels(KernelFamily):
    name = "rnn"
    parameters = RNN_PARAMETERS
    members = (
        Member("rntk", rntk, "Recurrent Neural Tangent Kernel (Alemohammad et al. 2021)",
               RNN_PARAMETERS),
        Member("rnngp", rnngp, "GP kernel of the same RNN (only the read-out trained)",
               RNN_PARAMETERS),
    )  # fmt: skip
    capabilities = Capabilities(native_lengths=True, alignment="ends aligned", gpu=True)

    def validate(self, values: Mapping[str, Any]) -> RNNParams:
        return RNNParams.validated(**dict(values))

    def compute(
        self,
        X: Any,
        Y: Any,
        settings: Sequence[Setting],
        *,
        fit_X: Any = None,
        length: int | None = None,
        backend: str = "auto",
        device: str = "cpu",
        dtype: str = "float64",
        n_threads: int | None = None,
    ) -> Iterator[GramSet]:
        grams = rnn_kernels_grid(
            X,
            Y,
            [s.params for s in settings],
            backend=backend,
            device=device,
            dtype=dtype,
            n_threads=n_threads,
        )
        for k, g in grams:
            yield {"rntk": k, "rnngp": g}

    def gram_work(self, setting: Setting, length: int) -> float:
        return float(length * int(setting.params.n_layers))

    def block_size(self, n_settings: int, requested: int) -> int:
        # Settings share nothing but the inputs: blocks balance load and checkpoint.
        return requested

    def cold(self, backend: Mapping[str, Any]) -> bool:
        from rntk_bench.kernels import compiled_on_disk

        return backend.get("backend", "auto") in ("auto", "numba") and compiled_on_disk() is False

    def warm_up(self, backend: Mapping[str, Any]) -> None:
        # Also fails early, not in a worker, on a backend/device/dtype that cannot run.
        rnn_kernels(
            np.zeros((1, 1, 1)),
            sigma_w=1.0,
            backend=backend.get("backend", "auto"),
            device=backend.get("device", "cpu"),
            dtype=backend.get("dtype", "float64"),
        )


# --- FC family: NTK + NNGP for every depth from one recursion --------------------------


@dataclass(frozen=True)
class FCParams:
    """Depth, frozen first layers, weight and bias scales, activation of the FC network."""

    depth: int
    fix_first: int
    sigma_w: float
    sigma_b: float
    activation: str

    def recursion(self) -> tuple[float, float, str]:
        """What one recursion shares: every depth of (sigma_w, sigma_b, activation)."""
        return (self.sigma_w, self.sigma_b, self.activation)


class FCKernels(KernelFamily):
    name = "fc"
    parameters = ("depth", "fix_first", "sigma_w", "sigma_b", "activation")
    members = (
        Member("ntk", ntk, "fully connected ReLU NTK on the flattened series (Arora et al.)",
               ("depth", "fix_first", "sigma_w", "sigma_b", "activation")),
        Member("nngp", nngp, "fully connected ReLU NNGP on the flattened series",
               ("depth", "sigma_w", "sigma_b", "activation")),
    )  # fmt: skip
    capabilities = Capabilities(native_lengths=False)

    def possible(self, values: Mapping[str, Any]) -> bool:
        return int(values.get("fix_first", 0)) < int(values.get("depth", 1))

    def validate(self, values: Mapping[str, Any]) -> FCParams:
        ntk(np.zeros((1, 1, 1)), **dict(values))  # the kernel's own checks, once
        return FCParams(
            depth=int(values.get("depth", 1)),
            fix_first=int(values.get("fix_first", 0)),
            sigma_w=float(values.get("sigma_w", np.sqrt(2.0))),
            sigma_b=float(values.get("sigma_b", 0.0)),
            activation=str(values.get("activation", "relu")),
        )

    def compute(
        self,
        X: Any,
        Y: Any,
        settings: Sequence[Setting],
        *,
        fit_X: Any = None,
        length: int | None = None,
        **_: Any,
    ) -> Iterator[GramSet]:
        # One recursion per (sigma_w, sigma_b, activation), as deep as its deepest setting.
        deepest: dict[tuple[float, float, str], int] = {}
        for setting in settings:
            key = setting.params.recursion()
            deepest[key] = max(deepest.get(key, 1), setting.params.depth)
        results = {
            key: fc_kernels_all_depths(
                X, Y, max_depth=depth, sigma_w=key[0], sigma_b=key[1], activation=key[2],
                length=length,
            )
            for key, depth in deepest.items()
        }  # fmt: skip
        for setting in settings:
            p: FCParams = setting.params
            all_ntk, all_nngp = results[p.recursion()]
            yield {"ntk": all_ntk[p.depth - 1, p.fix_first], "nngp": all_nngp[p.depth - 1]}


# --- Classical kernels, with data-scaled grids ------------------------------------------


def median_squared_distance(fit_X: Any, length: int | None) -> float:
    """Median of ||x - x'||^2 over distinct pairs of the fitting data (> 0)."""
    return _median_off_diagonal(classic.squared_distances(fit_X, length=length))


def _median_off_diagonal(d: np.ndarray) -> float:
    values = d[np.triu_indices_from(d, k=1)]
    positive = values[values > 0]
    return float(np.median(positive)) if positive.size else 1.0


def mean_squared_norm(fit_X: Any, length: int | None) -> float:
    """Mean of ||x||^2 over the fitting data (> 0)."""
    return _mean_diagonal(classic.linear(fit_X, length=length))


def _mean_diagonal(g: np.ndarray) -> float:
    mean = float(np.mean(np.diag(g)))
    return mean if mean > 0 else 1.0


def _yardstick(
    X: Any,
    Y: Any,
    fit_X: Any,
    length: int | None,
    matrix: np.ndarray,
    of_matrix: Callable[[np.ndarray], float],
    of_data: Callable[[Any, int | None], float],
) -> float:
    """The data-derived scale of a setting: the fitting series' statistic.

    For the training Gram (Y None, X the fitting series) it comes from the matrix just
    computed (``of_matrix``); otherwise from the fitting series (``of_data``).
    """
    if Y is None and (fit_X is None or fit_X is X):
        return of_matrix(matrix)
    return of_data(X if fit_X is None else fit_X, length)


@dataclass(frozen=True)
class ScaledParams:
    """An absolute value (gamma, sigma) or a multiple of a data-derived yardstick."""

    absolute: float | None
    scale: float

    def value(self, yardstick: float) -> float:
        """The absolute value if given, else ``scale / yardstick`` (gamma rules)."""
        return self.absolute if self.absolute is not None else self.scale / yardstick


def _scaled(values: Mapping[str, Any], absolute: str, relative: str) -> ScaledParams:
    for key in (relative, absolute):
        if key in values and not float(values[key]) > 0:
            raise InputError(f"{key} must be > 0; got {values[key]!r}.")
    given = float(values[absolute]) if absolute in values else None
    return ScaledParams(given, float(values.get(relative, 1.0)))


class RBFKernel(KernelFamily):
    name = "rbf"
    parameters = ("gamma_scale", "gamma")
    members = (
        Member("rbf", classic.rbf, "Gaussian kernel, gamma relative to the median heuristic",
               ("gamma_scale", "gamma")),
    )  # fmt: skip
    capabilities = Capabilities(native_lengths=False)

    def validate(self, values: Mapping[str, Any]) -> ScaledParams:
        return _scaled(values, "gamma", "gamma_scale")

    def compute(
        self,
        X: Any,
        Y: Any,
        settings: Sequence[Setting],
        *,
        fit_X: Any = None,
        length: int | None = None,
        **_: Any,
    ) -> Iterator[GramSet]:
        distances = classic.squared_distances(X, Y, length=length)
        scale = _yardstick(
            X, Y, fit_X, length, distances, _median_off_diagonal, median_squared_distance
        )
        for setting in settings:
            yield {"rbf": np.exp(-setting.params.value(scale) * distances)}

    def resolve(self, setting: Setting, fit_X: Any, length: int | None) -> dict[str, Any]:
        return {"gamma": setting.params.value(median_squared_distance(fit_X, length))}


@dataclass(frozen=True)
class PolynomialParams:
    degree: int
    coef0: float
    gamma: ScaledParams


class PolynomialKernel(KernelFamily):
    name = "polynomial"
    parameters = ("degree", "coef0", "gamma_scale", "gamma")
    members = (
        Member("polynomial", classic.polynomial, "polynomial kernel (gamma <x,x'> + coef0)^degree",
               ("degree", "coef0", "gamma_scale", "gamma")),
    )  # fmt: skip
    capabilities = Capabilities(native_lengths=False)

    def validate(self, values: Mapping[str, Any]) -> PolynomialParams:
        gamma = values.get("gamma", values.get("gamma_scale", 1.0))
        classic.polynomial_params(values.get("degree", 3), gamma, values.get("coef0", 1.0))
        return PolynomialParams(
            degree=int(values.get("degree", 3)),
            coef0=float(values.get("coef0", 1.0)),
            gamma=ScaledParams(
                float(values["gamma"]) if "gamma" in values else None,
                float(values.get("gamma_scale", 1.0)),
            ),
        )

    def compute(
        self,
        X: Any,
        Y: Any,
        settings: Sequence[Setting],
        *,
        fit_X: Any = None,
        length: int | None = None,
        **_: Any,
    ) -> Iterator[GramSet]:
        inner = classic.linear(X, Y, length=length)
        scale = _yardstick(X, Y, fit_X, length, inner, _mean_diagonal, mean_squared_norm)
        for setting in settings:
            p: PolynomialParams = setting.params
            yield {"polynomial": (p.gamma.value(scale) * inner + p.coef0) ** p.degree}

    def resolve(self, setting: Setting, fit_X: Any, length: int | None) -> dict[str, Any]:
        return {"gamma": setting.params.gamma.value(mean_squared_norm(fit_X, length))}


class LinearKernel(KernelFamily):
    name = "linear"
    parameters = ()
    members = (Member("linear", classic.linear, "linear kernel <x,x'>", ()),)
    capabilities = Capabilities(native_lengths=False)

    def validate(self, values: Mapping[str, Any]) -> None:
        return None

    def compute(
        self,
        X: Any,
        Y: Any,
        settings: Sequence[Setting],
        *,
        length: int | None = None,
        **_: Any,
    ) -> Iterator[GramSet]:
        gram = classic.linear(X, Y, length=length)
        for _setting in settings:
            yield {"linear": gram}


# --- Global alignment kernel (checked against tslearn), bandwidth relative to the data -


class GAKKernel(KernelFamily):
    name = "gak"
    parameters = ("sigma_scale", "sigma")
    members = (
        Member("gak", gak, "global alignment kernel, normalised (Cuturi 2011)",
               ("sigma_scale", "sigma")),
    )  # fmt: skip
    capabilities = Capabilities(native_lengths=True)

    def validate(self, values: Mapping[str, Any]) -> ScaledParams:
        for key in ("sigma_scale", "sigma"):
            if key in values:
                check_positive(values[key], f"the GAK bandwidth {key}")
        given = float(values["sigma"]) if "sigma" in values else None
        if given is not None:
            _check_bandwidth(given)  # before any work; a scaled one needs the data
        return ScaledParams(given, float(values.get("sigma_scale", 1.0)))

    @staticmethod
    def _sigma(p: ScaledParams, fit_X: Any) -> float:
        """``sigma`` if given, else ``sigma_scale`` x :func:`gak_bandwidth` of the data."""
        if p.absolute is not None:
            return p.absolute
        bandwidth = gak_bandwidth(fit_X)
        sigma = p.scale * bandwidth
        _check_bandwidth(sigma, f"sigma_scale {p.scale:g} x the data's {bandwidth:.3g}")
        return sigma

    def compute(
        self,
        X: Any,
        Y: Any,
        settings: Sequence[Setting],
        *,
        fit_X: Any = None,
        length: int | None = None,
        n_threads: int | None = None,
        **_: Any,
    ) -> Iterator[GramSet]:
        # Native unequal lengths: `length` (the fixed-length kernels' policy) is not used.
        # Every bandwidth is a new alignment recursion: nothing is shared across settings.
        # n_threads=None means all cores here, as for the RNTK.
        fit = X if fit_X is None else fit_X
        n_jobs = -1 if n_threads is None else n_threads
        for setting in settings:
            yield {"gak": gak(X, Y, sigma=self._sigma(setting.params, fit), n_jobs=n_jobs)}

    def resolve(self, setting: Setting, fit_X: Any, length: int | None) -> dict[str, Any]:
        return {"sigma": self._sigma(setting.params, fit_X)}

    def gram_work(self, setting: Setting, length: int) -> float:
        return _GAK_PAIR_COST * length * length

    def block_size(self, n_settings: int, requested: int) -> int:
        # Each bandwidth is a whole alignment recursion (PLAID: 4.6e10 cells): one task
        # each, so that the workers share a long data set.
        return 1

    def cold(self, backend: Mapping[str, Any]) -> bool:
        from rntk_bench.kernels import compiled_on_disk

        return compiled_on_disk("gak") is False

    def warm_up(self, backend: Mapping[str, Any]) -> None:
        gak(np.zeros((2, 1, 2)), sigma=1.0)


# The GAK bandwidths whose 2 sigma^2 and its inverse are finite in float64 (for messages).
_SIGMA_RANGE = (math.sqrt(0.5 / sys.float_info.max), math.sqrt(sys.float_info.max / 2))


def _check_bandwidth(sigma: float, how: str = "") -> None:
    """Refuse a GAK bandwidth whose 2 sigma^2 is 0 or infinite in float64.

    The recursion divides by 2 sigma^2 (a ZeroDivisionError below about 5e-155); above
    about 9e153 every cell's kernel is exp(0) = 1 and the Gram a constant.
    """
    if 0.0 < 2.0 * sigma * sigma < math.inf and 1.0 / (2.0 * sigma * sigma) < math.inf:
        return
    raise InputError(
        f"the GAK bandwidth sigma = {how + ' = ' if how else ''}{sigma:.3g} is outside what "
        "float64 can use (2 sigma^2 must be positive and finite: sigma between "
        f"{_SIGMA_RANGE[0]:.2g} and {_SIGMA_RANGE[1]:.2g}); choose sigma_scale (or sigma) "
        "accordingly."
    )


FAMILIES: dict[str, KernelFamily] = {
    family.name: family
    for family in (
        RNNKernels(),
        FCKernels(),
        RBFKernel(),
        PolynomialKernel(),
        LinearKernel(),
        GAKKernel(),
    )
}
