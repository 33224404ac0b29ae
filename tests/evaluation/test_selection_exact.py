"""The fast selection gives the results of the plain loop, on real UCR data sets.

Every result file's selected setting, C and test predictions must be identical
whether the CV scores come from the fast path (fold-level reuse, replayed LIBSVM
vote, C-path shortcut, pruning) or from :func:`reference_cv_scores`; the CV tables
too, except the cells pruning left NaN, each of which truly scores below the
selected cell. With ``full_cv`` nothing is pruned and the tables are identical. The
data sets are small ones of the paper's suite with 2, 3 and 5 classes; none of them
has a class with a single training series (where every setting ties).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rntk_bench.evaluation import blocks
from rntk_bench.experiment import DataOptions, RunConfig
from rntk_bench.records import iter_results
from rntk_bench.svm import reference_cv_scores

from .conftest import run_all

pytestmark = pytest.mark.ucr

GRID = """\
base: paper
rntk: {sigma_w: [1.34, 1.4142135623730951, 1.47], sigma_b: [0.0, 0.1, 2.0], sigma_h: [0.0, 1.0]}
"""


def _selections(run_dir: Path) -> dict[tuple[str, str], dict]:
    out = {}
    for _, result in iter_results(run_dir):
        assert not isinstance(result, Exception), result
        out[(result.dataset["name"], result.kernel)] = {
            "selected": result.selected,
            "cv_mean": result.cv["mean"],
            "cv_std": result.cv["std"],
            "y_pred": result.test["y_pred"],
        }
    return out


def _reference_block(grams, y, folds, c_grid, **_):
    return [reference_cv_scores(g, y, folds, c_grid) for g in grams]


def test_fast_selection_changes_no_result(ucr_mirror, tmp_path, monkeypatch):
    grid = tmp_path / "grid.yaml"
    grid.write_text(GRID)
    config = RunConfig(
        datasets=("Coffee", "CBF", "Beef", "ItalyPowerDemand"),
        kernels=("rntk", "rnngp", "ntk", "nngp", "rbf", "polynomial", "linear"),
        grid=str(grid),
        gram_cache=str(tmp_path / "grams"),  # the later runs reuse the Gram matrices
        settings_per_task=5,  # 4 RNTK blocks: later blocks start from earlier ones' floor
    )
    options = DataOptions(archive=str(ucr_mirror), download=False)
    run_all(config, tmp_path / "pruned", data_options=options)
    full_config = RunConfig(**{**config.__dict__, "full_cv": True})
    run_all(full_config, tmp_path / "full", data_options=options)
    monkeypatch.setattr(blocks, "cv_scores_block", _reference_block)
    run_all(config, tmp_path / "reference", data_options=options)
    pruned, full = _selections(tmp_path / "pruned"), _selections(tmp_path / "full")
    reference = _selections(tmp_path / "reference")
    assert len(pruned) == 4 * 7
    assert full == reference  # every cell, every fold: the plain loop exactly
    n_pruned = 0
    for key, ref in reference.items():
        got = pruned[key]
        assert got["selected"] == ref["selected"]
        assert got["y_pred"] == ref["y_pred"]
        mean, ref_mean = np.array(got["cv_mean"]), np.array(ref["cv_mean"])
        kept = ~np.isnan(mean)
        np.testing.assert_array_equal(mean[kept], ref_mean[kept])
        np.testing.assert_array_equal(np.array(got["cv_std"])[kept], np.array(ref["cv_std"])[kept])
        # a pruned cell could not have been selected: it truly scores lower
        assert np.all(ref_mean[~kept] < ref["selected"]["cv_accuracy"] - 1e-9)
        n_pruned += int((~kept).sum())
    assert n_pruned > 0  # the grid leaves cells to prune; the test is not vacuous
