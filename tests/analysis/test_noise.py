"""Noise estimation: known Gaussian noise is recovered, clean images read as clean."""

from __future__ import annotations

import numpy as np
import pytest

from lumos.analysis import estimate_noise, noise_map
from lumos.data import jpeg_roundtrip


def _smooth(h: int = 400, w: int = 600) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = 0.35 + 0.2 * np.sin(xx / 60.0) * np.cos(yy / 45.0)
    g = 0.45 + 0.15 * np.cos(xx / 80.0)
    b = 0.4 + 0.1 * np.sin(yy / 70.0)
    return np.stack([r, g, b], -1).astype(np.float32)


def _textured(h: int = 400, w: int = 600) -> np.ndarray:
    """Clean but busy: sharp-edged blocks, stripes and fine sinusoidal texture."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = _smooth(h, w)
    img[((xx // 24 + yy // 24) % 2) == 0] *= 0.6
    img += (0.08 * np.sin(xx / 2.5) * np.sin(yy / 3.5))[..., None]
    img[:, ::37] = 0.9
    return np.clip(img, 0, 1).astype(np.float32)


@pytest.mark.parametrize("sigma", [0.01, 0.03, 0.08])
def test_known_noise_is_recovered_per_channel(sigma: float) -> None:
    rng = np.random.default_rng(1)
    img = _smooth()
    noisy = (img + rng.normal(0, sigma, img.shape)).astype(np.float32)
    s_luma, s_rgb = estimate_noise(noisy)
    for s in s_rgb:
        assert abs(s - sigma) < 0.25 * sigma, (s, sigma)
    # Independent channels: luma noise is |w| * sigma for the Rec.709 weights w.
    expected = sigma * float(np.linalg.norm([0.2126, 0.7152, 0.0722]))
    assert abs(s_luma - expected) < 0.25 * expected


@pytest.mark.parametrize("sigma", [0.01, 0.03, 0.08])
def test_known_grey_noise_is_recovered_for_luma(sigma: float) -> None:
    rng = np.random.default_rng(2)
    img = _smooth()
    noisy = (img + rng.normal(0, sigma, img.shape[:2])[..., None]).astype(np.float32)
    s_luma, _ = estimate_noise(noisy)
    assert abs(s_luma - sigma) < 0.25 * sigma


def test_clean_image_reads_near_zero() -> None:
    s_luma, s_rgb = estimate_noise(_smooth(), learned=False)
    assert s_luma < 1e-3
    assert max(s_rgb) < 1e-3
    # The network learned on 8-bit photos, where rounding alone is 0.3/255 per channel.
    s_luma, s_rgb = estimate_noise(_smooth())
    assert s_luma < 0.5 / 255 and max(s_rgb) < 0.6 / 255


def test_textured_clean_image_is_not_very_noisy() -> None:
    s_luma, _ = estimate_noise(_textured())
    assert s_luma < 0.006, s_luma


def test_noise_is_measured_at_full_resolution_on_large_images() -> None:
    rng = np.random.default_rng(3)
    h, w = 1600, 2400  # above the crop budget, so the crop grid is used
    img = np.full((h, w, 3), 0.4, np.float32)
    noisy = (img + rng.normal(0, 0.02, img.shape)).astype(np.float32)
    _, s_rgb = estimate_noise(noisy)
    assert all(abs(s - 0.02) < 0.005 for s in s_rgb)


def test_clipped_pixels_are_ignored() -> None:
    rng = np.random.default_rng(4)
    img = _smooth()
    img[:, :300] = 1.0  # a blown half: no noise visible there
    noisy = np.clip(img + rng.normal(0, 0.02, img.shape), 0, 1).astype(np.float32)
    noisy[:, :300] = 1.0
    _, s_rgb = estimate_noise(noisy)
    assert all(abs(s - 0.02) < 0.005 for s in s_rgb)


def test_noise_map_finds_the_noisy_half() -> None:
    rng = np.random.default_rng(5)
    img = _smooth(256, 512)
    noise = rng.normal(0, 0.005, img.shape)
    noise[:, 256:] *= 8
    m = noise_map((img + noise).astype(np.float32), block=64)
    assert m.shape == (4, 8) and m.dtype == np.float32
    left, right = m[:, :4].mean(), m[:, 4:].mean()
    assert right > 5 * left
    assert abs(right - 0.04 * 0.749) < 0.01


def test_noise_map_rejects_tiny_blocks() -> None:
    with pytest.raises(ValueError, match="block"):
        noise_map(np.zeros((32, 32, 3), np.float32), block=4)


def _dark_scene(size: int = 256) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    base = 0.03 + 0.015 * np.sin(xx / 40) * np.cos(yy / 50)
    return np.stack([base * 1.1, base, base * 0.8], -1)


def test_noise_that_jpeg_or_demosaicing_smoothed_is_read_in_dark_areas() -> None:
    """The pixel-scale reading misses noise without its finest part; the block reading does not."""
    import cv2

    from lumos.analysis._noise import _pixel_scale_sigma

    rng = np.random.default_rng(0)
    sigma = 2 / 255
    # Correlated noise, as after demosaicing and in-camera noise reduction.
    grain = cv2.GaussianBlur(rng.normal(0, 1, (256, 256, 3)).astype(np.float32), (0, 0), 1.0)
    noisy = _dark_scene() + grain / grain.std() * sigma
    assert _pixel_scale_sigma(noisy)[0] < 0.3 * sigma
    assert estimate_noise(noisy)[0] == pytest.approx(sigma, rel=0.25)
    # White noise through a quality-90 JPEG: its pixel-scale part is gone, its blotches are not.
    white = jpeg_roundtrip(_dark_scene() + rng.normal(0, sigma, (256, 256, 3)), 90)
    assert _pixel_scale_sigma(white)[0] < 0.25 * sigma
    assert estimate_noise(white)[0] > 0.45 * sigma


def test_texture_of_a_bright_photo_is_not_read_as_noise_at_block_scale() -> None:
    from lumos.analysis._noise import _pixel_scale_sigma

    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:256, 0:256].astype(np.float32)
    img = np.stack([0.5 + 0.3 * np.sin(xx / 3) * np.cos(yy / 4)] * 3, -1)
    img = (img + rng.normal(0, 1 / 255, img.shape)).astype(np.float32)
    # The block-scale readings see the sine's texture (several /255); the photo must
    # still read as the noise it holds (1/255, which the pixel scale reads as 0.75).
    reading = estimate_noise(img)[0]
    assert _pixel_scale_sigma(img)[0] <= reading <= 1.05 / 255


def test_noise_map_of_a_dark_jpeg_shows_the_noise_the_pipeline_reads() -> None:
    """The explain report's map agrees with estimate_noise on smoothed dark noise."""
    import cv2

    rng = np.random.default_rng(2)
    sigma = 2 / 255
    grain = cv2.GaussianBlur(rng.normal(0, 1, (256, 256, 3)).astype(np.float32), (0, 0), 1.0)
    noisy = _dark_scene() + grain / grain.std() * sigma
    m = noise_map(noisy, block=64)
    assert np.median(m) >= 0.9 * estimate_noise(noisy)[0]
    # A bright, well-exposed photo's map is untouched by the dark-area reading.
    bright = (_smooth(256, 256) + rng.normal(0, 1 / 255, (256, 256, 3))).astype(np.float32)
    assert np.median(noise_map(bright, block=64)) < 1.5 / 255


