"""HTTP(S) downloads: timeouts, retries with backoff, progress bar, temp file + rename."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import requests
from tqdm.auto import tqdm

from rntk_bench import __version__
from rntk_bench.errors import DownloadError

__all__ = ["NotFoundError", "download_file"]

TIMEOUT_S = (15.0, 60.0)  # (connect, between bytes)
ATTEMPTS = 3
BACKOFF_S = 1.0  # wait before the second attempt; doubled after each failure
_CHUNK = 1 << 16


class NotFoundError(DownloadError):
    """The server has no such file (HTTP 404/410): try the next source, do not retry."""


class _Transient(Exception):
    """A failure worth retrying (5xx, connection reset, truncated body)."""


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def download_file(url: str, dest: Path, *, progress: bool = False, label: str = "") -> int:
    """Download ``url`` to ``dest`` through a temporary file in the same folder.

    Parameters
    ----------
    url : str
        http:// or https:// address.
    dest : Path
        Final path; written only when the whole body arrived.
    progress : bool
        Show a tqdm progress bar on stderr.
    label : str
        Text in front of the progress bar (the data set's name).

    Returns
    -------
    int
        Number of bytes received.

    Raises
    ------
    NotFoundError
        HTTP 404 or 410 (not retried).
    DownloadError
        Any other HTTP error, connection failure, timeout or truncated body, after
        ``ATTEMPTS`` tries for the transient ones.
    """
    tmp = dest.with_name(f".{dest.name}.part")
    problem = ""
    for attempt in range(ATTEMPTS):
        if attempt:
            time.sleep(BACKOFF_S * 2 ** (attempt - 1))
        try:
            n = _get(url, tmp, progress=progress, label=label)
        except _Transient as exc:
            problem = str(exc)
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ) as exc:
            problem = _describe(exc)
        except requests.RequestException as exc:  # invalid URL, too many redirects, ...
            tmp.unlink(missing_ok=True)
            raise DownloadError(_describe(exc)) from None
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        else:
            os.replace(tmp, dest)
            return n
        tmp.unlink(missing_ok=True)
    tries = f" (after {ATTEMPTS} attempts)" if ATTEMPTS > 1 else ""
    raise DownloadError(f"{problem}{tries}")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "connection broken before the whole file arrived (truncated body)"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed"
    return _one_line(exc)


def _get(url: str, tmp: Path, *, progress: bool, label: str) -> int:
    headers = {"User-Agent": f"rntk-bench/{__version__}"}
    with requests.get(url, stream=True, timeout=TIMEOUT_S, headers=headers) as response:
        status = response.status_code
        if status in (404, 410):
            raise NotFoundError(f"HTTP {status} {response.reason}")
        if status >= 500 or status == 429:
            raise _Transient(f"HTTP {status} {response.reason}")
        if status >= 400:
            raise DownloadError(f"HTTP {status} {response.reason}")
        length = response.headers.get("Content-Length")
        encoded = response.headers.get("Content-Encoding", "identity") != "identity"
        expected = int(length) if length and length.isdigit() and not encoded else None
        received = 0
        with (
            tmp.open("wb") as handle,
            tqdm(
                total=expected,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=label or None,
                file=sys.stderr,
                disable=not progress,
                leave=False,
            ) as bar,
        ):
            for chunk in response.iter_content(_CHUNK):
                handle.write(chunk)
                received += len(chunk)
                bar.update(len(chunk))
    if expected is not None and received != expected:
        raise _Transient(f"truncated body: received {received} of {expected} bytes")
    return received
