"""Exposure statistics, grey-world colour cast and the residual-noise estimator."""

from __future__ import annotations

import numpy as np
import pytest

from lumos.errors import InputError
from lumos.eval.image_stats import (
    colour_cast,
    exposure_stats,
    linear_luminance,
    residual_noise,
    srgb_to_linear,
)


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0, 1)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * x ** (1 / 2.4) - 0.055)


def scene(h: int = 256, w: int = 256) -> np.ndarray:
    """Smooth ramps, a stripe pattern and a bright square: edges without noise."""
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    base = 0.3 + 0.3 * xx + 0.1 * np.sin(yy * 20)
    base[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4] += 0.2
    return np.stack([base, base * 0.9, base * 0.8], axis=-1).astype(np.float32)


def test_exposure_stats_counts_clipped_and_crushed() -> None:
    img = np.full((10, 10, 3), 0.5, np.float32)
    img[0, :5] = [1.0, 0.2, 0.2]  # one channel clipped is enough
    img[1, :3] = 0.0
    img[2, :2] = 1.5 / 255  # still crushed
    s = exposure_stats(img)
    assert s["clipped_fraction"] == pytest.approx(0.05)
    assert s["crushed_fraction"] == pytest.approx(0.05)
    assert 0.0 < s["mean_luminance"] < 1.0
    assert s["median_luminance"] == pytest.approx(0.5)
    assert set(s) == {
        "mean_luminance",
        "median_luminance",
        "mean_linear_luminance",
        "clipped_fraction",
        "crushed_fraction",
    }


def test_exposure_stats_mean_is_luma() -> None:
    s = exposure_stats(np.full((4, 4, 3), [1.0, 0.0, 0.0], np.float32))
    assert s["mean_luminance"] == pytest.approx(0.2126)
    assert s["mean_linear_luminance"] == pytest.approx(0.2126)


def test_linear_luminance_scales_with_light() -> None:
    img = scene()
    half = linear_to_srgb(srgb_to_linear(img) * 0.5)
    np.testing.assert_allclose(linear_luminance(half), linear_luminance(img) * 0.5, atol=1e-6)


def test_neutral_grey_has_no_cast() -> None:
    assert colour_cast(np.full((8, 8, 3), 0.4, np.float32)) < 0.01
    assert colour_cast(np.zeros((8, 8, 3), np.float32)) == 0.0


def test_tinted_image_has_a_cast_independent_of_exposure() -> None:
    gains = np.array([1.15, 1.0, 0.8])  # warm, wrong white balance, in linear light
    grey = np.full((8, 8, 3), 0.5, np.float32)
    bright = linear_to_srgb(srgb_to_linear(grey) * gains)
    dark = linear_to_srgb(srgb_to_linear(grey) * gains * 0.05)
    cast = colour_cast(bright)
    assert cast > 5.0
    assert colour_cast(dark) == pytest.approx(cast, rel=1e-3)
    stronger = linear_to_srgb(srgb_to_linear(grey) * gains**2)
    assert colour_cast(stronger) > cast


@pytest.mark.parametrize("sigma", [0.005, 0.01, 0.02, 0.05])
def test_residual_noise_recovers_known_sigma(sigma: float) -> None:
    rng = np.random.default_rng(0)
    img = scene()
    # Same noise on every channel, so the luma noise is sigma itself.
    noisy = np.clip(img + rng.normal(0, sigma, (*img.shape[:2], 1)), 0, 1)
    assert residual_noise(noisy) == pytest.approx(sigma, rel=0.1)


def test_residual_noise_of_clean_image_is_small() -> None:
    # Below 8-bit rounding (0.3/255 a channel), which the noise network learned with.
    assert residual_noise(scene()) < 0.5 / 255


def test_residual_noise_orders_noise_levels() -> None:
    rng = np.random.default_rng(1)
    img = scene()
    levels = [
        residual_noise(np.clip(img + rng.normal(0, s, img.shape), 0, 1)) for s in (0.01, 0.03)
    ]
    assert levels[0] < levels[1]


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(InputError, match=r"\(H, W, 3\)"):
        exposure_stats(np.zeros((8, 8), np.float32))
    with pytest.raises(InputError, match="3x3"):
        residual_noise(np.zeros((2, 8, 3), np.float32))


def test_blockiness_sees_the_grid_of_a_blocky_image_only() -> None:
    from lumos.eval.image_stats import blockiness

    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:128, 0:128] / 128
    smooth = np.stack([0.5 + 0.3 * np.sin(xx * 9 + yy * 4)] * 3, axis=-1)
    assert 0.9 < blockiness(smooth) < 1.1
    # Each 8x8 block one flat value: all the steps are on the grid.
    tiles = smooth.reshape(16, 8, 16, 8, 3).mean(axis=(1, 3))
    flat = np.repeat(np.repeat(tiles, 8, axis=0), 8, axis=1)
    noisy = np.clip(flat + rng.normal(0, 0.002, flat.shape), 0, 1)
    assert blockiness(noisy) > 10
    # The same blocks seen on another grid read as none; on their own phase, as before.
    shifted = noisy[3:, 5:]
    assert blockiness(shifted) < 0.6 * blockiness(shifted, phase=(5, 3))
    assert blockiness(np.round(noisy * 255).astype(np.uint8)) == pytest.approx(
        blockiness(np.round(noisy * 255) / 255), rel=1e-6
    )
    assert blockiness(smooth[:10, :10]) == 1.0
