"""The Gram cache holds data only: planted pickles never run, damaged files are recomputed."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np
import pytest

from rntk_bench.evaluation.blocks import BlockTask, run_block
from rntk_bench.evaluation.gram_cache import GramCache, inputs_digest, setting_key
from rntk_bench.evaluation.splits import cv_folds
from rntk_bench.methods import FAMILIES


class _Planted:
    """Unpickling this object creates the marker file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _task(cache: Path | None) -> BlockTask:
    rng = np.random.default_rng(3)
    X = rng.standard_normal((12, 1, 7))
    y = np.array([0, 1] * 6)
    family = FAMILIES["rnn"]
    return BlockTask(
        dataset="Toy",
        resample=0,
        family=family,
        kernels=("rntk", "rnngp"),
        block=0,
        settings=(
            family.setting({"sigma_w": 1.3, "sigma_u": 1.0, "sigma_b": 0.1, "sigma_h": 0.0}),
            family.setting({"sigma_w": 1.4, "sigma_u": 1.0, "sigma_b": 0.0, "sigma_h": 0.5}),
        ),
        X_train=X,
        y_train=y,
        folds=cv_folds(y, 3, 0),
        length=None,
        c_grid=(0.1, 1.0, 10.0),
        normalisation="mean-diagonal",
        backend_options={"backend": "auto", "dtype": "float64", "device": "cpu", "n_threads": 1},
        gram_cache=None if cache is None else str(cache),
    )


def _payloads(marker: Path) -> list[bytes]:
    """Hostile contents: a bare pickle, a .npy holding a pickled object, an npz of one."""
    bare = pickle.dumps(_Planted(marker))
    npy = io.BytesIO()
    np.save(npy, np.array([_Planted(marker)], dtype=object), allow_pickle=True)
    npz = io.BytesIO()
    np.savez(npz, __key__=np.array("x"), rntk=np.array([_Planted(marker)], dtype=object))
    return [bare, npy.getvalue(), npz.getvalue()]


def test_planted_pickles_in_the_cache_are_never_executed(tmp_path):
    """Replace each cache file in turn by code-running content: nothing runs, same scores.

    Layout-agnostic on purpose: whatever files the cache writes, none may be unpickled
    (joblib.Memory's output.pkl would run the payload and fail this test).
    """
    cache = tmp_path / "grams"
    reference = run_block(_task(None))
    first = run_block(_task(cache))
    assert first.mean == reference.mean and not getattr(first, "warnings", [])
    files = sorted(p for p in cache.rglob("*") if p.is_file())
    assert files
    originals = {p: p.read_bytes() for p in files}
    marker = tmp_path / "PWNED"
    for payload in _payloads(marker):
        for target in files:
            for path, content in originals.items():
                path.write_bytes(content)
            target.write_bytes(payload)
            again = run_block(_task(cache))
            assert not marker.exists(), f"a cache file was unpickled ({target.name})"
            assert again.mean == reference.mean
            if target.suffix == ".npz":
                assert len(again.warnings) == 1, again.warnings
                assert again.warnings[0].startswith("ignored the Gram cache file")
                assert "\n" not in again.warnings[0]
                # recomputed and replaced by a good file: the next run is quiet
                assert run_block(_task(cache)).warnings == []


def test_cache_files_are_plain_arrays_keyed_by_content(tmp_path):
    cache = tmp_path / "grams"
    task = _task(cache)
    run_block(task)
    digest = inputs_digest(task.X_train)
    for setting in task.settings:
        key = setting_key("rnn", setting.values, digest, None, "float64")
        path = GramCache(cache).path("rnn", key)
        with np.load(path, allow_pickle=False) as archive:
            assert str(archive["__key__"]) == key
            assert archive["rntk"].shape == (12, 12) and archive["rntk"].dtype == np.float64
    # other inputs, another dtype or another setting: another key
    first = task.settings[0].values
    key = setting_key("rnn", first, digest, None, "float64")
    assert setting_key("rnn", first, inputs_digest(task.X_train + 1e-12), None, "float64") != key
    assert setting_key("rnn", first, digest, None, "float32") != key
    assert setting_key("rnn", task.settings[1].values, digest, None, "float64") != key


@pytest.mark.parametrize(
    "damage",
    ["truncated", "wrong_key", "wrong_shape", "nan", "text"],
)
def test_damaged_or_foreign_cache_files_are_recomputed_with_one_warning(tmp_path, damage):
    cache = tmp_path / "grams"
    reference = run_block(_task(None))
    run_block(_task(cache))
    path = sorted(cache.rglob("*.npz"))[0]
    good = dict(np.load(path, allow_pickle=False))
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "text":
        path.write_text("hello")
    else:
        if damage == "wrong_key":
            good["__key__"] = np.array("0" * 64)
        elif damage == "wrong_shape":
            good["rntk"] = good["rntk"][:3, :3]
        else:
            good["rnngp"] = good["rnngp"].copy()
            good["rnngp"][0, 0] = np.nan
        with path.open("wb") as handle:
            np.savez(handle, **good)
    again = run_block(_task(cache))
    assert again.mean == reference.mean
    assert len(again.warnings) == 1 and str(path) in again.warnings[0]


def test_an_unwritable_cache_warns_once_and_computes(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    scores = run_block(_task(blocker / "grams"))
    assert scores.mean == run_block(_task(None)).mean
    assert len(scores.warnings) == 1 and "cannot write to the Gram cache" in scores.warnings[0]
