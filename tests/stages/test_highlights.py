"""Over-exposure: the verdict, the highlights stage, and the pass-through where it must not act."""

from __future__ import annotations

import numpy as np
import pytest

from lumos.analysis import analyse
from lumos.config import EnhanceOptions, TilingOptions
from lumos.errors import OptionError
from lumos.pipeline import run_pipeline
from lumos.stages.exposure import over_exposure_verdict
from lumos.stages.highlights import (
    highlights_image,
    highlights_region,
    linear_to_srgb,
    plan_highlights,
    srgb_to_linear,
    tone_curve,
)
from lumos.tiling import run_tiled

from .conftest import scene


def _clean(seed: int = 0, size: int = 96) -> np.ndarray:
    """A well-exposed textured photo: blocks of colour over the range, fine texture."""
    rng = np.random.default_rng(seed)
    blocks = rng.random((size // 16, size // 16, 3)).repeat(16, 0).repeat(16, 1)
    texture = 0.15 * rng.random((size, size, 3))
    return (0.03 + 0.87 * (blocks + texture) / 1.15).astype(np.float32)


def _expose(rgb: np.ndarray, ev: float) -> np.ndarray:
    """MSEC's model: linear light times 2**ev, clipped at white, sRGB again."""
    return linear_to_srgb(np.clip(srgb_to_linear(rgb) * np.float32(2.0**ev), 0, 1))


def test_srgb_round_trip() -> None:
    x = np.linspace(0, 1, 101, dtype=np.float32)
    assert np.abs(linear_to_srgb(srgb_to_linear(x)) - x).max() < 1e-5


def test_tone_curve_is_monotone_and_keeps_white() -> None:
    b = np.linspace(0, 1, 1001, dtype=np.float32)
    for k in (1.0, 2.0, 2**2.5):
        f = tone_curve(b, k)
        assert np.all(np.diff(f) >= 0)
        assert f[-1] == pytest.approx(1.0)
    assert tone_curve(np.float32(0.25), 4.0) == pytest.approx(0.0625)


def test_verdict_over_under_and_well_exposed() -> None:
    clean = _clean()
    v = over_exposure_verdict(analyse(_expose(clean, 2.0)))
    assert v.label == "over-exposed" and v.strength == 1.0
    # The learned reading (issue 26): 1.5 stops over is over-exposed too, and the
    # darkening asked for is the reading itself (about 2 stops here).
    at_15 = over_exposure_verdict(analyse(_expose(clean, 1.5)))
    assert at_15.strength == 1.0 and 1.0 < at_15.ev <= 2.5
    for photo in (clean, _expose(clean, -1.5), scene(96, 128)):
        assert over_exposure_verdict(analyse(photo)).strength == 0.0
    # Bright and clipped but with its blacks (a white page with black text): not over-exposed.
    page = np.ones((96, 96, 3), np.float32)
    page[::8] = 0.02
    assert over_exposure_verdict(analyse(page)).strength == 0.0


def test_highlights_come_down_white_stays_white_and_hue_stays() -> None:
    over = _expose(_clean(0), 2.0)
    over[:16, :16] = 1.0  # a clipped patch
    over[40:56, 40:56] = (0.95, 0.80, 0.70)  # bright skin, not clipped
    hplan = plan_highlights(over, analyse(over))
    assert hplan.active and hplan.ev > 0.5
    out = highlights_image(over, hplan)
    assert float(out.mean()) < float(over.mean()) - 0.1
    assert np.all(out[2:14, 2:14] > 0.99)  # the clipped patch stays white, not grey
    skin_in, skin_out = over[44:52, 44:52].mean((0, 1)), out[44:52, 44:52].mean((0, 1))
    assert skin_out[0] < skin_in[0] - 0.1  # brought down
    lin_in, lin_out = srgb_to_linear(skin_in), srgb_to_linear(skin_out)
    # One ratio for R, G and B in linear light: the hue (channel ratios) stays.
    np.testing.assert_allclose(lin_out / lin_out.sum(), lin_in / lin_in.sum(), atol=2e-3)


def test_correction_brings_a_synthetic_error_back_toward_the_original() -> None:
    clean = _clean(4)
    over = _expose(clean, 2.0)
    out = highlights_image(over, plan_highlights(over, analyse(over)))
    assert np.abs(out - clean).mean() < 0.5 * np.abs(over - clean).mean()


def test_tiles_agree_with_the_whole_frame() -> None:
    over = _expose(_clean(3, size=160), 2.0)
    hplan = plan_highlights(over, analyse(over))
    whole = highlights_region(over, hplan, (0, 160, 0, 160))

    def process(tile, region):
        from lumos.enhancer import TileOutput

        return TileOutput(image=highlights_region(tile, hplan, region))

    tiled = run_tiled(process, over, tile=64, halo=8, workers=1).image
    assert np.abs(tiled - whole).max() < 1e-5


@pytest.mark.parametrize("model", ["lumosnet", "classical"])
def test_well_exposed_photos_are_bit_identical_to_brighten_only(model: str) -> None:
    for photo in (_clean(4), scene(80, 120), _expose(_clean(4), -2.0)):
        auto = run_pipeline(photo, EnhanceOptions(model=model))
        old = run_pipeline(photo, EnhanceOptions(model=model, exposure="brighten"))
        assert np.array_equal(auto.rgb, old.rgb)
        assert auto.stats["exposure"]["darkened"] is False


@pytest.mark.parametrize("model", ["lumosnet", "classical"])
def test_over_exposed_photo_is_darkened_by_both_enhancers(model: str) -> None:
    over = _expose(_clean(0), 2.0)
    res = run_pipeline(over, EnhanceOptions(model=model, tiling=TilingOptions(tile=64)))
    ex = res.stats["exposure"]
    assert ex["darkened"] and ex["darken_ev"] > 0.5 and ex["over"]["label"] == "over-exposed"
    assert "darkened by" in ex["why"]
    assert res.stats["output_mean_luminance"] < res.analysis.mean_luminance - 0.1
    kept = run_pipeline(over, EnhanceOptions(model=model, exposure="brighten"))
    assert not kept.stats["exposure"]["darkened"]
    assert kept.stats["output_mean_luminance"] > res.stats["output_mean_luminance"] + 0.1


def test_darken_forces_the_correction() -> None:
    photo = _clean(6)
    res = run_pipeline(photo, EnhanceOptions(model="classical", exposure="darken"))
    assert res.stats["exposure"]["darkened"] and res.stats["exposure"]["darken_ev"] >= 0.5
    assert res.stats["output_mean_luminance"] < res.analysis.mean_luminance


def test_bad_exposure_value_is_one_line() -> None:
    with pytest.raises(OptionError) as err:
        EnhanceOptions(exposure="brigth")
    assert "\n" not in str(err.value) and "auto, brighten, darken" in str(err.value)


class _Echo:
    """A stand-in enhancer that returns its tile: what the highlights wrapper hands on."""

    name = "echo"
    tile_workers = 1

    def prepare(self, image, analysis, **_):  # type: ignore[no-untyped-def]
        from lumos.enhancer import Plan

        return Plan(halo=8, denoise=0.0, detail=0.0, target_brightness=0.5)

    def process_region(self, tile, plan, region, *, keep_intermediates=False):  # type: ignore[no-untyped-def]
        from lumos.enhancer import TileOutput

        return TileOutput(image=tile)


def test_wrapper_tiles_slice_the_darkened_photo_without_seams() -> None:
    from lumos.stages.highlights import Highlighted

    over = _expose(_clean(5, size=160), 2.0)
    wrapper = Highlighted(_Echo())
    plan = wrapper.prepare(over, analyse(over), denoise=None, detail=None, brightness=None)
    whole = highlights_image(over, plan.params["highlights"])
    for keep in (False, True):  # sliced from the plan, or darkened tile by tile (reports)

        def process(tile, region, keep=keep):  # type: ignore[no-untyped-def]
            return wrapper.process_region(tile, plan, region, keep_intermediates=keep)

        out = run_tiled(process, over, tile=64, halo=8, workers=1, keep_intermediates=keep)
        assert np.abs(out.image - whole).max() < 1e-5
        if keep:
            gain = out.intermediates["exposure_map"]
            assert gain.shape == over.shape[:2] and 0.0 < gain.min() < 0.6 and gain.max() <= 1.0
