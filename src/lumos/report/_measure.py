"""Measures and crops for the explain report: noise, sharpness, brightness, where to look.

Every measure runs on full-resolution pixels: downscaling averages noise away and
softens edges, so a measure on a display copy would flatter every stage.

* **noise** is :func:`lumos.analysis.estimate_noise` (flat, unclipped pixels only),
  the number ``lumos info`` prints and the denoiser is steered by;
* **sharpness** is edge *steepness* (acutance): at each pixel of one fixed edge
  mask (the strongest 10 % of gradients of a smoothed copy of the output), the
  luma gradient divided by the local edge height (the 5x5 range of a lightly
  smoothed luma), averaged. A gain or a contrast change scales gradient and
  height alike, so brightening alone leaves it unchanged, while blurring lowers
  it and sharpening raises it: exactly the question "is it sharper?". A fixed
  mask matters: measured on each image's own strongest gradients, noise would
  count as detail. The plain mean gradient is kept too (``edge_gradient``);
* brightening multiplies noise with the signal, so noise is also shown relative
  to the mean luma (``noise_to_signal``): the number to compare between the dark
  input and a bright result.
"""

from __future__ import annotations

import cv2
import numpy as np

from .._color import LUMA as _LUMA
from .._types import FloatImage, FloatMap
from ..analysis import estimate_noise, make_proxy

__all__ = [
    "crop_size",
    "display",
    "edge_gradient",
    "edge_mask",
    "find_crops",
    "luma",
    "luma_histogram",
    "mean_luma",
    "naive_gain",
    "noise_sigma",
    "sharpness",
    "to_uint8",
]

EDGE_PERCENTILE = 90.0
"""Pixels whose smoothed gradient is above this percentile form the edge mask."""
_EDGE_SMOOTH = 2.0
_CROP_MAX = 192
_CROP_PROXY_SIDE = 512
_DARK_FLOOR = 0.015
"""Below this mean luma a window is crushed black: its noise is clipped, not visible."""


def luma(rgb: FloatImage) -> FloatMap:
    """Rec.709 luma of an (H, W, 3) image, or the map itself for (H, W)."""
    if rgb.ndim == 2:
        return np.asarray(rgb, np.float32)
    return cv2.transform(np.ascontiguousarray(rgb, np.float32), _LUMA[None, :])


def mean_luma(rgb: FloatImage) -> float:
    """Mean Rec.709 luma."""
    return float(luma(rgb).mean())


def to_uint8(img: np.ndarray) -> np.ndarray:
    """[0, 1] float image to uint8, rounded."""
    return np.clip(np.asarray(img, np.float32) * 255.0 + 0.5, 0, 255).astype(np.uint8)


def display(img: np.ndarray, max_side: int) -> np.ndarray:
    """uint8 display copy, area-downscaled so that the long side is at most ``max_side``."""
    small = make_proxy(img[..., None] if img.ndim == 2 else img, max_side)
    if img.ndim == 2 and small.ndim == 3:
        small = small[..., 0]
    return to_uint8(small)


def noise_sigma(rgb: FloatImage) -> float:
    """Luma noise std (:func:`lumos.analysis.estimate_noise`)."""
    if min(rgb.shape[:2]) < 8:
        return 0.0
    return float(estimate_noise(np.ascontiguousarray(rgb, np.float32))[0])


def _gradient(y: FloatMap) -> FloatMap:
    # Sobel / 8 is the per-pixel central difference of a smoothed signal: units of
    # luma per pixel, so numbers read like "edge height over one pixel".
    gx = cv2.Sobel(y, cv2.CV_32F, 1, 0, ksize=3, scale=0.125)
    gy = cv2.Sobel(y, cv2.CV_32F, 0, 1, ksize=3, scale=0.125)
    return cv2.magnitude(gx, gy)


def edge_mask(reference: FloatImage, percentile: float = EDGE_PERCENTILE) -> np.ndarray:
    """Boolean mask of the structure edges of ``reference`` (smoothed, so not noise)."""
    s = cv2.GaussianBlur(luma(reference), (0, 0), _EDGE_SMOOTH)
    g = _gradient(s)
    return g >= np.percentile(g, percentile)


def edge_gradient(rgb: FloatImage, mask: np.ndarray) -> float:
    """Mean luma gradient magnitude over ``mask`` (0 when the mask is empty)."""
    if not mask.any():
        return 0.0
    return float(_gradient(luma(rgb))[mask].mean())


