"""Colour constants shared across lumos."""

from __future__ import annotations

import numpy as np

__all__ = ["LUMA", "channel_max"]

LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
"""Rec.709 luma weights of R, G, B: ``luma = rgb @ LUMA``."""


def channel_max(rgb: np.ndarray) -> np.ndarray:
    """``max(R, G, B)`` per pixel of an (..., 3) array.

    The same as ``rgb.max(axis=-1)``, which NumPy reduces slowly over a last
    axis of three: 20 ms against 1 ms for a 592 x 592 tile.

    >>> channel_max(np.array([[[0.2, 0.7, 0.1], [0.9, 0.3, 0.4]]], np.float32)).tolist()
    [[0.699999988079071, 0.8999999761581421]]
    """
    return np.maximum(np.maximum(rgb[..., 0], rgb[..., 1]), rgb[..., 2])
