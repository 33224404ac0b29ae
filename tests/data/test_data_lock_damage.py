"""A damaged lock file is one line naming the file and the repair, in every command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from rntk_bench.cli import main
from rntk_bench.data import LOCK_NAME, download, fetch_dataset
from rntk_bench.errors import DataError

NAME = "ItalyPowerDemand"  # bundled with sktime: no network


def _damage(lock: Path, how: str) -> None:
    good = json.loads(lock.read_text())
    key = f"cache:{NAME}/{NAME}_TRAIN.ts"
    if how == "folder":
        lock.unlink()
        lock.mkdir()
        (lock / "x").write_text("")
        return
    if how == "binary":
        lock.write_bytes(b"\xff\xfe\x00\x01" * 64)
        return
    if how == "not-json":
        lock.write_text('{"files": {')
        return
    if how == "files-list":
        good["files"] = [1, 2]
    elif how == "top-list":
        good = [good]
    elif how == "entry-string":
        good["files"][key] = "deadbeef"
    elif how == "sha-int":
        good["files"][key]["sha256"] = 12
    elif how == "sha-missing":
        del good["files"][key]["sha256"]
    elif how == "bytes-str":
        good["files"][key]["bytes"] = "many"
    lock.write_text(json.dumps(good))


WHOLE = ["folder", "binary", "not-json", "files-list", "top-list"]
ENTRY = ["entry-string", "sha-int", "sha-missing", "bytes-str"]


@pytest.mark.parametrize("how", WHOLE + ENTRY)
def test_a_damaged_lock_file_is_one_line_with_the_repair(tmp_path, how):
    home = tmp_path / "home"
    download([NAME], data_dir=home)
    lock = home / LOCK_NAME
    _damage(lock, how)
    with pytest.raises(DataError) as exc:
        fetch_dataset(NAME, data_dir=home)
    message = str(exc.value)
    assert str(lock) in message and "\n" not in message
    if how in WHOLE:
        assert "remove it" in message or "delete it" in message
    else:
        assert f"damaged entry 'cache:{NAME}/{NAME}_TRAIN.ts'" in message
        assert f"rntk-bench download {NAME} --force" in message
    for args in (["download", NAME], ["run", NAME, "--kernels", "linear", "-q", "--n-jobs", "1"]):
        result = CliRunner().invoke(
            main,
            [*args, "--data-dir", str(home), "--results-dir", str(tmp_path / "r")]
            if args[0] == "run"
            else [*args, "--data-dir", str(home)],
        )
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        errors = [line for line in result.stderr.splitlines() if line]
        assert len(errors) == 1 and str(lock) in errors[0], result.output


@pytest.mark.parametrize("how", ENTRY)
def test_force_repairs_a_damaged_cache_entry(tmp_path, how):
    home = tmp_path / "home"
    download([NAME], data_dir=home)
    before = json.loads((home / LOCK_NAME).read_text())["files"]
    _damage(home / LOCK_NAME, how)
    (report,) = download([NAME], data_dir=home, force=True)
    assert json.loads((home / LOCK_NAME).read_text())["files"] == before
    assert fetch_dataset(NAME, data_dir=home).checksum == report.checksum


def test_a_damaged_entry_of_another_data_set_does_not_block_this_one(tmp_path):
    home = tmp_path / "home"
    download([NAME, "GunPoint"], data_dir=home)
    lock = home / LOCK_NAME
    data = json.loads(lock.read_text())
    data["files"]["cache:GunPoint/GunPoint_TRAIN.ts"] = None
    lock.write_text(json.dumps(data))
    assert fetch_dataset(NAME, data_dir=home).name == NAME
    with pytest.raises(
        DataError, match=re.escape("damaged entry 'cache:GunPoint/GunPoint_TRAIN.ts'")
    ):
        fetch_dataset("GunPoint", data_dir=home)