def sharpness(rgb: FloatImage, mask: np.ndarray) -> float:
    """Edge steepness over ``mask``: gradient / local edge height, averaged.

    Roughly one over the edge width in pixels; independent of brightness and
    contrast (see the module docstring). 0 when the mask is empty.
    """
    if not mask.any():
        return 0.0
    y = luma(rgb)
    s = cv2.GaussianBlur(y, (0, 0), 1.0)
    k = np.ones((5, 5), np.uint8)
    height = cv2.dilate(s, k) - cv2.erode(s, k)
    return float((_gradient(y)[mask] / (height[mask] + np.float32(1e-3))).mean())


def naive_gain(rgb: FloatImage, target_mean: float) -> FloatImage:
    """The input times one gain so that its mean luma is ``target_mean`` (clipped).

    This is what a plain exposure slider does; it shows the noise that lumos
    has to deal with once the photo is bright.
    """
    g = target_mean / max(mean_luma(rgb), 1e-4)
    return np.clip(rgb * np.float32(g), 0.0, 1.0)


def luma_histogram(rgb: FloatImage, bins: int = 64) -> np.ndarray:
    """Share of pixels per luma bin over [0, 1] (a strided sample on large images)."""
    step = max(1, int(np.sqrt(rgb.shape[0] * rgb.shape[1] / 1e6)))
    y = luma(rgb[::step, ::step])
    hist, _ = np.histogram(y, bins=bins, range=(0.0, 1.0))
    return (hist / max(1, y.size)).astype(np.float64)


def crop_size(height: int, width: int) -> int:
    """Side of the 100 % crops: 192 px, less on small photos."""
    return int(max(16, min(_CROP_MAX, height // 2, width // 2)))


def _window_stats(y: FloatMap, win: int) -> tuple[FloatMap, FloatMap]:
    """Mean luma and mean smoothed gradient in every ``win`` x ``win`` window."""
    g = _gradient(cv2.GaussianBlur(y, (0, 0), 1.0))
    k = (win, win)
    return cv2.boxFilter(y, -1, k), cv2.boxFilter(g, -1, k)


def find_crops(rgb: FloatImage, size: int) -> dict[str, tuple[int, int, int, int]]:
    """Choose a dark flat region and an edge region for 100 % crops.

    Parameters
    ----------
    rgb : (H, W, 3) float32 ndarray
        The input photo.
    size : int
        Crop side in full-resolution pixels.

    Returns
    -------
    dict
        ``{"dark_flat": box, "edge": box}`` with ``box = (y0, y1, x0, x1)``.

    Notes
    -----
    Windows are scored on a small proxy (long side 512): mean luma and mean
    gradient are smooth properties that survive the downscale. The dark flat
    crop is the lowest-gradient window among those darker than the median but
    not crushed to black (there the noise is clipped and a crop shows nothing);
    the edge crop is the window with the highest mean gradient.
    """
    h, w = rgb.shape[:2]
    proxy = make_proxy(rgb, _CROP_PROXY_SIDE)
    s = proxy.shape[0] / h
    win = max(3, round(size * s))
    y = luma(proxy)
    m, g = _window_stats(y, win)
    # Window centres at least half a window from the border; on a proxy smaller than a
    # window (a 3x3 photo, a 20000x8 strip) that leaves none, so keep the middle row/column.
    hy, hx = (min(win // 2, (n - 1) // 2) for n in m.shape)
    valid = np.zeros_like(m, dtype=bool)
    valid[hy : max(hy + 1, m.shape[0] - hy), hx : max(hx + 1, m.shape[1] - hx)] = True
    dark = valid & (m <= np.median(m[valid])) & (m >= _DARK_FLOOR)
    if not dark.any():
        dark = valid
    flat_score = np.where(dark, g, np.inf)
    edge_score = np.where(valid, g, -np.inf)

    def box(score: np.ndarray, pick) -> tuple[int, int, int, int]:
        cy, cx = np.unravel_index(int(pick(score)), score.shape)
        fy, fx = round((cy + 0.5) / s), round((cx + 0.5) / s)
        y0 = int(np.clip(fy - size // 2, 0, max(0, h - size)))
        x0 = int(np.clip(fx - size // 2, 0, max(0, w - size)))
        return (y0, min(h, y0 + size), x0, min(w, x0 + size))

    return {"dark_flat": box(flat_score, np.argmin), "edge": box(edge_score, np.argmax)}
