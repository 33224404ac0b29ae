"""The experiment engine: data + kernels + protocol -> result files.

Work is cut into independent *tasks*: one (data set, resample, kernel family, block
of grid settings). A task computes one training Gram matrix per setting (shared by
all C values and folds, and by the sibling kernels of the family: RNTK and RNNGP
come from one recursion) and returns cross-validation accuracies. Tasks run in
parallel (:mod:`.parallel`); their scores are checkpointed as they arrive. When a
(data set, resample, family) *unit* has all its scores, the best (setting, C) of
each kernel is refitted on the whole training split and the test split is scored
once, with a test x train Gram matrix for that setting only. The result file is
written atomically; a file present means done.

:func:`plan` and the task functions are pure; :func:`run_experiment` adds the I/O
(loading data, skipping finished work, checkpoints, result files) and yields
progress events for the caller to display.
"""

from __future__ import annotations

import json
import math
import platform
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from rntk_bench import __version__
from rntk_bench.data import Dataset, fetch_dataset
from rntk_bench.errors import DataError, InputError, ResultError
from rntk_bench.evaluation.parallel import Executor
from rntk_bench.evaluation.protocol import (
    Folds,
    Protocol,
    cv_folds,
    normalise_gram,
    preprocess,
    resample_split,
    take,
)
from rntk_bench.evaluation.results import (
    Result,
    atomic_write_json,
    identity_hash,
    read_result,
    result_path,
    write_result,
)
from rntk_bench.evaluation.svm import PrecomputedSVC, cv_scores, select_best
from rntk_bench.kernels import FAMILIES, KernelFamily, family_aliases, get_kernel, load_grid

__all__ = [
    "DataOptions",
    "Event",
    "ResultDone",
    "ResultSkipped",
    "RunConfig",
    "RunPlanned",
    "TaskDone",
    "Warned",
    "run_experiment",
]


# --- configuration ------------------------------------------------------------------


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
        Folder where training Gram matrices are cached (joblib.Memory); a rerun with
        another C grid, fold count or normalisation then skips the kernels.
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


@dataclass(frozen=True)
class DataOptions:
    """Where data sets come from (see :func:`rntk_bench.data.fetch_dataset`)."""

    data_dir: str | None = None
    archive: str | None = None
    sources: tuple[str, ...] | None = None
    download: bool = True
    skip_unavailable: bool = False  # warn and go on instead of stopping the run


# --- events -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RunPlanned:
    """The plan: how many tasks will run and how many results already exist."""

    tasks: int
    results_to_compute: int
    results_done: int
    units: int


@dataclass(frozen=True)
class TaskDone:
    """A task finished (or was restored from a checkpoint)."""

    dataset: str
    family: str
    resample: int
    block: int
    seconds: float
    restored: bool = False


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
class Warned:
    """Something the user should know (a corrupt file that will be recomputed, ...)."""

    message: str


Event = RunPlanned | TaskDone | ResultDone | ResultSkipped | Warned


# --- pure parts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """One train/test split of a data set, preprocessed.

    Attributes
    ----------
    X_train, X_test : arrays (n, n_channels, n_timepoints) or lists of (n_channels, t_i)
    y_train, y_test : ndarray of int class codes
    length : int or None
        Common length for fixed-length kernels (None: the data are equal-length).
    """

    X_train: Any
    y_train: np.ndarray
    X_test: Any
    y_test: np.ndarray
    length: int | None


def make_split(data: Dataset, resample: int, protocol: Protocol) -> Split:
    """The preprocessed split of ``data`` for ``resample`` (0: official)."""
    train_index, test_index = resample_split(data.y_train, data.y_test, resample, protocol.seed)
    if isinstance(data.X_train, list):
        X_all: Any = list(data.X_train) + list(data.X_test)
        length: int | None = max(s.shape[-1] for s in X_all)
    else:
        X_all = np.concatenate([data.X_train, data.X_test])
        length = None
    y_all = np.concatenate([data.y_train, data.y_test])
    X_train, X_test = preprocess(
        take(X_all, train_index), take(X_all, test_index), protocol.preprocessing
    )
    return Split(X_train, y_all[train_index], X_test, y_all[test_index], length)


@dataclass(frozen=True)
class KernelPlan:
    """The distinct settings of one kernel within its family's grid.

    Attributes
    ----------
    kernel : str
    settings : list of dict
        Distinct projections of the family settings on the kernel's parameters.
    source : list of int
        For each family setting, the index of its projection in ``settings``.
    """

    kernel: str
    settings: list[dict[str, Any]]
    source: list[int]


def kernel_plan(
    family: KernelFamily, kernel: str, settings: Sequence[dict[str, Any]]
) -> KernelPlan:
    """Group a family's settings by what ``kernel`` depends on (e.g. NNGP ignores fix_first)."""
    distinct: dict[str, int] = {}
    projected: list[dict[str, Any]] = []
    source = []
    for setting in settings:
        projection = family.projection(kernel, setting)
        key = json.dumps(projection, sort_keys=True)
        if key not in distinct:
            distinct[key] = len(projected)
            projected.append(projection)
        source.append(distinct[key])
    return KernelPlan(kernel, projected, source)


