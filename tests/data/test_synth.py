"""The synthetic data engine follows its noise and light model."""

from __future__ import annotations

import numpy as np
import pytest

from lumos.data import (
    DarkenParams,
    add_sensor_noise,
    darken,
    light_field,
    linear_to_srgb,
    sample_params,
    srgb_to_linear,
)


def test_srgb_round_trip() -> None:
    x = np.linspace(0, 1, 101, dtype=np.float32)
    np.testing.assert_allclose(linear_to_srgb(srgb_to_linear(x)), x, atol=1e-5)


@pytest.mark.parametrize("signal", [0.002, 0.01, 0.05])
def test_noise_variance_follows_poisson_gaussian_model(signal: float) -> None:
    params = DarkenParams(shot_noise=4e-4, read_noise=2e-3, channel_gain=(0.5, 1.0, 0.8))
    flat = np.full((256, 256, 3), signal, np.float32)
    noisy = add_sensor_noise(flat, params, np.random.default_rng(0))
    measured = noisy.reshape(-1, 3).var(axis=0)
    expected = 4e-4 * signal / np.array([0.5, 1.0, 0.8]) + 2e-3**2
    np.testing.assert_allclose(measured, expected, rtol=0.05)


def test_darken_cuts_exposure_and_is_seeded() -> None:
    clean = np.full((64, 64, 3), 0.6, np.float32)
    a = darken(clean, DarkenParams(exposure=1 / 20), seed=5)
    b = darken(clean, DarkenParams(exposure=1 / 20), seed=5)
    np.testing.assert_array_equal(a, b)
    lin = srgb_to_linear(a).mean()
    assert lin == pytest.approx(srgb_to_linear(np.float32(0.6)) / 20, rel=0.15)
    assert np.allclose(a * 255, np.round(a * 255), atol=1e-4)  # 8-bit levels


@pytest.mark.parametrize("kind", ["gradient", "spotlights", "vignette"])
def test_light_fields_are_uneven_with_unit_mean(kind: str) -> None:
    field = light_field(120, 160, kind, 1.0, seed=3)
    assert field.shape == (120, 160) and field.min() > 0
    assert field.mean() == pytest.approx(1.0, rel=1e-3)
    assert field.max() / field.min() > 4
    np.testing.assert_array_equal(light_field(50, 50, "uniform", 1.0), np.ones((50, 50)))


def test_colour_cast_and_jpeg() -> None:
    clean = np.full((64, 64, 3), 0.5, np.float32)
    warm = darken(clean, DarkenParams(exposure=0.3, color_cast=(1.3, 1.0, 0.7), jpeg_quality=80))
    r, _, b = warm.reshape(-1, 3).mean(axis=0)
    assert r > b * 1.3


def test_sampled_params_are_valid_and_varied() -> None:
    rng = np.random.default_rng(0)
    ps = [sample_params(rng) for _ in range(200)]
    exposures = np.array([p.exposure for p in ps])
    assert exposures.min() >= 1 / 100 and exposures.max() <= 1 / 8
    assert {p.light for p in ps} == {"uniform", "gradient", "spotlights", "vignette"}
    assert any(p.jpeg_quality for p in ps) and any(p.jpeg_quality is None for p in ps)


def test_correlated_noise_keeps_the_models_variance_and_is_correlated() -> None:
    params = DarkenParams(shot_noise=4e-4, read_noise=2e-3, noise_blur=1.0)
    flat = np.full((256, 256, 3), 0.02, np.float32)
    noise = add_sensor_noise(flat, params, np.random.default_rng(1)) - flat
    expected = 4e-4 * 0.02 / np.array([0.7, 1.0, 0.6]) + 2e-3**2
    np.testing.assert_allclose(noise.reshape(-1, 3).var(axis=0), expected, rtol=0.1)
    g = noise[..., 1] - noise[..., 1].mean()
    assert float((g[:, 1:] * g[:, :-1]).mean() / g.var()) > 0.5  # white noise: about 0


def test_correlated_noise_is_drawn_only_when_asked_for() -> None:
    plain = [sample_params(np.random.default_rng(3)) for _ in range(3)]
    zero = [sample_params(np.random.default_rng(3), correlated_probability=0.0) for _ in range(3)]
    assert plain == zero and all(p.noise_blur == 0 for p in plain)  # the same stream as before
    rng = np.random.default_rng(4)
    blurs = [sample_params(rng, correlated_probability=1.0).noise_blur for _ in range(50)]
    assert all(0.4 <= b <= 1.2 for b in blurs)
