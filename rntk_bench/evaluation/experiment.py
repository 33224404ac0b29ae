"""The experiment engine: data + kernels + protocol -> result files.

:func:`run_experiment` loads the data sets, skips results that already exist (a file
present means done), cuts the rest into the pure tasks of :mod:`.tasks`, runs them in
parallel (:mod:`.parallel`), checkpoints each task's scores as it arrives, and when a
(data set, resample, family) *unit* has all its scores, selects, refits, scores the
test split and writes each kernel's result file atomically. It yields progress
events for the caller (the CLI) to display; it never prints.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import platform
import shutil
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from rntk_bench import __version__
from rntk_bench._validation import check_choice
from rntk_bench.data import Dataset, DownloadLimits, fetch_dataset
from rntk_bench.errors import DataError, InputError, NumericalError, ResultError
from rntk_bench.evaluation.methods import (
    MethodOutcome,
    MethodTask,
    get_method,
    is_method,
    run_method,
)
from rntk_bench.evaluation.parallel import Executor
from rntk_bench.evaluation.protocol import (
    LENGTH_POLICIES,
    LENGTH_POLICY_TEXT,
    RESAMPLING,
    Protocol,
    TestTruncation,
    protocol_changes,
)
from rntk_bench.evaluation.splits import Folds, cv_folds
from rntk_bench.evaluation.svm import SOLVERS, cv_scores
from rntk_bench.evaluation.tasks import (
    BlockScores,
    BlockTask,
    KernelPlan,
    Split,
    finalise,
    fixed_length_split,
    kernel_plan,
    make_split,
    run_block,
    score_table,
)
from rntk_bench.kernels import (
    FAMILIES,
    KernelFamily,
    compiled_on_disk,
    family_aliases,
    get_kernel,
    load_grid,
    rnn_kernels,
)
from rntk_bench.kernels import (
    gak as gak_kernel,
)
from rntk_bench.records import (
    Result,
    atomic_write_json,
    identity_hash,
    read_result,
    result_path,
    write_result,
)

__all__ = [
    "DataOptions",
    "Event",
    "Preparing",
    "ResultDone",
    "ResultSkipped",
    "RunConfig",
    "RunPlanned",
    "TaskDone",
    "Warned",
    "run_experiment",
]


# --- configuration ------------------------------------------------------------------

# More resamples than this is a typo, not an experiment (bake-offs use 30).
MAX_RESAMPLES = 1000


@dataclass(frozen=True)
class RunConfig:
    """What to run.

    Attributes
    ----------
    datasets : tuple of str
        Registered data set names.
    kernels : tuple of str
        Registered kernel names (see ``rntk-bench kernels``).
    grid : str
        "paper", "quick" or a YAML file (:func:`rntk_bench.kernels.load_grid`).
    protocol : Protocol
    resamples : int
        Resamples per data set; resample 0 is the official split.
    backend, device, dtype : str
        Kernel backend options (RNTK/RNNGP), see :func:`rntk_bench.kernels.rnn_kernels`.
    settings_per_task : int
        Grid settings per task for families whose settings are independent (RNN);
        smaller blocks balance load and checkpoint more often.
    gram_cache : str, optional
        Folder where training Gram matrices are cached as data-only .npz files
        (:mod:`.gram_cache`); a rerun with another C grid, fold count or
        normalisation then skips the kernels.
    length_policies : tuple of str
        How the fixed-length kernels get series of one length (see
        :data:`~rntk_bench.evaluation.protocol.LENGTH_POLICIES`); each policy is run as
        its own method (``rbf`` for "resample", ``rbf+pad-start``, ...).
    truncations : tuple of (TestTruncation or None)
        Variants of every data set: None is the data set as it is; a
        :class:`~rntk_bench.evaluation.protocol.TestTruncation` cuts its test series.
    full_cv : bool
        Score every cell of the CV tables. False (default): cells that can no longer
        be selected are left NaN (:func:`~rntk_bench.evaluation.svm.cv_scores_block`);
        the selections and predictions are the same either way.
    svm_solver : {"numba", "libsvm"}
        The SVM solver of the cross-validation: LIBSVM's C-SVC replicated in compiled
        code (default) or scikit-learn's LIBSVM itself; the same multipliers bit for
        bit, so the same results (:mod:`~rntk_bench.evaluation._csvc`).
    """

    datasets: tuple[str, ...]
    kernels: tuple[str, ...]
    grid: str = "quick"
    protocol: Protocol = field(default_factory=Protocol)
    resamples: int = 1
    backend: str = "auto"
    device: str = "cpu"
    dtype: str = "float64"
    settings_per_task: int = 50
    gram_cache: str | None = None
    length_policies: tuple[str, ...] = ("resample",)
    truncations: tuple[TestTruncation | None, ...] = (None,)
    full_cv: bool = False
    svm_solver: str = "numba"


def method_name(kernel: str, policy: str | None) -> str:
    """The method a (kernel, length policy) pair is reported as: "rbf", "rbf+pad-start"."""
    return kernel if policy in (None, "resample") else f"{kernel}+{policy}"


def variant_name(dataset: str, truncation: TestTruncation | None) -> str:
    """The data set a variant is reported as: "GunPoint", "GunPoint [test: last 50%]"."""
    return dataset if truncation is None else f"{dataset} [{truncation.label}]"


@dataclass(frozen=True)
class DataOptions:
    """Where data sets come from (see :func:`rntk_bench.data.fetch_dataset`)."""

    data_dir: str | None = None
    archive: str | None = None
    sources: tuple[str, ...] | None = None
    download: bool = True
    skip_unavailable: bool = False  # warn and go on instead of stopping the run
    limits: DownloadLimits | None = None  # download deadline, minimum rate


# --- events -----------------------------------------------------------------------------


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


# --- the run, with I/O ---------------------------------------------------------------------


@dataclass
class _Unit:
    """A (data set, resample, family) whose results are still to be computed."""

    data: Dataset
    resample: int
    family: KernelFamily
    settings: list[dict[str, Any]]
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


def _versions() -> dict[str, str]:
    out = {"rntk-bench": __version__, "python": platform.python_version()}
    for package in ("numpy", "scipy", "scikit-learn", "numba", "pandas", "sktime", "joblib"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:  # pragma: no cover
            pass
    return out


def _backend_options(config: RunConfig, parallel: bool) -> dict[str, Any]:
    # Never nest parallel levels: single-threaded kernels when tasks run side by side.
    return {
        "backend": config.backend,
        "device": config.device,
        "dtype": config.dtype,
        "n_threads": 1 if parallel else None,
    }


def _check_writable(run_dir: Path) -> None:
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        probe = run_dir / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ResultError(
            f"the results folder {run_dir} is not writable ({exc.strerror or exc}); "
            "choose another with --results-dir or fix its permissions."
        ) from None


def _check_same_protocol(run_dir: Path, protocol: Protocol) -> None:
    """Refuse to add results of another protocol to a run folder that has results.

    One run folder is one leaderboard; results under other folds, C grid,
    preprocessing, Gram normalisation or seed would be ranked as if comparable.
    The protocol of the folder is the one its run.json records.
    """
    try:
        before = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["protocol"]
    except (OSError, ValueError, KeyError, TypeError):
        return  # a new folder, or one from before run.json recorded its protocol
    if not isinstance(before, dict) or next((run_dir / "runs").glob("*/*.json"), None) is None:
        return
    changes = protocol_changes(before, protocol.as_dict())
    if changes:
        raise InputError(
            f"{run_dir} holds results of another protocol ({changes}); results of two "
            "protocols must not share a leaderboard: choose another --name (or "
            "--results-dir), or delete that folder's runs/ to start over."
        )


def _family_settings(
    config: RunConfig,
) -> dict[str, tuple[KernelFamily, list[dict[str, Any]], list[str]]]:
    """family name -> (family, checked settings, requested kernels), before any data."""
    grid = load_grid(config.grid, families=family_aliases())
    out: dict[str, tuple[KernelFamily, list[dict[str, Any]], list[str]]] = {}
    for name in config.kernels:
        if is_method(name):  # trained methods are planned by _method_tasks
            continue
        spec = get_kernel(name)
        family = FAMILIES[spec.family]
        if spec.family not in out:
            settings = family.settings(grid[spec.family])
            out[spec.family] = (family, settings, [])
        if name not in out[spec.family][2]:
            out[spec.family][2].append(name)
    return out


def run_experiment(
    config: RunConfig,
    run_dir: Path,
    executor: Executor,
    data_options: DataOptions | None = None,
    overwrite: bool = False,
) -> Iterator[Event]:
    """Run (or resume) an experiment, yielding progress events.

    Parameters
    ----------
    config : RunConfig
    run_dir : Path
        The run's folder (results/<run-name>); created if needed.
    executor : Executor
        Where tasks run (:func:`rntk_bench.evaluation.parallel.executor`).
    data_options : DataOptions, optional
    overwrite : bool
        Recompute results that already exist.

    Yields
    ------
    RunPlanned, then TaskDone / ResultDone / ResultSkipped / Warned events.

    Raises
    ------
    RntkBenchError subclasses for unknown names, impossible grids, unloadable data or
    an unwritable results folder, before any computation starts.
    """
    if not config.kernels:
        raise InputError("no kernels to run; give at least one, e.g. --kernels rntk,rbf.")
    if not config.datasets:
        raise InputError("no data sets to run; give names or --suite.")
    if config.resamples < 1:
        raise InputError(f"resamples must be >= 1; got {config.resamples}.")
    if config.resamples > MAX_RESAMPLES:
        raise InputError(
            f"resamples (--resamples) must be at most {MAX_RESAMPLES}; got {config.resamples}, "
            f"which would fit every kernel {config.resamples} times per data set (bake-offs "
            "use 30)."
        )
    if not config.length_policies or not config.truncations:
        raise InputError("length_policies and truncations need at least one entry each.")
    check_choice(config.svm_solver, "svm_solver (--svm-solver)", SOLVERS)
    for policy in config.length_policies:
        if policy not in LENGTH_POLICIES:
            raise InputError(
                f"length policy must be one of {', '.join(LENGTH_POLICIES)}; got {policy!r}."
            )
    families = _family_settings(config)
    methods = [get_method(name) for name in config.kernels if is_method(name)]
    for method in methods:
        method.check()  # a missing optional extra: one line, before any work
    yield from _prepare(config, rnn="rnn" in families, gak="gak" in families)
    _check_writable(run_dir)
    _check_same_protocol(run_dir, config.protocol)
    data_options = data_options or DataOptions()
    datasets = []
    unavailable: list[Event] = []
    for name in config.datasets:
        try:
            datasets.append(
                fetch_dataset(
                    name,
                    data_dir=data_options.data_dir,
                    archive=data_options.archive,
                    sources=list(data_options.sources)
                    if data_options.sources is not None
                    else None,
                    download=data_options.download,
                    limits=data_options.limits,
                )
            )
        except DataError as exc:
            if not data_options.skip_unavailable:
                raise
            unavailable.append(Warned(f"skipping {name}: {exc}"))
    if not datasets:
        first = unavailable[0].message if isinstance(unavailable[0], Warned) else ""
        raise InputError(f"none of the data sets could be loaded ({first}).")
    versions = _versions()
    atomic_write_json(
        run_dir / "run.json",
        {
            "datasets": list(config.datasets),
            "kernels": list(config.kernels),
            "grid": config.grid,
            "protocol": config.protocol.as_dict(),
            "resamples": config.resamples,
            "length_policies": list(config.length_policies),
            "test_truncations": [None if t is None else t.as_dict() for t in config.truncations],
            "backend": {"backend": config.backend, "device": config.device, "dtype": config.dtype},
            "executor": executor.description,
            "versions": versions,
            # No wall-clock time: run.json is committed beside reports, and rerunning the
            # same configuration must leave it unchanged (each result file has its times).
        },
    )
    backend_options = _backend_options(config, executor.parallel)

    units: list[_Unit] = []
    skipped: list[Event] = []
    to_compute = 0
    for data in datasets:
        for truncation in config.truncations:
            for resample in range(config.resamples):
                to_compute += _plan_units(
                    data,
                    truncation,
                    resample,
                    families,
                    config,
                    run_dir,
                    versions,
                    overwrite,
                    units,
                    skipped,
                )

    groups = _share_cv(units, any(t is not None for t in config.truncations))
    method_tasks: list[MethodTask] = []
    method_identities: dict[tuple[str, int, str], dict[str, Any]] = {}
    method_splits: dict[tuple[str, int], tuple[Dataset, Split, TestTruncation | None]] = {}
    for data in datasets:
        for truncation in config.truncations:
            for resample in range(config.resamples):
                name = variant_name(data.info.name, truncation)
                for method in methods:
                    settings = method.settings(config.grid)
                    identity = {
                        "dataset": data.info.name,
                        "data_checksum": data.checksum,
                        "kernel": method.name,
                        "settings": settings,
                        "options": method.options,
                        "protocol": config.protocol.as_dict(),
                        "resample": resample,
                        "rntk_bench": versions["rntk-bench"],
                    }
                    if truncation is not None:
                        identity["test_truncation"] = truncation.as_dict()
                    path = result_path(
                        run_dir, data.info.name, method.name, resample, identity_hash(identity)
                    )
                    if not overwrite and _already_done(path, name, method.name, resample, skipped):
                        continue
                    if (name, resample) not in method_splits:
                        split = make_split(data, resample, config.protocol, truncation)
                        method_splits[(name, resample)] = (data, split, truncation)
                    split = method_splits[(name, resample)][1]
                    to_compute += 1
                    method_identities[(name, resample, method.name)] = identity
                    method_tasks.append(
                        MethodTask(
                            dataset=name,
                            resample=resample,
                            method=method.name,
                            settings=tuple(settings),
                            X_train=split.X_train,
                            y_train=split.y_train,
                            X_test=split.X_test,
                            seed=config.protocol.seed + resample,
                            n_threads=backend_options["n_threads"],
                            options=dict(method.options),
                        )
                    )

    tasks: list[BlockTask] = []
    restored: list[BlockScores] = []
    for unit in (group[0] for group in groups.values()):
        for block in range(unit.n_blocks):
            saved = _load_checkpoint(unit.checkpoint_dir / f"block-{block}.json")
            if saved is not None:
                # The checkpoint folder is the unit's own: label the scores with its key.
                restored.append(dataclasses.replace(saved, dataset=unit.key))
                continue
            lo = block * unit.block_size
            tasks.append(
                BlockTask(
                    dataset=unit.key,
                    resample=unit.resample,
                    family=unit.family.name,
                    kernels=tuple(unit.plans),
                    block=block,
                    settings=tuple(unit.settings[lo : lo + unit.block_size]),
                    X_train=unit.split.X_train,
                    y_train=unit.split.y_train,
                    folds=unit.folds,
                    length=unit.split.length,
                    c_grid=config.protocol.c_grid,
                    normalisation=config.protocol.normalisation,
                    backend_options=backend_options,
                    gram_cache=config.gram_cache,
                    prune=not config.full_cv,
                    solver=config.svm_solver,
                )
            )
    # Largest work first (RNN blocks on long series) so that workers finish together.
    tasks.sort(key=lambda t: -_task_cost(t))
    method_tasks.sort(key=lambda t: -_method_cost(t))
    costs = {(t.dataset, t.block): _task_cost(t) for t in tasks}
    method_costs = {(t.dataset, t.resample, t.method): _method_cost(t) for t in method_tasks}

    yield RunPlanned(
        len(tasks) + len(method_tasks),
        to_compute,
        sum(isinstance(e, ResultSkipped) for e in skipped),
        len(units) + len(method_tasks),
        cost=float(sum(costs.values()) + sum(method_costs.values())),
    )
    yield from unavailable
    yield from skipped
    finish_options = {**backend_options, "n_threads": None}  # the parent runs alone

    # Per unit and kernel, the best complete mean CV accuracy of its finished blocks:
    # each block task takes the value current when it is handed to a worker, and
    # prunes against it (exact: it is a cell of the same table, see cv_scores_block).
    floors: dict[str, dict[str, float]] = {}

    def raise_floor(scores: BlockScores) -> None:
        unit_floors = floors.setdefault(scores.dataset, {})
        for kernel, rows in scores.mean.items():
            values = np.asarray(rows, dtype=float)
            if values.size and not np.isnan(values).all():
                best = float(np.nanmax(values))
                unit_floors[kernel] = max(unit_floors.get(kernel, -np.inf), best)

    def handed_out(task: BlockTask | MethodTask) -> BlockTask | MethodTask:
        if isinstance(task, BlockTask) and task.prune and task.dataset in floors:
            return dataclasses.replace(task, floor=dict(floors[task.dataset]))
        return task

    def absorb(scores: BlockScores, was_restored: bool) -> Iterator[Event]:
        raise_floor(scores)
        group = groups[scores.dataset]
        for unit in group:
            unit.scores[scores.block] = scores
        if not was_restored:
            yield from (Warned(message) for message in scores.warnings)
        yield TaskDone(
            group[0].data.info.name,
            scores.family,
            scores.resample,
            scores.block,
            scores.gram_seconds + scores.svm_seconds,
            restored=was_restored,
            cost=0.0 if was_restored else costs.get((scores.dataset, scores.block), 0.0),
        )
        if len(group[0].scores) == group[0].n_blocks:
            for unit in group:
                yield from _finish_unit(unit, config, run_dir, versions, finish_options, executor)
            # Only once every variant sharing the checkpoints has written its results.
            _drop_checkpoints(group[0].checkpoint_dir)

    for scores in restored:
        yield from absorb(scores, True)
    # Trained methods first: one long task per data set, the kernel blocks fill in.
    # A generator: the executor takes each task when a worker is about to be free, so
    # it carries the floors of the blocks finished by then.
    pending: list[BlockTask | MethodTask] = [*method_tasks, *tasks]
    queue = (handed_out(task) for task in pending)
    for scores in executor.map_unordered(_run_task, queue):
        if isinstance(scores, MethodOutcome):
            data, split, truncation = method_splits[(scores.dataset, scores.resample)]
            identity = method_identities[(scores.dataset, scores.resample, scores.method)]
            yield TaskDone(
                scores.dataset,
                scores.method,
                scores.resample,
                0,
                scores.timing["total"],
                cost=method_costs[(scores.dataset, scores.resample, scores.method)],
            )
            yield _write_method_result(
                scores, data, split, truncation, identity, config, run_dir, versions, executor
            )
            continue
        _save_checkpoint(
            groups[scores.dataset][0].checkpoint_dir / f"block-{scores.block}.json", scores
        )
        yield from absorb(scores, False)


def _already_done(path: Path, name: str, method: str, resample: int, skipped: list[Event]) -> bool:
    """True when ``path`` holds a valid result (noted in ``skipped`` as done).

    A result file that cannot be read is noted as a warning and will be recomputed.
    """
    if not path.exists():
        return False
    try:
        done = read_result(path)
    except ResultError as exc:
        skipped.append(Warned(f"{exc} Recomputing it."))
        return False
    skipped.append(ResultSkipped(name, method, resample, done.accuracy, path))
    return True


def _drop_checkpoints(folder: Path) -> None:
    """Remove a unit's checkpoint folder, then partial/<Dataset>/ and partial/ once empty."""
    shutil.rmtree(folder, ignore_errors=True)
    for parent in (folder.parent, folder.parent.parent):
        try:
            parent.rmdir()  # refuses a folder that is not empty
        except OSError:
            break


