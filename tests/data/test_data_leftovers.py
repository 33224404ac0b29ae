"""Leftovers: staging folders and old copies or links go, an old copy comes back, live ones stay."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from rntk_bench.data import download, fetch_dataset

NAME = "ItalyPowerDemand"  # bundled: no network


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_leftovers_of_dead_processes_are_cleaned_on_the_next_load(tmp_path):
    home = tmp_path / "home"
    fetch_dataset(NAME, data_dir=home)
    dead = _dead_pid()
    staging = home / f".staging-{NAME}-{dead}-abcd1234"
    (staging / "files").mkdir(parents=True)
    (staging / f".{NAME}.zip.part").write_bytes(b"half a zip")
    other = home / f".staging-{NAME}AgeSpan-{dead}-x"  # another data set's: not ours
    other.mkdir()
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as alive:
        try:
            running = home / f".staging-{NAME}-{alive.pid}-ffff0000"
            running.mkdir()  # a concurrent fetch in progress: left alone
            fetch_dataset(NAME, data_dir=home)
            assert not staging.exists()
            assert running.is_dir() and other.is_dir()
        finally:
            alive.kill()


def test_an_old_copy_whose_replacement_never_arrived_is_restored(tmp_path):
    home = tmp_path / "home"
    fetch_dataset(NAME, data_dir=home)
    before = {p.name: p.read_bytes() for p in (home / NAME).iterdir()}
    # killed between moving the cached copy aside and moving the new one in
    os.replace(home / NAME, home / f".old-{NAME}-{_dead_pid()}-0a0b0c0d")
    data = fetch_dataset(NAME, data_dir=home, download=False)
    assert data.source == "cache"  # restored, not imported again
    assert {p.name: p.read_bytes() for p in (home / NAME).iterdir()} == before
    assert not list(home.glob(".old-*"))


def test_a_forced_reimport_over_a_symlinked_copy_leaves_no_old_link(tmp_path):
    """The cached folder may be a link to a folder elsewhere: the link goes, not its files."""
    home = tmp_path / "home"
    fetch_dataset(NAME, data_dir=home)
    elsewhere = tmp_path / "elsewhere"
    os.replace(home / NAME, elsewhere)
    (home / NAME).symlink_to(elsewhere, target_is_directory=True)
    before = {p.name: p.read_bytes() for p in elsewhere.iterdir()}
    download([NAME], data_dir=home, force=True)
    assert not list(home.glob(".old-*"))
    assert (home / NAME).is_dir() and not (home / NAME).is_symlink()
    assert {p.name: p.read_bytes() for p in elsewhere.iterdir()} == before  # untouched


def test_an_old_link_left_by_a_dead_process_goes_at_the_next_start(tmp_path):
    home = tmp_path / "home"
    fetch_dataset(NAME, data_dir=home)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "kept.txt").write_text("not the cache's")
    (home / f".old-{NAME}-{_dead_pid()}-0a0b0c0d").symlink_to(elsewhere)
    fetch_dataset(NAME, data_dir=home)
    assert not list(home.glob(".old-*"))
    assert (elsewhere / "kept.txt").read_text() == "not the cache's"


def test_kill_minus_9_during_a_download_leaves_nothing_after_the_next_run(tmp_path):
    """A real interrupted download: the staging folder of the killed process goes."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts, never answers: the download hangs in staging
    port = listener.getsockname()[1]
    home = tmp_path / "home"
    code = (
        "from rntk_bench.data import fetch_dataset;"
        f"fetch_dataset('Coffee', data_dir={str(home)!r},"
        f" sources=['http://127.0.0.1:{port}/{{name}}.zip'])"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not list(home.glob(".staging-Coffee-*")):
            time.sleep(0.05)
        assert list(home.glob(".staging-Coffee-*"))
    finally:
        proc.kill()
        proc.wait()
        listener.close()
    assert list(home.glob(".staging-Coffee-*"))  # what kill -9 leaves
    archive = tmp_path / "archive"
    archive.mkdir()  # Coffee is not in it: the fetch fails, but cleans up first
    try:
        fetch_dataset("Coffee", data_dir=home, archive=archive, sources=[])
    except Exception:
        pass
    assert not list(home.glob(".staging-*"))
