"""The command line's structure: lazy sub-commands, no import cycle, shared options, light start."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

import rntk_bench.data
from rntk_bench.cli import COMMANDS, _options, main

CLI_DIR = Path(__file__).resolve().parents[2] / "rntk_bench" / "cli"
HEAVY = ("numpy", "pandas", "scipy", "sklearn", "numba", "matplotlib", "requests", "statsmodels")


def _command(name: str) -> click.Command:
    command = main.get_command(click.Context(main), name)
    assert command is not None
    return command


def test_the_menu_needs_no_import_and_says_what_each_command_says() -> None:
    assert list(main.list_commands(click.Context(main))) == list(COMMANDS)
    for name, (_, _, line) in COMMANDS.items():
        command = _command(name)
        assert command.name == name
        assert (command.help or "").strip().splitlines()[0] == line
    assert main.get_command(click.Context(main), "nope") is None


def test_no_sub_command_module_imports_the_group_back() -> None:
    for path in CLI_DIR.glob("*.py"):
        if path.name in ("__init__.py", "__main__.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.module != "rntk_bench.cli", f"{path.name} imports the cli package"
            if isinstance(node, ast.Import):
                assert all(a.name != "rntk_bench.cli" for a in node.names), path.name


@pytest.mark.parametrize("option", ["data_dir", "archive", "sources", "suite"])
def test_shared_options_are_one_declaration(option: str) -> None:
    users = [c for c in ("datasets", "download", "run") if option in _params(c)]
    assert len(users) >= 2
    infos = []
    for name in users:
        info = _params(name)[option].to_info_dict()
        if option == "suite":
            info.pop("help")  # each command says what --suite does for it
        infos.append(info)
    assert all(info == infos[0] for info in infos)


def _params(name: str) -> dict[str, click.Parameter]:
    return {p.name: p for p in _command(name).params if p.name}


def test_option_defaults_match_the_library() -> None:
    from rntk_bench.data import DEFAULT_SOURCES, DownloadLimits

    limits = DownloadLimits()
    assert _options.DEFAULT_DEADLINE_S == limits.deadline_s
    assert _options.DEFAULT_MIN_RATE_KIB * 1024 == limits.min_rate
    assert _options.DEFAULT_RATE_WINDOW_S == limits.rate_window_s
    assert DEFAULT_SOURCES[0] == _options.DEFAULT_SOURCE


def test_the_data_package_resolves_every_public_name_lazily() -> None:
    assert set(rntk_bench.data._WHERE) == set(rntk_bench.data.__all__)
    for name in rntk_bench.data.__all__:
        assert getattr(rntk_bench.data, name) is not None


_PROBE = """
import json, runpy, sys
args, heavy = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sys.argv = ["rntk-bench", *args]
try:
    runpy.run_module("rntk_bench.cli", run_name="__main__")
except SystemExit as exc:
    assert not exc.code, exc.code
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (["--help"], ()),
        (["datasets", "--suite", "ci"], ()),
        (["kernels"], ("numpy",)),
    ],
)
def test_light_commands_import_no_heavy_library(args: list[str], allowed: tuple[str, ...]) -> None:
    # What keeps start-up under 0.5 s (benchmarks/bench_startup.py measures it): these
    # commands load none of the libraries that cost seconds of CPU to import.
    probe = [sys.executable, "-c", _PROBE, json.dumps(args), json.dumps(HEAVY)]
    done = subprocess.run(probe, capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(loaded) <= set(allowed), loaded