@dataclass(frozen=True)
class BlockTask:
    """A task: CV accuracies of a block of one family's settings on one split."""

    dataset: str
    resample: int
    family: str
    kernels: tuple[str, ...]
    block: int
    settings: tuple[dict[str, Any], ...]
    X_train: Any
    y_train: np.ndarray
    folds: Folds
    length: int | None
    c_grid: tuple[float, ...]
    normalisation: str
    backend_options: dict[str, Any]
    gram_cache: str | None


@dataclass(frozen=True)
class BlockScores:
    """What a task returns: per kernel, per setting of the block, CV mean/std per C."""

    dataset: str
    resample: int
    family: str
    block: int
    mean: dict[str, list[list[float]]]
    std: dict[str, list[list[float]]]
    gram_seconds: float
    svm_seconds: float
    capped: dict[str, int] = field(default_factory=dict)


def _compute_grams(
    family: str,
    X: Any,
    Y: Any,
    settings: Sequence[dict[str, Any]],
    fit_X: Any,
    length: int | None,
    dtype: str,
    backend: str,
    device: str,
    n_threads: int | None,
) -> list[dict[str, np.ndarray]]:
    return list(
        FAMILIES[family].compute(
            X,
            Y,
            settings,
            fit_X=fit_X,
            length=length,
            dtype=dtype,
            backend=backend,
            device=device,
            n_threads=n_threads,
        )
    )


def _gram_function(gram_cache: str | None) -> Any:
    if gram_cache is None:
        return _compute_grams
    import joblib

    # Backends and thread counts agree to rounding; the dtype does not.
    memory = joblib.Memory(gram_cache, verbose=0)
    return memory.cache(_compute_grams, ignore=["backend", "device", "n_threads"])


def run_block(task: BlockTask) -> BlockScores:
    """Pure: Gram matrices of a block of settings and their CV accuracies."""
    compute = _gram_function(task.gram_cache)
    started = time.perf_counter()
    grams = compute(
        task.family,
        task.X_train,
        None,
        list(task.settings),
        task.X_train,
        task.length,
        **task.backend_options,
    )
    gram_seconds = time.perf_counter() - started
    mean: dict[str, list[list[float]]] = {k: [] for k in task.kernels}
    std: dict[str, list[list[float]]] = {k: [] for k in task.kernels}
    capped = dict.fromkeys(task.kernels, 0)
    started = time.perf_counter()
    for gram_set in grams:
        for kernel in task.kernels:
            gram = gram_set[kernel]
            gram = normalise_gram(gram, task.normalisation, np.diag(gram).copy())
            scores = cv_scores(gram, task.y_train, task.folds, task.c_grid)
            mean[kernel].append(scores.mean.tolist())
            std[kernel].append(scores.std.tolist())
            capped[kernel] += scores.capped
    return BlockScores(
        task.dataset,
        task.resample,
        task.family,
        task.block,
        mean,
        std,
        gram_seconds,
        time.perf_counter() - started,
        capped,
    )


def _diagonal(
    family: KernelFamily,
    kernel: str,
    X: Any,
    setting: dict[str, Any],
    fit_X: Any,
    length: int | None,
    backend_options: dict[str, Any],
) -> np.ndarray:
    """k(x, x) of every series of X (one 1 x 1 Gram per series)."""
    rows = X if isinstance(X, list) else list(X)
    return np.array(
        [
            next(
                family.compute([x], None, [setting], fit_X=fit_X, length=length, **backend_options)
            )[kernel][0, 0]
            for x in rows
        ]
    )


