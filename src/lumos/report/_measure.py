"""Measures and crops for the explain report: noise, sharpness, brightness, where to look.

Every measure runs on full-resolution pixels: downscaling averages noise away and
softens edges, so a measure on a display copy would flatter every stage.

* **noise** sees every grain size a viewer sees: the larger of the pixel-scale
  reading :func:`lumos.analysis.estimate_noise` (what ``lumos info`` prints and the
  denoiser is steered by) and the std of the luma around its smooth trend (a
  Gaussian of :data:`TREND_SIGMA` px) in the quieter windows of the image. A
  denoiser can remove the fine grain and leave blotches a few pixels wide, which
  the pixel-scale reading misses (a very dark photo's result read 2.8/255 there
  while its flat areas were mottled at 9.6/255);
* **sharpness** is edge *steepness* (acutance) on one fixed set of edges
  (:class:`Edges`: the centre pixels of the strongest 10 % of gradients of a
  smoothed copy of the output, with their direction): the luma gradient across
  each edge divided by the edge's height (the step between
  :data:`EDGE_REACH` px either side of it, on a lightly smoothed copy), summed over
  all edges. Both are linear in the pixels and taken along a fixed direction, so
  zero-mean noise adds scatter but no bias (a gradient *magnitude* would read
  noise as steepness: a noisy input measured steeper than its clean result). A
  gain or a contrast change scales gradient and height alike, so brightening
  alone leaves it unchanged, while blurring lowers it and sharpening raises it:
  exactly the question "is it sharper?". The mean gradient across the same edges
  is kept too (``edge_gradient``);
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
    "NOISE_VISIBLE",
    "Edges",
    "crop_size",
    "display",
    "edge_measures",
    "find_crops",
    "fine_noise",
    "luma",
    "luma_histogram",
    "mean_luma",
    "naive_gain",
    "noise_sigma",
    "sharpness",
    "to_uint8",
]

EDGE_PERCENTILE = 90.0
"""Pixels whose smoothed gradient is above this percentile (and a local maximum) are edges."""
EDGE_REACH = 3.0
"""An edge's height is the step between this many pixels either side of its centre."""
TREND_SIGMA = 8.0
"""Gaussian (px) whose result is the smooth trend that coarse noise is measured around."""
NOISE_VISIBLE = 0.5 / 255
"""Noise below this is invisible; a relative change from it means nothing."""
_NOISE_WINDOW = 32
_NOISE_PERCENTILE = 25.0
_EDGE_SMOOTH = 2.0
_EDGE_FLOOR = 1e-3
"""Smallest gradient (luma per px) of an edge: a flat image has no edges, not noise ones."""
_CROP_MAX = 192
_CROP_PROXY_SIDE = 512
_DARK_FLOOR = 0.015
"""Below this mean luma a window is crushed black: its noise is clipped, not visible."""
_LOW_CLIP, _HIGH_CLIP = 0.004, 0.99


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


def fine_noise(rgb: FloatImage) -> float:
    """Pixel-scale luma noise std (:func:`lumos.analysis.estimate_noise`, as ``lumos info``)."""
    if min(rgb.shape[:2]) < 8:
        return 0.0
    return float(estimate_noise(np.ascontiguousarray(rgb, np.float32))[0])


def trend_noise(rgb: FloatImage) -> float:
    """Luma std around a smooth trend, in the quieter windows: noise of every grain size.

    The luma minus its Gaussian blur (:data:`TREND_SIGMA` px) keeps grain and
    blotches up to a few pixels wide and drops shading. Its std is taken in
    32 x 32 windows (fewer pixels on a small image) that are not clipped, and
    the 25th percentile of the windows is the reading: noise is everywhere,
    edges and texture are not. 0 when no window qualifies.
    """
    y = luma(rgb)
    h, w = y.shape
    win = min(_NOISE_WINDOW, h, w)
    if win < 8:
        return 0.0
    r = y - cv2.GaussianBlur(y, (0, 0), TREND_SIGMA, borderType=cv2.BORDER_REFLECT)
    rows, cols = h // win, w // win
    r = r[: rows * win, : cols * win].reshape(rows, win, cols, win)
    yb = y[: rows * win, : cols * win].reshape(rows, win, cols, win)
    clipped = ((yb <= _LOW_CLIP) | (yb >= _HIGH_CLIP)).mean(axis=(1, 3))
    std = r.std(axis=(1, 3))[clipped < 0.05]
    return float(np.percentile(std, _NOISE_PERCENTILE)) if std.size else 0.0


def noise_sigma(rgb: FloatImage) -> float:
    """Visible luma noise std: the larger of :func:`fine_noise` and :func:`trend_noise`."""
    return max(fine_noise(rgb), trend_noise(rgb))


