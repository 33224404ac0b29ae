"""The experiment engine: data + methods + protocol -> result files.

:func:`run_experiment` loads the data sets, skips results that already exist (a file
present means done), cuts the rest into the pure tasks of
:mod:`rntk_bench.evaluation.blocks` and :mod:`rntk_bench.methods.trained`, runs them in
parallel (:mod:`.parallel`), checkpoints each block's scores as they arrive, and when a
unit has all its scores, finishes it (:func:`rntk_bench.evaluation.finish.finish`: the
same stage :func:`rntk_bench.evaluate` ends with) and writes each kernel's result file
atomically. It yields progress events for the caller (the CLI) to display; it never
prints.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from rntk_bench.data import Dataset, fetch_dataset
from rntk_bench.errors import DataError, InputError, NumericalError
from rntk_bench.evaluation.blocks import BlockScores, BlockTask, run_block, score_table
from rntk_bench.evaluation.finish import finish
from rntk_bench.evaluation.outcome import CVTable, Timing
from rntk_bench.evaluation.splits import cv_folds
from rntk_bench.experiment.config import DataOptions, RunConfig, check_config
from rntk_bench.experiment.cost import block_cost, method_cost
from rntk_bench.experiment.events import (
    Event,
    Preparing,
    ResultDone,
    ResultSkipped,
    RunPlanned,
    TaskDone,
    Warned,
)
from rntk_bench.experiment.parallel import Executor
from rntk_bench.experiment.plan import (
    FamilyPlan,
    PlannedMethod,
    Planner,
    TrainedPlan,
    Unit,
    method_settings,
    plan_method_tasks,
    plan_units,
    share_cv,
)
from rntk_bench.experiment.records import kernel_result, trained_result
from rntk_bench.experiment.rundir import (
    check_same_protocol,
    check_writable,
    drop_checkpoints,
    drop_finished_checkpoints,
    load_checkpoint,
    save_checkpoint,
    versions,
    write_run_json,
)
from rntk_bench.methods.trained import MethodOutcome, MethodTask, run_method
from rntk_bench.records import identity_hash, method_name, result_path, variant_name, write_result
from rntk_bench.svm import cv_scores

__all__ = ["run_experiment"]


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
        Where tasks run (:func:`rntk_bench.experiment.parallel.executor`).
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
    check_config(config)
    families, trained = method_settings(config)
    for plan in trained:
        plan.method.check()  # a missing optional extra: one line, before any work
    yield from _prepare(config, families)
    check_writable(run_dir)
    check_same_protocol(run_dir, config.protocol)
    datasets, unavailable = _load(config, data_options or DataOptions())
    run_versions = versions()
    write_run_json(run_dir, config, executor.description, run_versions)
    # Never nest parallel levels: single-threaded kernels when tasks run side by side.
    backend = {
        "backend": config.backend,
        "device": config.device,
        "dtype": config.dtype,
        "n_threads": 1 if executor.parallel else None,
    }
    planner = Planner(config, run_dir, run_versions["rntk-bench"], overwrite)
    units, methods, to_compute = _plan(planner, datasets, families, trained, backend)
    groups = share_cv(units, any(t is not None for t in config.truncations))
    drop_finished_checkpoints(run_dir, keep={unit.checkpoint_dir for unit in units})
    tasks, restored = _block_tasks(groups, config, backend)
    # Largest work first (RNN blocks on long series) so that workers finish together.
    tasks.sort(key=lambda t: -block_cost(t))
    methods.sort(key=lambda m: -method_cost(m.task))
    costs = {(t.dataset, t.block): block_cost(t) for t in tasks}
    yield RunPlanned(
        len(tasks) + len(methods),
        to_compute + len(methods),
        sum(isinstance(e, ResultSkipped) for e in planner.skipped),
        len(units) + len(methods),
        cost=float(sum(costs.values()) + sum(method_cost(m.task) for m in methods)),
    )
    yield from unavailable
    yield from planner.skipped
    loop = _Loop(config, run_dir, run_versions, backend, executor, groups, costs)
    for scores in restored:
        yield from loop.absorb(scores, True)
    # Trained methods first: one long task per data set, the kernel blocks fill in.
    # A generator: the executor takes each task when a worker is about to be free, so
    # it carries the floors of the blocks finished by then.
    by_task = {
        (m.task.dataset, m.task.resample, m.task.method.name, m.task.policy): m for m in methods
    }
    pending: list[BlockTask | MethodTask] = [*(m.task for m in methods), *tasks]
    queue = (loop.handed_out(task) for task in pending)
    for scores in executor.map_unordered(_run_task, queue):
        if isinstance(scores, MethodOutcome):
            planned = by_task[(scores.dataset, scores.resample, scores.method, scores.policy)]
            yield TaskDone(
                scores.dataset,
                scores.method,
                scores.resample,
                0,
                scores.timing["total"],
                cost=method_cost(planned.task),
            )
            yield loop.write_trained(scores, planned)
            continue
        group = groups[scores.dataset]
        save_checkpoint(
            group[0].checkpoint_dir / f"block-{scores.block}.json", scores, _results_of(group)
        )
        yield from loop.absorb(scores, False)
    drop_finished_checkpoints(run_dir)  # those whose last result this run wrote


def _results_of(group: list[Unit]) -> list[str]:
    """The result files (relative to the run folder) that a group's checkpoints serve."""
    return [
        result_path(
            Path(), unit.data.info.name, kernel, unit.resample, identity_hash(identity)
        ).as_posix()
        for unit in group
        for kernel, identity in unit.identities.items()
    ]


