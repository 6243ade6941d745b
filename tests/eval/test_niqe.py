"""NIQE: features, GGD/AGGD fits, the pristine model and the score's behaviour."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from lumos.errors import InputError
from lumos.eval.niqe import (
    DEFAULT_PARAMS_PATH,
    NiqeModel,
    fit_aggd,
    fit_ggd,
    fit_niqe_model,
    load_niqe_model,
    niqe,
    niqe_features,
)


def natural_scene(h: int = 288, w: int = 288, seed: int = 0) -> np.ndarray:
    """A natural-ish RGB image: 1/f texture, hard-edged shapes and smooth gradients."""
    rng = np.random.default_rng(seed)
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.fftfreq(w)[None, :]
    amp = 1.0 / np.maximum(np.hypot(fy, fx), 1.0 / max(h, w))
    phase = np.exp(2j * np.pi * rng.random((h, w)))
    tex = np.real(np.fft.ifft2(amp * phase))
    tex = (tex - tex.mean()) / tex.std()
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    img = np.empty((h, w, 3))
    for c in range(3):
        img[..., c] = 0.45 + 0.2 * (xx - 0.5) * (c - 1) + 0.15 * (yy - 0.5) + 0.08 * tex
    for _ in range(12):  # occluding objects with sharp edges
        cy, cx, r = rng.random() * h, rng.random() * w, 10 + rng.random() * 40
        mask = (np.mgrid[0:h, 0:w][0] - cy) ** 2 + (np.mgrid[0:h, 0:w][1] - cx) ** 2 < r * r
        img[mask] = img[mask] * 0.5 + rng.random(3) * 0.5
    return np.clip(img, 0, 1).astype(np.float32)


def test_noise_and_blur_raise_niqe_with_shipped_model() -> None:
    clean = natural_scene()
    rng = np.random.default_rng(1)
    noisy = np.clip(clean + rng.normal(0, 0.05, clean.shape), 0, 1).astype(np.float32)
    blurred = cv2.GaussianBlur(clean, (0, 0), 3)
    score = niqe(clean)
    assert niqe(noisy) > score
    assert niqe(blurred) > score


def test_noise_and_blur_raise_niqe_with_model_fitted_here() -> None:
    model = fit_niqe_model([natural_scene(seed=s) for s in range(1, 5)])
    clean = natural_scene(seed=9)
    noisy = np.clip(clean + np.random.default_rng(2).normal(0, 0.05, clean.shape), 0, 1)
    blurred = cv2.GaussianBlur(clean, (0, 0), 3)
    score = niqe(clean, model)
    assert niqe(noisy, model) > score
    assert niqe(blurred, model) > score


def test_deterministic_and_finite() -> None:
    img = natural_scene(200, 300, seed=3)
    a, b = niqe(img), niqe(img.copy())
    assert a == b
    assert math.isfinite(a) and a >= 0


@pytest.mark.parametrize("shape", [(96, 96), (100, 130), (97, 250)])
def test_small_images_that_hold_one_patch_work(shape: tuple[int, int]) -> None:
    img = natural_scene(*shape, seed=4)
    assert math.isfinite(niqe(img))


@pytest.mark.parametrize("shape", [(95, 200), (200, 50), (1, 1)])
def test_images_below_one_patch_are_refused(shape: tuple[int, int]) -> None:
    with pytest.raises(InputError, match="at least 96x96"):
        niqe(np.zeros((*shape, 3), np.float32))


def test_bad_shape_is_refused() -> None:
    with pytest.raises(InputError, match="RGB"):
        niqe(np.zeros((128, 128, 4), np.float32))


def test_grey_input_matches_rgb_with_equal_channels() -> None:
    grey = natural_scene(seed=5).mean(axis=2)
    rgb = np.repeat(grey[..., None], 3, axis=2)
    assert niqe(grey) == pytest.approx(niqe(rgb), rel=1e-6)


def test_features_shape_and_pristine_selection() -> None:
    img = natural_scene(288, 384, seed=6)
    feats = niqe_features(img)
    assert feats.shape == (3 * 4, 36)
    pristine = niqe_features(img, pristine=True)
    assert 1 <= pristine.shape[0] <= feats.shape[0]
    assert np.all(np.isfinite(feats))


def test_flat_image_is_scored_not_crashing() -> None:
    flat = np.full((192, 192, 3), 0.5, np.float32)
    assert niqe(flat) > niqe(natural_scene(192, 192))


def _ggd_samples(shape: float, n: int, rng: np.random.Generator) -> np.ndarray:
    # |x|^a ~ Gamma(1/a) gives the density exp(-|x|^a); the sign is a fair coin.
    sign = rng.choice([-1.0, 1.0], size=n)
    return sign * rng.gamma(1.0 / shape, 1.0, n) ** (1.0 / shape)


@pytest.mark.parametrize("shape", [0.6, 1.0, 2.0, 3.0])
def test_fit_ggd_recovers_shape(shape: float) -> None:
    x = 2.5 * _ggd_samples(shape, 200_000, np.random.default_rng(7))
    est, var = fit_ggd(x)
    assert est == pytest.approx(shape, rel=0.05)
    assert var == pytest.approx(float(np.mean(x * x)))


@pytest.mark.parametrize("shape", [0.8, 1.5, 2.0])
def test_fit_aggd_recovers_shape_and_sides(shape: float) -> None:
    rng = np.random.default_rng(8)
    n, left, right = 200_000, 1.0, 2.0
    mag = rng.gamma(1.0 / shape, 1.0, n) ** (1.0 / shape)
    positive = rng.random(n) < right / (left + right)  # side probabilities of an AGGD
    x = np.where(positive, right * mag, -left * mag)
    est, mean, lvar, rvar = fit_aggd(x)
    assert est == pytest.approx(shape, rel=0.05)
    assert mean == pytest.approx(float(x.mean()), abs=0.02)
    assert lvar < rvar


def test_degenerate_fits() -> None:
    assert fit_ggd(np.zeros(100)) == (pytest.approx(0.2), 0.0)
    assert fit_aggd(np.ones(100))[1:] == (0.0, 0.0, 0.0)


def test_model_round_trip(tmp_path) -> None:
    model = fit_niqe_model([natural_scene(seed=s) for s in (1, 2)], meta={"sources": "synthetic"})
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = load_niqe_model(path)
    np.testing.assert_allclose(loaded.mu, model.mu)
    np.testing.assert_allclose(loaded.cov, model.cov)
    assert loaded.meta["sources"] == "synthetic"
    assert loaded.meta["n_images"] == 2
    img = natural_scene(seed=3)
    assert niqe(img, path) == pytest.approx(niqe(img, model))


def test_shipped_model_is_valid() -> None:
    model = load_niqe_model()
    assert isinstance(model, NiqeModel)
    assert model.mu.shape == (36,) and model.cov.shape == (36, 36)
    assert np.allclose(model.cov, model.cov.T)
    assert model.meta["n_patches"] > 100
    assert DEFAULT_PARAMS_PATH.name == "niqe_params.npz"


def test_missing_model_file_is_an_input_error(tmp_path) -> None:
    with pytest.raises(InputError, match="NIQE model"):
        niqe(natural_scene(), tmp_path / "nope.npz")
