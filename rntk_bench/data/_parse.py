"""Read a split file, check it against the registry, and turn it into arrays.

:func:`read_split` reads a .tsv or .ts file (the readers of both formats are in
:mod:`rntk_bench.data._formats`), keeping NaN (missing values and the right-padding
of variable-length .tsv files), and checks channels, lengths and values against the
registry; :func:`verify_splits` checks the sizes and the classes; :func:`finish`
applies the missing-value policy and encodes the labels. Every error is a one-line
:class:`DataError` that names the file and, where it can, the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rntk_bench.data._formats import read_ts, read_tsv
from rntk_bench.data.labels import encode_labels as encode_in_label_order
from rntk_bench.data.registry import DatasetInfo
from rntk_bench.errors import DataError

__all__ = [
    "MISSING_POLICIES",
    "ParsedSplit",
    "Series",
    "check_layout",
    "encode_labels",
    "finish",
    "interpolate_missing",
    "read_raw",
    "read_split",
    "verify_splits",
]

MISSING_POLICIES = ("interpolate", "error")

# (n_cases, n_channels, n_timepoints) for equal length, else one (n_channels, t_i)
# array per case.
Series = np.ndarray | list[np.ndarray]


@dataclass(frozen=True)
class ParsedSplit:
    """One split as read from its file.

    Attributes
    ----------
    path : Path
        The file it was read from.
    X : ndarray of shape (n_cases, n_channels, n_timepoints), or list of arrays of
        shape (n_channels, t_i)
        float64 values; NaN where values are missing. Already checked against the
        registry's length (variable-length series have their NaN padding removed).
    labels : ndarray of shape (n_cases,), str
        The class labels as written in the file.
    lines : ndarray of shape (n_cases,), int
        The file's line number of every case, for messages.
    """

    path: Path
    X: Series
    labels: np.ndarray
    lines: np.ndarray

    @property
    def n_cases(self) -> int:
        return len(self.labels)


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


# ---------------------------------------------------------------------- both kinds


def read_split(path: Path, info: DatasetInfo) -> ParsedSplit:
    """Read one split file (.tsv or .ts) and check it against the registry's layout.

    Parameters
    ----------
    path : Path
        ``<Name>_TRAIN.tsv``, ``<Name>_TEST.ts``, ...
    info : DatasetInfo
        The registry entry: fixes the number of channels, the length (or variable
        length) and whether NaN may occur.

    Returns
    -------
    ParsedSplit
        X of shape (n_cases, n_channels, length) when ``info.length`` is set, else a
        list of (n_channels, t_i) arrays without their NaN padding; NaN left where
        values are missing.
    """
    return check_layout(read_raw(path), info)


def read_raw(path: Path) -> ParsedSplit:
    """Read one split file (.tsv or .ts) as written, before any layout check.

    Returns
    -------
    ParsedSplit
        X of shape (n_cases, 1, width) for a .tsv file (NaN padding and missing values
        kept), a list of (n_channels, t_i) arrays for a .ts file.
    """
    try:
        if path.suffix == ".tsv":
            values, labels, lines = read_tsv(path)
            X: Series = values[:, None, :]
        elif path.suffix == ".ts":
            X, labels, lines = read_ts(path)
        else:
            raise DataError(f"{path}: unknown file type; expected a .tsv or a .ts file.")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not a text file ({_one_line(exc)}).") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"{path}: not a valid .tsv file ({_one_line(exc)}).") from None
    return ParsedSplit(path=path, X=X, labels=labels, lines=lines)


def check_layout(raw: ParsedSplit, info: DatasetInfo) -> ParsedSplit:
    """Bring a split from :func:`read_raw` to ``info``'s layout and check its values."""
    X = _apply_layout(raw.path, info, raw.X, raw.lines)
    _check_values(raw.path, info, X, raw.lines)
    return ParsedSplit(path=raw.path, X=X, labels=raw.labels, lines=raw.lines)


def _apply_layout(path: Path, info: DatasetInfo, X: Series, lines: np.ndarray) -> Series:
    channels = X.shape[1] if isinstance(X, np.ndarray) else None
    if isinstance(X, list):
        found = {s.shape[0] for s in X}
        channels = found.pop() if len(found) == 1 else None
        if channels is None:
            raise DataError(
                f"{path}: the cases have different numbers of channels {sorted(found)}."
            )
    if channels != info.n_channels:
        raise DataError(
            f"{path} has {channels} channel(s) but the registry says {info.name} has "
            f"{info.n_channels}."
        )
    if info.length is None:
        out = []
        for i in range(len(X)):
            s = np.asarray(X[i], dtype=np.float64)
            # Variable-length series come right-padded with NaN (.tsv); drop the padding.
            observed = np.flatnonzero(~np.isnan(s).all(axis=0))
            if observed.size == 0:
                raise DataError(f"{path}, line {lines[i]}: the series has no values.")
            out.append(s[:, : observed[-1] + 1])
        return out
    if isinstance(X, np.ndarray):
        if X.shape[2] != info.length:
            raise DataError(
                f"{path} has series of length {X.shape[2]} but the registry says "
                f"{info.name} has length {info.length}."
            )
        return X
    for i, s in enumerate(X):
        if s.shape[1] != info.length:
            raise DataError(
                f"{path}, line {lines[i]}: series of length {s.shape[1]} but the registry "
                f"says {info.name} has length {info.length}."
            )
    return np.stack(X) if X else np.empty((0, info.n_channels, info.length))


