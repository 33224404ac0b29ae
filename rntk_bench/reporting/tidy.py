"""Result files -> one tidy DataFrame (one row per result), with every problem listed.

Reporting never trusts a folder blindly: a file that cannot be read, or that
holds an accuracy outside [0, 1], is listed in ``problems`` and left out of the
table, never dropped silently and never fatal. When a run folder holds two
results for the same (data set, method, resample), e.g. one from an older
protocol, the newest (by ``environment.finished``) is kept and the older one is
listed as a warning. Results of different protocols (folds, C grid,
preprocessing, Gram normalisation, seed) are never ranked together: a folder
whose kept results mix protocols is refused with one line saying how they differ.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from rntk_bench.errors import ResultError
from rntk_bench.evaluation.protocol import protocol_changes
from rntk_bench.records import Result, iter_results, method_name, variant_name
from rntk_bench.reporting.variants import variant_tags

__all__ = ["TIDY_COLUMNS", "Problem", "load_results", "load_runs", "problems_frame", "tidy_frame"]

#: Columns of the tidy table, in order. ``source`` is "computed" for result files and
#: "published" for reference rows (see :mod:`rntk_bench.reporting.published`).
TIDY_COLUMNS = (
    "dataset",
    "method",
    "resample",
    "accuracy",
    "cv_accuracy",
    "C",
    "setting",
    "gram_seconds",
    "svm_seconds",
    "total_seconds",
    "n_test",
    "grid",
    "finished",
    "source",
    "path",
    "length_policy",
)


@dataclass(frozen=True)
class Problem:
    """Something wrong with an input that the report shows instead of hiding.

    Attributes
    ----------
    path : str
        The file (or URL) concerned.
    reason : str
        What is wrong and what to do about it.
    severity : {"error", "warning"}
        "error": the file was left out; "warning": it was superseded or used with a caveat.
    """

    path: str
    reason: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        # Messages from the result reader already name the file; do not repeat it.
        where = "" if self.path in self.reason else f"{self.path}: "
        return f"{self.severity}: {where}{self.reason}"


def tidy_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """A tidy table with the :data:`TIDY_COLUMNS`, proper dtypes, from row dicts."""
    frame = pd.DataFrame(list(rows), columns=list(TIDY_COLUMNS))
    frame["resample"] = frame["resample"].astype("int64")
    for column in ("accuracy", "cv_accuracy", "C", "gram_seconds", "svm_seconds"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["total_seconds"] = pd.to_numeric(frame["total_seconds"], errors="coerce")
    frame["n_test"] = pd.to_numeric(frame["n_test"], errors="coerce").astype("Int64")
    return frame


def problems_frame(problems: Sequence[Problem]) -> pd.DataFrame:
    """``problems`` as a DataFrame with columns path, severity, reason."""
    return pd.DataFrame(
        [(p.path, p.severity, p.reason) for p in problems], columns=["path", "severity", "reason"]
    )


def _seconds(timing: dict[str, Any], *keys: str) -> float:
    seconds = timing.get("seconds", timing) if isinstance(timing, dict) else {}
    total = 0.0
    found = False
    for key in keys:
        value = seconds.get(key) if isinstance(seconds, dict) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            total += float(value)
            found = True
    return total if found else math.nan


def _finished(result: Result, path: Path) -> datetime:
    """When the result was finished (UTC); the file's mtime when the record lacks it."""
    value = result.environment.get("finished") if isinstance(result.environment, dict) else None
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            stamp = pd.Timestamp(float(value), unit="s", tz="UTC")
        elif isinstance(value, str) and value:
            stamp = pd.Timestamp(value)
            stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        else:
            raise ValueError
        if pd.isna(stamp):
            raise ValueError
        return stamp.to_pydatetime()
    except (ValueError, TypeError, OverflowError):
        return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)


