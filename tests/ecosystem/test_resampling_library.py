"""Resamples equal tsml-eval's and aeon's own stratified resampling, index for index.

Needs tsml-eval or aeon (the ``ecosystem`` extra); skips cleanly without them.
"""

from __future__ import annotations

import numpy as np
import pytest

from rntk_bench.evaluation.splits import resample_split


def _library_functions() -> list:
    found = []
    try:
        from tsml_eval.utils.resampling import stratified_resample_data_indices
    except ImportError:
        pass
    else:
        found.append(stratified_resample_data_indices)
    try:
        from aeon.benchmarking.resampling import stratified_resample_data_indices as aeon_indices
    except ImportError:
        pass
    else:
        found.append(aeon_indices)
    return found


LIBRARY = _library_functions()
pytestmark = pytest.mark.skipif(not LIBRARY, reason="neither tsml-eval nor aeon is installed")


@pytest.mark.parametrize("library", LIBRARY, ids=lambda f: f.__module__.split(".")[0])
@pytest.mark.parametrize(
    "labels",
    [
        ("1", "2"),
        ("-1", "1"),
        tuple(str(k) for k in range(1, 13)),  # "10" < "2" as strings
        ("a", "b", "c"),
    ],
)
def test_resample_k_is_the_library_resample_k(library, labels):
    rng = np.random.default_rng(len(labels))
    k = len(labels)
    y_train = np.concatenate([np.arange(k), rng.integers(0, k, 40)])
    y_test = np.concatenate([np.arange(k), rng.integers(0, k, 70)])
    names = np.asarray(labels)
    for resample in (1, 2, 7):
        ours = resample_split(y_train, y_test, resample, seed=0, labels=labels)
        theirs = library(names[y_train], names[y_test], random_state=resample)
        assert np.array_equal(ours[0], theirs[0])
        assert np.array_equal(ours[1], theirs[1])


@pytest.mark.ucr
def test_resample_of_a_real_data_set_is_the_library_resample(ucr_mirror):
    from rntk_bench.data import fetch_dataset

    data = fetch_dataset("ECG200", archive=ucr_mirror)
    labels = np.asarray(data.classes)
    for resample in (1, 3):
        ours = resample_split(data.y_train, data.y_test, resample, 0, labels=data.classes)
        theirs = LIBRARY[0](labels[data.y_train], labels[data.y_test], random_state=resample)
        assert np.array_equal(ours[0], theirs[0]) and np.array_equal(ours[1], theirs[1])
