"""image_from_array / image_to_array: the caller gets back what they gave."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import lumos
from lumos.errors import InputError
from lumos.io import ArrayKind, image_from_array, image_to_array

SHAPES = {"HW": (5, 7), "HW1": (5, 7, 1), "HW3": (5, 7, 3), "HW4": (5, 7, 4)}


def _sample(dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    rng = np.random.default_rng(3)
    if dtype == "uint8":
        return rng.integers(0, 256, shape).astype(np.uint8)
    if dtype == "uint16":
        return rng.integers(0, 65536, shape).astype(np.uint16)
    return rng.random(shape).astype(dtype)


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "float32", "float64"])
@pytest.mark.parametrize("layout", list(SHAPES))
def test_round_trip(dtype: str, layout: str) -> None:
    arr = _sample(dtype, SHAPES[layout])
    decoded, kind = image_from_array(arr)
    assert kind == ArrayKind(dtype=dtype, layout=layout)
    rgb = decoded.rgb
    assert rgb.dtype == np.float32 and rgb.shape == (5, 7, 3)
    assert rgb.min() >= 0.0 and rgb.max() <= 1.0
    assert (decoded.alpha is not None) == (layout == "HW4")
    assert decoded.meta.format == "ARRAY"
    assert decoded.meta.mode == {"HW": "L", "HW1": "L", "HW3": "RGB", "HW4": "RGBA"}[layout]
    assert decoded.meta.bit_depth == (8 if dtype == "uint8" else 16)

    back = image_to_array(decoded.rgb, decoded.alpha, kind)
    assert back.shape == arr.shape
    assert back.dtype == arr.dtype  # float64 in, float64 out
    if dtype.startswith("uint"):
        np.testing.assert_array_equal(back, arr)
    else:
        np.testing.assert_allclose(back, arr, atol=1e-6)


def test_greyscale_is_three_equal_channels() -> None:
    decoded, _ = image_from_array(np.array([[0, 128, 255]], dtype=np.uint8))
    np.testing.assert_array_equal(decoded.rgb[..., 0], decoded.rgb[..., 1])
    np.testing.assert_allclose(decoded.rgb[0, :, 2], [0.0, 128 / 255, 1.0], atol=1e-7)


def test_float_small_overshoot_is_clipped() -> None:
    # Resampling rings a little past [0, 1]; that is clipped, not refused.
    arr = np.array([[[-0.01, 1.0001, 0.5], [0.25, 0.5, 1.26]]], dtype=np.float64)
    decoded, kind = image_from_array(arr)
    np.testing.assert_allclose(decoded.rgb, [[[0.0, 1.0, 0.5], [0.25, 0.5, 1.0]]])
    out = image_to_array(decoded.rgb * 2 - 0.5, None, kind)
    assert out.dtype == np.float64 and out.min() >= 0.0 and out.max() <= 1.0


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ([0.0, 128.0, 255.0], r"must be in \[0, 1\], got values from 0 to 255; .* uint8"),
        ([0.0, -3.0, 0.5], "must be in"),
        ([0.0, np.nan, 0.5], "NaN or infinite"),
        ([0.0, np.inf, 0.5], "NaN or infinite"),
        ([0.0, 1e300, 0.5], "NaN or infinite"),  # overflows float32
    ],
)
def test_float_on_another_scale_or_not_finite_is_refused(values: list, words: str) -> None:
    arr = np.array([[values]], dtype=np.float64)
    with pytest.raises(InputError, match=words):
        image_from_array(arr)
    rgba = np.zeros((1, 2, 4), np.float64)
    rgba[0, 0, 3] = values[1]
    with pytest.raises(InputError, match="alpha"):
        image_from_array(rgba)


def test_opaque_result_for_rgba_caller() -> None:
    decoded, kind = image_from_array(np.zeros((2, 2, 4), np.uint8))
    out = image_to_array(decoded.rgb, None, kind)
    assert out.shape == (2, 2, 4) and (out[..., 3] == 255).all()


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((4, 4, 2), np.uint8),
        np.zeros((4, 4, 3), np.int32),
        np.zeros((4,), np.uint8),
        np.zeros((0, 4, 3), np.uint8),
        np.zeros((2, 4, 4, 3), np.float32),
        np.zeros((4, 4), bool),
    ],
)
def test_rejects_other_arrays(bad: np.ndarray) -> None:
    with pytest.raises(InputError, match=rf"shape \({bad.shape[0]},.* dtype {bad.dtype}"):
        image_from_array(bad)


def test_rejects_non_images() -> None:
    with pytest.raises(InputError, match="a list"):
        image_from_array([[1, 2], [3, 4]])


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA", "I;16"])
def test_pil_images_come_back_as_pil(mode: str) -> None:
    rng = np.random.default_rng(4)
    if mode == "I;16":
        src = Image.fromarray(rng.integers(0, 65536, (6, 9)).astype(np.uint16))
    else:
        src = Image.fromarray(rng.integers(0, 256, (6, 9, 4)).astype(np.uint8)).convert(mode)
    decoded, kind = image_from_array(src)
    assert decoded.meta.format == "PIL"
    assert decoded.meta.mode == ("L" if mode == "I;16" else mode)
    out = image_to_array(decoded.rgb, decoded.alpha, kind)
    assert isinstance(out, Image.Image) and out.mode == mode and out.size == src.size
    np.testing.assert_array_equal(np.asarray(out), np.asarray(src))


def test_pil_palette_and_metadata(srgb_icc: bytes) -> None:
    src = Image.new("RGB", (4, 3), (10, 200, 30)).quantize(4)
    src.info["icc_profile"] = srgb_icc
    src.info["dpi"] = (72, 72)
    decoded, kind = image_from_array(src)
    assert decoded.meta.icc_profile == srgb_icc and decoded.meta.dpi == (72.0, 72.0)
    out = image_to_array(decoded.rgb, decoded.alpha, kind)
    assert out.mode == "RGB" and out.getpixel((0, 0)) == (10, 200, 30)


def test_a_pil_image_opened_from_a_jpeg_is_lossy(tmp_path: Path) -> None:
    # lumos.enhance(Image.open("x.jpg")) read the noise as if from a PNG, unlike
    # lumos.enhance("x.jpg"): the dark-JPEG noise prior never applied to it.
    rng = np.random.default_rng(0)
    pixels = np.clip(12 + rng.normal(0, 0.3, (64, 96, 3)), 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(tmp_path / "a.jpg", quality=100)
    Image.fromarray(pixels).save(tmp_path / "a.png")
    with Image.open(tmp_path / "a.jpg") as jpg, Image.open(tmp_path / "a.png") as png:
        assert image_from_array(jpg)[0].meta.lossy
        assert not image_from_array(png)[0].meta.lossy
        assert not image_from_array(jpg.convert("L"))[0].meta.lossy  # pixels of its own
        from_pil = lumos.analyse_image(jpg).noise_sigma
    assert from_pil == lumos.analyse_image(tmp_path / "a.jpg").noise_sigma
