"""The checksum lock file: sha256 of every data file, recorded when first seen.

``<data home>/sha256.lock.json`` maps a key to ``{"sha256": ..., "bytes": ...}``.
Keys say where a file came from, so that the same bytes are expected again from
the same place:

- ``cache:<Name>/<file>``  a file in the cache (verified on every load);
- ``sktime:<Name>/<file>`` a file bundled with sktime;
- ``archive:<relative path>`` a file of a local archive copy, relative to its root
  (``<Name>/<Name>_TRAIN.tsv`` or ``<Name>.zip``), whichever folder holds it;
- ``<url>``                 a downloaded zip.

Writers re-read the file and merge before an atomic replace (temp file +
``os.replace``), so concurrent fetches of different data sets keep each other's
entries in all but a narrow race, and a lost entry is simply recorded again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rntk_bench.errors import ChecksumError, DataError

__all__ = ["LOCK_NAME", "ChecksumLock", "sha256_file"]

LOCK_NAME = "sha256.lock.json"
_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Return the sha256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class ChecksumLock:
    """Read, verify and update the lock file of one data home.

    Parameters
    ----------
    home : Path
        The data home; the lock lives at ``home / "sha256.lock.json"``.
    """

    def __init__(self, home: Path) -> None:
        self.path = home / LOCK_NAME

    def entries(self) -> dict[str, dict[str, Any]]:
        """Return the recorded entries (empty when there is no lock file yet)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(text)
            files = data["files"]
            if not isinstance(files, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise DataError(
                f"{self.path} is not a valid lock file; delete it (its checksums are "
                "recorded again on the next fetch) or restore it from a backup."
            ) from None
        return files

    def expected(self, key: str) -> str | None:
        """Return the recorded sha256 of ``key``, or None when it was never seen."""
        entry = self.entries().get(key)
        return None if entry is None else str(entry["sha256"])

    def verify(self, key: str, digest: str, *, dataset: str, what: str, fix: str) -> bool:
        """Check ``digest`` against the recorded one.

        Returns
        -------
        bool
            True when ``key`` was recorded before (and matches), False when new.

        Raises
        ------
        ChecksumError
            When the recorded digest differs; the message names the data set, the
            file, both digests and ``fix``.
        """
        expected = self.expected(key)
        if expected is None:
            return False
        if expected != digest:
            raise ChecksumError(
                f"{dataset}: checksum mismatch for {what}: sha256 {digest} but "
                f"{self.path} recorded {expected} when it was first seen; {fix}"
            )
        return True

    def update(self, entries: Mapping[str, Mapping[str, Any]], remove: Iterable[str] = ()) -> None:
        """Add or replace ``entries`` and drop the keys in ``remove``, atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        files = self.entries()
        for key in remove:
            files.pop(key, None)
        files.update({k: dict(v) for k, v in entries.items()})
        payload = {
            "comment": (
                "sha256 of every data file rntk-bench imported or downloaded, recorded "
                "when first seen and verified on every later use. Delete an entry to "
                "accept a changed file."
            ),
            "files": dict(sorted(files.items())),
        }
        fd, tmp = tempfile.mkstemp(prefix=".lock-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, indent=1)
                handle.write("\n")
            os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache is not secret
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
