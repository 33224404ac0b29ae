"""rntk-bench: benchmark the Recurrent Neural Tangent Kernel on the UCR/UEA archives.

The package is layered so that the folder layout shows the data flow::

    data (fetch, verify, parse) --> kernels (pure functions on arrays)
        --> evaluation (SVM + cross-validation, parallel, cached)
        --> reporting (leaderboards, plots, regression check) --> cli

Import the layer you need, e.g. ``from rntk_bench.data import load_dataset`` or
``from rntk_bench.kernels import rntk``.
"""

__version__ = "0.1.0"
