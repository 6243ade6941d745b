"""LumosDN, the learned denoiser: removes noise it is told about, keeps clean detail, any size."""

from __future__ import annotations

import numpy as np
import pytest

from lumos.config import EnhanceOptions
from lumos.models import available_models
from lumos.models.denoiser import denoise_rgb, denoiser_available
from lumos.models.lumosnet import LumosNetEnhancer
from lumos.pipeline import run_pipeline

pytestmark = pytest.mark.skipif(
    not denoiser_available() or "lumosnet" not in available_models(),
    reason="the learned denoiser is not installed",
)


def _scene(h: int = 96, w: int = 128) -> np.ndarray:
    """Smooth shapes and a few edges: something a denoiser should keep."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([0.45 + 0.2 * np.sin(xx / 11), 0.4 + 0.2 * np.cos(yy / 9), 0.35 + 0 * xx], -1)
    img[h // 4 : h // 2, w // 4 : w // 2] = (0.8, 0.7, 0.5)
    return img.astype(np.float32)


def test_noise_it_is_told_about_is_removed() -> None:
    clean = _scene()
    rng = np.random.default_rng(0)
    noisy = (clean + rng.normal(0, 0.06, clean.shape)).astype(np.float32)
    out = denoise_rgb(noisy, np.full(clean.shape[:2], 0.06, np.float32))
    err_in = np.sqrt(np.mean((noisy - clean) ** 2))
    err_out = np.sqrt(np.mean((out - clean) ** 2))
    assert err_out < 0.5 * err_in


def test_a_clean_photo_with_no_noise_is_changed_little() -> None:
    clean = _scene()
    out = denoise_rgb(clean, np.zeros(clean.shape[:2], np.float32))
    # A saturated synthetic chart: the net shifts its colours slightly, well under 3/255.
    assert np.abs(out - clean).mean() < 3 / 255
    assert np.abs(out - clean).max() < 0.2


def test_auto_denoise_is_full_where_noise_shows_and_half_on_a_clean_photo() -> None:
    from lumos.models.lumosnet import learned_auto_denoise

    assert learned_auto_denoise(0.0) == pytest.approx(0.5)
    assert learned_auto_denoise(0.01) == 1.0  # cc15's real noise and every dark photo
    assert 0.5 < learned_auto_denoise(0.005) < 1.0


@pytest.mark.parametrize("shape", [(37, 53), (5, 7), (64, 64)])
def test_any_size_comes_back_the_same_size(shape: tuple[int, int]) -> None:
    img = np.full((*shape, 3), 0.4, np.float32)
    out = denoise_rgb(img, np.full(shape, 0.02, np.float32))
    assert out.shape == img.shape and out.dtype == np.float32
    assert np.abs(out - img).max() < 0.05


def test_denoise_strength_keeps_a_share_of_the_grain() -> None:
    rng = np.random.default_rng(1)
    dark = np.clip(0.06 + 0.012 * rng.standard_normal((96, 128, 3)), 0, 1).astype(np.float32)

    def grain(denoise: float) -> float:
        out = run_pipeline(dark, EnhanceOptions(model="lumosnet", denoise=denoise, detail=0.0)).rgb
        return float(np.std(out - out.mean(axis=(0, 1))))

    assert grain(0.0) > grain(0.5) > grain(1.0)


def test_denoise_above_one_smooths_more_than_the_measured_noise_asks() -> None:
    import cv2

    rng = np.random.default_rng(3)
    dark = np.clip(0.15 * _scene() + rng.normal(0, 0.01, (96, 128, 3)), 0, 1).astype(np.float32)

    def run(denoise: float) -> np.ndarray:
        return run_pipeline(dark, EnhanceOptions(model="lumosnet", denoise=denoise, detail=0.0)).rgb

    def fine_grain(out: np.ndarray) -> float:
        return float(np.std(out - cv2.GaussianBlur(out, (0, 0), 2)))

    at_one, above = run(1.0), run(1.0001)
    assert np.abs(above - at_one).max() < 1e-3  # no jump where the slider passes 1
    assert fine_grain(run(2.0)) < 0.95 * fine_grain(at_one)


def test_without_the_denoiser_the_filters_finish() -> None:
    enh = LumosNetEnhancer(denoiser=None)
    from lumos.analysis import analyse

    img = np.full((40, 40, 3), 0.05, np.float32)
    plan = enh.prepare(img, analyse(img), denoise=None, detail=None, brightness=None)
    assert plan.params["denoiser"] is None and plan.align == 1
    assert plan.params["chroma_ab"] is not None


def test_a_dark_photo_gets_the_dark_photo_weights_and_a_bright_one_the_others() -> None:
    from lumos.analysis import analyse
    from lumos.models.denoiser import DN_DARK_WEIGHTS, DN_WEIGHTS

    if not denoiser_available(DN_DARK_WEIGHTS):
        pytest.skip("the dark-photo weights are not installed")
    enh = LumosNetEnhancer()
    rng = np.random.default_rng(5)
    exposed = np.clip(_scene() + rng.normal(0, 0.02, _scene().shape), 0, 1).astype(np.float32)
    dark = (exposed * np.float32(0.06)).astype(np.float32)
    plans = {
        name: enh.prepare(img, analyse(img), denoise=None, detail=None, brightness=None)
        for name, img in (("exposed", exposed), ("dark", dark))
    }
    assert plans["dark"].params["denoiser"] == DN_DARK_WEIGHTS
    assert plans["dark"].params["denoiser_weights"] == "dark"
    assert plans["exposed"].params["denoiser"] == DN_WEIGHTS
    assert plans["exposed"].params["denoiser_weights"] == "exposed"
    # Without the dark-photo weights every photo gets the one set.
    one = LumosNetEnhancer(dark_denoiser=None)
    plan = one.prepare(dark, analyse(dark), denoise=None, detail=None, brightness=None)
    assert plan.params["denoiser"] == DN_WEIGHTS


def test_a_large_region_runs_in_chunks_with_the_same_result() -> None:
    rng = np.random.default_rng(2)
    img = np.clip(_scene(150, 230) + rng.normal(0, 0.05, (150, 230, 3)), 0, 1).astype(np.float32)
    sigma = np.full((150, 230), 0.05, np.float32)
    whole = denoise_rgb(img, sigma)
    chunked = denoise_rgb(img, sigma, chunk=64)  # 3 x 4 chunks
    assert np.abs(chunked - whole).max() < 1e-3
