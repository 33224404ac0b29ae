"""Signals and pipes: SIGTERM is Ctrl-C, a closed stdout is one line, kill -9 leaves no workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from rntk_bench.evaluation.protocol import Protocol
from rntk_bench.experiment import RunConfig, run_experiment
from rntk_bench.experiment.events import ResultDone
from rntk_bench.experiment.parallel import executor
from rntk_bench.records import iter_results

from .conftest import run_all, run_command


def _args(tmp_path: Path, *extra: str) -> list[str]:
    return run_command(tmp_path, "s", 2, *extra)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def _wait_for(condition, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def test_sigterm_behaves_like_ctrl_c(tmp_path):
    args = _args(tmp_path, "--n-jobs", "1")
    run_dir = tmp_path / "results" / "s"
    proc = subprocess.Popen(args, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_for(
        lambda: (
            list((run_dir / "partial").rglob("block-*.json"))
            or list((run_dir / "runs").rglob("*.json"))
            if run_dir.exists()
            else False
        )
    )
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    text = err.decode()
    assert "Interrupted (SIGTERM):" in text and "Run the same command again to resume" in text
    assert "Traceback" not in text
    kept = {p: p.read_bytes() for p in (run_dir / "runs").rglob("*.json")}
    saved = list((run_dir / "partial").rglob("block-*.json"))
    assert kept or saved  # checkpoints kept
    done = subprocess.run(args, env=_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    for path, content in kept.items():
        assert path.read_bytes() == content
    assert len([r for _, r in iter_results(run_dir)]) == 6


def test_a_closed_stdout_is_one_line_and_keeps_finished_work(tmp_path):
    args = _args(tmp_path, "--n-jobs", "1")
    command = " ".join(f"'{a}'" for a in args) + " | head -c 10 > /dev/null"
    proc = subprocess.run(
        ["bash", "-c", command + "; exit ${PIPESTATUS[0]}"],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    errors = [line for line in proc.stderr.splitlines() if line]
    assert proc.returncode == 1, proc.stderr
    assert errors == [
        "Error: standard output was closed before the command finished (a pipe such as "
        "`| head` ended early); the rest of the output was dropped, finished work is kept."
    ]
    run_dir = tmp_path / "results" / "s"
    kept = {p: p.read_bytes() for p in (run_dir / "runs").rglob("*.json")}
    done = subprocess.run(args, env=_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and f"{len(kept)} already present" in done.stdout
    for path, content in kept.items():
        assert path.read_bytes() == content
    assert not (run_dir / "partial").exists()  # no checkpoint of a finished unit survives


def test_a_caller_that_stops_at_a_result_event_leaves_no_checkpoint_behind(tmp_path):
    """A closed pipe stops the CLI at the event it prints: the unit's files are complete."""
    config = RunConfig(
        datasets=("ItalyPowerDemand",),
        kernels=("linear", "rbf"),
        grid="quick",
        protocol=Protocol(folds=3),
    )
    run_dir = tmp_path / "run"
    with executor(1) as pool:
        events = run_experiment(config, run_dir, pool)
        first = next(e for e in events if isinstance(e, ResultDone))
        events.close()  # what the BrokenPipeError of printing it does to the generator
    assert first.path.is_file()
    assert not (run_dir / "partial").exists()


def test_checkpoints_of_a_unit_whose_results_are_written_go_at_the_next_start(tmp_path):
    """A run killed between writing a unit's results and removing its checkpoints."""
    config = RunConfig(
        datasets=("ItalyPowerDemand",),
        kernels=("linear",),
        grid="quick",
        protocol=Protocol(folds=3),
    )
    run_dir = tmp_path / "run"
    run_all(config, run_dir)
    (result,) = (p.relative_to(run_dir).as_posix() for p in (run_dir / "runs").rglob("*.json"))
    scores = {"scores": {}}
    stale = run_dir / "partial" / "ItalyPowerDemand" / "linear-r0-aaaaaaaaaaaa"
    missing = run_dir / "partial" / "ItalyPowerDemand" / "linear-r0-bbbbbbbbbbbb"
    older = run_dir / "partial" / "ItalyPowerDemand" / "linear-r0-cccccccccccc"
    for folder, results in [(stale, [result]), (missing, [result, "runs/X/y.json"])]:
        folder.mkdir(parents=True)
        (folder / "block-0.json").write_text(json.dumps({**scores, "results": results}))
    older.mkdir()
    (older / "block-0.json").write_text(json.dumps(scores))  # names no results: kept
    run_all(config, run_dir)
    assert not stale.exists()
    assert missing.is_dir() and older.is_dir()  # work still to do / of an older version


@pytest.mark.skipif(sys.platform != "linux", reason="re-parenting semantics of Linux")
def test_kill_minus_9_of_the_parent_leaves_no_worker_alive(tmp_path):
    args = _args(tmp_path, "--n-jobs", "2", "--settings-per-task", "1")
    proc = subprocess.Popen(args, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(proc.pid)

    def workers() -> list[psutil.Process]:
        try:
            return [c for c in parent.children(recursive=True) if "loky" in " ".join(c.cmdline())]
        except psutil.Error:
            return []

    try:
        _wait_for(lambda: len(workers()) >= 2)
        time.sleep(1.0)  # let them pick up tasks
        children = parent.children(recursive=True)
    finally:
        proc.kill()
        proc.wait()
    assert children
    _, alive = psutil.wait_procs(children, timeout=30)
    for p in alive:  # do not leave them behind if the test fails
        p.kill()
    assert not alive, [p.cmdline() for p in alive]
