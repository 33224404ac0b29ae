"""Reading results never imports the engine, and reporting's modules stay small and acyclic.

A report is made where the engine may not even install (no compiler for numba, another
scikit-learn): ``import rntk_bench.reporting`` and reading a run folder must load none
of the kernels, the method registry, the SVM fits, the evaluation stages or the
experiment. Checked at run time in a fresh interpreter (imports inside functions
count too), with a report built and written from a run folder.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import rntk_bench.reporting

from .conftest import WriteRun

#: Modules that reading results must never load.
ENGINE = (
    "numba",
    "sklearn",
    "torch",
    "tslearn",
    "sktime",
    "statsmodels",
    "rntk_bench.experiment",
    "rntk_bench.estimators",
    "rntk_bench.methods",
    "rntk_bench.kernels",
    "rntk_bench.svm.cv",
    "rntk_bench.svm._csvc",
    "rntk_bench.svm.select",
    "rntk_bench.svm.decision",
    "rntk_bench.evaluation.splits",
    "rntk_bench.evaluation.experiment",
    "rntk_bench.evaluation.methods",
    "rntk_bench.evaluation.svm",
)

_READ = """
import json, sys
import rntk_bench.reporting as reporting

run, out = sys.argv[1], sys.argv[2]
table, problems = reporting.load_results(run)
assert len(table) == 6 and not problems, (len(table), problems)
report = reporting.build_report(run)
reporting.write_report(report, out, plots=False)
loaded = sorted(sys.modules)
print(json.dumps(loaded))
"""


def _loaded_modules(write_run: WriteRun, tmp_path: Path) -> list[str]:
    run = write_run(
        {
            ("GunPoint", "rntk"): 0.9,
            ("GunPoint", "rbf"): 0.8,
            ("GunPoint", "ntk"): 0.85,
            ("Coffee", "rntk"): 1.0,
            ("Coffee", "rbf"): 0.95,
            ("Coffee", "ntk"): 0.9,
        }
    )
    done = subprocess.run(
        [sys.executable, "-c", _READ, str(run), str(tmp_path / "report")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "report" / "README.md").is_file()
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def _loads(loaded: list[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in loaded)


def test_reading_a_run_folder_loads_no_engine_module(write_run: WriteRun, tmp_path: Path) -> None:
    loaded = _loaded_modules(write_run, tmp_path)
    assert "rntk_bench.reporting.leaderboard" in loaded  # the check ran what it should
    assert [name for name in ENGINE if _loads(loaded, name)] == []


def test_reading_a_run_folder_loads_no_svm_module(write_run: WriteRun, tmp_path: Path) -> None:
    loaded = _loaded_modules(write_run, tmp_path)
    assert not _loads(loaded, "rntk_bench.svm")


PACKAGE = Path(rntk_bench.reporting.__file__).parent
RECORDS = PACKAGE.parent / "records"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every rntk_bench module ``path`` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return {name for name in found if name.startswith("rntk_bench.")}


def test_reporting_and_records_have_no_import_cycle() -> None:
    files = sorted(PACKAGE.glob("*.py")) + sorted(RECORDS.glob("*.py"))
    modules = {_module_name(f): f for f in files}
    graph = {
        name: {m for m in _imports(path) if m in modules and m != name}
        for name, path in modules.items()
    }
    # A package's __init__ re-exports its modules; only cycles among the modules count.
    packages = {"rntk_bench.reporting", "rntk_bench.records"}
    cycles = []
    for start in graph:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in graph[node] - packages:
                if nxt == start:
                    cycles.append(" -> ".join([*path, start]))
                elif nxt not in path:
                    stack.append((nxt, [*path, nxt]))
    assert cycles == []


def test_reporting_modules_and_functions_stay_small() -> None:
    too_long = []
    for path in sorted(PACKAGE.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > 400:
            too_long.append(f"{path.name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > 100:
                    too_long.append(f"{path.name}: {node.name} {lines} lines")
    assert too_long == []
