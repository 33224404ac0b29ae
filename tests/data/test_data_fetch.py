"""Fetching: the sktime-bundled path, the cache, the lock file and the local archive."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rntk_bench.data import (
    LOCK_NAME,
    data_home,
    download,
    fetch_dataset,
    is_cached,
    load_dataset,
)
from rntk_bench.data.sources import sktime_data_dir
from rntk_bench.errors import ChecksumError, DataError, InputError, UnknownNameError

Snapshot = Callable[[Path], dict[str, bytes]]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def lock_files(home: Path) -> dict[str, dict[str, object]]:
    return json.loads((home / LOCK_NAME).read_text())["files"]


def one_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


def mirror_values(mirror: Path, name: str, split: str) -> tuple[np.ndarray, list[str]]:
    frame = pd.read_csv(
        mirror / "UCRArchive_2018" / name / f"{name}_{split}.tsv", sep="\t", header=None
    )
    return frame.iloc[:, 1:].to_numpy(), frame.iloc[:, 0].astype(str).tolist()


# ------------------------------------------------------------------ data home


def test_data_home_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RNTK_BENCH_DATA", str(tmp_path / "env"))
    assert data_home(tmp_path / "explicit") == tmp_path / "explicit"
    assert data_home() == tmp_path / "env"
    monkeypatch.delenv("RNTK_BENCH_DATA")
    default = data_home()
    assert default.name == "rntk-bench" and "cache" in str(default).lower()


# ------------------------------------------------------------ bundled (sktime)


def test_bundled_dataset_needs_no_network_and_is_cached(home: Path) -> None:
    ds = fetch_dataset("ArrowHead", data_dir=home, sources=[], download=False)
    assert ds.source == "sktime"
    assert isinstance(ds.X_train, np.ndarray)
    assert ds.X_train.shape == (36, 1, 251) and ds.X_test.shape == (175, 1, 251)
    assert ds.X_train.dtype == np.float64 and ds.y_train.dtype == np.int64
    assert ds.classes == ("0", "1", "2")
    assert np.bincount(ds.y_train).tolist() == [12, 12, 12]
    # The files are copied into the cache and their sha256 recorded, twice: where they
    # came from and where they are now.
    sktime_file = sktime_data_dir() / "ArrowHead" / "ArrowHead_TRAIN.ts"  # type: ignore[operator]
    cached = home / "ArrowHead" / "ArrowHead_TRAIN.ts"
    assert cached.read_bytes() == sktime_file.read_bytes()
    files = lock_files(home)
    assert files["sktime:ArrowHead/ArrowHead_TRAIN.ts"]["sha256"] == sha256(sktime_file)
    assert files["cache:ArrowHead/ArrowHead_TRAIN.ts"]["sha256"] == sha256(cached)
    assert files["cache:ArrowHead/ArrowHead_TEST.ts"]["bytes"] == 484894
    # The data set checksum: sha256 over (file name, sha256) of the files used.
    expected = hashlib.sha256()
    for f in ("ArrowHead_TEST.ts", "ArrowHead_TRAIN.ts"):
        expected.update(f"{f}\0{sha256(home / 'ArrowHead' / f)}\n".encode())
    assert ds.checksum == expected.hexdigest()

    again = fetch_dataset("ArrowHead", data_dir=home, download=False)
    assert again.source == "cache" and again.checksum == ds.checksum
    np.testing.assert_array_equal(again.X_test, ds.X_test)
    np.testing.assert_array_equal(again.y_test, ds.y_test)


def test_bundled_multivariate_and_variable_length(home: Path) -> None:
    motions = fetch_dataset("BasicMotions", data_dir=home, download=False)
    assert motions.X_train.shape == (40, 6, 100)
    assert motions.classes == ("Badminton", "Running", "Standing", "Walking")
    assert np.bincount(motions.y_test).tolist() == [10, 10, 10, 10]

    vowels = fetch_dataset("JapaneseVowels", data_dir=home, download=False)
    assert isinstance(vowels.X_train, list) and len(vowels.X_train) == 270
    assert len(vowels.X_test) == 370
    lengths = [s.shape[1] for s in vowels.X_train + vowels.X_test]
    assert min(lengths) == 7 and max(lengths) == 29
    assert all(s.shape[0] == 12 and s.dtype == np.float64 for s in vowels.X_train)
    assert not any(np.isnan(s).any() for s in vowels.X_train + vowels.X_test)
    assert vowels.classes == tuple(str(i) for i in range(1, 10))


def test_load_dataset_returns_the_four_arrays(home: Path) -> None:
    X_train, y_train, X_test, y_test = load_dataset("ItalyPowerDemand", data_dir=home)
    ds = fetch_dataset("ItalyPowerDemand", data_dir=home)
    assert X_train.shape == (67, 1, 24) and X_test.shape == (1029, 1, 24)
    np.testing.assert_array_equal(X_train, ds.X_train)
    # The labels as the archive writes them (as aeon's loader), not the run's codes.
    assert y_train.dtype.kind == "U" and set(y_train.tolist()) == {"1", "2"}
    assert y_test.tolist() == [ds.classes[c] for c in ds.y_test]
    assert ds.labels_train.tolist() == y_train.tolist()
    motions = load_dataset("BasicMotions", data_dir=home)[1]
    assert set(motions.tolist()) == {"Badminton", "Running", "Standing", "Walking"}


def test_default_data_home_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RNTK_BENCH_DATA", str(tmp_path / "env-home"))
    fetch_dataset("GunPoint", download=False)
    assert is_cached("GunPoint") and (tmp_path / "env-home" / LOCK_NAME).is_file()


@pytest.mark.ucr
@pytest.mark.parametrize("name", ["ArrowHead", "GunPoint", "ItalyPowerDemand", "OSULeaf"])
def test_bundled_copy_equals_the_archive(name: str, ucr_mirror: Path, home: Path) -> None:
    ds = fetch_dataset(name, data_dir=home, download=False)
    for split, X, y in (("TRAIN", ds.X_train, ds.y_train), ("TEST", ds.X_test, ds.y_test)):
        values, labels = mirror_values(ucr_mirror, name, split)
        np.testing.assert_allclose(X[:, 0, :], values, rtol=1e-6, atol=1e-6)
        assert [ds.classes[c] for c in y] == labels


# ---------------------------------------------------------- arguments, absence


def test_bad_arguments(home: Path) -> None:
    with pytest.raises(UnknownNameError, match="Did you mean ArrowHead"):
        fetch_dataset("ArowHead", data_dir=home)
    with pytest.raises(InputError, match="missing must be one of 'interpolate', 'error'"):
        fetch_dataset("ArrowHead", data_dir=home, missing="drop")
    with pytest.raises(InputError, match=r"sources\[0\] must be an http\(s\) URL template"):
        fetch_dataset("ArrowHead", data_dir=home, sources=["ftp://x/{name}.zip"])
    with pytest.raises(InputError, match=r"containing \{name\}"):
        download(["ArrowHead"], data_dir=home, sources=["https://x/data.zip"])
    with pytest.raises(InputError, match="does not exist"):
        fetch_dataset("ArrowHead", data_dir=home, archive=home / "nowhere")
    assert not home.exists()  # nothing was written


def test_not_cached_and_no_download(home: Path) -> None:
    with pytest.raises(DataError) as exc:
        fetch_dataset("Symbols", data_dir=home, download=False)
    message = one_line(exc)
    assert f"Symbols is not in the data home {home}" in message
    assert "`rntk-bench download Symbols`" in message


# -------------------------------------------------------------- cache & lock


def test_tampered_cache_file_is_refused_then_repaired(home: Path, snapshot: Callable) -> None:
    fetch_dataset("GunPoint", data_dir=home, download=False)
    path = home / "GunPoint" / "GunPoint_TEST.ts"
    good = sha256(path)
    with path.open("a") as handle:
        handle.write("\n")
    bad = sha256(path)
    with pytest.raises(ChecksumError) as exc:
        fetch_dataset("GunPoint", data_dir=home, download=False)
    message = one_line(exc)
    assert str(path) in message and good in message and bad in message
    assert "`rntk-bench download GunPoint --force`" in message
    assert lock_files(home)["cache:GunPoint/GunPoint_TEST.ts"]["sha256"] == good
    # download() verifies cached files too.
    with pytest.raises(ChecksumError):
        download(["GunPoint"], data_dir=home)
    # The fix the message gives works.
    (report,) = download(["GunPoint"], data_dir=home, force=True)
    assert report.action == "sktime" and sha256(path) == good
    assert fetch_dataset("GunPoint", data_dir=home).source == "cache"


def test_lost_lock_is_recorded_again(home: Path) -> None:
    first = fetch_dataset("ArrowHead", data_dir=home)
    (home / LOCK_NAME).unlink()
    again = fetch_dataset("ArrowHead", data_dir=home)
    assert again.checksum == first.checksum
    assert set(lock_files(home)) == {
        "cache:ArrowHead/ArrowHead_TRAIN.ts",
        "cache:ArrowHead/ArrowHead_TEST.ts",
    }


def test_corrupt_lock_file(home: Path) -> None:
    fetch_dataset("ArrowHead", data_dir=home)
    (home / LOCK_NAME).write_text("{not json")
    with pytest.raises(DataError, match=r"lock.json is not a valid lock file \(.*\); delete it"):
        fetch_dataset("ArrowHead", data_dir=home)


def test_damaged_cache_with_a_good_checksum_is_still_shape_checked(home: Path) -> None:
    fetch_dataset("GunPoint", data_dir=home)
    path = home / "GunPoint" / "GunPoint_TRAIN.ts"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]))  # one training series fewer
    (home / LOCK_NAME).unlink()  # the lock would catch it first; show the shape check too
    with pytest.raises(DataError) as exc:
        fetch_dataset("GunPoint", data_dir=home)
    message = one_line(exc)
    assert "GunPoint from cache" in message
    assert "has 49 training series but the registry says GunPoint has 50" in message
    assert "--force" in message


def test_download_reports_what_it_did(home: Path) -> None:
    reports = download(["GunPoint", "ArrowHead"], data_dir=home)
    assert [(r.name, r.action, r.describe()) for r in reports] == [
        ("GunPoint", "sktime", "imported from sktime (bundled)"),
        ("ArrowHead", "sktime", "imported from sktime (bundled)"),
    ]
    assert reports[0].n_bytes == 84188 + 252305
    assert reports[0].files == (
        home / "GunPoint" / "GunPoint_TRAIN.ts",
        home / "GunPoint" / "GunPoint_TEST.ts",
    )
    again = download(["GunPoint"], data_dir=home)
    assert again[0].action == "cached" and again[0].describe() == "already cached"
    assert again[0].checksum == reports[0].checksum
    assert fetch_dataset("GunPoint", data_dir=home).checksum == reports[0].checksum


# -------------------------------------------------------------- local archive


@pytest.mark.ucr
def test_archive_root_and_ucrarchive_folder_layouts(ucr_mirror: Path, tmp_path: Path) -> None:
    a = fetch_dataset("Coffee", data_dir=tmp_path / "a", archive=ucr_mirror, sources=[])
    b = fetch_dataset(
        "Coffee", data_dir=tmp_path / "b", archive=ucr_mirror / "UCRArchive_2018", sources=[]
    )
    folder = ucr_mirror / "UCRArchive_2018" / "Coffee"
    assert a.source == b.source == f"archive {folder}"
    assert a.checksum == b.checksum
    np.testing.assert_array_equal(a.X_train, b.X_train)
    values, labels = mirror_values(ucr_mirror, "Coffee", "TEST")
    np.testing.assert_array_equal(a.X_test[:, 0, :], values)
    assert [a.classes[c] for c in a.y_test] == labels
    files = lock_files(tmp_path / "a")
    assert files["archive:Coffee/Coffee_TRAIN.tsv"]["sha256"] == sha256(folder / "Coffee_TRAIN.tsv")
    assert (tmp_path / "a" / "Coffee" / "Coffee_TRAIN.tsv").read_bytes() == (
        folder / "Coffee_TRAIN.tsv"
    ).read_bytes()
    # Imported once, then served from the cache even without the archive.
    assert fetch_dataset("Coffee", data_dir=tmp_path / "a", download=False).source == "cache"


@pytest.mark.ucr
def test_archive_of_zips_and_of_ts_folders(
    ucr_mirror: Path, tmp_path: Path, ucr_server: object, ts_writer: Callable[[str, str], str]
) -> None:
    zips = tmp_path / "zips"
    zips.mkdir()
    (zips / "Beef.zip").write_bytes(ucr_server.zip_bytes("Beef"))  # type: ignore[attr-defined]
    ts_folder = tmp_path / "ts" / "Beef"
    ts_folder.mkdir(parents=True)
    for split in ("TRAIN", "TEST"):
        tsv = (ucr_mirror / "UCRArchive_2018" / "Beef" / f"Beef_{split}.tsv").read_text()
        (ts_folder / f"Beef_{split}.ts").write_text(ts_writer("Beef", tsv))

    from_zip = fetch_dataset("Beef", data_dir=tmp_path / "h1", archive=zips, sources=[])
    from_ts = fetch_dataset("Beef", data_dir=tmp_path / "h2", archive=tmp_path / "ts", sources=[])
    from_tsv = fetch_dataset("Beef", data_dir=tmp_path / "h3", archive=ucr_mirror, sources=[])
    assert from_zip.source == f"archive {zips / 'Beef.zip'}"
    assert from_ts.source == f"archive {ts_folder}"
    assert from_zip.checksum == from_ts.checksum != from_tsv.checksum  # same .ts bytes
    for ds in (from_zip, from_ts):
        assert ds.X_train.shape == (30, 1, 470)
        np.testing.assert_array_equal(ds.X_train, from_tsv.X_train)
        np.testing.assert_array_equal(ds.y_test, from_tsv.y_test)
        assert ds.classes == from_tsv.classes
    assert "archive:Beef.zip" in lock_files(tmp_path / "h1")
    assert sorted(p.name for p in (tmp_path / "h1" / "Beef").iterdir()) == [
        "Beef_TEST.ts",
        "Beef_TRAIN.ts",
    ]


@pytest.mark.ucr
def test_archive_without_the_dataset(ucr_mirror: Path, home: Path) -> None:
    with pytest.raises(DataError) as exc:
        fetch_dataset("Symbols", data_dir=home, archive=ucr_mirror, sources=[])
    assert f"nor in the archive {ucr_mirror}" in one_line(exc)


@pytest.mark.ucr
def test_damaged_archive_copy_leaves_the_cache_alone(
    ucr_mirror: Path, tmp_path: Path, home: Path, snapshot: Snapshot
) -> None:
    fetch_dataset("ArrowHead", data_dir=home)  # something already cached
    archive = tmp_path / "archive"
    shutil.copytree(ucr_mirror / "UCRArchive_2018" / "Wine", archive / "Wine")
    path = archive / "Wine" / "Wine_TRAIN.tsv"
    lines = path.read_text().splitlines(keepends=True)
    lines[2] = lines[2].rstrip("\n") + "\t0.5\n"  # a ragged line
    path.write_text("".join(lines))
    before = snapshot(home)
    with pytest.raises(DataError) as exc:
        fetch_dataset("Wine", data_dir=home, archive=archive, sources=[])
    message = one_line(exc)
    assert message.startswith(f"Wine from archive {archive / 'Wine'}: Wine_TRAIN.tsv, line 3 has")
    assert "restore it or use another --archive" in message
    assert snapshot(home) == before
    assert not any(p.name.startswith(".") for p in home.iterdir() if p.name != LOCK_NAME)


@pytest.mark.ucr
def test_changed_archive_file_is_a_checksum_error(
    ucr_mirror: Path, tmp_path: Path, home: Path, snapshot: Snapshot
) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(ucr_mirror / "UCRArchive_2018" / "Wine", archive / "Wine")
    fetch_dataset("Wine", data_dir=home, archive=archive)
    path = archive / "Wine" / "Wine_TEST.tsv"
    lines = path.read_text().splitlines(keepends=True)
    fields = lines[0].split("\t")
    fields[1] = "9.5"  # same shape, one value changed
    path.write_text("\t".join(fields) + "".join(lines[1:]))
    before = snapshot(home)
    with pytest.raises(ChecksumError) as exc:
        download(["Wine"], data_dir=home, archive=archive, force=True)
    assert f"checksum mismatch for {path}" in one_line(exc)
    assert snapshot(home) == before
