"""Shared data fixtures: an isolated data home, the UCR mirror, a loopback archive server.

The mirror (../shared/ucr, the UCR archive's own files) is never copied into the
repository; tests that need it take the ``ucr_mirror`` fixture, which skips cleanly
where the folder is absent.
"""

from __future__ import annotations

import io
import os
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

# The mirror sits next to the repository; RNTK_BENCH_TEST_UCR points elsewhere (or at
# nothing, to check that the tests skip cleanly without it).
UCR_ROOT = Path(
    os.environ.get("RNTK_BENCH_TEST_UCR")
    or Path(__file__).resolve().parents[1].parent / "shared" / "ucr"
)
UCR_ARCHIVE = UCR_ROOT / "UCRArchive_2018"


@pytest.fixture(autouse=True)
def _isolated_data_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Never read or write the user's real cache; ignore mirrors set in the shell."""
    monkeypatch.setenv("RNTK_BENCH_DATA", str(tmp_path_factory.mktemp("default-data-home")))
    monkeypatch.delenv("RNTK_BENCH_SOURCE", raising=False)


@pytest.fixture(scope="session")
def ucr_mirror() -> Path:
    """The UCR mirror root (holds UCRArchive_2018/ and DataSummary_UCR.csv), or skip."""
    if not (UCR_ARCHIVE.is_dir() and (UCR_ROOT / "DataSummary_UCR.csv").is_file()):
        pytest.skip(f"the UCR mirror {UCR_ROOT} is not available")
    return UCR_ROOT


# ------------------------------------------------------------------ .tsv -> .ts


def tsv_to_ts(name: str, tsv_text: str) -> str:
    """Write a UCR .tsv split as a .ts file, the way the archive's web site serves it.

    Values are copied as text (so both formats give the same floats); NaN becomes
    '?'; variable-length series (NaN right-padded in the .tsv) lose their padding.
    """
    rows = [line.split("\t") for line in tsv_text.splitlines() if line.strip()]
    series = [row[1:] for row in rows]
    trimmed = []
    for values in series:
        end = len(values)
        while end and values[end - 1] == "NaN":
            end -= 1
        trimmed.append(values[:end])
    equal = len({len(v) for v in trimmed}) == 1
    if equal:
        trimmed = series  # equal length: trailing NaN are missing values, keep them
    missing = any("NaN" in v for v in trimmed)
    labels = sorted({row[0] for row in rows}, key=float)
    header = [
        f"# {name}, written from the UCR archive's .tsv by the rntk-bench test fixture",
        f"@problemName {name}",
        "@timeStamps false",
        f"@missing {str(missing).lower()}",
        "@univariate true",
        f"@equalLength {str(equal).lower()}",
    ]
    if equal:
        header.append(f"@seriesLength {len(trimmed[0])}")
    header += ["@classLabel true " + " ".join(labels), "@data"]
    body = [
        ",".join("?" if v == "NaN" else v for v in values) + ":" + row[0]
        for values, row in zip(trimmed, rows, strict=True)
    ]
    return "\n".join(header + body) + "\n"


def build_zip(name: str, train_ts: str, test_ts: str) -> bytes:
    """A zip in the aeon layout: <Name>_TRAIN.ts and <Name>_TEST.ts at its root."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{name}_TRAIN.ts", train_ts)
        archive.writestr(f"{name}_TEST.ts", test_ts)
    return buffer.getvalue()


def mirror_ts(name: str) -> tuple[str, str]:
    """(train, test) .ts texts of a mirror data set."""
    return tuple(  # type: ignore[return-value]
        tsv_to_ts(name, (UCR_ARCHIVE / name / f"{name}_{s}.tsv").read_text())
        for s in ("TRAIN", "TEST")
    )


# --------------------------------------------------------------- archive server


MODES = (
    "ok",  # the data set's zip
    "404",  # HTTP 404
    "500",  # HTTP 500 on every request
    "flaky",  # HTTP 503 twice, then the zip
    "truncated",  # Content-Length of the whole zip, half the body, connection closed
    "corrupt",  # a zip whose compressed bytes are damaged (CRC / inflate error)
    "html",  # HTTP 200 with an HTML page instead of a zip
    "changed",  # the zip with one value of the training split changed
    "wrong_shape",  # the zip with the last training series dropped
)


class ArchiveServer:
    """Serves <Name>.zip files built from the mirror on 127.0.0.1 (random free port).

    Attributes
    ----------
    modes : dict
        Data-set name -> one of :data:`MODES` (default "ok"); unknown names get 404.
    requests : list of str
        Every requested path, in order.
    """

    def __init__(self, mirror: Path) -> None:
        self.mirror = mirror
        self.modes: dict[str, str] = {}
        self.requests: list[str] = []
        self._zips: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._serve(self)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep the test output clean

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    @property
    def template(self) -> str:
        return self.url + "/{name}.zip"

    def count(self, name: str) -> int:
        """How many requests asked for <name>.zip."""
        return sum(p == f"/{name}.zip" for p in self.requests)

    def reset(self) -> None:
        self.modes.clear()
        self.requests.clear()

    def zip_bytes(self, name: str, mode: str = "ok") -> bytes:
        key = (name, mode if mode in ("changed", "wrong_shape") else "ok")
        with self._lock:
            if key not in self._zips:
                train, test = mirror_ts(name)
                if key[1] == "changed":
                    head, first, rest = train.partition("@data\n")
                    value, sep, tail = rest.partition(",")
                    train = head + first + repr(float(value) + 1.0) + sep + tail
                elif key[1] == "wrong_shape":
                    train = "\n".join(train.rstrip("\n").split("\n")[:-1]) + "\n"
                self._zips[key] = build_zip(name, train, test)
            return self._zips[key]

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        with self._lock:
            self.requests.append(path)
            name = path.strip("/").removesuffix(".zip")
            mode = self.modes.get(name, "ok")
            seen = self.count(name)
        exists = path.endswith(".zip") and (self.mirror / name / f"{name}_TRAIN.tsv").is_file()
        if mode == "404" or not exists:
            handler.send_error(404, "Not Found")
            return
        if mode == "500" or (mode == "flaky" and seen <= 2):
            handler.send_error(503 if mode == "flaky" else 500)
            return
        if mode == "html":
            body = b"<html><body>Service temporarily moved</body></html>"
            self._send(handler, body, "text/html", len(body))
            return
        body = self.zip_bytes(name, mode)
        if mode == "corrupt":
            # Flip bytes inside the first member's compressed data (past its header).
            start, stop = 200, 264
            body = body[:start] + bytes(b ^ 0x5A for b in body[start:stop]) + body[stop:]
        if mode == "truncated":
            self._send(handler, body[: len(body) // 2], "application/zip", len(body))
            handler.close_connection = True
            return
        self._send(handler, body, "application/zip", len(body))

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, body: bytes, kind: str, length: int) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(length))
        handler.end_headers()
        handler.wfile.write(body)
        handler.wfile.flush()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def _archive_server(ucr_mirror: Path) -> Iterator[ArchiveServer]:
    server = ArchiveServer(ucr_mirror / "UCRArchive_2018")
    yield server
    server.close()


@pytest.fixture
def ucr_server(_archive_server: ArchiveServer) -> ArchiveServer:
    """The loopback archive server, with every data set back to "ok" and no requests."""
    _archive_server.reset()
    return _archive_server


@pytest.fixture(scope="session")
def ts_writer() -> object:
    """The .tsv -> .ts writer of the archive server, for tests that build files."""
    return tsv_to_ts
