"""tools/compare_runs.py: result files compared field by field, timing and environment aside."""

from __future__ import annotations

import copy
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "compare_runs.py"
REL = "runs/GunPoint/rbf-r0-0123456789ab.json"
OTHER = "runs/Coffee/linear-r0-ba9876543210.json"


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compare_runs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


compare_runs = _load_tool()


def _payload() -> dict[str, Any]:
    return {
        "identity": {"dataset": "GunPoint", "kernel": "rbf", "resample": 0},
        "dataset": {"name": "GunPoint", "n_train": 2, "n_test": 3},
        "kernel": "rbf",
        "grid": "quick",
        "protocol": {"folds": 2, "c_grid": [0.1, 1.0]},
        "resample": 0,
        "selected": {"setting": {"gamma": 0.5}, "C": 1.0, "cv_accuracy": 0.75, "cv_std": 0.1},
        "cv": {
            "settings": [{"gamma": 0.5}],
            "c_grid": [0.1, 1.0],
            "mean": [[float("nan"), 0.75]],
            "std": [[float("nan"), 0.1]],
        },
        "test": {
            "accuracy": 2 / 3,
            "n_test": 3,
            "y_true": [0, 1, 1],
            "y_pred": [0, 1, 0],
            "scores": [0.5, -0.25, 0.125],
            "probabilities": [[0.6, 0.4], [0.3, 0.7], [0.55, 0.45]],
        },
        "timing": {"total": 1.5},
        "environment": {"host": "a", "started": "2024-01-01T00:00:00"},
        "schema": "rntk-bench/result/1",
        "id": "0123456789abcdef",
    }


def _write(run_dir: Path, rel: str, payload: dict[str, Any]) -> None:
    path = run_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    # json.dumps writes NaN as NaN, as the result writer does
    path.write_text(json.dumps(payload, indent=1))


def _runs(tmp_path: Path, new: dict[str, Any] | None = None) -> tuple[Path, Path]:
    base_dir, new_dir = tmp_path / "base", tmp_path / "new"
    _write(base_dir, REL, _payload())
    _write(new_dir, REL, new if new is not None else _payload())
    _write(base_dir, OTHER, _payload())
    _write(new_dir, OTHER, _payload())
    return base_dir, new_dir


def _run(base: Path, new: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = compare_runs.main([str(base), str(new)])
    return status, capsys.readouterr().out


def test_identical_runs_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _run(*_runs(tmp_path), capsys)
    assert status == 0
    assert out.strip().splitlines()[-1] == (
        "2 result files compared: 2 identical, 0 differ, 0 only in base, 0 only in new"
    )


def test_changed_prediction_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    changed = _payload()
    changed["test"]["y_pred"][2] = 1
    status, out = _run(*_runs(tmp_path, changed), capsys)
    assert status == 1
    (line,) = [row for row in out.splitlines() if row.startswith("DIFFER")]
    assert REL in line and "test.y_pred" in line
    assert "test.y_true" not in line
    assert "1 differ" in out.splitlines()[-1]


def test_timing_and_environment_are_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = _payload()
    changed["timing"] = {"total": 99.0, "refit": 3.0}
    changed["environment"]["host"] = "b"
    status, out = _run(*_runs(tmp_path, changed), capsys)
    assert status == 0, out
    assert "2 identical" in out


def test_nan_equals_nan_but_floats_compare_bit_for_bit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _ = _run(*_runs(tmp_path / "same"), capsys)
    assert status == 0  # cv.mean holds NaN on both sides
    changed = _payload()
    changed["cv"]["mean"][0][0] = 0.5  # NaN -> a number
    changed["selected"]["cv_accuracy"] = 0.75 + 2**-52  # one unit in the last place
    status, out = _run(*_runs(tmp_path / "changed", changed), capsys)
    assert status == 1
    assert "cv.mean (1 entry)" in out and "selected.cv_accuracy" in out


def test_type_and_key_changes_differ() -> None:
    base = _payload()
    new = copy.deepcopy(base)
    new["test"]["n_test"] = 3.0  # int -> float
    new["selected"]["fallback"] = True  # a new key
    del new["selected"]["cv_std"]
    assert compare_runs.compare_payloads(base, new) == [
        "selected.cv_std",
        "selected.fallback",
        "test.n_test",
    ]


def test_missing_files_are_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base_dir, new_dir = _runs(tmp_path)
    (new_dir / OTHER).unlink()
    _write(new_dir, "runs/GunPoint/rbf-r1-ffffffffffff.json", _payload())
    status, out = _run(base_dir, new_dir, capsys)
    assert status == 1
    assert f"ONLY IN BASE  {OTHER}" in out
    assert "ONLY IN NEW   runs/GunPoint/rbf-r1-ffffffffffff.json" in out
    assert out.splitlines()[-1] == (
        "1 result files compared: 1 identical, 0 differ, 1 only in base, 1 only in new"
    )


def test_not_a_run_folder_and_empty_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(tmp_path / "nothing", tmp_path / "nothing", capsys)[0] == 2
    (tmp_path / "empty" / "runs").mkdir(parents=True)
    status, out = _run(tmp_path / "empty", tmp_path / "empty", capsys)
    assert status == 1 and "nothing was compared" in out


def test_command_line(tmp_path: Path) -> None:
    changed = _payload()
    changed["test"]["y_pred"][0] = 1
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, _runs(tmp_path, changed))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "test.y_pred" in done.stdout


def test_pruned_cells_tolerated_only_on_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = _payload()
    changed["cv"]["mean"][0][1] = float("nan")  # pruned in the new run only
    changed["cv"]["std"][0][1] = float("nan")
    changed["cv"]["pruned_cells"] = 1
    base_dir, new_dir = _runs(tmp_path, changed)
    status, out = _run(base_dir, new_dir, capsys)
    assert status == 1 and "cv.mean (1 entry)" in out
    status = compare_runs.main(["--tolerate-pruning", str(base_dir), str(new_dir)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "pruning tolerated: 2 CV cells NaN on one side only, in 1 files" in out
    # a cell scored on both sides still has to agree bit for bit
    changed["cv"]["mean"][0][1] = 0.75 + 2**-52
    changed["selected"]["C"] = 10.0
    _write(new_dir, REL, changed)
    status = compare_runs.main(["--tolerate-pruning", str(base_dir), str(new_dir)])
    out = capsys.readouterr().out
    assert status == 1
    assert "cv.mean (1 entry)" in out and "selected.C" in out
