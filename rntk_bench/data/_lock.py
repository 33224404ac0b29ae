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
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rntk_bench.errors import ChecksumError, DataError

__all__ = ["LOCK_NAME", "ChecksumLock", "sha256_file", "verify_pinned"]

LOCK_NAME = "sha256.lock.json"
_CHUNK = 1 << 20
_HEX = re.compile(r"[0-9a-f]{64}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def sha256_file(path: Path) -> str:
    """Return the sha256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_pinned(expected: str | None, digest: str, *, dataset: str, what: str, fix: str) -> None:
    """Refuse a file whose sha256 differs from the one the registry pins (None: not pinned).

    Unlike the lock file, a pin is not a first sighting but the archive's own digest
    (datasets.yaml): neither ``--force`` nor deleting the lock file gets past it.

    Raises
    ------
    ChecksumError
        One line naming the data set, the file, both digests and ``fix``.
    """
    if expected is not None and expected != digest:
        raise ChecksumError(
            f"{dataset}: checksum mismatch for {what}: sha256 {digest} but the registry "
            f"pins {expected} (the archive's own file); {fix}"
        )


class ChecksumLock:
    """Read, verify and update the lock file of one data home.

    Parameters
    ----------
    home : Path
        The data home; the lock lives at ``home / "sha256.lock.json"``.
    """

    def __init__(self, home: Path) -> None:
        self.path = home / LOCK_NAME

    def _read(self) -> dict[str, Any]:
        """The raw ``files`` mapping; DataError when the file as a whole is unusable."""
        fix = (
            "delete it (its checksums are recorded again on the next fetch) or restore "
            "it from a backup."
        )
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except IsADirectoryError:
            raise DataError(
                f"{self.path} is a folder, not the checksum lock file; remove it "
                "(checksums are recorded again on the next fetch)."
            ) from None
        except UnicodeDecodeError:
            raise DataError(f"{self.path} is not a valid lock file (binary data); {fix}") from None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise DataError(f"{self.path} is not a valid lock file ({exc}); {fix}") from None
        files = data.get("files") if isinstance(data, dict) else None
        if not isinstance(files, dict):
            raise DataError(f'{self.path} is not a valid lock file (no "files" mapping); {fix}')
        return files

    def _bad_entry(self, key: str, entry: Any) -> DataError | None:
        """Why an entry is unusable (None when it is fine)."""
        ok = (
            isinstance(entry, dict)
            and isinstance(entry.get("sha256"), str)
            and _HEX.fullmatch(entry["sha256"]) is not None
            and isinstance(entry.get("bytes", 0), int)
            and not isinstance(entry.get("bytes", 0), bool)
        )
        if ok:
            return None
        fix = f"delete the entry {key!r} from it (it is recorded again on the next fetch)"
        if key.startswith("cache:"):
            name = key.split(":", 1)[1].split("/", 1)[0]
            fix += f", or run `rntk-bench download {name} --force`"
        return DataError(
            f'{self.path} has a damaged entry {key!r} (expected {{"sha256": 64 hex '
            f'digits, "bytes": an integer}}, got {_short(entry)}); {fix}.'
        )

    def entries(self) -> dict[str, dict[str, Any]]:
        """Return the recorded entries (empty when there is no lock file yet).

        Raises
        ------
        DataError
            When the file or one of its entries is damaged (wrong types, missing
            fields, binary data, a folder in its place); the message names the file
            and how to repair it.
        """
        files = self._read()
        for key, entry in files.items():
            error = self._bad_entry(key, entry)
            if error is not None:
                raise error
        return files

    def keys(self) -> list[str]:
        """The recorded keys, damaged entries included (they may be about to be replaced)."""
        return list(self._read())

    def expected(self, key: str) -> str | None:
        """Return the recorded sha256 of ``key``, or None when it was never seen."""
        files = self._read()
        if key not in files:
            return None
        error = self._bad_entry(key, files[key])
        if error is not None:
            raise error
        return str(files[key]["sha256"])

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
        files = self._read()
        for key in remove:
            files.pop(key, None)
        # Damaged entries that are being replaced go; any other stops the update
        # (never drop a checksum silently).
        for key, entry in files.items():
            error = self._bad_entry(key, entry)
            if error is not None and key not in entries:
                raise error
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
