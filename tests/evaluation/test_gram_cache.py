"""The Gram cache holds data only: planted pickles never run, damaged files are recomputed."""

from __future__ import annotations

import io
import pickle
import tracemalloc
import zipfile
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


def _npy_header(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    """A .npy magic and header declaring ``shape`` (no data)."""
    out = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(out, header)
    return out.getvalue()


def _write_members(path: Path, members: dict[str, bytes], compression: int) -> None:
    """An .npz written member by member: whatever bytes each .npy member should hold."""
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(f"{name}.npy", data)


def _npy(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


def _damage(path: Path, damage: str) -> None:
    good = dict(np.load(path, allow_pickle=False))
    members = {name: _npy(array) for name, array in good.items()}
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "text":
        path.write_text("hello")
    elif damage == "declares_huge":  # a header of 20,000 x 20,000 and 1 KiB of data
        members["rntk"] = _npy_header((20_000, 20_000)) + bytes(1024)
        _write_members(path, members, zipfile.ZIP_STORED)
    elif damage == "short_data":  # the right header, a row of data missing
        members["rntk"] = members["rntk"][: -12 * 8]
        _write_members(path, members, zipfile.ZIP_STORED)
    elif damage == "long_data":  # the right header, trailing bytes after the matrix
        members["rntk"] += bytes(64)
        _write_members(path, members, zipfile.ZIP_DEFLATED)
    elif damage == "bzip2":
        _write_members(path, members, zipfile.ZIP_BZIP2)
    else:
        if damage == "wrong_key":
            good["__key__"] = np.array("0" * 64)
        elif damage == "wrong_shape":
            good["rntk"] = good["rntk"][:3, :3]
        elif damage == "int_dtype":
            good["rntk"] = good["rntk"].astype(np.int64)
        elif damage == "asymmetric":  # one entry off by 1% of the largest
            good["rntk"] = good["rntk"].copy()
            good["rntk"][0, 1] += 0.01 * np.abs(good["rntk"]).max()
        else:
            good["rnngp"] = good["rnngp"].copy()
            good["rnngp"][0, 0] = np.nan
        with path.open("wb") as handle:
            np.savez(handle, **good)


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        ("truncated", "File is not a zip file"),
        ("wrong_key", "it belongs to another key"),
        ("wrong_shape", "its rntk member declares float64 (3, 3), not a float matrix of "
         "shape (12, 12)"),
        ("nan", "its rnngp matrix has non-finite entries"),
        ("text", "File is not a zip file"),
        ("declares_huge", "its rntk member declares float64 (20000, 20000)"),
        ("short_data", "its rntk member holds 1184 bytes; its header describes 1280"),
        ("long_data", "its rntk member holds 1344 bytes; its header describes 1280"),
        ("int_dtype", "its rntk member declares int64 (12, 12)"),
        ("asymmetric", "its rntk matrix is not symmetric: max |G - G^T|"),
        ("bzip2", "zip compression method 12"),
    ],
)  # fmt: skip
def test_damaged_or_foreign_cache_files_are_recomputed_with_one_warning(tmp_path, damage, reason):
    cache = tmp_path / "grams"
    reference = run_block(_task(None))
    run_block(_task(cache))
    path = sorted(cache.rglob("*.npz"))[0]
    _damage(path, damage)
    again = run_block(_task(cache))
    assert again.mean == reference.mean
    assert len(again.warnings) == 1 and str(path) in again.warnings[0]
    assert reason in again.warnings[0]
    assert run_block(_task(cache)).warnings == []  # replaced by a good file


def test_a_small_file_declaring_a_huge_matrix_is_refused_without_allocating_it(tmp_path):
    """3 MB that declare a 20,000 x 20,000 float64 matrix (3.2 GB) cost kilobytes to refuse.

    Before the headers were checked numpy allocated the declared 3.2 GB before reading
    a byte of it (and a memory limit turned that into a MemoryError traceback).
    """
    cache = tmp_path / "grams"
    run_block(_task(cache))
    paths = sorted(cache.rglob("*.npz"))
    members = {name: _npy(a) for name, a in np.load(paths[0], allow_pickle=False).items()}
    members["rntk"] = _npy_header((20_000, 20_000)) + bytes(3 * 2**20)
    _write_members(paths[0], members, zipfile.ZIP_STORED)
    assert 3 * 2**20 < paths[0].stat().st_size < 4 * 2**20
    tracemalloc.start()
    try:
        again = run_block(_task(cache))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20, f"{peak / 2**20:.0f} MiB allocated"
    assert again.mean == run_block(_task(None)).mean
    assert len(again.warnings) == 1 and str(paths[0]) in again.warnings[0]


def test_symmetry_is_checked_to_the_runs_dtype(tmp_path):
    """Rounding-level asymmetry (RBF's 1 ulp, torch float32) passes; more is damage."""
    cache = GramCache(tmp_path)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20, 20))
    gram = a @ a.T
    key = "ab" * 32

    def stored(relative: float, dtype: str) -> dict[str, np.ndarray] | None:
        skewed = gram.copy()
        skewed[3, 7] += relative * np.abs(gram).max()
        cache.save("rbf", key, {"rbf": skewed})
        return cache.load("rbf", key, ["rbf"], 20, dtype)

    ulp = np.spacing(np.abs(gram).max()) / np.abs(gram).max()
    assert stored(ulp, "float64") is not None
    assert stored(1e-9, "float64") is not None and cache.warnings == []
    assert stored(1e-7, "float64") is None and len(cache.warnings) == 1
    assert stored(1e-4, "float32") is not None and len(cache.warnings) == 1
    assert stored(1e-3, "float32") is None and len(cache.warnings) == 2
    assert "not symmetric" in cache.warnings[1] and "tolerance 0.00035" in cache.warnings[1]


def test_an_unwritable_cache_warns_once_and_computes(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    scores = run_block(_task(blocker / "grams"))
    assert scores.mean == run_block(_task(None)).mean
    assert len(scores.warnings) == 1 and "cannot write to the Gram cache" in scores.warnings[0]
    assert "Fix its permissions" in scores.warnings[0]
