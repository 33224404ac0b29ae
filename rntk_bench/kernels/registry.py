"""The kernel registry: name -> function, family, default grids and capabilities.

A *kernel* is a public function ``k(X, Y=None, **params) -> (n_X, n_Y)``. A *family*
is a group of kernels that come out of one computation (the RNTK and RNNGP of one
recursion; the FC NTK and NNGP of one recursion; RBF settings of one distance
matrix) and is the unit the experiment engine computes. The CLI's choices and the
README's kernel table read from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rntk_bench._validation import check_positive
from rntk_bench.errors import InputError, UnknownNameError
from rntk_bench.kernels import classic
from rntk_bench.kernels._params import RNNParams
from rntk_bench.kernels.gak import gak, gak_bandwidth
from rntk_bench.kernels.grids import grid_settings
from rntk_bench.kernels.ntk import fc_kernels_all_depths, nngp, ntk
from rntk_bench.kernels.rntk import rnn_kernels_grid, rnngp, rntk

__all__ = [
    "FAMILIES",
    "KERNELS",
    "KernelFamily",
    "KernelSpec",
    "get_family",
    "get_kernel",
    "kernel_names",
]


@dataclass(frozen=True)
class KernelSpec:
    """One registered kernel.

    Attributes
    ----------
    name : str
    function : callable
        ``function(X, Y=None, **params) -> ndarray (n_X, n_Y)``.
    family : str
        The family that computes it together with its siblings.
    summary : str
        One line for listings.
    parameters : tuple of str
        The grid parameters this kernel depends on (a family may have more).
    unequal_length : bool
        Handles series of different lengths natively (no resampling).
    multivariate : bool
    torch_backend : bool
        Can run on a torch device (GPU).
    """

    name: str
    function: Callable[..., np.ndarray]
    family: str
    summary: str
    parameters: tuple[str, ...]
    unequal_length: bool
    multivariate: bool = True
    torch_backend: bool = False


GramSet = dict[str, np.ndarray]


@dataclass(frozen=True)
class KernelFamily:
    """Kernels computed together, with their parameter checks and shared work.

    Attributes
    ----------
    name : str
    kernels : tuple of str
    compute : callable
        ``compute(X, Y, settings, fit_X=..., length=..., **backend) -> iterator of
        {kernel name: Gram}``, one item per setting, in order.
    check : callable
        ``check(setting)`` raises InputError for a value the kernel rejects.
    valid : callable
        ``valid(setting) -> bool``: False drops impossible grid combinations.
    resolve : callable, optional
        ``resolve(setting, fit_X, length) -> dict``: data-derived values of a setting
        (e.g. the absolute gamma), recorded in result files.
    """

    name: str
    kernels: tuple[str, ...]
    compute: Callable[..., Iterator[GramSet]]
    check: Callable[[Mapping[str, Any]], None]
    valid: Callable[[Mapping[str, Any]], bool]
    resolve: Callable[[Mapping[str, Any], Any, int | None], dict[str, Any]] | None = None

    def settings(self, params: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
        """All valid settings of a grid for this family, each checked.

        Raises
        ------
        InputError
            Naming the family, the setting and the reason, or an empty grid.
        """
        out = []
        for setting in grid_settings(params):
            try:
                if self.valid(setting):
                    out.append(setting)
            except (TypeError, ValueError) as exc:  # e.g. depth: "two"
                raise InputError(
                    f"grid for {self.name}: setting {setting}: a value has the wrong type "
                    f"({' '.join(str(exc).split())})."
                ) from None
        if not out:
            raise InputError(
                f"the grid for {self.name} ({', '.join(self.kernels)}) has no valid "
                f"setting; got {dict(params)}."
            )
        for setting in out:
            try:
                self.check(setting)
            except InputError as exc:
                raise InputError(f"grid for {self.name}: setting {setting}: {exc}") from None
            except (TypeError, ValueError) as exc:  # a check that converts: float("x")
                raise InputError(
                    f"grid for {self.name}: setting {setting}: a value has the wrong type "
                    f"({' '.join(str(exc).split())})."
                ) from None
        return out

    def projection(self, kernel: str, setting: Mapping[str, Any]) -> dict[str, Any]:
        """The part of a family setting that the given kernel depends on."""
        wanted = KERNELS[kernel].parameters
        return {k: v for k, v in setting.items() if k in wanted}


# --- RNN family: RNTK + RNNGP from one recursion --------------------------------------

_RNN_PARAMS = (
    "sigma_w",
    "sigma_u",
    "sigma_b",
    "sigma_h",
    "sigma_v",
    "n_layers",
    "activation",
    "h0",
)


def _rnn_check(setting: Mapping[str, Any]) -> None:
    RNNParams.validated(**dict(setting))


def _rnn_compute(
    X: Any,
    Y: Any,
    settings: Sequence[Mapping[str, Any]],
    *,
    fit_X: Any = None,
    length: int | None = None,
    backend: str = "auto",
    device: str = "cpu",
    dtype: str = "float64",
    n_threads: int | None = None,
) -> Iterator[GramSet]:
    grams = rnn_kernels_grid(
        X, Y, list(settings), backend=backend, device=device, dtype=dtype, n_threads=n_threads
    )
    for k, g in grams:
        yield {"rntk": k, "rnngp": g}


# --- FC family: NTK + NNGP for every depth from one recursion --------------------------


def _fc_check(setting: Mapping[str, Any]) -> None:
    ntk(np.zeros((1, 1, 1)), **dict(setting))


def _fc_valid(setting: Mapping[str, Any]) -> bool:
    return int(setting.get("fix_first", 0)) < int(setting.get("depth", 1))


def _fc_key(setting: Mapping[str, Any]) -> tuple[float, float, str]:
    return (
        float(setting.get("sigma_w", np.sqrt(2.0))),
        float(setting.get("sigma_b", 0.0)),
        str(setting.get("activation", "relu")),
    )


def _fc_compute(
    X: Any,
    Y: Any,
    settings: Sequence[Mapping[str, Any]],
    *,
    fit_X: Any = None,
    length: int | None = None,
    **_: Any,
) -> Iterator[GramSet]:
    # One recursion per (sigma_w, sigma_b, activation), as deep as its deepest setting.
    deepest: dict[tuple[float, float, str], int] = {}
    for setting in settings:
        key = _fc_key(setting)
        deepest[key] = max(deepest.get(key, 1), int(setting.get("depth", 1)))
    results = {
        key: fc_kernels_all_depths(
            X,
            Y,
            max_depth=depth,
            sigma_w=key[0],
            sigma_b=key[1],
            activation=key[2],
            length=length,
        )
        for key, depth in deepest.items()
    }
    for setting in settings:
        all_ntk, all_nngp = results[_fc_key(setting)]
        depth, fix = int(setting.get("depth", 1)), int(setting.get("fix_first", 0))
        yield {"ntk": all_ntk[depth - 1, fix], "nngp": all_nngp[depth - 1]}


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


def _fits_itself(X: Any, Y: Any, fit_X: Any) -> bool:
    """True for the training Gram: its own matrix gives the data-derived scale."""
    return Y is None and (fit_X is None or fit_X is X)


def _rbf_check(setting: Mapping[str, Any]) -> None:
    for key in setting:
        if key not in ("gamma_scale", "gamma"):
            raise InputError(f"unknown rbf parameter {key!r}; valid: gamma_scale, gamma.")
    for key in ("gamma_scale", "gamma"):
        if key in setting and not float(setting[key]) > 0:
            raise InputError(f"{key} must be > 0; got {setting[key]!r}.")


def _absolute_gamma(setting: Mapping[str, Any], scale: float) -> float:
    """``gamma`` if given, else ``gamma_scale`` / scale (the data-derived yardstick)."""
    if "gamma" in setting:
        return float(setting["gamma"])
    return float(setting.get("gamma_scale", 1.0)) / scale


def _rbf_compute(
    X: Any,
    Y: Any,
    settings: Sequence[Mapping[str, Any]],
    *,
    fit_X: Any = None,
    length: int | None = None,
    **_: Any,
) -> Iterator[GramSet]:
    distances = classic.squared_distances(X, Y, length=length)
    if _fits_itself(X, Y, fit_X):
        scale = _median_off_diagonal(distances)
    else:
        scale = median_squared_distance(X if fit_X is None else fit_X, length)
    for setting in settings:
        yield {"rbf": np.exp(-_absolute_gamma(setting, scale) * distances)}


def _poly_check(setting: Mapping[str, Any]) -> None:
    known = ("degree", "coef0", "gamma_scale", "gamma")
    for key in setting:
        if key not in known:
            raise InputError(f"unknown polynomial parameter {key!r}; valid: {', '.join(known)}.")
    gamma = setting.get("gamma", setting.get("gamma_scale", 1.0))
    classic.polynomial_params(setting.get("degree", 3), gamma, setting.get("coef0", 1.0))


def _poly_compute(
    X: Any,
    Y: Any,
    settings: Sequence[Mapping[str, Any]],
    *,
    fit_X: Any = None,
    length: int | None = None,
    **_: Any,
) -> Iterator[GramSet]:
    inner = classic.linear(X, Y, length=length)
    if _fits_itself(X, Y, fit_X):
        scale = _mean_diagonal(inner)
    else:
        scale = mean_squared_norm(X if fit_X is None else fit_X, length)
    for setting in settings:
        gamma = _absolute_gamma(setting, scale)
        degree, coef0 = int(setting.get("degree", 3)), float(setting.get("coef0", 1.0))
        yield {"polynomial": (gamma * inner + coef0) ** degree}


def _linear_check(setting: Mapping[str, Any]) -> None:
    if setting:
        raise InputError(f"the linear kernel has no parameters; got {dict(setting)}.")


def _linear_compute(
    X: Any,
    Y: Any,
    settings: Sequence[Mapping[str, Any]],
    *,
    length: int | None = None,
    **_: Any,
) -> Iterator[GramSet]:
    gram = classic.linear(X, Y, length=length)
    for _setting in settings:
        yield {"linear": gram}


def _always(setting: Mapping[str, Any]) -> bool:
    return True


def _rbf_resolve(setting: Mapping[str, Any], fit_X: Any, length: int | None) -> dict[str, Any]:
    return {"gamma": _absolute_gamma(setting, median_squared_distance(fit_X, length))}


def _poly_resolve(setting: Mapping[str, Any], fit_X: Any, length: int | None) -> dict[str, Any]:
    return {"gamma": _absolute_gamma(setting, mean_squared_norm(fit_X, length))}


# --- Global alignment kernel (checked against tslearn), bandwidth relative to the data -


def _gak_check(setting: Mapping[str, Any]) -> None:
    for key in setting:
        if key not in ("sigma_scale", "sigma"):
            raise InputError(f"unknown gak parameter {key!r}; valid: sigma_scale, sigma.")
    for key in ("sigma_scale", "sigma"):
        if key in setting:
            check_positive(setting[key], f"the GAK bandwidth {key}")


def _gak_sigma(setting: Mapping[str, Any], fit_X: Any) -> float:
    """``sigma`` if given, else ``sigma_scale`` x :func:`gak_bandwidth` of the fitting data."""
    if "sigma" in setting:
        return float(setting["sigma"])
    return float(setting.get("sigma_scale", 1.0)) * gak_bandwidth(fit_X)


def _gak_compute(
    X: Any,
    Y: Any,
    settings: Sequence[Mapping[str, Any]],
    *,
    fit_X: Any = None,
    length: int | None = None,
    n_threads: int | None = None,
    **_: Any,
) -> Iterator[GramSet]:
    # Native unequal lengths: `length` (the fixed-length kernels' policy) is not used.
    # Every bandwidth is a new alignment recursion: nothing is shared across settings.
    # n_threads=None means all cores here, as for the RNTK (tslearn's None is one).
    fit = X if fit_X is None else fit_X
    n_jobs = -1 if n_threads is None else n_threads
    for setting in settings:
        yield {"gak": gak(X, Y, sigma=_gak_sigma(setting, fit), n_jobs=n_jobs)}


def _gak_resolve(setting: Mapping[str, Any], fit_X: Any, length: int | None) -> dict[str, Any]:
    return {"sigma": _gak_sigma(setting, fit_X)}


KERNELS: dict[str, KernelSpec] = {
    spec.name: spec
    for spec in (
        KernelSpec(
            "rntk",
            rntk,
            "rnn",
            "Recurrent Neural Tangent Kernel (Alemohammad et al. 2021)",
            _RNN_PARAMS,
            unequal_length=True,
            torch_backend=True,
        ),
        KernelSpec(
            "rnngp",
            rnngp,
            "rnn",
            "GP kernel of the same RNN (only the read-out trained)",
            _RNN_PARAMS,
            unequal_length=True,
            torch_backend=True,
        ),
        KernelSpec(
            "ntk",
            ntk,
            "fc",
            "fully connected ReLU NTK on the flattened series (Arora et al.)",
            ("depth", "fix_first", "sigma_w", "sigma_b", "activation"),
            unequal_length=False,
        ),
        KernelSpec(
            "nngp",
            nngp,
            "fc",
            "fully connected ReLU NNGP on the flattened series",
            ("depth", "sigma_w", "sigma_b", "activation"),
            unequal_length=False,
        ),
        KernelSpec(
            "rbf",
            classic.rbf,
            "rbf",
            "Gaussian kernel, gamma relative to the median heuristic",
            ("gamma_scale", "gamma"),
            unequal_length=False,
        ),
        KernelSpec(
            "polynomial",
            classic.polynomial,
            "polynomial",
            "polynomial kernel (gamma <x,x'> + coef0)^degree",
            ("degree", "coef0", "gamma_scale", "gamma"),
            unequal_length=False,
        ),
        KernelSpec(
            "linear", classic.linear, "linear", "linear kernel <x,x'>", (), unequal_length=False
        ),
        KernelSpec(
            "gak",
            gak,
            "gak",
            "global alignment kernel, normalised (Cuturi 2011)",
            ("sigma_scale", "sigma"),
            unequal_length=True,
        ),
    )
}

FAMILIES: dict[str, KernelFamily] = {
    family.name: family
    for family in (
        KernelFamily("rnn", ("rntk", "rnngp"), _rnn_compute, _rnn_check, _always),
        KernelFamily("fc", ("ntk", "nngp"), _fc_compute, _fc_check, _fc_valid),
        KernelFamily("rbf", ("rbf",), _rbf_compute, _rbf_check, _always, _rbf_resolve),
        KernelFamily(
            "polynomial", ("polynomial",), _poly_compute, _poly_check, _always, _poly_resolve
        ),
        KernelFamily("linear", ("linear",), _linear_compute, _linear_check, _always),
        KernelFamily("gak", ("gak",), _gak_compute, _gak_check, _always, _gak_resolve),
    )
}


def kernel_names() -> list[str]:
    """Names of all registered kernels, in registry order."""
    return list(KERNELS)


def get_kernel(name: str) -> KernelSpec:
    """The registered kernel ``name``; an unknown name lists the valid ones."""
    try:
        return KERNELS[name]
    except KeyError:
        raise UnknownNameError(
            f"unknown kernel {name!r}; valid: {', '.join(KERNELS)} (see `rntk-bench kernels`)."
        ) from None


def get_family(name: str) -> KernelFamily:
    """The kernel family ``name`` ("rnn", "fc", "rbf", "polynomial", "linear", "gak")."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise UnknownNameError(
            f"unknown kernel family {name!r}; valid: {', '.join(FAMILIES)}."
        ) from None


def family_aliases() -> dict[str, str]:
    """Kernel name -> family name (grid files may use either)."""
    return {name: spec.family for name, spec in KERNELS.items()}