def _plan(
    planner: Planner,
    datasets: list[Dataset],
    families: Mapping[str, FamilyPlan],
    trained: list[TrainedPlan],
    backend: Mapping[str, Any],
) -> tuple[list[Unit], list[PlannedMethod], int]:
    """Units and trained-method tasks still to compute, and how many results they write."""
    config = planner.config
    units: list[Unit] = []
    to_compute = 0
    for data in datasets:
        for truncation in config.truncations:
            for resample in range(config.resamples):
                new, count = plan_units(planner, data, truncation, resample, families)
                units += new
                to_compute += count
    methods: list[PlannedMethod] = []
    for data in datasets:
        for truncation in config.truncations:
            for resample in range(config.resamples):
                methods += plan_method_tasks(
                    planner, data, truncation, resample, trained, backend["n_threads"]
                )
    return units, methods, to_compute


def _run_task(task: BlockTask | MethodTask) -> BlockScores | MethodOutcome:
    """A worker's entry point: a kernel block or a trained method."""
    if isinstance(task, MethodTask):
        return run_method(task)
    return run_block(task)


def _load(config: RunConfig, options: DataOptions) -> tuple[list[Dataset], list[Event]]:
    """The run's data sets; unavailable ones are warnings with --skip-unavailable."""
    datasets = []
    unavailable: list[Event] = []
    for name in config.datasets:
        try:
            datasets.append(
                fetch_dataset(
                    name,
                    data_dir=options.data_dir,
                    archive=options.archive,
                    sources=list(options.sources) if options.sources is not None else None,
                    download=options.download,
                    limits=options.limits,
                )
            )
        except DataError as exc:
            if not options.skip_unavailable:
                raise
            unavailable.append(Warned(f"skipping {name}: {exc}"))
    if not datasets:
        first = unavailable[0].message if isinstance(unavailable[0], Warned) else ""
        raise InputError(f"none of the data sets could be loaded ({first}).")
    return datasets, unavailable