def finalise(
    family: KernelFamily,
    plan_: KernelPlan,
    family_settings: Sequence[dict[str, Any]],
    mean: np.ndarray,
    std: np.ndarray,
    split: Split,
    protocol: Protocol,
    backend_options: dict[str, Any],
) -> dict[str, Any]:
    """Pure: select (setting, C) on the CV table, refit, score the test split once.

    Returns
    -------
    dict with keys selected, test, timing (parts of a :class:`Result`).
    """
    s_index, c_index = select_best(mean, protocol.c_grid)
    kernel_setting = plan_.settings[s_index]
    setting = family_settings[plan_.source.index(s_index)]
    C = protocol.c_grid[c_index]
    started = time.perf_counter()
    train_gram = next(
        family.compute(
            split.X_train,
            None,
            [setting],
            fit_X=split.X_train,
            length=split.length,
            **backend_options,
        )
    )[plan_.kernel]
    test_gram = next(
        family.compute(
            split.X_test,
            split.X_train,
            [setting],
            fit_X=split.X_train,
            length=split.length,
            **backend_options,
        )
    )[plan_.kernel]
    train_diag = np.diag(train_gram).copy()
    test_diag = None
    if protocol.normalisation == "cosine":
        test_diag = _diagonal(
            family,
            plan_.kernel,
            split.X_test,
            setting,
            split.X_train,
            split.length,
            backend_options,
        )
    gram_seconds = time.perf_counter() - started
    started = time.perf_counter()
    model = PrecomputedSVC(C).fit(
        normalise_gram(train_gram, protocol.normalisation, train_diag), split.y_train
    )
    y_pred = model.predict(normalise_gram(test_gram, protocol.normalisation, train_diag, test_diag))
    svm_seconds = time.perf_counter() - started
    resolved = {}
    if family.resolve is not None:
        resolved = family.resolve(setting, split.X_train, split.length)
    cv_accuracy = float(mean[s_index, c_index])
    return {
        "selected": {
            "setting": kernel_setting,
            "resolved": resolved,
            "C": C,
            "cv_accuracy": None if math.isnan(cv_accuracy) else cv_accuracy,
            "cv_std": None if math.isnan(cv_accuracy) else float(std[s_index, c_index]),
            "setting_index": s_index,
        },
        "test": {
            "accuracy": float(np.mean(y_pred == split.y_test)),
            "n_test": len(split.y_test),
            "y_true": split.y_test.tolist(),
            "y_pred": y_pred.tolist(),
        },
        "timing": {"gram_test": gram_seconds, "svm_test": svm_seconds},
    }


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
    scores: dict[int, BlockScores] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.data.info.name, self.resample, self.family.name)


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


def _family_settings(
    config: RunConfig,
) -> dict[str, tuple[KernelFamily, list[dict[str, Any]], list[str]]]:
    """family name -> (family, checked settings, requested kernels), before any data."""
    grid = load_grid(config.grid, families=family_aliases())
    out: dict[str, tuple[KernelFamily, list[dict[str, Any]], list[str]]] = {}
    for name in config.kernels:
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
    families = _family_settings(config)
    _check_writable(run_dir)
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
                )
            )
        except DataError as exc:
            if not data_options.skip_unavailable:
                raise
            unavailable.append(Warned(f"skipping {name}: {exc}"))
    if not datasets:
        raise InputError("none of the data sets could be loaded; see the warnings above.")
    versions = _versions()
    atomic_write_json(
        run_dir / "run.json",
        {
            "datasets": list(config.datasets),
            "kernels": list(config.kernels),
            "grid": config.grid,
            "protocol": config.protocol.as_dict(),
            "resamples": config.resamples,
            "backend": {"backend": config.backend, "device": config.device, "dtype": config.dtype},
            "executor": executor.description,
            "versions": versions,
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        },
    )
    backend_options = _backend_options(config, executor.parallel)

    units: list[_Unit] = []
    skipped: list[Event] = []
    to_compute = 0
    for data in datasets:
        for resample in range(config.resamples):
            split: Split | None = None
            for family, settings, kernels in families.values():
                plans = {k: kernel_plan(family, k, settings) for k in kernels}
                identities = {
                    k: _identity(data, k, config, plans[k], resample, versions) for k in kernels
                }
                pending = []
                for kernel in kernels:
                    path = result_path(
                        run_dir, data.info.name, kernel, resample, identity_hash(identities[kernel])
                    )
                    if path.exists() and not overwrite:
                        try:
                            done = read_result(path)
                        except ResultError as exc:
                            skipped.append(Warned(f"{exc} Recomputing it."))
                        else:
                            skipped.append(
                                ResultSkipped(data.info.name, kernel, resample, done.accuracy, path)
                            )
                            continue
                    pending.append(kernel)
                if not pending:
                    continue
                to_compute += len(pending)
                if split is None:
                    split = make_split(data, resample, config.protocol)
                independent = family.name == "rnn"
                block_size = config.settings_per_task if independent else len(settings)
                unit_id = identity_hash(
                    {
                        "kernels": sorted(pending),
                        "block_size": block_size,
                        **{k: identities[k] for k in pending},
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
                        split=split,
                        folds=cv_folds(split.y_train, config.protocol.folds, config.protocol.seed),
                        checkpoint_dir=run_dir
                        / "partial"
                        / data.info.name
                        / f"{family.name}-r{resample}-{unit_id[:12]}",
                        n_blocks=math.ceil(len(settings) / block_size),
                        block_size=block_size,
                    )
                )

    tasks: list[BlockTask] = []
    restored: list[BlockScores] = []
    for unit in units:
        for block in range(unit.n_blocks):
            saved = _load_checkpoint(unit.checkpoint_dir / f"block-{block}.json")
            if saved is not None:
                restored.append(saved)
                continue
            lo = block * unit.block_size
            tasks.append(
                BlockTask(
                    dataset=unit.data.info.name,
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
                )
            )
    # Largest work first (RNN blocks on long series) so that workers finish together.
    tasks.sort(key=lambda t: -_task_cost(t))

    yield RunPlanned(
        len(tasks), to_compute, sum(isinstance(e, ResultSkipped) for e in skipped), len(units)
    )
    yield from unavailable
    yield from skipped
    by_key = {unit.key: unit for unit in units}
    finish_options = {**backend_options, "n_threads": None}  # the parent runs alone

    def absorb(scores: BlockScores, was_restored: bool) -> Iterator[Event]:
        unit = by_key[(scores.dataset, scores.resample, scores.family)]
        unit.scores[scores.block] = scores
        yield TaskDone(
            scores.dataset,
            scores.family,
            scores.resample,
            scores.block,
            scores.gram_seconds + scores.svm_seconds,
            restored=was_restored,
        )
        if len(unit.scores) == unit.n_blocks:
            yield from _finish_unit(unit, config, run_dir, versions, finish_options, executor)

    for scores in restored:
        yield from absorb(scores, True)
    for scores in executor.map_unordered(run_block, tasks):
        unit = by_key[(scores.dataset, scores.resample, scores.family)]
        _save_checkpoint(unit.checkpoint_dir / f"block-{scores.block}.json", scores)
        yield from absorb(scores, False)


