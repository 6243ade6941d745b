"""Is there haze? A dark-channel measure on a small copy of the photo.

Why the dark channel
--------------------
He, Sun and Tang (CVPR 2009) observed that in clear outdoor photos almost every
patch outside the sky holds some pixel that is nearly black in at least one
channel (shadows, coloured objects, dark things): the *dark channel*
``min over a patch of min(R, G, B)`` is close to 0. Haze adds airlight
``A * (1 - t)`` to every pixel, which lifts that floor. So the dark channel,
taken *relative to the local brightness* (``dark / max over the patch of
max(R, G, B)``), measures haze whatever the exposure: a dark-but-clear photo has
a low floor and a low ceiling, and a hazy night photo darkened 10x keeps its
ratio.

Two medians of that ratio are averaged: over the whole frame, and over the half
of the frame with the most local contrast (a clear sky is smooth and bright, so
its high dark channel speaks less there; a clear photo's textured half, its
objects, has a low floor; a hazy photo's objects do not).

Calibration (``scripts/calibrate_haze.py``, proxy of long side 256 px): with
:data:`HAZY_AT` = 0.55 the verdict says *hazy* for 14 of the 27 real hazy photos
(``haze_real_unpaired``; the 13 missed are light haze in front of dark,
colourful foregrounds: house, ny12, pumpkins, ...), 2 of the 3 SOTS-indoor hazy
photos, 0 of their 3 clear ones, 0 of Kodak24, 1 of CBSD68 (an aeroplane in a
grey sky, 0.67) and 0 of the 121 dark photos of DICM, LIME, the SCI set and LOL
eval15. The threshold is set for few false alarms: a missed light haze is left as
it was, while dehazing a clear photo would darken and saturate it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .._color import LUMA as _LUMA
from .._types import FloatImage, FloatMap

__all__ = ["HAZY_AT", "HazeReading", "dark_channel", "measure_haze", "patch_radius"]

HAZE_SIDE = 256
"""Long side of the copy the haze is measured on (the measure is a median: cheap and stable)."""
PATCH_FRACTION = 1 / 40
"""Patch radius as a share of the long side: 15 px patches on He et al.'s ~600 px photos."""
HAZY_AT = 0.55
"""Haze density from which a photo counts as hazy (see the module docstring)."""
FULL_AT = 0.60
"""Haze density at which ``--dehaze auto`` reaches full strength; it ramps up from
:data:`AUTO_FROM` so that a photo just over the line is dehazed less (0.67 at
:data:`HAZY_AT`). A slower ramp (full at 0.75) left SOTS-indoor at 10.9 dB with auto
against 19.7 dB at strength 1: once the verdict says hazy, the haze is usually thick."""
AUTO_FROM = 0.45
_EPS = 0.02  # keeps the ratio calm where the patch is black


def patch_radius(shape: tuple[int, ...]) -> int:
    """Dark-channel patch radius for an image of this shape (at least 2 pixels)."""
    return max(2, round(max(shape[:2]) * PATCH_FRACTION))


def dark_channel(rgb: FloatImage, radius: int) -> FloatMap:
    """``min`` over a (2r+1)^2 patch of ``min(R, G, B)`` (He et al.'s dark channel)."""
    k = 2 * radius + 1
    return cv2.erode(rgb.min(axis=2), np.ones((k, k), np.uint8), borderType=cv2.BORDER_REFLECT)


@dataclass(frozen=True)
class HazeReading:
    """The haze measure of one photo.

    ``density`` in [0, 1] (see the module docstring; clear photos mostly under
    0.45, thick haze above 0.7), ``hazy`` whether it reaches :data:`HAZY_AT`, and
    ``auto_strength`` the strength ``--dehaze auto`` uses (0 unless hazy).
    """

    density: float
    hazy: bool
    auto_strength: float


def auto_strength(density: float) -> float:
    """Strength of ``--dehaze auto`` for a haze density: 0 below :data:`HAZY_AT`,
    then from 0.67 up to 1 at :data:`FULL_AT`."""
    if density < HAZY_AT:
        return 0.0
    return float(np.clip((density - AUTO_FROM) / (FULL_AT - AUTO_FROM), 0.0, 1.0))


def measure_haze(proxy: FloatImage) -> HazeReading:
    """Measure the haze of a (small) RGB float32 copy of a photo in [0, 1]."""
    h, w = proxy.shape[:2]
    s = min(1.0, HAZE_SIDE / max(h, w))
    if s < 1.0:
        size = (max(1, round(w * s)), max(1, round(h * s)))
        proxy = cv2.resize(proxy, size, interpolation=cv2.INTER_AREA)
        if proxy.ndim == 2:  # a 1-pixel-wide resize drops the channel axis
            proxy = proxy.reshape(size[1], size[0], 1).repeat(3, axis=2)
    proxy = np.ascontiguousarray(proxy, np.float32)
    r = patch_radius(proxy.shape)
    k = 2 * r + 1
    dark = dark_channel(proxy, r)
    bright = cv2.dilate(proxy.max(axis=2), np.ones((k, k), np.uint8), borderType=cv2.BORDER_REFLECT)
    ratio = dark / (bright + np.float32(_EPS))
    y = proxy @ _LUMA
    m1 = cv2.blur(y, (k, k), borderType=cv2.BORDER_REFLECT)
    m2 = cv2.blur(y * y, (k, k), borderType=cv2.BORDER_REFLECT)
    local_contrast = np.sqrt(np.maximum(m2 - m1 * m1, 0.0)) / (m1 + np.float32(_EPS))
    textured = local_contrast >= np.median(local_contrast)
    density = 0.5 * float(np.median(ratio)) + 0.5 * float(np.median(ratio[textured]))
    density = float(np.clip(density, 0.0, 1.0))
    return HazeReading(
        density=density, hazy=density >= HAZY_AT, auto_strength=auto_strength(density)
    )
