"""The accuracy regression check: a run's accuracies against a committed reference.

The reference is a CSV with columns ``dataset, method, accuracy`` (the mean over
resamples, a fraction in [0, 1]) and optionally ``n_resamples``. A check fails
when an accuracy falls more than ``tolerance`` below the reference, when a
(dataset, method) of the reference has no result in the run, or when the number
of resamples differs from the reference's (the means would be over different
splits). Improvements and methods or data sets the reference does not know are
reported and pass. Only computed results are checked, never published rows.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rntk_bench.errors import InputError

__all__ = [
    "CHECK_COLUMNS",
    "REFERENCE_COLUMNS",
    "CheckResult",
    "compare_to_reference",
    "read_reference",
    "run_accuracies",
    "write_reference",
]

REFERENCE_COLUMNS = ("dataset", "method", "accuracy", "n_resamples")
#: Columns of :attr:`CheckResult.table`.
CHECK_COLUMNS = ("dataset", "method", "reference", "now", "delta", "status", "note")
#: Statuses that fail the check.
FAILING = ("regressed", "missing", "resamples")
# Accuracies written with repr and read back are exact; the slack only absorbs
# means computed in a different order.
_EPS = 1e-9


def run_accuracies(tidy: pd.DataFrame) -> pd.DataFrame:
    """Mean accuracy over resamples of each computed (dataset, method).

    Parameters
    ----------
    tidy : DataFrame
        Tidy rows (:data:`rntk_bench.reporting.tidy.TIDY_COLUMNS`).

    Returns
    -------
    DataFrame
        Columns dataset, method, accuracy, n_resamples; sorted by dataset, method.
        Published rows are ignored.
    """
    computed = tidy[tidy["source"] == "computed"]
    grouped = computed.groupby(["dataset", "method"])["accuracy"]
    out = pd.DataFrame({"accuracy": grouped.mean(), "n_resamples": grouped.count()})
    out = out.reset_index()
    out["n_resamples"] = out["n_resamples"].astype("int64")
    return out.sort_values(["dataset", "method"], kind="stable").reset_index(drop=True)


def read_reference(path: str | Path) -> pd.DataFrame:
    """Read and validate a reference accuracy table.

    Parameters
    ----------
    path : str or Path
        CSV with columns dataset, method, accuracy (fraction in [0, 1]) and
        optionally n_resamples (int >= 1); other columns are ignored.

    Returns
    -------
    DataFrame
        Columns dataset, method, accuracy, n_resamples (<NA> when absent).

    Raises
    ------
    InputError
        If the file is missing, unreadable, lacks a column, has an empty or
        duplicated (dataset, method), a non-numeric accuracy, or one outside [0, 1].
    """
    path = Path(path)
    fix = "regenerate it with `rntk-bench check RUN_DIR --reference FILE --update`."
    if not path.is_file():
        raise InputError(
            f"reference {path} does not exist; create it from a trusted run with "
            "`rntk-bench check RUN_DIR --reference FILE --update`."
        )
    _check_field_counts(path, fix)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(
            f"reference {path} is not a readable CSV ({' '.join(str(exc).split())}); {fix}"
        ) from None
    raw.columns = [str(c).strip() for c in raw.columns]
    absent = [c for c in REFERENCE_COLUMNS[:3] if c not in raw.columns]
    if absent:
        raise InputError(
            f"reference {path} must have columns dataset, method, accuracy; it lacks "
            f"{', '.join(absent)} (has {', '.join(raw.columns) or 'none'}); {fix}"
        )
    if raw.empty:
        raise InputError(f"reference {path} has no rows; {fix}")
    table = pd.DataFrame(
        {"dataset": raw["dataset"].str.strip(), "method": raw["method"].str.strip()}
    )
    blank = table["dataset"].eq("") | table["method"].eq("")
    if blank.any():
        line = int(np.flatnonzero(blank.to_numpy())[0]) + 2  # 1-based, after the header
        raise InputError(f"reference {path} line {line}: empty dataset or method; {fix}")
    accuracy = pd.to_numeric(raw["accuracy"].str.strip(), errors="coerce")
    bad = accuracy.isna() | ~np.isfinite(accuracy.fillna(0.0))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"reference {path} line {i + 2}: accuracy must be a number; got "
            f"{raw['accuracy'].iloc[i]!r} for {table['dataset'].iloc[i]}/"
            f"{table['method'].iloc[i]}; {fix}"
        )
    outside = (accuracy < 0) | (accuracy > 1)
    if outside.any():
        i = int(np.flatnonzero(outside.to_numpy())[0])
        raise InputError(
            f"reference {path} line {i + 2}: accuracy must be a fraction in [0, 1]; got "
            f"{accuracy.iloc[i]} for {table['dataset'].iloc[i]}/{table['method'].iloc[i]}; "
            f"{fix}"
        )
    table["accuracy"] = accuracy.astype("float64")
    duplicated = table.duplicated(["dataset", "method"], keep=False)
    if duplicated.any():
        pairs = table[duplicated][["dataset", "method"]].drop_duplicates()
        listed = ", ".join(f"{d}/{m}" for d, m in pairs.head(3).itertuples(index=False))
        raise InputError(f"reference {path} lists {listed} more than once; {fix}")
    if "n_resamples" in raw.columns:
        text = raw["n_resamples"].str.strip()
        counts = pd.to_numeric(text.where(text != ""), errors="coerce")
        valid = counts.isna() & text.eq("") | (counts >= 1) & (counts == counts.round())
        if not valid.all():
            i = int(np.flatnonzero(~valid.to_numpy())[0])
            raise InputError(
                f"reference {path} line {i + 2}: n_resamples must be an integer >= 1 or "
                f"empty; got {raw['n_resamples'].iloc[i]!r}; {fix}"
            )
        table["n_resamples"] = counts.astype("Int64")
    else:
        table["n_resamples"] = pd.array([pd.NA] * len(table), dtype="Int64")
    return table


def _check_field_counts(path: Path, fix: str) -> None:
    """Refuse a row with more fields than the header names, naming the extra fields.

    pandas would read such a file shifted: when every row has one field too many it
    takes the first column as the index, so ``Coffee,rbf,0.9,0.5`` reads as method 0.9
    or accuracy 0.5, and a check would blame (or pass) the wrong columns.
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [name.strip() for name in next(reader, [])]
            for row in reader:
                if len(row) <= len(header):
                    continue
                extra = row[len(header) :]
                one = len(extra) == 1
                raise InputError(
                    f"reference {path} line {reader.line_num} has {len(row)} fields but its "
                    f"header names {len(header)} ({', '.join(header)}): the extra "
                    f"field{'' if one else 's'} {', '.join(map(repr, extra))} "
                    f"belong{'s' if one else ''} to no column; remove "
                    f"{'it' if one else 'them'} or name the column in the header, or {fix}"
                )
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(
            f"reference {path} is not a readable CSV ({' '.join(str(exc).split())}); {fix}"
        ) from None


