"""`lumos explain`: where the report goes, overwrite rules, errors and exit codes."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import lumos.cli
from lumos.cli import explain as explain_cmd
from lumos.cli import main


@pytest.fixture(autouse=True)
def _explain_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run through the real ``lumos`` entry point, with ``explain`` added if not yet wired."""
    original = lumos.cli.build_parser

    def build() -> argparse.ArgumentParser:
        parser = original()
        for action in parser._subparsers._group_actions:  # type: ignore[union-attr]
            if isinstance(action, argparse._SubParsersAction) and "explain" not in action.choices:
                explain_cmd.add_parser(action)
        return parser

    monkeypatch.setattr(lumos.cli, "build_parser", build)


def test_writes_beside_the_photo(dark_png: Path, tmp_path: Path, capsys) -> None:
    photo = tmp_path / dark_png.name
    photo.write_bytes(dark_png.read_bytes())
    assert main(["explain", str(photo)]) == 0
    out = tmp_path / "dark scene_explain.html"
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "->" in capsys.readouterr().out
    assert not list(tmp_path.glob(".lumos-*"))  # no temporary file left behind


def test_output_file_folder_and_options(dark_png: Path, tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    args = ["explain", str(dark_png), "-o", str(target), "--denoise", "0.8", "--detail", "0.2"]
    assert main([*args, "-q"]) == 0
    assert "denoise 0.80" in target.read_text(encoding="utf-8")
    assert main(["explain", str(dark_png), "-o", str(tmp_path), "-q"]) == 0
    assert (tmp_path / "dark scene_explain.html").is_file()


def test_refuses_to_overwrite(dark_png: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "r.html"
    target.write_text("keep me")
    assert main(["explain", str(dark_png), "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert "exists; use --overwrite" in err and len(err.strip().splitlines()) == 1
    assert target.read_text() == "keep me"
    assert main(["explain", str(dark_png), "-o", str(target), "--overwrite", "-q"]) == 0
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("kind", ["missing", "corrupt", "folder"])
def test_bad_input_is_one_line_and_exit_1(kind: str, tmp_path: Path, capsys) -> None:
    path = {"missing": tmp_path / "nope.jpg", "corrupt": tmp_path / "bad.jpg", "folder": tmp_path}
    if kind == "corrupt":
        path[kind].write_bytes(b"\xff\xd8 not really a jpeg")
    assert main(["explain", str(path[kind]), "-o", str(tmp_path / "r.html")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("lumos: ") and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not (tmp_path / "r.html").exists()


def test_missing_output_folder(dark_png: Path, tmp_path: Path, capsys) -> None:
    assert main(["explain", str(dark_png), "-o", str(tmp_path / "no" / "r.html")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_a_report_name_too_long_is_one_line(dark_png: Path, tmp_path: Path, capsys) -> None:
    # <stem>_explain.html past the file system's 255 bytes was an "internal error".
    photo = tmp_path / f"{'a' * 248}.png"
    photo.write_bytes(dark_png.read_bytes())
    assert main(["explain", str(photo)]) == 1
    err = capsys.readouterr().err
    assert err.endswith("_explain.html: File name too long\n") and "internal error" not in err


def test_bad_option_is_usage_error(dark_png: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["explain", str(dark_png), "--denoise", "3"])
    assert exc.value.code == 2


@pytest.mark.parametrize("how", ["same", "dot", "symlink", "hardlink"])
def test_never_overwrites_the_photo(how: str, tmp_path: Path, capsys) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8 the user's only copy")
    target = {"same": photo, "dot": tmp_path / "." / "photo.jpg"}.get(how)
    if how == "symlink":
        target = tmp_path / "link.html"
        target.symlink_to(photo.name)
    elif how == "hardlink":
        target = tmp_path / "hard.html"
        target.hardlink_to(photo)
    assert main(["explain", str(photo), "-o", str(target), "--overwrite"]) == 1
    err = capsys.readouterr().err
    assert "would overwrite the input photo" in err and len(err.strip().splitlines()) == 1
    assert photo.read_bytes() == b"\xff\xd8 the user's only copy"


def test_output_with_trailing_slash_is_a_folder(dark_png: Path, tmp_path: Path) -> None:
    rep = tmp_path / "rep"
    assert main(["explain", str(dark_png), "-o", f"{rep}/", "--model", "classical", "-q"]) == 0
    assert rep.is_dir() and (rep / "dark scene_explain.html").is_file()
    target = f"{tmp_path / 'x.html'}/"  # a folder, whatever its name looks like
    assert main(["explain", str(dark_png), "-o", target, "--model", "classical", "-q"]) == 0
    assert (tmp_path / "x.html" / "dark scene_explain.html").is_file()


def test_empty_path_is_a_usage_error(dark_png: Path, capsys) -> None:
    for argv in (["explain", ""], ["explain", str(dark_png), "-o", ""]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        assert "empty path" in capsys.readouterr().err


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (8, 2000), (2000, 8)])
def test_tiny_and_thin_photos_give_no_numpy_warnings(shape, tmp_path: Path, capsys) -> None:
    import warnings

    import numpy as np
    from PIL import Image

    photo = tmp_path / "p.png"
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 40, (*shape, 3), dtype=np.uint8)).save(photo)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert main(["explain", str(photo), "--model", "classical", "-q"]) == 0
    assert capsys.readouterr().err == ""
