"""The array-level entry point: one method, one split, the whole protocol.

:func:`evaluate` is the serial composition of the stages that ``rntk-bench run``
distributes: the split is preprocessed with training statistics
(:func:`~rntk_bench.evaluation.splits.prepare_split`), every block of grid settings
gets its training Gram matrices and CV table (:func:`~rntk_bench.evaluation.blocks.run_block`,
the workers' task), and the best (setting, C) is refit and scores the test split once
(:func:`~rntk_bench.evaluation.finish.finish`). The run engine adds only planning,
the run folder, checkpoints, parallel dispatch and result files, so the same data
give the same selection and predictions either way (tested).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rntk_bench.data.labels import encode_labels
from rntk_bench.errors import InputError
from rntk_bench.evaluation.blocks import (
    BlockScores,
    BlockTask,
    KernelPlan,
    kernel_plan,
    run_block,
    score_table,
)
from rntk_bench.evaluation.finish import finish
from rntk_bench.evaluation.outcome import CVTable, Outcome, Selected, TestScores, Timing
from rntk_bench.evaluation.protocol import LENGTH_POLICIES, Protocol
from rntk_bench.evaluation.splits import Split, cv_folds, fixed_length_split, prepare_split
from rntk_bench.methods.base import KernelFamily, Setting, TrainedMethod
from rntk_bench.methods.grids import load_grid
from rntk_bench.methods.registry import family_aliases, load_family_grid, lookup
from rntk_bench.methods.trained import MethodTask, run_method

__all__ = ["CrossValidation", "cross_validate", "evaluate", "evaluate_split"]

Grid = str | Path | Mapping[str, Any]


def _labels(y_train: Any, y_test: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Class list (labels of both splits, in a run's order) and the codes of each split.

    The order is :func:`~rntk_bench.data.labels.label_order`'s (text labels that are all
    numbers sort numerically, "2" before "10"), the encoding of ``rntk-bench run``: the
    archive's labels from :func:`rntk_bench.data.load_dataset` give the run's codes, so
    the same one-vs-one problems and vote tie-breaks.
    """
    y_train = np.asarray(y_train)
    if y_train.ndim != 1:
        raise InputError(f"y_train must be 1-D (one label per series); got shape {y_train.shape}.")
    return encode_labels(y_train, y_test)


def _series(X: Any, what: str) -> Any:
    """A 3-D float array, or a list of (n_channels, t_i) float arrays."""
    if isinstance(X, (list, tuple)):
        out = [np.atleast_2d(np.asarray(x, dtype=np.float64)) for x in X]
        if len({x.shape for x in out}) == 1:
            return np.stack(out)
        return out
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim == 2:
        return arr[:, None, :]
    if arr.ndim != 3:
        raise InputError(
            f"{what} must have shape (n_cases, n_channels, n_timepoints), (n_cases, "
            f"n_timepoints) or be a list of (n_channels, t_i) arrays; got {arr.shape}."
        )
    return arr


