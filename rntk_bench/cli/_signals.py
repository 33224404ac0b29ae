"""SIGTERM handled like Ctrl-C: the group installs the handler, `run` tells them apart.

A module of its own so that sub-commands import it without importing the command
group (the package) back.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

__all__ = ["Terminated", "on_sigterm"]


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would raise KeyboardInterrupt (same clean-up)."""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated()


def on_sigterm() -> Any:
    """Make SIGTERM behave like Ctrl-C; returns the handler to restore (None: unchanged)."""
    if threading.current_thread() is not threading.main_thread():
        return None  # only the main thread may set handlers (e.g. a test runner)
    return signal.signal(signal.SIGTERM, _raise_terminated)
