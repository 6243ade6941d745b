"""Reading and writing every supported format, bit depth and channel layout."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from lumos.io import DecodedImage, ImageMeta, probe_image, read_image, write_image


def _check_internal(decoded: DecodedImage) -> None:
    rgb = decoded.rgb
    assert rgb.dtype == np.float32 and rgb.ndim == 3 and rgb.shape[2] == 3
    assert rgb.flags.c_contiguous
    assert rgb.min() >= 0.0 and rgb.max() <= 1.0
    assert (decoded.meta.width, decoded.meta.height) == (rgb.shape[1], rgb.shape[0])
    if decoded.alpha is not None:
        assert decoded.alpha.dtype == np.float32 and decoded.alpha.shape == rgb.shape[:2]


def _as_u8(x: np.ndarray) -> np.ndarray:
    return np.round(x * 255).astype(np.uint8)


def _as_u16(x: np.ndarray) -> np.ndarray:
    return np.round(x.astype(np.float64) * 65535).astype(np.uint16)


@pytest.mark.parametrize(
    ("suffix", "fmt", "lossless"),
    [
        (".png", "PNG", True),
        (".bmp", "BMP", True),
        (".tif", "TIFF", True),
        (".jpg", "JPEG", False),
        (".webp", "WEBP", False),
    ],
)
def test_8bit_round_trip(tmp_path: Path, gradient, suffix, fmt, lossless) -> None:
    arr = gradient()
    src = tmp_path / f"in{suffix}"
    Image.fromarray(arr).save(src, **({} if lossless else {"quality": 95}))
    decoded = read_image(src)
    _check_internal(decoded)
    assert (decoded.meta.format, decoded.meta.mode, decoded.meta.bit_depth) == (fmt, "RGB", 8)
    assert probe_image(src) == decoded.meta
    out = write_image(decoded, tmp_path / f"out{suffix}")
    with Image.open(out) as im:
        assert im.format == fmt and im.mode == "RGB" and im.size == (arr.shape[1], arr.shape[0])
        back = np.asarray(im)
    if lossless:
        np.testing.assert_array_equal(_as_u8(decoded.rgb), arr)
        np.testing.assert_array_equal(back, arr)
    else:
        assert np.abs(back.astype(int) - arr).mean() < 4


def test_content_decides_not_the_name(tmp_path: Path, gradient) -> None:
    src = tmp_path / "really_a_png.jpg"
    Image.fromarray(gradient()).save(src, format="PNG")
    assert read_image(src).meta.format == "PNG"


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_16bit_keeps_full_precision(tmp_path: Path, rng, suffix) -> None:
    # Odd values: an 8-bit detour would round them to multiples of 257.
    arr = (rng.integers(0, 65536, size=(20, 28, 3)) | 1).astype(np.uint16)
    src = tmp_path / f"in{suffix}"
    cv2.imwrite(str(src), arr[..., ::-1])
    decoded = read_image(src)
    _check_internal(decoded)
    assert decoded.meta.bit_depth == 16 and decoded.meta.mode == "RGB"
    np.testing.assert_array_equal(_as_u16(decoded.rgb), arr)

    out = write_image(decoded, tmp_path / f"out{suffix}")
    back = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert back.dtype == np.uint16
    np.testing.assert_array_equal(back[..., ::-1], arr)


@pytest.mark.parametrize("suffix", [".jpg", ".webp", ".bmp"])
def test_16bit_to_8bit_only_formats(tmp_path: Path, rng, suffix) -> None:
    arr = rng.integers(0, 65536, size=(12, 16, 3)).astype(np.uint16)
    src = tmp_path / "in.png"
    cv2.imwrite(str(src), arr)
    out = write_image(read_image(src), tmp_path / f"out{suffix}")
    with Image.open(out) as im:
        assert im.mode == "RGB"
        assert np.asarray(im).dtype == np.uint8


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_16bit_keeps_metadata(tmp_path: Path, rng, srgb_icc, make_exif, suffix) -> None:
    arr = rng.integers(0, 65536, size=(10, 14, 3)).astype(np.uint16)
    meta = ImageMeta("PNG", "RGB", 16, 14, 10, exif=make_exif(orientation=1),
                     icc_profile=srgb_icc, dpi=(300.0, 300.0))  # fmt: skip
    image = DecodedImage(rgb=arr.astype(np.float32) / 65535, alpha=None, meta=meta)
    out = write_image(image, tmp_path / f"out{suffix}")
    again = read_image(out)
    assert again.meta.bit_depth == 16
    assert again.meta.icc_profile == srgb_icc
    assert again.meta.dpi == (300.0, 300.0)
    exif = Image.Exif()
    exif.load(again.meta.exif)
    assert exif[0x010F] == "LumosCam"
    assert exif.get_ifd(0x8769)[0x8827] == 3200
    np.testing.assert_array_equal(_as_u16(again.rgb), arr)
    with Image.open(out) as im:  # the file stays readable by other software
        assert im.info["icc_profile"] == srgb_icc


def test_greyscale_in_and_out(tmp_path: Path, gradient) -> None:
    grey = gradient(channels=1)
    src = tmp_path / "grey.png"
    Image.fromarray(grey).save(src)
    decoded = read_image(src)
    _check_internal(decoded)
    assert decoded.meta.mode == "L"
    assert np.array_equal(decoded.rgb[..., 0], decoded.rgb[..., 2])
    for suffix in (".png", ".jpg", ".tif"):
        with Image.open(write_image(decoded, tmp_path / f"out{suffix}")) as im:
            assert im.mode == "L"
            if suffix != ".jpg":
                np.testing.assert_array_equal(np.asarray(im), grey)
    with Image.open(write_image(decoded, tmp_path / "out.webp")) as im:
        assert im.mode == "RGB"  # WEBP has no greyscale


def test_16bit_greyscale(tmp_path: Path, rng) -> None:
    grey = (rng.integers(0, 65536, size=(9, 11)) | 1).astype(np.uint16)
    src = tmp_path / "grey16.png"
    Image.fromarray(grey).save(src)  # Pillow writes I;16 as 16-bit grey PNG
    decoded = read_image(src)
    assert (decoded.meta.mode, decoded.meta.bit_depth) == ("L", 16)
    np.testing.assert_array_equal(_as_u16(decoded.rgb[..., 1]), grey)
    back = cv2.imread(str(write_image(decoded, tmp_path / "out.png")), cv2.IMREAD_UNCHANGED)
    assert back.dtype == np.uint16 and back.ndim == 2
    np.testing.assert_array_equal(back, grey)


@pytest.mark.parametrize("mode", ["LA", "RGBA"])
def test_alpha_is_carried(tmp_path: Path, gradient, mode) -> None:
    rgba = gradient(channels=4)
    rgba[..., 3] = np.linspace(0, 255, rgba.shape[1]).astype(np.uint8)
    src = tmp_path / "alpha.png"
    Image.fromarray(rgba).convert(mode).save(src)
    decoded = read_image(src)
    _check_internal(decoded)
    assert decoded.meta.mode == mode
    np.testing.assert_array_equal(_as_u8(decoded.alpha), rgba[..., 3])
    for suffix in (".png", ".tif", ".webp"):
        with Image.open(write_image(decoded, tmp_path / f"out{suffix}")) as im:
            assert im.mode in (mode, "RGBA")
            np.testing.assert_array_equal(np.asarray(im)[..., -1], rgba[..., 3])
    for suffix in (".jpg", ".bmp"):
        with Image.open(write_image(decoded, tmp_path / f"out{suffix}")) as im:
            assert im.mode == ("L" if mode == "LA" else "RGB")


def test_16bit_rgba(tmp_path: Path, rng) -> None:
    arr = rng.integers(0, 65536, size=(8, 10, 4)).astype(np.uint16)
    src = tmp_path / "rgba16.png"
    cv2.imwrite(str(src), arr)  # BGRA
    decoded = read_image(src)
    assert (decoded.meta.mode, decoded.meta.bit_depth) == ("RGBA", 16)
    np.testing.assert_array_equal(_as_u16(decoded.alpha), arr[..., 3])
    np.testing.assert_array_equal(_as_u16(decoded.rgb), arr[..., 2::-1])
    back = cv2.imread(str(write_image(decoded, tmp_path / "out.tif")), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(back, arr)


def test_palette_images_become_rgb(tmp_path: Path, gradient) -> None:
    pal = Image.fromarray(gradient()).quantize(16)
    pal.save(tmp_path / "p.png")
    decoded = read_image(tmp_path / "p.png")
    assert decoded.meta.mode == "RGB" and decoded.alpha is None
    np.testing.assert_array_equal(_as_u8(decoded.rgb), np.asarray(pal.convert("RGB")))

    pal.info["transparency"] = 0
    pal.save(tmp_path / "pt.png", transparency=0)
    decoded = read_image(tmp_path / "pt.png")
    assert decoded.meta.mode == "RGBA" and decoded.alpha is not None
    assert decoded.alpha.min() == 0.0 and decoded.alpha.max() == 1.0


def test_cmyk_jpeg_becomes_rgb(tmp_path: Path) -> None:
    Image.new("CMYK", (8, 6), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg", quality=100)
    decoded = read_image(tmp_path / "cmyk.jpg")
    assert decoded.meta.mode == "RGB" and decoded.meta.icc_profile is None
    r, g, b = decoded.rgb.reshape(-1, 3).mean(axis=0)
    assert r > 0.9 and g < 0.1 and b < 0.1  # cyan-free, full magenta+yellow = red


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation(tmp_path: Path, gradient, make_exif, orientation) -> None:
    arr = gradient(h=6, w=10)
    src = tmp_path / "o.png"
    Image.fromarray(arr).save(src, exif=make_exif(orientation=orientation))
    decoded = read_image(src)
    with Image.open(src) as im:
        expected = np.asarray(ImageOps.exif_transpose(im))
    np.testing.assert_array_equal(_as_u8(decoded.rgb), expected)
    assert decoded.meta.orientation == orientation
    assert (decoded.meta.width, decoded.meta.height) == (expected.shape[1], expected.shape[0])
    assert probe_image(src).width == expected.shape[1]


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_orientation_on_the_16bit_path(tmp_path: Path, rng, make_exif, orientation) -> None:
    arr = rng.integers(0, 65536, size=(6, 10, 3)).astype(np.uint16)
    meta = ImageMeta("PNG", "RGB", 16, 10, 6, exif=make_exif(orientation=orientation))
    stored = tmp_path / "stored.png"  # a 16-bit PNG whose EXIF says "turn me"
    write_image(DecodedImage(arr.astype(np.float32) / 65535, None, meta), stored)
    decoded = read_image(stored)
    turns = {3: 2, 6: -1, 8: 1}[orientation]
    np.testing.assert_array_equal(_as_u16(decoded.rgb), np.rot90(arr, turns))
    assert decoded.meta.orientation == orientation


@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_tiff_is_read(tmp_path: Path, rng, channels: int, dtype: type) -> None:
    # What cv2.imwrite makes of a float image: Pillow cannot open the RGB ones.
    arr = rng.random((6, 10, channels)).astype(dtype)
    arr[0, 0] = 1.7  # HDR values above 1 are clipped
    src = tmp_path / "f.tif"
    assert cv2.imwrite(str(src), arr[..., 0] if channels == 1 else arr)
    decoded = read_image(src)
    _check_internal(decoded)
    assert decoded.meta.format == "TIFF" and decoded.meta.bit_depth == 16
    assert decoded.meta.mode == {1: "L", 3: "RGB", 4: "RGBA"}[channels]
    expected = np.clip(arr, 0, 1)
    colour = expected[..., :1] if channels == 1 else expected[..., 2::-1]  # OpenCV: BGR
    np.testing.assert_allclose(decoded.rgb, np.broadcast_to(colour, (6, 10, 3)), atol=1e-6)
    if channels == 4:
        np.testing.assert_allclose(decoded.alpha, expected[..., 3], atol=1e-6)
    assert probe_image(src).width == 10


@pytest.mark.parametrize("orientation", [2, 3, 5, 6, 8])
@pytest.mark.parametrize("kind", ["uint8", "uint16", "float32"])
def test_tiff_orientation_is_applied_once(
    tmp_path: Path, rng, make_exif, orientation: int, kind: str
) -> None:
    from lumos.io._meta import apply_orientation

    top = {"uint8": 255, "uint16": 65535, "float32": 1}[kind]
    arr = (rng.random((6, 10)) * top).astype(kind)
    src = tmp_path / "o.tif"
    Image.fromarray(arr, "F" if kind == "float32" else None).save(
        src, exif=make_exif(orientation=orientation)
    )
    decoded = read_image(src)
    expected = apply_orientation(arr, orientation).astype(np.float64) / top
    np.testing.assert_allclose(decoded.rgb[..., 0], expected, atol=1e-6)
    assert decoded.meta.orientation == orientation
    h, w = expected.shape
    meta = probe_image(src)
    assert (meta.width, meta.height) == (w, h)


def test_jpeg_metadata_round_trip(tmp_path: Path, gradient, srgb_icc, make_exif) -> None:
    arr = gradient(h=20, w=32)
    src = tmp_path / "camera.jpg"
    Image.fromarray(arr).save(
        src, exif=make_exif(orientation=6, make="Canon"), icc_profile=srgb_icc, dpi=(240, 240)
    )
    decoded = read_image(src)
    assert decoded.rgb.shape == (32, 20, 3)  # turned a quarter
    assert decoded.meta.orientation == 6
    with Image.open(src) as im:
        upright = np.asarray(ImageOps.exif_transpose(im))
    np.testing.assert_array_equal(_as_u8(decoded.rgb), upright)

    out = write_image(decoded, tmp_path / "out.jpg")
    with Image.open(out) as im:
        exif = im.getexif()
        assert exif[0x0112] == 1
        assert exif[0x010F] == "Canon"
        assert exif.get_ifd(0x8769)[0x8827] == 3200
        assert im.info["icc_profile"] == srgb_icc
        assert im.info["dpi"] == (240, 240)
        assert im.size == (20, 32)
    again = read_image(out)
    assert again.meta.orientation == 1 and again.rgb.shape == decoded.rgb.shape


def test_metadata_into_other_formats(tmp_path: Path, gradient, srgb_icc, make_exif) -> None:
    src = tmp_path / "camera.jpg"
    Image.fromarray(gradient()).save(src, exif=make_exif(6), icc_profile=srgb_icc, dpi=(300, 300))
    decoded = read_image(src)
    for suffix in (".png", ".tif", ".webp"):
        again = read_image(write_image(decoded, tmp_path / f"out{suffix}"))
        assert again.meta.orientation == 1, suffix
        assert again.meta.icc_profile == srgb_icc, suffix
        exif = Image.Exif()
        exif.load(again.meta.exif)
        assert exif[0x010F] == "LumosCam", suffix
        if suffix != ".webp":
            assert again.meta.dpi == (300.0, 300.0), suffix


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_tiff_without_resolution_has_no_dpi(tmp_path: Path, rng, dtype) -> None:
    # Pillow reports (1, 1) for a TIFF with no resolution tags (OpenCV writes none);
    # taken as 1 dpi, every output of it would claim to print 1 inch per pixel.
    src = tmp_path / "scan.tif"
    cv2.imwrite(str(src), rng.integers(0, 200, (16, 24, 3)).astype(dtype))
    decoded = read_image(src)
    assert decoded.meta.dpi is None
    with Image.open(write_image(decoded, tmp_path / "out.jpg")) as im:
        assert "dpi" not in im.info or im.info["dpi"] != (1, 1)
    with_dpi = tmp_path / "dpi.tif"
    with Image.open(src) as im:
        im.save(with_dpi, dpi=(300, 300))
    assert read_image(with_dpi).meta.dpi == (300.0, 300.0)


def test_jpeg_subsampling_follows_quality(tmp_path: Path, gradient) -> None:
    from PIL import JpegImagePlugin

    decoded = read_image(_save(tmp_path / "in.png", gradient()))
    for quality, expected in ((95, 0), (75, 2)):
        out = write_image(decoded, tmp_path / f"q{quality}.jpg", quality=quality)
        with Image.open(out) as im:
            assert JpegImagePlugin.get_sampling(im) == expected


def _save(path: Path, arr: np.ndarray) -> Path:
    Image.fromarray(arr).save(path)
    return path


def test_probe_decodes_no_pixels(tmp_path: Path, gradient, monkeypatch) -> None:
    from PIL import ImageFile

    src = _save(tmp_path / "a.jpg", gradient())

    def no_decoding(self):
        raise AssertionError("probe_image decoded pixels")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    meta = probe_image(src)
    assert (meta.format, meta.width, meta.height) == ("JPEG", 36, 24)


def test_heic_round_trip(tmp_path: Path, gradient) -> None:
    pillow_heif = pytest.importorskip("pillow_heif", reason="needs the 'heic' extra")
    if not pillow_heif.libheif_info().get("HEIF"):
        pytest.skip("this libheif build cannot encode HEVC")
    buf = io.BytesIO()
    heif = pillow_heif.from_pillow(Image.fromarray(gradient()))
    heif.save(buf, quality=95)
    src = tmp_path / "phone.heic"
    src.write_bytes(buf.getvalue())
    decoded = read_image(src)
    _check_internal(decoded)
    assert (decoded.meta.format, decoded.meta.mode) == ("HEIF", "RGB")
    assert decoded.rgb.shape == (24, 36, 3)
    assert np.abs(_as_u8(decoded.rgb).astype(int) - gradient()).mean() < 6
    out = write_image(decoded, tmp_path / "phone.jpg")
    assert read_image(out).rgb.shape == (24, 36, 3)


def test_raw_is_developed_to_16bit_srgb(tmp_path: Path, monkeypatch, rng) -> None:
    """The rawpy calls, with a stand-in for LibRaw (no RAW sample file is needed)."""
    import sys
    import types

    developed = rng.integers(0, 65536, size=(6, 4, 3)).astype(np.uint16)  # already turned
    calls: dict = {}

    class FakeRaw:
        sizes = types.SimpleNamespace(width=6, height=4, flip=6)

        def open_file(self, path):
            calls["opened"] = path

        def close(self):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def postprocess(self, **kwargs):
            calls["postprocess"] = kwargs
            return developed

    fake = types.ModuleType("rawpy")
    fake.RawPy = FakeRaw
    fake.imread = lambda path: FakeRaw()
    fake.ColorSpace = types.SimpleNamespace(sRGB="sRGB")
    fake.LibRawError = type("LibRawError", (Exception,), {})
    fake.LibRawFileUnsupportedError = type("LibRawFileUnsupportedError", (fake.LibRawError,), {})
    monkeypatch.setitem(sys.modules, "rawpy", fake)

    src = tmp_path / "shot.cr2"
    src.write_bytes(b"II*\x00\x10\x00\x00\x00CR\x02\x00" + b"\x00" * 64)
    meta = probe_image(src)
    assert (meta.format, meta.bit_depth, meta.width, meta.height) == ("RAW", 16, 4, 6)
    assert meta.orientation == 6
    decoded = read_image(src)
    assert calls["postprocess"] == {
        "use_camera_wb": True,
        "output_bps": 16,
        "output_color": "sRGB",
    }
    np.testing.assert_array_equal(_as_u16(decoded.rgb), developed)
    out = write_image(decoded, tmp_path / "shot.tif")
    assert cv2.imread(str(out), cv2.IMREAD_UNCHANGED).dtype == np.uint16


def test_raw_built_on_tiff_keeps_its_exif(tmp_path: Path, monkeypatch) -> None:
    """LibRaw does not hand out the EXIF: a DNG's Make/Model were lost (`exif none`)."""
    import sys
    import types

    class FakeRaw:
        sizes = types.SimpleNamespace(width=6, height=4, flip=0)

        def open_file(self, path):
            pass

        def close(self):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def postprocess(self, **kwargs):
            return np.full((4, 6, 3), 9000, np.uint16)

    fake = types.ModuleType("rawpy")
    fake.RawPy = FakeRaw
    fake.imread = lambda path: FakeRaw()
    fake.ColorSpace = types.SimpleNamespace(sRGB="sRGB")
    fake.LibRawError = type("LibRawError", (Exception,), {})
    fake.LibRawFileUnsupportedError = type("LibRawFileUnsupportedError", (fake.LibRawError,), {})
    monkeypatch.setitem(sys.modules, "rawpy", fake)

    exif = Image.Exif()
    exif[271], exif[272] = "Lumos Cameras", "Night One"
    exif[306] = "2026:12:07 21:00:00"
    src = tmp_path / "shot.dng"  # a DNG is a TIFF; its IFD0 carries the camera's tags
    Image.new("RGB", (6, 4)).save(src, format="TIFF", exif=exif)
    meta = probe_image(src)
    assert meta.format == "RAW" and meta.exif is not None
    out = write_image(read_image(src), tmp_path / "shot.jpg")
    with Image.open(out) as im:
        kept = im.getexif()
    assert (kept[271], kept[272], kept[306]) == (
        "Lumos Cameras",
        "Night One",
        "2026:12:07 21:00:00",
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [(np.nan, "NaN or infinite"), (np.inf, "NaN or infinite"), (None, "0..255")],
)
def test_float_tiff_on_another_scale_is_refused(tmp_path: Path, rng, value, reason) -> None:
    """NaN became black and 0..255 floats came out white; arrays were refused already."""
    arr = rng.random((6, 10, 3)).astype(np.float32)
    if value is None:
        arr *= 255
    else:
        arr[2, 3] = value
    src = tmp_path / "f.tif"
    assert cv2.imwrite(str(src), arr)
    from lumos.errors import InputError

    with pytest.raises(InputError, match=reason):
        read_image(src)
