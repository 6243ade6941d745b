"""LumosDH, the learned dehazer, at inference: it removes haze, leaves clear photos, tiles agree."""

from __future__ import annotations

import numpy as np
import pytest

from _scenes import clear_photo, hazy_photo
from lumos.analysis import measure_haze
from lumos.config import EnhanceOptions, TilingOptions
from lumos.errors import OptionError
from lumos.eval import psnr
from lumos.models.dehazer import dehazer_available, estimate_haze
from lumos.pipeline import run_pipeline
from lumos.stages.dehaze import dehaze_image, dehaze_region, plan_dehaze, resolve_dehazer

pytestmark = pytest.mark.skipif(not dehazer_available(), reason="LumosDH is not installed")


def _hazy(h: int = 120, w: int = 160) -> tuple[np.ndarray, np.ndarray]:
    clean = clear_photo(h, w)
    return hazy_photo(clean), clean


def test_the_learned_dehazer_lowers_the_haze() -> None:
    hazy, clean = _hazy()
    plan = plan_dehaze(hazy, 1.0, auto=False, density=0.0, method="learned")
    assert plan.method == "learned" and plan.active
    out = dehaze_image(hazy, plan)
    assert psnr(out, clean) > psnr(hazy, clean) + 8.0
    assert measure_haze(out).density < measure_haze(hazy).density - 0.2


def test_it_reads_a_clear_photo_as_clear() -> None:
    clean = clear_photo(120, 160)
    est = estimate_haze(clean)
    assert float(np.median(est.transmission)) > 0.8


def test_tiles_equal_the_whole_frame() -> None:
    hazy, _ = _hazy(130, 170)
    plan = plan_dehaze(hazy, 1.0, auto=False, density=0.0, method="learned")
    whole, _ = dehaze_region(hazy, plan, (0, 130, 0, 170))
    part, _ = dehaze_region(hazy[37:101, 55:150], plan, (37, 101, 55, 150))
    np.testing.assert_allclose(part, whole[37:101, 55:150], atol=1e-6)
    runs = [
        run_pipeline(
            hazy,
            EnhanceOptions(
                model="classical", dehaze=1.0, dehazer="learned", tiling=TilingOptions(tile=t)
            ),
        )
        for t in (0, 64)
    ]
    assert runs[0].stats["dehaze"]["method"] == "learned"
    assert np.abs(runs[0].rgb - runs[1].rgb).max() < 2 / 255


def test_dehazer_option_chooses_the_method() -> None:
    hazy, _ = _hazy()
    dcp = run_pipeline(hazy, EnhanceOptions(model="classical", dehaze=1.0, dehazer="dcp"))
    assert dcp.stats["dehaze"]["method"] == "dcp"
    assert resolve_dehazer("auto") == "dcp"  # until LumosDH beats it off its own data
    assert resolve_dehazer("learned") == "learned"
    with pytest.raises(OptionError):
        EnhanceOptions(dehazer="aod")
