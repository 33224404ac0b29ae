"""Hyper-parameter grids of every kernel family: "paper", "quick", or a YAML file.

A grid maps a kernel family to {parameter: list of values}; its settings are the
Cartesian product (minus impossible combinations, e.g. fix_first >= depth).

Why these values
----------------
- ``rnn`` (RNTK, RNNGP), "paper": exactly the grid of the paper (docs/protocol.md §1):
  15 sigma_w x 12 sigma_b x 5 sigma_h at sigma_u = 1, one layer, ReLU: 900
  settings. The paper does not say which initial-state convention its grid used;
  we use the shared state of a standard RNN (h0="shared", see docs/rntk.md §3).
- ``fc`` (NTK, NNGP): Arora et al. (2020)'s UCI protocol: ReLU, sigma_w^2 = 2,
  sigma_b = 0, depth 1..5 and every fix_first < depth (15 NTK settings, 5 NNGP).
- ``rbf``: gamma is set relative to the median heuristic of the training split
  (gamma = gamma_scale / median ||x - x'||^2), over 2^-4 .. 2^4 (9 values), so that
  the grid follows the data's units and no kernel loses to a badly scaled grid.
- ``polynomial``: gamma = gamma_scale / mean ||x||^2 (so gamma <x, x'> is of order
  one), degree 2..5, coef0 in {0, 1}.
- ``linear``: no hyper-parameter.
- ``gak`` (global alignment kernel): sigma = sigma_scale x median time-point distance x
  sqrt(median length) of the training split (Cuturi 2011's rule, see
  :mod:`rntk_bench.kernels.gak`), sigma_scale over Cuturi's multiples 0.2 .. 5.
"quick" keeps the corners of each grid for demos and CI (RNTK: the 18 settings of
the quick approximation of docs/protocol.md §3).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from rntk_bench.errors import InputError, UnknownNameError

__all__ = ["GRIDS", "Grid", "grid_settings", "load_grid"]

Grid = Mapping[str, Mapping[str, tuple[Any, ...]]]

_SQRT2 = math.sqrt(2.0)
_PAPER_SIGMA_W = (
    *(round(1.34 + 0.01 * k, 2) for k in range(9)),  # 1.34 .. 1.42
    _SQRT2,
    *(round(1.43 + 0.01 * k, 2) for k in range(5)),  # 1.43 .. 1.47
)

GRIDS: dict[str, dict[str, dict[str, tuple[Any, ...]]]] = {
    "paper": {
        "rnn": {
            "sigma_w": _PAPER_SIGMA_W,
            "sigma_u": (1.0,),
            "sigma_b": (0.0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 0.9, 1.0, 2.0),
            "sigma_h": (0.0, 0.01, 0.1, 0.5, 1.0),
            "n_layers": (1,),
        },
        "fc": {
            "depth": (1, 2, 3, 4, 5),
            "fix_first": (0, 1, 2, 3, 4),
            "sigma_w": (_SQRT2,),
            "sigma_b": (0.0,),
        },
        "rbf": {"gamma_scale": tuple(2.0**k for k in range(-4, 5))},
        "polynomial": {"degree": (2, 3, 4, 5), "coef0": (0.0, 1.0), "gamma_scale": (1.0,)},
        "linear": {},
        "gak": {"sigma_scale": (0.2, 0.5, 1.0, 2.0, 5.0)},
    },
    "quick": {
        "rnn": {
            "sigma_w": (1.34, _SQRT2, 1.47),
            "sigma_u": (1.0,),
            "sigma_b": (0.0, 0.1, 1.0),
            "sigma_h": (0.0, 0.5),
            "n_layers": (1,),
        },
        "fc": {"depth": (1, 2, 3), "fix_first": (0, 1), "sigma_w": (_SQRT2,), "sigma_b": (0.0,)},
        "rbf": {"gamma_scale": (0.25, 1.0, 4.0)},
        "polynomial": {"degree": (2, 3), "coef0": (1.0,), "gamma_scale": (1.0,)},
        "linear": {},
        "gak": {"sigma_scale": (0.5, 1.0, 2.0)},
    },
}


def load_grid(
    name_or_path: str | Path,
    families: Mapping[str, Any] | None = None,
    extra: Sequence[str] = (),
) -> Grid:
    """Return a named grid ("paper", "quick") or one read from a YAML file.

    A YAML grid is a mapping family (or kernel name) -> {parameter: value or list};
    a top-level ``base: paper|quick`` (default quick) supplies the families and
    parameters it does not list::

        base: quick
        rntk: {sigma_w: [1.3, 1.4142], sigma_b: [0, 0.1], sigma_h: [0]}
        rbf: {gamma_scale: [0.5, 1, 2]}

    Parameters
    ----------
    name_or_path : str or Path
    families : mapping, optional
        Kernel name -> family name, to accept kernel names as keys.
    extra : sequence of str
        A run's user methods (import paths, entry points): accepted as keys, and
        their values may also be true/false or null (their own parameters); a file
        that does not name one gives it ``{}`` (one setting: its defaults). Named
        grids know none of them.

    Returns
    -------
    dict family -> {parameter: tuple of values}
    """
    text = str(name_or_path)
    if text in GRIDS:
        return GRIDS[text]
    path = Path(text)
    if path.suffix.lower() not in (".yaml", ".yml") and not path.exists():
        raise UnknownNameError(
            f"unknown grid {text!r}; use one of {', '.join(map(repr, GRIDS))} or a YAML file."
        )
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise InputError(f"grid file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"grid file {path} is not valid YAML: {first}") from None
    if not isinstance(raw, dict):
        raise InputError(f"grid file {path} must hold a mapping family -> parameters.")
    base_name = raw.pop("base", "quick")
    if not isinstance(base_name, str) or base_name not in GRIDS:
        raise InputError(f"grid file {path}: base must be one of {list(GRIDS)}; got {base_name!r}.")
    grid = {family: dict(params) for family, params in GRIDS[base_name].items()}
    grid.update({name: {} for name in extra})
    aliases = dict(families or {})
    for key, params in raw.items():
        family = aliases.get(key, key)
        if family not in grid:
            raise InputError(
                f"grid file {path}: unknown kernel or family {key!r}; valid: "
                f"{', '.join(sorted(set(grid) | set(aliases)))}."
            )
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise InputError(f"grid file {path}: {key} must map parameters to values.")
        for param, values in params.items():
            values = tuple(values) if isinstance(values, (list, tuple)) else (values,)
            for value in values:
                # Numbers or names only: a nested list, a mapping or yes/no is a typo
                # (a user's method may also take true/false and null).
                user = family in extra
                if value is None and user:
                    continue
                if (isinstance(value, bool) and not user) or not isinstance(
                    value, (int, float, str)
                ):
                    raise InputError(
                        f"grid file {path}: {key}.{param} takes numbers or names (one, or a "
                        f"list of them); got {value!r}."
                    )
            if not values:
                raise InputError(
                    f"grid file {path}: {key}.{param} is an empty list; give at least one value."
                )
            grid[family][param] = values
    return grid


def grid_settings(params: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """The Cartesian product of a family's parameter lists, in a stable order.

    Returns
    -------
    list of dict
        One dict per setting; ``[{}]`` for a family without parameters.
    """
    names = list(params)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*params.values())]
