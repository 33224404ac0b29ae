"""A full disk is one line: the file being written, and that the same command resumes.

A module of its own so that sub-commands (``run`` adds how many results it kept) use
it without importing the command group (the package) back.
"""

from __future__ import annotations

import errno
from typing import NoReturn

import click

__all__ = ["is_disk_full", "no_space", "reraise"]

_DISK_FULL = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded"}


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says the disk (or the user's quota) is full."""
    return isinstance(exc, OSError) and exc.errno in _DISK_FULL


def no_space(exc: OSError, written: int | None = None) -> str:
    """The one line for a full disk.

    Parameters
    ----------
    exc : OSError
        ENOSPC or EDQUOT. A copy names its source first and its destination second
        (``filename2``): the destination is the file that did not fit.
    written : int, optional
        Results this invocation wrote (``run``); None for the other commands.
    """
    path = exc.filename2 or exc.filename or "a file"
    kept = "finished work is kept" if written is None else f"{written} results written are kept"
    return (
        f"{_DISK_FULL.get(exc.errno or 0, exc.strerror)} while writing {path}: free space "
        f"and rerun the same command to resume ({kept})."
    )


def reraise(exc: OSError, written: int) -> NoReturn:
    """Raise the one line of a full disk for ``run`` (``written`` results kept), else ``exc``."""
    if is_disk_full(exc):
        raise click.ClickException(no_space(exc, written)) from None
    raise exc
