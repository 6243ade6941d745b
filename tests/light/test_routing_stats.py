"""``PipelineResult.stats`` says which light strategy was used and how local it was."""

from __future__ import annotations

import numpy as np
import pytest

from lumos.config import EnhanceOptions
from lumos.pipeline import run_pipeline
from lumos.stages.classical import UNIFORM_LOCALITY


def _photo() -> np.ndarray:
    rng = np.random.default_rng(0)
    img = np.full((48, 64, 3), 0.04, np.float32)
    img[10:20, 40:52] = 0.9  # a lamp in a dark room
    return np.clip(img + rng.normal(0, 0.005, img.shape).astype(np.float32), 0, 1)


@pytest.mark.parametrize(("light", "locality"), [("uniform", UNIFORM_LOCALITY), ("uneven", 1.0)])
def test_forced_light_is_what_stats_report(light: str, locality: float) -> None:
    stats = run_pipeline(_photo(), EnhanceOptions(model="classical", light=light)).stats
    assert stats["light_routed"] == light
    assert stats["locality"] == pytest.approx(locality)
    # What the classifier measured is still reported beside it.
    assert stats["analysis"]["light"] in ("uniform", "uneven")


def test_auto_routes_on_the_classifier() -> None:
    stats = run_pipeline(_photo(), EnhanceOptions(model="classical")).stats
    assert stats["light_routed"] == stats["analysis"]["light"]
    expected = 1.0 if stats["light_routed"] == "uneven" else UNIFORM_LOCALITY
    assert stats["locality"] == pytest.approx(expected)


def test_lumosnet_keeps_its_own_locality_unless_forced() -> None:
    auto = run_pipeline(_photo(), EnhanceOptions(model="lumosnet")).stats
    assert auto["light_routed"] == "learned" and auto["locality"] == 1.0
    forced = run_pipeline(_photo(), EnhanceOptions(model="lumosnet", light="uniform")).stats
    assert forced["light_routed"] == "uniform" and forced["locality"] == 0.0


def test_lumosnet_forced_uniform_is_one_tone_curve() -> None:
    """Forced uniform: the output is a function of the input pixel alone (no locality)."""
    img = _photo()
    img[30:40, 5:15] = 0.2  # the same grey patch far from the lamp ...
    img[22:26, 40:52] = 0.2  # ... and right below it
    res = run_pipeline(img, EnhanceOptions(model="lumosnet", light="uniform", denoise=0, detail=0))
    far, near = res.rgb[32:38, 7:13].mean(), res.rgb[23:25, 42:50].mean()
    assert far == pytest.approx(near, abs=0.02)
