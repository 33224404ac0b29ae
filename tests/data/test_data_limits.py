"""Bounded downloads and unpacking: deadline, minimum rate, size caps, zip bombs.

A loopback server misbehaves on purpose (trickles bytes, goes silent, sends an
endless body); every case must end within seconds with one line that names the
problem, and leave the data home as it was.
"""

from __future__ import annotations

import io
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from rntk_bench.cli import main
from rntk_bench.data import DownloadLimits, fetch_dataset, get_registry
from rntk_bench.data.cache import max_split_bytes
from rntk_bench.errors import DataError, InputError

# Coffee is not bundled with sktime, so only the server can provide it.
NAME = "Coffee"


class Misbehaving:
    """A server whose every response follows ``mode`` (trickle, silent, flood, bomb).

    Each response gives up after ``max_s`` seconds, so that code without the limits
    under test fails (a truncated body) instead of hanging the test run.
    """

    def __init__(self) -> None:
        self.mode = "trickle"
        self.max_s = 8.0
        self.body = b""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._serve(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.template = f"http://127.0.0.1:{self.httpd.server_port}/{{name}}.zip"

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = {"trickle": 10**6, "silent": 10**6, "fast": 5 * 10**6}.get(self.mode)
        handler.send_response(200)
        handler.send_header("Content-Type", "application/zip")
        if self.mode == "bomb":
            length = len(self.body)
        if length is not None:
            handler.send_header("Content-Length", str(length))
        handler.end_headers()
        handler.wfile.flush()
        if self.mode == "bomb":
            handler.wfile.write(self.body)
            return
        started = time.monotonic()
        try:
            while time.monotonic() - started < self.max_s:
                if self.mode == "trickle":  # 10 bytes/s
                    handler.wfile.write(b"x")
                    time.sleep(0.1)
                elif self.mode == "silent":
                    time.sleep(0.05)
                else:  # "fast" (5 MB at ~1.3 MB/s) or "flood" (endless, no length)
                    handler.wfile.write(b"0" * 65536)
                    time.sleep(0.05 if self.mode == "fast" else 0.002)
                handler.wfile.flush()
        except OSError:
            pass  # the client hung up: what the limits are for
        handler.close_connection = True

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Misbehaving]:
    srv = Misbehaving()
    yield srv
    srv.close()


def _fetch(server: Misbehaving, home: Path, limits: DownloadLimits) -> tuple[str, float]:
    started = time.monotonic()
    with pytest.raises(DataError) as exc:
        fetch_dataset(NAME, data_dir=home, sources=[server.template], limits=limits)
    return " ".join(str(exc.value).split()), time.monotonic() - started


def _clean(home: Path) -> bool:
    """Nothing but (at most) an empty data home: no staging folder, no .part file."""
    return not home.exists() or not any(home.iterdir())


def test_a_trickling_server_is_cut_off_by_the_minimum_rate(server, home):
    server.mode = "trickle"
    message, seconds = _fetch(server, home, DownloadLimits(min_rate=1000, rate_window_s=1))
    assert seconds < 4
    assert "stalled:" in message and "below the minimum 1000 bytes/s" in message
    assert "(after" not in message  # a stall is not retried
    assert _clean(home)


def test_a_slow_download_stops_at_the_total_deadline(server, home):
    server.mode = "fast"  # 5 MB at ~1.3 MB/s: fast enough for the rate, too long
    message, seconds = _fetch(server, home, DownloadLimits(deadline_s=1.5, min_rate=0))
    assert seconds < 4
    assert "not finished within the 1.5 s deadline" in message
    assert _clean(home)


def test_a_silent_server_is_reported_as_a_stall_not_a_connection_failure(server, home):
    server.mode = "silent"
    message, seconds = _fetch(server, home, DownloadLimits(read_timeout_s=0.3))
    assert seconds < 4
    assert "stalled: the server sent nothing for 0.3 s" in message
    assert "connection failed" not in message
    assert _clean(home)


def test_the_deadline_covers_the_retries(server, home, monkeypatch):
    from rntk_bench.data import _http

    monkeypatch.setattr(_http, "BACKOFF_S", 5.0)  # a retry would overrun the deadline
    server.mode = "silent"
    message, seconds = _fetch(server, home, DownloadLimits(read_timeout_s=0.3, deadline_s=2))
    assert seconds < 3
    assert "stalled" in message and "(after" not in message


