"""The whole archives: UCR 2018 (128) and UEA 2018 (30), their suites, pinned checksums."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from rntk_bench.cli import main
from rntk_bench.data import LOCK_NAME, fetch_dataset, get_registry
from rntk_bench.data import registry as registry_module
from rntk_bench.data._http import DownloadLimits
from rntk_bench.data._lock import ChecksumLock
from rntk_bench.data.cache import dataset_checksum
from rntk_bench.data.registry import registry_path
from rntk_bench.data.sources import DEFAULT_SOURCES, plan
from rntk_bench.errors import ChecksumError, DataError

VARLEN_UCR = {
    "AllGestureWiimoteX",
    "AllGestureWiimoteY",
    "AllGestureWiimoteZ",
    "GestureMidAirD1",
    "GestureMidAirD2",
    "GestureMidAirD3",
    "GesturePebbleZ1",
    "GesturePebbleZ2",
    "PickupGestureWiimoteZ",
    "PLAID",
    "ShakeGestureWiimoteZ",
}
MISSING_UCR = {"DodgerLoopDay", "DodgerLoopGame", "DodgerLoopWeekend", "MelbournePedestrian"}
VARLEN_UEA = {"CharacterTrajectories", "InsectWingbeat", "JapaneseVowels", "SpokenArabicDigits"}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def listed(suite: str) -> list[str]:
    """The names `rntk-bench datasets --suite SUITE` lists."""
    result = run("datasets", "--suite", suite, "--format", "csv")
    assert result.exit_code == 0, result.output
    return [row["name"] for row in csv.DictReader(io.StringIO(result.stdout))]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------- suites


@pytest.mark.parametrize(
    ("suite", "archive", "count"),
    [("ucr128", "UCR", 128), ("ucr112", "UCR", 112), ("uea30", "UEA", 30), ("uea26", "UEA", 26)],
)
def test_archive_suites_list_their_names(suite: str, archive: str, count: int) -> None:
    names = listed(suite)
    assert len(names) == len(set(names)) == count
    assert {get_registry()[n].archive for n in names} == {archive}
    assert names == sorted(names, key=str.lower)  # registry order


def test_the_equal_length_suites_are_the_bake_offs_lists() -> None:
    registry = get_registry()
    ucr128, ucr112 = set(listed("ucr128")), set(listed("ucr112"))
    # The 2023 bake-off (aeon's univariate_equal_length): no variable length, no
    # missing values, and not Fungi (one training series per class).
    assert ucr128 - ucr112 == VARLEN_UCR | MISSING_UCR | {"Fungi"}
    assert ucr128 == {n for n, i in registry.items() if i.archive == "UCR"}
    uea30, uea26 = set(listed("uea30")), set(listed("uea26"))
    assert uea30 - uea26 == VARLEN_UEA
    assert all(registry[n].length is None for n in VARLEN_UEA)
    assert all(registry[n].equal_length and not registry[n].missing for n in ucr112 | uea26)


def test_uea_shapes_follow_the_archive_files() -> None:
    registry = get_registry()
    shape = {
        n: (i.n_train, i.n_test, i.n_channels, i.length, i.n_classes)
        for n, i in registry.items()
        if n in {"DuckDuckGeese", "InsectWingbeat", "PEMS-SF", "EigenWorms", "Epilepsy"}
    }
    assert shape == {
        # The .ts files (and sktime's sizes read off them), not the paper's 60/40.
        "DuckDuckGeese": (50, 50, 1345, 270, 5),
        "EigenWorms": (128, 131, 6, 17984, 5),
        "Epilepsy": (137, 138, 3, 206, 4),
        # Variable length 2-22 in the .ts files; the paper's 30000/20000 x 78 is not.
        "InsectWingbeat": (25000, 25000, 200, None, 10),
        "PEMS-SF": (267, 173, 963, 144, 7),
    }


def test_uea_sizes_and_lists_agree_with_sktime() -> None:
    """sktime's pre-computed sizes (read off the archive's files) and aeon's lists."""
    tags = pytest.importorskip("sktime.datasets.classification.ucr_uea_archive._tags")
    lists = pytest.importorskip("sktime.datasets.tsc_dataset_names")
    registry = get_registry()
    for name in listed("uea30"):
        info, tag = registry[name], tags.DATASET_TAGS[name]
        assert (info.n_train, info.n_test, info.n_classes) == (
            tag["n_instances_train"],
            tag["n_instances_test"],
            tag["n_classes"],
        ), name
    assert set(listed("uea26")) == set(lists.multivariate_equal_length)
    # sktime's copy of the list still holds Fungi; aeon's 112 do not.
    assert set(listed("ucr112")) == set(lists.univariate_equal_length) - {"Fungi"}


