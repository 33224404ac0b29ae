"""A disk that fills up: one line naming the file, nothing lost, the rerun resumes identically.

The full disk is simulated: ``os.fsync`` (every atomic write of a checkpoint, result or
run.json calls it once) raises ENOSPC after some calls, and for the data home, the
writes into its staging folder do.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from rntk_bench.cli import main
from rntk_bench.data import fetch_dataset
from rntk_bench.records import atomic_write_json

RUN = [
    "run",
    "ItalyPowerDemand",
    "GunPoint",
    "--kernels",
    "linear,rbf",
    "--grid",
    "quick",
    "--folds",
    "3",
    "-q",
    "--n-jobs",
    "1",
]


def _full() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _fsync_fails_after(monkeypatch: pytest.MonkeyPatch, calls: int) -> dict[str, bool]:
    """Returns the switch that frees the space (monkeypatch.undo would also undo the
    isolated data home)."""
    real, count, disk = os.fsync, [0], {"full": True}

    def fsync(fd: int) -> None:
        count[0] += 1
        if count[0] > calls and disk["full"]:
            raise _full()
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return disk


def contents(run_dir: Path) -> dict[str, str]:
    """Each result file's JSON without timing and environment (NaN == NaN as text)."""
    out = {}
    for path in sorted((run_dir / "runs").glob("*/*.json")):
        payload = json.loads(path.read_text())
        del payload["timing"], payload["environment"]
        out[path.relative_to(run_dir).as_posix()] = json.dumps(payload, sort_keys=True)
    return out


def _one_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.mark.parametrize(
    ("writes", "tasks_left"),
    [(3, 3), (4, 2)],  # run.json, block 1, result 1 | and block 2: its result does not fit
)
def test_a_disk_that_fills_mid_run_is_one_line_and_the_rerun_resumes_identically(
    tmp_path, monkeypatch, writes, tasks_left
):
    for name in ("ItalyPowerDemand", "GunPoint"):
        fetch_dataset(name)  # the data home is not what fills up here
    args = [*RUN, "--results-dir", str(tmp_path), "--name", "r"]
    disk = _fsync_fails_after(monkeypatch, writes)
    line = _one_error(CliRunner().invoke(main, args))
    run_dir = tmp_path / "r"
    assert line.startswith(f"Error: no space left on device while writing {run_dir}/"), line
    assert line.endswith(
        ": free space and rerun the same command to resume (1 results written are kept)."
    ), line
    written = Path(line.split(" while writing ")[1].split(": free space")[0])
    assert written.suffix == ".json" and not written.name.startswith(".")  # not a temporary
    assert not list(run_dir.rglob("*.tmp"))
    kept = {p: p.read_bytes() for p in (run_dir / "runs").rglob("*.json")}
    assert len(kept) == 1
    disk["full"] = False
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.output
    # the block whose result did not fit is restored, not computed again
    assert f"1 results already done, 3 to compute in {tasks_left} tasks" in again.output
    assert all(path.read_bytes() == data for path, data in kept.items())
    assert not (run_dir / "partial").exists()
    clean = CliRunner().invoke(main, [*RUN, "--results-dir", str(tmp_path), "--name", "clean"])
    assert clean.exit_code == 0, clean.output
    assert len(contents(run_dir)) == 4
    assert contents(run_dir) == contents(tmp_path / "clean")


def test_a_full_gram_cache_disk_is_one_warning_and_the_run_goes_on(tmp_path, monkeypatch):
    """The cache is an optimisation: a full cache disk is a warning, never lost results."""

    def savez(*args, **kwargs):
        raise _full()

    for name in ("ItalyPowerDemand", "GunPoint"):
        fetch_dataset(name)  # both runs read the data from the cache
    real = np.savez
    monkeypatch.setattr(np, "savez", savez)
    cache = tmp_path / "cache"
    args = [*RUN, "--results-dir", str(tmp_path), "--gram-cache", str(cache)]
    result = CliRunner().invoke(main, [*args, "--name", "r"])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("Warning:")]
    assert warnings and all("No space left on device" in w for w in warnings), result.output
    assert all(str(cache) in w and "going on without caching" in w for w in warnings)
    assert all("Free space on its disk" in w and "permissions" not in w for w in warnings)
    assert not list(cache.rglob("*.npz"))
    monkeypatch.setattr(np, "savez", real)
    clean = CliRunner().invoke(main, [*RUN, "--results-dir", str(tmp_path), "--name", "clean"])
    assert clean.exit_code == 0, clean.output
    assert len(contents(tmp_path / "r")) == 4
    assert contents(tmp_path / "r") == contents(tmp_path / "clean")


class _FullHandle:
    """A file whose writes fail as on a full disk."""

    def __init__(self, handle) -> None:
        self._handle = handle

    def write(self, data) -> int:
        raise _full()

    def __getattr__(self, name: str):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._handle.close()


def _staged_writes_fail(monkeypatch: pytest.MonkeyPatch, ending: str) -> None:
    """Writes into the data home's staging folder of files named ``*ending`` fail."""
    real = Path.open

    def open_(self, mode="r", *args, **kwargs):
        handle = real(self, mode, *args, **kwargs)
        if "w" in mode and ".staging-" in str(self) and self.name.endswith(ending):
            return _FullHandle(handle)
        return handle

    monkeypatch.setattr(Path, "open", open_)


def _full_home_line(home: Path, args: list[str]) -> None:
    line = _one_error(CliRunner().invoke(main, [*args, "--data-dir", str(home)]))
    assert line == (
        f"Error: no space left on device while writing {home}: free space and rerun the "
        "same command to resume (finished work is kept)."
    )
    assert sorted(p.name for p in home.iterdir()) in ([], ["sha256.lock.json"])  # no leftovers


def test_a_full_data_home_is_reported_against_the_data_home_not_the_source(tmp_path, monkeypatch):
    """A copy (sktime's bundled files) fails naming its source first: the home is named."""
    real = shutil.copyfile

    def copyfile(src, dst, **kwargs):
        if ".staging-" in str(dst):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(src), None, str(dst))
        return real(src, dst, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", copyfile)
    _full_home_line(tmp_path / "home", ["download", "ItalyPowerDemand"])


def test_a_full_data_home_while_generating_a_synthetic_set(tmp_path, monkeypatch):
    _staged_writes_fail(monkeypatch, "_TRAIN.ts")
    _full_home_line(tmp_path / "home", ["download", "SynthEnd-r0.25-noise0.5"])


@pytest.mark.parametrize("ending", [".part", "_TRAIN.ts"])  # the download, the unzipping
def test_a_full_data_home_while_downloading_or_unzipping(tmp_path, monkeypatch, ucr_server, ending):
    _staged_writes_fail(monkeypatch, ending)
    args = ["download", "Coffee", "--source", ucr_server.template]
    _full_home_line(tmp_path / "home", args)


def test_a_failed_atomic_write_names_the_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    _fsync_fails_after(monkeypatch, 0)
    path = tmp_path / "sub" / "x.json"
    with pytest.raises(OSError) as caught:
        atomic_write_json(path, {"a": 1})
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(path)
    assert list((tmp_path / "sub").iterdir()) == []
