"""`rntk-bench datasets` and `rntk-bench download`, end to end with CliRunner."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rntk_bench.cli import main
from rntk_bench.data import LOCK_NAME, fetch_dataset


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def error_lines(result: Result) -> list[str]:
    assert "Traceback" not in result.output
    return [line for line in result.stderr.splitlines() if line]


# ---------------------------------------------------------------------- datasets


def test_datasets_table_for_a_suite(home: Path) -> None:
    fetch_dataset("GunPoint", data_dir=home)
    result = run("datasets", "--suite", "ci", "--data-dir", str(home))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "name",
        "archive",
        "train",
        "test",
        "length",
        "channels",
        "classes",
        "missing",
        "bundled",
        "cached",
        "checksum",
    ]
    rows = [line.split() for line in lines[1:-1]]
    pin, tofu = "pinned", "first-use"
    assert rows == [
        ["ArrowHead", "UCR", "36", "175", "251", "1", "3", "no", "yes", "no", pin],
        ["BasicMotions", "UEA", "40", "40", "100", "6", "4", "no", "yes", "no", tofu],
        ["GunPoint", "UCR", "50", "150", "150", "1", "2", "no", "yes", "yes", pin],
        ["ItalyPowerDemand", "UCR", "67", "1029", "24", "1", "2", "no", "yes", "no", pin],
        ["JapaneseVowels", "UEA", "270", "370", "variable", "12", "9", "no", "yes", "no", tofu],
    ]
    assert lines[-1] == f"5 data sets in the suite ci, 1 cached in {home}"


def test_datasets_csv_and_json_cover_the_registry() -> None:
    result = run("datasets", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 174  # 128 UCR, 30 UEA, 16 synthetic
    dodger = next(r for r in rows if r["name"] == "DodgerLoopDay")
    assert (dodger["train"], dodger["test"], dodger["missing"]) == ("78", "80", "yes")

    result = run("datasets", "--suite", "ucr56", "--format", "json")
    items = json.loads(result.stdout)
    assert len(items) == 56
    assert items[0] == {
        "name": "ArrowHead",
        "archive": "UCR",
        "train": 36,
        "test": 175,
        "length": 251,
        "channels": 1,
        "classes": 3,
        "missing": False,
        "bundled": True,
        "cached": False,
        "checksum": "pinned",
    }


def test_datasets_unknown_suite_is_a_usage_error() -> None:
    result = run("datasets", "--suite", "ucr65")
    assert result.exit_code == 2
    assert "'ucr65' is not one of 'ucr56', 'bundled', 'ci'" in result.output


# ---------------------------------------------------------------------- download


def test_download_needs_names_or_a_suite() -> None:
    result = run("download")
    assert result.exit_code == 2
    assert "name at least one data set or a --suite" in result.output


def test_download_unknown_name_is_one_line() -> None:
    result = run("download", "GunPiont")
    assert result.exit_code == 1
    assert error_lines(result) == [
        "Error: unknown data set 'GunPiont'. Did you mean GunPoint, GunPointAgeSpan? List "
        "the valid names with `rntk-bench datasets`."
    ]


def test_download_bundled_then_cached(home: Path) -> None:
    result = run("download", "ItalyPowerDemand", "arrowhead", "--data-dir", str(home))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "ArrowHead         imported from sktime (bundled)  (571.5 KiB, sha256 "
    )
    assert lines[1].startswith("ItalyPowerDemand  imported from sktime (bundled)")
    assert lines[2] == (
        f"2 of 2 data sets ready in {home} (2 imported); checksums in {home / LOCK_NAME}."
    )
    again = run("download", "--suite", "ci", "--data-dir", str(home), "--no-progress")
    assert again.exit_code == 0
    out = again.stdout.splitlines()
    assert [line.split("  ")[0].strip() for line in out[:5]] == [
        "ArrowHead",
        "BasicMotions",
        "GunPoint",
        "ItalyPowerDemand",
        "JapaneseVowels",
    ]
    assert "already cached" in out[0] and "imported from sktime" in out[1]
    assert (
        out[-1].startswith("5 of 5 data sets ready in")
        and "(2 already cached, 3 imported)" in out[-1]
    )


@pytest.mark.ucr
def test_download_from_the_local_archive(ucr_mirror: Path, home: Path) -> None:
    result = run(
        "download", "Coffee", "Wine", "--archive", str(ucr_mirror), "--data-dir", str(home)
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        f"Coffee  imported from archive {ucr_mirror / 'UCRArchive_2018' / 'Coffee'}  (172.3 KiB"
    )
    assert lines[1].startswith("Wine    imported from archive")
    assert (home / "Wine" / "Wine_TEST.tsv").is_file()


@pytest.mark.ucr
def test_download_from_a_source_given_by_env(ucr_server, home: Path) -> None:
    result = run(
        "download",
        "Beef",
        "--data-dir",
        str(home),
        env={"RNTK_BENCH_SOURCE": f"{ucr_server.url}/nothing/{{name}}.zip {ucr_server.template}"},
    )
    assert result.exit_code == 0, result.output
    url = ucr_server.template.format(name="Beef")
    assert result.stdout.splitlines()[0].startswith(f"Beef  downloaded from {url}  (")
    assert ucr_server.requests == ["/nothing/Beef.zip", "/Beef.zip"]


@pytest.mark.ucr
@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("404", "Error: Beef: download from {url} failed: HTTP 404 Not Found. Fix: "),
        ("truncated", "Error: Beef: download from {url} failed: connection broken before"),
        ("corrupt", "Error: Beef from {url}: not a valid zip file ("),
        ("wrong_shape", "Error: Beef from {url}: Beef_TRAIN.ts has 29 training series"),
    ],
)
def test_download_errors_are_one_line_and_others_still_download(
    ucr_server, home: Path, mode: str, expected: str
) -> None:
    ucr_server.modes["Beef"] = mode
    url = ucr_server.template.format(name="Beef")
    result = run(
        "download", "Beef", "Wine", "--source", ucr_server.template, "--data-dir", str(home)
    )
    assert result.exit_code == 1
    errors = error_lines(result)
    assert len(errors) == 1  # one line per failed data set, no second summary error
    assert errors[0].startswith(expected.format(url=url))
    out = result.stdout.splitlines()
    assert out[0].startswith("Wine  downloaded from")
    assert out[1].startswith(f"1 of 2 data sets ready in {home} (1 downloaded)")
    assert out[1].endswith("; failed: Beef (see the error above).")
    assert not (home / "Beef").exists() and (home / "Wine").is_dir()


@pytest.mark.ucr
def test_download_checksum_mismatch_on_refetch(ucr_server, home: Path) -> None:
    args = ["download", "Beef", "--source", ucr_server.template, "--data-dir", str(home)]
    assert run(*args).exit_code == 0
    ucr_server.modes["Beef"] = "changed"
    result = run(*args, "--force")
    assert result.exit_code == 1
    errors = error_lines(result)
    assert len(errors) == 1
    assert errors[0].startswith("Error: Beef: checksum mismatch for http://127.0.0.1:")
    assert "delete the URL's entry from the lock file" in errors[0]
    assert run(*args).stdout.startswith("Beef  already cached")
