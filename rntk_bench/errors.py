"""The package's own exception types.

Library code raises these for bad input or bad data; the CLI turns them into a
one-line message and exit code 1. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class RntkBenchError(Exception):
    """Base class of every error the package raises on purpose."""


class InputError(RntkBenchError, ValueError):
    """A parameter or array handed to a public function is invalid."""


class UnknownNameError(InputError, KeyError):
    """A data set, suite, kernel or grid name that is not registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class DataError(RntkBenchError):
    """A data file is missing, corrupt, malformed or disagrees with the registry."""


class DownloadError(DataError):
    """A download failed (HTTP error, timeout, truncated body)."""


class ChecksumError(DataError):
    """A file's sha256 differs from the one recorded in the lock file."""


class ResultError(RntkBenchError):
    """A result file or results folder is unusable."""


class NumericalError(RntkBenchError):
    """Values became non-finite (an overflow): no result may be built on them."""


class DegenerateDataError(NumericalError):
    """Preprocessed values or a Gram matrix the kernels cannot tell apart.

    Series whose values underflow after preprocessing, a training Gram matrix whose
    diagonal underflows or that is constant: every fit on them would score chance, so
    no result may be built on them.
    """
