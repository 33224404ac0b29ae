"""Plugins: methods an installed distribution declares in the entry point group rntk_bench.methods.

A distribution is "installed" here the way pip leaves it: a ``<name>-<version>.dist-info``
folder (METADATA, entry_points.txt) on ``sys.path`` beside the package. The example
plugin's entry points are read from its own pyproject.toml, so the test runs what a
``pip install examples/rntk-bench-example`` declares.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from rntk_bench.methods import KernelFamily, TrainedMethod, lookup
from rntk_bench.methods.plugins import declared_plugins
from rntk_bench.methods.registry import listed_methods
from rntk_bench.records import iter_results

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "rntk-bench-example"
BROKEN = "Warning: plugin 'broken' of broken-plugin skipped: cannot import no_such_module_xyz "


def _install(site: Path, name: str, version: str, entry_points: dict[str, str]) -> None:
    """A distribution's metadata as pip writes it (the package itself is elsewhere)."""
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    lines = [f"{key} = {value}" for key, value in entry_points.items()]
    (info / "entry_points.txt").write_text("[rntk_bench.methods]\n" + "\n".join(lines) + "\n")


def _pyproject_table(name: str) -> dict[str, str]:
    """``key = "value"`` lines of one table of the example's pyproject.toml (tomllib is
    3.11+; the package supports 3.10)."""
    text = (EXAMPLE / "pyproject.toml").read_text()
    body = text.split(f"[{name}]\n", 1)[1].split("\n[", 1)[0]
    return dict(re.findall(r'^([\w.-]+) = "([^"]*)"$', body, flags=re.MULTILINE))


def _example_entry_points() -> dict[str, str]:
    return _pyproject_table('project.entry-points."rntk_bench.methods"')


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """The example plugin and a broken one, installed in a folder of their own."""
    site = tmp_path / "site"
    project = _pyproject_table("project")
    _install(site, project["name"], project["version"], _example_entry_points())
    _install(site, "broken-plugin", "1.0", {"broken": "no_such_module_xyz:kernel"})
    return site


@pytest.fixture
def on_path(site: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(EXAMPLE))
    monkeypatch.syspath_prepend(str(site))
    return site


def _cli(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(site), str(EXAMPLE), *filter(None, [env.get("PYTHONPATH")])]
    )
    command = [sys.executable, "-m", "rntk_bench.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


def test_the_example_declares_a_kernel_and_a_classifier(on_path):
    assert _example_entry_points() == {
        "example-cosine": "rntk_bench_example.kernels:cosine",
        "example-centroid": "rntk_bench_example.classifiers:CentroidClassifier",
    }
    plugins, warnings = declared_plugins()
    assert plugins["example-cosine"].path == "rntk_bench_example.kernels:cosine"
    assert plugins["example-cosine"].source == "entry point rntk-bench-example 0.1.0"
    assert warnings == []
    cosine, centroid = lookup("example-cosine"), lookup("example-centroid")
    assert isinstance(cosine.description, KernelFamily)
    assert cosine.description.parameters == ("power",)
    assert cosine.description.origin is not None
    assert cosine.description.origin["distribution"] == "rntk-bench-example"
    assert cosine.description.origin["version"] == "0.1.0"
    assert isinstance(centroid.description, TrainedMethod)
    assert centroid.description.parameters == ("shrinkage",)
    assert centroid.source == "entry point rntk-bench-example 0.1.0"
    # Listing loads every plugin: the broken one is one warning, the others are listed.
    entries, warnings = listed_methods()
    assert [e.name for e in entries][-2:] == ["example-cosine", "example-centroid"]
    assert len(warnings) == 1 and warnings[0].startswith(BROKEN.removeprefix("Warning: "))
    with pytest.raises(Exception, match=r"^cannot import no_such_module_xyz"):
        lookup("broken")


def test_a_name_taken_twice_is_a_warning_and_the_first_wins(on_path):
    _install(on_path, "clash", "2.0", {"rbf": "x:y", "example-cosine": "other_pkg:cosine"})
    plugins, warnings = declared_plugins()
    assert plugins["example-cosine"].path == "rntk_bench_example.kernels:cosine"
    assert warnings == [
        "plugin 'example-cosine' of clash (other_pkg:cosine) is ignored: rntk-bench-example "
        "declares the same name (rntk_bench_example.kernels:cosine)."
    ]
    assert lookup("rbf").source == "built-in"
    _, listed = listed_methods()
    assert "plugin 'rbf' of clash is ignored: the name is built in." in listed


def test_kernels_lists_plugins_and_a_broken_one_is_one_warning_line(site):
    done = _cli(site, "kernels")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        BROKEN + "(for no_such_module_xyz:kernel): ModuleNotFoundError: No module named "
        "'no_such_module_xyz'"
    ]
    rows = {line.split()[0]: line for line in done.stdout.splitlines()}
    assert "entry point rntk-bench-example 0.1.0" in rows["example-cosine"]
    assert "user kernel" in rows["example-cosine"]
    assert "classifier" in rows["example-centroid"]
    assert "built-in" in rows["rntk"]
    listed = json.loads(_cli(site, "kernels", "--format", "json").stdout)
    assert {r["name"]: r["source"] for r in listed}["example-centroid"] == (
        "entry point rntk-bench-example 0.1.0"
    )
    # A command that does not use plugins never imports one: no warning at all.
    assert _cli(site, "datasets", "--suite", "ci").stderr == ""
    # Asked for by name, the broken plugin is an error in one line.
    run = _cli(site, "run", "GunPoint", "--kernels", "broken")
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        "Error: cannot import no_such_module_xyz (for no_such_module_xyz:kernel): "
        "ModuleNotFoundError: No module named 'no_such_module_xyz'"
    ]