def test_an_endless_body_is_capped_by_the_registry_sizes(server, home):
    server.mode = "flood"
    info = get_registry().info(NAME)
    cap = 4 * (max_split_bytes(info, "TRAIN") + max_split_bytes(info, "TEST"))
    message, seconds = _fetch(server, home, DownloadLimits(min_rate=0))
    assert seconds < 4
    assert f"more than the {cap} bytes this data set can take" in message
    assert _clean(home)


def test_download_limits_refuse_impossible_values():
    for kwargs in ({"deadline_s": 0}, {"min_rate": -1}, {"read_timeout_s": float("nan")}):
        with pytest.raises(InputError):
            DownloadLimits(**kwargs)


def test_the_cli_options_set_the_limits_and_errors_are_one_line(server, home):
    server.mode = "trickle"
    started = time.monotonic()
    result = CliRunner().invoke(
        main,
        [
            *("download", NAME, "--source", server.template, "--data-dir", str(home)),
            *("--download-deadline", "1", "--min-rate", "0", "--no-progress"),
        ],
    )
    assert time.monotonic() - started < 4
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line]
    assert len(errors) == 1, result.output
    assert errors[0].startswith(f"Error: {NAME}: download from ")
    assert "not finished within the 1 s deadline" in errors[0]
    assert "Traceback" not in result.output
    assert _clean(home)


# ------------------------------------------------------------------ zip bombs


def _bomb(name: str, expanded: int) -> bytes:
    """A zip of a few hundred KiB whose training file expands to ``expanded`` bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open(f"{name}_TRAIN.ts", "w", force_zip64=True) as handle:
            block = b"0," * (1 << 19)
            for _ in range(expanded // len(block)):
                handle.write(block)
        archive.writestr(f"{name}_TEST.ts", "@data\n")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return _bomb(NAME, 64 << 20)  # 64 MiB expanded, 45 times what Coffee can take


def test_a_downloaded_zip_bomb_is_refused_before_unpacking(server, home, bomb):
    server.mode, server.body = "bomb", bomb
    assert len(bomb) < 1 << 20
    message, seconds = _fetch(server, home, DownloadLimits())
    assert seconds < 2  # the declared size is checked, nothing is inflated
    limit = max_split_bytes(get_registry().info(NAME), "TRAIN")
    assert f"{NAME}_TRAIN.ts is {64 << 20} bytes, more than the {limit} bytes" in message
    assert "it is not this data set's file" in message
    assert _clean(home)


def test_an_archive_zip_bomb_and_an_oversized_archive_file_are_refused(tmp_path, home, bomb):
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / f"{NAME}.zip").write_bytes(bomb)
    started = time.monotonic()
    with pytest.raises(DataError, match=r"more than the \d+ bytes Coffee's train split"):
        fetch_dataset(NAME, data_dir=home, archive=archive, sources=[])
    assert time.monotonic() - started < 2
    # a plain oversized file in an archive folder is refused before it is parsed
    (archive / f"{NAME}.zip").unlink()
    folder = archive / NAME
    folder.mkdir()
    limit = max_split_bytes(get_registry().info(NAME), "TRAIN")
    with (folder / f"{NAME}_TRAIN.ts").open("wb") as handle:
        handle.truncate(limit + 1)  # sparse: no disk used
    (folder / f"{NAME}_TEST.ts").write_text("@data\n")
    with pytest.raises(DataError, match=rf"is {limit + 1} bytes, more than the {limit}"):
        fetch_dataset(NAME, data_dir=home, archive=archive, sources=[])
    assert not (home / NAME).exists()


def test_a_zip_with_too_many_entries_is_refused(tmp_path, home):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(1001):
            archive.writestr(f"junk/{i}", "")
    (tmp_path / f"{NAME}.zip").write_bytes(buffer.getvalue())
    with pytest.raises(DataError, match="the zip has 1001 entries"):
        fetch_dataset(NAME, data_dir=home, archive=tmp_path, sources=[])


def test_the_registry_bounds_hold_every_real_split(ucr_mirror):
    """The caps are generous: no real UCR file comes near them."""
    registry = get_registry()
    archive = ucr_mirror / "UCRArchive_2018"
    checked = 0
    for folder in sorted(archive.iterdir()):
        if folder.name not in set(registry):
            continue
        info = registry.info(folder.name)
        for split in ("TRAIN", "TEST"):
            path = folder / f"{info.name}_{split}.tsv"
            if path.is_file():
                assert path.stat().st_size < max_split_bytes(info, split) / 2, path
                checked += 1
    assert checked > 100
