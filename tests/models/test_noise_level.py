"""LumosNE, the learned noise reading: camera-like (correlated) noise is read, texture is not."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from lumos.analysis import estimate_noise
from lumos.models.noise_level import (
    NE_CROP,
    crop_grid,
    learned_noise_level,
    noise_model_available,
)

needs_weights = pytest.mark.skipif(
    not noise_model_available(), reason="the noise-level network is not installed"
)


def _scene(h: int = 256, w: int = 320) -> np.ndarray:
    """Smooth shading, sharp-edged blocks and fine stripes: clean, but not flat."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([0.4 + 0.15 * np.sin(xx / 40), 0.45 + 0.1 * np.cos(yy / 30), 0.35 + 0 * xx], -1)
    img[((xx // 32 + yy // 32) % 2) == 0] *= 0.7
    img += (0.05 * np.sin(xx / 2.2) * (yy < h // 3))[..., None]
    return np.clip(img, 0, 1).astype(np.float32)


def _grain(shape: tuple[int, int, int], level: float, blur: float, seed: int) -> np.ndarray:
    """Noise whose luma std is ``level``; ``blur`` > 0 correlates it as demosaicing does."""
    rng = np.random.default_rng(seed)
    field = rng.standard_normal(shape).astype(np.float32)
    if blur > 0:
        field = cv2.GaussianBlur(field, (0, 0), blur)
    luma = field @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    return field * np.float32(level / luma.std())


@needs_weights
def test_correlated_noise_the_statistic_misses_is_read_near_its_level() -> None:
    from lumos.analysis._noise import LEARNED_MAX_RATIO, _pixel_scale_sigma

    level = 4 / 255
    # Blurred by 0.7 px: neighbours correlate by 0.6, as in the CC camera photos (0.5-0.65).
    noisy = np.clip(_scene() + _grain((256, 320, 3), level, 0.7, 0), 0, 1)
    pixel_scale = _pixel_scale_sigma(noisy)[0]
    assert pixel_scale < 0.5 * level
    reading = learned_noise_level(noisy)
    assert reading is not None and 0.6 * level < reading < 1.6 * level
    # The larger reading wins, the network's within its bound.
    combined = estimate_noise(noisy)[0]
    assert combined == pytest.approx(min(reading, LEARNED_MAX_RATIO * pixel_scale))
    assert combined > 1.5 * pixel_scale


@needs_weights
def test_white_noise_is_read_in_order_and_near_its_level() -> None:
    readings = []
    for i, level in enumerate((1.5 / 255, 6 / 255)):
        noisy = np.clip(_scene() + _grain((256, 320, 3), level, 0.0, i), 0, 1)
        readings.append(learned_noise_level(noisy))
        assert 0.6 * level < readings[-1] < 1.6 * level
    assert readings[1] > 2 * readings[0]


@needs_weights
def test_clean_texture_is_not_read_as_noise() -> None:
    reading = learned_noise_level(_scene())
    assert reading is not None and reading < 1 / 255


def test_the_crop_grid_covers_the_frame_within_its_budget() -> None:
    big = np.zeros((3000, 4000, 3), np.float32)
    crops = crop_grid(big)
    assert crops.shape[1:] == (NE_CROP, NE_CROP, 3) and 24 <= len(crops) <= 48
    small = crop_grid(np.zeros((41, 70, 3), np.float32))
    assert small.shape[1:] == (40, 40, 3)  # its largest square with a side divisible by 4


def test_without_weights_or_pixels_there_is_no_reading(tmp_path: Path) -> None:
    img = _scene(64, 64)
    assert learned_noise_level(img, tmp_path / "none.onnx") is None
    assert learned_noise_level(img[:10]) is None


def test_the_quieter_crops_read_the_photo(monkeypatch) -> None:
    """Noise is everywhere, texture is local: a few busy crops do not raise the reading."""
    import lumos.models.noise_level as ne

    levels = np.full(40, 2 / 255, np.float32)
    levels[:8] = 30 / 255  # foliage, gravel: read as heavy noise
    monkeypatch.setattr(ne, "read_crops", lambda crops, path=None: levels)
    monkeypatch.setattr(ne, "noise_model_available", lambda path=None: True)
    assert learned_noise_level(_scene()) == pytest.approx(2 / 255)


@needs_weights
def test_many_crops_are_read_in_batches_as_one_by_one() -> None:
    from lumos.models.noise_level import read_crops

    rng = np.random.default_rng(3)
    crops = np.clip(0.4 + rng.normal(0, 0.02, (130, 32, 32, 3)), 0, 1).astype(np.float32)
    together = read_crops(crops)
    assert together is not None and together.shape == (130,)
    assert np.allclose(together[[0, 64, 129]], read_crops(crops[[0, 64, 129]]), rtol=1e-5)
