"""How each method's hyper-parameters were chosen: CV fallbacks and grid edges.

Two ways a selection can mislead, counted per method from the result files:

- *Fallback*: every setting tied in cross-validation (e.g. Fungi, one training
  series per class), so the data-independent grid centre was used
  (:mod:`rntk_bench.svm.select`; ``selected.fallback`` in the file).
- *Grid edge*: the chosen C, or a numeric kernel parameter, is the smallest or the
  largest value of its grid. CV accuracy may still be rising beyond it, so the
  method may be losing to its grid rather than to the other methods. Only grids
  with at least three values count (with two, every choice is an edge), and
  fallbacks are not counted as edges (the centre is not a choice by CV).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from rntk_bench.errors import ResultError
from rntk_bench.records import Result, read_result

__all__ = ["SELECTION_COLUMNS", "edge_rows", "format_selection", "selection_table"]

SELECTION_COLUMNS = ("method", "results", "fallback", "C_low", "C_high", "parameter_edges")


def _edge(value: Any, grid: Sequence[Any]) -> str | None:
    """ "low" / "high" when ``value`` is the grid's minimum / maximum (>= 3 values)."""
    numbers = sorted({float(v) for v in grid if _numeric(v)})
    if len(numbers) < 3 or not _numeric(value):
        return None
    if math.isclose(float(value), numbers[0], rel_tol=1e-12, abs_tol=1e-15):
        return "low"
    if math.isclose(float(value), numbers[-1], rel_tol=1e-12, abs_tol=1e-15):
        return "high"
    return None


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def edge_rows(method: str, result: Result) -> list[dict[str, Any]]:
    """One row per tunable quantity of one result: parameter, grid size, edge.

    Returns
    -------
    list of dict with keys method, dataset, parameter ("C" or a kernel parameter),
    n_values, value, edge ("low", "high" or None), fallback (bool)
    """
    selected = result.selected if isinstance(result.selected, dict) else {}
    cv = result.cv if isinstance(result.cv, dict) else {}
    fallback = bool(selected.get("fallback"))
    dataset = result.dataset.get("name") if isinstance(result.dataset, dict) else None
    rows = []
    grids: dict[str, list[Any]] = {}
    if cv.get("c_grid"):
        grids["C"] = list(cv["c_grid"])
    for setting in cv.get("settings") or []:
        if isinstance(setting, dict):
            for key, value in setting.items():
                grids.setdefault(key, []).append(value)
    chosen = dict(selected.get("setting") or {})
    chosen["C"] = selected.get("C")
    for parameter, grid in grids.items():
        values = {float(v) for v in grid if _numeric(v)}
        if len(values) < 3:
            continue
        value = chosen.get(parameter)
        rows.append(
            {
                "method": method,
                "dataset": dataset,
                "parameter": parameter,
                "n_values": len(values),
                "value": value,
                "edge": None if fallback else _edge(value, grid),
                "fallback": fallback,
            }
        )
    return rows


def selection_table(tidy: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-method counts of fallbacks and grid edges, from the computed rows' files.

    Parameters
    ----------
    tidy : DataFrame
        The report's tidy table (``source`` and ``path`` columns); published rows
        are ignored.

    Returns
    -------
    summary : DataFrame
        :data:`SELECTION_COLUMNS`, one row per computed method: results, fallback
        (results where CV tied and the grid centre was used), C_low / C_high
        (results whose C is the smallest / largest of a C grid of >= 3 values) and
        parameter_edges (e.g. "sigma_b 2 low / 10 high; sigma_h 0 low / 5 high").
    edges : DataFrame
        The per-result, per-parameter rows of :func:`edge_rows`.
    """
    computed = tidy[tidy["source"] == "computed"]
    rows: list[dict[str, Any]] = []
    summary = []
    for method, group in computed.groupby("method", sort=True):
        fallbacks = 0
        for path in group["path"]:
            try:
                result = read_result(path)
            except ResultError:  # already listed as a problem by load_results
                continue
            selected = result.selected if isinstance(result.selected, dict) else {}
            fallbacks += bool(selected.get("fallback"))
            rows += edge_rows(str(method), result)
        mine = [r for r in rows if r["method"] == method]
        counts: dict[str, list[int]] = {}
        for row in mine:
            low_high = counts.setdefault(row["parameter"], [0, 0])
            low_high[0] += row["edge"] == "low"
            low_high[1] += row["edge"] == "high"
        c_low, c_high = counts.pop("C", [0, 0]) if "C" in counts else (None, None)
        summary.append(
            {
                "method": method,
                "results": len(group),
                "fallback": fallbacks,
                "C_low": c_low,
                "C_high": c_high,
                "parameter_edges": "; ".join(
                    f"{p} {lo} low / {hi} high" for p, (lo, hi) in sorted(counts.items())
                ),
            }
        )
    edges = pd.DataFrame(
        rows, columns=["method", "dataset", "parameter", "n_values", "value", "edge", "fallback"]
    )
    frame = pd.DataFrame(summary, columns=list(SELECTION_COLUMNS))
    for column in ("C_low", "C_high"):
        frame[column] = frame[column].astype("Int64")
    return frame, edges


def format_selection(frame: pd.DataFrame) -> pd.DataFrame:
    """The summary with headers people read ("–": no C grid of >= 3 values)."""
    out = frame.rename(
        columns={
            "results": "results",
            "fallback": "CV tied: grid centre used",
            "C_low": "C at lowest",
            "C_high": "C at highest",
            "parameter_edges": "kernel parameters at an edge (low / high)",
        }
    ).set_index("method")
    for column in ("C at lowest", "C at highest"):
        out[column] = ["–" if pd.isna(v) else str(int(v)) for v in out[column]]
    out["kernel parameters at an edge (low / high)"] = [
        v or "–" for v in out["kernel parameters at an edge (low / high)"]
    ]
    return out.astype(str)
