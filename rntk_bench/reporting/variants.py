"""Variant tags: what a result's method did differently from the headline protocol.

A result file's kernel is a registry name ("rntk"), but a run may have used another
depth, activation, input preprocessing, Gram normalisation or C grid than the headline
protocol. :func:`variant_tags` reads what differs from the defaults from the result
file itself; :func:`rntk_bench.records.naming.method_name` (the one function that
names a method) appends them, so the name says what the method was wherever it
appears::

    rntk                        the headline: L = 1, ReLU, maxnorm, shared h0,
                                mean-diagonal Gram, C in {0.01 .. 100}
    rntk[L=2,erf]               two layers, erf
    rntk[L=1/2/3,relu/erf]      depth and activation chosen per data set by CV on train
    rntk[h0=independent]        the authors' initial-state convention
    rbf[prep=znorm,gram=cosine] run options of the protocol
    ntk[C=0.001..1e5]           a wider C grid

A run made with the defaults keeps the plain kernel names, so existing reports and
the CI reference do not change. (When a report merges several runs and two runs
produce the same name, :func:`rntk_bench.reporting.tidy.load_runs` adds the run
folder's name: ``rntk@run-a``, ``rntk@run-b``.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from rntk_bench.evaluation.protocol import PAPER_C_GRID, Protocol
from rntk_bench.records import Result

__all__ = ["variant_tags"]

_DEFAULTS = Protocol()
#: Structural parameters of the RNN kernels, their defaults and short labels.
_RNN_KERNELS = ("rntk", "rnngp")
_RNN_STRUCTURE = (("n_layers", 1, "L="), ("activation", "relu", ""), ("h0", "shared", "h0="))
_ORDER = {"relu": 0, "erf": 1, "tanh": 2, "shared": 0, "independent": 1}


def _number(value: float) -> str:
    """1000 -> "1000", 1e5 -> "1e5", 0.001 -> "0.001"."""
    exponent = math.log10(value) if value > 0 else 0.0
    if value >= 1e4 and exponent == round(exponent):  # powers of ten: 1e4, 1e5, ...
        return f"1e{round(exponent)}"
    return f"{value:g}".replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


def _values(settings: Sequence[dict[str, Any]], key: str, default: Any) -> list[Any]:
    seen = {s.get(key, default) if isinstance(s, dict) else default for s in settings}
    return sorted(seen, key=lambda v: (_ORDER.get(v, 99), str(v)) if isinstance(v, str) else v)


def variant_tags(result: Result) -> list[str]:
    """What a result's method did differently from the headline protocol, as short tags.

    Parameters
    ----------
    result : Result

    Returns
    -------
    list of str
        Empty for the defaults; e.g. ["L=2", "erf", "prep=znorm", "C=0.001..1e5"].
    """
    tags: list[str] = []
    cv = result.cv if isinstance(result.cv, dict) else {}
    settings = cv.get("settings") or []
    if result.kernel in _RNN_KERNELS and isinstance(settings, list) and settings:
        for key, default, label in _RNN_STRUCTURE:
            values = _values(settings, key, default)
            if values != [default]:
                tags.append(label + "/".join(str(v) for v in values))
    protocol = result.protocol if isinstance(result.protocol, dict) else {}
    preprocessing = protocol.get("preprocessing", _DEFAULTS.preprocessing)
    if preprocessing != _DEFAULTS.preprocessing:
        tags.append(f"prep={preprocessing}")
    c_grid = cv.get("c_grid") or protocol.get("c_grid") or []
    uses_svm = bool(cv.get("c_grid", c_grid))  # trained networks have no C and no Gram
    normalisation = protocol.get("normalisation", _DEFAULTS.normalisation)
    if uses_svm and normalisation != _DEFAULTS.normalisation:
        tags.append(f"gram={normalisation}")
    if uses_svm and sorted(float(c) for c in c_grid) != sorted(PAPER_C_GRID):
        low, high = min(float(c) for c in c_grid), max(float(c) for c in c_grid)
        tags.append(f"C={_number(low)}..{_number(high)}" if low != high else f"C={_number(low)}")
    return tags
