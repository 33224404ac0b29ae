"""The one method registry: every name a run accepts, and its description.

``rntk-bench kernels`` lists it; ``run``, :func:`rntk_bench.evaluate` and the
estimators look names up here. A kernel name ("rntk") resolves to its family's
description and the member; a trained method's name ("rnn") to the method itself.
A name that is not built in may be an installed plugin's (entry point group
``rntk_bench.methods``) or an import path ("my_pkg.kernels:cosine",
"sklearn.neighbors:KNeighborsClassifier"): :mod:`.plugins` describes it with the
same interface, so nothing downstream tells them apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rntk_bench.errors import UnknownNameError
from rntk_bench.methods.base import KernelFamily, Member, TrainedMethod
from rntk_bench.methods.families import FAMILIES
from rntk_bench.methods.grids import Grid, load_grid
from rntk_bench.methods.plugins import declared_plugins, plugin_methods, resolve
from rntk_bench.methods.trained import TRAINED_RNN

__all__ = [
    "METHODS",
    "Entry",
    "family_aliases",
    "get_family",
    "kernel_names",
    "listed_methods",
    "load_family_grid",
    "lookup",
    "method_names",
    "user_names",
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
    source : str
        Where it comes from: "built-in", "entry point <distribution> <version>" or
        "import path".
    """

    name: str
    description: Description
    source: str = "built-in"

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
    """The method ``name``: built in, an installed plugin's, or an import path.

    Raises
    ------
    UnknownNameError
        Listing the valid names.
    InputError
        A plugin or import path that cannot be used (one line: see :mod:`.plugins`).
    """
    if name in METHODS:
        return METHODS[name]
    found = resolve(name)
    if found is None:
        plugins = [n for n in declared_plugins()[0] if n not in METHODS]
        raise UnknownNameError(
            f"unknown method {name!r}; valid: {', '.join([*METHODS, *plugins])}, or an import "
            "path such as my_pkg.kernels:cosine (see `rntk-bench kernels`)."
        )
    return Entry(name, *found)


def user_names(names: Iterable[str]) -> list[str]:
    """The names among ``names`` that are not built in (plugins, import paths)."""
    return [n for n in names if n not in METHODS]


def listed_methods(names: Iterable[str] = ()) -> tuple[list[Entry], list[str]]:
    """Every method ``rntk-bench kernels`` lists, and a warning line per unusable plugin.

    Built-in methods, then every installed plugin that loads, then ``names`` not among
    them (a run's import paths), each looked up (an unusable one raises).
    """
    entries = list(METHODS.values())
    plugins, warnings = plugin_methods(set(METHODS))
    entries += [Entry(name, description, source) for name, description, source in plugins]
    listed = {e.name for e in entries}
    entries += [lookup(n) for n in dict.fromkeys(names) if n not in listed]
    return entries, warnings


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
    The result always holds the family (a user's kernel without an entry: ``{}``).
    """
    if isinstance(grid, Mapping):
        return {family.name: {k: _values(v) for k, v in grid.items()}}
    extra = () if family.name in FAMILIES else (family.name,)
    loaded = load_grid(grid, families=family_aliases(), extra=extra)
    return {**loaded, family.name: loaded.get(family.name, {})}


def _values(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)
