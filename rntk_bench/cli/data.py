"""``rntk-bench datasets`` and ``rntk-bench download``: list and fetch data sets."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from rntk_bench.cli._options import (
    archive_option,
    data_dir_option,
    download_limit_options,
    source_option,
    suite_option,
)
from rntk_bench.data.registry import get_registry, resolve_names
from rntk_bench.errors import RntkBenchError

if TYPE_CHECKING:
    from rntk_bench.data import DownloadLimits, FetchReport

# `datasets` reads the registry and looks for files only; the fetching code (numpy,
# pandas, requests) is imported inside `download`, so listing starts fast.


def download_limits(download_deadline: float, min_rate_kib: float) -> DownloadLimits:
    """The library's limits from the two CLI options."""
    from rntk_bench.data import DownloadLimits

    return DownloadLimits(deadline_s=download_deadline, min_rate=min_rate_kib * 1024)


_COLUMNS = (
    "name",
    "archive",
    "train",
    "test",
    "length",
    "channels",
    "classes",
    "missing",
    "bundled",
    "cached",
    "checksum",
)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _rows(names: list[str], data_dir: Path | None) -> list[dict[str, Any]]:
    from rntk_bench.data._home import is_cached

    registry = get_registry()
    rows = []
    for name in names:
        info = registry[name]
        rows.append(
            {
                "name": name,
                "archive": info.archive,
                "train": info.n_train,
                "test": info.n_test,
                "length": info.length,
                "channels": info.n_channels,
                "classes": info.n_classes,
                "missing": info.missing,
                "bundled": info.bundled,
                "cached": is_cached(name, data_dir),
                "checksum": "pinned" if info.pinned else "first-use",
            }
        )
    return rows


def _text(row: dict[str, Any], key: str) -> str:
    value = row[key]
    if key == "length" and value is None:
        return "variable"
    if isinstance(value, bool):
        return _yes(value)
    return str(value)


@click.command()
@suite_option("List only the data sets of this suite.")
@data_dir_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
def datasets(suite: str | None, data_dir: Path | None, fmt: str) -> None:
    """List the registered data sets and whether each is cached.

    One row per data set: archive (UCR univariate / UEA multivariate), training and
    test sizes, series length ("variable" for unequal lengths), channels, classes,
    whether it has missing values, ships with sktime (bundled), is in the data home
    (cached), and how its files are checked (checksum): "pinned" - the registry holds
    the sha256 of the UCR 2018 archive's own .tsv files, and such a file that differs
    is refused on import or download, even with --force; "first-use" - no pinned
    digests: every file's sha256 is recorded in the data home's lock file when first
    seen and checked on every later use (as are pinned data sets' other files, e.g.
    the .ts files of sktime or of a download).

    \b
    Examples:
      rntk-bench datasets --suite ucr112
      rntk-bench datasets --format csv > datasets.csv
    """
    names = resolve_names(suite=suite) if suite else list(get_registry())
    rows = _rows(names, data_dir)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=1))
        return
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(_COLUMNS)
        writer.writerows([_text(row, k) for k in _COLUMNS] for row in rows)
        click.echo(buffer.getvalue(), nl=False)
        return
    table = [list(_COLUMNS)] + [[_text(row, k) for k in _COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(_COLUMNS))]
    numeric = {"train", "test", "length", "channels", "classes"}
    for line in table:
        cells = [
            cell.rjust(w) if _COLUMNS[i] in numeric else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        ]
        click.echo("  ".join(cells).rstrip())
    from rntk_bench.data._home import data_home

    n_cached = sum(row["cached"] for row in rows)
    what = f"suite {suite}" if suite else "registry"
    click.echo(f"{len(rows)} data sets in the {what}, {n_cached} cached in {data_home(data_dir)}")


def _size(n_bytes: int) -> str:
    size = float(n_bytes)
    for unit in ("B", "KiB", "MiB"):
        if size < 1024 or unit == "MiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"  # pragma: no cover


@click.command(name="download")
@click.argument("names", nargs=-1, metavar="[NAMES]...")
@suite_option("Fetch every data set of this suite (in addition to NAMES).")
@archive_option
@source_option
@data_dir_option
@click.option(
    "--force",
    is_flag=True,
    help=(
        "Refetch data sets that are already cached; the old copy is replaced only once "
        "the new one passed every check."
    ),
)
@click.option("--no-progress", is_flag=True, help="Do not show download progress bars.")
@download_limit_options
def download_command(
    names: tuple[str, ...],
    suite: str | None,
    archive: Path | None,
    sources: tuple[str, ...],
    data_dir: Path | None,
    force: bool,
    no_progress: bool,
    download_deadline: float,
    min_rate_kib: float,
) -> None:
    """Fetch data sets into the data home and verify them.

    Sources, in order: the cache, the data sets bundled with sktime, the local
    archive (--archive), then the URL templates (--source). Every file's sha256 is
    recorded in the data home's lock file when first seen and checked on every later
    use; sizes, length, channels and classes are checked against the registry.
    Failing data sets are reported and skipped; the exit code is then 1.

    \b
    Examples:
      rntk-bench download GunPoint Coffee
      rntk-bench download --suite ucr56 --archive ~/data/UCRArchive_2018
      rntk-bench download Yoga --source https://example.org/ucr/{name}.zip
    """
    if not names and not suite:
        raise click.UsageError(
            "name at least one data set or a --suite (list them with `rntk-bench datasets`)."
        )
    from rntk_bench.data import LOCK_NAME, data_home, download

    selected = resolve_names(names, suite=suite)
    limits = download_limits(download_deadline, min_rate_kib)
    home = data_home(data_dir)
    progress = not no_progress and sys.stderr.isatty()
    width = max(len(n) for n in selected)
    reports: list[FetchReport] = []
    failed: list[str] = []
    for name in selected:
        try:
            (report,) = download(
                [name],
                data_dir=data_dir,
                archive=archive,
                sources=list(sources) or None,
                force=force,
                progress=progress,
                limits=limits,
            )
        except RntkBenchError as exc:
            click.echo(f"Error: {exc}", err=True)
            failed.append(name)
            continue
        reports.append(report)
        click.echo(
            f"{name.ljust(width)}  {report.describe()}  ({_size(report.n_bytes)}, "
            f"sha256 {report.checksum[:12]})"
        )
    counts: dict[str, int] = {}
    for report in reports:
        key = report.describe().split(" from ")[0]
        counts[key] = counts.get(key, 0) + 1
    detail = ", ".join(f"{n} {what}" for what, n in counts.items())
    failures = f"; failed: {', '.join(failed)} (see the error above)" if failed else ""
    click.echo(
        f"{len(reports)} of {len(selected)} data sets ready in {home}"
        + (f" ({detail})" if detail else "")
        + f"; checksums in {home / LOCK_NAME}{failures}."
    )
    if failed:
        sys.exit(1)  # each failure already had its one error line
