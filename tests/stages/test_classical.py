"""ClassicalEnhancer: the Enhancer contract, tiling exactness, behaviour on real cases."""

from __future__ import annotations

import numpy as np
import pytest

from lumos.analysis import analyse
from lumos.enhancer import STAGE_NAMES, Enhancer, Plan
from lumos.stages import ClassicalEnhancer

from .conftest import darken, scene


def _run(img: np.ndarray, **kw: float | None) -> tuple[np.ndarray, Plan]:
    enh = ClassicalEnhancer()
    opts = {"denoise": None, "detail": None, "brightness": None, **kw}
    plan = enh.prepare(img, analyse(img), **opts)
    h, w = img.shape[:2]
    return enh.process_region(img, plan, (0, h, 0, w)).image, plan


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(1.0 / np.mean((a.astype(np.float64) - b) ** 2)))


def test_implements_the_enhancer_protocol() -> None:
    enh: Enhancer = ClassicalEnhancer()
    assert enh.name == "classical"


def test_tiles_match_the_whole_frame() -> None:
    h, w = 333, 517
    dark = darken(scene(h, w), 1 / 12, 0.01, seed=1)
    enh = ClassicalEnhancer()
    plan = enh.prepare(dark, analyse(dark), denoise=None, detail=None, brightness=None)
    whole = enh.process_region(dark, plan, (0, h, 0, w)).image
    core, halo = 96, plan.halo
    tiled = np.zeros_like(whole)
    for y0 in range(0, h, core):
        for x0 in range(0, w, core):
            y1, x1 = min(h, y0 + core), min(w, x0 + core)
            py0, py1 = max(0, y0 - halo), min(h, y1 + halo)
            px0, px1 = max(0, x0 - halo), min(w, x1 + halo)
            out = enh.process_region(dark[py0:py1, px0:px1], plan, (py0, py1, px0, px1)).image
            tiled[y0:y1, x0:x1] = out[y0 - py0 : y1 - py0, x0 - px0 : x1 - px0]
    diff = np.abs(tiled - whole)
    # Hard-cut tiles (no blending): the halo alone must make them exact.
    assert diff.mean() < 1e-4, diff.mean()
    assert diff.max() < 2 / 255, diff.max()


def test_output_is_float32_in_range_with_intermediates() -> None:
    dark = darken(scene(120, 160), 1 / 10, 0.01)
    enh = ClassicalEnhancer()
    plan = enh.prepare(dark, analyse(dark), denoise=None, detail=None, brightness=None)
    res = enh.process_region(dark, plan, (0, 120, 0, 160), keep_intermediates=True)
    assert res.image.dtype == np.float32 and res.image.shape == dark.shape
    assert res.image.min() >= 0.0 and res.image.max() <= 1.0
    assert set(res.intermediates) == set(STAGE_NAMES)
    assert res.intermediates["illumination"].shape == (120, 160)
    for name in ("brightened", "denoised", "detail"):
        assert res.intermediates[name].shape == (120, 160, 3)
    assert 0.0 <= plan.denoise <= 1.0 and 0.0 <= plan.detail <= 1.0


def test_dark_photo_is_brightened_to_the_target_without_blowing_the_lamp() -> None:
    clean = scene(240, 320)
    dark = darken(clean, 1 / 15, 0.008)
    out, plan = _run(dark)
    y = out @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    assert abs(y.mean() - plan.target_brightness) < 0.05
    assert out.mean() > 2.5 * dark.mean()
    assert (out >= 0.995).all(axis=2).mean() < 0.02


def test_explicit_brightness_is_honoured() -> None:
    dark = darken(scene(240, 320), 1 / 15, 0.005)
    lo, _ = _run(dark, brightness=0.3)
    hi, _ = _run(dark, brightness=0.5)
    assert lo.mean() < hi.mean()


def test_well_exposed_photo_stays_nearly_unchanged() -> None:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:240, 0:320].astype(np.float32)
    tex = 0.5 + 0.15 * np.sin(xx / 5.0) * np.cos(yy / 7.0)
    img = np.stack([tex, tex * 0.95, tex * 1.05], -1) + rng.normal(0, 0.004, (240, 320, 3))
    img = np.clip(img, 0, 1).astype(np.float32)
    out, plan = _run(img)
    assert _psnr(out, img) > 30
    assert abs(out.mean() - img.mean()) < 0.01
    assert plan.target_brightness == pytest.approx(analyse(img).mean_luminance)