def _check_values(path: Path, info: DatasetInfo, X: Series, lines: np.ndarray) -> None:
    for i in range(len(X)):
        s = X[i]
        if np.isinf(s).any():
            raise DataError(f"{path}, line {lines[i]}: infinite value; the file is damaged.")
        if not info.missing and np.isnan(s).any():
            raise DataError(
                f"{path}, line {lines[i]}: missing value (NaN) but the registry says "
                f"{info.name} has none; the file is damaged or ragged."
            )


def verify_splits(info: DatasetInfo, train: ParsedSplit, test: ParsedSplit) -> None:
    """Check the sizes and the number of classes against the registry.

    Raises
    ------
    DataError
        Naming what differs, e.g. "49 training series but the registry says 50".
    """
    checks = [
        ("training series", train.n_cases, info.n_train, train.path),
        ("test series", test.n_cases, info.n_test, test.path),
        (
            "classes",
            len(set(train.labels.tolist()) | set(test.labels.tolist())),
            info.n_classes,
            train.path.parent,
        ),
    ]
    for what, got, expected, where in checks:
        if got != expected:
            raise DataError(
                f"{where} has {got} {what} but the registry says {info.name} has {expected}."
            )


def encode_labels(
    train: np.ndarray, test: np.ndarray
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Encode labels as codes 0..K-1, the same way for both splits.

    Labels are sorted numerically when all of them read as numbers (so "-1" < "1" <
    "10"), else as strings.

    Returns
    -------
    classes : tuple of str
        The original labels, in code order.
    y_train, y_test : ndarray of shape (n_cases,), int64
    """
    classes, y_train, y_test = encode_in_label_order(train, test)
    assert y_test is not None  # a test split was given
    return tuple(classes.tolist()), y_train, y_test


def interpolate_missing(series: np.ndarray) -> np.ndarray:
    """Fill NaN by linear interpolation along time, constant beyond the ends.

    Parameters
    ----------
    series : ndarray of shape (n_channels, n_timepoints)

    Returns
    -------
    ndarray of shape (n_channels, n_timepoints)
        A copy without NaN (the input is returned as is when it has none). This is
        how the UCR archive built its adjusted DodgerLoop* files.

    Raises
    ------
    ValueError
        When a channel has no value at all.
    """
    missing = np.isnan(series)
    if not missing.any():
        return series
    out = series.copy()
    t = np.arange(series.shape[1], dtype=np.float64)
    for c in np.flatnonzero(missing.any(axis=1)):
        gaps = missing[c]
        if gaps.all():
            raise ValueError(f"channel {c} has no values")
        # np.interp holds the first/last observed value constant beyond the ends.
        out[c, gaps] = np.interp(t[gaps], t[~gaps], series[c, ~gaps])
    return out


def _fill(split: ParsedSplit, missing: str, name: str) -> Series:
    X = split.X
    n_missing = sum(int(np.isnan(X[i]).sum()) for i in range(len(X)))
    if n_missing == 0:
        return X
    if missing == "error":
        raise DataError(
            f"{name}: {split.path.name} has {n_missing} missing values (NaN); load it with "
            "missing='interpolate' to fill them by linear interpolation."
        )
    filled = []
    for i in range(len(X)):
        try:
            filled.append(interpolate_missing(np.asarray(X[i])))
        except ValueError as exc:
            raise DataError(
                f"{split.path}, line {split.lines[i]}: cannot interpolate ({exc})."
            ) from None
    return np.stack(filled) if isinstance(X, np.ndarray) else filled


def finish(
    info: DatasetInfo, train: ParsedSplit, test: ParsedSplit, missing: str
) -> tuple[Series, np.ndarray, Series, np.ndarray, tuple[str, ...]]:
    """Apply the missing-value policy and encode the labels.

    Returns
    -------
    X_train, y_train, X_test, y_test, classes
        X as in :class:`ParsedSplit` but without NaN; y int64 codes into ``classes``.
    """
    X_train = _fill(train, missing, info.name)
    X_test = _fill(test, missing, info.name)
    classes, y_train, y_test = encode_labels(train.labels, test.labels)
    return X_train, y_train, X_test, y_test, classes
