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
``spread_fine``, ``spread_coarse``
    ``spread`` with the map smoothed at 1/32 and at 1/4 of the frame: a lamp
    pool survives the fine scale only, a lit half of the frame the coarse one.
``surface_stops``, ``surface_r2``
    A quadratic surface fitted (least squares) to the mean log2 luma of a
    12 x 12 grid: its standard deviation in stops, and the share of the grid's
    variance it explains. Light falls off smoothly over the frame (gradients,
    pools, vignettes, a bright sky half), albedo does not, so a large share
    explained by a smooth surface points at the light.
``top_bottom``, ``left_right``, ``centre_surround``
    Differences of mean log2 luma, in stops, between the halves of the frame
    and between its central quarter and the rest: backlight (sky above a dark
    foreground), a window at one side, a spotlit subject.
``lowfreq_share``
    Share of the variance of log2 luma left after smoothing at 1/16 of the
    frame (the illumination's share of the log-image variance in Retinex terms).
``light_concentration``
    Share of the smoothed (linear) light that falls on the brightest tenth of
    the frame: about 0.1-0.2 under even light, much more when a few pools or
    lamps carry most of it.
``clip_share``
    Square root of the share of near-clipped pixels (max(R, G, B) >= 0.95),
    whether or not next to darkness.
``shadow_stops``
    log2(median / p10) of luma: how far the darker tenth falls below the
    typical pixel (deep unlit areas under uneven light).
``deep_dark``, ``deep_bright``
    Share of the frame whose smoothed log illumination lies more than 2 stops
    below / above its median.
``illum_bimodality``
    Otsu separability of the smoothed log illumination itself (lit pool vs
    unlit surroundings at the scale of light, not of texture).

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
    "spread_fine",
    "spread_coarse",
    "surface_stops",
    "surface_r2",
    "top_bottom",
    "left_right",
    "centre_surround",
    "lowfreq_share",
    "light_concentration",
    "clip_share",
    "shadow_stops",
    "deep_dark",
    "deep_bright",
    "illum_bimodality",
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


def _smooth(img: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur; for wide kernels on a 4x smaller copy (the result is smooth anyway)."""
    if sigma < 12.0 or min(img.shape[:2]) < 16:
        return cv2.GaussianBlur(img, (0, 0), max(1.0, sigma))
    h, w = img.shape[:2]
    small = cv2.resize(img, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / 4.0)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _log_spread(illum: np.ndarray) -> tuple[float, np.ndarray]:
    """p95 - p5 of the floored log2 of a smoothed light map ``illum``, and that log map."""
    # Floor at a quarter of the median light: in a very dark, evenly lit room
    # the black objects sit at the quantisation floor and would add stops of
    # "spread" that are albedo and noise, not light.
    floor = max(_EPS, 0.25 * float(np.median(illum)))
    log_illum = np.log2(illum + floor)
    lo, hi = np.percentile(log_illum, [5.0, 95.0])
    return float(hi - lo), log_illum


def _surface(log_luma: np.ndarray) -> tuple[float, float]:
    """Std (stops) and explained share of a quadratic surface fitted to a grid of cell means."""
    cells = cv2.resize(log_luma, (_SURFACE_GRID, _SURFACE_GRID), interpolation=cv2.INTER_AREA)
    values = cells.astype(np.float64).ravel()
    fit = _SURFACE_BASIS @ np.linalg.lstsq(_SURFACE_BASIS, values, rcond=None)[0]
    total = float(values.var())
    if total < 1e-9:
        return 0.0, 0.0
    return float(fit.std()), float(np.clip(1.0 - np.mean((values - fit) ** 2) / total, 0.0, 1.0))


def _surface_basis(n: int) -> np.ndarray:
    yy, xx = np.mgrid[0:n, 0:n] / (n - 1) * 2.0 - 1.0
    terms = [np.ones_like(xx), xx, yy, xx * yy, xx**2, yy**2]
    return np.stack(terms, axis=-1).reshape(-1, len(terms))


_SURFACE_GRID = 12
_SURFACE_BASIS = _surface_basis(_SURFACE_GRID)


def _halves(log_luma: np.ndarray, cut: int, *, axis: int) -> float:
    """|mean before ``cut`` - mean after| along ``axis``, in stops (0 for a 1-pixel side)."""
    if cut < 1:
        return 0.0
    a, b = np.split(log_luma, [cut], axis=axis)
    return abs(float(a.mean()) - float(b.mean()))


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
    (len(FEATURE_NAMES),) float64 ndarray

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
    side = max(h, w)
    sigma = max(1.0, side / 16.0)
    illum = cv2.GaussianBlur(mx, (0, 0), sigma)
    spread, log_illum = _log_spread(illum)

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

    feats.append(_log_spread(_smooth(mx, side / 32.0))[0])
    feats.append(_log_spread(_smooth(mx, side / 4.0))[0])
    feats.extend(_surface(log_luma))
    feats.append(_halves(log_luma, h // 2, axis=0))
    feats.append(_halves(log_luma, w // 2, axis=1))
    inner = log_luma[h // 4 : h - h // 4, w // 4 : w - w // 4]
    rest = (float(log_luma.sum()) - float(inner.sum())) / max(1, log_luma.size - inner.size)
    feats.append(abs(float(inner.mean()) - rest) if inner.size else 0.0)
    var = float(log_luma.var())
    low = _smooth(log_luma, sigma)
    feats.append(float(low.var()) / var if var > 1e-9 else 0.0)
    flat = np.sort(illum.ravel())[::-1]
    top = flat[: max(1, flat.size // 10)]
    feats.append(float(top.sum()) / max(float(flat.sum()), 1e-9))
    feats.append(math.sqrt(float(np.mean(mx >= 0.95))))
    p10 = float(np.percentile(luma, 10.0))
    feats.append(math.log2((med + _FLOOR) / (p10 + _FLOOR)))
    mid = float(np.median(log_illum))
    feats.append(float(np.mean(log_illum < mid - 2.0)))
    feats.append(float(np.mean(log_illum > mid + 2.0)))
    feats.append(_otsu_separability(log_illum.ravel()))
    return np.array(feats, np.float64)