def test_every_archive_name_has_its_per_data_set_zip_url(tmp_path: Path) -> None:
    registry = get_registry()
    for name in ("Epilepsy", "PEMS-SF", "InsectWingbeat", "Adiac", "Fungi"):
        steps = plan(
            registry[name],
            ChecksumLock(tmp_path),
            archive=None,
            sources=DEFAULT_SOURCES,
            allow_download=True,
            progress=False,
            limits=DownloadLimits(),
        )
        urls = [step.where for step in steps if step.kind == "url"]
        assert urls == [f"https://timeseriesclassification.com/aeon-toolkit/{name}.zip"]


# ---------------------------------------------------------------- the UCR summary


@pytest.mark.ucr
def test_every_ucr_entry_agrees_with_the_archive_summary(ucr_mirror: Path) -> None:
    text = (ucr_mirror / "DataSummary_UCR.csv").read_text(encoding="utf-8-sig")
    rows = {r["Name"].strip(): r for r in csv.DictReader(io.StringIO(text))}
    registry = get_registry()
    assert set(rows) == set(listed("ucr128"))
    for name, row in rows.items():
        info = registry[name]
        length = None if row["Length"].strip() == "Vary" else int(row["Length"])
        assert (info.n_train, info.n_test, info.n_classes, info.length, info.n_channels) == (
            int(row["Train"]),
            int(row["Test"]),
            int(row["Class"]),
            length,
            1,
        ), name
        assert info.problem_type == row["Type"].strip(), name


# ------------------------------------------------------------------------- pins


@pytest.mark.ucr
def test_pins_are_the_digests_of_the_archive_files_at_hand(ucr_mirror: Path) -> None:
    archive = ucr_mirror / "UCRArchive_2018"
    registry = get_registry()
    at_hand = {
        n
        for n in registry
        if all((archive / n / f"{n}_{s}.tsv").is_file() for s in ("TRAIN", "TEST"))
    }
    assert {"Coffee", "GunPoint", "PLAID"} <= at_hand
    assert {n for n, i in registry.items() if i.pinned} == at_hand
    for name in at_hand:
        files = [archive / name / f"{name}_{s}.tsv" for s in ("TRAIN", "TEST")]
        assert dict(registry[name].sha256) == {f.name: sha256(f) for f in files}, name


@pytest.mark.ucr
def test_an_import_of_the_archive_has_the_checksum_its_pins_give(
    ucr_mirror: Path, home: Path
) -> None:
    """Pins use the lock's definition: result identities of imports do not move."""
    ds = fetch_dataset("Coffee", data_dir=home, archive=ucr_mirror, sources=[])
    assert ds.checksum == dataset_checksum(dict(get_registry()["Coffee"].sha256))


def changed_archive(mirror: Path, root: Path, name: str = "Coffee") -> Path:
    """A copy of the archive's folder of ``name`` with one training value changed."""
    folder = root / name
    shutil.copytree(mirror / "UCRArchive_2018" / name, folder)
    path = folder / f"{name}_TRAIN.tsv"
    first, rest = path.read_text().split("\n", 1)
    fields = first.split("\t")
    fields[1] = repr(float(fields[1]) + 1.0)  # still parses, same shape
    path.write_text("\t".join(fields) + "\n" + rest)
    return root


@pytest.mark.ucr
def test_a_changed_archive_file_is_refused_by_its_pin(
    ucr_mirror: Path, tmp_path: Path, home: Path
) -> None:
    archive = changed_archive(ucr_mirror, tmp_path / "archive")
    pin = get_registry()["Coffee"].pinned_sha256("Coffee_TRAIN.tsv")
    with pytest.raises(ChecksumError) as exc:
        fetch_dataset("Coffee", data_dir=home, archive=archive, sources=[])
    message = str(exc.value)
    assert "\n" not in message
    assert message.startswith("Coffee: checksum mismatch for Coffee_TRAIN.tsv from archive ")
    assert f"but the registry pins {pin} (the archive's own file)" in message
    assert not (home / "Coffee").exists()
    lock = ChecksumLock(home).entries() if (home / LOCK_NAME).exists() else {}
    assert not [key for key in lock if "Coffee" in key]  # nothing recorded either

    result = run("download", "Coffee", "--archive", str(archive), "--data-dir", str(home))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line]
    assert len(errors) == 1 and errors[0] == f"Error: {message}"


@pytest.fixture
def pinned_ts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ucr_server: object
) -> Iterator[dict[str, str]]:
    """A registry whose Coffee entry also pins the .ts files the loopback server serves."""
    zip_bytes = ucr_server.zip_bytes("Coffee")  # type: ignore[attr-defined]
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        pins = {n: hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist()}
    text = registry_path().read_text(encoding="utf-8")
    raw = json.loads(text[text.index("\n{") :])
    raw["datasets"]["Coffee"]["sha256"].update(pins)
    path = tmp_path / "datasets.yaml"
    path.write_text(json.dumps(raw), encoding="utf-8")
    monkeypatch.setattr(registry_module, "registry_path", lambda: path)
    get_registry.cache_clear()
    yield pins
    monkeypatch.undo()
    get_registry.cache_clear()


