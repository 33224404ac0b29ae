"""The method interface: one typed description per thing a run can compare.

A *method* is a name a run accepts (``--kernels rntk,rbf,rnn``). Every method is
described once, by a :class:`KernelFamily` (kernel SVMs: the engine computes Gram
matrices, shares them across C and folds, selects by cross-validation) or a
:class:`TrainedMethod` (an estimator that selects its own hyper-parameters on the
training split). The description carries everything the engine needs to ask:

- capabilities: native unequal lengths and how series are aligned, GPU support;
- grid expansion and validation, once, into typed :class:`Setting` objects;
- the computation, and its cost model (work per training pair) for scheduling.

The engine never branches on a method's name; it asks the description.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from rntk_bench.errors import InputError
from rntk_bench.methods.grids import grid_settings

__all__ = [
    "Capabilities",
    "GramSet",
    "KernelFamily",
    "Member",
    "Setting",
    "TrainedMethod",
    "check_parameter_names",
]

#: One setting's Gram matrices, by kernel name.
GramSet = dict[str, np.ndarray]


def check_parameter_names(method: str, given: Iterable[str], valid: Sequence[str]) -> None:
    """Refuse a parameter a method does not have, naming the valid ones (InputError)."""
    unknown = sorted(set(given) - set(valid))
    if unknown:
        raise InputError(
            f"unknown {method} parameter{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))}; valid: {', '.join(valid) if valid else 'none'}."
        )


@dataclass(frozen=True)
class Setting:
    """One grid setting of a method: as written in the grid, and validated.

    Attributes
    ----------
    values : dict
        The setting as the grid gave it (what result files and identities record).
    params : object
        The family's typed, validated parameters (e.g.
        :class:`~rntk_bench.kernels._params.RNNParams`): computed once, at the entry
        point, and used as they are by every Gram of the setting.
    """

    values: dict[str, Any]
    params: Any = None

    def key(self) -> str:
        """A stable text key of the values (grouping, caching)."""
        return json.dumps(self.values, sort_keys=True)


@dataclass(frozen=True)
class Capabilities:
    """What a method can do, as the engine and ``rntk-bench kernels`` read it.

    Attributes
    ----------
    native_lengths : bool
        Takes series of unequal lengths as they are; False: a run's length policy
        brings them to one length first.
    alignment : str
        How native unequal lengths meet, in result files ("ends aligned"); "" when
        the method says nothing more than "native".
    gpu : bool
        Can run on a torch CUDA device.
    multivariate : bool
    """

    native_lengths: bool
    alignment: str = ""
    gpu: bool = False
    multivariate: bool = True


@dataclass(frozen=True)
class Member:
    """A kernel that a family computes.

    Attributes
    ----------
    name : str
    function : callable
        The public kernel ``function(X, Y=None, **params) -> (n_X, n_Y)``.
    summary : str
        One line for listings.
    parameters : tuple of str
        The family parameters this kernel depends on (its projection of a setting).
    """

    name: str
    function: Callable[..., np.ndarray]
    summary: str
    parameters: tuple[str, ...]


class KernelFamily:
    """Kernels computed together, with their parameters, checks, costs and shared work.

    Subclasses set the class attributes and implement :meth:`validate` and
    :meth:`compute`; the rest has defaults that most families keep.

    Attributes
    ----------
    name : str
        The family's name in grids ("rnn", "fc", "rbf", ...).
    members : tuple of Member
    parameters : tuple of str
        Every parameter a setting may name.
    capabilities : Capabilities
    origin : mapping or None
        Where a user's kernel comes from (import path, distribution, version, code
        digest): part of its results' identity; None for the built-in families.
    """

    kind: ClassVar[str] = "kernel"
    name: ClassVar[str]
    summary: ClassVar[str] = ""
    members: ClassVar[tuple[Member, ...]]
    parameters: ClassVar[tuple[str, ...]]
    capabilities: ClassVar[Capabilities]
    origin: ClassVar[Mapping[str, str] | None] = None

    @property
    def label(self) -> str:
        """How messages name the family (never "rnn" alone: that is the trained RNN).

        Its grid key when that is its one kernel's name ("rbf"), else its kernels and
        the key ("RNTK/RNNGP family (grid key rnn)").
        """
        if self.kernels == (self.name,):
            return self.name
        return f"{'/'.join(k.upper() for k in self.kernels)} family (grid key {self.name})"

    @property
    def cache_name(self) -> str:
        """The family's folder in a Gram cache, part of every cache key (its name)."""
        return self.name

    # --- grid expansion and validation, once -------------------------------------------

    @property
    def kernels(self) -> tuple[str, ...]:
        """The names of the family's kernels."""
        return tuple(m.name for m in self.members)

    def member(self, kernel: str) -> Member:
        """The member called ``kernel``."""
        return next(m for m in self.members if m.name == kernel)

    def validate(self, values: Mapping[str, Any]) -> Any:
        """The typed parameters of one setting; InputError names a bad value."""
        raise NotImplementedError

    def possible(self, values: Mapping[str, Any]) -> bool:
        """False drops a combination the grid product makes but the family cannot run."""
        return True

    def check_names(self, values: Mapping[str, Any]) -> None:
        """Refuse a parameter the family does not have, naming the valid ones."""
        check_parameter_names(self.label, values, self.parameters)

    def setting(self, values: Mapping[str, Any]) -> Setting:
        """One validated setting (InputError names the family, the setting, the reason)."""
        values = dict(values)
        self.check_names(values)
        try:
            return Setting(values, self.validate(values))
        except InputError as exc:
            raise InputError(f"grid for {self.label}: setting {values}: {exc}") from None
        except (TypeError, ValueError) as exc:  # a check that converts: float("x")
            raise InputError(
                f"grid for {self.label}: setting {values}: a value has the wrong type "
                f"({' '.join(str(exc).split())})."
            ) from None

    def settings(self, params: Mapping[str, Sequence[Any]]) -> list[Setting]:
        """All possible settings of a grid for this family, each validated once.

        Raises
        ------
        InputError
            Naming the family, the setting and the reason, or an empty grid.
        """
        self.check_names(params)
        candidates = []
        for values in grid_settings(params):
            try:
                if self.possible(values):
                    candidates.append(values)
            except (TypeError, ValueError) as exc:  # e.g. depth: "two"
                raise InputError(
                    f"grid for {self.label}: setting {values}: a value has the wrong type "
                    f"({' '.join(str(exc).split())})."
                ) from None
        if not candidates:
            raise InputError(f"the grid for {self.label} has no valid setting; got {dict(params)}.")
        return [self.setting(values) for values in candidates]

    def projection(self, kernel: str, setting: Setting) -> dict[str, Any]:
        """The part of a family setting that the given kernel depends on."""
        wanted = self.member(kernel).parameters
        return {k: v for k, v in setting.values.items() if k in wanted}

    # --- computation --------------------------------------------------------------------

    def compute(
        self,
        X: Any,
        Y: Any,
        settings: Sequence[Setting],
        *,
        fit_X: Any = None,
        length: int | None = None,
        backend: str = "auto",
        device: str = "cpu",
        dtype: str = "float64",
        n_threads: int | None = None,
    ) -> Iterator[GramSet]:
        """Gram matrices of every setting, in order: {kernel: ndarray (n_X, n_Y)}.

        ``Y`` None is the symmetric Gram of X; ``fit_X`` the training series that set
        data-derived scales; ``length`` the common length of fixed-length kernels;
        ``backend``, ``device``, ``dtype``, ``n_threads``: the kernel backend options
        (families without a choice ignore them).
        """
        raise NotImplementedError

    def resolve(self, setting: Setting, fit_X: Any, length: int | None) -> dict[str, Any]:
        """Data-derived values of a setting (e.g. the absolute gamma), for result files."""
        return {}

    # --- cost and scheduling ------------------------------------------------------------

    def gram_work(self, setting: Setting, length: int) -> float:
        """Gram work per training pair of one setting, in units of one RNN pair-step."""
        return 1.0

    def block_size(self, n_settings: int, requested: int) -> int:
        """How many settings one task computes and scores (default: all; cheap, shared)."""
        return n_settings

    # --- start-up -----------------------------------------------------------------------

    def cold(self, backend: Mapping[str, Any]) -> bool:
        """True when the first Gram will compile code (announced before a run)."""
        return False

    def warm_up(self, backend: Mapping[str, Any]) -> None:
        """Compile or check the backend in this process, before the workers start."""