def _prepare(config: RunConfig, families: Mapping[str, FamilyPlan]) -> Iterator[Event]:
    """Compile the numba code in this process before the workers need it.

    Also fails early, not in a worker, on a backend/device/dtype that cannot run here.
    On the first run after an install numba compiles the RNN Gram loop (tens of
    seconds) and the GAK recursion (a few); cached on disk afterwards, so the workers
    load them. Say so before, and how long it took.
    """
    backend = {"backend": config.backend, "device": config.device, "dtype": config.dtype}
    cold = any(plan.family.cold(backend) for plan in families.values())
    if cold:
        yield Preparing(
            "compiling the numba kernels (first run after an install; cached for later runs)..."
        )
    started = time.perf_counter()
    for plan in families.values():
        plan.family.warm_up(backend)
    labels = np.array([0, 0, 1, 1])  # the selection's compiled vote
    cv_scores(np.eye(4), labels, cv_folds(labels, 2, 0), (1.0,))
    if cold:
        yield Preparing(f"compiled in {time.perf_counter() - started:.0f} s")


def _block_tasks(
    groups: Mapping[str, list[Unit]], config: RunConfig, backend: dict[str, Any]
) -> tuple[list[BlockTask], list[BlockScores]]:
    """The block tasks still to run, and the scores restored from checkpoints."""
    tasks: list[BlockTask] = []
    restored: list[BlockScores] = []
    for unit in (group[0] for group in groups.values()):
        for block in range(unit.n_blocks):
            saved = load_checkpoint(unit.checkpoint_dir / f"block-{block}.json")
            if saved is not None:
                # The checkpoint folder is the unit's own: label the scores with its key.
                restored.append(dataclasses.replace(saved, dataset=unit.key))
                continue
            lo = block * unit.block_size
            tasks.append(
                BlockTask(
                    dataset=unit.key,
                    resample=unit.resample,
                    family=unit.family,
                    kernels=tuple(unit.plans),
                    block=block,
                    settings=tuple(unit.settings[lo : lo + unit.block_size]),
                    X_train=unit.split.X_train,
                    y_train=unit.split.y_train,
                    folds=unit.folds,
                    length=unit.split.length,
                    c_grid=config.protocol.c_grid,
                    normalisation=config.protocol.normalisation,
                    backend_options=backend,
                    gram_cache=config.gram_cache,
                    prune=not config.full_cv,
                    solver=config.svm_solver,
                )
            )
    return tasks, restored


