"""The evaluation protocol: preprocessing, Gram normalisation, splits and folds.

Defaults (``Protocol()``) and where they come from:

- C grid {0.01, 0.1, 1, 10, 100}, 10-fold cross-validation on the training split,
  refit on the whole training split, test split scored once: the paper (docs/protocol.md §1).
- Folds are stratified and capped by the smallest class count (never below 2).
  Fallback (ours; the paper is silent): when some class has a single training
  series, stratified folds do not exist (Fungi: 18 classes, 18 series). Then the
  series of the classes with at least two examples are held out one at a time
  (leave-one-out) while every singleton stays in training; with no such series
  there is nothing to validate on and every setting ties: then the centre of the
  grid is used, a data-independent default (:mod:`.fallback`), and the result
  file says so.
- ``preprocessing="maxnorm"``: every series divided by the largest training-series
  norm, as in the authors' public code (the paper does not say). It sets the scale
  of the data against sigma_b and sigma_h, which moves RNTK accuracy by several
  points (docs/protocol.md §3); "none" and per-series "znorm" are options.
- ``normalisation="mean-diagonal"`` (ours): each Gram matrix is divided by the mean
  of its training diagonal before the SVM. For a fixed kernel this only rescales the
  C grid, but it keeps LIBSVM well conditioned (raw RNTK entries reach ~1e5 at
  T ~ 700, where one fit with C = 100 took minutes instead of milliseconds) and makes
  one C grid meaningful for every kernel. "none" reproduces raw Gram matrices;
  "cosine" divides by sqrt(k(x,x) k(y,y)).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from rntk_bench._validation import check_choice, check_positive, check_positive_int
from rntk_bench.errors import DataError, InputError, NumericalError

__all__ = [
    "LENGTH_POLICIES",
    "MIN_TRUNCATED_LENGTH",
    "NORMALISATIONS",
    "PREPROCESSINGS",
    "RESAMPLING",
    "TRUNCATION_SIDES",
    "Preprocessing",
    "Protocol",
    "TestTruncation",
    "apply_length_policy",
    "check_finite",
    "cv_folds",
    "normalise_gram",
    "preprocess",
    "protocol_changes",
    "resample_split",
    "truncate_series",
]

PREPROCESSINGS = ("none", "znorm", "maxnorm")
NORMALISATIONS = ("none", "mean-diagonal", "cosine")
PAPER_C_GRID = (0.01, 0.1, 1.0, 10.0, 100.0)
#: How the fixed-length kernels get series of one length (the RNN kernels never need it).
LENGTH_POLICIES = ("resample", "pad-start", "pad-end", "truncate")
LENGTH_POLICY_TEXT = {
    "resample": "linear resampling to the longest series",
    "pad-start": "zeros before each series up to the longest (ends aligned)",
    "pad-end": "zeros after each series up to the longest (starts aligned)",
    "truncate": "every series cut to its first n points, n the shortest length",
}
TRUNCATION_SIDES = ("end", "start")
#: A truncated test series keeps at least this many time points.
MIN_TRUNCATED_LENGTH = 2
# How resamples k > 0 are drawn (recorded in the identity of their results).
RESAMPLING = "tsml-eval stratified_resample_data, official class counts"


@dataclass(frozen=True)
class Protocol:
    """How a kernel is turned into a test accuracy (see the module docstring).

    Attributes
    ----------
    folds : int
        Cross-validation folds on the training split (capped per data set).
    c_grid : tuple of float
        SVM regularisation values.
    preprocessing : {"none", "znorm", "maxnorm"}
    normalisation : {"none", "mean-diagonal", "cosine"}
    seed : int
        Seeds the folds and the resamples.
    """

    folds: int = 10
    c_grid: tuple[float, ...] = PAPER_C_GRID
    preprocessing: str = "maxnorm"
    normalisation: str = "mean-diagonal"
    seed: int = 0
    tie_break: str = field(default="mean, then smaller C, then grid order", init=False)
    # When the whole CV table ties (no validation data): see evaluation/fallback.py.
    tie_fallback: str = field(default="grid centre", init=False)
    # LIBSVM iteration cap (see evaluation/svm.py); part of a result's identity.
    svm_max_iter: int = field(default=1_000_000, init=False)

    def __post_init__(self) -> None:
        check_positive_int(self.folds, "folds", minimum=2)
        if not self.c_grid:
            raise InputError("c_grid must hold at least one value; e.g. 0.01,0.1,1,10,100.")
        for c in self.c_grid:
            check_positive(c, "every C in c_grid")
        if len(set(self.c_grid)) != len(self.c_grid):
            raise InputError(f"c_grid has repeated values: {list(self.c_grid)}.")
        check_choice(self.preprocessing, "preprocessing", PREPROCESSINGS)
        check_choice(self.normalisation, "normalisation", NORMALISATIONS)
        check_positive_int(self.seed, "seed", minimum=0)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["c_grid"] = list(self.c_grid)
        return out


def protocol_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """The user-chosen fields in which two protocol records differ, in words.

    Compared: the fields a user sets (folds, c_grid, preprocessing, normalisation,
    seed, and any later init field) that both records hold. Fields fixed by the code
    (``init=False``, e.g. the tie-break rule) or absent from an older record change
    only with the version, and every result identity changes with them anyway.

    Parameters
    ----------
    before, after : mapping
        ``Protocol.as_dict()`` records (e.g. from run.json or a result's identity).

    Returns
    -------
    str
        E.g. "folds 10 -> 5, preprocessing maxnorm -> znorm"; empty when they agree.
    """
    chosen = [f.name for f in fields(Protocol) if f.init]
    return ", ".join(
        f"{k} {before[k]} -> {after[k]}"
        for k in chosen
        if k in before and k in after and before[k] != after[k]
    )


# --- preprocessing ----------------------------------------------------------------


def _series_list(X: Any) -> list[np.ndarray]:
    return list(X) if isinstance(X, list) else [x for x in np.asarray(X)]


def _like(X: Any, series: list[np.ndarray]) -> Any:
    if isinstance(X, list):
        return series
    return np.stack(series) if series else np.asarray(X, dtype=np.float64).copy()


@dataclass(frozen=True)
class Preprocessing:
    """An input preprocessing with its statistics taken from a training split.

    Attributes
    ----------
    method : {"none", "znorm", "maxnorm"}
        "znorm": every series (and channel) to zero mean and unit variance; constant
        series become zeros. "maxnorm": divide every series by ``scale``.
    scale : float
        The largest Euclidean norm of a training series ("maxnorm"), else 1.
    """

    method: str
    scale: float = 1.0

    @classmethod
    def fit(cls, X_train: Any, method: str) -> Preprocessing:
        """Take the statistics of ``method`` from the training series."""
        method = check_choice(method, "preprocessing", PREPROCESSINGS)
        scale = 1.0
        if method == "maxnorm":
            norms = [_norm(s) for s in _series_list(X_train)]
            scale = max(norms) if norms and max(norms) > 0 else 1.0
        return cls(method, scale)

    def apply(self, X: Any) -> Any:
        """Preprocess series (any split) with the training statistics.

        Parameters
        ----------
        X : array (n, n_channels, n_timepoints) or list of (n_channels, t_i)

        Returns
        -------
        same kind as X, float64 copies
        """
        series = _series_list(X)
        if self.method == "znorm":

            def znorm(s: np.ndarray) -> np.ndarray:
                with np.errstate(over="ignore", invalid="ignore"):
                    centred = s - s.mean(axis=1, keepdims=True)
                    std = s.std(axis=1, keepdims=True)
                if not (np.isfinite(centred).all() and np.isfinite(std).all()):
                    # Values near the float limit: z-normalisation is scale-free, so
                    # divide by the largest magnitude first instead of overflowing.
                    peak = np.abs(s).max(axis=1, keepdims=True)
                    s = np.divide(s, peak, out=np.zeros_like(s, dtype=np.float64), where=peak > 0)
                    centred = s - s.mean(axis=1, keepdims=True)
                    std = s.std(axis=1, keepdims=True)
                return np.divide(centred, std, out=np.zeros_like(centred), where=std > 0)

            out = [znorm(s) for s in series]
        elif self.method == "maxnorm":
            out = [s / self.scale for s in series]
        else:
            out = [s.astype(np.float64, copy=True) for s in series]
        return _like(X, out)


def preprocess(X_train: Any, X_test: Any, method: str) -> tuple[Any, Any]:
    """Apply the input preprocessing to both splits (statistics from train only).

    Parameters
    ----------
    X_train, X_test : arrays (n, n_channels, n_timepoints) or lists of (n_channels, t_i)
    method : {"none", "znorm", "maxnorm"}
        See :class:`Preprocessing`.

    Returns
    -------
    X_train, X_test : same kinds as the input, float64 copies
    """
    fitted = Preprocessing.fit(X_train, method)
    return fitted.apply(X_train), fitted.apply(X_test)


def _norm(s: np.ndarray) -> float:
    """Euclidean norm that does not overflow for values near the float limit."""
    with np.errstate(over="ignore"):
        norm = float(np.linalg.norm(s))
    if math.isfinite(norm):
        return norm
    peak = float(np.abs(s).max())  # finite input, overflowing squares: scale first
    return peak * float(np.linalg.norm(s / peak))


def check_finite(values: Any, what: str, fix: str) -> None:
    """Raise NumericalError unless every value of an array (or list of arrays) is finite.

    Parameters
    ----------
    values : ndarray or list of ndarray
    what : str
        Names the values in the message ("GunPoint: the rntk Gram matrix of ...").
    fix : str
        What the user can do about it.
    """
    arrays = values if isinstance(values, list) else [values]
    if all(np.isfinite(a).all() for a in arrays):
        return
    raise NumericalError(
        f"{what} has non-finite values (an overflow beyond the float range); nothing was "
        f"written for it. {fix}"
    )


# --- Gram normalisation -------------------------------------------------------------


def normalise_gram(
    gram: np.ndarray,
    method: str,
    train_diagonal: np.ndarray,
    row_diagonal: np.ndarray | None = None,
) -> np.ndarray:
    """Normalise a Gram matrix whose columns are the training series.

    Parameters
    ----------
    gram : ndarray of shape (n_rows, n_train)
    method : {"none", "mean-diagonal", "cosine"}
    train_diagonal : ndarray of shape (n_train,)
        k(x, x) of the training series.
    row_diagonal : ndarray of shape (n_rows,), optional
        k(x, x) of the row series (needed for "cosine"; defaults to train_diagonal,
        i.e. a train x train Gram).

    Returns
    -------
    ndarray of shape (n_rows, n_train)
    """
    if method == "none":
        return gram
    if method == "mean-diagonal":
        with np.errstate(over="ignore"):
            scale = float(np.mean(train_diagonal))
        if math.isinf(scale):  # finite entries whose sum overflows
            peak = float(np.abs(train_diagonal).max())
            scale = peak * float(np.mean(train_diagonal / peak))
        return gram / scale if scale > 0 else gram
    rows = train_diagonal if row_diagonal is None else row_diagonal
    with np.errstate(over="ignore"):
        denom = np.sqrt(np.outer(np.maximum(rows, 0), np.maximum(train_diagonal, 0)))
    if np.isinf(denom).any():  # the product overflows, the square roots do not
        denom = np.sqrt(np.maximum(rows, 0))[:, None] * np.sqrt(np.maximum(train_diagonal, 0))
    return np.divide(gram, denom, out=np.zeros_like(gram), where=denom > 0)


# --- splits and folds --------------------------------------------------------------------


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


# --- lengths: truncated test series, fixed-length policies ---------------------------


@dataclass(frozen=True)
class TestTruncation:
    """Cut every test series to a fraction of its length; training series stay whole.

    Attributes
    ----------
    fraction : float
        In (0, 1]: a series of t points keeps round(fraction * t) of them (halves
        round up). Deterministic: no random draw is involved.
    side : {"end", "start"}
        "end" keeps the last points (the start is cut off), "start" the first.
    """

    __test__ = False  # not a pytest test class, despite its name

    fraction: float
    side: str = "end"

    def __post_init__(self) -> None:
        try:
            fraction = float(self.fraction)
        except (TypeError, ValueError):
            fraction = math.nan
        if isinstance(self.fraction, bool) or not 0 < fraction <= 1:  # NaN fails too
            raise InputError(
                f"the test truncation fraction must be in (0, 1] (the share of each test "
                f"series kept); got {self.fraction!r}."
            )
        object.__setattr__(self, "fraction", fraction)
        check_choice(self.side, "the truncation side", TRUNCATION_SIDES)

    @property
    def label(self) -> str:
        """How reports name it: "test: last 50%" (side end) or "test: first 50%"."""
        which = "last" if self.side == "end" else "first"
        return f"test: {which} {100 * self.fraction:g}%"

    def as_dict(self) -> dict[str, Any]:
        return {"fraction": self.fraction, "side": self.side}

    def kept(self, length: int) -> int:
        """Time points a series of ``length`` keeps."""
        return math.floor(self.fraction * length + 0.5)


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
    series = _series_list(X)
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
    train, test = _series_list(X_train), _series_list(X_test)
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
