"""Splits of a data set: resamples, cross-validation folds, variants and length policies.

Everything here decides WHICH series a model sees (indices, folds, cuts, padding);
nothing computes a kernel or fits a model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from rntk_bench._validation import check_choice
from rntk_bench.data import Dataset
from rntk_bench.errors import DataError
from rntk_bench.evaluation.preprocessing import check_finite, preprocess, series_list
from rntk_bench.evaluation.protocol import (
    LENGTH_POLICIES,
    MIN_TRUNCATED_LENGTH,
    Protocol,
    TestTruncation,
)

__all__ = [
    "OVERFLOW_FIX",
    "Folds",
    "Split",
    "apply_length_policy",
    "cv_folds",
    "fixed_length_split",
    "make_split",
    "prepare_split",
    "resample_split",
    "take",
    "truncate_series",
]


@dataclass(frozen=True)
class Folds:
    """Cross-validation folds of the training split.

    Attributes
    ----------
    splits : list of (train_index, validation_index)
    scheme : str
        What was used and why, recorded in result files.
    """

    splits: list[tuple[np.ndarray, np.ndarray]]
    scheme: str


def cv_folds(y: np.ndarray, folds: int, seed: int) -> Folds:
    """Stratified folds capped by the smallest class count, with the singleton fallback.

    Parameters
    ----------
    y : ndarray of shape (n_train,), int class codes
    folds : int
        Requested number of folds (>= 2).
    seed : int

    Returns
    -------
    Folds
    """
    y = np.asarray(y)
    _, counts = np.unique(y, return_counts=True)
    smallest = int(counts.min())
    if smallest >= 2:
        k = min(folds, smallest)
        splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        splits = list(splitter.split(np.zeros(len(y)), y))
        capped = f" (capped from {folds}: the smallest class has {smallest})" if k < folds else ""
        return Folds(splits, f"stratified {k}-fold{capped}")
    # Some class has one training series: no stratified split exists.
    labels, counts = np.unique(y, return_counts=True)
    several = set(labels[counts >= 2].tolist())
    held_out = [i for i in range(len(y)) if int(y[i]) in several]
    everything = np.arange(len(y))
    splits = [(np.delete(everything, i), np.array([i])) for i in held_out]
    n_single = int((counts == 1).sum())
    scheme = (
        f"leave-one-out over the {len(held_out)} series of classes with >= 2 examples "
        f"({n_single} singleton classes always in training)"
    )
    if not splits:
        scheme = "none: every class has one training series; all settings tie"
    return Folds(splits, scheme)


def resample_split(
    y_train: np.ndarray,
    y_test: np.ndarray,
    resample: int,
    seed: int,
    labels: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Indices into the concatenation train + test for resample ``resample``.

    Resample 0 is the archive's official split. Resample k > 0 is tsml-eval's and aeon's
    ``stratified_resample_data`` with ``random_state = seed + k`` (seed 0, the default,
    gives exactly their resample k, so results pair with published resamples): train and
    test are pooled; for every class, in the order ``numpy.unique`` sorts the original
    labels, its series are shuffled by one shared ``numpy.random.RandomState`` and the
    first ones, as many as the official training split has of that class, go to training,
    the rest to test. Each split keeps the official class counts. The indices come in the
    library's order (grouped by class), so a test split's rows match a tsml-eval result
    file's rows. A class absent from one official split simply gets no series there
    (the libraries refuse such data).

    Parameters
    ----------
    y_train, y_test : ndarray of int class codes
    resample : int
    seed : int
    labels : sequence of str, optional
        The original labels (``labels[code]``); their sort order, not the codes',
        decides the order of the classes and so the draws (string labels sort
        lexicographically: "10" before "2"). Default: the codes themselves.

    Returns
    -------
    train_index, test_index : ndarray of int
    """
    n_train, n_test = len(y_train), len(y_test)
    if resample == 0:
        return np.arange(n_train), np.arange(n_train, n_train + n_test)
    codes = np.concatenate([y_train, y_test]).astype(np.int64)
    pooled = np.asarray(labels)[codes] if labels is not None else codes
    rng = np.random.RandomState(seed + resample)
    train_parts, test_parts = [], []
    for label in np.unique(pooled):
        index = np.flatnonzero(pooled == label)
        rng.shuffle(index)
        in_train = int(np.count_nonzero(pooled[:n_train] == label))
        train_parts.append(index[:in_train])
        test_parts.append(index[in_train:])
    return np.concatenate(train_parts), np.concatenate(test_parts)