def _train_digest(split: Split) -> str:
    """sha256 of what the CV work of a unit sees: the training series and the length."""
    digest = hashlib.sha256(repr(split.length).encode())
    for series in split.X_train:
        array = np.ascontiguousarray(series, dtype=np.float64)
        digest.update(repr(array.shape).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _share_cv(units: list[_Unit], truncated: bool) -> dict[str, list[_Unit]]:
    """Group units whose CV work is the same; each group's tasks run once.

    Units share a checkpoint folder when their identities agree up to the test
    truncation (see :func:`_plan_units`); a variant whose training input differs after
    all (a length policy that depends on the test lengths, e.g. "truncate") gets a
    folder of its own. Without truncations every unit is its own group.
    """
    groups: dict[str, list[_Unit]] = {}
    digests: dict[str, str] = {}
    for unit in units:
        if truncated:
            digest = _train_digest(unit.split)
            base = unit.checkpoint_dir.name
            if digests.setdefault(base, digest) != digest:
                unit.checkpoint_dir = unit.checkpoint_dir.with_name(f"{base}-{digest[:8]}")
        groups.setdefault(unit.key, []).append(unit)
    return groups


def _plan_units(
    data: Dataset,
    truncation: TestTruncation | None,
    resample: int,
    families: dict[str, tuple[KernelFamily, list[dict[str, Any]], list[str]]],
    config: RunConfig,
    run_dir: Path,
    versions: Mapping[str, str],
    overwrite: bool,
    units: list[_Unit],
    skipped: list[Event],
) -> int:
    """Append the units of one (data set variant, resample) that still need work.

    Returns how many results they will write; results already present become
    ResultSkipped events in ``skipped``.
    """
    to_compute = 0
    split: Split | None = None
    name = variant_name(data.info.name, truncation)
    for family, settings, kernels in families.values():
        native = all(get_kernel(k).unequal_length for k in family.kernels)
        policies: tuple[str | None, ...] = (None,) if native else config.length_policies
        for policy in policies:
            plans = {k: kernel_plan(family, k, settings) for k in kernels}
            identities = {
                k: _identity(data, k, config, plans[k], resample, versions, truncation, policy)
                for k in kernels
            }
            pending = []
            for kernel in kernels:
                path = result_path(
                    run_dir, data.info.name, kernel, resample, identity_hash(identities[kernel])
                )
                method = method_name(kernel, policy)
                if not overwrite and _already_done(path, name, method, resample, skipped):
                    continue
                pending.append(kernel)
            if not pending:
                continue
            to_compute += len(pending)
            if split is None:
                split = make_split(data, resample, config.protocol, truncation)
            unit_split = split if policy is None else fixed_length_split(split, policy)
            block_size = _settings_per_task(family.name, len(settings), config)
            # The CV work depends on the training split only: truncation variants of a
            # data set share it (run_experiment checks that their training input agrees).
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
                _Unit(
                    data=data,
                    resample=resample,
                    family=family,
                    settings=settings,
                    plans={k: plans[k] for k in pending},
                    identities={k: identities[k] for k in pending},
                    split=unit_split,
                    folds=cv_folds(split.y_train, config.protocol.folds, config.protocol.seed),
                    checkpoint_dir=run_dir
                    / "partial"
                    / data.info.name
                    / f"{family.name}-r{resample}-{unit_id[:12]}",
                    n_blocks=math.ceil(len(settings) / block_size),
                    block_size=block_size,
                    truncation=truncation,
                    policy=policy,
                )
            )
    return to_compute


