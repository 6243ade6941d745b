"""Partial files a killed run left (``.lumos-*``) are removed by the next run, and said so."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from lumos.cli import main
from lumos.io import _write as w
from lumos.io import remove_stale_temp_files


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _make(folder: Path, name: str, age: float = 0.0) -> Path:
    p = folder / name
    p.write_bytes(b"half a photo")
    if age:
        t = time.time() - age
        os.utime(p, (t, t))
    return p


def test_only_stale_temp_files_of_lumos_are_removed(tmp_path: Path) -> None:
    dead, day = _dead_pid(), w.STALE_TEMP_AGE + 60
    stale = [
        _make(tmp_path, f".lumos-{dead}-{w._HOST}-abcd_123.jpg"),  # its run was killed
        _make(tmp_path, ".lumos-k3j4h5g6.png", age=day),  # named before the pid was in it
        _make(tmp_path, f".lumos-{dead}-0f0f0f-abcdefgh.tif", age=day),  # another machine's
    ]
    kept = [
        _make(tmp_path, f".lumos-{os.getpid()}-{w._HOST}-abcdefgh.jpg"),  # being written
        _make(tmp_path, ".lumos-k3j4h5g6.png".replace("k", "m")),  # recent: maybe being written
        _make(tmp_path, f".lumos-{dead}-0f0f0f-abcdefgh.png"),  # another machine's, recent
        _make(tmp_path, ".lumos-notes.txt", age=day),  # not a name lumos makes
        _make(tmp_path, "photo.jpg", age=day),
    ]
    assert sorted(remove_stale_temp_files(tmp_path)) == sorted(stale)
    assert all(p.exists() for p in kept) and not any(p.exists() for p in stale)
    assert remove_stale_temp_files(tmp_path / "missing") == []


def test_a_write_names_its_process(tmp_path: Path) -> None:
    seen: list[str] = []

    def write(f) -> None:
        seen.extend(os.listdir(tmp_path))
        f.write(b"x")

    w.atomic_write(tmp_path / "a.jpg", write, overwrite=False)
    assert len(seen) == 1 and seen[0].startswith(f".lumos-{os.getpid()}-{w._HOST}-")


def test_the_next_run_in_the_folder_cleans_up_and_says_so(tmp_path: Path, capsys) -> None:
    photo = tmp_path / "night.png"
    Image.fromarray(np.full((24, 32, 3), 30, np.uint8)).save(photo)
    out = tmp_path / "out"
    out.mkdir()
    left = _make(out, f".lumos-{_dead_pid()}-{w._HOST}-abcdefgh.png")
    assert main(["enhance", str(photo), "-o", str(out), "--model", "classical"]) == 0
    assert not left.exists()
    assert f"{out}: removed 1 partial file (.lumos-*)" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["night.png"]
