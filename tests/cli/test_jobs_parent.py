"""``--jobs`` workers die with their parent (Linux): none goes on, none waits for ever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from .conftest import dark_photo

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's"
)


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_die_with_the_parent(tmp_path: Path, sig: signal.Signals) -> None:
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    for i in range(16):
        Image.fromarray(dark_photo(480, 640, seed=i)).save(shoot / f"p{i:02d}.png")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    argv = [sys.executable, "-m", "lumos", "enhance", str(shoot), "-o", str(tmp_path / "out")]
    parent = subprocess.Popen(
        [*argv, "--jobs", "2", "-q", "--model", "classical"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            workers = _children(parent.pid)
        assert len(workers) >= 2, "the workers never started"
        time.sleep(1.0)  # let them take photos
        parent.send_signal(sig)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while any(map(_alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(map(_alive, workers)), "workers outlived their parent"
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in workers:  # without the fix they would be left behind
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_raw_photos_get_spawned_workers(tmp_path: Path) -> None:
    """Forked workers inherited LibRaw's OpenMP state: a 3-line warning each."""
    from lumos.batch import Job
    from lumos.cli.enhance import pool_context

    jobs = [Job(tmp_path / "a.jpg", tmp_path / "o" / "a.jpg")]
    assert pool_context(jobs) is None
    jobs.append(Job(tmp_path / "b.DNG", tmp_path / "o" / "b.tif"))
    ctx = pool_context(jobs)
    assert ctx is not None and ctx.get_start_method() == "spawn"


def test_spawned_workers_enhance_and_die_with_the_parent(tmp_path: Path, monkeypatch) -> None:
    """A spawned worker imports lumos afresh and runs its initializer as a forked one does."""
    from lumos.cli import enhance, main

    monkeypatch.setattr(
        enhance, "pool_context", lambda jobs: __import__("multiprocessing").get_context("spawn")
    )
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    for i in range(2):
        Image.fromarray(dark_photo(seed=i)).save(shoot / f"p{i}.png")
    out = tmp_path / "out"
    assert (
        main(["enhance", str(shoot), "-o", str(out), "--jobs", "2", "-q", "--model", "classical"])
        == 0
    )
    assert sorted(p.name for p in out.iterdir()) == ["p0.png", "p1.png"]
