"""`rntk-bench run` end to end: output, skipping, one-line errors, surviving kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from click.testing import CliRunner

from rntk_bench.cli import main
from rntk_bench.records import iter_results

from .conftest import TINY_GRID, run_command


def _grid(tmp_path: Path) -> str:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_GRID)
    return str(path)


def test_run_twice_second_time_skips(tmp_path):
    args = [
        "run",
        "GunPoint",
        "--kernels",
        "rntk,rbf",
        "--grid",
        _grid(tmp_path),
        "--folds",
        "5",
        "--results-dir",
        str(tmp_path / "results"),
        "--name",
        "demo",
        "-q",
        "--n-jobs",
        "1",
    ]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "0 results already done, 2 to compute" in first.output
    assert first.output.count("GunPoint") == 1  # the one-line summary
    assert "rntk 0." in first.output and "rbf 0." in first.output
    assert "2 results written" in first.output
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0
    assert "2 results already done, 0 to compute" in second.output
    assert "0 results written, 2 already present" in second.output
    assert len(list(iter_results(tmp_path / "results" / "demo"))) == 2


def test_dataset_lines_follow_the_kernel_order_and_no_bar_off_a_terminal(tmp_path):
    # linear and rbf finish long before the RNTK block; the line still follows --kernels.
    args = ["run", "GunPoint", "--kernels", "rntk,linear,rbf", "--grid", _grid(tmp_path)]
    args += ["--folds", "5", "--results-dir", str(tmp_path / "results"), "--n-jobs", "1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    line = next(li for li in result.stdout.splitlines() if li.startswith("GunPoint"))
    assert [w for w in line.split() if w.isalpha()][1:] == ["rntk", "linear", "rbf"]
    # Not -q, but stderr is no terminal here: no progress bar in logs.
    assert "of the work" not in result.stderr and "tasks" not in result.stderr


def test_bad_input_is_one_line_and_exit_1(tmp_path):
    runner = CliRunner()
    cases = [
        (["run", "GunPoint", "--kernels", "lstm"], "unknown method 'lstm'"),
        (["run", "NoSuchData"], "NoSuchData"),
        (["run", "GunPoint", "--c-grid", "1,x"], "--c-grid must be comma-separated numbers"),
        (["run", "GunPoint", "--folds", "1"], "folds must be an integer >= 2"),
        (["run", "GunPoint", "--grid", str(tmp_path / "none.yaml")], "does not exist"),
        (["run", "GunPoint", "--n-jobs", "0"], "n_jobs must be >= 1 or -1"),
    ]
    for args, message in cases:
        result = runner.invoke(main, [*args, "--results-dir", str(tmp_path / "r")])
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output
        assert "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output


def test_no_names_is_a_usage_error():
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 2 and "give data set names or --suite" in result.output


def test_kill_minus_9_loses_nothing_finished(tmp_path):
    """SIGKILL mid-run, rerun: finished results are kept, the rest completes identically."""
    args = run_command(tmp_path, "k", 4, "--n-jobs", "1")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    run_dir = tmp_path / "results" / "k"
    deadline = time.time() + 120
    while time.time() < deadline:  # wait for the first finished result, then kill
        if list((run_dir / "runs").rglob("*.json")) if (run_dir / "runs").exists() else []:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    kept = {p: p.read_bytes() for p in (run_dir / "runs").rglob("*.json")}
    assert kept, "nothing finished before the kill"
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(kept)} already present" in done.stdout
    for path, content in kept.items():
        assert path.read_bytes() == content  # untouched
    results = [r for _, r in iter_results(run_dir)]
    assert len(results) == 6 and not [r for r in results if isinstance(r, Exception)]


def test_run_names_must_be_plain_folder_names(tmp_path):
    """--name cannot lead outside --results-dir (absolute, separators, '..')."""
    results = tmp_path / "results"
    for bad in ("../escape", "..", ".", str(tmp_path / "abs"), "a/b", "a\\b", " ", "x\ny"):
        result = CliRunner().invoke(
            main,
            [
                "run",
                "GunPoint",
                "--kernels",
                "linear",
                "--results-dir",
                str(results),
                "--name",
                bad,
                "-q",
                "--n-jobs",
                "1",
            ],
        )
        assert result.exit_code == 1, (bad, result.output)
        (line,) = result.output.strip().splitlines()
        assert line.startswith("Error: --name must be a plain folder name"), line
        assert not results.exists() and not (tmp_path / "escape").exists()
        assert not (tmp_path / "abs").exists()
