"""Fixtures of the data-layer tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rntk_bench.data import _http


@pytest.fixture(autouse=True)
def _no_retry_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries still happen (and are counted), without the backoff sleep."""
    monkeypatch.setattr(_http, "BACKOFF_S", 0.0)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty data home."""
    return tmp_path / "home"


def _snapshot(home: Path) -> dict[str, bytes]:
    if not home.exists():
        return {}
    files = sorted(p for p in home.rglob("*") if p.is_file())
    return {p.relative_to(home).as_posix(): p.read_bytes() for p in files}


@pytest.fixture
def snapshot() -> Callable[[Path], dict[str, bytes]]:
    """Every file under a data home by relative path, to prove that nothing changed."""
    return _snapshot
