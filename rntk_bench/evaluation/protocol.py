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
  grid is used, a data-independent default (:mod:`rntk_bench.svm.select`), and the result
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
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from rntk_bench._validation import check_choice, check_positive, check_positive_int
from rntk_bench.errors import InputError

__all__ = [
    "LENGTH_POLICIES",
    "LENGTH_POLICY_TEXT",
    "MIN_TRUNCATED_LENGTH",
    "NORMALISATIONS",
    "PAPER_C_GRID",
    "PREPROCESSINGS",
    "RESAMPLING",
    "TRUNCATION_SIDES",
    "Protocol",
    "TestTruncation",
    "protocol_changes",
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
    # When the whole CV table ties (no validation data): see svm/select.py.
    tie_fallback: str = field(default="grid centre", init=False)
    # LIBSVM iteration cap, part of a result's identity. Stated here so that reading a
    # result needs no SVM code; svm/libsvm.py's MAX_ITER is the value every fit uses
    # (a test holds them equal).
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


# --- variants of a data set: truncated test series -----------------------------------


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
