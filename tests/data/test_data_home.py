"""RNTK_BENCH_DATA that cannot be a folder: one line naming the variable, its value and the fix."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from rntk_bench.cli import main
from rntk_bench.data import data_home
from rntk_bench.errors import InputError


@pytest.mark.parametrize("under", [False, True])
def test_a_data_home_variable_naming_a_file_is_one_line_in_every_command(
    tmp_path, monkeypatch, under
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    value = str(blocker / "sub" if under else blocker)
    monkeypatch.setenv("RNTK_BENCH_DATA", value)
    what = f"lies under the file {blocker}" if under else "is a file"
    expected = (
        f"Error: RNTK_BENCH_DATA={value!r} {what}; it must name a folder (the data home, "
        "made if missing): point RNTK_BENCH_DATA at a folder, or unset it to use the "
        "default cache folder (--data-dir overrides it for one command)."
    )
    results = tmp_path / "results"
    for args in (
        ["download", "ItalyPowerDemand"],
        ["datasets", "--suite", "ci"],
        ["run", "ItalyPowerDemand", "--kernels", "linear", "--results-dir", str(results)],
    ):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, result.output
        assert [line for line in result.stderr.splitlines() if line] == [expected]
    assert blocker.read_text() == "not a folder"
    with pytest.raises(InputError, match="RNTK_BENCH_DATA"):
        data_home()


def test_data_dir_overrides_a_bad_variable_and_a_missing_folder_is_fine(tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("RNTK_BENCH_DATA", str(tmp_path / "a-file"))
    assert data_home(tmp_path / "other") == tmp_path / "other"
    monkeypatch.setenv("RNTK_BENCH_DATA", str(tmp_path / "new" / "home"))
    assert data_home() == tmp_path / "new" / "home"  # made when something is written
