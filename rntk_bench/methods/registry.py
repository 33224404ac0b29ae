"""The one method registry: every name a run accepts, and its description.

``rntk-bench kernels`` lists it; ``run``, :func:`rntk_bench.evaluate` and the
estimators look names up here. A kernel name ("rntk") resolves to its family's
description and the member; a trained method's name ("rnn") to the method itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rntk_bench.errors import UnknownNameError
from rntk_bench.methods.base import KernelFamily, Member, TrainedMethod
from rntk_bench.methods.families import FAMILIES
from rntk_bench.methods.grids import Grid, load_grid
from rntk_bench.methods.trained import TRAINED_RNN

__all__ = [
    "METHODS",
    "Entry",
    "family_aliases",
    "get_family",
    "kernel_names",
    "load_family_grid",
    "lookup",
    "method_names",
]

Description = KernelFamily | TrainedMethod


@dataclass(frozen=True)
class Entry:
    """A registered name: its description, and the kernel it names within a family.

    Attributes
    ----------
    name : str
        The method's name ("rntk", "rnn").
    description : KernelFamily or TrainedMethod
    """

    name: str
    description: Description

    @property
    def member(self) -> Member | None:
        """The kernel within its family (None for a trained method)."""
        if isinstance(self.description, KernelFamily):
            return self.description.member(self.name)
        return None

    @property
    def summary(self) -> str:
        member = self.member
        return member.summary if member is not None else str(self.description.summary)


def _entries() -> dict[str, Entry]:
    out: dict[str, Entry] = {}
    for family in FAMILIES.values():
        for member in family.members:
            out[member.name] = Entry(member.name, family)
    out[TRAINED_RNN.name] = Entry(TRAINED_RNN.name, TRAINED_RNN)
    return out


#: Every registered method name -> its entry, in listing order.
METHODS: dict[str, Entry] = _entries()


def lookup(name: str) -> Entry:
    """The registered method ``name``; an unknown name lists the valid ones."""
    try:
        return METHODS[name]
    except KeyError:
        raise UnknownNameError(
            f"unknown method {name!r}; valid: {', '.join(METHODS)} (see `rntk-bench kernels`)."
        ) from None


def kernel_names() -> list[str]:
    """Names of the kernel SVM methods, in registry order."""
    return [n for n, e in METHODS.items() if isinstance(e.description, KernelFamily)]


def method_names() -> list[str]:
    """Names of the trained methods."""
    return [n for n, e in METHODS.items() if isinstance(e.description, TrainedMethod)]


def get_family(name: str) -> KernelFamily:
    """The kernel family ``name`` ("rnn", "fc", "rbf", "polynomial", "linear", "gak")."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise UnknownNameError(
            f"unknown kernel family {name!r}; valid: {', '.join(FAMILIES)}."
        ) from None


def family_aliases() -> dict[str, str]:
    """Kernel name -> family name (grid files may use either)."""
    return {m.name: family.name for family in FAMILIES.values() for m in family.members}


def load_family_grid(grid: str | Path | Mapping[str, Any], family: KernelFamily) -> Grid:
    """A run's grid: a name ("paper", "quick"), a YAML file, or {parameter: values}.

    A mapping is the family's own {parameter: value or list} (the estimators' form).
    """
    if isinstance(grid, Mapping):
        return {family.name: {k: _values(v) for k, v in grid.items()}}
    return load_grid(grid, families=family_aliases())


def _values(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)