# Work per training pair, in units of one RNN Gram step (one layer), measured on ucr56
# (2-core AMD EPYC): the SVM selection of one kernel's Gram costs about as much as an
# RNN Gram of length ~500; a global alignment kernel pair costs ~T^2 (T^2 cells of the
# compiled recursion, 10-16 ns each against ~10 ns per RNN pair-step).
_SVM_PAIR_COST = 500.0
_GAK_PAIR_COST = 1.0


def _settings_per_task(family: str, n_settings: int, config: RunConfig) -> int:
    """How many of a family's settings one task computes and scores.

    The RNN family's settings share nothing but the inputs: cut by --settings-per-task.
    Each GAK bandwidth is a whole alignment recursion (PLAID: 4.6e10 cells): one task
    each, so that the workers share a long data set. The other families are cheap and
    share work across settings (the FC depths come from one recursion): one task.
    """
    if family == "rnn":
        return config.settings_per_task
    if family == "gak":
        return 1
    return n_settings


def _gram_work(family: str, setting: Mapping[str, Any], length: int) -> float:
    """Gram work per training pair of one setting (see the constants above)."""
    if family == "rnn":
        return float(length * int(setting.get("n_layers", 1)))
    if family == "gak":
        return _GAK_PAIR_COST * length * length
    return 1.0


