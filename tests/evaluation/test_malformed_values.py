"""Malformed values anywhere a user can type them: one line, exit 1 (click's own usage
errors, exit 2, for options with a declared range), never a traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from rntk_bench.cli import main

GRIDS = {
    "base-list": "base: [1]\n",
    "base-mapping": "base: {a: 1}\n",
    "value-bool": "rntk: {sigma_w: [true]}\n",
    "value-nested": "rntk: {sigma_w: [[1, 2]]}\n",
    "value-mapping": "rbf: {gamma_scale: {a: 1}}\n",
    "rbf-text": "rbf: {gamma_scale: [x]}\n",
    "fc-depth-list": "fc: {depth: [[1]]}\n",
    "fc-depth-text": "fc: {depth: [two]}\n",
    "params-list": "rntk: [1, 2]\n",
    "top-list": "- 1\n",
}


def _one_line(result, code: int = 1) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line]
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.parametrize("name", sorted(GRIDS))
def test_grid_files_with_wrong_types_at_any_level(tmp_path, name):
    grid = tmp_path / f"{name}.yaml"
    grid.write_text(GRIDS[name])
    result = CliRunner().invoke(
        main,
        [
            "run",
            "GunPoint",
            "--grid",
            str(grid),
            "--kernels",
            "rntk,rbf,ntk",
            "--results-dir",
            str(tmp_path / "r"),
            "-q",
        ],
    )
    line = _one_line(result)
    assert line.startswith("Error: ") and ("grid" in line)
    assert not (tmp_path / "r").exists() or not list((tmp_path / "r").rglob("*.json"))


def test_a_binary_grid_file(tmp_path):
    grid = tmp_path / "g.yaml"
    grid.write_bytes(b"\xff\xfe\x00garbage")
    result = CliRunner().invoke(main, ["run", "GunPoint", "--grid", str(grid), "-q"])
    assert "is not valid YAML" in _one_line(result)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dask-scheduler", "garbage"], "is not a Dask address"),
        (["--dask-scheduler", "http://x:1"], "is not a Dask address"),
        (["--dask-scheduler", "tcp://host:notaport"], "is not a Dask address"),
        (["--dask-local", "0"], "--dask-local) must be a number of workers >= 1"),
        (["--dask-local", "-2"], "--dask-local) must be a number of workers >= 1"),
        (["--resamples", "1000000000"], "must be at most 1000"),
        (["--resamples", "0"], "resamples must be >= 1"),
    ],
)
def test_run_values_that_cannot_work(tmp_path, args, message):
    result = CliRunner().invoke(
        main,
        [
            "run",
            "GunPoint",
            "--kernels",
            "linear",
            "--grid",
            "quick",
            "-q",
            "--results-dir",
            str(tmp_path / "r"),
            *args,
        ],
    )
    assert message in _one_line(result)
    assert not list((tmp_path / "r").rglob("runs/*/*.json"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seed", "-1"], "'--seed': -1 is not in the range x>=0"),
        (["--width", "0"], "'--width': 0 is not in the range x>=1"),
        (["--networks", "1"], "'--networks': 1 is not in the range x>=2"),
        (["--layers", "0"], "'--layers': 0 is not in the range x>=1"),
    ],
)
def test_verify_values_that_cannot_work_are_click_usage_errors(args, message):
    result = CliRunner().invoke(main, ["verify", *args])
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output


def test_verify_refuses_a_width_beyond_the_memory_up_front():
    result = CliRunner().invoke(main, ["verify", "--width", "100000000"])
    line = _one_line(result)
    assert "needs about" in line and "GiB of memory per random network" in line
    assert "Use a smaller --width" in line