@dataclass(frozen=True)
class TrainedMethod:
    """An estimator that selects its own hyper-parameters on the training split.

    Attributes
    ----------
    name : str
    summary : str
        One line for listings.
    grids : mapping
        Grid name ("paper", "quick") -> {parameter: values}; a grid file falls back to
        "paper" (grid files change the kernels' grids only).
    options : dict
        Fixed training options (part of every result's identity).
    fit : callable
        ``fit(task) -> MethodOutcome``, pure (see :mod:`rntk_bench.methods.trained`).
    check : callable
        Raises InputError when the method cannot run here (a missing extra).
    capabilities : Capabilities
    cost_per_step : float
        Work of one series step of one epoch, in units of one RNN Gram pair-step.
    epochs : int
        Epochs the cost model assumes.
    parameters : tuple of str or None
        The parameters a setting may name (None: not checked).
    reads_grid_files : bool
        A grid file's entry under the method's name gives its grid (a user's
        classifier); False: grid files fall back to "paper".
    environment : mapping
        Backend, device and dtype as result files record them.
    versions : callable
        ``versions() -> {distribution: version}`` added to result files.
    timing_note : str
        What the recorded seconds are, in result files.
    """

    name: str
    summary: str
    grids: Mapping[str, Mapping[str, tuple[Any, ...]]]
    options: dict[str, Any]
    fit: Callable[[Any], Any]
    check: Callable[[], None]
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(True))
    cost_per_step: float = 10.0
    epochs: int = 40
    kind: str = "trained"
    parameters: tuple[str, ...] | None = None
    reads_grid_files: bool = False
    environment: Mapping[str, Any] = field(default_factory=dict)
    versions: Callable[[], dict[str, str]] = dict
    timing_note: str = "seconds of work"

    @property
    def kernels(self) -> tuple[str, ...]:
        return (self.name,)

    def settings(
        self, grid: str, loaded: Mapping[str, Mapping[str, Sequence[Any]]] | None = None
    ) -> list[Setting]:
        """The method's settings for a run's grid.

        Parameters
        ----------
        grid : str
            The grid's name ("paper", "quick") or file; a file falls back to "paper"
            unless the method reads grid files.
        loaded : mapping, optional
            The grid as :func:`~rntk_bench.methods.grids.load_grid` read it: a method
            that reads grid files takes its entry (none: one setting, its defaults).
        """
        if grid in self.grids:
            params: Mapping[str, Sequence[Any]] = self.grids[grid]
        elif self.reads_grid_files and loaded is not None:
            params = loaded.get(self.name, {})
        else:
            params = self.grids["paper"]
        if self.parameters is not None:
            check_parameter_names(self.name, params, self.parameters)
        return [Setting(values) for values in grid_settings(params)]

    def cost(self, n_settings: int, n_series: int, length: int) -> float:
        """Rough work: settings x series x steps x epochs (progress and ETA)."""
        return self.cost_per_step * self.epochs * n_settings * n_series * length
