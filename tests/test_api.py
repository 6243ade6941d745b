"""The Python API: accepts paths, PIL images and arrays; returns the same kind."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import lumos
from lumos.errors import InputError, OptionError, OutputError


def _dark(h: int = 64, w: int = 80, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.linspace(0.03, 0.2, w, dtype=np.float32)[None, :, None] * np.ones((h, 1, 3), np.float32)
    x[h // 3 : h // 2, w // 4 : w // 2] += 0.08
    return np.clip(x + rng.normal(0, 0.01, x.shape).astype(np.float32), 0, 1)


@pytest.mark.parametrize(
    ("dtype", "scale"), [(np.uint8, 255), (np.uint16, 65535), (np.float32, 1.0)]
)
@pytest.mark.parametrize("layout", ["hwc3", "hw", "hwc1", "hwc4"])
def test_array_in_same_array_out(dtype: type, scale: float, layout: str) -> None:
    f = _dark()
    if layout == "hw":
        f = f.mean(axis=2)
    elif layout == "hwc1":
        f = f.mean(axis=2, keepdims=True)
    elif layout == "hwc4":
        f = np.concatenate([f, np.full((*f.shape[:2], 1), 0.5, np.float32)], axis=2)
    arr = (f * scale + (0.5 if scale > 1 else 0)).astype(dtype)
    out = lumos.enhance(arr)
    assert out.image.dtype == arr.dtype and out.image.shape == arr.shape
    assert out.image.astype(np.float64).mean() > arr.astype(np.float64).mean()
    if layout == "hwc4":  # alpha passes through unchanged
        np.testing.assert_allclose(out.image[..., 3], arr[..., 3], atol=scale / 255)
    if dtype is np.float32:
        assert out.image.min() >= 0.0 and out.image.max() <= 1.0


def test_pil_in_pil_out() -> None:
    img = Image.fromarray((_dark() * 255).astype(np.uint8))
    out = lumos.enhance(img)
    assert isinstance(out.image, Image.Image) and out.image.size == img.size


def test_path_in_and_save(tmp_path: Path) -> None:
    src = tmp_path / "in.png"
    Image.fromarray((_dark() * 255).astype(np.uint8)).save(src)
    result = lumos.enhance(src, denoise=0.5, detail=0.2)
    assert result.image.dtype == np.uint8 and result.image.shape == (64, 80, 3)
    assert result.stats["denoise"] == 0.5 and result.stats["detail"] == 0.2
    saved = result.save(tmp_path / "out.png")
    assert saved.is_file()


def test_save_never_writes_over_the_source(tmp_path: Path) -> None:
    src = tmp_path / "a.png"
    Image.fromarray((_dark() * 255).astype(np.uint8)).save(src)
    before = src.read_bytes()
    (tmp_path / "link.png").symlink_to(src.name)
    (tmp_path / "hard.png").hardlink_to(src)
    result = lumos.enhance(src)
    assert result.source == src
    for target in (src, str(src), tmp_path / "." / "a.png", tmp_path / "link.png"):
        with pytest.raises(OutputError, match="would overwrite the input photo"):
            result.save(target, overwrite=True)
    with pytest.raises(OutputError, match="would overwrite the input photo"):
        result.save(tmp_path / "hard.png", overwrite=True)
    with Image.open(src) as im:  # a PIL image remembers its file too
        pil_result = lumos.enhance(im)
    with pytest.raises(OutputError, match="would overwrite the input photo"):
        pil_result.save(src, overwrite=True)
    assert src.read_bytes() == before
    assert result.save(tmp_path / "b.png").is_file()


def test_intermediates_on_request() -> None:
    result = lumos.enhance(_dark(), intermediates=True)
    for name in ("illumination", "brightened", "denoised", "detail"):
        assert name in result.intermediates
        assert result.intermediates[name].shape[:2] == (64, 80)
    assert lumos.enhance(_dark()).intermediates == {}


def test_stats_are_json_ready() -> None:
    import json

    stats = lumos.enhance(_dark()).stats
    text = json.dumps(stats)
    assert "analysis" in stats and "noise_sigma" in text


def test_numpy_numbers_are_taken_as_numbers() -> None:
    """Values computed with NumPy (np.float32, np.int64) work as the Python ones do."""
    res = lumos.enhance(
        _dark(),
        model="classical",
        denoise=np.float32(0.5),
        detail=np.float64(0.25),
        shadows=np.float32(0.5),
        brightness=np.int64(128),  # 8-bit units, as 128 is
        scale=np.int64(1),
        tile=np.int64(64),  # was "tile must be an integer, got np.int64(64)"
    )
    assert res.stats["denoise"] == 0.5 and res.stats["shadows"] == 0.5
    assert res.stats["target_brightness"] == pytest.approx(128 / 255, abs=1e-3)
    with pytest.raises(OptionError, match="shadows must be between 0 and 1"):
        lumos.enhance(_dark(), shadows=np.float32(1.5))
    with pytest.raises(OptionError, match="shadows"):
        lumos.enhance(_dark(), shadows=np.bool_(True))
    with pytest.raises(OptionError, match="tile must be an integer"):
        lumos.enhance(_dark(), tile=np.float64(64))
    # Tiles in flight: a whole number, NumPy's too; anything else is an OptionError
    # naming the keyword (it was a bare TypeError from deep in the tiling).
    assert lumos.enhance(_dark(), model="classical", workers=np.int64(2)).image.shape
    for bad in ("a", 0, 1.5, True):
        with pytest.raises(OptionError, match="workers must be a whole number"):
            lumos.enhance(_dark(), workers=bad)


def test_bad_options_and_inputs() -> None:
    with pytest.raises(OptionError, match="denoise must be between 0 and 2"):
        lumos.enhance(_dark(), denoise=2.5)
    with pytest.raises(OptionError, match="detail must be between 0 and 1"):
        lumos.enhance(_dark(), detail=1.5)
    assert lumos.enhance(_dark(), denoise=2).image.shape == _dark().shape  # above 1: smoother
    with pytest.raises(OptionError, match="unknown option"):
        lumos.enhance(_dark(), sharpness=1)
    with pytest.raises(InputError):
        lumos.enhance(np.zeros((4, 4, 5), np.uint8))
    with pytest.raises(InputError):
        lumos.enhance("/definitely/not/here.jpg")


def test_float_arrays_are_checked_and_keep_their_dtype() -> None:
    f64 = _dark().astype(np.float64)
    out = lumos.enhance(f64)
    assert out.image.dtype == np.float64 and out.image.shape == f64.shape  # same dtype back
    assert lumos.enhance(np.minimum(f64 * 1.0001 + 1e-4, 1.0001)).image.max() <= 1.0
    with pytest.raises(InputError, match=r"must be in \[0, 1\].*uint8"):
        lumos.enhance(f64 * 255)  # 0..255 floats: once clipped to nearly white
    bad = f64.copy()
    bad[3, 4, 1] = np.nan
    with pytest.raises(InputError, match="NaN or infinite"):
        lumos.enhance(bad)
    bad[3, 4, 1] = np.inf
    with pytest.raises(InputError, match="NaN or infinite"):
        lumos.enhance(bad)


def test_auto_like_the_cli_and_messages_name_the_keyword() -> None:
    auto = lumos.enhance(_dark(), denoise="auto", detail="Auto", brightness="auto")
    plain = lumos.enhance(_dark())
    np.testing.assert_array_equal(auto.image, plain.image)
    cases = [
        ({"denoise": 3}, "denoise must be between 0 and 2", "--denoise must"),
        ({"detail": "lots"}, "detail must be a number", "--detail must"),
        ({"tile": 8}, "tile must be 0", "--tile must"),
        ({"max_megapixels": float("nan")}, "max_megapixels must be", "--max-megapixels must"),
        ({"scale": 3}, "scale must be 1, 2 or 4", "--scale must"),
        ({"model": "mirnet"}, "model 'mirnet' needs weights", "--model mirnet needs --weights"),
    ]
    for kw, api_words, cli_words in cases:
        with pytest.raises(OptionError) as exc:
            lumos.enhance(_dark(), **kw)
        assert str(exc.value).startswith(api_words) and "--" not in str(exc.value)
        assert exc.value.cli_message.startswith(cli_words)
    with pytest.raises(OptionError, match=r"^quality must be from 1 to 100"):
        lumos.enhance(_dark()).save("x.png", quality=0)


def test_public_names_are_sorted_and_exist() -> None:
    assert lumos.__all__ == sorted(lumos.__all__)
    for name in lumos.__all__:
        assert hasattr(lumos, name)


def test_brightness_in_8bit_units_like_the_cli() -> None:
    """``brightness=128`` is what ``--brightness 128`` is: 128/255 (13..242 accepted)."""
    eight_bit = lumos.enhance(_dark(), brightness=128, model="classical")
    unit = lumos.enhance(_dark(), brightness=128 / 255, model="classical")
    np.testing.assert_array_equal(eight_bit.image, unit.image)
    assert eight_bit.stats["target_brightness"] == pytest.approx(128 / 255, abs=1e-4)
    for bad in (250, 5, 0.99):
        with pytest.raises(OptionError, match=r"brightness must be .*13\.\.242"):
            lumos.enhance(_dark(), brightness=bad)


def test_public_namespace_and_documented_options() -> None:
    assert "annotations" not in dir(lumos)  # no `from __future__` leaking out
    assert set(lumos.__all__) <= set(dir(lumos))
    doc = lumos.enhance.__doc__ or ""
    for name in ("model", "denoise", "detail", "brightness", "light", "weights", "tile", "scale"):
        assert f"``{name}``" in doc


def test_max_megapixels_holds_for_arrays_and_pil_images() -> None:
    """A 400 MP array started and died with a raw MemoryError; a file was refused."""
    from PIL import Image

    from lumos.errors import ImageTooLargeError

    huge = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (20_000, 20_001, 3))  # no memory
    with pytest.raises(ImageTooLargeError, match=r"20001x20000 = 400.0 MP .* limit of 200 MP"):
        lumos.enhance(huge)
    with pytest.raises(ImageTooLargeError, match=r"limit of 0\.5 MP"):
        lumos.enhance(Image.new("RGB", (1000, 1000)), max_megapixels=0.5)
    with pytest.raises(ImageTooLargeError):
        lumos.analyse_image(np.zeros((1000, 1000), np.uint8), max_megapixels=0.5)
    assert lumos.enhance(np.zeros((8, 8), np.uint8), max_megapixels=0.5).image.shape == (8, 8)


def test_wrong_types_are_option_errors_naming_the_keyword() -> None:
    """tiling=512, progress="x" and save(None) gave raw AttributeError/TypeError."""
    dark = np.full((8, 8), 20, np.uint8)
    with pytest.raises(OptionError, match=r"^tiling must be a lumos.config.TilingOptions"):
        lumos.enhance(dark, tiling=512)
    with pytest.raises(OptionError, match=r"^progress must be a function"):
        lumos.enhance(dark, progress="x")
    with pytest.raises(OptionError, match=r"^path must be a file name, got None"):
        lumos.enhance(dark).save(None)
