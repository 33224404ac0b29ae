"""The run folder: guards before a run, run.json, checkpoints, and what is done already.

Layout: see :mod:`rntk_bench.records.files`. Checkpoints live in
``partial/<Dataset>/<family>-r<resample>-<unit id>/block-<k>.json`` until every block
of a unit is in and its result files are written.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
from collections.abc import Collection, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from rntk_bench._version import __version__
from rntk_bench.errors import InputError, ResultError
from rntk_bench.evaluation.blocks import BlockScores
from rntk_bench.evaluation.protocol import Protocol, protocol_changes
from rntk_bench.experiment.config import RunConfig
from rntk_bench.experiment.events import ResultSkipped, Warned
from rntk_bench.records import atomic_write_json, read_result

__all__ = [
    "already_done",
    "check_same_protocol",
    "check_writable",
    "drop_checkpoints",
    "drop_finished_checkpoints",
    "load_checkpoint",
    "save_checkpoint",
    "versions",
    "write_run_json",
]


def versions() -> dict[str, str]:
    """Versions of the package, Python and the libraries that determine results."""
    out = {"rntk-bench": __version__, "python": platform.python_version()}
    for package in ("numpy", "scipy", "scikit-learn", "numba", "pandas", "sktime", "joblib"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:  # pragma: no cover
            pass
    return out


def check_writable(run_dir: Path) -> None:
    """Create the run folder and refuse it in one line when it cannot be written."""
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        # one probe per process: a concurrent run into this folder probes too
        probe = run_dir / f".write-test-{os.getpid()}"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ResultError(
            f"the results folder {run_dir} is not writable ({exc.strerror or exc}); "
            "choose another with --results-dir or fix its permissions."
        ) from None


def check_same_protocol(run_dir: Path, protocol: Protocol) -> None:
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


def write_run_json(
    run_dir: Path, config: RunConfig, executor: str, run_versions: Mapping[str, str]
) -> None:
    """The configuration of this invocation, without wall-clock time.

    run.json is committed beside reports, and rerunning the same configuration must
    leave it unchanged (each result file has its times).
    """
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
            "executor": executor,
            "versions": dict(run_versions),
        },
    )


def save_checkpoint(path: Path, scores: BlockScores, results: Sequence[str] = ()) -> None:
    """Save a block's scores with the result files (relative paths) they are for.

    The result files let a later run tell a finished unit's leftover checkpoints from
    work still to do (:func:`drop_finished_checkpoints`).
    """
    atomic_write_json(path, {"scores": scores.__dict__, "results": list(results)})


def load_checkpoint(path: Path) -> BlockScores | None:
    """A block's saved scores; None when absent or torn (then it is recomputed)."""
    if not path.exists():
        return None
    try:
        return BlockScores(**json.loads(path.read_text())["scores"])
    except (OSError, ValueError, KeyError, TypeError):
        path.unlink(missing_ok=True)  # a torn checkpoint: recompute that block
        return None


def drop_checkpoints(folder: Path) -> None:
    """Remove a unit's checkpoint folder, then partial/<Dataset>/ and partial/ once empty.

    Called once the unit's results are all written, so the checkpoints are done with,
    also for a concurrent run computing the same unit (it holds its scores in memory,
    and its next checkpoint makes the folder again: see ``atomic_write_json``).
    """
    shutil.rmtree(folder, ignore_errors=True)
    for parent in (folder.parent, folder.parent.parent):
        try:
            parent.rmdir()  # refuses a folder that is not empty
        except OSError:
            break


def drop_finished_checkpoints(run_dir: Path, keep: Collection[Path] = ()) -> None:
    """Remove the checkpoint folders whose result files are all written and valid.

    What a run leaves when it stops between writing a unit's results and removing its
    checkpoints (a closed pipe, kill -9, a full disk). A folder goes only when each of
    its checkpoints names its result files and every one of them is a valid result;
    checkpoints of older versions name none and stay, and so do the folders in
    ``keep`` (the units this run computes: ``--overwrite`` resumes from them).
    """
    valid: dict[str, bool] = {}

    def is_done(name: Any) -> bool:
        if not isinstance(name, str) or name.split("/")[0] != "runs" or ".." in name:
            return False
        if name not in valid:
            try:
                read_result(run_dir / name)
                valid[name] = True
            except ResultError:
                valid[name] = False
        return valid[name]

    for folder in sorted((run_dir / "partial").glob("*/*")):
        if folder in keep or not folder.is_dir():
            continue
        names: list[Any] = []
        for block in folder.glob("block-*.json"):
            try:
                names += json.loads(block.read_text())["results"] or [None]
            except (OSError, ValueError, KeyError, TypeError):
                names.append(None)  # unreadable, or of an older version: keep
        if names and all(is_done(name) for name in names):
            drop_checkpoints(folder)


def already_done(path: Path, name: str, method: str, resample: int, skipped: list[Any]) -> bool:
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
