"""Selection from a CV table: the tie rule, and the default when cross-validation cannot choose.

:func:`select_best` picks the (setting, C) cell of highest mean CV accuracy; among
equals the smaller C, then the earlier setting in grid order.

When every training series is alone in its class (Fungi: 18 classes, 18 series) the
folds have no validation data, and with very few validation series every setting may
score the same. The CV table then ties everywhere, and the tie-break of
:func:`select_best` (smaller C, earlier grid setting) is an arbitrary corner of the
grid: on Fungi it took C = 0.01 and the first RNTK setting and cost the RNTK half its
accuracy.

Instead, a tied table falls back to the *centre of the grid*, the same rule for every
kernel family and every grid, decided before any data are seen:

- C: the middle value of the sorted C grid (the lower middle for an even count):
  C = 1 for the paper's {0.01, 0.1, 1, 10, 100}.
- Kernel parameters: for each parameter, the position of a setting's value among the
  parameter's sorted distinct values, as a fraction of the way from the middle to
  the end; the setting with the smallest sum over parameters wins, the earlier one in
  grid order on equal sums. On the paper's RNTK grid this is sigma_w = 1.41 (the grid
  holds 1.34 .. 1.47 around sqrt(2), the ReLU edge of stability), sigma_b = 0.3,
  sigma_h = 0.1; on the FC NTK/NNGP grid depth 3 (NTK: fix_first 2); on the RBF
  grid gamma_scale = 1 (the median heuristic itself); polynomial degree 3, coef0 0.

Result files record the fallback in ``selected["fallback"]`` (None when CV chose).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["FALLBACK_RULE", "cv_ties", "grid_centre", "select_best"]

#: Stated in result files next to the selection it explains.
FALLBACK_RULE = "grid centre (every setting tied in cross-validation)"


def cv_ties(mean: np.ndarray) -> bool:
    """True when a CV table cannot choose: all NaN, or every entry equal.

    Parameters
    ----------
    mean : ndarray of shape (n_settings, n_C)
        Mean CV accuracies (NaN: no validation data).
    """
    values = np.asarray(mean, dtype=float)
    if values.size <= 1:
        return False  # one candidate: nothing to choose, nothing arbitrary
    if np.isnan(values).all():
        return True
    if np.isnan(values).any():
        return False
    return bool(np.ptp(values) <= 1e-12)


def _position(value: Any, values: list[Any]) -> float:
    """|index - middle| / (n - 1) of ``value`` among sorted distinct ``values`` (0 = centre)."""
    if len(values) <= 1:
        return 0.0
    middle = (len(values) - 1) // 2  # lower middle for an even count
    return abs(values.index(value) - middle) / (len(values) - 1)


def _sorted_distinct(values: Sequence[Any]) -> list[Any]:
    keyed = {json.dumps(v, sort_keys=True, default=str): v for v in values}
    try:
        return sorted(keyed.values())
    except TypeError:  # mixed types: keep first-seen order
        return list(keyed.values())


def grid_centre(settings: Sequence[dict[str, Any]], c_grid: Sequence[float]) -> tuple[int, int]:
    """The grid's centre: (setting index, C index), see the module docstring.

    Parameters
    ----------
    settings : sequence of dict
        The candidate settings, in grid order.
    c_grid : sequence of float

    Returns
    -------
    setting_index, c_index : int
    """
    c_sorted = sorted(float(c) for c in c_grid)
    c_middle = c_sorted[(len(c_sorted) - 1) // 2] if c_sorted else 0.0
    c_index = next((i for i, c in enumerate(c_grid) if float(c) == c_middle), 0)
    names = sorted({key for setting in settings for key in setting})
    distinct = {name: _sorted_distinct([s[name] for s in settings if name in s]) for name in names}
    best, best_score = 0, float("inf")
    for index, setting in enumerate(settings):
        score = sum(_position(setting[n], distinct[n]) for n in names if n in setting)
        if score < best_score - 1e-12:
            best, best_score = index, score
    return best, c_index


def select_best(mean: np.ndarray, c_grid: Sequence[float]) -> tuple[int, int]:
    """Pick (setting index, C index) from a (n_settings, n_C) table of CV accuracies.

    Tie-break, deterministic: the highest mean accuracy; among equals the smaller C
    (more regularisation); then the earlier setting in grid order. NaN (no
    validation data) counts as a tie with everything.

    Returns
    -------
    setting_index, c_index : int
    """
    table = np.where(np.isnan(mean), -np.inf, mean)
    best = table.max()
    order = np.argsort(np.asarray(c_grid, dtype=float), kind="stable")
    for c in order:  # smaller C first
        hits = np.flatnonzero(table[:, c] >= best - 1e-12)
        if hits.size:
            return int(hits[0]), int(c)
    raise AssertionError("unreachable: the maximum is somewhere")  # pragma: no cover
