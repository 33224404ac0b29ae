"""The experiment engine: many methods x data sets x resamples -> a run folder.

- :mod:`.config`: what to run (:class:`RunConfig`, :class:`DataOptions`), checked once.
- :mod:`.plan`: what is still to compute (units, tasks) and :func:`result_identity`.
- :mod:`.rundir`: guards, run.json, checkpoints, results already present.
- :mod:`.records`: the one place that builds a result record.
- :mod:`.cost`: relative task costs (scheduling, progress).
- :mod:`.engine`: :func:`run_experiment`, the dispatch loop.
- :mod:`.parallel`: local processes or a Dask cluster.
- :mod:`.events`: what the engine reports to its caller.
"""

from rntk_bench.experiment.config import DataOptions, RunConfig
from rntk_bench.experiment.engine import run_experiment
from rntk_bench.experiment.parallel import executor

__all__ = ["DataOptions", "RunConfig", "executor", "run_experiment"]
