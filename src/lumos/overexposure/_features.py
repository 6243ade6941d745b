"""What an over-exposed photo looks like, as numbers measured on a small proxy.

An exposure error is a scale of the light (linear RGB times ``2**EV``) followed by a
clip at the sensor's white point. Global means cannot tell a photo one stop over from
a bright, correct one (a beach, a white sky); the *shape* of the tones can, so the
features describe the shape:

``y_hist`` (12)
    Histogram of sRGB luma: over-exposure piles the tones against the top.
``stops_hist`` (10)
    Histogram of linear luma in stops below white (``log2 Y``): a scale of the light
    is a shift here, so this is where "how many stops" is easiest to read.
``max_hist`` (8)
    Histogram of the brightest channel over its upper half: clipping shows first in
    one channel (a sky's blue, a face's red).
``sat_by_y`` (5)
    Mean saturation ``(max - min) / max`` of the pixels in five bands of luma:
    clipping drives the channels of a bright pixel together, so over-exposure
    desaturates the bright half while a correct bright photo keeps colour there.
``contrast_top`` (3)
    Mean absolute fine detail (luma minus its 2-px blur) over the whole frame, over
    the pixels above 0.5 and over those above 0.8: clipping flattens the highlights'
    texture.
``clipped`` (2)
    Share with any channel, and with all three, at 0.99 or more.
``percentiles`` (9)
    Luma p01, p05, p25, p50, p75, p95, p99 and the mean; the 5th percentile of the
    darkest channel (over-exposure lifts the blacks with the rest).
"""

from __future__ import annotations

import cv2
import numpy as np

from .._color import LUMA as _LUMA
from .._types import FloatImage

__all__ = ["FEATURE_NAMES", "FEATURE_SIDE", "over_features"]

FEATURE_SIDE = 256
"""Long side the features are measured at: cheap, and the same for any photo size."""

_Y_EDGES = np.linspace(0.0, 1.0, 13)
_STOP_EDGES = np.array([-np.inf, -7, -6, -5, -4, -3, -2, -1.5, -1, -0.4, np.inf])
_MAX_EDGES = np.array([0.0, 0.5, 0.6, 0.7, 0.8, 0.88, 0.94, 0.985, 1.01])
_SAT_BANDS = np.array([0.0, 0.25, 0.5, 0.7, 0.85, 1.01])
_PCTS = (1.0, 5.0, 25.0, 50.0, 75.0, 95.0, 99.0)

FEATURE_NAMES: tuple[str, ...] = (
    *(f"y_hist_{i}" for i in range(12)),
    *(f"stops_hist_{i}" for i in range(10)),
    *(f"max_hist_{i}" for i in range(8)),
    *(f"sat_by_y_{i}" for i in range(5)),
    "contrast_all",
    "contrast_over_0.5",
    "contrast_over_0.8",
    "clipped_any",
    "clipped_all",
    *(f"y_p{int(p):02d}" for p in _PCTS),
    "y_mean",
    "min_p05",
)


def _hist(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    counts, _ = np.histogram(values, bins=edges)
    return counts / max(1, values.size)


def _shrink(rgb: FloatImage) -> FloatImage:
    h, w = rgb.shape[:2]
    s = min(1.0, FEATURE_SIDE / max(h, w))
    if s >= 1.0:
        return np.ascontiguousarray(rgb, np.float32)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return cv2.resize(np.asarray(rgb, np.float32), size, interpolation=cv2.INTER_AREA)


def over_features(rgb: FloatImage) -> np.ndarray:
    """The :data:`FEATURE_NAMES` of an sRGB float photo (any size; shrunk first).

    >>> over_features(np.full((32, 32, 3), 0.5, np.float32)).shape == (len(FEATURE_NAMES),)
    True
    """
    x = np.clip(_shrink(rgb), 0.0, 1.0)
    y = x @ _LUMA
    # Linear light (sRGB decoded) for the stops histogram: a scale of the light is a shift.
    lin = np.where(y <= 0.04045, y / 12.92, ((y + 0.055) / 1.055) ** 2.4)
    stops = np.log2(lin + 1e-4)
    mx, mn = x.max(axis=2), x.min(axis=2)
    sat = (mx - mn) / (mx + 1e-3)
    band = np.digitize(y, _SAT_BANDS) - 1
    sat_by_y = np.array(
        [float(sat[band == i].mean()) if np.any(band == i) else 0.0 for i in range(5)]
    )
    detail = np.abs(y - cv2.GaussianBlur(y.astype(np.float32), (0, 0), 2.0))
    top5, top8 = y > 0.5, y > 0.8
    contrast = [
        float(detail.mean()),
        float(detail[top5].mean()) if top5.any() else 0.0,
        float(detail[top8].mean()) if top8.any() else 0.0,
    ]
    clipped = [float(np.mean(mx >= 0.99)), float(np.mean(mn >= 0.99))]
    pcts = list(np.percentile(y, _PCTS))
    feats = np.concatenate(
        [
            _hist(y, _Y_EDGES),
            _hist(stops, _STOP_EDGES),
            _hist(mx, _MAX_EDGES),
            sat_by_y,
            contrast,
            clipped,
            pcts,
            [float(y.mean()), float(np.percentile(mn, 5.0))],
        ]
    )
    return feats.astype(np.float64)