def _prepare(config: RunConfig, *, rnn: bool, gak: bool = False) -> Iterator[Event]:
    """Compile the numba code in this process before the workers need it.

    Also fails early, not in a worker, on a backend/device/dtype that cannot run here.
    On the first run after an install numba compiles the RNN Gram loop (tens of
    seconds) and the GAK recursion (a few); cached on disk afterwards, so the workers
    load them. Say so before, and how long it took.
    """
    numba_rnn = rnn and config.backend in ("auto", "numba")
    cold = (numba_rnn and compiled_on_disk() is False) or (gak and compiled_on_disk("gak") is False)
    if cold:
        yield Preparing(
            "compiling the numba kernels (first run after an install; cached for later runs)..."
        )
    started = time.perf_counter()
    if rnn:
        rnn_kernels(
            np.zeros((1, 1, 1)),
            sigma_w=1.0,
            backend=config.backend,
            device=config.device,
            dtype=config.dtype,
        )
    if gak:
        gak_kernel(np.zeros((2, 1, 2)), sigma=1.0)
    labels = np.array([0, 0, 1, 1])  # the selection's compiled vote
    cv_scores(np.eye(4), labels, cv_folds(labels, 2, 0), (1.0,))
    if cold:
        yield Preparing(f"compiled in {time.perf_counter() - started:.0f} s")