def evaluate(
    method: str,
    X_train: Any,
    y_train: Any,
    X_test: Any,
    y_test: Any = None,
    *,
    grid: Grid = "quick",
    protocol: Protocol | None = None,
    n_jobs: int = 1,
    length_policy: str = "resample",
    backend: str = "auto",
    device: str = "cpu",
    dtype: str = "float64",
    full_cv: bool = False,
) -> Outcome:
    """Select a method's hyper-parameters on a training split and score a test split.

    Parameters
    ----------
    method : str
        A registered method (``rntk-bench kernels``): rntk, rnngp, ntk, nngp, rbf,
        polynomial, linear, gak, rnn; an installed plugin's; or an import path of a
        kernel function or a classifier class ("my_pkg.kernels:cosine",
        "sklearn.neighbors:KNeighborsClassifier").
    X_train, X_test : array (n, n_channels, n_timepoints), (n, n_timepoints), or list
        of (n_channels, t_i) arrays (unequal lengths)
    y_train : array-like of shape (n_train,)
        Labels of any type numpy can sort, e.g. the archive's from
        :func:`rntk_bench.data.load_dataset`. ``Outcome.classes`` lists them in a
        run's order (numerically when text labels are all numbers).
    y_test : array-like of shape (n_test,), optional
        When given, :attr:`Outcome.accuracy` is the test accuracy.
    grid : str, path or mapping, default "quick"
        "quick", "paper", a YAML grid file, or the method's {parameter: values} (a
        user's method without a grid: one setting, its defaults).
    protocol : Protocol, optional
        Folds, C grid, preprocessing, Gram normalisation, seed (default: the paper's).
    n_jobs : int, default 1
        Blocks of settings computed side by side (joblib processes); -1: all cores.
    length_policy : {"resample", "pad-start", "pad-end", "truncate"}
        How a fixed-length method gets unequal-length series.
    backend, device, dtype : str
        Kernel backend options (RNTK/RNNGP), see :func:`rntk_bench.kernels.rnn_kernels`.
    full_cv : bool, default False
        Score every cell of the CV table (False: cells that can no longer be selected
        stay NaN; the selection is the same).

    Returns
    -------
    Outcome
        ``accuracy``, ``predictions``, ``probabilities``, ``selected`` (setting, C,
        CV accuracy), ``cv`` (the table) and ``timing``.
    """
    protocol = protocol or Protocol()
    if length_policy not in LENGTH_POLICIES:
        raise InputError(
            f"length_policy must be one of {', '.join(LENGTH_POLICIES)}; got {length_policy!r}."
        )
    entry = lookup(method)
    classes, train_codes, test_codes = _labels(y_train, y_test)
    X_train, X_test = _series(X_train, "X_train"), _series(X_test, "X_test")
    if len(train_codes) != len(X_train):
        raise InputError(f"X_train has {len(X_train)} series but y_train has {len(train_codes)}.")
    if test_codes is not None and len(test_codes) != len(X_test):
        raise InputError(f"X_test has {len(X_test)} series but y_test has {len(test_codes)}.")
    y_test_codes = test_codes if test_codes is not None else np.zeros(0, dtype=np.int64)
    split = prepare_split(
        X_train, train_codes, X_test, y_test_codes, protocol.preprocessing, "the data"
    )
    options = {"backend": backend, "device": device, "dtype": dtype, "n_threads": None}
    description = entry.description
    if not description.capabilities.native_lengths:
        split = fixed_length_split(split, length_policy)
    if isinstance(description, TrainedMethod):
        selected, cv, test, timing, details = _trained(
            description, split, grid, protocol, len(classes)
        )
    else:
        selected, cv, test, timing = evaluate_split(
            description,
            method,
            split,
            load_family_grid(grid, description)[description.name],
            protocol,
            options,
            n_classes=len(classes),
            n_jobs=n_jobs,
            prune=not full_cv,
        )
        details = {}
    y_true = None if y_test is None else np.asarray(y_test)
    return Outcome(method, classes, selected, cv, test, y_true, timing, details)


@dataclass(frozen=True)
class CrossValidation:
    """A kernel's CV table on a training split, with what selection needs.

    Attributes
    ----------
    settings : list of Setting
        The family's validated settings (the table's rows project on them).
    plan : KernelPlan
    table : CVTable
    """

    settings: list[Setting]
    plan: KernelPlan
    table: CVTable


def cross_validate(
    family: KernelFamily,
    kernel: str,
    X_train: Any,
    y_train: np.ndarray,
    length: int | None,
    params: Mapping[str, Any],
    protocol: Protocol,
    backend_options: Mapping[str, Any],
    *,
    n_jobs: int = 1,
    prune: bool = True,
    settings_per_task: int = 50,
) -> CrossValidation:
    """The CV table of one kernel: its grid's blocks, each a worker task of ``run``.

    Parameters
    ----------
    family : KernelFamily
    kernel : str
        One of the family's kernels.
    X_train : array (n, n_channels, n_timepoints) or list of (n_channels, t_i)
        Preprocessed (and brought to one length for a fixed-length family).
    y_train : ndarray of int class codes
    length : int or None
        Common length for fixed-length kernels.
    params : mapping
        The family's {parameter: values}, validated here once.
    protocol : Protocol
    backend_options : mapping
        backend, device, dtype, n_threads.
    n_jobs : int
        Blocks computed side by side (joblib processes).
    prune : bool
        Leave NaN the cells that can no longer be selected (same selection).
    settings_per_task : int
        Block size for families that cut their grid (the run's --settings-per-task).
    """
    settings = family.settings(params)
    plan_ = kernel_plan(family, kernel, settings)
    folds = cv_folds(y_train, protocol.folds, protocol.seed)
    size = family.block_size(len(settings), settings_per_task)
    options = dict(backend_options)
    if n_jobs != 1:
        options["n_threads"] = 1  # never nest parallel levels
    tasks = [
        BlockTask(
            dataset="the data",
            resample=0,
            family=family,
            kernels=(kernel,),
            block=block,
            settings=tuple(settings[lo : lo + size]),
            X_train=X_train,
            y_train=y_train,
            folds=folds,
            length=length,
            c_grid=protocol.c_grid,
            normalisation=protocol.normalisation,
            backend_options=options,
            gram_cache=None,
            prune=prune,
        )
        for block, lo in enumerate(range(0, len(settings), size))
    ]
    blocks = _run_blocks(tasks, n_jobs)
    mean, std = score_table(plan_, blocks, len(protocol.c_grid))
    table = CVTable(
        settings=plan_.settings,
        c_grid=list(protocol.c_grid),
        mean=mean,
        std=std,
        scheme=folds.scheme,
        capped_fits=sum(b.capped.get(kernel, 0) for b in blocks),
        pruned_cells=sum(b.pruned.get(kernel, 0) for b in blocks),
        gram_seconds=sum(b.gram_seconds for b in blocks),
        svm_seconds=sum(b.svm_seconds for b in blocks),
    )
    return CrossValidation(settings, plan_, table)


