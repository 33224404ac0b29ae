"""The ``rntk-bench`` command line: a click group over the library's layers.

Only this package prints, exits or reads command-line input. Library errors
(:class:`rntk_bench.errors.RntkBenchError`) become a one-line message and exit
code 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
import importlib
import os
import signal
import sys
from typing import Any

import click

from rntk_bench._version import __version__
from rntk_bench.cli._disk import is_disk_full, no_space
from rntk_bench.cli._signals import Terminated, on_sigterm
from rntk_bench.errors import RntkBenchError

__all__ = ["COMMANDS", "Terminated", "main"]

#: Sub-commands in menu order (the data flow): name -> (module, function, one-line help).
#: A command's module is imported only when that command runs, so `rntk-bench --help`
#: and the light commands never load numpy, pandas, scikit-learn or numba they do not
#: use. The one-line help is the first line of the command's docstring (a test keeps
#: them equal), so the menu needs no import either. Sub-command modules define plain
#: ``click.command`` functions and never import this package back.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "datasets": (
        "rntk_bench.cli.data",
        "datasets",
        "List the registered data sets and whether each is cached.",
    ),
    "download": (
        "rntk_bench.cli.data",
        "download_command",
        "Fetch data sets into the data home and verify them.",
    ),
    "kernels": (
        "rntk_bench.cli.kernels",
        "kernels_command",
        "List the registered kernels, their grids and capabilities.",
    ),
    "verify": (
        "rntk_bench.cli.kernels",
        "verify",
        "Show that the kernels are right: analytic RNTK/RNNGP next to finite wide RNNs.",
    ),
    "run": (
        "rntk_bench.cli.run",
        "run",
        "Run the benchmark: kernels x data sets, SVM selected by CV on train, scored on test.",
    ),
    "report": (
        "rntk_bench.cli.report",
        "report",
        "Write the leaderboards, tables and plots of one run folder, or of several merged.",
    ),
    "check": (
        "rntk_bench.cli.report",
        "check",
        "Check a run's accuracies against a committed reference (the CI regression).",
    ),
    "export": (
        "rntk_bench.cli.export",
        "export",
        "Write the results of RUN_DIR in another tool's format into OUT.",
    ),
    "weights": (
        "rntk_bench.cli.weights",
        "weights_command",
        "How the RNTK weights time steps: a CSV and a figure of w against steps before the end.",
    ),
}


def _file_system_error(exc: OSError) -> str:
    """One line for a folder or file the command cannot write (or read): path and fix."""
    path = exc.filename or "a file"
    reason = exc.strerror or type(exc).__name__
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = "fix its permissions (or the folder's), or choose another folder"
    else:
        fix = "check the path, or choose another folder"
    options = "--data-dir, --results-dir, --out, --reference or --gram-cache"
    return (
        f"cannot use {path}: {reason}. Fix: {fix} ({options}, whichever names it). "
        "Finished work is kept."
    )


def _closed_stdout() -> None:
    """Standard output was closed (``| head``): say so on stderr, exit 1, no traceback."""
    try:
        # Python would flush stdout once more at exit and print a second complaint.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    click.echo(
        "Error: standard output was closed before the command finished (a pipe such as "
        "`| head` ended early); the rest of the output was dropped, finished work is kept.",
        err=True,
    )
    sys.exit(1)


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _Group(click.Group):
    """A group that loads sub-commands lazily and turns errors into one-line messages.

    Besides the package's errors, file-system failures (a read-only or full folder,
    also one that becomes so mid-run, a full disk) are one line naming the path and the fix;
    a closed standard output and SIGTERM are handled too (see docs/guarantees.md).
    """

    def invoke(self, ctx: click.Context) -> Any:
        previous = on_sigterm()
        try:
            return super().invoke(ctx)
        except RntkBenchError as exc:
            raise click.ClickException(_one_line(str(exc))) from None
        except BrokenPipeError:
            _closed_stdout()
        except OSError as exc:
            if is_disk_full(exc):  # also when no file is named (a write into a file)
                raise click.ClickException(no_space(exc)) from None
            if exc.filename is None:
                raise
            raise click.ClickException(_file_system_error(exc)) from None
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, function, _ = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module), function)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # The menu from the table: listing the commands imports none of them.
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [
            (name, text if len(text) <= limit else text[: limit - 3].rsplit(" ", 1)[0] + "...")
            for name, (_, _, text) in COMMANDS.items()
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rntk-bench")
def main() -> None:
    """Benchmark the Recurrent Neural Tangent Kernel (RNTK) on UCR/UEA time series.

    Reproduces and extends the UCR experiment of Alemohammad et al., "The Recurrent
    Neural Tangent Kernel" (ICLR 2021): fetch data sets, compute RNTK and baseline
    kernels, select SVM hyper-parameters by cross-validation on the training
    split, score the test split, and write leaderboards.

    \b
    Typical session:
      rntk-bench datasets --suite bundled      list data sets, see what is cached
      rntk-bench download --suite ucr56        fetch into the data home
      rntk-bench run --suite ci --grid quick   compute kernels, fit SVMs
      rntk-bench report results/ci             leaderboards and plots
    """
