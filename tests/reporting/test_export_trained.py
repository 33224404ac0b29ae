"""A trained method's results (a classifier by import path) export like a kernel's."""

from __future__ import annotations

from click.testing import CliRunner

from rntk_bench.cli import main


def test_a_classifier_by_import_path_is_exported(tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text("sklearn.neighbors:KNeighborsClassifier: {n_neighbors: [1]}\n")
    runner = CliRunner()
    run = runner.invoke(
        main,
        [
            "run", "GunPoint", "--kernels", "linear,sklearn.neighbors:KNeighborsClassifier",
            "--grid", str(grid), "--results-dir", str(tmp_path), "--name", "t", "-q",
        ],
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    out = tmp_path / "out"
    exported = runner.invoke(main, ["export", str(tmp_path / "t"), str(out)])
    assert exported.exit_code == 0, exported.output
    assert "Wrote 2 tsml-eval result files" in exported.output
    path = (
        out / "sklearn.neighbors_KNeighborsClassifier" / "Predictions" / "GunPoint"
        / "testResample0.csv"
    )  # fmt: skip
    lines = path.read_text().splitlines()
    # 1-NN Euclidean on GunPoint: 137 of 150 (the archive's published 1-NN ED error 0.0867).
    assert lines[2].split(",")[0] == str(137 / 150)
    assert '"C":null' in lines[1]
    assert len(lines) == 3 + 150
