"""The run folder: guards before a run, run.json, checkpoints, and what is done already.

Layout: see :mod:`rntk_bench.records.files`. Checkpoints live in
``partial/<Dataset>/<family>-r<resample>-<unit id>/block-<k>.json`` until every block
of a unit is in and its result files are written.
"""

from __future__ import annotations

import json
import platform
import shutil
from collections.abc import Mapping
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
        probe = run_dir / ".write-test"
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


def save_checkpoint(path: Path, scores: BlockScores) -> None:
    atomic_write_json(path, {"scores": scores.__dict__})


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
    """Remove a unit's checkpoint folder, then partial/<Dataset>/ and partial/ once empty."""
    shutil.rmtree(folder, ignore_errors=True)
    for parent in (folder.parent, folder.parent.parent):
        try:
            parent.rmdir()  # refuses a folder that is not empty
        except OSError:
            break


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
