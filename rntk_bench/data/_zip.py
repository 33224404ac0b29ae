"""Unpack a data set's split files from a zip, bounded by the registry's sizes.

A data set's zip (downloaded, or in a local archive copy) holds ``<Name>_TRAIN.ts``
and ``<Name>_TEST.ts`` (or ``.tsv``) somewhere inside it, often beside other copies
of the same data. Only those two are unpacked, under names of our own (paths inside a
zip are never trusted); the entries' declared sizes are checked against
:func:`~rntk_bench.data.cache.max_split_bytes` before a byte is unpacked, and reading
stops at that size whatever the zip claims, so a small zip that expands to GiBs is
refused at once.
"""

from __future__ import annotations

import errno
import zipfile
import zlib
from pathlib import Path

from rntk_bench.data._home import SPLITS
from rntk_bench.data.cache import check_size, max_split_bytes, source_error
from rntk_bench.data.registry import DatasetInfo

__all__ = ["extract_zip"]

_MAX_ZIP_ENTRIES = 1000
_NOT_THIS_ZIP = "it is not the archive's zip of this data set: use another source."


def extract_zip(info: DatasetInfo, zip_path: Path, out: Path, source: str) -> dict[str, Path]:
    """Copy <Name>_TRAIN/TEST.ts (or .tsv) out of a zip, wherever they lie inside it.

    The entries' declared sizes are checked against what the registry allows before
    anything is unpacked, and reading stops at that size whatever the zip claims.
    """
    try:
        with zipfile.ZipFile(zip_path) as archive:
            wanted, members = _zip_members(info, archive, source)
            for split, filename in wanted.items():
                check_size(info, split, Path(filename), members[filename].file_size, source)
            files = {}
            for split, filename in wanted.items():
                # Write under our own name: never trust paths inside a zip.
                files[split] = out / filename
                limit = max_split_bytes(info, split)
                with archive.open(members[filename]) as src, files[split].open("wb") as dst:
                    copied = 0
                    while chunk := src.read(1 << 20):
                        copied += len(chunk)
                        if copied > limit:
                            check_size(info, split, Path(filename), copied, source)
                        dst.write(chunk)
            return files
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise  # the data home is full, the zip is fine (see cache.staging)
        raise source_error(
            info,
            source,
            f"not a valid zip file ({exc})",
            "the file is corrupt or truncated: retry, or use another source.",
        ) from None


def _zip_members(
    info: DatasetInfo, archive: zipfile.ZipFile, source: str
) -> tuple[dict[str, str], dict[str, zipfile.ZipInfo]]:
    """(split -> file name, file name -> zip entry) of the data set's two split files."""
    infos = archive.infolist()
    if len(infos) > _MAX_ZIP_ENTRIES:
        raise source_error(
            info,
            source,
            f"the zip has {len(infos)} entries (a data set's zip has a handful)",
            _NOT_THIS_ZIP,
        )
    members = {Path(m.filename).name.lower(): m for m in infos}
    for ext in ("ts", "tsv"):
        wanted = {s: f"{info.name}_{s}.{ext}" for s in SPLITS}
        if all(w.lower() in members for w in wanted.values()):
            return wanted, {w: members[w.lower()] for w in wanted.values()}
    listing = ", ".join(sorted(Path(m).name for m in archive.namelist())[:6])
    raise source_error(
        info,
        source,
        f"the zip holds no {info.name}_TRAIN.ts and {info.name}_TEST.ts (it "
        f"has: {listing or 'nothing'})",
        _NOT_THIS_ZIP,
    )
