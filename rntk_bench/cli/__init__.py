"""The ``rntk-bench`` command line: a click group over the library's layers.

Only this package prints, exits or reads command-line input. Library errors
(:class:`rntk_bench.errors.RntkBenchError`) become a one-line message and exit
code 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
from typing import Any

import click

from rntk_bench import __version__
from rntk_bench.errors import RntkBenchError


def _file_system_error(exc: OSError) -> str:
    """One line for a folder or file the command cannot write (or read): path and fix."""
    path = exc.filename or "a file"
    reason = exc.strerror or type(exc).__name__
    if exc.errno == errno.ENOSPC:
        fix = "free some space or choose a folder on another disk"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = "fix its permissions (or the folder's), or choose another folder"
    else:
        fix = "check the path, or choose another folder"
    options = "--data-dir, --results-dir, --out, --reference or --gram-cache"
    return (
        f"cannot use {path}: {reason}. Fix: {fix} ({options}, whichever names it). "
        "Finished work is kept."
    )


class _Group(click.Group):
    """A group that turns the package's own errors into one-line messages.

    Besides the package's errors, file-system failures (a read-only or full folder,
    also one that becomes so mid-run) are one line naming the path and the fix;
    a closed standard output and SIGTERM are handled too (see docs/guarantees.md).
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RntkBenchError as exc:
            raise click.ClickException(_one_line(str(exc))) from None
        except OSError as exc:
            if exc.filename is None or isinstance(exc, BrokenPipeError):
                raise
            raise click.ClickException(_file_system_error(exc)) from None


def _one_line(text: str) -> str:
    return " ".join(text.split())

    def list_commands(self, ctx: click.Context) -> list[str]:
        # Keep the order of the data flow rather than the alphabet.
        return list(self.commands)


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


# Sub-command modules attach themselves to ``main``; import order is menu order.
from rntk_bench.cli import data, kernels, run, report, export, weights  # noqa: E402, F401, I001
