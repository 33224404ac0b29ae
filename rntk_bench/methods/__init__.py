"""Methods: one typed description for everything a run can compare.

- :mod:`.base`: the interface (:class:`KernelFamily`, :class:`TrainedMethod`,
  :class:`Setting`, :class:`Capabilities`).
- :mod:`.families`: the kernel families (RNTK/RNNGP, FC NTK/NNGP, RBF, polynomial,
  linear, GAK).
- :mod:`.trained`: trained methods (the finite RNN).
- :mod:`.grids`: the "paper" and "quick" grids and grid files.
- :mod:`.registry`: the one registry of names (``rntk-bench kernels``).
- :mod:`.plugins`, :mod:`.user_kernel`, :mod:`.user_classifier`: a user's kernel
  function or classifier class, by import path or an installed plugin's entry point,
  described with the same interface.
"""

from rntk_bench.methods.base import (
    Capabilities,
    KernelFamily,
    Member,
    Setting,
    TrainedMethod,
)
from rntk_bench.methods.families import FAMILIES
from rntk_bench.methods.grids import GRIDS, load_grid
from rntk_bench.methods.registry import (
    METHODS,
    Entry,
    family_aliases,
    get_family,
    kernel_names,
    load_family_grid,
    lookup,
    method_names,
)

__all__ = [
    "FAMILIES",
    "GRIDS",
    "METHODS",
    "Capabilities",
    "Entry",
    "KernelFamily",
    "Member",
    "Setting",
    "TrainedMethod",
    "family_aliases",
    "get_family",
    "kernel_names",
    "load_family_grid",
    "load_grid",
    "lookup",
    "method_names",
]
