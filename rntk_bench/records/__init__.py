"""Result records: the files a run writes and a report reads, and nothing else.

This package is the contract between the engine (:mod:`rntk_bench.experiment`) and the
reports (:mod:`rntk_bench.reporting`). It imports neither: reading a run folder needs
only the standard library (no numba, scikit-learn or kernel code).

- :mod:`.files`: the schema (:class:`Result`), identity hashing, atomic writes, reading
  and validating result files, iterating over a run folder.
- :mod:`.naming`: the one place that names a method ("rbf+pad-start") and a data set
  variant ("GunPoint [test: last 50%]") as reports and progress lines show them, and
  a method's name in file names (:func:`~.naming.file_name`).
"""

from rntk_bench.records.files import (
    SCHEMA,
    Result,
    atomic_write_json,
    identity_hash,
    iter_results,
    read_result,
    result_path,
    shared_mode,
    write_result,
)
from rntk_bench.records.naming import file_name, method_name, variant_name

__all__ = [
    "SCHEMA",
    "Result",
    "atomic_write_json",
    "file_name",
    "identity_hash",
    "iter_results",
    "method_name",
    "read_result",
    "result_path",
    "shared_mode",
    "variant_name",
    "write_result",
]