def _mean_length(X: Any) -> int:
    if isinstance(X, list):
        return max(1, round(float(np.mean([x.shape[-1] for x in X])))) if X else 1
    return int(np.shape(X)[-1])


def _series_length(X: Any) -> int:
    return max(x.shape[-1] for x in X) if isinstance(X, list) else int(np.shape(X)[-1])


def _method_cost(task: MethodTask) -> float:
    """Rough work of a trained method, in the units of :func:`_task_cost` (progress/ETA):
    settings x series x steps x epochs, an RNN step costing ~10 Gram pair-steps."""
    return 10.0 * 40 * len(task.settings) * len(task.y_train) * _series_length(task.X_train)


def _run_task(task: BlockTask | MethodTask) -> BlockScores | MethodOutcome:
    """A worker's entry point: a kernel block or a trained method."""
    if isinstance(task, MethodTask):
        return run_method(task)
    return run_block(task)


def _write_method_result(
    outcome: MethodOutcome,
    data: Dataset,
    split: Split,
    truncation: TestTruncation | None,
    identity: dict[str, Any],
    config: RunConfig,
    run_dir: Path,
    versions: Mapping[str, str],
    executor: Executor,
) -> ResultDone:
    """A trained method's result file: the same schema as a kernel's."""
    info = data.info
    y_pred = np.asarray(outcome.y_pred)
    finished = datetime.now(timezone.utc)
    result = Result(
        identity=identity,
        dataset={
            "name": info.name,
            "n_train": len(split.y_train),
            "n_test": len(split.y_test),
            "n_classes": info.n_classes,
            "n_channels": info.n_channels,
            "length": info.length,
            "checksum": data.checksum,
            "source": data.source,
            "classes": list(data.classes),
            **(
                {"variant": truncation.label, "test_truncation": truncation.as_dict()}
                if truncation is not None
                else {}
            ),
        },
        kernel=outcome.method,
        grid=config.grid,
        protocol={
            **config.protocol.as_dict(),
            "cv_scheme": outcome.cv["scheme"],
            "length_policy": "equal lengths"
            if split.length is None
            else "native (packed, ends aligned)",
            "training": identity["options"],
        },
        resample=outcome.resample,
        selected=outcome.selected,
        cv=outcome.cv,
        test={
            "accuracy": float(np.mean(y_pred == split.y_test)),
            "n_test": len(split.y_test),
            "y_true": split.y_test.tolist(),
            "y_pred": y_pred.tolist(),
        },
        timing={
            **outcome.timing,
            "note": "seconds of work: training every setting's network, predicting test",
        },
        environment={
            "host": platform.node(),
            "backend": "torch",
            "device": "cpu",
            "dtype": "float32",
            "executor": executor.description,
            "versions": {**versions, **_torch_version()},
            "finished": finished.isoformat(timespec="seconds"),
        },
    )
    path = write_result(run_dir, result)
    cv_accuracy = outcome.selected["cv_accuracy"]
    return ResultDone(
        outcome.dataset,
        outcome.method,
        outcome.resample,
        result.accuracy,
        float("nan") if cv_accuracy is None else cv_accuracy,
        outcome.selected["setting"],
        float("nan"),
        outcome.timing["total"],
        path,
    )


