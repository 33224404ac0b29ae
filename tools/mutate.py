"""A small mutation tester: one simple change at a time, the module's tests, killed or not.

    .venv/bin/python tools/mutate.py                  # every target below, 2 at a time
    .venv/bin/python tools/mutate.py --target select --jobs 1 --list

Each mutant is one change of one module's syntax tree:

- comparisons flipped (``<`` -> ``>=``, ``==`` -> ``!=``, ``in`` -> ``not in``, ...)
  and moved across the boundary (``<`` -> ``<=``, ``>=`` -> ``>``);
- number constants + 1 (``0`` -> ``1``, ``1e-12`` -> ``1.000000000001``), ``True`` <->
  ``False``;
- a key dropped from a dict literal, a ``d["key"] = value`` statement dropped;
- ``and`` <-> ``or``, ``not x`` -> ``x``, ``+`` <-> ``-``, ``*`` <-> ``/``.

Docstrings, f-strings (messages), annotations and ``__all__`` are left alone. The
checkout is never written: the mutated module is compiled in memory and handed to a
forked child by an import hook, and the child runs the target's tests with
``pytest -x``. The parent imports the heavy libraries once, so a mutant costs its
tests, not an interpreter start. A mutant is *killed* when a test fails (or the tests
run past the timeout), *survives* when they pass. Survivors are printed with their line
and change; judge each one: add a test that kills it, or say why it is equivalent.
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib.abc
import importlib.machinery
import importlib.util
import os
import signal
import sys
import time
import types
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Target:
    """A module to mutate and the tests that should catch its mutants."""

    module: str
    tests: tuple[str, ...]
    function: str | None = None  # only this function's body (None: the whole module)


TARGETS = {
    "protocol": Target(
        "rntk_bench.evaluation.protocol",
        (
            "tests/evaluation/test_protocol_mutants.py",
            "tests/evaluation/test_protocol.py",
            "tests/evaluation/test_identity_mutants.py",
            "tests/evaluation/test_lengths.py",
        ),
    ),
    "preprocessing": Target(
        "rntk_bench.evaluation.preprocessing",
        (
            "tests/evaluation/test_protocol_mutants.py",
            "tests/evaluation/test_protocol.py",
            "tests/evaluation/test_degenerate.py",
            "tests/evaluation/test_identity_mutants.py",
            "tests/evaluation/test_extreme_values.py",
        ),
    ),
    "identity": Target(
        "rntk_bench.experiment.plan",
        ("tests/evaluation/test_identity_mutants.py",),
        function="result_identity",
    ),
    "select": Target(
        "rntk_bench.svm.select",
        (
            "tests/svm/test_select.py",
            "tests/svm/test_select_mutants.py",
            "tests/evaluation/test_fallback.py",
        ),
    ),
    "statistics": Target(
        "rntk_bench.reporting.statistics",
        (
            "tests/reporting/test_statistics_mutants.py",
            "tests/reporting/test_statistics.py",
            "tests/reporting/test_leaderboard.py",
        ),
    ),
}

# Loaded once in the parent so that each forked child only imports the package.
HEAVY = (
    "numpy", "scipy.stats", "scipy.spatial", "pandas", "sklearn.svm",
    "sklearn.model_selection", "numba", "joblib", "click", "yaml", "pytest", "matplotlib",
)  # fmt: skip

FLIP = {
    ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt,
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}  # fmt: skip
BOUNDARY = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}
ARITHMETIC = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
SYMBOL = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.And: "and", ast.Or: "or",
}  # fmt: skip


@dataclass(frozen=True)
class Mutant:
    """One change: where (the index of the node in a walk of the tree) and what."""

    node: int
    kind: str
    option: int
    line: int
    text: str


def _skipped(tree: ast.AST) -> set[int]:
    """ids of nodes never mutated: docstrings, f-strings, annotations, __all__."""
    skip: set[int] = set()

    def mark(node: ast.AST | None) -> None:
        if node is not None:
            skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                mark(body[0])
        if isinstance(node, ast.JoinedStr):
            mark(node)
        if isinstance(node, (ast.AnnAssign, ast.arg)):
            mark(node.annotation)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            mark(node.returns)
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            mark(node)
    return skip


def _scope(tree: ast.Module, function: str | None) -> ast.AST:
    if function is None:
        return tree
    return next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function)


def mutants(tree: ast.Module, function: str | None) -> Iterator[Mutant]:
    """Every mutant of the tree (or of one function), in source order."""
    skip = _skipped(tree)
    scope = {id(n) for n in ast.walk(_scope(tree, function))}
    for index, node in enumerate(ast.walk(tree)):
        if id(node) in skip or id(node) not in scope:
            continue
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                for kind, table in (("flip", FLIP), ("boundary", BOUNDARY)):
                    if type(op) in table:
                        text = f"{SYMBOL[type(op)]} -> {SYMBOL[table[type(op)]]}"
                        yield Mutant(index, kind, i, line, text)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                yield Mutant(index, "bool", 0, line, f"{node.value} -> {not node.value}")
            elif isinstance(node.value, (int, float)):
                yield Mutant(index, "plus-one", 0, line, f"{node.value!r} -> {node.value + 1!r}")
        elif isinstance(node, ast.Dict):
            for i, key in enumerate(node.keys):
                if key is not None:
                    yield Mutant(index, "drop-key", i, line, f"drop key {ast.unparse(key)}")
        elif isinstance(node, ast.BoolOp):
            other = ast.Or if isinstance(node.op, ast.And) else ast.And
            yield Mutant(index, "boolop", 0, line, f"{SYMBOL[type(node.op)]} -> {SYMBOL[other]}")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield Mutant(index, "drop-not", 0, line, "not x -> x")
        elif isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC:
            swapped = ARITHMETIC[type(node.op)]
            yield Mutant(
                index, "arithmetic", 0, line, f"{SYMBOL[type(node.op)]} -> {SYMBOL[swapped]}"
            )
        elif isinstance(node, ast.Assign) and _is_key_store(node):
            stored = ast.unparse(node.targets[0])
            yield Mutant(index, "drop-store", 0, line, f"drop {stored} = ...")


def _is_key_store(node: ast.Assign) -> bool:
    target = node.targets[0]
    return (
        len(node.targets) == 1
        and isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Name)
        and isinstance(target.slice, ast.Constant)
        and isinstance(target.slice.value, str)
    )


def apply(tree: ast.Module, mutant: Mutant) -> ast.Module:
    """A copy of the tree with the mutant's change."""
    tree = copy.deepcopy(tree)
    node = next(n for i, n in enumerate(ast.walk(tree)) if i == mutant.node)
    if mutant.kind in ("flip", "boundary"):
        table = FLIP if mutant.kind == "flip" else BOUNDARY
        assert isinstance(node, ast.Compare)
        node.ops[mutant.option] = table[type(node.ops[mutant.option])]()
    elif mutant.kind == "bool":
        assert isinstance(node, ast.Constant)
        node.value = not node.value
    elif mutant.kind == "plus-one":
        assert isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
        node.value = node.value + 1
    elif mutant.kind == "drop-key":
        assert isinstance(node, ast.Dict)
        del node.keys[mutant.option], node.values[mutant.option]
    elif mutant.kind == "boolop":
        assert isinstance(node, ast.BoolOp)
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif mutant.kind == "drop-not":
        _replace(tree, node, node.operand)  # type: ignore[attr-defined]
    elif mutant.kind == "arithmetic":
        assert isinstance(node, ast.BinOp)
        node.op = ARITHMETIC[type(node.op)]()
    elif mutant.kind == "drop-store":
        _replace(tree, node, ast.Pass())
    return ast.fix_missing_locations(tree)


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return
            if isinstance(value, list) and any(v is old for v in value):
                value[next(i for i, v in enumerate(value) if v is old)] = new
                return
    raise AssertionError("node not found")


