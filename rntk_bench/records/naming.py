"""The names a result is shown under: one place for the engine and the reports.

A method is a registered name plus, when it ran under a length policy other than the
default, that policy: "rbf", "rbf+pad-start", "rntk+pad-end". Reports add, in brackets,
what the method did differently from the headline protocol (its variant tags, worked
out from the result file by :func:`rntk_bench.reporting.variants.variant_tags`):
"rntk[L=2,erf]", "rbf+pad-start[prep=znorm]". A data set variant is the data set's
name plus its variant label: "GunPoint", "GunPoint [test: last 50%]".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["DEFAULT_LENGTH_POLICY", "file_name", "method_name", "variant_name"]

# Characters a method's name keeps in file and folder names (every built-in name has
# only these); anything else (the ':' of an import path, a '/') becomes '_'.
_UNSAFE = re.compile(r"[^A-Za-z0-9._+@-]")

#: The length policy a plain method name stands for.
DEFAULT_LENGTH_POLICY = "resample"


def method_name(kernel: str, policy: str | None, tags: Sequence[str] = ()) -> str:
    """The method a (kernel, length policy) pair is reported as: "rbf", "rbf+pad-start".

    ``policy`` None (a native-length kernel) and the default policy give the plain name.
    ``tags`` (a report's variant tags, e.g. ["L=2", "erf"]) follow in brackets:
    "rntk[L=2,erf]", "rbf+pad-start[C=1]"; none (the headline protocol) adds nothing.
    """
    name = kernel if policy in (None, DEFAULT_LENGTH_POLICY) else f"{kernel}+{policy}"
    return f"{name}[{','.join(tags)}]" if tags else name


def variant_name(dataset: str, variant: str | None) -> str:
    """The data set a variant is reported as: "GunPoint", "GunPoint [test: last 50%]".

    ``variant`` is the variant's label (a test truncation's ``label``), None for the
    data set as it is.
    """
    return dataset if not variant else f"{dataset} [{variant}]"


def file_name(method: str) -> str:
    """A method's name as it appears in file and folder names: the one mapping.

    Built-in names are unchanged ("rntk"); a user's method named by its import path
    keeps letters, digits and ``._+@-``, the rest becomes "_"
    ("my_pkg.kernels:cosine" -> "my_pkg.kernels_cosine"). Two names that map alike
    still get different files: the result's id is part of the name.
    """
    safe = _UNSAFE.sub("_", method)
    return safe if safe.strip(".") else f"_{safe}"