def _torch_version() -> dict[str, str]:
    try:
        return {"torch": metadata.version("torch")}
    except metadata.PackageNotFoundError:  # pragma: no cover - checked before the run
        return {}


def _task_cost(task: BlockTask) -> float:
    """Relative cost of a task: its Gram matrices plus their SVM selection.

    series^2 x (Gram work per pair + selection work per kernel), summed over the
    task's settings, so that the largest tasks start first and the workers finish
    together (no idle tail behind one long task).
    """
    X = task.X_train
    n = len(X)
    length = task.length or _mean_length(X)
    selection = _SVM_PAIR_COST * len(task.kernels)
    return float(n * n * sum(_gram_work(task.family, s, length) + selection for s in task.settings))


def _identity(
    data: Dataset,
    kernel: str,
    config: RunConfig,
    plan_: KernelPlan,
    resample: int,
    versions: Mapping[str, str],
    truncation: TestTruncation | None = None,
    policy: str | None = None,
) -> dict[str, Any]:
    identity = {
        "dataset": data.info.name,
        "data_checksum": data.checksum,
        "kernel": kernel,
        "settings": plan_.settings,
        "protocol": config.protocol.as_dict(),
        "resample": resample,
        "dtype": config.dtype,
        "rntk_bench": versions["rntk-bench"],
        # Results of resamples k > 0 drawn before the tsml-eval scheme lack this key,
        # so they are recomputed rather than reused; resample 0 is unchanged.
        **({"resampling": RESAMPLING} if resample > 0 else {}),
    }
    # Only when not the default, so that earlier results keep their identity.
    if truncation is not None:
        identity["test_truncation"] = truncation.as_dict()
    if policy not in (None, "resample"):
        identity["length_policy"] = policy
    return identity


