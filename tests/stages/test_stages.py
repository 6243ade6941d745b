"""The stage functions on their own: tone curve, illumination, filters, detail."""

from __future__ import annotations

import numpy as np
import pytest

from lumos.stages._filters import guided_filter, sample_lowres
from lumos.stages.brighten import (
    ToneCurve,
    apply_gain,
    fit_tone_curve,
    illumination,
    illumination_coefficients,
    log_max,
)
from lumos.stages.denoise import denoise, denoise_luma, split_chroma, to_rgb
from lumos.stages.detail import sharpen_luma


def test_tone_curve_keeps_white_and_bounds_the_gain() -> None:
    c = ToneCurve(k=5.0, gamma=0.8, max_gain=12.0)
    assert c(np.array([1.0]))[0] == np.float64(1.0) or abs(c(np.array([1.0]))[0] - 1) < 1e-9
    lum = np.linspace(0.001, 1, 500)
    g = c.gain(lum)
    assert g.min() >= 1.0 and g.max() <= 12.0
    f = c(lum)
    assert np.all(np.diff(f) > 0)  # monotone: no tone inversions
    assert np.all(f >= lum - 1e-9)


def test_fit_hits_the_target_mean() -> None:
    rng = np.random.default_rng(0)
    proxy = (rng.random((64, 96, 3)) * 0.1).astype(np.float32)
    a, b = illumination_coefficients(proxy, radius=4)
    log_l = illumination(log_max(proxy), a, b)
    curve = fit_tone_curve(proxy, log_l, target=0.4)
    out, _ = apply_gain(proxy, log_l, curve.gain_lut())
    y = np.minimum(out, 1) @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    assert abs(y.mean() - 0.4) < 0.01


def test_bright_photo_gets_the_identity_curve() -> None:
    proxy = np.full((32, 32, 3), 0.6, np.float32)
    a, b = illumination_coefficients(proxy, radius=4)
    curve = fit_tone_curve(proxy, illumination(log_max(proxy), a, b), target=0.45)
    assert curve.k == 0.0
    assert np.allclose(curve.gain_lut(), 1.0)


def test_illumination_follows_a_lamp_edge_without_halo() -> None:
    """The map is built at 1/8 resolution but its edge sits where the full-res edge is."""
    h, w = 256, 256
    img = np.full((h, w, 3), 0.02, np.float32)
    img[:, 131:] = 0.9  # an edge that falls between proxy pixels
    proxy = img.reshape(32, 8, 32, 8, 3).mean(axis=(1, 3))
    a, b = illumination_coefficients(proxy, radius=4)
    ab = sample_lowres(np.dstack([a, b]), (0, h, 0, w), (h, w))
    lum = np.exp(illumination(log_max(img), ab[..., 0], ab[..., 1]))
    # Just beside the edge the dark side's illumination stays dark (no glow) and
    # the bright side's stays bright (no dark rim).
    assert lum[:, 125:129].max() < 0.1
    assert lum[:, 131:135].min() > 0.6


def test_sample_lowres_is_tile_invariant() -> None:
    rng = np.random.default_rng(1)
    maps = rng.random((20, 30, 2)).astype(np.float32)
    whole = sample_lowres(maps, (0, 200, 0, 300), (200, 300))
    part = sample_lowres(maps, (37, 121, 55, 250), (200, 300))
    assert np.array_equal(part, whole[37:121, 55:250])


@pytest.mark.parametrize("channels", [(), (2,)])
def test_sample_lowres_past_opencv_remap_limit(channels: tuple[int, ...]) -> None:
    """cv2.remap refuses sides over 32767 px: the maps of a 1 x 1,600,000 px strip were an
    internal error with --model classical."""
    xs = np.arange(40_000, dtype=np.float32)
    row = np.stack([np.sin(xs / 50), np.cos(xs / 70)], -1)[..., : channels[0] if channels else 1]
    maps = np.ascontiguousarray(np.broadcast_to(row, (2, *row.shape)).reshape(2, 40_000, *channels))
    whole = sample_lowres(maps, (0, 4, 0, 160_000), (4, 160_000))
    assert whole.shape == (4, 160_000, *channels)
    # What a small region gives, where OpenCV needs no pieces: the same values.
    part = sample_lowres(maps, (1, 3, 99_990, 100_030), (4, 160_000))
    assert np.array_equal(part, whole[1:3, 99_990:100_030])
    want = np.interp((np.arange(160_000) + 0.5) / 4 - 0.5, xs, np.sin(xs / 50))
    got = whole[2, :, 0] if channels else whole[2]
    np.testing.assert_allclose(got, want, atol=2e-3)


def test_chroma_split_round_trips() -> None:
    rng = np.random.default_rng(2)
    rgb = rng.random((16, 16, 3)).astype(np.float32)
    y, c = split_chroma(rgb)
    assert np.allclose(to_rgb(y, c), rgb, atol=1e-5)


def test_guided_filter_keeps_a_step_and_flattens_noise() -> None:
    rng = np.random.default_rng(3)
    y = np.zeros((64, 64), np.float32)
    y[:, 32:] = 1.0
    noisy = (y + rng.normal(0, 0.02, y.shape)).astype(np.float32)
    out = guided_filter(noisy, noisy, radius=3, eps=(3 * 0.02) ** 2)
    assert out[:, :28].std() < 0.5 * noisy[:, :28].std()
    assert out[:, 34:].mean() - out[:, :30].mean() > 0.95


def test_luma_denoise_uses_the_per_pixel_sigma() -> None:
    rng = np.random.default_rng(4)
    y = (0.5 + rng.normal(0, 0.03, (64, 64))).astype(np.float32)
    sigma = np.full_like(y, 0.03)
    sigma[:, :32] = 0.001  # claims "clean" on the left: left alone
    out = denoise_luma(y, sigma, strength=1.0)
    assert out[:, 4:28].std() > 0.8 * y[:, 4:28].std()
    assert out[:, 36:60].std() < 0.5 * y[:, 36:60].std()


def test_whole_image_denoise_removes_chroma_noise() -> None:
    rng = np.random.default_rng(5)
    rgb = (0.5 + rng.normal(0, 0.03, (128, 128, 3))).astype(np.float32)
    out = denoise(rgb, 0.03, strength=1.0)
    _, c_in = split_chroma(rgb)
    _, c_out = split_chroma(out)
    assert c_out.std() < 0.3 * c_in.std()


def test_sharpening_limits_overshoot() -> None:
    y = np.zeros((32, 32), np.float32)
    y[:, 16:] = 0.5
    out = sharpen_luma(y, 0.0, amount=1.0, overshoot=0.01)
    assert out.max() <= 0.51 + 1e-6 and out.min() >= -0.01 - 1e-6
    assert out[:, 16].mean() >= 0.5 - 1e-6
