"""Denoise: noise-aware, in a luma/chroma split, chroma much stronger than luma.

Why this split: the eye forgives fine luma grain but not coloured blotches, and
on dark phone JPEGs the chroma noise is also the coarser one (chroma is stored
at half resolution and then smeared by compression). So

* **luma** gets a self-guided filter [1]_ with a *per-pixel* regularisation
  ``eps = (k * sigma(x))**2``: where the local variance is about what noise alone
  would give, the window is averaged; where it is well above (edges, texture) the
  pixel is kept. ``sigma(x)`` is the input noise times the brightening gain at
  ``x``, because brightening multiplies the noise with the signal;
* **chroma** (``R - Y``, ``B - Y``) is filtered at a quarter of the resolution,
  which already divides its noise by four and reaches the blotchy low
  frequencies cheaply, with the luma as guide so that colour stays inside
  object outlines. Its guided-filter coefficients are computed once for the
  whole photo and applied to the full-resolution luma of each tile (the fast
  guided filter [2]_), so tiles agree exactly and colour edges stay sharp.

References
----------
.. [1] K. He, J. Sun, X. Tang, "Guided image filtering", TPAMI 35(6), 2013.
.. [2] K. He, J. Sun, "Fast guided filter", arXiv:1505.00996, 2015.
"""

from __future__ import annotations

import cv2
import numpy as np

from .._types import FloatImage, FloatMap
from ._filters import LUMA709, guided_coefficients, guided_filter, luma

__all__ = [
    "CHROMA_SCALE",
    "LUMA_RADIUS",
    "apply_chroma",
    "chroma_coefficients",
    "denoise",
    "denoise_luma",
    "restore_chroma_detail",
    "split_chroma",
    "to_rgb",
]

LUMA_RADIUS = 2
"""Window radius of the luma filter (footprint ``2 * LUMA_RADIUS`` pixels)."""
CHROMA_SCALE = 4
"""Chroma is denoised at 1 / CHROMA_SCALE of the full resolution."""
_LUMA_K = 4.0
_CHROMA_RADIUS = 6
_CHROMA_K = 6.0
_CHROMA_CORING_K = 10.0


def split_chroma(rgb: FloatImage) -> tuple[FloatMap, np.ndarray]:
    """Luma ``Y`` (Rec.709) and chroma ``(R - Y, B - Y)`` stacked as (h, w, 2)."""
    y = luma(rgb)
    c = np.stack([rgb[..., 0] - y, rgb[..., 2] - y], axis=-1)
    return y, c


def to_rgb(y: FloatMap, c: np.ndarray) -> FloatImage:
    """Inverse of :func:`split_chroma`."""
    r = y + c[..., 0]
    b = y + c[..., 1]
    g = (y - LUMA709[0] * r - LUMA709[2] * b) * np.float32(1.0 / LUMA709[1])
    return np.stack([r, g, b], axis=-1)


def denoise_luma(
    y: FloatMap, sigma: FloatMap | float, *, strength: float, radius: int = LUMA_RADIUS
) -> FloatMap:
    """Self-guided filter with a per-pixel, noise-matched regularisation.

    Parameters
    ----------
    y : (h, w) float32 ndarray
        Luma.
    sigma : (h, w) float32 ndarray or float
        Noise std at each pixel of ``y``.
    strength : float
        In [0, 1]; 0 returns ``y`` unchanged.
    radius : int
        Window radius; the footprint is ``2 * radius``.

    Returns
    -------
    (h, w) float32 ndarray
    """
    if strength <= 0.0:
        return y
    s = np.float32(_LUMA_K * strength) * sigma
    eps = np.maximum(s * s, np.float32(1e-8))
    return guided_filter(y, y, radius=radius, eps=eps)