def _task_cost(task: BlockTask) -> float:
    X = task.X_train
    n = len(X)
    length = task.length or (X.shape[-1] if not isinstance(X, list) else 1)
    per_setting = n * n * (length if task.family == "rnn" else 1)
    return per_setting * len(task.settings)


def _identity(
    data: Dataset,
    kernel: str,
    config: RunConfig,
    plan_: KernelPlan,
    resample: int,
    versions: Mapping[str, str],
) -> dict[str, Any]:
    return {
        "dataset": data.info.name,
        "data_checksum": data.checksum,
        "kernel": kernel,
        "settings": plan_.settings,
        "protocol": config.protocol.as_dict(),
        "resample": resample,
        "dtype": config.dtype,
        "rntk_bench": versions["rntk-bench"],
    }


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
        mean_rows = [row for b in blocks for row in b.mean[kernel]]
        std_rows = [row for b in blocks for row in b.std[kernel]]
        # Family settings -> the kernel's distinct settings (first occurrence).
        n = len(plan_.settings)
        mean = np.full((n, len(config.protocol.c_grid)), np.nan)
        std = np.full_like(mean, np.nan)
        for family_index, kernel_index in enumerate(plan_.source):
            if np.isnan(mean[kernel_index]).all():
                mean[kernel_index] = mean_rows[family_index]
                std[kernel_index] = std_rows[family_index]
        started_at = datetime.now(timezone.utc)
        outcome = finalise(
            unit.family,
            plan_,
            unit.settings,
            mean,
            std,
            unit.split,
            config.protocol,
            backend_options,
        )
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
            },
            kernel=kernel,
            grid=config.grid,
            protocol={
                **config.protocol.as_dict(),
                "cv_scheme": unit.folds.scheme,
                "length_policy": _length_policy(unit, kernel),
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
            },
            test=outcome["test"],
            timing={
                "gram_train": gram_seconds,
                "svm_select": svm_seconds,
                **outcome["timing"],
                "total": gram_seconds + svm_seconds + sum(outcome["timing"].values()),
                "note": "seconds of work; gram_train and svm_select are shared by the "
                "family's kernels",
            },
            environment={
                "host": platform.node(),
                "backend": config.backend,
                "device": config.device,
                "dtype": config.dtype,
                "executor": executor.description,
                "versions": dict(versions),
                "started": started_at.isoformat(timespec="seconds"),
                "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            },
        )
        path = write_result(run_dir, result)
        yield ResultDone(
            info.name,
            kernel,
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
    shutil.rmtree(unit.checkpoint_dir, ignore_errors=True)


def _length_policy(unit: _Unit, kernel: str) -> str:
    if unit.split.length is None:
        return "equal lengths"
    if get_kernel(kernel).unequal_length:
        return "native (ends aligned)"
    return f"linear resampling to {unit.split.length} points"
