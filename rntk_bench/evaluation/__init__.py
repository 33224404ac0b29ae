"""Evaluation: the SVM protocol, parallel and resumable experiments, result files.

- :class:`Protocol` (protocol.py): preprocessing, Gram normalisation, folds, resamples.
- :mod:`.svm`: C-SVM on precomputed Gram matrices (LIBSVM), CV scores, tie-break.
- :mod:`.tasks`: the pure work (one task = a block of grid settings on one split).
- :func:`run_experiment` (experiment.py): plan, skip, run, checkpoint, write results.
- :func:`executor` (parallel.py): local processes or a Dask cluster.
- :class:`Result`, :func:`iter_results` (results.py): the result-file schema.
"""

from rntk_bench.evaluation.experiment import DataOptions, RunConfig, run_experiment
from rntk_bench.evaluation.parallel import executor
from rntk_bench.evaluation.protocol import Protocol
from rntk_bench.evaluation.results import Result, iter_results, read_result

__all__ = [
    "DataOptions",
    "Protocol",
    "Result",
    "RunConfig",
    "executor",
    "iter_results",
    "read_result",
    "run_experiment",
]
