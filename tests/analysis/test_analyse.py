"""Exposure statistics, light uniformity and speed of analyse()."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lumos.analysis import Analysis, analyse


def _room(h: int, w: int, level: float) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    tex = 0.8 + 0.2 * np.sin(xx / 7.0) * np.cos(yy / 9.0)
    img = np.stack([tex * 0.9, tex, tex * 0.8], -1) * level
    return np.clip(img, 0, 1).astype(np.float32)


def _street_lamp(h: int = 300, w: int = 400) -> np.ndarray:
    """Near-black night scene with a blown lamp and a pool of light under it."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = _room(h, w, 0.015)
    pool = np.exp(-((xx - 0.3 * w) ** 2 + (yy - 0.7 * h) ** 2) / (2 * (0.12 * w) ** 2))
    img = img + 0.4 * pool[..., None]
    lamp = ((xx - 0.3 * w) ** 2 + (yy - 0.2 * h) ** 2) < (0.04 * w) ** 2
    img[lamp] = 1.0
    return np.clip(img, 0, 1).astype(np.float32)


def test_fields_of_a_dark_evenly_lit_photo() -> None:
    a = analyse(_room(240, 320, 0.04))
    assert isinstance(a, Analysis)
    assert (a.width, a.height) == (320, 240)
    assert a.is_low_light
    assert 0.025 < a.mean_luminance < 0.045
    assert a.p01 <= a.median_luminance <= a.p99
    assert a.dark_fraction > 0.5
    assert a.clipped_fraction == 0.0
    assert a.light == "uniform"
    assert 0.5 <= a.light_confidence <= 1.0


def test_well_exposed_photo_is_not_low_light() -> None:
    a = analyse(_room(240, 320, 0.6))
    assert not a.is_low_light
    assert a.dark_fraction == 0.0
    assert a.light == "uniform"


def test_street_lamp_scene_is_uneven() -> None:
    a = analyse(_street_lamp())
    assert a.light == "uneven"
    assert a.clipped_fraction > 0.0
    assert a.uneven_score > 3.0
    assert a.light_confidence > 0.7


def test_to_dict_is_json_ready() -> None:
    d = analyse(_street_lamp()).to_dict()
    text = json.dumps(d)
    assert '"light": "uneven"' in text
    assert isinstance(d["noise_sigma_rgb"], list) and len(d["noise_sigma_rgb"]) == 3


def test_12_megapixels_measure_like_their_tile() -> None:
    # (How fast: bench/speed.py's "analyse" share, not a timed test.)
    rng = np.random.default_rng(0)
    small = _room(300, 400, 0.1) + rng.normal(0, 0.01, (300, 400, 3)).astype(np.float32)
    big = np.ascontiguousarray(np.tile(small, (10, 10, 1)))  # 3000 x 4000
    a, b = analyse(big), analyse(small)
    assert a.width == 4000 and a.height == 3000
    assert a.noise_sigma == pytest.approx(b.noise_sigma, rel=0.25)
    assert a.mean_luminance == pytest.approx(b.mean_luminance, abs=0.01)