def _accuracies(run_dir: Path) -> dict[tuple[str, str], float]:
    return {(r.dataset["name"], r.kernel): r.accuracy for _, r in iter_results(run_dir)}


def test_the_example_plugins_methods_run_with_a_grid_file(site, tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text("base: quick\nexample-cosine: {power: [1, 2]}\nexample-centroid: {}\n")
    done = _cli(
        site, "run", "GunPoint", "ItalyPowerDemand", "--kernels",
        "rbf,example-cosine,example-centroid", "--grid", str(grid), "-q",
        "--results-dir", str(tmp_path / "results"), "--name", "plugins",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    run_dir = tmp_path / "results" / "plugins"
    accuracy = _accuracies(run_dir)
    assert len(accuracy) == 6
    # The cosine kernel's SVM is as good as the RBF's on these two; centroids are simpler.
    assert accuracy[("ItalyPowerDemand", "example-cosine")] > 0.95
    assert accuracy[("GunPoint", "example-cosine")] > 0.85
    assert 0.6 < accuracy[("GunPoint", "example-centroid")] < 0.9
    assert accuracy[("ItalyPowerDemand", "example-centroid")] > 0.85
    cosine = next(r for _, r in iter_results(run_dir) if r.kernel == "example-cosine")
    assert cosine.cv["settings"] == [{"power": 1}, {"power": 2}]
    assert cosine.identity["origin"]["distribution"] == "rntk-bench-example"


@pytest.mark.slow
def test_the_example_plugin_beside_rntk_and_rbf_on_the_ci_suite(site, tmp_path):
    done = _cli(
        site, "run", "--suite", "ci", "--grid", "quick", "--kernels",
        "rntk,rbf,example-cosine,example-centroid", "--results-dir", str(tmp_path / "results"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    run_dir = tmp_path / "results" / "ci"
    accuracy = _accuracies(run_dir)
    assert len(accuracy) == 5 * 4
    for (dataset, method), value in accuracy.items():
        assert value > 0.55, (dataset, method, value)
    report = _cli(site, "report", str(run_dir))
    assert report.returncode == 0, report.stderr
    table = pd.read_csv(run_dir / "report" / "accuracy.csv")
    assert {"rntk", "rbf", "example-cosine", "example-centroid"} <= set(table.columns)
    board = pd.read_csv(run_dir / "report" / "leaderboard.csv")
    assert set(board["method"]) >= {"example-cosine", "example-centroid"}
