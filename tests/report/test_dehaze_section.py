"""The explain report's dehaze cards appear when, and only when, the run dehazed."""

from __future__ import annotations

import pytest

from _scenes import clear_photo, hazy_photo
from lumos.models.dehazer import dehazer_available
from lumos.report import build_report


def _u8(rgb):  # type: ignore[no-untyped-def]
    return (rgb * 255 + 0.5).astype("uint8")


def test_hazy_photo_gets_transmission_and_dehazed_cards() -> None:
    r = build_report(
        _u8(hazy_photo(clear_photo(96, 128))), with_sweep=False, options={"dehazer": "dcp"}
    )
    keys = [s.key for s in r.stages]
    assert keys.index("transmission") < keys.index("dehazed") < keys.index("brightened")
    trans, dehazed = r.stage("transmission"), r.stage("dehazed")
    assert "dark channel prior" in trans.what and "CVPR 2009" in trans.what
    assert "auto dehazed at strength" in trans.what
    assert "airlight" in dehazed.what and "R 0.8" in dehazed.what
    assert trans.mean_luminance < 0.9  # a map with haze in it, not plain white
    assert r.options["dehaze"] is None


def test_clear_photo_has_no_dehaze_cards() -> None:
    r = build_report(_u8(clear_photo(96, 128)), with_sweep=False, options={"dehaze": "auto"})
    assert not {"transmission", "dehazed"} & {s.key for s in r.stages}


@pytest.mark.skipif(not dehazer_available(), reason="LumosDH is not installed")
def test_the_learned_dehazer_is_named_on_its_card() -> None:
    photo = _u8(hazy_photo(clear_photo(96, 128)))
    r = build_report(photo, with_sweep=False, options={"dehazer": "learned"})
    trans = r.stage("transmission")
    assert "LumosDH" in trans.what and "dark channel prior" not in trans.what
