"""Folders that cannot be listed or searched, and symlink loops: named, never dropped.

Permissions do not bind root (the tests may run as root), so besides the real
``chmod`` the denial is also made by patching the ``os`` calls that see it, for
the locked folder only: the kernel's answer, whoever runs the tests.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from lumos.batch import plan_batch
from lumos.cli import main

from .conftest import dark_photo


def _photo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(dark_photo(24, 32)).save(path)
    return path


def _denied(path: str) -> PermissionError:
    return PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)


@pytest.fixture
def lock(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """``lock(folder)``: the folder cannot be listed (mode 000); ``lock(folder,
    listable=True)``: it can be listed but not searched (mode 644), so nothing in it
    can be opened or looked at."""
    locked: list[tuple[Path, bool]] = []  # (folder, can be listed)
    real_scandir, real_listdir, real_stat = os.scandir, os.listdir, os.stat

    def absolute(p: object) -> Path | None:
        if isinstance(p, (str, bytes, os.PathLike)):
            return Path(os.fsdecode(p)).absolute()
        return None  # a file descriptor

    def listing_denied(p: object) -> bool:
        q = absolute(p)
        return q is not None and any(
            (q == f and not listable) or f in q.parents for f, listable in locked
        )

    def stat_denied(p: object) -> bool:
        q = absolute(p)
        return q is not None and any(f in q.parents for f, _ in locked)

    def scandir(p: object = ".") -> object:
        if listing_denied(p):
            raise _denied(os.fsdecode(p))  # type: ignore[arg-type]
        return real_scandir(p)  # type: ignore[arg-type]

    def listdir(p: object = ".") -> list:
        if listing_denied(p):
            raise _denied(os.fsdecode(p))  # type: ignore[arg-type]
        return real_listdir(p)  # type: ignore[arg-type]

    def stat(p: object, *args: object, **kw: object) -> os.stat_result:
        if stat_denied(p):
            raise _denied(os.fsdecode(p))  # type: ignore[arg-type]
        return real_stat(p, *args, **kw)  # type: ignore[arg-type]

    def do_lock(folder: Path, listable: bool = False) -> None:
        folder.chmod(0o644 if listable else 0o000)
        locked.append((folder.absolute(), listable))

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "listdir", listdir)
    monkeypatch.setattr(os, "stat", stat)
    yield do_lock
    monkeypatch.undo()
    for folder, _ in locked:
        folder.chmod(0o755)


def _run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, out, err


def test_recursive_run_names_an_unreadable_subfolder(capsys, tmp_path: Path, lock) -> None:
    shoot = tmp_path / "shoot"
    _photo(shoot / "a.png")
    _photo(shoot / "locked" / "b.png")
    lock(shoot / "locked")
    code, out, err = _run(capsys, "enhance", str(shoot), "-r", "-o", str(tmp_path / "out"))
    assert code == 1
    assert f"{shoot / 'locked'}: cannot list folder: Permission denied" in err
    assert (tmp_path / "out" / "a.png").is_file()
    assert "1 of 2 enhanced, 1 failed" in out


def test_a_photo_in_an_unsearchable_folder_fails_alone(capsys, tmp_path: Path, lock) -> None:
    good = _photo(tmp_path / "good.png")
    hidden = _photo(tmp_path / "locked" / "b.png")
    lock(tmp_path / "locked", listable=True)
    code, _, err = _run(capsys, "enhance", str(hidden), str(good), "-o", str(tmp_path / "out"))
    assert code == 1
    assert f"{hidden}: cannot open: Permission denied" in err
    assert (tmp_path / "out" / "good.png").is_file()


def test_recursive_run_goes_on_past_an_unsearchable_subfolder(capsys, tmp_path: Path, lock) -> None:
    shoot = tmp_path / "shoot"
    _photo(shoot / "a.png")
    hidden = _photo(shoot / "locked" / "b.png")
    lock(shoot / "locked", listable=True)
    code, _, err = _run(capsys, "enhance", str(shoot), "-r", "-o", str(tmp_path / "out"))
    assert code == 1
    assert f"{hidden}: cannot open: Permission denied" in err
    assert (tmp_path / "out" / "a.png").is_file()


def test_batch_plan_names_unreadable_folders(tmp_path: Path, lock) -> None:
    shoot = tmp_path / "shoot"
    _photo(shoot / "a.png")
    _photo(shoot / "locked" / "b.png")
    lock(shoot / "locked")
    plan = plan_batch([str(shoot)], tmp_path / "out", recursive=True, fmt=None, overwrite=False)
    assert [j.source.name for j in plan.jobs] == ["a.png"]
    assert [(f.source, f.reason) for f in plan.failures] == [
        (str(shoot / "locked"), "cannot list folder: Permission denied")
    ]


def test_symlink_loop_is_not_called_missing(capsys, tmp_path: Path) -> None:
    loop = tmp_path / "loop.jpg"
    loop.symlink_to(loop)
    code, _, err = _run(capsys, "enhance", str(loop), "-o", str(tmp_path / "out"))
    assert code == 1
    assert "symbolic links" in err and "no such file" not in err
