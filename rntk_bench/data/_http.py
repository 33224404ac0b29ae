"""HTTP(S) downloads: timeouts, a total deadline, a minimum rate, retries with backoff,
a size cap, a progress bar, and a temporary file renamed into place.

Limits (:class:`DownloadLimits`): a connection must open within ``connect_timeout_s``;
the server may stay silent at most ``read_timeout_s`` between two pieces of the body;
the whole download (every attempt and the waits between them) must finish within
``deadline_s``; and once ``rate_window_s`` seconds have passed, every window of that
length must bring at least ``min_rate`` bytes per second, so a server that trickles a
byte every few seconds is cut off as a stall instead of keeping the download alive for
ever. The deadline and the rate are checked after every piece received, so the
deadline can be overrun by at most one between-bytes timeout (itself capped by the
deadline). Stalls and deadlines are not retried; a stall is reported as a stall.
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests
import urllib3
from tqdm.auto import tqdm

from rntk_bench._version import __version__
from rntk_bench.errors import DownloadError, InputError

__all__ = ["DownloadLimits", "NotFoundError", "download_file"]

ATTEMPTS = 3
BACKOFF_S = 1.0  # wait before the second attempt; doubled after each failure
_CHUNK = 1 << 16


@dataclass(frozen=True)
class DownloadLimits:
    """How long and how slowly a download may go (see the module docstring).

    Attributes
    ----------
    deadline_s : float
        Seconds for the whole download of one file, retries included (CLI
        ``--download-deadline``).
    min_rate : float
        Bytes per second every ``rate_window_s`` window must bring; 0 turns the
        check off (CLI ``--min-rate``, in KiB/s).
    rate_window_s : float
        Length of the window the rate is measured over.
    connect_timeout_s : float
        Seconds to open a connection.
    read_timeout_s : float
        Seconds the server may stay silent between two pieces of the body.
    max_bytes : int or None
        Refuse a body larger than this (set from the registry's sizes).
    """

    deadline_s: float = 1800.0
    min_rate: float = 1024.0
    rate_window_s: float = 30.0
    connect_timeout_s: float = 15.0
    read_timeout_s: float = 60.0
    max_bytes: int | None = None

    def __post_init__(self) -> None:
        for name in ("deadline_s", "rate_window_s", "connect_timeout_s", "read_timeout_s"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise InputError(f"{name} must be a positive number of seconds; got {value!r}.")
        if not (
            isinstance(self.min_rate, (int, float))
            and math.isfinite(self.min_rate)
            and self.min_rate >= 0
        ):
            raise InputError(f"min_rate must be >= 0 bytes per second; got {self.min_rate!r}.")
        if self.max_bytes is not None and not (
            isinstance(self.max_bytes, int) and self.max_bytes > 0
        ):
            raise InputError(f"max_bytes must be a positive integer; got {self.max_bytes!r}.")


class NotFoundError(DownloadError):
    """The server has no such file (HTTP 404/410): try the next source, do not retry."""


class _Transient(Exception):
    """A failure worth retrying (5xx, connection reset, truncated body, silence)."""


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _seconds(value: float) -> str:
    return f"{value:.3g} s"


def download_file(
    url: str,
    dest: Path,
    *,
    progress: bool = False,
    label: str = "",
    limits: DownloadLimits | None = None,
) -> int:
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
    limits : DownloadLimits, optional
        Deadline, minimum rate, timeouts and size cap; default ``DownloadLimits()``.

    Returns
    -------
    int
        Number of bytes received.

    Raises
    ------
    NotFoundError
        HTTP 404 or 410 (not retried).
    DownloadError
        Any other HTTP error, connection failure, stall, deadline, oversized or
        truncated body, after ``ATTEMPTS`` tries for the transient ones.
    """
    limits = limits or DownloadLimits()
    deadline = time.monotonic() + limits.deadline_s
    tmp = dest.with_name(f".{dest.name}.part")
    problem = ""
    attempts = 0
    for attempt in range(ATTEMPTS):
        if attempt:
            wait = BACKOFF_S * 2 ** (attempt - 1)
            if time.monotonic() + wait >= deadline:
                break
            time.sleep(wait)
        attempts += 1
        try:
            n = _get(url, tmp, progress=progress, label=label, limits=limits, deadline=deadline)
        except _Transient as exc:
            problem = str(exc)
        except (requests.ConnectionError, requests.Timeout) as exc:
            problem = _describe(exc, limits)
        except requests.RequestException as exc:  # invalid URL, too many redirects, ...
            tmp.unlink(missing_ok=True)
            raise DownloadError(_describe(exc, limits)) from None
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        else:
            os.replace(tmp, dest)
            return n
        tmp.unlink(missing_ok=True)
    tries = f" (after {attempts} attempts)" if attempts > 1 else ""
    raise DownloadError(f"{problem}{tries}")


def _describe(exc: BaseException, limits: DownloadLimits) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return f"no connection within {_seconds(limits.connect_timeout_s)} (timed out)"
    if isinstance(exc, requests.Timeout):
        return f"stalled: the server sent nothing for {_seconds(limits.read_timeout_s)}"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed"
    return _one_line(exc)


def _get(
    url: str,
    tmp: Path,
    *,
    progress: bool,
    label: str,
    limits: DownloadLimits,
    deadline: float,
) -> int:
    headers = {"User-Agent": f"rntk-bench/{__version__}"}
    remaining = max(deadline - time.monotonic(), 0.001)
    timeout = (min(limits.connect_timeout_s, remaining), min(limits.read_timeout_s, remaining))
    with requests.get(url, stream=True, timeout=timeout, headers=headers) as response:
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
        if limits.max_bytes is not None and expected is not None and expected > limits.max_bytes:
            raise DownloadError(_too_large(expected, limits.max_bytes, "announces"))
        received = 0
        window_start, window_bytes = time.monotonic(), 0
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
            while True:
                try:
                    # read1: whatever one receive brings, so the clock is checked often.
                    chunk = response.raw.read1(_CHUNK, decode_content=True)
                except urllib3.exceptions.ReadTimeoutError:
                    raise _Transient(
                        f"stalled: the server sent nothing for {_seconds(timeout[1])} after "
                        f"{received} bytes"
                    ) from None
                except (urllib3.exceptions.ProtocolError, urllib3.exceptions.DecodeError):
                    raise _Transient(
                        "connection broken before the whole file arrived (truncated body)"
                    ) from None
                if not chunk:
                    break
                handle.write(chunk)
                received += len(chunk)
                window_bytes += len(chunk)
                bar.update(len(chunk))
                if limits.max_bytes is not None and received > limits.max_bytes:
                    raise DownloadError(_too_large(received, limits.max_bytes, "sent more than"))
                now = time.monotonic()
                if now > deadline:
                    raise DownloadError(
                        f"too slow: not finished within the {_seconds(limits.deadline_s)} "
                        f"deadline ({received} bytes received"
                        + (f" of {expected}" if expected is not None else "")
                        + "; --download-deadline sets it)"
                    )
                if now - window_start >= limits.rate_window_s:
                    rate = window_bytes / (now - window_start)
                    if rate < limits.min_rate:
                        raise DownloadError(
                            f"stalled: {rate:.0f} bytes/s over the last "
                            f"{_seconds(now - window_start)}, below the minimum "
                            f"{limits.min_rate:.0f} bytes/s (--min-rate sets it)"
                        )
                    window_start, window_bytes = now, 0
    if expected is not None and received != expected:
        raise _Transient(f"truncated body: received {received} of {expected} bytes")
    return received


def _too_large(n_bytes: int, cap: int, verb: str) -> str:
    return (
        f"the server {verb} {n_bytes} bytes, more than the {cap} bytes this data set can "
        "take (the registry's sizes); it is not this data set's zip"
    )