def write_reference(current: pd.DataFrame, path: str | Path) -> Path:
    """Write the run's accuracies (:func:`run_accuracies`) as a reference CSV.

    The accuracies keep full precision so that the same run checks exactly equal.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = current[list(REFERENCE_COLUMNS)].sort_values(["dataset", "method"], kind="stable")
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


@dataclass(frozen=True)
class CheckResult:
    """The outcome of :func:`compare_to_reference`.

    Attributes
    ----------
    table : DataFrame
        One row per (dataset, method) of the reference or the run, columns
        :data:`CHECK_COLUMNS`: reference and now (accuracies, NaN where absent),
        delta (now - reference), status: "ok" (equal), "within tolerance",
        "improved", "regressed", "missing" (in the reference, not in the run),
        "resamples" (n_resamples differs from the reference's), "new" (in the run
        only); note: the resample counts for "resamples".
    tolerance : float
    """

    table: pd.DataFrame
    tolerance: float

    @property
    def passed(self) -> bool:
        return not self.table["status"].isin(FAILING).any()

    @property
    def failures(self) -> pd.DataFrame:
        return self.table[self.table["status"].isin(FAILING)]

    def counts(self) -> dict[str, int]:
        """Number of rows per status."""
        return {str(k): int(v) for k, v in self.table["status"].value_counts().items()}

    def summary(self) -> str:
        """One line: OK/FAIL, the counts, the tolerance."""
        counts = self.counts()
        n_reference = int(self.table["reference"].notna().sum())
        order = (
            "regressed",
            "missing",
            "resamples",
            "within tolerance",
            "improved",
            "new",
        )
        parts = [f"{counts[s]} {s}" for s in order if counts.get(s)]
        detail = f" ({', '.join(parts)})" if parts else ""
        verdict = "OK" if self.passed else "FAIL"
        return (
            f"{verdict}: {n_reference} reference accuracies checked, tolerance "
            f"{self.tolerance:g}{detail}."
        )

    def diff(self) -> pd.DataFrame:
        """The rows worth reading: everything but exact matches, failures first."""
        rank = {s: i for i, s in enumerate((*FAILING, "within tolerance", "improved", "new"))}
        rows = self.table[self.table["status"] != "ok"]
        return rows.sort_values(
            ["status", "dataset", "method"],
            key=lambda col: col.map(rank) if col.name == "status" else col,
            kind="stable",
        ).reset_index(drop=True)


def _count(value: object) -> str:
    return "?" if value is None or value is pd.NA or pd.isna(value) else str(int(value))  # type: ignore[call-overload]


def compare_to_reference(
    current: pd.DataFrame, reference: pd.DataFrame, tolerance: float = 0.0
) -> CheckResult:
    """Compare the run's accuracies with the reference.

    Parameters
    ----------
    current : DataFrame
        :func:`run_accuracies` of the run (dataset, method, accuracy, n_resamples).
    reference : DataFrame
        :func:`read_reference` of the reference file.
    tolerance : float
        How far (accuracy as a fraction, e.g. 0.02 = 2 points) an accuracy may fall
        below the reference and still pass.

    Returns
    -------
    CheckResult
    """
    if not (isinstance(tolerance, (int, float)) and math.isfinite(tolerance)) or not (
        0.0 <= tolerance < 1.0
    ):
        raise InputError(
            f"tolerance must be a fraction in [0, 1), e.g. 0.02 for 2 accuracy points; "
            f"got {tolerance!r}."
        )
    merged = reference.merge(
        current, on=["dataset", "method"], how="outer", suffixes=("_ref", "_now"), indicator=True
    )
    delta = merged["accuracy_now"] - merged["accuracy_ref"]
    status = np.select(
        [
            merged["_merge"].eq("left_only").to_numpy(),
            merged["_merge"].eq("right_only").to_numpy(),
            (
                merged["n_resamples_ref"].notna()
                & merged["n_resamples_ref"].ne(merged["n_resamples_now"])
            )
            .fillna(False)
            .to_numpy(dtype=bool),
            (delta < -(tolerance + _EPS)).to_numpy(),
            (delta < -_EPS).to_numpy(),
            (delta > _EPS).to_numpy(),
        ],
        ["missing", "new", "resamples", "regressed", "within tolerance", "improved"],
        default="ok",
    )
    table = pd.DataFrame(
        {
            "dataset": merged["dataset"],
            "method": merged["method"],
            "reference": merged["accuracy_ref"].astype("float64"),
            "now": merged["accuracy_now"].astype("float64"),
            "delta": delta.astype("float64"),
            "status": status,
            "note": [
                f"{_count(now)} resamples, reference {_count(ref)}" if s == "resamples" else ""
                for s, now, ref in zip(
                    status, merged["n_resamples_now"], merged["n_resamples_ref"], strict=True
                )
            ],
        }
    )
    table = table.sort_values(["dataset", "method"], kind="stable").reset_index(drop=True)
    return CheckResult(table, float(tolerance))
