"""Print the package's structural figures: module sizes, function lengths, import cycles.

    python tools/structure.py [--package rntk_bench] [--max-module 500] [--max-function 100]

Every import counts, also those inside functions. Exit status 1 when a module is over
``--max-module`` lines, a function over ``--max-function`` lines (outside the allowed
list: the numba transcription of LIBSVM's solver), or any import cycle exists.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

#: Functions allowed to be long: LIBSVM's solver transcribed step for step.
ALLOWED_LONG = {"rntk_bench.svm._csvc"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports(tree: ast.AST, name: str, is_package: bool) -> set[str]:
    """Every module this module imports (absolute names), at any depth."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # "from pkg import mod" depends on pkg.mod; "from pkg import name" on pkg.
            out.update(f"{base}.{alias.name}" for alias in node.names)
            out.add(base + "?")
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in graph:
        if v not in index:
            visit(v)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default="rntk_bench")
    parser.add_argument("--max-module", type=int, default=500)
    parser.add_argument("--max-function", type=int, default=100)
    args = parser.parse_args()
    root = Path(args.package)
    sizes: dict[str, int] = {}
    functions: list[tuple[int, str]] = []
    raw: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        name = module_name(path, root)
        text = path.read_text()
        sizes[name] = len(text.splitlines())
        tree = ast.parse(text)
        raw[name] = imports(tree, name, path.name == "__init__.py")
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                functions.append((length, f"{name}.{node.name}"))
    # Edges to modules of the package only; "from pkg import name" counts as pkg.
    # A module's own ancestor packages are loaded by Python for every submodule: they
    # are not dependencies on their contents (a package re-exporting its modules is not
    # a cycle).
    graph = {}
    for m, deps in raw.items():
        edges = set()
        for dep in deps:
            if dep.endswith("?"):  # "from pkg import x": pkg, unless every x is a module
                base = dep[:-1]
                named = {
                    d
                    for d in deps
                    if d.startswith(base + ".")
                    and not d.endswith("?")
                    and d.count(".") == base.count(".") + 1
                }
                if named and all(d in sizes for d in named):
                    continue
                dep = base
            if dep in sizes and dep != m:
                edges.add(dep)
        graph[m] = edges
    problems = 0
    print("largest modules:")
    for name, lines in sorted(sizes.items(), key=lambda kv: -kv[1])[:5]:
        flag = "  OVER" if lines > args.max_module else ""
        problems += bool(flag)
        print(f"  {lines:5d}  {name}{flag}")
    print("longest functions:")
    for length, name in sorted(functions, reverse=True)[:5]:
        allowed = any(name.startswith(a + ".") for a in ALLOWED_LONG)
        flag = "" if length <= args.max_function else ("  (allowed)" if allowed else "  OVER")
        problems += flag == "  OVER"
        print(f"  {length:5d}  {name}{flag}")
    over = [n for length, n in functions if length > args.max_function]
    found = cycles(graph)
    print(
        f"modules: {len(sizes)}, over {args.max_module} lines: "
        f"{sum(v > args.max_module for v in sizes.values())}; functions over "
        f"{args.max_function} lines: {len(over)}; import cycles: {len(found)}"
    )
    for component in found:
        print("  cycle: " + " <-> ".join(component))
    return 1 if problems or found else 0


if __name__ == "__main__":
    raise SystemExit(main())
