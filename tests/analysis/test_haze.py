"""The haze verdict (:mod:`lumos.analysis._haze`) on synthetic photos made in code."""

from __future__ import annotations

import numpy as np
import pytest

from _scenes import clear_photo, hazy_photo
from lumos.analysis import HAZY_AT, analyse, measure_haze
from lumos.analysis._haze import auto_strength


def _night(rgb: np.ndarray, factor: float = 0.05) -> np.ndarray:
    """``rgb`` exposed ``factor`` times as long, in linear light (a dark shot)."""
    return ((rgb**2.2 * factor) ** (1 / 2.2)).astype(np.float32)


def test_clear_photo_is_not_hazy() -> None:
    a = analyse(clear_photo())
    assert not a.hazy and a.haze_density < 0.2
    assert a.to_dict()["hazy"] is False and "haze_density" in a.to_dict()


def test_dark_but_clear_photo_is_not_hazy() -> None:
    a = analyse(_night(clear_photo()))
    assert a.is_low_light and not a.hazy and a.haze_density < 0.2


@pytest.mark.parametrize("beta", [1.5, 2.0])
def test_hazy_photo_is_hazy(beta: float) -> None:
    a = analyse(hazy_photo(clear_photo(), beta=beta))
    assert a.hazy and a.haze_density >= HAZY_AT


def test_dark_and_hazy_photo_is_hazy() -> None:
    # The measure is a ratio to the local brightness: darkness alone does not hide haze.
    a = analyse(_night(hazy_photo(clear_photo(), beta=2.0)))
    assert a.is_low_light and a.hazy


def test_more_haze_reads_denser() -> None:
    clean = clear_photo(seed=3)
    d = [measure_haze(hazy_photo(clean, beta=b)).density for b in (0.0, 0.5, 1.0, 2.0)]
    assert d == sorted(d) and d[-1] > d[0] + 0.4


def test_auto_strength_acts_only_on_hazy_photos() -> None:
    assert auto_strength(HAZY_AT - 0.01) == 0.0
    assert 0.0 < auto_strength(HAZY_AT) < 1.0
    assert auto_strength(0.9) == 1.0


@pytest.mark.parametrize("shape", [(1, 1, 3), (2, 5, 3), (1, 300, 3), (40, 40, 3)])
def test_tiny_and_flat_images_are_measured(shape: tuple[int, int, int]) -> None:
    for value in (0.0, 0.5, 1.0):
        reading = measure_haze(np.full(shape, value, np.float32))
        assert 0.0 <= reading.density <= 1.0