def _tags(result: Result) -> list[str]:
    """The result's variant tags; ResultError when its settings or C grid are unreadable."""
    try:
        return variant_tags(result)
    except (TypeError, ValueError, AttributeError) as exc:
        raise ResultError(f"its cv settings or C grid are unreadable ({exc}); delete it.") from None


def _row(result: Result, path: Path) -> dict[str, Any]:
    """The tidy row of one result; ResultError when the values are unusable."""
    name = result.dataset.get("name") if isinstance(result.dataset, dict) else None
    if not isinstance(name, str) or not name:
        raise ResultError("dataset.name is missing; delete the file to recompute it.")
    if not isinstance(result.kernel, str) or not result.kernel:
        raise ResultError("kernel is missing; delete the file to recompute it.")
    if isinstance(result.resample, bool) or not isinstance(result.resample, int):
        raise ResultError(f"resample must be an int >= 0; got {result.resample!r}.")
    if result.resample < 0:
        raise ResultError(f"resample must be an int >= 0; got {result.resample}.")
    try:
        accuracy = result.accuracy
    except (KeyError, TypeError, ValueError):
        raise ResultError("test.accuracy is missing or not a number; delete the file.") from None
    if not (math.isfinite(accuracy) and 0.0 <= accuracy <= 1.0):
        raise ResultError(f"test.accuracy must be in [0, 1]; got {accuracy}; delete the file.")
    selected = result.selected if isinstance(result.selected, dict) else {}
    test = result.test if isinstance(result.test, dict) else {}
    timing = result.timing if isinstance(result.timing, dict) else {}
    protocol = result.protocol if isinstance(result.protocol, dict) else {}
    # A data set variant (a truncated test split) is its own row; a kernel run with a
    # non-default length policy or other protocol options is its own method: they never
    # merge with the defaults. Both names come from rntk_bench.records.naming.
    variant = result.dataset.get("variant")
    return {
        "dataset": variant_name(name, variant if isinstance(variant, str) else None),
        # "rntk", "rntk+pad-start" for a non-default length policy, "rntk[L=2,erf]" for
        # a variant of the protocol (reporting/variants.py).
        "method": method_name(result.kernel, protocol.get("length_option"), _tags(result)),
        "resample": result.resample,
        "accuracy": accuracy,
        "cv_accuracy": selected.get("cv_accuracy"),
        "C": selected.get("C"),
        # A JSON string keeps the table flat and comparable whatever the kernel's parameters.
        "setting": json.dumps(selected.get("setting"), sort_keys=True, default=str),
        "gram_seconds": _seconds(timing, "gram_train", "gram_test"),
        "svm_seconds": _seconds(timing, "svm_select", "svm_test"),
        "total_seconds": _seconds(timing, "total"),
        "n_test": test.get("n_test"),
        "grid": result.grid,
        "finished": _finished(result, path).isoformat(),
        "source": "computed",
        "path": str(path),
        "length_policy": protocol.get("length_policy"),
    }


