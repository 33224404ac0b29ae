"""Options that several commands share, declared once.

Each is a decorator (``@data_dir_option``) or a decorator factory taking the
command's own help sentence (``@suite_option("Run every data set of a suite.")``),
so the name, type, environment variable and default of an option cannot drift
between commands.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

# The download defaults of rntk_bench.data.DownloadLimits, repeated here so that option
# parsing imports no data code; a test checks they agree.
DEFAULT_DEADLINE_S = 1800.0
DEFAULT_MIN_RATE_KIB = 1.0
DEFAULT_RATE_WINDOW_S = 30.0
#: The first default download source (rntk_bench.data.DEFAULT_SOURCES[0]; tested).
DEFAULT_SOURCE = "https://timeseriesclassification.com/aeon-toolkit/{name}.zip"


def suite_option(help_text: str) -> Callable[[F], F]:
    """--suite, one of the registry's suites (read from datasets.yaml when applied)."""
    from rntk_bench.data.registry import suite_names

    return click.option("--suite", type=click.Choice(suite_names()), help=help_text)


data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Data home holding the cached data sets and their checksum lock file "
    "[default: $RNTK_BENCH_DATA, else the user cache folder].",
)

archive_option = click.option(
    "--archive",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Import from a local copy of the archive: a folder holding "
    "UCRArchive_2018/<Name>/<Name>_TRAIN.tsv (or that folder itself), or a folder of "
    "<Name>.zip or <Name>/<Name>_TRAIN.ts files.",
)

source_option = click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="URL_TEMPLATE",
    envvar="RNTK_BENCH_SOURCE",
    help="URL template of a per-data-set zip, with {name} for the data set; repeat to "
    "list mirrors, tried in order [env: RNTK_BENCH_SOURCE, space-separated; "
    f"default: {DEFAULT_SOURCE}].",
)


def download_limit_options(function: F) -> F:
    """The --download-deadline and --min-rate options (download and run)."""
    function = click.option(
        "--min-rate",
        "min_rate_kib",
        type=click.FloatRange(min=0),
        default=DEFAULT_MIN_RATE_KIB,
        show_default=True,
        metavar="KIB_PER_S",
        help=f"A download that brings less than this many KiB/s over "
        f"{DEFAULT_RATE_WINDOW_S:g} s is cut off as stalled (0: no minimum).",
    )(function)
    return click.option(
        "--download-deadline",
        type=click.FloatRange(min=0, min_open=True),
        default=DEFAULT_DEADLINE_S,
        show_default=True,
        metavar="SECONDS",
        help="Most seconds one data set's download may take, retries included.",
    )(function)
