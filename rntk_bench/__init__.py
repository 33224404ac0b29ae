"""rntk-bench: benchmark the Recurrent Neural Tangent Kernel on the UCR/UEA archives.

The package is layered so that the folder layout shows the data flow::

    data (fetch, verify, parse) --> kernels (pure functions on arrays)
        --> evaluation (SVM + cross-validation, parallel, cached)
        --> reporting (leaderboards, plots, regression check) --> cli

The array-level entry point is :func:`evaluate` (``from rntk_bench import evaluate``):
one method, one train/test split, the whole protocol. Import the layer you need for the
rest, e.g. ``from rntk_bench.data import load_dataset`` or ``from rntk_bench.kernels
import rntk``; docs/architecture.md has the map.
"""

from rntk_bench._version import __version__

__all__ = ["__version__", "evaluate"]


def __getattr__(name: str) -> object:
    # Lazy: `import rntk_bench` stays light (reading results needs no kernels or SVM).
    if name == "evaluate":
        from rntk_bench.evaluation.evaluate import evaluate

        return evaluate
    raise AttributeError(f"module 'rntk_bench' has no attribute {name!r}")
