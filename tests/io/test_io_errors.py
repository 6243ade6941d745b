"""Every way reading can fail gives one clear LumosError, never a library traceback."""

from __future__ import annotations

import builtins
import struct
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from lumos.errors import (
    ImageTooLargeError,
    InputError,
    MissingExtraError,
    OptionError,
    UnsupportedFormatError,
)
from lumos.io import probe_image, read_image


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares a huge size (its pixels are never allocated)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def _jpeg(path: Path, size: tuple[int, int] = (64, 48)) -> Path:
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(path)
    return path


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_image(tmp_path / "nope.jpg")


def test_folder_given_as_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder"):
        read_image(tmp_path)


def test_empty_path() -> None:
    # lumos.enhance("") said ".: is a folder, not an image file" (Path("") is ".").
    with pytest.raises(InputError, match=r"^empty path; give the name of an image file$"):
        read_image("")
    with pytest.raises(InputError, match="empty path"):
        probe_image(" ")


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(InputError, match="empty file"):
        probe_image(tmp_path / "empty.jpg")


def test_truncated_jpeg_is_an_error_not_grey_pixels(tmp_path: Path) -> None:
    data = _jpeg(tmp_path / "full.jpg").read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated or corrupt JPEG") as info:
        read_image(cut)
    assert "\n" not in str(info.value)


