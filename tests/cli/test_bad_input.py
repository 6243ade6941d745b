"""Bad input: one clear line, a non-zero exit, no traceback, nothing partial, inputs intact.

One test per case of the issue; each also checks that the other files of the
batch are still processed.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from lumos.cli import main

from .conftest import dark_photo


def _run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def _good(tmp_path: Path) -> Path:
    p = tmp_path / "good.png"
    Image.fromarray(dark_photo()).save(p)
    return p


def _outputs(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _check_batch(capsys, tmp_path: Path, bad: Path, expect: str) -> None:
    good = _good(tmp_path)
    out = tmp_path / "out"
    before = bad.read_bytes() if bad.is_file() else None
    code, err = _run(capsys, "enhance", str(bad), str(good), "-o", str(out), "-q")
    assert code == 1
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert expect in lines[0].lower() and str(bad.name) in lines[0]
    assert _outputs(out) == ["good.png"]  # the rest still processed, nothing partial
    if before is not None:
        assert bad.read_bytes() == before


def test_missing_path(capsys, tmp_path: Path) -> None:
    _check_batch(capsys, tmp_path, tmp_path / "nope.jpg", "no such file")


def test_folder_without_images(capsys, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("hi")
    _check_batch(capsys, tmp_path, empty, "no images found")


def test_zero_byte_file(capsys, tmp_path: Path) -> None:
    p = tmp_path / "zero.jpg"
    p.write_bytes(b"")
    _check_batch(capsys, tmp_path, p, "empty")


def test_truncated_jpeg(capsys, tmp_path: Path) -> None:
    full = tmp_path / "full.jpg"
    Image.fromarray(dark_photo(200, 300)).save(full, quality=95)
    p = tmp_path / "cut.jpg"
    p.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    full.unlink()
    _check_batch(capsys, tmp_path, p, "truncated")


def test_text_file_named_jpg(capsys, tmp_path: Path) -> None:
    p = tmp_path / "letter.jpg"
    p.write_text("Dear user, this is not a photo.\n" * 20)
    _check_batch(capsys, tmp_path, p, "not an image")


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_decompression_bomb_refused_from_header(capsys, tmp_path: Path) -> None:
    p = tmp_path / "bomb.png"
    p.write_bytes(_png_header_only(50_000, 50_000))  # 2500 MP declared, a few bytes on disk
    _check_batch(capsys, tmp_path, p, "limit")


def test_max_megapixels_option(capsys, tmp_path: Path) -> None:
    p = _good(tmp_path)
    code, err = _run(capsys, "enhance", str(p), "--max-megapixels", "0.001", "-q")
    assert code == 1 and "--max-megapixels" in err


def test_unsupported_format(capsys, tmp_path: Path) -> None:
    p = tmp_path / "anim.gif"
    Image.fromarray(dark_photo()).convert("P").save(p)
    _check_batch(capsys, tmp_path, p, "support")


def test_unwritable_output_folder(capsys, tmp_path: Path) -> None:
    good = _good(tmp_path)
    blocker = tmp_path / "file.txt"
    blocker.write_text("a file, not a folder")
    code, err = _run(capsys, "enhance", str(good), "-o", str(blocker / "sub"), "-q")
    assert code == 1 and "output folder" in err


def test_write_failure_leaves_nothing(capsys, tmp_path: Path, monkeypatch) -> None:
    good = _good(tmp_path)
    out = tmp_path / "out"
    out.mkdir()

    def deny(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", deny)
    code, err = _run(capsys, "enhance", str(good), "-o", str(out), "-q")
    assert code == 1 and "permission denied" in err.lower()
    assert _outputs(out) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--denoise", "2.5"],
        ["--detail", "1.5"],
        ["--detail", "lots"],
        ["--brightness", "2000"],
        ["--quality", "0"],
        ["--format", "gif"],
        ["--tile", "10"],
        ["--jobs", "0"],
        ["--model", "nonexistent"],
        ["--max-megapixels", "nan"],
        ["--max-megapixels", "inf"],
        ["--max-megapixels", "-1"],
    ],
)
def test_bad_option_value(capsys, tmp_path: Path, argv: list[str]) -> None:
    good = _good(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["enhance", str(good), *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("lumos: ")
    assert not (tmp_path / "good_lumos.png").exists()


def test_unknown_command(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["brighten", "x.jpg"])
    assert exc.value.code == 2


def test_option_error_names_the_flag(capsys, tmp_path: Path) -> None:
    # The options' own checks word their messages for the API (``weights``); the CLI
    # shows the flags.
    code, err = _run(capsys, "enhance", str(_good(tmp_path)), "--model", "mirnet")
    assert code == 2
    assert err.strip() == "lumos: --model mirnet needs --weights (the published checkpoint)"


@pytest.mark.parametrize("kind", ["garbage", "truncated"])
def test_bad_checkpoint_is_one_clean_line(capsys, tmp_path: Path, kind: str) -> None:
    torch = pytest.importorskip("torch")
    bad = tmp_path / "w.pth"
    if kind == "garbage":
        bad.write_bytes(b"garbage, not a checkpoint\n")
    else:
        torch.save({"x": torch.zeros(4)}, bad)
        bad.write_bytes(bad.read_bytes()[:200])
    argv = ["enhance", str(_good(tmp_path)), "-o", str(tmp_path / "o"), "-q"]
    code, err = _run(capsys, *argv, "--model", "mirnet", "--weights", str(bad))
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    # Names the weights file, and torch's paragraph is not cut off mid-word.
    assert f"{bad}: not a readable PyTorch checkpoint (" in lines[0]
    assert lines[0].endswith(")") and "torch.load" not in lines[0]


def test_multi_page_tiff_warns_in_one_line(capsys, tmp_path: Path) -> None:
    src = tmp_path / "pages.tif"
    pages = [Image.fromarray(dark_photo(24, 32, seed=i)) for i in range(3)]
    pages[0].save(src, save_all=True, append_images=pages[1:])
    code, err = _run(capsys, "enhance", str(src), "-o", str(tmp_path / "o"), "-q")
    assert code == 0 and (tmp_path / "o" / "pages.tif").is_file()
    assert err.strip() == (
        f"lumos: warning: {src}: multi-page TIFF: only the first of its 3 pages is read"
    )


def test_animated_png_warns_as_animated_webp_does(capsys, tmp_path: Path) -> None:
    # Its other frames were dropped without a word.
    src = tmp_path / "anim.png"
    frames = [Image.fromarray(dark_photo(24, 32, seed=i)) for i in range(3)]
    frames[0].save(src, save_all=True, append_images=frames[1:], duration=100)
    code, err = _run(capsys, "enhance", str(src), "-o", str(tmp_path / "o"), "-q")
    assert code == 0 and (tmp_path / "o" / "anim.png").is_file()
    assert err.strip() == (
        f"lumos: warning: {src}: animated PNG: only the first of its 3 frames is read"
    )


def test_a_newline_in_a_file_name_keeps_the_error_on_one_line(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad\nname.jpg"
    bad.write_text("not a photo")
    for cmd in ("enhance", "info"):
        code, err = _run(capsys, cmd, str(bad), "-q" if cmd == "enhance" else "--json")
        assert code == 1
        assert err.count("\n") == 1 and "bad\\nname.jpg: not an image" in err, err


def test_a_file_name_starting_with_a_dash_is_named(
    capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """argparse took it for an option and said only 'the following arguments are required'."""
    monkeypatch.chdir(tmp_path)
    Image.fromarray(dark_photo()).save(tmp_path / "-dark.png")
    with pytest.raises(SystemExit) as exc:
        main(["enhance", "-dark.png"])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert "-dark.png was read as an option" in err and "./-dark.png" in err


def test_corrupt_exif_prints_no_pillow_warning(capsys, tmp_path: Path) -> None:
    import warnings

    exif = Image.Exif()
    exif[271] = "Cam"
    exif[0x8769] = {0x9003: "2020:01:01 00:00:00", 0x927C: b"x" * 300}
    data = exif.tobytes()
    p = tmp_path / "bad exif.jpg"
    Image.fromarray(dark_photo()).save(p, exif=data[: len(data) - 200])  # cut: offsets past the end
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        code, err = _run(capsys, "info", str(p))
    assert code == 0
    assert not [w for w in seen if "PIL" in w.filename], [str(w.message) for w in seen]
    assert "Warning" not in err
