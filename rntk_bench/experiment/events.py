"""Progress events: what the engine tells its caller (the CLI displays them)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "Event",
    "Preparing",
    "ResultDone",
    "ResultSkipped",
    "RunPlanned",
    "TaskDone",
    "Warned",
]


@dataclass(frozen=True)
class RunPlanned:
    """The plan: how many tasks will run and how many results already exist.

    ``cost`` is the tasks' total relative cost (settings x series^2 x (length for the
    RNN recursion + the SVM selection)), the unit of :attr:`TaskDone.cost`, so progress
    can be weighed by work rather than counted in tasks of very different sizes.
    """

    tasks: int
    results_to_compute: int
    results_done: int
    units: int
    cost: float = 0.0


@dataclass(frozen=True)
class TaskDone:
    """A task finished (or was restored from a checkpoint)."""

    dataset: str
    family: str
    resample: int
    block: int
    seconds: float
    restored: bool = False
    cost: float = 0.0  # this task's share of RunPlanned.cost (0 when restored)


@dataclass(frozen=True)
class ResultDone:
    """A result file was written."""

    dataset: str
    kernel: str
    resample: int
    accuracy: float
    cv_accuracy: float
    setting: dict[str, Any]
    C: float
    seconds: float
    path: Path


@dataclass(frozen=True)
class ResultSkipped:
    """A result file with the same identity already exists: nothing to do."""

    dataset: str
    kernel: str
    resample: int
    accuracy: float
    path: Path


@dataclass(frozen=True)
class Preparing:
    """Start-up work before the first task, e.g. compiling the numba kernels."""

    message: str


@dataclass(frozen=True)
class Warned:
    """Something the user should know (a corrupt file that will be recomputed, ...)."""

    message: str


Event = RunPlanned | TaskDone | ResultDone | ResultSkipped | Warned | Preparing
