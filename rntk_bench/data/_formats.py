"""Read the archives' two file formats: UCR .tsv and sktime/aeon .ts.

Each reader turns one split file into values, the class labels as written and the
file's line number of every case, keeping NaN (missing values and the right-padding
of variable-length .tsv files); :mod:`rntk_bench.data._parse` checks the result
against the registry. Every error is a one-line :class:`DataError` that names the
file and, where it can, the line.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd

from rntk_bench.errors import DataError

__all__ = ["read_ts", "read_tsv"]


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


# ---------------------------------------------------------------------------- .tsv


def read_tsv(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (values (n, width) with NaN, labels (n,), line numbers (n,))."""
    raw = path.read_bytes()
    lines = raw.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise DataError(f"{path} is empty; it should hold one labelled series per line.")
    tabs = np.fromiter((line.count(b"\t") for line in lines), dtype=np.int64, count=len(lines))
    if tabs[0] == 0:
        raise DataError(
            f"{path}, line 1: no tab-separated values; a UCR .tsv line is "
            "<label><TAB><value><TAB><value>..."
        )
    bad = np.flatnonzero(tabs != tabs[0])
    if bad.size:
        i = int(bad[0])
        if not lines[i].strip():
            raise DataError(f"{path}, line {i + 1} is empty; remove it or refetch the file.")
        raise DataError(
            f"{path}, line {i + 1} has {tabs[i] + 1} fields but line 1 has {tabs[0] + 1}; "
            "every line must be a label and the same number of values (NaN-padded)."
        )
    frame = pd.read_csv(
        io.BytesIO(raw),
        sep="\t",
        header=None,
        dtype={0: str},
        keep_default_na=False,
        na_values=["NaN", "nan", "?"],
        skip_blank_lines=False,
    )
    values_frame = frame.iloc[:, 1:]
    for column, dtype in values_frame.dtypes.items():
        if not (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)):
            _raise_first_non_number(path, values_frame[column].to_numpy(), int(str(column)))
    values = values_frame.to_numpy(dtype=np.float64)
    labels = frame.iloc[:, 0].to_numpy(dtype=str)
    _check_tsv_labels(path, labels)
    return values, labels, np.arange(1, len(labels) + 1)


def _raise_first_non_number(path: Path, column: np.ndarray, index: int) -> None:
    for row, value in enumerate(column):
        try:
            float(value)
        except (TypeError, ValueError):
            raise DataError(
                f"{path}, line {row + 1}, field {index + 1}: {str(value)!r} is not a number."
            ) from None


def _check_tsv_labels(path: Path, labels: np.ndarray) -> None:
    # UCR .tsv labels are class codes (integers). A real-valued first column means
    # the file has no label column, e.g. a bare matrix of series.
    for row, label in enumerate(labels):
        text = label.strip()
        try:
            number = float(text)
        except ValueError:
            if text and text.lower() not in ("nan", "?"):
                continue  # a non-numeric class name is still a label
            number = math.nan
        if not math.isfinite(number) or not number.is_integer():
            raise DataError(
                f"{path}, line {row + 1}: the first field {str(label)!r} is not a class label; a "
                "UCR .tsv line must start with the label (an integer code)."
            )


# ----------------------------------------------------------------------------- .ts


def _scan_ts(path: Path) -> tuple[list[str], np.ndarray, list[str] | None]:
    """Read what sktime's reader loses: labels in their case, lines, declared labels.

    Returns (labels, line numbers of the cases, @classLabel values or None).
    """
    labels: list[str] = []
    lines: list[int] = []
    declared: list[str] | None = None
    in_data = False
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.strip()
            if not text:
                continue
            if not in_data:
                lower = text.lower()
                if lower.startswith("@classlabel"):
                    tokens = text.split()
                    if len(tokens) >= 3 and tokens[1].lower() == "true":
                        declared = tokens[2:]
                elif lower == "@data":
                    in_data = True
                continue
            if ":" not in text:
                raise DataError(
                    f"{path}, line {number}: no ':' before a class label; a .ts data line "
                    "is <values>:<values>...:<label>."
                )
            labels.append(text.rsplit(":", 1)[1].strip())
            lines.append(number)
    if not in_data:
        raise DataError(f"{path} has no @data line; it is not a .ts file (or it is empty).")
    if not labels:
        raise DataError(f"{path} has a header but no data lines.")
    return labels, np.asarray(lines), declared


def read_ts(path: Path) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Return (one (n_channels, t_i) array per case, labels, line numbers)."""
    labels, lines, declared = _scan_ts(path)
    if declared is not None:
        allowed = set(declared)
        for label, number in zip(labels, lines, strict=True):
            if label not in allowed:
                raise DataError(
                    f"{path}, line {number}: class label {label!r} is not among the "
                    f"@classLabel values {' '.join(declared)}."
                )
    # sktime's reader is the reference parser of the format (lazy import: sktime
    # takes a second to import and only .ts files need it).
    from sktime.datasets import load_from_tsfile_to_dataframe

    try:
        frame, _ = load_from_tsfile_to_dataframe(str(path), replace_missing_vals_with="NaN")
    except (OSError, ValueError, IndexError, TypeError) as exc:
        where = _first_bad_ts_value(path, lines)
        raise DataError(f"{path}: not a valid .ts file ({where or _one_line(exc)}).") from None
    if len(frame) != len(labels):
        raise DataError(
            f"{path}: sktime read {len(frame)} cases but the file has {len(labels)} data lines."
        )
    series = []
    for i, row in enumerate(frame.itertuples(index=False)):
        channels = [np.asarray(cell, dtype=np.float64) for cell in row]
        lengths = {c.shape[0] for c in channels}
        if len(lengths) != 1:
            raise DataError(
                f"{path}, line {lines[i]}: the channels have different lengths "
                f"{sorted(lengths)}; every channel of a case must have the same length."
            )
        series.append(np.stack(channels) if channels else np.empty((0, 0)))
    return series, np.asarray(labels, dtype=str), lines


def _first_bad_ts_value(path: Path, lines: np.ndarray) -> str | None:
    wanted = set(lines.tolist())
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if number not in wanted:
                continue
            for channel in line.strip().rsplit(":", 1)[0].split(":"):
                for token in channel.split(","):
                    token = token.strip()
                    if token in ("?", "NaN", "nan") or token.startswith("("):
                        continue
                    try:
                        float(token)
                    except ValueError:
                        return f"line {number}: {token!r} is not a number"
    return None