def _sobel(y: FloatMap) -> tuple[FloatMap, FloatMap]:
    # Sobel / 8 is the per-pixel central difference of a smoothed signal: units of
    # luma per pixel, so numbers read like "edge height over one pixel".
    gx = cv2.Sobel(y, cv2.CV_32F, 1, 0, ksize=3, scale=0.125)
    gy = cv2.Sobel(y, cv2.CV_32F, 0, 1, ksize=3, scale=0.125)
    return gx, gy


def _gradient(y: FloatMap) -> FloatMap:
    return cv2.magnitude(*_sobel(y))


class Edges:
    """The structure edges of a reference image: centre pixels and their direction.

    Parameters
    ----------
    reference : (H, W, 3) or (H, W) float32 ndarray
        Usually the result: its edges are structure, not noise. Smoothed first
        (Gaussian, 2 px), so noise does not pick the edges.
    percentile : float
        Only gradients above this percentile count, and of those only local
        maxima (an edge's centre line, not the pixels beside it).
    """

    def __init__(self, reference: FloatImage, percentile: float = EDGE_PERCENTILE) -> None:
        s = cv2.GaussianBlur(luma(reference), (0, 0), _EDGE_SMOOTH)
        gx, gy = _sobel(s)
        g = cv2.magnitude(gx, gy)
        h, w = g.shape
        m = int(np.ceil(EDGE_REACH)) + 1
        centre = g >= cv2.dilate(g, np.ones((3, 3), np.uint8))
        keep = centre & (g >= max(float(np.percentile(g, percentile)), _EDGE_FLOOR))
        keep[:m], keep[h - m :], keep[:, :m], keep[:, w - m :] = False, False, False, False
        self.y, self.x = np.nonzero(keep)
        gk = g[self.y, self.x]
        self.uy, self.ux = gy[self.y, self.x] / gk, gx[self.y, self.x] / gk

    def __len__(self) -> int:
        return int(self.y.size)

    def across(self, rgb: FloatImage) -> np.ndarray:
        """The luma gradient across each edge (along its reference direction), per px."""
        gx, gy = _sobel(luma(rgb))
        return gx[self.y, self.x] * self.ux + gy[self.y, self.x] * self.uy

    def height(self, rgb: FloatImage) -> np.ndarray:
        """Each edge's step: lightly smoothed luma :data:`EDGE_REACH` px ahead minus behind."""
        s = cv2.GaussianBlur(luma(rgb), (0, 0), 1.0)
        d = np.float32(EDGE_REACH)
        xs, ys = self.x.astype(np.float32), self.y.astype(np.float32)

        def at(sign: float) -> np.ndarray:
            return _bilinear(s, xs + sign * d * self.ux, ys + sign * d * self.uy)

        return at(1.0) - at(-1.0)


def _bilinear(img: FloatMap, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``img`` sampled bilinearly at the points (``x``, ``y``), clamped to the image.

    Not ``cv2.remap``: it refuses maps or images over 32767 px on a side, and the
    points are one long row (a 12 MP photo has more than 32767 edge pixels).
    Edge points lie :data:`EDGE_REACH` + 1 px inside the border, so clamping never
    changes a value that a reflecting border would have given.
    """
    h, w = img.shape
    x = np.clip(x, 0, w - 1).astype(np.float32, copy=False)
    y = np.clip(y, 0, h - 1).astype(np.float32, copy=False)
    x0 = np.minimum(np.floor(x).astype(np.intp), max(w - 2, 0))
    y0 = np.minimum(np.floor(y).astype(np.intp), max(h - 2, 0))
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    fx, fy = x - x0, y - y0
    top = img[y0, x0] * (1 - fx) + img[y0, x1] * fx
    bottom = img[y1, x0] * (1 - fx) + img[y1, x1] * fx
    return (top * (1 - fy) + bottom * fy).astype(np.float32, copy=False)


def edge_measures(rgb: FloatImage, edges: Edges) -> tuple[float, float]:
    """(:func:`sharpness`, mean luma gradient across ``edges`` per pixel), from one
    gradient pass; ``nan`` for what cannot be measured (see :func:`sharpness`)."""
    if not len(edges):
        return float("nan"), float("nan")
    across = edges.across(rgb)
    height = float(edges.height(rgb).sum())
    steep = float(across.sum()) / height if height > 1e-6 else float("nan")
    return steep, float(across.mean())


def sharpness(rgb: FloatImage, edges: Edges) -> float:
    """Edge steepness: gradient across the edges / their height, summed over the edges.

    Roughly one over the edge width in pixels; independent of brightness and
    contrast, and not biased by noise (see the module docstring). ``nan`` when
    there are no edges (a tiny or featureless image) or none left with any height.
    """
    return edge_measures(rgb, edges)[0]


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