def take(X: Any, index: Sequence[int] | np.ndarray) -> Any:
    """Rows of an array or a list of series."""
    if isinstance(X, list):
        return [X[int(i)] for i in index]
    return np.asarray(X)[np.asarray(index)]


# --- lengths: truncated test series, fixed-length policies --------------------------


def truncate_series(X: Any, truncation: TestTruncation, dataset: str = "the data set") -> list:
    """Cut every series of X as ``truncation`` says.

    Parameters
    ----------
    X : array (n, n_channels, n_timepoints) or list of (n_channels, t_i)
    truncation : TestTruncation
    dataset : str
        Named in the error message.

    Returns
    -------
    list of ndarray of shape (n_channels, t'_i)

    Raises
    ------
    DataError
        If a series would keep fewer than :data:`MIN_TRUNCATED_LENGTH` points.
    """
    series = series_list(X)
    out = []
    for s in series:
        keep = truncation.kept(s.shape[-1])
        if keep < MIN_TRUNCATED_LENGTH:
            shortest = min(x.shape[-1] for x in series)
            smallest = (MIN_TRUNCATED_LENGTH - 0.5) / shortest
            raise DataError(
                f"{dataset} is too short for --truncate-test {truncation.fraction:g}: its "
                f"shortest test series ({shortest} points) would keep {keep}, fewer than "
                f"{MIN_TRUNCATED_LENGTH}; use a fraction >= {math.ceil(smallest * 100) / 100:g} "
                "or leave this data set out."
            )
        out.append(s[:, s.shape[-1] - keep :] if truncation.side == "end" else s[:, :keep])
    return out


def apply_length_policy(X_train: Any, X_test: Any, policy: str) -> tuple[Any, Any, int | None]:
    """Bring both splits to one length for a fixed-length kernel.

    Parameters
    ----------
    X_train, X_test : arrays (n, n_channels, n_timepoints) or lists of (n_channels, t_i)
    policy : {"resample", "pad-start", "pad-end", "truncate"}
        "resample": unchanged here; the kernels resample linearly to the returned
        length (the longest series of both splits). "pad-start"/"pad-end": zeros before
        / after each series up to the longest. "truncate": every series cut to its
        first n points, n the shortest length of both splits. Lengths are taken over
        both splits, as the RNN kernels see them, so train and test share one feature
        space.

    Returns
    -------
    X_train, X_test : the inputs (equal lengths, or "resample"), else arrays of shape
        (n, n_channels, L)
    length : int or None
        The common length the kernels must resample to; None when the outputs already
        have one length.
    """
    check_choice(policy, "length policy", LENGTH_POLICIES)
    train, test = series_list(X_train), series_list(X_test)
    lengths = [s.shape[-1] for s in train + test]
    if len(set(lengths)) == 1:
        return X_train, X_test, None
    if policy == "resample":
        return X_train, X_test, max(lengths)
    if policy == "truncate":
        shortest = min(lengths)
        return (
            np.stack([s[:, :shortest] for s in train]),
            np.stack([s[:, :shortest] for s in test]),
            None,
        )
    longest = max(lengths)

    def pad(s: np.ndarray) -> np.ndarray:
        missing = longest - s.shape[-1]
        width = ((0, 0), (missing, 0)) if policy == "pad-start" else ((0, 0), (0, missing))
        return np.pad(s, width)

    return np.stack([pad(s) for s in train]), np.stack([pad(s) for s in test]), None


