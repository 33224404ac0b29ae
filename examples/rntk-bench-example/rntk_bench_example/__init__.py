"""An example rntk-bench plugin: a cosine kernel and a nearest-centroid classifier."""

from rntk_bench_example.classifiers import CentroidClassifier
from rntk_bench_example.kernels import cosine

__all__ = ["CentroidClassifier", "cosine"]
__version__ = "0.1.0"