def load_results(run_dir: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Read every result file of a run folder into a tidy table.

    Parameters
    ----------
    run_dir : str or Path
        A run folder (``results/<name>``) holding ``runs/<Dataset>/*.json``.

    Returns
    -------
    table : DataFrame of shape (n_results, len(TIDY_COLUMNS))
        One row per usable result file, columns :data:`TIDY_COLUMNS`: dataset, method
        (the kernel), resample, accuracy (test), cv_accuracy and C (selected), setting
        (JSON of the selected kernel setting), gram_seconds (train + test Gram),
        svm_seconds (selection + test), total_seconds, n_test, grid, finished (ISO,
        UTC), source ("computed"), path and length_policy (how the method brought
        unequal lengths to one, as the result file states it). Sorted by dataset, method, resample.
    problems : list of Problem
        Unreadable or invalid files (severity "error", left out of the table) and
        results superseded by a newer one for the same (dataset, method, resample)
        (severity "warning").

    Raises
    ------
    ResultError
        If ``run_dir`` is not a folder.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ResultError(
            f"run folder {run_dir} does not exist; expected a folder written by "
            "`rntk-bench run` (holding runs/<Dataset>/*.json)."
        )
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    protocols: dict[str, dict[str, Any]] = {}  # path -> the protocol of its identity
    for path, item in iter_results(run_dir):
        if isinstance(item, ResultError):
            problems.append(Problem(str(path), str(item)))
            continue
        try:
            rows.append(_row(item, path))
        except ResultError as exc:
            problems.append(Problem(str(path), str(exc)))
            continue
        identity = item.identity if isinstance(item.identity, dict) else {}
        protocol = identity.get("protocol")
        protocols[str(path)] = protocol if isinstance(protocol, dict) else {"record": protocol}
    table = tidy_frame(rows)
    if table.empty:
        return table, problems
    # Newest first within each key, so keep="first" keeps the newest; the file path
    # breaks exact ties in the timestamps so the choice never depends on glob order.
    table = table.sort_values(["finished", "path"], ascending=[False, False], kind="stable")
    key = ["dataset", "method", "resample"]
    older = table.duplicated(key, keep="first")
    for _, row in table[older].iterrows():
        newer = table[
            (table["dataset"] == row["dataset"])
            & (table["method"] == row["method"])
            & (table["resample"] == row["resample"])
        ].iloc[0]
        problems.append(
            Problem(
                row["path"],
                f"superseded by the newer result {newer['path']} (finished {newer['finished']} "
                f"vs {row['finished']}) for {row['dataset']}/{row['method']}/r{row['resample']}; "
                "delete the older file to silence this.",
                "warning",
            )
        )
    table = table[~older].sort_values(key, kind="stable").reset_index(drop=True)
    _check_one_protocol(run_dir, [protocols[p] for p in table["path"]])
    return table, problems


def _check_one_protocol(run_dir: Path, protocols: Sequence[dict[str, Any]]) -> None:
    """ResultError naming the difference when the results follow several protocols."""
    counts: dict[str, int] = {}
    for protocol in protocols:
        key = json.dumps(protocol, sort_keys=True, default=str)
        counts[key] = counts.get(key, 0) + 1
    # The most common protocol first (ties by text, so the message is reproducible).
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    common = json.loads(ranked[0][0])
    for other, n_other in ranked[1:]:
        changes = protocol_changes(common, json.loads(other))
        if changes:
            raise ResultError(
                f"{run_dir} mixes results of different protocols ({ranked[0][1]} vs {n_other} "
                f"result files, differing in: {changes}); one leaderboard must not rank them "
                "together: move one set of runs/<Dataset>/*.json files into a run folder of "
                "its own."
            )


def load_runs(run_dirs: Sequence[str | Path]) -> tuple[pd.DataFrame, list[Problem]]:
    """Read several run folders into one tidy table with collision-free method names.

    Parameters
    ----------
    run_dirs : sequence of str or Path
        Run folders (each holding runs/<Dataset>/*.json).

    Returns
    -------
    table, problems
        As :func:`load_results`; a method name that more than one run produces
        becomes ``name@<run folder name>`` in each of them.
    """
    frames, problems = [], []
    for run_dir in run_dirs:
        frame, found = load_results(run_dir)
        frame["run"] = Path(run_dir).name
        frames.append(frame)
        problems += found
    if len(frames) == 1:
        return frames[0].drop(columns="run"), problems
    runs_per_method: dict[str, set[str]] = {}
    for frame in frames:
        for method in frame["method"].unique():
            runs_per_method.setdefault(method, set()).update(frame["run"].unique())
    table = pd.concat(frames, ignore_index=True)
    shared = {m for m, runs in runs_per_method.items() if len(runs) > 1}
    if shared:
        names = [
            f"{m}@{run}" if m in shared else m
            for m, run in zip(table["method"], table["run"], strict=True)
        ]
        table["method"] = names
    table = table.drop(columns="run").sort_values(["dataset", "method", "resample"])
    return table.reset_index(drop=True), problems
