"""Detail: unsharp masking of luma, gated by the local noise level.

A plain unsharp mask boosts everything above its cut-off frequency, grain
included, and overshoots at strong edges (halos). Two guards:

* **coring**: the band-pass detail ``d = Y - blur(Y)`` is boosted with the soft
  weight ``d**2 / (d**2 + (k * sigma(x))**2)``, so details well above the local
  noise level get the full boost and noise-sized wiggles get almost none;
* **overshoot limit**: the result is clamped to the 3x3 neighbourhood's range
  widened by a small margin, so an edge gets crisper but never a bright or dark
  rim.
"""

from __future__ import annotations

import cv2
import numpy as np

from .._types import FloatMap

__all__ = ["DETAIL_RADIUS", "footprint", "sharpen_luma"]

DETAIL_RADIUS = 1.2
"""Gaussian sigma (pixels) separating detail from base."""
_MAX_AMOUNT = 1.5
_CORING_K = 2.5
_OVERSHOOT = 0.01


def footprint(radius: float = DETAIL_RADIUS) -> int:
    """Pixels of context :func:`sharpen_luma` reads on each side."""
    return int(np.ceil(3 * radius)) + 1


def sharpen_luma(
    y: FloatMap,
    sigma: FloatMap | float,
    *,
    amount: float,
    radius: float = DETAIL_RADIUS,
    k: float = _CORING_K,
    overshoot: float = _OVERSHOOT,
) -> FloatMap:
    """Noise-gated unsharp mask with limited overshoot.

    Parameters
    ----------
    y : (h, w) float32 ndarray
        Luma (already denoised).
    sigma : (h, w) float32 ndarray or float
        Noise std still present in ``y`` at each pixel.
    amount : float
        Detail strength in [0, 1]; 1 boosts band-pass detail by 1.5x.
    radius : float
        Gaussian sigma of the blur, in pixels.
    k : float
        Coring threshold in multiples of ``sigma``.
    overshoot : float
        How far beyond the 3x3 neighbourhood range the result may go.

    Returns
    -------
    (h, w) float32 ndarray
    """
    if amount <= 0.0:
        return y
    base = cv2.GaussianBlur(y, (0, 0), radius, borderType=cv2.BORDER_REFLECT)
    d = y - base
    t = np.float32(k) * sigma
    d2 = d * d
    boost = np.float32(_MAX_AMOUNT * amount) * d * d2 / (d2 + t * t + np.float32(1e-10))
    out = y + boost
    kernel = np.ones((3, 3), np.uint8)
    lo = cv2.erode(y, kernel, borderType=cv2.BORDER_REFLECT) - np.float32(overshoot)
    hi = cv2.dilate(y, kernel, borderType=cv2.BORDER_REFLECT) + np.float32(overshoot)
    return np.clip(out, lo, hi, out=out)
