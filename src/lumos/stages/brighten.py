"""Brighten: Retinex-style gain from a smooth, edge-aware illumination map.

The photo is modelled as illumination times reflectance. Illumination ``L`` is
estimated from ``max(R, G, B)`` (the brightest channel bounds the light that
fell on a pixel) and smoothed edge-aware, in the log domain so that "an edge"
means a ratio of light (a lamp against the night), not an absolute step that
would depend on exposure. Every pixel then gets the gain ``f(L) / L`` of a tone
curve ``f``; the same gain multiplies R, G and B, so hue is kept.

Work is split for tiling (see :mod:`lumos.enhancer`):

* :func:`illumination_coefficients` runs once on a small proxy and returns the
  guided-filter coefficients ``A, B`` (fast guided filter, He & Sun 2015);
* :func:`illumination` applies them to the full-resolution guide of any tile:
  ``log L = A * log(max(R, G, B) + d) + B`` with ``A, B`` bilinearly upsampled.
  Because the full-resolution guide carries the edges, the map follows a lamp's
  outline exactly and the gain has no halo;
* :class:`ToneCurve` is fitted once so that the output mean hits the target,
  and tabulated as a gain look-up table over ``log L``.

The curve is ``f(L) = E(L ** gamma)`` with the exposure curve
``E(v) = (1 - exp(-k v)) / (1 - exp(-k))``: nearly a constant gain ``k`` in the
shadows (keeps local contrast, as a longer exposure would), ``f(1) = 1`` and a
vanishing slope at the top (lamps roll off instead of clipping). ``gamma < 1``
lifts deep shadows further in unevenly lit scenes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .._color import LUMA as _LUMA
from .._color import channel_max
from .._types import FloatImage, FloatMap
from ._filters import guided_coefficients, luma

__all__ = [
    "BLACK_FADE",
    "LOG_OFFSET",
    "ToneCurve",
    "apply_gain",
    "fit_tone_curve",
    "grey_near_black",
    "illumination",
    "illumination_coefficients",
    "log_max",
    "lut_illumination",
    "smoothed_peak",
]

LOG_OFFSET = 0.01
"""Added before the log so that sensor noise in black areas does not dominate."""
_LUT_SIZE = 4096
_LOG_LO = math.log(LOG_OFFSET)
_LOG_HI = math.log(1.0 + LOG_OFFSET)


def log_max(rgb: FloatImage) -> FloatMap:
    """``log(max(R, G, B) + LOG_OFFSET)``: the guide of the illumination map."""
    return np.log(channel_max(rgb) + np.float32(LOG_OFFSET)).astype(np.float32, copy=False)


def illumination_coefficients(
    proxy: FloatImage, *, radius: int, eps: float = 0.25
) -> tuple[FloatMap, FloatMap]:
    """Guided-filter coefficients of the log illumination, at proxy resolution.

    Parameters
    ----------
    proxy : (m, n, 3) float32 ndarray
        Downscaled photo.
    radius : int
        Smoothing radius in proxy pixels; larger keeps more local contrast.
    eps : float
        Log-domain variance below which variation counts as texture, not light
        (0.25 = a standard deviation of half a natural-log unit, ~0.7 stop).

    Returns
    -------
    A, B : (m, n) float32 ndarrays
        ``log L = A * log_max(rgb) + B`` after bilinear upsampling.
    """
    g = log_max(proxy)
    a, b = guided_coefficients(g, g, radius=radius, eps=eps)
    return a.astype(np.float32), b.astype(np.float32)


def illumination(log_guide: FloatMap, a: FloatMap, b: FloatMap) -> FloatMap:
    """Full-resolution log illumination from upsampled coefficients, clamped to the LUT range."""
    out = a * log_guide + b
    return np.clip(out, _LOG_LO, _LOG_HI, out=out)


@dataclass(frozen=True)
class ToneCurve:
    """``f(L) = E(L ** gamma)`` with ``E(v) = (1 - exp(-k v)) / (1 - exp(-k))``.

    Attributes
    ----------
    k : float
        Exposure strength; ``k -> 0`` is the identity, the shadow gain is ~``k``.
    gamma : float
        Extra shadow lift, in (0, 1].
    max_gain : float
        Gain never exceeds this (noise in black areas stays bounded).
    """

    k: float
    gamma: float = 1.0
    max_gain: float = 16.0

    def __call__(self, lum: np.ndarray) -> np.ndarray:
        v = np.power(np.clip(lum, 0.0, 1.0), self.gamma)
        if self.k < 1e-4:
            return v
        return -np.expm1(-self.k * v) / -math.expm1(-self.k)

    def gain(self, lum: np.ndarray) -> np.ndarray:
        """``f(L) / L`` clamped to ``[1, max_gain]``."""
        lum = np.maximum(lum, 1e-6)
        return np.clip(self(lum) / lum, 1.0, self.max_gain)

    def gain_lut(self) -> np.ndarray:
        """Gain tabulated over ``log(L + LOG_OFFSET)``; see :func:`apply_gain`."""
        return self.gain(lut_illumination()).astype(np.float32)


def lut_illumination() -> np.ndarray:
    """The illumination each entry of a gain look-up table stands for
    (see :meth:`ToneCurve.gain_lut`)."""
    t = np.linspace(_LOG_LO, _LOG_HI, _LUT_SIZE)
    return (np.exp(t) - LOG_OFFSET).astype(np.float32)


def _output_mean(proxy: FloatImage, log_l: FloatMap, curve: ToneCurve) -> float:
    g = curve.gain(np.exp(log_l) - LOG_OFFSET)
    return float(luma(np.minimum(proxy * g[..., None], 1.0)).mean())


def fit_tone_curve(
    proxy: FloatImage,
    log_l: FloatMap,
    *,
    target: float,
    gamma: float = 1.0,
    max_gain: float = 16.0,
) -> ToneCurve:
    """The curve whose output mean luma (on the proxy) is ``target``, by bisection on ``k``.

    Parameters
    ----------
    proxy : (m, n, 3) float32 ndarray
        Downscaled photo.
    log_l : (m, n) float32 ndarray
        Its log illumination (from :func:`illumination`).
    target : float
        Wanted mean luma of the output.
    gamma, max_gain : float
        See :class:`ToneCurve`.

    Returns
    -------
    ToneCurve
        The identity (``k = 0``, ``gamma = 1``) when the photo is already as bright
        as the target; the strongest allowed curve if the target is out of reach.
    """
    if luma(proxy).mean() >= target:
        return ToneCurve(k=0.0, gamma=1.0, max_gain=max_gain)
    lo, hi = 0.0, 60.0
    if _output_mean(proxy, log_l, ToneCurve(hi, gamma, max_gain)) < target:
        return ToneCurve(hi, gamma, max_gain)
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        if _output_mean(proxy, log_l, ToneCurve(mid, gamma, max_gain)) < target:
            lo = mid
        else:
            hi = mid
    return ToneCurve(0.5 * (lo + hi), gamma, max_gain)


def apply_gain(rgb: FloatImage, log_l: FloatMap, lut: np.ndarray) -> tuple[FloatImage, FloatMap]:
    """Multiply R, G, B by the gain looked up at each pixel's log illumination.

    Returns
    -------
    out : (h, w, 3) float32 ndarray
        Brightened image (not clipped; the curve already keeps it near [0, 1]).
    gain : (h, w) float32 ndarray
        The per-pixel gain (the denoiser scales its noise estimate by it).
    """
    scale = (len(lut) - 1) / (_LOG_HI - _LOG_LO)
    idx = ((log_l - _LOG_LO) * scale + 0.5).astype(np.int32)
    gain = np.take(lut, idx)
    return rgb * gain[..., None], gain


def smoothed_peak(image: FloatImage, sigma: float) -> FloatMap:
    """The brightest channel, at least its Gaussian blur of ``sigma`` pixels (none up
    to 0.3): smooth where it falls, never below the pixel's own value."""
    peak = channel_max(image)
    if sigma <= 0.3:
        return peak
    blurred = cv2.GaussianBlur(peak, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    return np.maximum(peak, blurred)


BLACK_FADE = (1 / 255, 4 / 255)
"""Brightest-channel values of the *input* under which the brightened colour fades
to grey: fully grey at 1/255, untouched from 4/255 (see :func:`grey_near_black`)."""


def grey_near_black(bright: FloatImage, peak: FloatMap) -> FloatImage:
    """Fade the colour of brightened pixels to grey where the input was nearly black.

    Near-black areas have no colour to keep: their few code values are mostly
    noise and JPEG rounding, often with blue crushed to 0, so brightening them
    painted night skies and black backdrops olive (DICM night photos: input
    R = G = 0.7/255, B = 0.1/255). ``peak`` is the input's brightest channel,
    smoothed by the caller so that single noisy pixels do not flicker; luma is kept.
    """
    lo, hi = BLACK_FADE
    black = np.clip((np.float32(hi) - peak) / np.float32(hi - lo), 0.0, 1.0)[..., None]
    if not black.max() > 0:  # nothing nearly black (most tiles of most photos)
        return bright.astype(np.float32, copy=False)
    y = (bright @ _LUMA)[..., None]
    return (y + (1.0 - black) * (bright - y)).astype(np.float32, copy=False)