def _save_checkpoint(path: Path, scores: BlockScores) -> None:
    atomic_write_json(path, {"scores": scores.__dict__})


def _load_checkpoint(path: Path) -> BlockScores | None:
    if not path.exists():
        return None
    try:
        return BlockScores(**json.loads(path.read_text())["scores"])
    except (OSError, ValueError, KeyError, TypeError):
        path.unlink(missing_ok=True)  # a torn checkpoint: recompute that block
        return None


def _finish_unit(
    unit: _Unit,
    config: RunConfig,
    run_dir: Path,
    versions: Mapping[str, str],
    backend_options: dict[str, Any],
    executor: Executor,
) -> Iterator[Event]:
    blocks = [unit.scores[b] for b in range(unit.n_blocks)]
    gram_seconds = sum(b.gram_seconds for b in blocks)
    svm_seconds = sum(b.svm_seconds for b in blocks)
    for kernel, plan_ in unit.plans.items():
        mean, std = score_table(plan_, blocks, len(config.protocol.c_grid))
        started_at = datetime.now(timezone.utc)
        try:
            outcome = finalise(
                unit.family,
                plan_,
                unit.settings,
                mean,
                std,
                unit.split,
                config.protocol,
                backend_options,
                n_classes=len(unit.data.classes),
                gram_cache=config.gram_cache,
            )
        except NumericalError as exc:
            raise NumericalError(f"{unit.data.info.name}: {exc}") from None
        info = unit.data.info
        result = Result(
            identity=unit.identities[kernel],
            dataset={
                "name": info.name,
                "n_train": len(unit.split.y_train),
                "n_test": len(unit.split.y_test),
                "n_classes": info.n_classes,
                "n_channels": info.n_channels,
                "length": info.length,
                "checksum": unit.data.checksum,
                "source": unit.data.source,
                "classes": list(unit.data.classes),
                **(
                    {
                        "variant": unit.truncation.label,
                        "test_truncation": unit.truncation.as_dict(),
                    }
                    if unit.truncation is not None
                    else {}
                ),
            },
            kernel=kernel,
            grid=config.grid,
            protocol={
                **config.protocol.as_dict(),
                "cv_scheme": unit.folds.scheme,
                "length_policy": _length_policy(unit, kernel),
                **({"length_option": unit.policy} if unit.policy is not None else {}),
            },
            resample=unit.resample,
            selected=outcome["selected"],
            cv={
                "settings": plan_.settings,
                "c_grid": list(config.protocol.c_grid),
                "mean": mean.tolist(),
                "std": std.tolist(),
                # SVM fits stopped at MAX_ITER iterations (nearly singular Gram matrices)
                "capped_fits": sum(b.capped.get(kernel, 0) for b in blocks),
                # (setting, C) cells left NaN because they could no longer be selected
                "pruned_cells": sum(b.pruned.get(kernel, 0) for b in blocks),
            },
            test=outcome["test"],
            timing={
                "gram_train": gram_seconds,
                "svm_select": svm_seconds,
                **outcome["timing"],
                "total": gram_seconds
                + svm_seconds
                + outcome["timing"]["gram_test"]
                + outcome["timing"]["svm_test"],
                "note": "seconds of work; gram_train and svm_select are shared by the "
                "family's kernels",
            },
            environment={
                "host": platform.node(),
                "backend": config.backend,
                "device": config.device,
                "dtype": config.dtype,
                "svm_solver": config.svm_solver,
                "executor": executor.description,
                "versions": dict(versions),
                "started": started_at.isoformat(timespec="seconds"),
                "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            },
        )
        path = write_result(run_dir, result)
        yield ResultDone(
            variant_name(info.name, unit.truncation),
            method_name(kernel, unit.policy),
            unit.resample,
            result.accuracy,
            outcome["selected"]["cv_accuracy"]
            if outcome["selected"]["cv_accuracy"] is not None
            else float("nan"),
            outcome["selected"]["setting"],
            outcome["selected"]["C"],
            result.timing["total"],
            path,
        )


def _length_policy(unit: _Unit, kernel: str) -> str:
    if get_kernel(kernel).unequal_length:
        if unit.split.length is None:
            return "equal lengths"
        return "native (ends aligned)" if unit.family.name == "rnn" else "native"
    if unit.policy in (None, "resample"):
        if unit.split.length is None:
            return "equal lengths"
        return f"linear resampling to {unit.split.length} points"
    # The split was brought to one length by the policy (None when it already had one).
    return f"{LENGTH_POLICY_TEXT[unit.policy]} ({unit.split.X_train.shape[-1]} points)"