def test_the_larger_of_the_statistical_and_learned_readings_wins(monkeypatch) -> None:
    import lumos.models.noise_level as ne
    from lumos.analysis._noise import LEARNED_MAX_RATIO

    rng = np.random.default_rng(7)
    noisy = (_smooth() + rng.normal(0, 0.01, (400, 600, 3))).astype(np.float32)
    stat_luma, stat_rgb = estimate_noise(noisy, learned=False)
    monkeypatch.setattr(ne, "learned_noise_level", lambda rgb: 2 * stat_luma)
    luma, rgb = estimate_noise(noisy)
    assert luma == pytest.approx(2 * stat_luma)
    assert rgb == pytest.approx(tuple(2 * s for s in stat_rgb))  # channels keep their proportions
    # Texture filling a photo can look like noise to the net: it counts up to a bound.
    monkeypatch.setattr(ne, "learned_noise_level", lambda rgb: 20 * stat_luma)
    assert estimate_noise(noisy)[0] == pytest.approx(LEARNED_MAX_RATIO * stat_luma)
    monkeypatch.setattr(ne, "learned_noise_level", lambda rgb: 0.2 * stat_luma)
    assert estimate_noise(noisy) == (stat_luma, stat_rgb)
    monkeypatch.setattr(ne, "learned_noise_level", lambda rgb: None)  # weights not installed
    assert estimate_noise(noisy) == (stat_luma, stat_rgb)


