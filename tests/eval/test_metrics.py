"""PSNR, SSIM and GT-mean PSNR against known values."""

from __future__ import annotations

import numpy as np
import pytest

from lumos.eval import gt_mean_psnr, psnr, ssim


def test_psnr_of_a_known_mse() -> None:
    a = np.zeros((10, 10, 3), np.uint8)
    b = a.copy()
    b[..., 0] = 10  # MSE = 100 / 3
    assert psnr(a, b) == pytest.approx(10 * np.log10(255**2 / (100 / 3)))


def test_psnr_of_identical_images_is_infinite() -> None:
    a = np.random.default_rng(0).random((8, 8, 3)).astype(np.float32)
    assert psnr(a, a) == float("inf")


def test_psnr_quantises_floats_to_8_bits() -> None:
    a = np.full((4, 4, 3), 0.5, np.float32)
    assert psnr(a, a + 0.001) == float("inf")  # both round to 128


def test_ssim_of_identical_images_is_one() -> None:
    a = np.random.default_rng(1).random((40, 50, 3)).astype(np.float32)
    assert ssim(a, a) == pytest.approx(1.0)


def test_ssim_decreases_with_noise() -> None:
    rng = np.random.default_rng(2)
    xx = np.mgrid[0:64, 0:64][1].astype(np.float32)
    a = np.stack([0.5 + 0.3 * np.sin(xx / 5)] * 3, -1).astype(np.float32)
    scores = [ssim(a, np.clip(a + rng.normal(0, s, a.shape), 0, 1)) for s in (0.01, 0.05, 0.2)]
    assert 1.0 > scores[0] > scores[1] > scores[2] > 0.0


def test_ssim_matches_a_direct_computation_on_a_constant_shift() -> None:
    # Constant images: sigma terms vanish, SSIM = (2 mx my + C1) / (mx^2 + my^2 + C1).
    a = np.full((32, 32), 100, np.uint8)
    b = np.full((32, 32), 120, np.uint8)
    c1 = (0.01 * 255) ** 2
    expected = (2 * 100 * 120 + c1) / (100**2 + 120**2 + c1)
    assert ssim(a, b) == pytest.approx(expected, rel=1e-6)


def test_gt_mean_psnr_ignores_exposure() -> None:
    rng = np.random.default_rng(3)
    ref = (0.2 + 0.5 * rng.random((32, 32, 3))).astype(np.float32)
    assert gt_mean_psnr(ref * 0.5, ref) > psnr(ref * 0.5, ref) + 10


def test_shape_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="shape"):
        psnr(np.zeros((4, 4)), np.zeros((4, 5)))


def test_gt_mean_psnr_follows_the_papers_grey_mean_convention() -> None:
    """Scaled by the BT.601 grey mean (cv2's RGB2GRAY), compared as floats (as Retinexformer)."""
    import cv2

    rng = np.random.default_rng(3)
    ref = rng.integers(0, 256, (32, 48, 3)).astype(np.uint8)
    pred = (ref.astype(np.float64) * [0.5, 0.3, 0.2]).astype(np.uint8)  # dark, and tinted
    p, r = pred / 255.0, ref / 255.0
    grey = lambda x: cv2.cvtColor(x.astype(np.float32), cv2.COLOR_RGB2GRAY).mean()  # noqa: E731
    scaled = np.clip(p * (grey(r) / grey(p)), 0, 1)
    expected = 10 * np.log10(1.0 / np.mean((scaled - r) ** 2))
    assert gt_mean_psnr(pred, ref) == pytest.approx(expected, abs=1e-3)


METRICS = [psnr, ssim, gt_mean_psnr]


@pytest.mark.parametrize("metric", METRICS)
def test_every_metric_refuses_a_shape_mismatch(metric) -> None:
    with pytest.raises(ValueError, match="shape"):
        metric(np.zeros((16, 16, 3), np.float32), np.zeros((16, 17, 3), np.float32))


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("dtype", [np.uint16, np.int32, np.int64, bool])
def test_integer_types_other_than_uint8_are_refused(metric, dtype) -> None:
    # Two random uint16 images used to score PSNR inf and SSIM 1 (both saturate to 255).
    rng = np.random.default_rng(4)
    a = rng.integers(0, 2, (16, 16, 3)).astype(dtype)
    b = rng.integers(0, 2, (16, 16, 3)).astype(dtype)
    with pytest.raises(TypeError, match="uint8 or float"):
        metric(a, b)
    with pytest.raises(TypeError, match="second"):
        metric(np.zeros((16, 16, 3), np.uint8), b)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("bad", [255.0, 1.01, -0.01, np.nan])
def test_floats_outside_unit_range_are_refused(metric, bad: float) -> None:
    a = np.full((16, 16, 3), 0.5, np.float32)
    b = a.copy()
    b[3, 4, 1] = bad
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metric(b, a)


@pytest.mark.parametrize("metric", METRICS)
def test_rounding_overshoot_and_mixed_uint8_float_are_accepted(metric) -> None:
    rng = np.random.default_rng(5)
    ref = rng.integers(30, 220, (16, 16, 3)).astype(np.uint8)
    out = (ref / 255.0).astype(np.float32)
    out[0, 0] = [1.0005, -0.0005, 0.5]  # within the tolerance: like the in-range values
    noisy = np.clip(out + rng.normal(0, 0.02, out.shape), 0, 1).astype(np.float32)
    noisy[0, 0] = out[0, 0]
    assert metric(noisy, ref) == pytest.approx(metric(np.clip(noisy, 0, 1), ref))
    assert metric(ref, ref) == metric(ref.astype(np.float64) / 255, ref)
