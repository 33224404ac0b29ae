"""The plan: which results are still to compute, as units and tasks, and their identities.

A *unit* is a (data set variant, resample, kernel family, length policy) whose results
are still missing: its settings are cut into block tasks (:mod:`rntk_bench.evaluation.blocks`)
whose scores are checkpointed, and once all are in, each kernel's result is finished.
A trained method is one task per (data set variant, resample).
:func:`result_identity` is the one place that says what determines a result.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rntk_bench.data import Dataset
from rntk_bench.evaluation.blocks import BlockScores, KernelPlan, kernel_plan
from rntk_bench.evaluation.protocol import RESAMPLING, TestTruncation
from rntk_bench.evaluation.splits import Folds, Split, cv_folds, fixed_length_split, make_split
from rntk_bench.experiment.config import RunConfig
from rntk_bench.experiment.rundir import already_done
from rntk_bench.methods import KernelFamily, Setting, TrainedMethod, load_grid, lookup
from rntk_bench.methods.registry import family_aliases, user_names
from rntk_bench.methods.trained import MethodTask
from rntk_bench.records import file_name, identity_hash, method_name, result_path, variant_name

__all__ = [
    "FamilyPlan",
    "TrainedPlan",
    "Unit",
    "method_settings",
    "plan_method_tasks",
    "plan_units",
    "result_identity",
    "share_cv",
]


@dataclass(frozen=True)
class FamilyPlan:
    """A kernel family of a run: its validated settings and the kernels requested."""

    family: KernelFamily
    settings: list[Setting]
    kernels: list[str]


@dataclass(frozen=True)
class TrainedPlan:
    """A trained method of a run and its settings (the grid's, checked once)."""

    method: TrainedMethod
    settings: list[dict[str, Any]]


def method_settings(config: RunConfig) -> tuple[dict[str, FamilyPlan], list[TrainedPlan]]:
    """Every requested method's description, grids expanded and validated, before any data.

    A user's method (plugin or import path) is looked up, and its grid entry (none: its
    defaults) validated, here too: a kernel function is probed on tiny series.

    Returns
    -------
    families : dict of family name -> FamilyPlan
    trained : list of TrainedPlan
    """
    entries = [lookup(name) for name in config.kernels]
    grid = load_grid(config.grid, families=family_aliases(), extra=user_names(config.kernels))
    families: dict[str, FamilyPlan] = {}
    trained: list[TrainedPlan] = []
    for entry in entries:
        description = entry.description
        if isinstance(description, TrainedMethod):
            if all(plan.method != description for plan in trained):
                values = [s.values for s in description.settings(config.grid, grid)]
                trained.append(TrainedPlan(description, values))
            continue
        if description.name not in families:
            settings = description.settings(grid.get(description.name, {}))
            families[description.name] = FamilyPlan(description, settings, [])
        if entry.name not in families[description.name].kernels:
            families[description.name].kernels.append(entry.name)
    return families, trained


def result_identity(
    data: Dataset,
    method: str,
    settings: Sequence[Mapping[str, Any]],
    config: RunConfig,
    resample: int,
    version: str,
    *,
    truncation: TestTruncation | None = None,
    policy: str | None = None,
    options: Mapping[str, Any] | None = None,
    origin: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything that determines one result; its hash is the result's id.

    ``options`` are a trained method's fixed training options (kernel methods have
    none; they record the dtype instead); ``origin`` where a user's kernel comes from
    (import path, version, code digest). Keys that are not the default are added only
    when set, so that earlier results keep their identity.
    """
    identity: dict[str, Any] = {
        "dataset": data.info.name,
        "data_checksum": data.checksum,
        "kernel": method,
        "settings": [dict(s) for s in settings],
    }
    if origin is not None:
        identity["origin"] = dict(origin)
    if options is not None:
        identity["options"] = dict(options)
    identity["protocol"] = config.protocol.as_dict()
    identity["resample"] = resample
    if options is None:
        identity["dtype"] = config.dtype
    identity["rntk_bench"] = version
    # Results of resamples k > 0 drawn before the tsml-eval scheme lack this key,
    # so they are recomputed rather than reused; resample 0 is unchanged.
    if options is None and resample > 0:
        identity["resampling"] = RESAMPLING
    if truncation is not None:
        identity["test_truncation"] = truncation.as_dict()
    if policy not in (None, "resample"):  # never set for a native-length method
        identity["length_policy"] = policy
    return identity


@dataclass
class Unit:
    """A (data set variant, resample, family, length policy) with results to compute."""

    data: Dataset
    resample: int
    family: KernelFamily
    settings: list[Setting]
    plans: dict[str, KernelPlan]
    identities: dict[str, dict[str, Any]]
    split: Split
    folds: Folds
    checkpoint_dir: Path
    n_blocks: int
    block_size: int
    truncation: TestTruncation | None = None
    policy: str | None = None  # None: a native-length family
    scores: dict[int, BlockScores] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Tells units apart in task results (a data set may have several variants)."""
        return f"{self.checkpoint_dir.parent.name}/{self.checkpoint_dir.name}"


@dataclass
class Planner:
    """Shared state of planning one run: where, what exists, what was skipped."""

    config: RunConfig
    run_dir: Path
    version: str
    overwrite: bool
    skipped: list[Any] = field(default_factory=list)
    splits: dict[tuple[str, int], Split] = field(default_factory=dict)

    def split(self, data: Dataset, resample: int, truncation: TestTruncation | None) -> Split:
        """The preprocessed split of a variant and resample, made once."""
        label = truncation.label if truncation is not None else None
        key = (variant_name(data.info.name, label), resample)
        if key not in self.splits:
            self.splits[key] = make_split(data, resample, self.config.protocol, truncation)
        return self.splits[key]


def plan_units(
    planner: Planner,
    data: Dataset,
    truncation: TestTruncation | None,
    resample: int,
    families: Mapping[str, FamilyPlan],
) -> tuple[list[Unit], int]:
    """The units of one (data set variant, resample) that still need work.

    Returns the units and how many results they will write; results already present
    become ResultSkipped events in ``planner.skipped``.
    """
    config = planner.config
    units: list[Unit] = []
    to_compute = 0
    label = truncation.label if truncation is not None else None
    for plan in families.values():
        family = plan.family
        native = family.capabilities.native_lengths
        policies: tuple[str | None, ...] = (None,) if native else config.length_policies
        for policy in policies:
            plans = {k: kernel_plan(family, k, plan.settings) for k in plan.kernels}
            identities = {
                k: result_identity(
                    data, k, plans[k].settings, config, resample, planner.version,
                    truncation=truncation, policy=policy, origin=family.origin,
                )
                for k in plan.kernels
            }  # fmt: skip
            pending = [
                k
                for k in plan.kernels
                if _pending(planner, data, identities[k], method_name(k, policy), resample, label)
            ]
            if not pending:
                continue
            to_compute += len(pending)
            split = planner.split(data, resample, truncation)
            unit_split = split if policy is None else fixed_length_split(split, policy)
            block_size = family.block_size(len(plan.settings), config.settings_per_task)
            # The CV work depends on the training split only: truncation variants of a
            # data set share it (share_cv checks that their training input agrees).
            unit_id = identity_hash(
                {
                    "kernels": sorted(pending),
                    "block_size": block_size,
                    # checkpoints of a pruned run are not the complete tables --full-cv
                    # promises (results do not depend on it: not in their identity)
                    **({"full_cv": True} if config.full_cv else {}),
                    **{
                        k: {key: v for key, v in identities[k].items() if key != "test_truncation"}
                        for k in pending
                    },
                }
            )
            units.append(
                Unit(
                    data=data,
                    resample=resample,
                    family=family,
                    settings=plan.settings,
                    plans={k: plans[k] for k in pending},
                    identities={k: identities[k] for k in pending},
                    split=unit_split,
                    folds=cv_folds(split.y_train, config.protocol.folds, config.protocol.seed),
                    checkpoint_dir=planner.run_dir
                    / "partial"
                    / data.info.name
                    / f"{file_name(family.name)}-r{resample}-{unit_id[:12]}",
                    n_blocks=math.ceil(len(plan.settings) / block_size),
                    block_size=block_size,
                    truncation=truncation,
                    policy=policy,
                )
            )
    return units, to_compute


def _pending(
    planner: Planner,
    data: Dataset,
    identity: dict[str, Any],
    shown: str,
    resample: int,
    label: str | None,
) -> bool:
    path = result_path(
        planner.run_dir, data.info.name, identity["kernel"], resample, identity_hash(identity)
    )
    name = variant_name(data.info.name, label)
    return planner.overwrite or not already_done(path, name, shown, resample, planner.skipped)


@dataclass(frozen=True)
class PlannedMethod:
    """A trained method's task with what its result record needs."""

    task: MethodTask
    data: Dataset
    split: Split
    truncation: TestTruncation | None
    identity: dict[str, Any]


def plan_method_tasks(
    planner: Planner,
    data: Dataset,
    truncation: TestTruncation | None,
    resample: int,
    methods: Sequence[TrainedPlan],
    n_threads: int | None,
) -> list[PlannedMethod]:
    """The trained methods' tasks of one (data set variant, resample) still to compute.

    A method that takes unequal lengths runs once; a fixed-length one once per length
    policy of the run (as the fixed-length kernels), on the split that policy gives.
    """
    config = planner.config
    label = truncation.label if truncation is not None else None
    out = []
    for plan in methods:
        method, settings = plan.method, plan.settings
        native = method.capabilities.native_lengths
        for policy in (None,) if native else config.length_policies:
            identity = result_identity(
                data, method.name, settings, config, resample, planner.version,
                truncation=truncation, options=method.options, policy=policy,
            )  # fmt: skip
            shown = method_name(method.name, policy)
            if not _pending(planner, data, identity, shown, resample, label):
                continue
            split = planner.split(data, resample, truncation)
            task_split = split if policy is None else fixed_length_split(split, policy)
            folds = cv_folds(split.y_train, config.protocol.folds, config.protocol.seed)
            task = MethodTask(
                dataset=variant_name(data.info.name, label),
                resample=resample,
                method=method,
                settings=tuple(settings),
                X_train=task_split.X_train,
                y_train=task_split.y_train,
                X_test=task_split.X_test,
                seed=config.protocol.seed + resample,
                n_threads=n_threads,
                options=dict(method.options),
                folds=tuple(folds.splits),
                cv_scheme=folds.scheme,
                length=task_split.length,
                policy=policy,
                n_classes=len(data.classes),
            )
            out.append(PlannedMethod(task, data, task_split, truncation, identity))
    return out


def _train_digest(split: Split) -> str:
    """sha256 of what the CV work of a unit sees: the training series and the length."""
    digest = hashlib.sha256(repr(split.length).encode())
    for series in split.X_train:
        array = np.ascontiguousarray(series, dtype=np.float64)
        digest.update(repr(array.shape).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def share_cv(units: list[Unit], truncated: bool) -> dict[str, list[Unit]]:
    """Group units whose CV work is the same; each group's tasks run once.

    Units share a checkpoint folder when their identities agree up to the test
    truncation (see :func:`plan_units`); a variant whose training input differs after
    all (a length policy that depends on the test lengths, e.g. "truncate") gets a
    folder of its own. Without truncations every unit is its own group.
    """
    groups: dict[str, list[Unit]] = {}
    digests: dict[str, str] = {}
    for unit in units:
        if truncated:
            digest = _train_digest(unit.split)
            base = unit.checkpoint_dir.name
            if digests.setdefault(base, digest) != digest:
                unit.checkpoint_dir = unit.checkpoint_dir.with_name(f"{base}-{digest[:8]}")
        groups.setdefault(unit.key, []).append(unit)
    return groups