def evaluate_split(
    family: KernelFamily,
    kernel: str,
    split: Split,
    params: Mapping[str, Any],
    protocol: Protocol,
    backend_options: Mapping[str, Any],
    *,
    n_classes: int | None = None,
    n_jobs: int = 1,
    prune: bool = True,
) -> tuple[Selected, CVTable, TestScores, Timing]:
    """A kernel SVM on a prepared split: :func:`cross_validate`, then finish."""
    cv = cross_validate(
        family, kernel, split.X_train, split.y_train, split.length, params, protocol,
        backend_options, n_jobs=n_jobs, prune=prune,
    )  # fmt: skip
    selected, test, timing = finish(
        family,
        cv.plan,
        cv.settings,
        cv.table.mean,
        cv.table.std,
        split,
        protocol.c_grid,
        protocol.normalisation,
        backend_options,
        n_classes=n_classes,
    )
    timing = dataclasses.replace(
        timing, gram_train=cv.table.gram_seconds, svm_select=cv.table.svm_seconds
    )
    return selected, cv.table, test, timing


def _run_blocks(tasks: list[BlockTask], n_jobs: int) -> list[BlockScores]:
    """Every block's scores, in block order; later blocks prune against earlier ones."""
    if n_jobs == 1 or len(tasks) == 1:
        out: list[BlockScores] = []
        floor: dict[str, float] = {}
        for task in tasks:
            if task.prune and floor:
                task = dataclasses.replace(task, floor=dict(floor))
            scores = run_block(task)
            for kernel, rows in scores.mean.items():
                values = np.asarray(rows, dtype=float)
                if values.size and not np.isnan(values).all():
                    floor[kernel] = max(floor.get(kernel, -math.inf), float(np.nanmax(values)))
            out.append(scores)
        return out
    from joblib import Parallel, delayed

    return list(Parallel(n_jobs=n_jobs)(delayed(run_block)(task) for task in tasks))


def _trained(
    method: TrainedMethod, split: Split, grid: Grid, protocol: Protocol, n_classes: int
) -> tuple[Selected, CVTable, TestScores, Timing, dict[str, Any]]:
    method.check()
    loaded: Mapping[str, Mapping[str, tuple[Any, ...]]] | None = None
    if isinstance(grid, Mapping):  # the method's own {parameter: values}
        grid_name, loaded = "", {method.name: {k: _as_tuple(v) for k, v in grid.items()}}
    else:
        grid_name = str(grid)
        if method.reads_grid_files and grid_name not in method.grids:
            loaded = load_grid(grid_name, families=family_aliases(), extra=(method.name,))
    settings = [s.values for s in method.settings(grid_name, loaded)]
    folds = cv_folds(split.y_train, protocol.folds, protocol.seed)
    outcome = run_method(
        MethodTask(
            dataset="the data",
            resample=0,
            method=method,
            settings=tuple(settings),
            X_train=split.X_train,
            y_train=split.y_train,
            X_test=split.X_test,
            seed=protocol.seed,
            n_threads=None,
            options=dict(method.options),
            folds=tuple(folds.splits),
            cv_scheme=folds.scheme,
            length=split.length,
            n_classes=n_classes,
        )
    )
    sel = outcome.selected
    selected = Selected(
        setting=sel["setting"],
        resolved=sel["resolved"],
        C=None,
        cv_accuracy=sel["cv_accuracy"],
        cv_std=sel.get("cv_std"),
        setting_index=sel["setting_index"],
        fallback=sel["fallback"],
    )
    mean = np.array([[np.nan if v is None else v for v in row] for row in outcome.cv["mean"]])
    std = np.array([[np.nan if v is None else v for v in row] for row in outcome.cv["std"]])
    cv = CVTable(settings, [], mean, std, outcome.cv["scheme"])
    probabilities = None if outcome.probabilities is None else np.asarray(outcome.probabilities)
    test = TestScores(np.asarray(outcome.y_pred), None, probabilities)
    timing = Timing(svm_select=outcome.timing["train"], predict=outcome.timing["predict"])
    return selected, cv, test, timing, {"networks": outcome.cv.get("networks", [])}


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)