def test_truncated_16bit_png(tmp_path: Path) -> None:
    _, buf = cv2.imencode(".png", np.full((32, 32, 3), 1234, dtype=np.uint16))
    (tmp_path / "cut.png").write_bytes(buf.tobytes()[: len(buf) // 2])
    with pytest.raises(InputError, match="truncated or corrupt PNG"):
        read_image(tmp_path / "cut.png")


def test_text_named_jpg_is_not_an_image(tmp_path: Path) -> None:
    fake = tmp_path / "notes.jpg"
    fake.write_text("these are not pixels\n" * 10)
    with pytest.raises(UnsupportedFormatError, match="not an image"):
        read_image(fake)


@pytest.mark.parametrize(("fmt", "suffix"), [("GIF", ".gif"), ("ICO", ".ico")])
def test_other_image_formats_are_refused_by_name(tmp_path: Path, fmt: str, suffix: str) -> None:
    path = tmp_path / f"x{suffix}"
    Image.new("RGB", (16, 16), "red").save(path, format=fmt)
    with pytest.raises(UnsupportedFormatError, match=f"{fmt} images are not supported.*JPEG"):
        read_image(path)


def test_header_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_claiming(12000, 12000))
    expected = (
        "12000x12000 = 144.0 MP is above the limit of 100 MP; "
        "raise --max-megapixels (max_megapixels= in Python) to allow it"
    )
    with pytest.raises(ImageTooLargeError) as info:
        probe_image(bomb, max_megapixels=100)
    assert info.value.message == expected
    with pytest.raises(ImageTooLargeError):
        read_image(bomb, max_megapixels=100)
    # lumos's default (200 MP) applies, not Pillow's own 89 MP guard (no warning, no error):
    meta = probe_image(bomb)
    assert (meta.width, meta.height) == (12000, 12000)


def test_webp_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    # VP8X header declaring a 16384x16384 canvas: Pillow would allocate it on open.
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00" * 4 + (16383).to_bytes(3, "little") * 2
    (tmp_path / "bomb.webp").write_bytes(
        b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x
    )
    with pytest.raises(ImageTooLargeError, match="16384x16384"):
        read_image(tmp_path / "bomb.webp")


def test_small_limit_on_a_normal_file(tmp_path: Path) -> None:
    path = _jpeg(tmp_path / "a.jpg", size=(400, 300))
    # 0.12 MP, not "0.1 MP": enough digits that a small photo reads as its own size.
    with pytest.raises(ImageTooLargeError, match=r"400x300 = 0\.12 MP .* limit of 0\.05 MP"):
        read_image(path, max_megapixels=0.05)
    assert read_image(path, max_megapixels=0.2).rgb.shape == (300, 400, 3)


def test_numpy_limit(tmp_path: Path) -> None:
    # lumos.analyse_image(p, max_megapixels=np.float32(5)) was "must be a positive number".
    path = _jpeg(tmp_path / "a.jpg", size=(400, 300))
    assert read_image(path, max_megapixels=np.float32(0.2)).rgb.shape == (300, 400, 3)
    with pytest.raises(ImageTooLargeError, match=r"limit of 0\.05 MP"):
        probe_image(path, max_megapixels=np.float32(0.05))
    assert probe_image(path, max_megapixels=np.int64(1)).width == 400


@pytest.mark.parametrize("bad", [0, -1, "big", True, np.bool_(True), np.float32("nan")])
def test_bad_limit(tmp_path: Path, bad) -> None:
    with pytest.raises(OptionError, match="max_megapixels"):
        probe_image(_jpeg(tmp_path / "a.jpg"), max_megapixels=bad)


def _hide_module(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    real_import = builtins.__import__

    def fake_import(module, *args, **kwargs):
        if module == name or module.startswith(name + "."):
            raise ImportError(f"No module named {module!r}")
        return real_import(module, *args, **kwargs)

    for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        monkeypatch.delitem(sys.modules, loaded)
    monkeypatch.setattr(builtins, "__import__", fake_import)


def test_heic_without_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    heic = tmp_path / "phone.heic"
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64)
    _hide_module(monkeypatch, "pillow_heif")
    with pytest.raises(MissingExtraError) as info:
        read_image(heic)
    message = str(info.value)
    assert message.startswith(f"{heic}: support for HEIC images")
    assert message.endswith("the 'heic' extra: pip install 'lumos[heic]'")
    assert info.value.extra == "heic"


def test_raw_without_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = tmp_path / "shot.nef"
    raw.write_bytes(b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64)  # NEF is a TIFF container
    _hide_module(monkeypatch, "rawpy")
    with pytest.raises(
        MissingExtraError, match=r"camera RAW files .*'raw' extra: pip install 'lumos\[raw\]'"
    ):
        probe_image(raw)


def test_broken_raw_is_an_input_error(tmp_path: Path) -> None:
    pytest.importorskip("rawpy", reason="needs the 'raw' extra")
    raw = tmp_path / "shot.dng"
    raw.write_bytes(b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64)
    with pytest.raises(InputError):
        read_image(raw)


def test_raw_read_error_is_plain_text(tmp_path: Path) -> None:
    pytest.importorskip("rawpy", reason="needs the 'raw' extra")
    raw = tmp_path / "cut.dng"
    raw.write_bytes(b"II*\x00garbage")  # LibRaw: I/O error, passed on as bytes by rawpy
    with pytest.raises(InputError) as exc:
        read_image(raw)
    assert exc.value.message == "truncated or corrupt RAW file (input/output error)"


def test_jpeg_lacking_only_its_end_marker_is_read(tmp_path: Path) -> None:
    """Some writers leave out the final FF D9; the pixels are all there (it was refused)."""
    data = _jpeg(tmp_path / "full.jpg", (96, 64)).read_bytes()
    assert data.endswith(b"\xff\xd9")
    whole = read_image(tmp_path / "full.jpg").rgb
    for cut in (2, 1):  # no marker, or half of one
        src = tmp_path / f"no-eoi-{cut}.jpg"
        src.write_bytes(data[:-cut])
        np.testing.assert_array_equal(read_image(src).rgb, whole)
        assert src.read_bytes() == data[:-cut]  # mended in memory only


@pytest.mark.parametrize("lost", [40, 200, 1000])
def test_jpeg_cut_inside_its_image_data_is_still_refused(tmp_path: Path, lost: int) -> None:
    data = _jpeg(tmp_path / "full.jpg", (96, 64)).read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: -(lost + 2)])
    with pytest.raises(InputError, match="truncated or corrupt JPEG"):
        read_image(cut)
