"""Result files: one JSON file per (data set, kernel, protocol, resample).

Layout of a run folder::

    results/<run-name>/
        run.json                                   the configuration of the last invocation
        runs/<Dataset>/<kernel>-r<resample>-<id12>.json   one result (present means done)
        partial/...                                checkpoints of unfinished work

A result file is written to a temporary file in the same folder and renamed, so a
file that exists is complete. Its ``id`` is the sha256 of everything that determines
it (``identity``): a rerun with the same identity skips it, any change recomputes.
Reporting reads these files only (:func:`iter_results`, :func:`load_results`).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rntk_bench.errors import ResultError
from rntk_bench.records.naming import file_name

__all__ = [
    "SCHEMA",
    "Result",
    "atomic_write_json",
    "identity_hash",
    "iter_results",
    "read_result",
    "result_path",
    "shared_mode",
    "write_result",
]

SCHEMA = "rntk-bench/result/1"


def identity_hash(identity: Mapping[str, Any]) -> str:
    """sha256 hex digest of a JSON-serialisable identity (key order irrelevant)."""
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Result:
    """Everything one experiment produced; see the module docstring.

    Attributes
    ----------
    identity : dict
        What determines the result: data set and its checksum, kernel, grid settings,
        protocol, resample, seed, package version. ``id`` is its hash.
    dataset : dict
        name, n_train, n_test, n_classes, n_channels, length, checksum, source,
        classes (the original labels in code order: ``classes[code]``).
    kernel : str
        Registered kernel name (the method's name in leaderboards).
    grid : str
        Grid name or file the settings came from.
    protocol : dict
        folds, c_grid, preprocessing, normalisation, seed, cv scheme actually used.
    resample : int
        0 is the archive's official split; k > 0 a re-split of train+test with the
        official class counts (tsml-eval's / aeon's stratified resample k).
    selected : dict
        setting, resolved (data-derived values), C, cv_accuracy.
    cv : dict
        settings (list), c_grid, mean and std (lists of n_settings lists of n_C floats).
    test : dict
        accuracy, n_test, y_true, y_pred (class codes), scores (per-class decision
        scores, or the binary margin) and probabilities (n_test lists of n_classes),
        see :mod:`rntk_bench.svm.decision`; exports read them, never refit.
        Older result files may lack scores and probabilities.
    timing : dict
        seconds: gram_train, svm_select, gram_test, svm_test, total; refit (training
        Gram + fit of the chosen setting) and predict (test Gram + prediction).
    environment : dict
        host, backend, device, versions, started, finished.
    """

    identity: dict[str, Any]
    dataset: dict[str, Any]
    kernel: str
    grid: str
    protocol: dict[str, Any]
    resample: int
    selected: dict[str, Any]
    cv: dict[str, Any]
    test: dict[str, Any]
    timing: dict[str, Any]
    environment: dict[str, Any]
    schema: str = SCHEMA
    id: str = field(default="")

    def __post_init__(self) -> None:
        if not self.id:
            self.id = identity_hash(self.identity)

    @property
    def accuracy(self) -> float:
        return float(self.test["accuracy"])

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def result_path(run_dir: Path, dataset: str, kernel: str, resample: int, result_id: str) -> Path:
    """Where the result with this identity lives in ``run_dir``."""
    return run_dir / "runs" / dataset / f"{file_name(kernel)}-r{resample}-{result_id[:12]}.json"


def atomic_write_json(path: Path, payload: Mapping[str, Any]) -> None:
    """Write JSON to a temporary file in the same folder, then rename it into place.

    The folder is made when missing, and made again when it vanishes mid-write: a
    concurrent run into the same run folder removes a unit's checkpoint folder (and
    ``partial/`` once empty) when that unit's results are written. A failed write
    (a full disk) raises an OSError that names ``path``, never the temporary file.
    """
    text = json.dumps(payload, indent=1, default=_json_default)
    for attempt in range(_ATTEMPTS):
        try:
            _write_replace(path, text)
            return
        except FileNotFoundError:
            if attempt == _ATTEMPTS - 1:
                raise


# Writes that lose their folder to a concurrent run start over this many times.
_ATTEMPTS = 5


def _write_replace(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _naming(exc, path) from None
    try:
        # mkstemp creates 0600 files; results are shared, so give the permissions a
        # plain open() would (0644 under the usual umask 022).
        os.fchmod(fd, shared_mode())
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename in (None, tmp):
            raise _naming(exc, path) from None  # a write (ENOSPC) names no file at all
        raise


def _naming(exc: OSError, path: Path) -> OSError:
    """The same error (same errno, same subclass) naming ``path``, not its temporary."""
    return OSError(exc.errno, exc.strerror, str(path))


def shared_mode() -> int:
    """The permissions a plain open() gives a new file: 0o666 less the umask (0644 usually).

    mkstemp creates 0600 files; files others read (results, run.json, checkpoints, the
    Gram cache) get these instead.
    """
    mask = os.umask(0o022)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return 0o666 & ~mask


def _json_default(value: Any) -> Any:
    # numpy scalars and arrays, Paths
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def write_result(run_dir: Path, result: Result) -> Path:
    """Write ``result`` atomically into ``run_dir``; returns its path."""
    path = result_path(run_dir, result.dataset["name"], result.kernel, result.resample, result.id)
    atomic_write_json(path, result.to_json())
    return path


def read_result(path: Path) -> Result:
    """Read one result file.

    Raises
    ------
    ResultError
        If the file is not valid JSON or not a result of this schema.
    """
    try:
        payload = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ResultError(
            f"result file {path} is unreadable ({exc}); delete it to recompute."
        ) from None
    if not isinstance(payload, dict) or payload.get("schema") != SCHEMA:
        raise ResultError(f"{path} is not a rntk-bench result (schema {SCHEMA}).")
    try:
        result = Result(**payload)
    except TypeError as exc:
        raise ResultError(
            f"result file {path} is incomplete ({exc}); delete it to recompute."
        ) from None
    problem = _invalid_contents(result)
    if problem:
        raise ResultError(
            f"result file {path} has invalid contents ({problem}); delete it to recompute."
        )
    if result.id != identity_hash(result.identity):
        raise ResultError(f"result file {path} does not match its identity hash; delete it.")
    return result


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _invalid_contents(result: Result) -> str:
    """What is wrong with a parsed result's values ("" when they can be used).

    A file that passes counts as done for ``run`` and as data for ``report``; one
    that fails is corrupt for both (recomputed by run, listed by report).
    """
    for name in ("identity", "dataset", "protocol", "selected", "cv", "test", "timing"):
        if not isinstance(getattr(result, name), dict):
            return f"{name} is not a mapping"
    if not isinstance(result.id, str) or not isinstance(result.kernel, str) or not result.kernel:
        return "id and kernel must be strings"
    if not isinstance(result.dataset.get("name"), str) or not result.dataset["name"]:
        return "dataset.name is missing"
    if not _is_int(result.resample) or result.resample < 0:
        return f"resample must be an integer >= 0; got {result.resample!r}"
    test = result.test
    accuracy = test.get("accuracy")
    if not isinstance(accuracy, (int, float)) or isinstance(accuracy, bool):
        return f"test.accuracy must be a number; got {accuracy!r}"
    if not (math.isfinite(accuracy) and 0.0 <= accuracy <= 1.0):
        return f"test.accuracy must be in [0, 1]; got {accuracy!r}"
    y_true, y_pred, n_test = test.get("y_true"), test.get("y_pred"), test.get("n_test")
    if not (isinstance(y_true, list) and isinstance(y_pred, list)):
        return "test.y_true and test.y_pred must be lists"
    if not _is_int(n_test) or not len(y_true) == len(y_pred) == n_test:
        return "test.n_test, y_true and y_pred disagree in length"
    if (
        n_test
        and abs(sum(a == b for a, b in zip(y_true, y_pred, strict=True)) / n_test - accuracy) > 1e-9
    ):
        return "test.accuracy disagrees with y_true and y_pred"
    return ""


def iter_results(
    run_dir: Path, *, strict: bool = False
) -> Iterator[tuple[Path, Result | ResultError]]:
    """Every result file under ``run_dir``/runs, in a stable order.

    Yields
    ------
    (path, Result) for valid files, (path, ResultError) for unreadable ones when
    ``strict`` is False (reporting lists them); with ``strict`` the error is raised.
    """
    root = Path(run_dir) / "runs"
    for path in sorted(root.glob("*/*.json")):
        try:
            yield path, read_result(path)
        except ResultError as exc:
            if strict:
                raise
            yield path, exc