@pytest.mark.ucr
def test_a_pinned_mismatch_on_download_is_one_line_and_replaces_nothing(
    ucr_mirror: Path,
    ucr_server: object,
    pinned_ts: dict[str, str],
    home: Path,
    snapshot: Callable[[Path], dict[str, bytes]],
) -> None:
    source = ucr_server.template  # type: ignore[attr-defined]
    args = ("download", "Coffee", "--force", "--source", source, "--data-dir", str(home))
    fetch_dataset("Coffee", data_dir=home, archive=ucr_mirror, sources=[])
    before = snapshot(home)
    assert sorted(p.name for p in (home / "Coffee").iterdir()) == [
        "Coffee_TEST.tsv",
        "Coffee_TRAIN.tsv",
    ]

    ucr_server.modes["Coffee"] = "changed"  # type: ignore[attr-defined]
    result = run(*args)  # --force passes the lock file, never a pin
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line]
    assert len(errors) == 1 and "Traceback" not in result.output
    assert errors[0].startswith(
        "Error: Coffee: checksum mismatch for Coffee_TRAIN.ts from http://127.0.0.1:"
    )
    assert f"the registry pins {pinned_ts['Coffee_TRAIN.ts']}" in errors[0]
    assert snapshot(home) == before  # the cached copy and the lock file untouched

    ucr_server.modes["Coffee"] = "ok"  # type: ignore[attr-defined]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (home / "Coffee").iterdir()) == [
        "Coffee_TEST.ts",
        "Coffee_TRAIN.ts",
    ]


@pytest.mark.ucr
def test_a_changed_cached_file_is_refused_even_without_the_lock_file(
    ucr_mirror: Path, home: Path
) -> None:
    fetch_dataset("Coffee", data_dir=home, archive=ucr_mirror, sources=[])
    path = home / "Coffee" / "Coffee_TEST.tsv"
    path.write_bytes(path.read_bytes().replace(b"\t", b"\t1", 1))  # a value gains a digit
    (home / LOCK_NAME).unlink()  # the lock would catch it too; a pin needs no lock
    with pytest.raises(ChecksumError, match=r"cached file .*Coffee_TEST.tsv: .* registry pins"):
        fetch_dataset("Coffee", data_dir=home, download=False)


def test_the_listing_says_which_data_sets_are_pinned() -> None:
    result = run("datasets", "--suite", "ci", "--format", "json")
    assert result.exit_code == 0
    checksum = {row["name"]: row["checksum"] for row in json.loads(result.stdout)}
    assert checksum == {
        "ArrowHead": "pinned",
        "BasicMotions": "first-use",
        "GunPoint": "pinned",
        "ItalyPowerDemand": "pinned",
        "JapaneseVowels": "first-use",
    }
    registry = get_registry()
    assert not any(i.pinned for i in registry.values() if i.archive != "UCR")


def test_malformed_pins_are_refused(tmp_path: Path) -> None:
    text = registry_path().read_text(encoding="utf-8")
    raw = json.loads(text[text.index("\n{") :])
    raw["datasets"]["Coffee"]["sha256"] = {"Coffee_TRAIN.tsv": "not a digest"}
    with pytest.raises(DataError, match=r"entry 'Coffee' has a malformed sha256"):
        registry_module._parse_registry(raw, tmp_path / "datasets.yaml")


# ---------------------------------------------------------------- reading speed


def test_the_registry_body_is_json_and_reads_as_yaml_too(tmp_path: Path) -> None:
    path = registry_path()
    text = path.read_text(encoding="utf-8")
    as_json = registry_module._load(text, path)
    assert as_json == yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    # A hand-edited file in block YAML still loads (through PyYAML).
    edited = tmp_path / "datasets.yaml"
    edited.write_text("# edited\n" + yaml.safe_dump(as_json), encoding="utf-8")
    assert registry_module._load(edited.read_text(encoding="utf-8"), edited) == as_json
    start = time.perf_counter()
    registry_module._parse_registry(registry_module._load(text, path), path)
    assert time.perf_counter() - start < 0.25  # ~10 ms; PyYAML needed ~100 ms


def test_listing_a_suite_imports_no_yaml_and_no_numerical_stack() -> None:
    code = (
        "import sys\n"
        "from rntk_bench.cli import main\n"
        "main(['datasets', '--suite', 'ucr112'], standalone_mode=False)\n"
        "heavy = ('yaml', 'numpy', 'pandas', 'sklearn', 'numba', 'sktime', 'requests')\n"
        "print('loaded:', sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert lines[-2].startswith("112 data sets in the suite ucr112, ")
    assert lines[-1] == "loaded: []"
