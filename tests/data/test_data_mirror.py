"""Every data set in the UCR mirror loads with the registry's shapes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from rntk_bench.data import fetch_dataset, get_registry

pytestmark = pytest.mark.ucr

UCR_ROOT = Path(
    os.environ.get("RNTK_BENCH_TEST_UCR")
    or Path(__file__).resolve().parents[2].parent / "shared" / "ucr"
)
UCR_ARCHIVE = UCR_ROOT / "UCRArchive_2018"


def mirror_names() -> list[str]:
    """Data sets with raw .tsv files in the mirror (empty where it is absent)."""
    if not UCR_ARCHIVE.is_dir():
        return []
    return sorted(p.name for p in UCR_ARCHIVE.iterdir() if (p / f"{p.name}_TRAIN.tsv").is_file())


# Collected at import so that each data set is its own test; without the mirror the
# single placeholder case skips through the ucr_mirror fixture.
NAMES = mirror_names() or ["(no mirror)"]


@pytest.fixture(scope="module")
def shared_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mirror-home")


def test_mirror_holds_the_expected_sets(ucr_mirror: Path) -> None:
    ucr56 = get_registry().suites["ucr56"]
    present = set(mirror_names())
    # The mirror's README: 54 of the 56 ucr56 sets (not Symbols, Yoga), plus all 11
    # variable-length univariate UCR sets (the UCR part of the varlen suite).
    assert set(ucr56) - present == {"Symbols", "Yoga"}
    varlen_ucr = {n for n in get_registry().suites["varlen"] if get_registry()[n].archive == "UCR"}
    assert len(varlen_ucr) == 11
    assert varlen_ucr <= present
    assert present <= set(ucr56) | varlen_ucr


@pytest.mark.parametrize("name", NAMES)
def test_mirror_dataset_has_the_registry_shapes(
    name: str, ucr_mirror: Path, shared_home: Path
) -> None:
    info = get_registry()[name]
    ds = fetch_dataset(name, data_dir=shared_home, archive=ucr_mirror, sources=[])
    # Source order: sktime's bundled copy comes before the archive.
    folder = ucr_mirror / "UCRArchive_2018" / name
    assert ds.source == ("sktime" if info.bundled else f"archive {folder}")
    assert len(ds.y_train) == info.n_train and len(ds.y_test) == info.n_test
    assert len(ds.classes) == info.n_classes
    assert set(np.unique(np.concatenate([ds.y_train, ds.y_test]))) == set(range(info.n_classes))
    if info.length is None:
        assert isinstance(ds.X_train, list) and isinstance(ds.X_test, list)
        series = ds.X_train + ds.X_test
        assert all(s.shape[0] == 1 and s.dtype == np.float64 for s in series)
        assert len({s.shape[1] for s in series}) > 1  # really variable length
        assert not any(np.isnan(s).any() for s in series)
    else:
        assert isinstance(ds.X_train, np.ndarray) and isinstance(ds.X_test, np.ndarray)
        assert ds.X_train.shape == (info.n_train, 1, info.length)
        assert ds.X_test.shape == (info.n_test, 1, info.length)
        assert ds.X_train.dtype == np.float64
        assert np.isfinite(ds.X_train).all() and np.isfinite(ds.X_test).all()