class _Loop:
    """The state of the dispatch loop: pruning floors, finished units, result files."""

    def __init__(
        self,
        config: RunConfig,
        run_dir: Path,
        run_versions: Mapping[str, str],
        backend: dict[str, Any],
        executor: Executor,
        groups: dict[str, list[Unit]],
        costs: dict[tuple[str, int], float],
    ) -> None:
        self.config, self.run_dir, self.versions = config, run_dir, run_versions
        self.executor, self.groups, self.costs = executor, groups, costs
        # The refit of a finished unit runs in this process while the workers go on:
        # kernels get every core here (n_threads None), as outside a pool.
        self.finish_backend = {**backend, "n_threads": None}
        # Per unit and kernel, the best complete mean CV accuracy of its finished
        # blocks: each block task takes the value current when it is handed to a worker
        # and prunes against it (exact: it is a cell of the same table).
        self.floors: dict[str, dict[str, float]] = {}

    def handed_out(self, task: BlockTask | MethodTask) -> BlockTask | MethodTask:
        if isinstance(task, BlockTask) and task.prune and task.dataset in self.floors:
            return dataclasses.replace(task, floor=dict(self.floors[task.dataset]))
        return task

    def _raise_floor(self, scores: BlockScores) -> None:
        unit_floors = self.floors.setdefault(scores.dataset, {})
        for kernel, rows in scores.mean.items():
            values = np.asarray(rows, dtype=float)
            if values.size and not np.isnan(values).all():
                best = float(np.nanmax(values))
                unit_floors[kernel] = max(unit_floors.get(kernel, -np.inf), best)

    def absorb(self, scores: BlockScores, was_restored: bool) -> Iterator[Event]:
        """Take a block's scores; finish the units that now have all of theirs."""
        self._raise_floor(scores)
        group = self.groups[scores.dataset]
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
            cost=0.0 if was_restored else self.costs.get((scores.dataset, scores.block), 0.0),
        )
        if len(group[0].scores) == group[0].n_blocks:
            # Every result written, then the checkpoints dropped, and only then the
            # events: a caller that stops at an event (a closed pipe) leaves none behind.
            done = [event for unit in group for event in self._finish_unit(unit)]
            drop_checkpoints(group[0].checkpoint_dir)
            yield from done

    def _finish_unit(self, unit: Unit) -> Iterator[Event]:
        config = self.config
        blocks = [unit.scores[b] for b in range(unit.n_blocks)]
        selection = Timing(
            gram_train=sum(b.gram_seconds for b in blocks),
            svm_select=sum(b.svm_seconds for b in blocks),
        )
        for kernel, plan_ in unit.plans.items():
            mean, std = score_table(plan_, blocks, len(config.protocol.c_grid))
            started = datetime.now(timezone.utc)
            try:
                selected, test, tested = finish(
                    unit.family,
                    plan_,
                    unit.settings,
                    mean,
                    std,
                    unit.split,
                    config.protocol.c_grid,
                    config.protocol.normalisation,
                    self.finish_backend,
                    n_classes=len(unit.data.classes),
                    gram_cache=config.gram_cache,
                )
            except NumericalError as exc:
                # Same error type (e.g. DegenerateDataError), prefixed with the data set.
                raise type(exc)(f"{unit.data.info.name}: {exc}") from None
            result = kernel_result(
                identity=unit.identities[kernel],
                data=unit.data,
                split=unit.split,
                truncation=unit.truncation,
                kernel=kernel,
                capabilities=unit.family.capabilities,
                policy=unit.policy,
                scheme=unit.folds.scheme,
                config=config,
                resample=unit.resample,
                selected=selected,
                cv=CVTable(
                    settings=plan_.settings,
                    c_grid=list(config.protocol.c_grid),
                    mean=mean,
                    std=std,
                    scheme=unit.folds.scheme,
                    capped_fits=sum(b.capped.get(kernel, 0) for b in blocks),
                    pruned_cells=sum(b.pruned.get(kernel, 0) for b in blocks),
                ),
                test=test,
                timing=dataclasses.replace(
                    tested, gram_train=selection.gram_train, svm_select=selection.svm_select
                ),
                environment={
                    "executor": self.executor.description,
                    "versions": dict(self.versions),
                    "started": started.isoformat(timespec="seconds"),
                    "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                },
            )
            path = write_result(self.run_dir, result)
            label = unit.truncation.label if unit.truncation is not None else None
            yield ResultDone(
                variant_name(unit.data.info.name, label),
                method_name(kernel, unit.policy),
                unit.resample,
                result.accuracy,
                selected.cv_accuracy if selected.cv_accuracy is not None else float("nan"),
                selected.setting,
                float(selected.C) if selected.C is not None else float("nan"),
                result.timing["total"],
                path,
            )

    def write_trained(self, outcome: MethodOutcome, planned: PlannedMethod) -> ResultDone:
        """A trained method's result file: the same schema as a kernel's."""
        result = trained_result(
            outcome=outcome,
            identity=planned.identity,
            data=planned.data,
            split=planned.split,
            truncation=planned.truncation,
            method=planned.task.method,
            config=self.config,
            environment={
                "executor": self.executor.description,
                "versions": {**self.versions, **planned.task.method.versions()},
            },
        )
        path = write_result(self.run_dir, result)
        cv_accuracy = outcome.selected["cv_accuracy"]
        return ResultDone(
            outcome.dataset,
            method_name(outcome.method, outcome.policy),
            outcome.resample,
            result.accuracy,
            float("nan") if cv_accuracy is None else cv_accuracy,
            outcome.selected["setting"],
            float("nan"),
            outcome.timing["total"],
            path,
        )