def test_denoise_reduces_noise_in_flat_areas() -> None:
    flat = np.full((200, 200, 3), 0.5, np.float32) ** 2.2
    dark = darken(flat ** (1 / 2.2), 1 / 10, 0.01, seed=3)
    on, _ = _run(dark, denoise=1.0, detail=0.0)
    off, _ = _run(dark, denoise=0.0, detail=0.0)
    assert on.std() < 0.5 * off.std()

    # Chroma noise is the uglier one: it must go down even more.
    def chroma_std(x: np.ndarray) -> float:
        return float((x - x.mean(axis=2, keepdims=True)).std())

    assert chroma_std(on) < 0.3 * chroma_std(off)


def test_detail_does_not_amplify_grain() -> None:
    dark = darken(np.full((160, 160, 3), 0.5, np.float32), 1 / 10, 0.01, seed=4)
    sharp, _ = _run(dark, denoise=0.5, detail=1.0)
    soft, _ = _run(dark, denoise=0.5, detail=0.0)
    assert sharp.std() < 1.15 * soft.std()


def test_detail_sharpens_real_edges() -> None:
    img = np.full((120, 120, 3), 0.1, np.float32)
    img[:, 60:] = 0.14
    dark = darken(img, 1 / 10, 0.002, seed=5)
    sharp, _ = _run(dark, detail=1.0, brightness=0.4)
    soft, _ = _run(dark, detail=0.0, brightness=0.4)
    step = lambda x: float(x[:, 61].mean() - x[:, 58].mean())  # noqa: E731
    assert step(sharp) >= step(soft)


def test_a_chosen_brightness_is_reached_on_a_very_dark_photo() -> None:
    """The noise-limiting gain cap gives way to a brightness the user chose."""
    dark = darken(scene(240, 320), 1 / 200, 0.002)  # mean luma 0.027: 0.6 needs a gain of 22
    out, _ = _run(dark, brightness=0.6)
    luma = out @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    assert abs(float(luma.mean()) - 0.6) < 0.06, luma.mean()


def test_a_near_black_sky_is_brightened_grey_not_olive() -> None:
    """Crushed night-sky pixels (R = G = 0.7/255, B = 0.1/255) carry no colour: they come
    out neutral, while a dim but coloured area keeps its hue."""
    from lumos.config import EnhanceOptions
    from lumos.pipeline import run_pipeline

    img = np.empty((96, 128, 3), np.float32)
    img[:48] = np.float32([0.7, 0.7, 0.1]) / 255
    img[48:] = np.float32([12, 8, 4]) / 255
    img[60:70, 60:70] = 0.9  # a lamp
    out = run_pipeline(img, EnhanceOptions(model="classical")).rgb
    sky = out[5:35].reshape(-1, 3).mean(0)
    assert sky.mean() > 1.5 / 255
    assert np.ptp(sky) < 1 / 255
    street = out[80:, 5:40].reshape(-1, 3).mean(0)
    assert street[0] > street[1] > street[2]


def test_grey_near_black_keeps_luma_and_spares_lit_pixels() -> None:
    from lumos._color import LUMA
    from lumos.stages.brighten import grey_near_black

    bright = np.float32([[[0.2, 0.3, 0.05], [0.2, 0.3, 0.05], [0.2, 0.3, 0.05]]])
    peak = np.float32([[0.5 / 255, 2.5 / 255, 10 / 255]])
    out = grey_near_black(bright, peak)
    np.testing.assert_allclose(out @ LUMA, bright @ LUMA, atol=1e-6)
    assert np.ptp(out[0, 0]) < 1e-6  # black input: grey
    assert 0 < np.ptp(out[0, 1]) < np.ptp(bright[0, 1])  # in between: part of its colour
    np.testing.assert_allclose(out[0, 2], bright[0, 2], atol=1e-7)  # lit: untouched
