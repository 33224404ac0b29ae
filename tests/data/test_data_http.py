"""Downloads against a loopback HTTP server that serves zips built from the UCR mirror."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rntk_bench.data import LOCK_NAME, download, fetch_dataset
from rntk_bench.errors import ChecksumError, DataError, DownloadError

pytestmark = pytest.mark.ucr

Snapshot = Callable[[Path], dict[str, bytes]]


def one_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


def lock_files(home: Path) -> dict[str, dict[str, object]]:
    return json.loads((home / LOCK_NAME).read_text())["files"]


def no_leftovers(home: Path) -> bool:
    """No staging or half-written folder or file stays in the data home."""
    return not any(p.name.startswith(".") for p in home.rglob("*"))


def test_download_success_then_cache_reuse(ucr_server, ucr_mirror: Path, home: Path) -> None:
    ds = fetch_dataset("Coffee", data_dir=home, sources=[ucr_server.template])
    url = ucr_server.template.format(name="Coffee")
    assert ds.source == url
    assert ds.X_train.shape == (28, 1, 286) and ds.X_test.shape == (28, 1, 286)
    tsv = pd.read_csv(ucr_mirror / "UCRArchive_2018/Coffee/Coffee_TRAIN.tsv", sep="\t", header=None)
    np.testing.assert_array_equal(ds.X_train[:, 0, :], tsv.iloc[:, 1:].to_numpy())
    assert [ds.classes[c] for c in ds.y_train] == tsv.iloc[:, 0].astype(str).tolist()
    files = lock_files(home)
    zipped = ucr_server.zip_bytes("Coffee")
    assert files[url] == {"sha256": hashlib.sha256(zipped).hexdigest(), "bytes": len(zipped)}
    assert {"cache:Coffee/Coffee_TRAIN.ts", "cache:Coffee/Coffee_TEST.ts"} <= set(files)
    assert sorted(p.name for p in (home / "Coffee").iterdir()) == [
        "Coffee_TEST.ts",
        "Coffee_TRAIN.ts",
    ]
    assert ucr_server.count("Coffee") == 1

    again = fetch_dataset("Coffee", data_dir=home, sources=[ucr_server.template])
    (report,) = download(["Coffee"], data_dir=home, sources=[ucr_server.template])
    assert again.source == "cache" and report.action == "cached"
    assert again.checksum == ds.checksum == report.checksum
    assert ucr_server.count("Coffee") == 1  # the server saw no second request
    assert no_leftovers(home)


def test_download_report(ucr_server, home: Path) -> None:
    (report,) = download(["Wine"], data_dir=home, sources=[ucr_server.template])
    url = ucr_server.template.format(name="Wine")
    assert (report.action, report.source) == ("download", url)
    assert report.describe() == f"downloaded from {url}"
    assert report.n_bytes == len(ucr_server.zip_bytes("Wine"))


def test_ts_download_equals_tsv_archive_with_missing_and_variable_length(
    ucr_server, ucr_mirror: Path, tmp_path: Path
) -> None:
    # '?' for missing values (DodgerLoopGame) and unequal lengths (GesturePebbleZ1)
    # give the same arrays from a .ts download as from the archive's .tsv files.
    for name in ("DodgerLoopGame", "GesturePebbleZ1"):
        web = fetch_dataset(name, data_dir=tmp_path / "web", sources=[ucr_server.template])
        local = fetch_dataset(name, data_dir=tmp_path / "local", archive=ucr_mirror, sources=[])
        assert web.classes == local.classes
        for a, b in ((web.X_train, local.X_train), (web.X_test, local.X_test)):
            assert type(a) is type(b) and len(a) == len(b)
            for s, t in zip(a, b, strict=True):
                np.testing.assert_array_equal(s, t)
        np.testing.assert_array_equal(web.y_test, local.y_test)
    assert isinstance(web.X_train, list) and {s.shape[1] for s in web.X_train} != {455}


def test_http_404(ucr_server, home: Path, snapshot: Snapshot) -> None:
    fetch_dataset("ArrowHead", data_dir=home)
    before = snapshot(home)
    ucr_server.modes["Beef"] = "404"
    url = ucr_server.template.format(name="Beef")
    with pytest.raises(DownloadError) as exc:
        fetch_dataset("Beef", data_dir=home, sources=[ucr_server.template])
    message = one_line(exc)
    assert message.startswith(f"Beef: download from {url} failed: HTTP 404 Not Found.")
    assert "--source" in message and "--archive PATH" in message
    assert ucr_server.count("Beef") == 1  # a 404 is not retried
    assert snapshot(home) == before and no_leftovers(home)


def test_server_errors_are_retried(ucr_server, home: Path) -> None:
    ucr_server.modes["Beef"] = "flaky"  # 503, 503, then the zip
    ds = fetch_dataset("Beef", data_dir=home, sources=[ucr_server.template])
    assert ds.X_train.shape == (30, 1, 470)
    assert ucr_server.count("Beef") == 3

    ucr_server.modes["Wine"] = "500"
    with pytest.raises(DownloadError) as exc:
        fetch_dataset("Wine", data_dir=home, sources=[ucr_server.template])
    assert "HTTP 500 Internal Server Error (after 3 attempts)" in one_line(exc)
    assert ucr_server.count("Wine") == 3


def test_truncated_body(ucr_server, home: Path, snapshot: Snapshot) -> None:
    fetch_dataset("ArrowHead", data_dir=home)
    before = snapshot(home)
    ucr_server.modes["Beef"] = "truncated"
    with pytest.raises(DownloadError) as exc:
        fetch_dataset("Beef", data_dir=home, sources=[ucr_server.template])
    message = one_line(exc)
    assert "Beef: download from http://127.0.0.1:" in message
    assert "truncated" in message and "(after 3 attempts)" in message
    assert snapshot(home) == before and no_leftovers(home)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("corrupt", r"not a valid zip file \((Bad CRC-32|Error -3)"),
        ("html", r"not a valid zip file \(File is not a zip file\)"),
    ],
)
def test_corrupt_zip(ucr_server, home: Path, snapshot: Snapshot, mode: str, expected: str) -> None:
    fetch_dataset("ArrowHead", data_dir=home)
    before = snapshot(home)
    ucr_server.modes["Beef"] = mode
    url = ucr_server.template.format(name="Beef")
    with pytest.raises(DataError, match=expected) as exc:
        fetch_dataset("Beef", data_dir=home, sources=[ucr_server.template])
    message = one_line(exc)
    assert message.startswith(f"Beef from {url}: not a valid zip file")
    assert "retry, or use another source" in message
    assert not isinstance(exc.value, ChecksumError)
    assert snapshot(home) == before and no_leftovers(home)


def test_wrong_shape(ucr_server, home: Path, snapshot: Snapshot) -> None:
    fetch_dataset("ArrowHead", data_dir=home)
    before = snapshot(home)
    ucr_server.modes["Beef"] = "wrong_shape"
    url = ucr_server.template.format(name="Beef")
    with pytest.raises(DataError) as exc:
        fetch_dataset("Beef", data_dir=home, sources=[ucr_server.template])
    message = one_line(exc)
    assert message.startswith(
        f"Beef from {url}: Beef_TRAIN.ts has 29 training series but the registry says Beef has 30;"
    )
    assert "use another --source" in message
    assert snapshot(home) == before and no_leftovers(home)


def test_changed_file_on_refetch_is_a_checksum_mismatch(
    ucr_server, home: Path, snapshot: Snapshot
) -> None:
    first = fetch_dataset("Beef", data_dir=home, sources=[ucr_server.template])
    before = snapshot(home)
    ucr_server.modes["Beef"] = "changed"
    url = ucr_server.template.format(name="Beef")
    with pytest.raises(ChecksumError) as exc:
        download(["Beef"], data_dir=home, sources=[ucr_server.template], force=True)
    message = one_line(exc)
    old = hashlib.sha256(ucr_server.zip_bytes("Beef")).hexdigest()
    new = hashlib.sha256(ucr_server.zip_bytes("Beef", "changed")).hexdigest()
    assert f"Beef: checksum mismatch for {url}: sha256 {new}" in message
    assert f"recorded {old} when it was first seen" in message
    assert "--force" in message
    # The cache and the lock are as they were, and the cached copy still loads.
    assert snapshot(home) == before and no_leftovers(home)
    again = fetch_dataset("Beef", data_dir=home, sources=[ucr_server.template])
    assert again.source == "cache" and again.checksum == first.checksum


def test_mirrors_are_tried_in_order(ucr_server, home: Path) -> None:
    broken = ucr_server.url + "/missing/{name}.zip"
    ds = fetch_dataset("Beef", data_dir=home, sources=[broken, ucr_server.template])
    assert ds.source == ucr_server.template.format(name="Beef")
    assert ucr_server.requests == ["/missing/Beef.zip", "/Beef.zip"]


def test_every_mirror_failing_lists_every_failure(ucr_server, home: Path) -> None:
    ucr_server.modes["Beef"] = "html"
    broken = ucr_server.url + "/missing/{name}.zip"
    with pytest.raises(DataError) as exc:
        fetch_dataset("Beef", data_dir=home, sources=[broken, ucr_server.template])
    message = one_line(exc)
    assert message.startswith("Beef: every source failed: ")
    assert f"{ucr_server.url}/missing/Beef.zip: HTTP 404 Not Found; " in message
    assert f"{ucr_server.url}/Beef.zip: not a valid zip file" in message
    assert not (home / "Beef").exists()


def test_a_failure_leaves_other_datasets_and_their_lock_entries(
    ucr_server, home: Path, snapshot: Snapshot
) -> None:
    download(["Coffee", "Wine"], data_dir=home, sources=[ucr_server.template])
    before = snapshot(home)
    ucr_server.modes["Wine"] = "wrong_shape"
    with pytest.raises(DataError):
        download(["Wine"], data_dir=home, sources=[ucr_server.template], force=True)
    assert snapshot(home) == before
    assert fetch_dataset("Wine", data_dir=home).X_train.shape == (57, 1, 234)