class _MutantLoader(importlib.abc.Loader):
    def __init__(self, code: types.CodeType, path: str) -> None:
        self.code, self.path = code, path

    def create_module(self, spec: object) -> None:
        return None

    def exec_module(self, module: object) -> None:
        module.__file__ = self.path  # type: ignore[attr-defined]
        exec(self.code, module.__dict__)  # our own module, mutated


class _MutantFinder(importlib.abc.MetaPathFinder):
    def __init__(self, name: str, code: types.CodeType, path: str) -> None:
        self.name, self.loader, self.path = name, _MutantLoader(code, path), path

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        return importlib.util.spec_from_loader(fullname, self.loader, origin=self.path)


def _child(target: Target, tree: ast.Module, path: Path) -> int:
    """In the forked child: install the mutated module, run the tests, exit with pytest's code."""
    import pytest

    code = compile(tree, str(path), "exec")
    sys.meta_path.insert(0, _MutantFinder(target.module, code, str(path)))
    os.chdir(ROOT)
    sys.stdout = sys.stderr = open(os.devnull, "w")
    args = ["-x", "-q", "-p", "no:cacheprovider", "-W", "ignore", *target.tests]
    return int(pytest.main(args))


def run(target: Target, tree: ast.Module, path: Path, timeout: float) -> tuple[str, float]:
    """'killed', 'survived' or 'timeout' for one (mutated) tree, and the seconds taken."""
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 3
        try:
            code = _child(target, tree, path)
        finally:
            os._exit(code)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - started > timeout:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout", time.monotonic() - started
        time.sleep(0.05)
    code = os.waitstatus_to_exitcode(status)
    return ("survived" if code == 0 else "killed"), time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", action="append", choices=sorted(TARGETS))
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested side by side")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    args = parser.parse_args()
    names = args.target or list(TARGETS)
    for module in HEAVY:
        try:
            importlib.import_module(module)
        except ImportError:
            pass
    assert not any(m.startswith("rntk_bench") for m in sys.modules), "imported too early"
    totals = {"killed": 0, "survived": 0, "timeout": 0}
    for name in names:
        target = TARGETS[name]
        path = ROOT / (target.module.replace(".", "/") + ".py")
        tree = ast.parse(path.read_text())
        found = list(mutants(tree, target.function))
        print(f"{name}: {len(found)} mutants of {path.relative_to(ROOT)}", flush=True)
        if args.list:
            for m in found:
                print(f"  line {m.line}: {m.kind}: {m.text}")
            continue
        status, baseline = run(target, tree, path, timeout=900)
        if status != "survived":
            print(f"  the unmutated module fails its tests ({status}): fix that first")
            return 2
        timeout = max(60.0, 4 * baseline)
        counts = _run_all(target, tree, path, found, timeout, args.jobs)
        for key in totals:
            totals[key] += counts[key]
        print(f"  {name}: " + ", ".join(f"{v} {k}" for k, v in counts.items()), flush=True)
    if not args.list:
        print("total: " + ", ".join(f"{v} {k}" for k, v in totals.items()))
    return 0


def _run_all(
    target: Target, tree: ast.Module, path: Path, found: list[Mutant], timeout: float, jobs: int
) -> dict[str, int]:
    """Run the mutants, ``jobs`` children at a time; print each survivor."""
    counts = {"killed": 0, "survived": 0, "timeout": 0}
    pending = list(found)
    running: dict[int, tuple[Mutant, float]] = {}
    while pending or running:
        while pending and len(running) < jobs:
            mutant = pending.pop(0)
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child
                code = 3
                try:
                    code = _child(target, apply(tree, mutant), path)
                finally:
                    os._exit(code)
            running[pid] = (mutant, time.monotonic())
        time.sleep(0.05)
        for pid, (mutant, started) in list(running.items()):
            done, status = os.waitpid(pid, os.WNOHANG)
            if not done and time.monotonic() - started > timeout:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                outcome = "timeout"
            elif not done:
                continue
            else:
                code = os.waitstatus_to_exitcode(status)
                outcome = "survived" if code == 0 else "killed"
            del running[pid]
            counts[outcome] += 1
            if outcome == "survived":
                print(f"  SURVIVED line {mutant.line}: {mutant.kind}: {mutant.text}", flush=True)
    return counts


if __name__ == "__main__":
    sys.exit(main())
