"""LumosNE's training crops: the noise delivered is the noise drawn and the level reported."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lumos.train.ne_data import NeSampler, NoiseDraw, draw_noise, noisy_crop

_WHITE = NoiseDraw(
    level=4 / 255,
    shot_share=0.0,
    correlation="white",
    blur=1.0,
    channel_scale=(1.0, 1.0, 1.0),
    common_share=1.0,  # the same noise in R, G and B: luma noise = the level
    exposure=1.0,
    jpeg_quality=None,
)


def _grey(side: int = 96, value: float = 0.5) -> np.ndarray:
    return np.full((side, side, 3), value, np.float32)


def _neighbour_correlation(x: np.ndarray) -> float:
    x = x - x.mean()
    return float((x[:, 1:] * x[:, :-1]).mean() / x.var())


@pytest.mark.parametrize("correlation", ["white", "blur", "bayer"])
def test_each_channel_gets_the_level_drawn_and_the_luma_level_is_reported(
    correlation: str,
) -> None:
    rng = np.random.default_rng(0)
    noisy, sigma = noisy_crop(_grey(), replace(_WHITE, correlation=correlation), rng)
    for c in range(3):
        assert float(noisy[..., c].std()) == pytest.approx(4 / 255, rel=0.1)
    luma = (noisy - 0.5) @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    assert sigma == pytest.approx(float(luma.std()), rel=0.02)
    if correlation != "bayer":  # demosaicing mixes other pixels into each channel
        assert sigma == pytest.approx(4 / 255, rel=0.1)


def test_correlated_draws_are_correlated_and_white_ones_are_not() -> None:
    rng = np.random.default_rng(1)
    found = {}
    for kind in ("white", "blur", "bayer"):
        noisy, _ = noisy_crop(_grey(128), replace(_WHITE, correlation=kind, level=8 / 255), rng)
        found[kind] = _neighbour_correlation(noisy[..., 1])
    assert abs(found["white"]) < 0.1
    assert found["blur"] > 0.4 and found["bayer"] > 0.3


def test_shot_noise_grows_with_the_signal_and_channels_keep_their_scale() -> None:
    rng = np.random.default_rng(2)
    draw = replace(_WHITE, shot_share=1.0, common_share=0.0, channel_scale=(1.5, 1.0, 1.0))
    _, dark_sigma = noisy_crop(_grey(value=0.1), draw, rng)
    bright_noisy, bright_sigma = noisy_crop(_grey(value=0.6), draw, rng)
    assert bright_sigma > 2 * dark_sigma
    red, green = bright_noisy[..., 0].std(), bright_noisy[..., 1].std()
    assert red == pytest.approx(1.5 * green, rel=0.15)


def test_jpeg_changes_the_pixels_but_not_the_level_reported() -> None:
    plain, plain_sigma = noisy_crop(_grey(), _WHITE, np.random.default_rng(3))
    draw = replace(_WHITE, jpeg_quality=75)
    jpeg, jpeg_sigma = noisy_crop(_grey(), draw, np.random.default_rng(3))
    assert jpeg_sigma == plain_sigma
    assert float(np.abs(jpeg - plain).mean()) > 0.5 / 255
    assert float(jpeg.std()) < float(plain.std())  # compression took the finest part


def test_darkened_crops_are_darker_and_drawn_levels_stay_in_range() -> None:
    rng = np.random.default_rng(4)
    dark, _ = noisy_crop(_grey(value=0.6), replace(_WHITE, exposure=0.05, level=0.5 / 255), rng)
    assert float(dark.mean()) < 0.2
    draws = [draw_noise(rng) for _ in range(400)]
    assert all(0.2 / 255 <= d.level <= 25 / 255 for d in draws)
    assert {d.correlation for d in draws} == {"white", "blur", "bayer", "camera"}
    assert 0.25 < np.mean([d.jpeg_quality is not None for d in draws]) < 0.55


def test_batches_are_float32_nchw_with_one_level_each() -> None:
    rng = np.random.default_rng(5)
    images = [(rng.random((120, 160, 3)) * 255).astype(np.uint8) for _ in range(3)]
    x, sigma = NeSampler(images, crop=64, seed=0).batch(5)
    assert x.dtype == sigma.dtype == np.float32
    assert x.shape[:2] == (5, 3) and x.shape[2] == x.shape[3] and x.shape[2] % 4 == 0
    assert sigma.shape == (5,) and (sigma > 0).all()


def test_camera_draws_have_the_level_drawn_and_a_cameras_correlated_grain() -> None:
    rng = np.random.default_rng(5)
    noisy, sigma = noisy_crop(_grey(128), replace(_WHITE, correlation="camera", level=6 / 255), rng)
    luma = (noisy - 0.5) @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    assert sigma == pytest.approx(6 / 255, rel=0.1)
    assert sigma == pytest.approx(float(luma.std()), rel=0.05)
    assert _neighbour_correlation(noisy[..., 1]) > 0.15  # demosaiced, not white