def chroma_coefficients(
    rgb_low: FloatImage,
    sigma_low: FloatMap | float,
    *,
    strength: float,
    radius: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Guided-filter coefficients that denoise chroma, computed at low resolution.

    Parameters
    ----------
    rgb_low : (m, n, 3) float32 ndarray
        The brightened photo at low resolution (area-downscaled).
    sigma_low : (m, n) float32 ndarray or float
        Luma noise std at that resolution (full-resolution sigma / scale).
    strength : float
        In [0, 1]; scales the regularisation.
    radius : int, optional
        Window radius in low-resolution pixels (default 3).

    Returns
    -------
    a, b : (m, n, 2) float32 ndarrays
        Chroma ``= a * Y + b`` (apply with :func:`apply_chroma`). With
        ``strength == 0`` they reproduce the low-resolution chroma itself.
    """
    radius = _CHROMA_RADIUS if radius is None else radius
    y, c = split_chroma(rgb_low)
    if strength <= 0.0:
        return np.zeros_like(c), c
    # eps is compared with the *luma* variance in each window: below it, the
    # luma shows only noise, and chroma is averaged; above, chroma follows luma.
    s = np.float32(_CHROMA_K * strength) * sigma_low
    eps = np.maximum(s * s, np.float32(1e-6))
    return guided_coefficients(y, c, radius=radius, eps=eps)


def apply_chroma(y: FloatMap, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Chroma from full-resolution luma and upsampled coefficients (h, w, 2)."""
    return a * y[..., None] + b


def restore_chroma_detail(
    model: np.ndarray, full: np.ndarray, sigma: FloatMap | float, *, strength: float
) -> np.ndarray:
    """Add back the part of full-resolution chroma that clearly exceeds the noise.

    The low-resolution chroma model misses fine colour detail; on a clean photo
    that loss would be the only effect of the chroma filter. The residual
    ``full - model`` is soft-cored with threshold ``k * sigma``: noise-sized
    residuals are dropped, larger ones (real colour detail) are kept.

    Parameters
    ----------
    model : (h, w, 2) float32 ndarray
        Denoised chroma from :func:`apply_chroma`.
    full : (h, w, 2) float32 ndarray
        Chroma of the noisy full-resolution image.
    sigma : (h, w) float32 ndarray or float
        Chroma noise std per pixel.
    strength : float
        In [0, 1]; scales the threshold.

    Returns
    -------
    (h, w, 2) float32 ndarray
    """
    r = full - model
    t = np.float32(_CHROMA_CORING_K * strength) * sigma
    t2 = (t * t)[..., None] if isinstance(t, np.ndarray) else t * t
    r2 = r * r
    return model + r * r2 / (r2 + t2 + np.float32(1e-10))


def denoise(
    rgb: FloatImage, sigma: FloatMap | float, *, strength: float = 0.5, scale: int = CHROMA_SCALE
) -> FloatImage:
    """Denoise a whole (brightened) image: luma finely, chroma at reduced resolution.

    A convenience for a photo that fits in memory; the tiled pipeline calls
    :func:`denoise_luma`, :func:`chroma_coefficients` and :func:`apply_chroma`
    itself.

    Parameters
    ----------
    rgb : (h, w, 3) float32 ndarray
        Image in [0, 1].
    sigma : (h, w) float32 ndarray or float
        Luma noise std per pixel.
    strength : float
        In [0, 1].
    scale : int
        Chroma resolution divisor.

    Returns
    -------
    (h, w, 3) float32 ndarray
    """
    h, w = rgb.shape[:2]
    size = (max(1, round(w / scale)), max(1, round(h / scale)))
    low = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    if isinstance(sigma, np.ndarray):
        sig_low = cv2.resize(sigma, size, interpolation=cv2.INTER_AREA) / scale
    else:
        sig_low = sigma / scale
    a, b = chroma_coefficients(low, sig_low, strength=strength)
    y = denoise_luma(luma(rgb), sigma, strength=strength)
    ab = cv2.resize(np.concatenate([a, b], axis=-1), (w, h), interpolation=cv2.INTER_LINEAR)
    _, c_full = split_chroma(rgb)
    c = apply_chroma(y, ab[..., :2], ab[..., 2:])
    sig_c = sigma * np.float32(1.3)
    return to_rgb(y, restore_chroma_detail(c, c_full, sig_c, strength=strength))
