"""Building blocks shared by the stages: guided filter, low-res map sampling, colour spaces.

Everything is float32 and built from OpenCV primitives (boxFilter, remap,
cvtColor), which are vectorised and multithreaded.
"""

from __future__ import annotations

import cv2
import numpy as np

from .._color import LUMA as LUMA709
from .._types import FloatImage, FloatMap, Region

__all__ = [
    "LUMA709",
    "box",
    "guided_coefficients",
    "guided_filter",
    "luma",
    "sample_lowres",
]


def luma(rgb: FloatImage) -> FloatMap:
    """Rec.709 luma of gamma-encoded RGB."""
    return cv2.transform(rgb, LUMA709[None, :])


def box(x: np.ndarray, radius: int) -> np.ndarray:
    """Mean over a (2r+1)^2 window; borders reflect (so tiles and frames agree inside)."""
    k = 2 * radius + 1
    return cv2.boxFilter(x, cv2.CV_32F, (k, k), borderType=cv2.BORDER_REFLECT)


def guided_coefficients(
    guide: FloatMap, src: np.ndarray, *, radius: int, eps: float | FloatMap
) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed linear coefficients ``(a, b)`` of the guided filter [1]_.

    The filter output is ``a * guide + b``. Computing ``a, b`` at low resolution
    and applying them to a full-resolution guide is the fast guided filter [2]_.

    Parameters
    ----------
    guide : (M, N) float32 ndarray
        Guidance image.
    src : (M, N) or (M, N, C) float32 ndarray
        Image to filter (channels filtered independently with the same guide).
    radius : int
        Window radius in pixels.
    eps : float or (M, N) float32 ndarray
        Regularisation: variances well below ``eps`` are smoothed, well above
        kept. A per-pixel map makes the filter noise-adaptive.

    Returns
    -------
    a, b : float32 ndarrays shaped like ``src``

    References
    ----------
    .. [1] K. He, J. Sun, X. Tang, "Guided image filtering", TPAMI 35(6), 2013.
    .. [2] K. He, J. Sun, "Fast guided filter", arXiv:1505.00996, 2015.
    """
    mi = box(guide, radius)
    var_i = box(guide * guide, radius) - mi * mi
    if src.ndim == 3:
        mi3, var3 = mi[..., None], var_i[..., None]
        gi = guide[..., None]
        e = eps[..., None] if isinstance(eps, np.ndarray) else eps
    else:
        mi3, var3, gi, e = mi, var_i, guide, eps
    mp = box(src, radius)
    cov = box(gi * src, radius) - mi3 * mp
    a = cov / (np.maximum(var3, 0.0) + e)
    b = mp - a * mi3
    return box(a, radius), box(b, radius)


def guided_filter(
    guide: FloatMap, src: np.ndarray, *, radius: int, eps: float | FloatMap
) -> np.ndarray:
    """Edge-preserving smoothing of ``src`` steered by ``guide`` (see :func:`guided_coefficients`).

    Its footprint is ``2 * radius`` pixels.
    """
    a, b = guided_coefficients(guide, src, radius=radius, eps=eps)
    g = guide[..., None] if src.ndim == 3 else guide
    return (a * g + b).astype(np.float32, copy=False)


def sample_lowres(maps: np.ndarray, region: Region, full_shape: tuple[int, int]) -> np.ndarray:
    """Bilinearly sample low-resolution maps at the full-resolution pixels of ``region``.

    The mapping is the one of ``cv2.resize`` (pixel centres aligned), computed
    from absolute coordinates, so any tile of the image gets exactly the values
    a whole-frame upsampling would give.

    Parameters
    ----------
    maps : (m, n) or (m, n, C) float32 ndarray
        Maps covering the whole image at low resolution.
    region : (y0, y1, x0, x1)
        Full-resolution window, end-exclusive.
    full_shape : (H, W)
        Full image size.

    Returns
    -------
    (y1 - y0, x1 - x0[, C]) float32 ndarray
    """
    y0, y1, x0, x1 = region
    mh, mw = maps.shape[:2]
    fh, fw = full_shape
    ys = ((np.arange(y0, y1, dtype=np.float32) + 0.5) * (mh / fh) - 0.5).astype(np.float32)
    xs = ((np.arange(x0, x1, dtype=np.float32) + 0.5) * (mw / fw) - 0.5).astype(np.float32)
    # cv2.remap refuses a source or a result over 32767 px on a side (the maps of a
    # 1 x 1,600,000 px strip, or a whole-frame run of one): the region is sampled in
    # pieces, each from the few map cells it reads (all the replicated border needs).
    out = np.empty((y1 - y0, x1 - x0, *maps.shape[2:]), np.float32)
    for r0 in range(0, y1 - y0, _REMAP_PIECE):
        for c0 in range(0, x1 - x0, _REMAP_PIECE):
            py, px = ys[r0 : r0 + _REMAP_PIECE], xs[c0 : c0 + _REMAP_PIECE]
            sy0, sx0 = _first_cell(py[0], mh), _first_cell(px[0], mw)
            sy1, sx1 = _first_cell(py[-1], mh) + 2, _first_cell(px[-1], mw) + 2
            map_x = np.ascontiguousarray(np.broadcast_to(px[None, :] - sx0, (py.size, px.size)))
            map_y = np.ascontiguousarray(np.broadcast_to(py[:, None] - sy0, (py.size, px.size)))
            piece = np.ascontiguousarray(maps[sy0:sy1, sx0:sx1])
            out[r0 : r0 + py.size, c0 : c0 + px.size] = cv2.remap(
                piece, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
            ).reshape(py.size, px.size, *maps.shape[2:])
    return out


_REMAP_PIECE = 8192
"""Side of the pieces :func:`sample_lowres` samples at once (cv2.remap's limit is 32767)."""


def _first_cell(coord: np.float32, size: int) -> int:
    """The map cell at or before ``coord``, within the map (the left of a bilinear pair)."""
    return int(np.clip(np.floor(coord), 0, size - 1))
