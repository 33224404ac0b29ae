"""Folders that cannot be written: one line naming the path and the fix, in every command."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from click.testing import CliRunner

from rntk_bench.cli import main
from rntk_bench.experiment import engine
from rntk_bench.records import iter_results

RUN = ["run", "GunPoint", "--kernels", "linear,rbf", "--grid", "quick", "--folds", "3", "-q"]


def _one_error(result, path: Path) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line]
    assert len(errors) == 1, result.output
    assert str(path) in errors[0], errors[0]
    return errors[0]


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    results = tmp_path_factory.mktemp("done")
    done = CliRunner().invoke(main, [*RUN, "--results-dir", str(results), "--name", "r"])
    assert done.exit_code == 0, done.output
    return results / "r"


def test_a_file_in_place_of_a_folder_is_one_line_in_every_command(tmp_path, finished):
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    target = blocker / "sub"
    cases = [
        ["download", "GunPoint", "--data-dir", str(target)],
        [*RUN, "--results-dir", str(target)],
        [*RUN, "--results-dir", str(tmp_path / "ok"), "--data-dir", str(target)],
        ["report", str(finished), "--out", str(target), "--no-plots"],
        ["check", str(finished), "--reference", str(target / "ref.csv"), "--update"],
    ]
    for args in cases:
        result = CliRunner().invoke(main, args)
        line = _one_error(result, blocker)
        assert line.startswith("Error: "), line
        assert "Fix:" in line or "choose another" in line, line


def test_a_results_folder_that_turns_read_only_mid_run_keeps_finished_work(tmp_path, monkeypatch):
    original = engine.write_result
    written: list[Path] = []

    def read_only_after_one(run_dir, result):
        if written:
            path = run_dir / "runs" / result.dataset["name"] / "x.json"
            raise PermissionError(errno.EROFS, "Read-only file system", str(path))
        written.append(original(run_dir, result))
        return written[-1]

    monkeypatch.setattr(engine, "write_result", read_only_after_one)
    args = [*RUN, "--results-dir", str(tmp_path), "--name", "r", "--n-jobs", "1"]
    line = _one_error(CliRunner().invoke(main, args), tmp_path / "r" / "runs")
    assert "Read-only file system" in line and "Finished work is kept" in line
    assert len(written) == 1 and written[0].is_file()
    kept = written[0].read_bytes()
    monkeypatch.setattr(engine, "write_result", original)
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.output
    assert "1 results already done, 1 to compute" in again.output
    assert written[0].read_bytes() == kept
    assert len(list(iter_results(tmp_path / "r"))) == 2
