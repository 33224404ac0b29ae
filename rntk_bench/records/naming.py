"""The names a result is shown under: one place for the engine and the reports.

A method is a registered name plus, when it ran under a length policy other than the
default, that policy: "rbf", "rbf+pad-start", "rntk+pad-end". A data set variant is the
data set's name plus its variant label: "GunPoint", "GunPoint [test: last 50%]".
Reports add protocol tags on top (:func:`rntk_bench.reporting.variants.method_name`).
"""

from __future__ import annotations

__all__ = ["DEFAULT_LENGTH_POLICY", "method_name", "variant_name"]

#: The length policy a plain method name stands for.
DEFAULT_LENGTH_POLICY = "resample"


def method_name(kernel: str, policy: str | None) -> str:
    """The method a (kernel, length policy) pair is reported as: "rbf", "rbf+pad-start".

    ``policy`` None (a native-length kernel) and the default policy give the plain name.
    """
    return kernel if policy in (None, DEFAULT_LENGTH_POLICY) else f"{kernel}+{policy}"


def variant_name(dataset: str, variant: str | None) -> str:
    """The data set a variant is reported as: "GunPoint", "GunPoint [test: last 50%]".

    ``variant`` is the variant's label (a test truncation's ``label``), None for the
    data set as it is.
    """
    return dataset if not variant else f"{dataset} [{variant}]"
