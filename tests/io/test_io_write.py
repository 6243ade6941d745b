"""write_image: options, refusals and atomicity."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lumos.errors import OptionError, OutputError
from lumos.io import DecodedImage, ImageMeta, format_for_suffix, write_image


def _image(h: int = 16, w: int = 24, bit_depth: int = 8) -> DecodedImage:
    rgb = np.random.default_rng(5).random((h, w, 3), dtype=np.float32)
    return DecodedImage(rgb=rgb, alpha=None, meta=ImageMeta("ARRAY", "RGB", bit_depth, w, h))


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_returns_the_path_and_leaves_no_temp(tmp_path: Path) -> None:
    out = write_image(_image(), str(tmp_path / "a.png"))
    assert out == tmp_path / "a.png"
    assert _leftovers(tmp_path) == ["a.png"]


def test_existing_output_needs_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "a.jpg"
    target.write_bytes(b"keep me")
    with pytest.raises(OutputError, match="exists; use --overwrite"):
        write_image(_image(), target)
    assert target.read_bytes() == b"keep me"
    write_image(_image(), target, overwrite=True)
    with Image.open(target) as im:
        assert im.format == "JPEG"
    assert _leftovers(tmp_path) == ["a.jpg"]


@pytest.mark.parametrize(("suffix", "side"), [(".jpg", 65501), (".webp", 16384)])
def test_too_wide_for_the_format_says_so(tmp_path: Path, capfd, suffix: str, side: int) -> None:
    # libjpeg printed its own stderr line and Pillow said "broken data stream".
    with pytest.raises(OutputError, match=rf"{side}x1 is too large for \w+ \(at most"):
        write_image(_image(1, side), tmp_path / f"a{suffix}")
    assert _leftovers(tmp_path) == [] and capfd.readouterr().err == ""
    write_image(_image(1, side), tmp_path / "a.png")  # PNG has no such limit


def test_missing_output_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="output folder does not exist"):
        write_image(_image(), tmp_path / "no" / "such" / "a.png")


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can write anywhere"
)
def test_unwritable_output_folder(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="not writable"):
            write_image(_image(), locked / "a.png")
    finally:
        locked.chmod(0o700)


def test_folder_refusing_new_files(tmp_path: Path, monkeypatch) -> None:
    # Runs as root too: the folder refuses the temporary file itself.
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(OutputError, match="cannot write here: Permission denied"):
        write_image(_image(), tmp_path / "a.png")
    assert _leftovers(tmp_path) == []


def test_folder_as_output(tmp_path: Path) -> None:
    (tmp_path / "d.png").mkdir()
    with pytest.raises(OutputError, match="is a folder"):
        write_image(_image(), tmp_path / "d.png", overwrite=True)


@pytest.mark.parametrize("quality", [0, 101, 9.5, True, "high"])
def test_bad_quality(tmp_path: Path, quality) -> None:
    with pytest.raises(OptionError, match="quality"):
        write_image(_image(), tmp_path / "a.jpg", quality=quality)


def test_quality_changes_jpeg_and_webp(tmp_path: Path) -> None:
    for suffix in (".jpg", ".webp"):
        low = write_image(_image(64, 64), tmp_path / f"low{suffix}", quality=10)
        high = write_image(_image(64, 64), tmp_path / f"high{suffix}", quality=100)
        assert low.stat().st_size < high.stat().st_size


@pytest.mark.parametrize(
    ("name", "fmt"), [("jpg", "JPEG"), ("JPEG", "JPEG"), (".tif", "TIFF"), ("png", "PNG")]
)
def test_explicit_format(tmp_path: Path, name: str, fmt: str) -> None:
    out = write_image(_image(), tmp_path / "no_suffix", format=name)
    with Image.open(out) as im:
        assert im.format == fmt


@pytest.mark.parametrize(
    ("path", "fmt", "match"),
    [
        ("a.xyz", None, "unknown image format"),
        ("no_suffix", None, "cannot tell the output format"),
        ("a.heic", None, "cannot write HEIF"),
        ("a.png", "gif", "unknown image format"),
    ],
)
def test_format_errors(tmp_path: Path, path: str, fmt, match: str) -> None:
    with pytest.raises(OptionError, match=match):
        write_image(_image(), tmp_path / path, format=fmt)
    assert _leftovers(tmp_path) == []


def test_format_for_suffix() -> None:
    assert format_for_suffix(".JPG") == "JPEG"
    assert format_for_suffix("jpeg") == "JPEG"
    assert format_for_suffix("tif") == format_for_suffix(".TIFF") == "TIFF"
    assert format_for_suffix(".heic") == "HEIF"
    assert format_for_suffix(".CR2") == "RAW"
    with pytest.raises(OptionError, match="unknown image format"):
        format_for_suffix(".gif")


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp"])
def test_failure_mid_encode_leaves_nothing(tmp_path: Path, monkeypatch, suffix) -> None:
    def broken_save(self, fp, *args, **kwargs):
        fp.write(b"half an image")
        raise RuntimeError("encoder exploded")

    monkeypatch.setattr(Image.Image, "save", broken_save)
    with pytest.raises(OutputError, match="encoder exploded"):
        write_image(_image(), tmp_path / f"a{suffix}")
    assert _leftovers(tmp_path) == []


def test_failure_in_16bit_encoder_leaves_old_file_intact(tmp_path: Path, monkeypatch) -> None:
    import cv2

    target = tmp_path / "a.png"
    target.write_bytes(b"previous result")

    def broken(*args, **kwargs):
        raise cv2.error("simulated OpenCV failure")

    monkeypatch.setattr(cv2, "imencode", broken)
    with pytest.raises(OutputError, match="simulated OpenCV failure"):
        write_image(_image(bit_depth=16), target, overwrite=True)
    assert target.read_bytes() == b"previous result"
    assert _leftovers(tmp_path) == ["a.png"]


def test_interrupt_mid_write_cleans_up(tmp_path: Path, monkeypatch) -> None:
    def interrupted(self, fp, *args, **kwargs):
        fp.write(b"x")
        raise KeyboardInterrupt

    monkeypatch.setattr(Image.Image, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_image(_image(), tmp_path / "a.jpg")
    assert _leftovers(tmp_path) == []


def test_written_file_gets_normal_permissions(tmp_path: Path) -> None:
    out = write_image(_image(), tmp_path / "a.png")
    assert out.stat().st_mode & 0o044 or os.name == "nt"  # not mkstemp's private 0600


def test_rounding_and_out_of_range_values(tmp_path: Path) -> None:
    levels = np.arange(256, dtype=np.float32) / 255
    rgb = np.repeat(levels[None, :, None], 3, axis=2)
    image = DecodedImage(rgb=rgb, alpha=None, meta=ImageMeta("ARRAY", "RGB", 8, 256, 1))
    with Image.open(write_image(image, tmp_path / "levels.png")) as im:
        np.testing.assert_array_equal(np.asarray(im)[0, :, 0], np.arange(256))
    wild = np.array([[[-1.0, 2.0, np.nan]]], dtype=np.float32)
    image = DecodedImage(rgb=wild, alpha=None, meta=ImageMeta("ARRAY", "RGB", 8, 1, 1))
    with Image.open(write_image(image, tmp_path / "wild.png")) as im:
        assert np.asarray(im)[0, 0].tolist() == [0, 255, 0]


def test_bad_image_shape(tmp_path: Path) -> None:
    from lumos.errors import InputError

    image = DecodedImage(rgb=np.zeros((4, 4), np.float32), alpha=None, meta=_image().meta)
    with pytest.raises(InputError, match=r"shape \(H, W, 3\)"):
        write_image(image, tmp_path / "a.png")


_XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/'
    b'1.1/" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"><dc:creator>Ann'
    b"</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
)


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp", ".tif"])
@pytest.mark.parametrize("bit_depth", [8, 16])
def test_xmp_is_kept(tmp_path: Path, suffix: str, bit_depth: int) -> None:
    from lumos.io import read_image

    src = tmp_path / f"src{suffix}"
    with Image.open(_png(tmp_path)) as im:
        kw = {"tiffinfo": {700: _XMP}} if suffix == ".tif" else {"xmp": _XMP}
        if suffix == ".png":
            from PIL import PngImagePlugin

            info = PngImagePlugin.PngInfo()
            info.add_itxt("XML:com.adobe.xmp", _XMP.decode(), zip=False)
            kw = {"pnginfo": info}
        im.save(src, **kw)
    decoded = read_image(src)
    # The pixels are upright now: the XMP orientation is reset like the EXIF one.
    assert decoded.meta.xmp == _XMP.replace(b'Orientation="6"', b'Orientation="1"')
    decoded.meta = replace(decoded.meta, bit_depth=bit_depth)  # 16: the OpenCV path
    out = write_image(decoded, tmp_path / f"out{suffix}")
    assert read_image(out).meta.xmp == decoded.meta.xmp
    with Image.open(out) as im:
        assert b"<dc:creator>Ann</dc:creator>" in im.info["xmp"]


def _png(tmp_path: Path) -> Path:
    p = tmp_path / "plain.png"
    Image.fromarray(np.full((10, 12, 3), 60, np.uint8)).save(p)
    return p


@pytest.mark.parametrize(("suffix", "bit_depth"), [(".jpg", 8), (".png", 16), (".tif", 16)])
def test_enlarged_image_keeps_its_print_size(tmp_path: Path, suffix: str, bit_depth: int) -> None:
    meta = ImageMeta("PNG", "RGB", bit_depth, 12, 10, dpi=(300.0, 300.0))
    big = DecodedImage(np.full((20, 24, 3), 0.5, np.float32), None, meta)  # --scale 2
    out = write_image(big, tmp_path / f"big{suffix}")
    with Image.open(out) as im:
        assert im.info["dpi"] == pytest.approx((600, 600), abs=0.01)  # still 0.04 inch wide


def test_alpha_is_flattened_over_white_for_jpeg(tmp_path: Path) -> None:
    rgb = np.zeros((8, 10, 3), np.float32)  # black under the transparency
    alpha = np.zeros((8, 10), np.float32)
    alpha[:, 5:] = 1.0
    meta = ImageMeta("PNG", "RGBA", 8, 10, 8)
    out = write_image(DecodedImage(rgb, alpha, meta), tmp_path / "flat.jpg")
    with Image.open(out) as im:
        px = np.asarray(im).astype(int)
    assert (px[:, :4] >= 250).all()  # transparent: white, as editors flatten
    assert (px[:, 6:] <= 5).all()  # opaque: the colour itself


@pytest.mark.parametrize("order", ["<", ">"])  # Intel and Motorola byte order
def test_exif_pixel_size_follows_the_pixels_written(tmp_path: Path, order: str) -> None:
    # A portrait phone photo (stored 60x40, orientation 6) enlarged 2x by lumos: its EXIF
    # still said 60x40; it must say what the file holds, 80x120.
    import lumos
    from lumos.io._meta import set_exif_pixel_size

    raw = _camera_exif(order, 60, 40)
    src = tmp_path / "phone.jpg"
    Image.new("RGB", (60, 40), (20, 20, 20)).save(src, exif=raw)
    out = tmp_path / "big.jpg"
    lumos.enhance(src, model="classical", scale=2).save(out)
    with Image.open(out) as im:
        assert im.size == (80, 120)
        sub = im.getexif().get_ifd(0x8769)
        assert (sub[0xA002], sub[0xA003]) == (80, 120)
        assert im.getexif()[0x0112] == 1
    # Too large for a SHORT: it becomes a LONG in the same field.
    patched = Image.Exif()
    patched.load(set_exif_pixel_size(raw, 70000, 5)[6:])
    assert (patched.get_ifd(0x8769)[0xA002], patched.get_ifd(0x8769)[0xA003]) == (70000, 5)


def _camera_exif(order: str, width: int, height: int) -> bytes:
    """A minimal EXIF block as a camera lays it out: orientation 6 in IFD0 and an Exif
    IFD with the pixel size as SHORTs, in the byte ``order`` given ("<" or ">")."""
    import struct

    def short(tag: int, value: int) -> bytes:
        return struct.pack(order + "HHIH", tag, 3, 1, value) + b"\0\0"

    ifd0, sub = 8, 8 + 2 + 2 * 12 + 4
    head = (b"II*\0" if order == "<" else b"MM\0*") + struct.pack(order + "I", ifd0)
    block0 = struct.pack(order + "H", 2) + short(0x0112, 6)
    block0 += struct.pack(order + "HHII", 0x8769, 4, 1, sub) + struct.pack(order + "I", 0)
    block1 = struct.pack(order + "H", 2) + short(0xA002, width) + short(0xA003, height)
    return b"Exif\0\0" + head + block0 + block1 + struct.pack(order + "I", 0)