def test_jpeg_blocks_are_seen_in_a_compressed_photo_and_not_in_an_uncompressed_one() -> None:
    from lumos.analysis import jpeg_blockiness

    rng = np.random.default_rng(3)
    noisy = np.clip(_dark_scene(256) + rng.normal(0, 1 / 255, (256, 256, 3)), 0, 1)
    assert jpeg_blockiness(noisy.astype(np.float32)) < 1.07
    # Sharp edges are not blocks unless they keep falling on a grid of 8 px, as
    # _textured()'s 24 px squares do (a photo's edges fall anywhere).
    yy, xx = np.mgrid[0:256, 0:256]
    squares = np.where(((xx // 25 + yy // 25) % 2 == 0)[..., None], noisy, 0.6 * noisy)
    assert jpeg_blockiness(squares.astype(np.float32)) < 1.1
    blocky = jpeg_roundtrip(noisy, 80)
    assert jpeg_blockiness(blocky) > 1.25
    # A crop that moves the block grid off the photo's origin still shows it.
    assert jpeg_blockiness(blocky[3:, 5:]) > 1.25
    assert jpeg_blockiness(np.zeros((8, 8, 3), np.float32)) == 1.0  # too small to tell


def test_a_dark_jpeg_reads_at_least_the_prior_and_a_bright_one_does_not() -> None:
    """Compression takes a dark photo's noise out of every reading; the prior stands in."""
    from lumos.analysis._noise import JPEG_NOISE_FLOOR

    rng = np.random.default_rng(4)
    dark = jpeg_roundtrip(_dark_scene(256) + rng.normal(0, 1.2 / 255, (256, 256, 3)), 75)
    without = estimate_noise(dark, jpeg_prior=False)[0]
    assert without < 0.8 * JPEG_NOISE_FLOOR  # what the compression left to read
    luma, rgb = estimate_noise(dark)
    assert luma == pytest.approx(JPEG_NOISE_FLOOR)
    assert min(rgb) > 0
    assert np.min(noise_map(dark, block=64)) >= JPEG_NOISE_FLOOR * 0.999
    # The same scene uncompressed keeps its own reading.
    png = np.round(np.clip(_dark_scene(256) + rng.normal(0, 0.4 / 255, (256, 256, 3)), 0, 1) * 255)
    png = (png / 255).astype(np.float32)
    assert estimate_noise(png) == estimate_noise(png, jpeg_prior=False)
    # A well-exposed JPEG: the compression took little of its noise; no prior.
    bright = jpeg_roundtrip(_smooth(256, 256) + rng.normal(0, 0.3 / 255, (256, 256, 3)), 75)
    assert estimate_noise(bright) == estimate_noise(bright, jpeg_prior=False)
