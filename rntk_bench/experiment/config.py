"""What to run: the run's configuration and where its data come from.

:func:`check_config` validates a configuration once, before any data is loaded or any
work starts; every method's grid is expanded and validated there too
(:func:`rntk_bench.experiment.plan.method_settings`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rntk_bench._validation import check_choice
from rntk_bench.data import DownloadLimits
from rntk_bench.errors import InputError
from rntk_bench.evaluation.protocol import LENGTH_POLICIES, Protocol, TestTruncation
from rntk_bench.methods import lookup
from rntk_bench.methods.registry import METHODS
from rntk_bench.svm import SOLVERS

__all__ = ["MAX_RESAMPLES", "DataOptions", "RunConfig", "check_config"]


# More resamples than this is a typo, not an experiment (bake-offs use 30).
MAX_RESAMPLES = 1000
# The devices a run can name: the CPU, or a torch device (a CUDA GPU, by index or not;
# Apple's MPS) for the methods that run on one.
_DEVICE = re.compile(r"cpu|(cuda|mps)(:\d+)?")


@dataclass(frozen=True)
class RunConfig:
    """What to run.

    Attributes
    ----------
    datasets : tuple of str
        Registered data-set names, or paths of folders of one's own data
        (:func:`rntk_bench.data.local.resolve_datasets`); anything
        :func:`rntk_bench.data.fetch_dataset` takes.
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
        be selected are left NaN (:func:`~rntk_bench.svm.cv_scores_block`);
        the selections and predictions are the same either way.
    svm_solver : {"numba", "libsvm"}
        The SVM solver of the cross-validation: LIBSVM's C-SVC replicated in compiled
        code (default) or scikit-learn's LIBSVM itself; the same multipliers bit for
        bit, so the same results (:mod:`~rntk_bench.svm._csvc`).
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


@dataclass(frozen=True)
class DataOptions:
    """Where data sets come from (see :func:`rntk_bench.data.fetch_dataset`)."""

    data_dir: str | None = None
    archive: str | None = None
    sources: tuple[str, ...] | None = None
    download: bool = True
    skip_unavailable: bool = False  # warn and go on instead of stopping the run
    limits: DownloadLimits | None = None  # download deadline, minimum rate


def check_config(config: RunConfig) -> None:
    """Refuse an impossible configuration in one line, before any work.

    Raises
    ------
    InputError
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
    _check_device(config)
    for policy in config.length_policies:
        if policy not in LENGTH_POLICIES:
            raise InputError(
                f"length policy must be one of {', '.join(LENGTH_POLICIES)}; got {policy!r}."
            )


def _check_device(config: RunConfig) -> None:
    """Refuse a device that is no device's name, or that none of the run's methods uses.

    Only the RNTK/RNNGP kernels take a device; every other method, the trained RNN
    included, runs on the CPU, so ``--kernels rnn --device cuda`` would silently train
    on the CPU.
    """
    device = config.device
    if not isinstance(device, str) or not _DEVICE.fullmatch(device):
        raise InputError(f"device (--device) must be cpu, cuda, cuda:N or mps; got {device!r}.")
    if device == "cpu" or any(lookup(k).description.capabilities.gpu for k in config.kernels):
        return
    on_device = [name for name, entry in METHODS.items() if entry.description.capabilities.gpu]
    raise InputError(
        f"--device {device}: none of the chosen methods ({', '.join(config.kernels)}) runs on "
        f"a device; only {', '.join(on_device)} do (the trained rnn trains on the CPU). Leave "
        f"--device out, or add {' or '.join(on_device)}."
    )
