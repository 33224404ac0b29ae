"""Published reference rows: the registry's 1-NN rows and the bake-off files.

Bake-off tests read ../shared/ucr/published through the ``ucr_mirror`` fixture
(skipped where it is absent), from the folder and from a loopback HTTP server;
malformed files are built in tmp_path.
"""

from __future__ import annotations

import csv
import functools
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import pandas as pd
import pytest

from rntk_bench.errors import InputError
from rntk_bench.reporting import (
    align_published,
    is_published,
    load_results,
    published_name,
    read_published,
    registry_published,
)

from .conftest import WriteRun

CLASSIFIERS = {"1NN-DTW", "GRAIL", "HC2", "InceptionTime", "MiniROCKET", "ROCKET"}


def _cells(path: Path, dataset: str) -> list[float]:
    """The accuracies of ``dataset`` in a bake-off file, read with the csv module."""
    with path.open() as handle:
        for row in csv.reader(handle):
            if row[0] == dataset:
                return [float(v) for v in row[1:]]
    raise AssertionError(f"{dataset} not in {path}")


def test_names() -> None:
    assert published_name("ROCKET") == "ROCKET (published)"
    assert published_name("ROCKET (published)") == "ROCKET (published)"
    assert is_published("1NN-ED (published)") and not is_published("rntk")


def test_registry_rows_are_one_minus_the_published_error() -> None:
    table = registry_published(["HouseTwenty", "JapaneseVowels", "NotADataSet"])
    # datasets.yaml: HouseTwenty ed_error 0.3361, dtw_learned_error 0.0588; the UEA
    # data set JapaneseVowels has none; unknown names give no rows.
    assert table[["dataset", "method", "resample", "accuracy", "source"]].values.tolist() == [
        ["HouseTwenty", "1NN-ED (published)", 0, 0.6639, "published"],
        ["HouseTwenty", "1NN-DTW-w (published)", 0, 0.9412, "published"],
    ]


@pytest.fixture(scope="module")
def published_dir(ucr_mirror: Path) -> Path:
    folder = ucr_mirror / "published"
    if not folder.is_dir():
        pytest.skip(f"{folder} is not available")
    return folder


def test_bakeoff_folder(published_dir: Path) -> None:
    table, problems = read_published(published_dir)
    assert problems == []
    assert {m.removesuffix(" (published)") for m in table["method"]} == CLASSIFIERS
    assert set(table["source"]) == {"published"}
    rocket = table[(table["method"] == "ROCKET (published)") & (table["dataset"] == "ArrowHead")]
    assert rocket["resample"].tolist() == list(range(30))
    expected = _cells(published_dir / "ROCKET_accuracy.csv", "ArrowHead")
    assert rocket["accuracy"].tolist() == pytest.approx(expected, abs=0, rel=1e-15)


def test_one_bakeoff_file(published_dir: Path) -> None:
    table, _ = read_published(published_dir / "HC2_accuracy.csv")
    assert set(table["method"]) == {"HC2 (published)"}


def test_resample_aware_alignment(published_dir: Path, write_run: WriteRun) -> None:
    # A run with resamples 0..2 on GunPoint (and a case-insensitive spelling mismatch)
    # is compared with the published resamples 0..2 only.
    computed, _ = load_results(write_run({("GunPoint", "rntk"): [0.9, 0.9, 0.9]}))
    published, _ = read_published(published_dir / "ROCKET_accuracy.csv")
    published.loc[published["dataset"] == "GunPoint", "dataset"] = "gunpoint"
    aligned = align_published(computed, published)
    assert set(aligned["dataset"]) == {"GunPoint"}
    assert aligned["resample"].tolist() == [0, 1, 2]
    cells = _cells(published_dir / "ROCKET_accuracy.csv", "GunPoint")
    assert aligned["accuracy"].mean() == pytest.approx(sum(cells[:3]) / 3)


class _NoListing(SimpleHTTPRequestHandler):
    def list_directory(self, path: str | os.PathLike[str]) -> BytesIO | None:
        self.send_error(404, "No listing")
        return None

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(params=[_Quiet, _NoListing], ids=["listing", "no-listing"])
def published_server(request: pytest.FixtureRequest, published_dir: Path) -> Iterator[str]:
    """http://127.0.0.1:<port>/ serving the published folder (with or without a listing)."""
    handler = functools.partial(request.param, directory=str(published_dir))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_bakeoff_over_http_equals_the_folder(published_server: str, published_dir: Path) -> None:
    over_http, problems = read_published(published_server.rstrip("/"))
    local, _ = read_published(published_dir)
    assert problems == []
    columns = ["dataset", "method", "resample", "accuracy"]
    pd.testing.assert_frame_equal(over_http[columns], local[columns])
    assert over_http["path"].str.startswith("http://127.0.0.1").all()
    one, _ = read_published(published_server + "GRAIL_accuracy.csv")
    assert set(one["method"]) == {"GRAIL (published)"}


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}_accuracy.csv"
    path.write_text(text)
    return path


def test_a_malformed_file_is_listed_and_the_others_used(tmp_path: Path) -> None:
    _write(tmp_path, "Good", "Resamples:,0,1\nGunPoint,0.9,0.8\nCoffee,1.0,\n")
    bad = _write(tmp_path, "Bad", "Resamples:,0,1\nGunPoint,0.9,oops\n")
    pct = _write(tmp_path, "Pct", "Resamples:,0\nGunPoint,91.0\n")
    table, problems = read_published(tmp_path)
    # The empty cell (Coffee, resample 1) gives no row.
    assert table[["dataset", "resample", "accuracy"]].values.tolist() == [
        ["Coffee", 0, 1.0],
        ["GunPoint", 0, 0.9],
        ["GunPoint", 1, 0.8],
    ]
    reasons = {p.path: p.reason for p in problems}
    assert "non-numeric accuracy for GunPoint" in reasons[str(bad)]
    assert "outside [0, 1]" in reasons[str(pct)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Resamples:,zero\nGunPoint,0.9\n", "resample columns must be integers"),
        ("Resamples:,0\nGunPoint,0.9\nGunPoint,0.8\n", "listed twice"),
    ],
)
def test_malformed_only_file_is_an_error(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, "X", text)
    with pytest.raises(InputError, match=message):
        read_published(path)


def test_missing_source_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_published(tmp_path / "nope")
    with pytest.raises(InputError, match="no usable"):
        read_published(tmp_path)  # an empty folder


def test_an_unreachable_url_is_an_error() -> None:
    import socket

    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(InputError, match="could not be fetched"):
        read_published(f"http://127.0.0.1:{port}/published/")
