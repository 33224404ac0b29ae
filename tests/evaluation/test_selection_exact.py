"""The fast selection gives the results of the plain loop, on real UCR data sets.

Every result file's selected setting, C, CV table and test predictions must be
identical whether the CV scores come from :func:`cv_scores` (fold-level reuse,
replayed LIBSVM vote, C-path shortcut) or from :func:`reference_cv_scores`. The
data sets are small ones of the paper's suite with 2, 3 and 5 classes; none of them
has a class with a single training series (where every setting ties).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rntk_bench.evaluation import tasks
from rntk_bench.evaluation.experiment import DataOptions, RunConfig
from rntk_bench.evaluation.results import iter_results
from rntk_bench.evaluation.svm import reference_cv_scores

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
            "capped": result.cv["capped_fits"],
            "y_pred": result.test["y_pred"],
        }
    return out


def test_fast_selection_changes_no_result(ucr_mirror, tmp_path, monkeypatch):
    grid = tmp_path / "grid.yaml"
    grid.write_text(GRID)
    config = RunConfig(
        datasets=("Coffee", "CBF", "Beef", "ItalyPowerDemand"),
        kernels=("rntk", "rnngp", "ntk", "nngp", "rbf", "polynomial", "linear"),
        grid=str(grid),
        gram_cache=str(tmp_path / "grams"),  # the second run reuses the Gram matrices
    )
    options = DataOptions(archive=str(ucr_mirror), download=False)
    run_all(config, tmp_path / "fast", data_options=options)
    monkeypatch.setattr(tasks, "cv_scores", reference_cv_scores)
    run_all(config, tmp_path / "reference", data_options=options)
    fast, reference = _selections(tmp_path / "fast"), _selections(tmp_path / "reference")
    assert len(fast) == 4 * 7
    assert fast == reference
