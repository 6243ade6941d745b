"""Features that tell uniform from uneven light, measured on a small proxy.

Why these features
------------------
Retinex models a photo as illumination times reflectance. Reflectance varies
at a fine scale and averages out under heavy smoothing; the light falls off
over large areas and survives it. So every feature looks at *smoothed,
log-domain* brightness, where a ratio of light (a lamp against the night) is
a fixed distance whatever the exposure:

``spread``
    p95 - p5 of the smoothed log2 illumination (max(R, G, B) blurred at 1/16 of
    the frame), in stops. Scene albedo alone rarely spans more than 2 stops at
    that scale; lamps, windows and backlight span 3 or more.
``hot_dark``
    Share of the frame that is near-clipped *and* next to a very dark area (a
    light source in the dark), square-rooted so a small lamp still counts.
``grid_std``
    Standard deviation, in stops, of the mean log2 luma over a 4 x 4 grid:
    uneven light makes whole regions brighter than others.
``bimodality``
    Otsu's separability (between-class over total variance, in [0, 1]) of the
    log2 luma histogram: lit pools and dark surroundings form two modes.
``dark_share``
    Share of the frame darker than 1/64 of the brightest smoothed light: dark
    areas that stay dark because no light reached them.
``peak_stops``
    log2(p99 / median) of the unsmoothed luma: how far the brightest things
    (lamps, lit windows, a bright sky) stand above the typical pixel. Small
    sources that the heavy smoothing washes out still show here.
``bright_share``
    Square root of the share of pixels more than 8x (3 stops) above the median
    luma: a sizeable lit area or bright sky next to a dim majority.
``uneven_score``
    The earlier hand-set rule of :mod:`lumos.analysis`, kept as one more input.

The median-relative features use a floor of a few 8-bit steps, so that a very
dark but evenly lit room (LOL) does not look uneven through its quantisation
noise alone.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from .._color import LUMA as _LUMA
from .._types import FloatImage

__all__ = ["FEATURE_NAMES", "PROXY_SIDE", "light_features"]

PROXY_SIDE = 256
"""Long side of the proxy the features are measured on (they are smooth and global)."""

FEATURE_NAMES = (
    "spread",
    "hot_dark",
    "grid_std",
    "bimodality",
    "dark_share",
    "peak_stops",
    "bright_share",
    "uneven_score",
)

_EPS = 1.0 / 512.0  # below an 8-bit step: keeps log2 finite in black areas
_GRID = 4
_FLOOR = 3.0 / 255.0  # median-relative features: ignore differences within the noise floor


def _proxy(rgb: FloatImage) -> FloatImage:
    h, w = rgb.shape[:2]
    s = min(1.0, PROXY_SIDE / max(h, w))
    if s >= 1.0:
        return np.ascontiguousarray(rgb, np.float32)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return cv2.resize(np.asarray(rgb, np.float32), size, interpolation=cv2.INTER_AREA)


def _otsu_separability(values: np.ndarray, bins: int = 64) -> float:
    """Largest between-class / total variance over all two-class thresholds."""
    total = float(values.var())
    if total < 1e-8:
        return 0.0
    hist, edges = np.histogram(values, bins=bins)
    p = hist.astype(np.float64) / max(1, hist.sum())
    centres = 0.5 * (edges[:-1] + edges[1:])
    w0 = np.cumsum(p)
    m0 = np.cumsum(p * centres)
    mean = m0[-1]
    w1 = 1.0 - w0
    valid = (w0 > 1e-6) & (w1 > 1e-6)
    between = np.zeros_like(w0)
    between[valid] = (mean * w0[valid] - m0[valid]) ** 2 / (w0[valid] * w1[valid])
    return float(np.clip(between.max() / total, 0.0, 1.0))


def _hot_dark(proxy: FloatImage, mx: np.ndarray, luma: np.ndarray) -> float:
    hot = mx >= 0.95
    dark = luma < 0.03
    if not (hot.any() and dark.any()):
        return 0.0
    h, w = mx.shape
    k = max(3, round(max(h, w) / 64)) | 1
    near_dark = cv2.dilate(dark.astype(np.uint8), np.ones((k, k), np.uint8)) > 0
    return math.sqrt(float(np.mean(hot & near_dark)))


def _legacy_score(spread_natural: float, hot_fraction: float) -> float:
    return spread_natural + 8.0 * min(hot_fraction, 0.25)


def light_features(rgb: FloatImage) -> np.ndarray:
    """The :data:`FEATURE_NAMES` of an RGB image, as a float64 vector.

    Parameters
    ----------
    rgb : (H, W, 3) float32 ndarray
        sRGB in [0, 1].

    Returns
    -------
    (8,) float64 ndarray

    Examples
    --------
    >>> f = light_features(np.full((64, 64, 3), 0.1, np.float32))
    >>> float(f[0])  # a flat grey frame spans no stops
    0.0
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) image, got shape {rgb.shape}")
    proxy = _proxy(rgb)
    h, w = proxy.shape[:2]
    mx = proxy.max(axis=2)
    luma = proxy @ _LUMA
    sigma = max(1.0, max(h, w) / 16.0)
    illum = cv2.GaussianBlur(mx, (0, 0), sigma)
    # Floor at a quarter of the median light: in a very dark, evenly lit room
    # the black objects sit at the quantisation floor and would add stops of
    # "spread" that are albedo and noise, not light.
    floor = max(_EPS, 0.25 * float(np.median(illum)))
    log_illum = np.log2(illum + floor)
    lo, hi = np.percentile(log_illum, [5.0, 95.0])
    spread = float(hi - lo)

    hot_frac = _hot_dark(proxy, mx, luma)

    log_luma = np.log2(luma + max(_EPS, 0.25 * float(np.median(luma))))
    gh, gw = max(1, h // _GRID), max(1, w // _GRID)
    cells = [
        float(log_luma[i * gh : (i + 1) * gh, j * gw : (j + 1) * gw].mean())
        for i in range(min(_GRID, h))
        for j in range(min(_GRID, w))
    ]
    grid_std = float(np.std(cells))

    bimodality = _otsu_separability(cv2.GaussianBlur(log_luma, (0, 0), 1.0).ravel())

    dark_share = float(np.mean(illum < illum.max() / 64.0))

    p99, med = np.percentile(luma, [99.0, 50.0])
    peak_stops = math.log2((p99 + _FLOOR) / (med + _FLOOR))
    bright_share = math.sqrt(float(np.mean(luma > 8.0 * (med + _FLOOR))))

    # The hand-set rule of lumos.analysis (natural-log-free: stops of the same map).
    lo_l, hi_l = np.percentile(illum, [5.0, 95.0])
    legacy = _legacy_score(math.log2((hi_l + 1e-3) / (lo_l + 1e-3)), hot_frac**2)
    feats = [spread, hot_frac, grid_std, bimodality, dark_share, peak_stops, bright_share, legacy]
    return np.array(feats, np.float64)
