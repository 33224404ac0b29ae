"""A seeded synthetic data set about lengths, registered like an archive data set.

The pre-registered design (README, "Where does the RNTK pay off?"; fixed before any
result was seen):

- Three classes. Every series carries one burst ``sin(2 pi t / P_y + phi)`` of
  ``burst`` time points whose period ``P_y`` is the class: 6, 9 or 13.5 time points
  (ratio 1.5, so stretching a series by 1.5 turns one class's period into the next).
- Each series is observed over a length drawn uniformly from the integers in
  ``[ceil(r * t_max), t_max]`` (``r``: the *length variability*; ``r = 1`` gives equal
  lengths), with a random phase ``phi ~ U[0, 2 pi)`` and i.i.d. Gaussian noise of
  standard deviation ``noise`` on every time point.
- ``position="end"``: the burst fills the last ``burst`` time points of the series;
  ``position="start"``: the first ``burst``. So the class sits at a fixed distance
  from one end of each series and at a varying distance from the other.
- Balanced classes in both splits; the suite ``synthetic`` sweeps r in
  {1, 0.75, 0.5, 0.25} x noise in {0.5, 1} x position in {start, end}, with
  ``t_max = 128``, ``burst = 32``, 120 training and 300 test series, each data set
  with its own seed.

The generator is a *source* of :mod:`rntk_bench.data.sources`: the data set is written
to .ts files that then go through the same parsing, registry checks and sha256 lock
as any downloaded data set (a generator that changed, e.g. with another numpy,
stops with a checksum error instead of silently changing the data).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rntk_bench._validation import check_choice, check_positive_int
from rntk_bench.errors import InputError

__all__ = [
    "PERIODS",
    "SYNTHETIC",
    "SyntheticSpec",
    "check_length_variability",
    "generate",
    "make_length_dataset",
    "write_ts",
]

#: The class periods, in time points (ratio 1.5 between neighbours).
PERIODS = (6.0, 9.0, 13.5)
POSITIONS = ("start", "end")


@dataclass(frozen=True)
class SyntheticSpec:
    """The generator's parameters of one registered synthetic data set.

    Attributes
    ----------
    position : {"start", "end"}
        Where the class-bearing burst lies in each series.
    length_variability : float
        r in (0, 1]: lengths are drawn from [ceil(r * t_max), t_max].
    noise : float
        Standard deviation of the Gaussian noise (the burst has amplitude 1).
    seed : int
    t_max, burst, n_train, n_test : int
    """

    position: str
    length_variability: float
    noise: float
    seed: int
    t_max: int = 128
    burst: int = 32
    n_train: int = 120
    n_test: int = 300

    @property
    def equal_length(self) -> bool:
        return self.length_variability == 1.0


def _name(position: str, r: float, noise: float) -> str:
    return f"Synth{position.capitalize()}-r{r:.2f}-noise{noise:g}"


def _specs() -> dict[str, SyntheticSpec]:
    out = {}
    seed = 2021
    for position in POSITIONS:
        for noise in (0.5, 1.0):
            for r in (1.0, 0.75, 0.5, 0.25):
                out[_name(position, r, noise)] = SyntheticSpec(position, r, noise, seed)
                seed += 1
    return out


#: Every registered synthetic data set: name -> its generator's parameters.
SYNTHETIC: dict[str, SyntheticSpec] = _specs()


def check_length_variability(value: float) -> float:
    """Return ``value`` as a float after checking that it lies in (0, 1]."""
    try:
        r = float(value)
    except (TypeError, ValueError):
        r = math.nan
    if isinstance(value, bool) or not 0 < r <= 1:  # NaN fails too
        raise InputError(
            f"length_variability must be in (0, 1] (the shortest length as a fraction of "
            f"t_max; 1 = equal lengths); got {value!r}."
        )
    return r


def make_length_dataset(
    n_series: int,
    *,
    length_variability: float,
    noise: float,
    position: str = "end",
    t_max: int = 128,
    burst: int = 32,
    seed: int = 0,
) -> tuple[list[np.ndarray], np.ndarray]:
    """Draw series of the length experiment (see the module docstring).

    Parameters
    ----------
    n_series : int
        Number of series; classes are balanced (class ``i % 3`` for series i).
    length_variability : float
        r in (0, 1]: each length is uniform on the integers of [ceil(r t_max), t_max].
    noise : float
        Standard deviation of the Gaussian noise (>= 0).
    position : {"start", "end"}
        Where the class-bearing burst lies.
    t_max, burst : int
        Longest length; burst length (<= ceil(r * t_max), so every series holds it).
    seed : int

    Returns
    -------
    X : list of ndarray of shape (1, t_i), float64
    y : ndarray of shape (n_series,), int64, codes 0..2

    Raises
    ------
    InputError
        For r outside (0, 1], a negative noise, an unknown position, or a burst
        longer than the shortest series.
    """
    n_series = check_positive_int(n_series, "n_series")
    r = check_length_variability(length_variability)
    if not (isinstance(noise, (int, float)) and math.isfinite(noise) and noise >= 0):
        raise InputError(f"noise must be a finite number >= 0; got {noise!r}.")
    check_choice(position, "position", POSITIONS)
    t_max = check_positive_int(t_max, "t_max")
    burst = check_positive_int(burst, "burst")
    shortest = math.ceil(r * t_max)
    if burst > shortest:
        raise InputError(
            f"burst ({burst}) must fit in the shortest series, ceil(r * t_max) = {shortest}; "
            "raise length_variability or t_max, or shorten the burst."
        )
    rng = np.random.default_rng(seed)
    y = np.arange(n_series, dtype=np.int64) % len(PERIODS)
    rng.shuffle(y)
    lengths = rng.integers(shortest, t_max, endpoint=True, size=n_series)
    phases = rng.uniform(0.0, 2.0 * np.pi, size=n_series)
    steps = np.arange(burst)
    X = []
    for i in range(n_series):
        series = noise * rng.standard_normal(int(lengths[i]))
        wave = np.sin(2.0 * np.pi * steps / PERIODS[y[i]] + phases[i])
        if position == "start":
            series[:burst] += wave
        else:
            series[-burst:] += wave
        X.append(series[None, :])
    return X, y


def generate(
    spec: SyntheticSpec,
) -> tuple[list[np.ndarray], np.ndarray, list[np.ndarray], np.ndarray]:
    """The training and test split of a registered data set (one draw, then split)."""
    X, y = make_length_dataset(
        spec.n_train + spec.n_test,
        length_variability=spec.length_variability,
        noise=spec.noise,
        position=spec.position,
        t_max=spec.t_max,
        burst=spec.burst,
        seed=spec.seed,
    )
    # Balanced splits: every class gets its share of both (the sizes are multiples of 3).
    train = np.concatenate(
        [np.flatnonzero(y == k)[: spec.n_train // len(PERIODS)] for k in range(len(PERIODS))]
    )
    train = np.sort(train)
    test = np.setdiff1d(np.arange(len(y)), train)
    return [X[i] for i in train], y[train], [X[i] for i in test], y[test]


def write_ts(path: Path, name: str, X: list[np.ndarray], y: np.ndarray) -> None:
    """Write univariate series and integer labels as a .ts file (exact float text).

    Parameters
    ----------
    path : Path
    name : str
        The @problemName.
    X : list of ndarray of shape (1, t_i)
    y : ndarray of shape (n,), int
    """
    equal = len({s.shape[-1] for s in X}) == 1
    labels = " ".join(str(k) for k in sorted({int(v) for v in y}))
    lines = [
        f"@problemName {name}",
        "@timeStamps false",
        "@missing false",
        "@univariate true",
        f"@equalLength {'true' if equal else 'false'}",
        *([f"@seriesLength {X[0].shape[-1]}"] if equal else []),
        f"@classLabel true {labels}",
        "@data",
    ]
    # repr gives the shortest text that reads back to the same float64.
    lines += [
        ",".join(repr(float(v)) for v in s[0]) + f":{int(k)}" for s, k in zip(X, y, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