# --- the preprocessed split a method sees ------------------------------------------


@dataclass(frozen=True)
class Split:
    """One train/test split, preprocessed.

    Attributes
    ----------
    X_train, X_test : arrays (n, n_channels, n_timepoints) or lists of (n_channels, t_i)
    y_train, y_test : ndarray of int class codes (y_test may be empty: unlabelled test)
    length : int or None
        Common length for fixed-length kernels (None: the data are equal-length).
    """

    X_train: Any
    y_train: np.ndarray
    X_test: Any
    y_test: np.ndarray
    length: int | None


#: What a user can do about an overflow, in every non-finite message.
OVERFLOW_FIX = (
    "Scale the inputs (--preprocessing maxnorm or znorm) or drop the grid values that "
    "make the kernel overflow."
)


def prepare_split(
    X_train: Any,
    y_train: np.ndarray,
    X_test: Any,
    y_test: np.ndarray,
    preprocessing: str,
    name: str,
) -> Split:
    """Preprocess a split with training statistics and check that it stays finite.

    Parameters
    ----------
    X_train, X_test : arrays (n, n_channels, n_timepoints) or lists of (n_channels, t_i)
    y_train, y_test : ndarray of int class codes
    preprocessing : {"none", "znorm", "maxnorm"}
    name : str
        Names the data in messages.

    Returns
    -------
    Split
        ``length`` is the longest series of both splits when they are lists.

    Raises
    ------
    NumericalError
        When the preprocessing leaves a non-finite value.
    DegenerateDataError
        When it makes a series underflow (one extreme training series under "maxnorm":
        :meth:`~rntk_bench.evaluation.preprocessing.Preprocessing.check`).
    """
    X_train, X_test = preprocess(X_train, X_test, preprocessing, name)
    length: int | None = None
    if isinstance(X_train, list):
        length = max(s.shape[-1] for s in [*X_train, *X_test])
    what = f"{name} after preprocessing ({preprocessing})"
    check_finite(X_train, f"{what}, training split,", OVERFLOW_FIX)
    check_finite(X_test, f"{what}, test split,", OVERFLOW_FIX)
    return Split(X_train, np.asarray(y_train), X_test, np.asarray(y_test), length)


def make_split(
    data: Dataset,
    resample: int,
    protocol: Protocol,
    truncation: TestTruncation | None = None,
) -> Split:
    """The preprocessed split of a registered data set for ``resample`` (0: official).

    ``truncation`` cuts every test series (before preprocessing, as a shorter series
    would arrive) while the training series stay whole; the split is then of
    variable length and ``length`` is its longest series.
    """
    train_index, test_index = resample_split(
        data.y_train, data.y_test, resample, protocol.seed, labels=data.classes
    )
    if isinstance(data.X_train, list):
        X_all: Any = list(data.X_train) + list(data.X_test)
    else:
        X_all = np.concatenate([data.X_train, data.X_test])
    y_all = np.concatenate([data.y_train, data.y_test])
    X_train, X_test = take(X_all, train_index), take(X_all, test_index)
    if truncation is not None:
        X_test = truncate_series(X_test, truncation, data.info.name)
        if not isinstance(X_train, list):
            X_train = list(X_train)
    return prepare_split(
        X_train,
        y_all[train_index],
        X_test,
        y_all[test_index],
        protocol.preprocessing,
        data.info.name,
    )


def fixed_length_split(split: Split, policy: str) -> Split:
    """The split as a fixed-length kernel sees it under a length ``policy``.

    See :func:`apply_length_policy`; equal-length splits and "resample" come back
    unchanged (the kernels resample to ``length``).
    """
    if split.length is None or policy == "resample":
        return split
    X_train, X_test, length = apply_length_policy(split.X_train, split.X_test, policy)
    return Split(X_train, split.y_train, X_test, split.y_test, length)
