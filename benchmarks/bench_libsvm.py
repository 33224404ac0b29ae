"""Per-fit cost of a precomputed-kernel C-SVC through three LIBSVM bindings.

Selection fits thousands of small SVMs, so the cost around one fit matters. This
times fit + predict on a Gram matrix of an RBF kernel of random series, for the
binding the engine uses (:class:`rntk_bench.svm.PrecomputedSVC`, scikit-
learn's private ``sklearn.svm._libsvm``), scikit-learn's public ``SVC(kernel=
"precomputed")``, and the public LIBSVM binding ``libsvm-official`` (skipped when it is
not installed). Bindings are interleaved in every round, so they share the machine's
load; the median per fit is printed, with the predictions' agreement.

    python benchmarks/bench_libsvm.py [--sizes 30,100,300] [--repeats 200]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from sklearn.svm import SVC

from rntk_bench.svm import PrecomputedSVC

Fit = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def _engine(gram: np.ndarray, y: np.ndarray, test: np.ndarray) -> np.ndarray:
    return PrecomputedSVC(1.0).fit(gram, y).predict(test)


def _svc(gram: np.ndarray, y: np.ndarray, test: np.ndarray) -> np.ndarray:
    return SVC(C=1.0, kernel="precomputed").fit(gram, y).predict(test)


def _libsvm_official() -> Fit | None:
    try:
        from libsvm.svmutil import svm_predict, svm_problem, svm_train
    except ImportError:
        return None

    def fit(gram: np.ndarray, y: np.ndarray, test: np.ndarray) -> np.ndarray:
        # LIBSVM's precomputed format: column 0 holds the 1-based serial number.
        n = len(gram)
        train = np.hstack([np.arange(1, n + 1)[:, None], gram])
        model = svm_train(svm_problem(y.tolist(), train, isKernel=True), "-t 4 -c 1 -q")
        rows = np.hstack([np.zeros((len(test), 1)), test])
        labels, _, _ = svm_predict([0.0] * len(test), rows, model, "-q")
        return np.asarray(labels)

    return fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="30,100,300", help="training series per fit")
    parser.add_argument("--repeats", type=int, default=200, help="fits per size and binding")
    args = parser.parse_args()
    bindings: dict[str, Fit] = {"engine (sklearn.svm._libsvm)": _engine, "sklearn SVC": _svc}
    official = _libsvm_official()
    if official is not None:
        bindings["libsvm-official"] = official
    else:
        print("libsvm-official is not installed: its column is skipped")
    rng = np.random.default_rng(0)
    print(f"median ms per fit + predict over {args.repeats} fits (interleaved)")
    print(f"{'n_train':>7}  " + "  ".join(f"{name:>28}" for name in bindings) + "  agree")
    for n in (int(v) for v in args.sizes.split(",")):
        X = rng.normal(size=(n + 50, 64))
        y = (X[:, :3].sum(axis=1) > 0).astype(np.float64)
        d = ((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=-1)
        K = np.exp(-d / np.median(d))
        gram, test = K[:n, :n].copy(), K[n:, :n].copy()
        times: dict[str, list[float]] = {name: [] for name in bindings}
        predictions = {name: fit(gram, y[:n], test) for name, fit in bindings.items()}
        for _ in range(args.repeats):
            for name, fit in bindings.items():
                start = time.perf_counter()
                fit(gram, y[:n], test)
                times[name].append(time.perf_counter() - start)
        first = next(iter(predictions.values()))
        agree = all(np.array_equal(first, p) for p in predictions.values())
        cells = "  ".join(f"{1e3 * statistics.median(times[name]):>28.3f}" for name in bindings)
        print(f"{n:>7}  {cells}  {'yes' if agree else 'NO'}")


if __name__ == "__main__":
    main()
