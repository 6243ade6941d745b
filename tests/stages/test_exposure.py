"""The exposure verdict: brighten what is under-exposed, keep the tones of what is not."""

from __future__ import annotations

import numpy as np
import pytest

from lumos.analysis import analyse
from lumos.config import EnhanceOptions
from lumos.pipeline import run_pipeline
from lumos.stages.exposure import exposure_verdict

LUMOSNET_FADE = (0.20, 0.30)


def _scene(
    rng: np.random.Generator, lo: float, hi: float, size: int = 96, power: float = 1.0
) -> np.ndarray:
    """A textured photo whose values span [lo, hi] (blocks of colour plus fine texture);
    ``power`` above 1 crowds them toward ``lo`` (crushed blacks)."""
    blocks = rng.random((size // 16, size // 16, 3)).repeat(16, 0).repeat(16, 1)
    texture = 0.15 * rng.random((size, size, 3))
    x = ((blocks + texture) / 1.15) ** power
    return (lo + (hi - lo) * x).astype(np.float32)


def test_an_under_exposed_photo_is_brightened_fully() -> None:
    dark = _scene(np.random.default_rng(0), 0.0, 0.3, power=3)  # nothing bright, crushed
    v = exposure_verdict(analyse(dark), LUMOSNET_FADE)
    assert v.need == 1.0 and v.label == "under-exposed"


def test_a_dark_scene_exposed_for_its_highlights_keeps_its_tones() -> None:
    rng = np.random.default_rng(1)
    photo = _scene(rng, 0.0, 0.25, power=3)
    photo[:, :24] = _scene(rng, 0.55, 0.9)[:, :24]  # a quarter of the frame in the highlights
    a = analyse(photo)
    assert 0.15 < a.mean_luminance < 0.30 and a.bright_fraction > 0.2
    v = exposure_verdict(a, LUMOSNET_FADE)
    assert v.need == 0.0 and v.label == "dark scene exposed for its highlights"
    # The same mean with nothing bright and crushed blacks is brightened.
    flat = _scene(rng, 0.0, 0.45, power=2.5)
    assert exposure_verdict(analyse(flat), LUMOSNET_FADE).need > 0.5


def test_lifted_blacks_say_the_exposure_was_right() -> None:
    # A dim, flat photo (a striped cloth at mean ~0.23) whose darkest parts sit well
    # above black: not under-exposed, though nothing reaches half range.
    photo = _scene(np.random.default_rng(2), 0.12, 0.36)
    a = analyse(photo)
    assert a.bright_fraction < 0.02 and a.p01 > 0.06
    assert exposure_verdict(a, LUMOSNET_FADE).need == 0.0
    crushed = np.clip(photo - np.float32(0.11), 0, 1)  # the same photo, blacks crushed
    assert exposure_verdict(analyse(crushed), LUMOSNET_FADE).need > 0.5


@pytest.mark.parametrize("model", ["lumosnet", "classical"])
def test_a_photo_whose_tones_are_kept_is_not_sharpened(model: str) -> None:
    photo = _scene(np.random.default_rng(3), 0.15, 0.85)
    res = run_pipeline(photo, EnhanceOptions(model=model, shadows=0.0))
    assert res.stats["exposure"]["need"] == 0.0
    assert res.plan.detail == 0.0
    assert abs(res.stats["output_mean_luminance"] - res.analysis.mean_luminance) < 0.01


def test_lumosnet_keeps_a_well_exposed_photo_exactly_without_denoise_or_detail() -> None:
    photo = _scene(np.random.default_rng(4), 0.15, 0.85)
    res = run_pipeline(photo, EnhanceOptions(denoise=0.0, detail=0.0, shadows=0.0))
    assert res.plan.params["keep_tones"]
    # Only the finishing's luma/chroma round trip is left: far below one 8-bit code.
    assert np.abs(res.rgb - photo).max() < 0.5 / 255
