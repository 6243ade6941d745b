"""The dark channel prior stage (:mod:`lumos.stages.dehaze`) and its place in the pipeline."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from _scenes import clear_photo, hazy_photo
from lumos.analysis import analyse
from lumos.config import EnhanceOptions, TilingOptions
from lumos.enhancer import Plan, TileOutput
from lumos.eval import psnr
from lumos.pipeline import run_pipeline
from lumos.stages.dehaze import (
    T_MIN,
    Dehazed,
    dehaze_image,
    dehaze_region,
    plan_dehaze,
)


def _hazy(h: int = 120, w: int = 160) -> tuple[np.ndarray, np.ndarray]:
    clean = clear_photo(h, w)
    return hazy_photo(clean), clean


def test_dark_channel_prior_raises_psnr() -> None:
    hazy, clean = _hazy()
    plan = plan_dehaze(hazy, 1.0, auto=False, density=0.0)
    out = dehaze_image(hazy, plan)
    assert psnr(out, clean) > psnr(hazy, clean) + 8.0
    # The airlight is the haze's colour (0.85, 0.86, 0.88 in _scenes.hazy_photo).
    np.testing.assert_allclose(plan.airlight, (0.85, 0.86, 0.88), atol=0.03)


def test_strength_blends_toward_the_input() -> None:
    hazy, clean = _hazy()
    scores = []
    for s in (0.0, 0.5, 1.0):
        out = dehaze_image(hazy, plan_dehaze(hazy, s, auto=False, density=0.0))
        scores.append(psnr(out, clean))
    assert scores == sorted(scores)
    assert not plan_dehaze(hazy, 0.0, auto=False, density=0.0).active


def test_regions_agree_with_the_whole_frame() -> None:
    hazy, _ = _hazy(130, 170)
    plan = plan_dehaze(hazy, 1.0, auto=False, density=0.0)
    whole, _ = dehaze_region(hazy, plan, (0, 130, 0, 170))
    part, t = dehaze_region(hazy[37:101, 55:150], plan, (37, 101, 55, 150))
    np.testing.assert_allclose(part, whole[37:101, 55:150], atol=1e-6)
    assert t.min() >= T_MIN and t.max() <= 1.0


@pytest.mark.parametrize("model", ["classical", "lumosnet"])
def test_tiled_equals_whole(model: str) -> None:
    hazy, _ = _hazy(150, 200)
    runs = [
        run_pipeline(hazy, EnhanceOptions(model=model, dehaze=1.0, tiling=TilingOptions(tile=t)))
        for t in (0, 64)
    ]
    assert runs[0].stats["dehaze"]["strength"] == 1.0
    diff = np.abs(runs[0].rgb - runs[1].rgb)
    assert diff.max() < 2 / 255, diff.max()


@pytest.mark.parametrize("model", ["classical", "lumosnet"])
def test_auto_dehazes_a_hazy_photo(model: str) -> None:
    hazy, clean = _hazy()
    auto = run_pipeline(hazy, EnhanceOptions(model=model))
    off = run_pipeline(hazy, EnhanceOptions(model=model, dehaze=0.0))
    d = auto.stats["dehaze"]
    assert d["auto"] is True and d["strength"] > 0.5 and d["airlight"] is not None
    assert psnr(auto.rgb, clean) > psnr(off.rgb, clean) + 5.0


@pytest.mark.parametrize("model", ["classical", "lumosnet"])
def test_clear_photo_with_auto_is_unchanged(model: str) -> None:
    clear = clear_photo(seed=1)
    auto = run_pipeline(clear, EnhanceOptions(model=model))
    off = run_pipeline(clear, EnhanceOptions(model=model, dehaze=0.0))
    assert auto.stats["dehaze"] == {
        "strength": 0.0,
        "auto": True,
        "density": pytest.approx(auto.analysis.haze_density, abs=1e-4),
        "method": None,
        "airlight": None,
    }
    np.testing.assert_array_equal(auto.rgb, off.rgb)


class _Recorder:
    """A stand-in enhancer that keeps what it was given."""

    name = "recorder"
    tile_workers = 1

    def __init__(self) -> None:
        self.tiles: list[tuple[np.ndarray, Plan]] = []

    def prepare(self, image, analysis, **kw) -> Plan:  # type: ignore[no-untyped-def]
        self.planned = (image, analysis)
        return Plan(halo=0, denoise=1.0, detail=0.0, target_brightness=0.4, params={"sigma": 0.01})

    def process_region(self, tile, plan, region, *, keep_intermediates=False):  # type: ignore[no-untyped-def]
        self.tiles.append((tile, plan))
        return TileOutput(image=tile)


def test_noise_level_handed_on_grows_by_one_over_t() -> None:
    hazy, _ = _hazy()
    inner = _Recorder()
    enhancer = Dehazed(inner, 1.0)
    analysis = analyse(hazy)
    plan = enhancer.prepare(hazy, analysis, denoise=None, detail=None, brightness=None)
    # The inner enhancer planned on the dehazed photo, with its (darker) exposure.
    planned, seen = inner.planned
    assert seen.mean_luminance < analysis.mean_luminance - 0.1
    assert seen.noise_sigma == analysis.noise_sigma
    out = enhancer.process_region(hazy, plan, (0, 120, 0, 160), keep_intermediates=True)
    tile, tile_plan = inner.tiles[-1]
    np.testing.assert_array_equal(tile, planned)
    t = out.intermediates["transmission"]
    np.testing.assert_allclose(tile_plan.params["sigma"], 0.01 / t, rtol=1e-5)
    assert plan.params["sigma"] == 0.01  # the run's plan is left as it was


def test_strength_zero_is_the_inner_enhancer_untouched() -> None:
    hazy, _ = _hazy()
    inner = _Recorder()
    enhancer = Dehazed(inner, 0.0)
    plan = enhancer.prepare(hazy, analyse(hazy), denoise=None, detail=None, brightness=None)
    assert inner.planned[0] is hazy
    enhancer.process_region(hazy, plan, (0, 120, 0, 160))
    assert inner.tiles[-1][0] is hazy and inner.tiles[-1][1] is plan
    assert replace(plan, params={}) == replace(plan, params={})  # a plain, frozen Plan
