"""LumosNE at inference: the learned noise reading of a photo, with ONNX Runtime.

The network (:mod:`lumos.train.ne_arch`) reads the luma noise level of a
full-resolution crop; a photo's reading is the median of the readings
of a grid of crops (:data:`NE_QUANTILE`). :mod:`lumos.analysis` combines it
with its statistical reading. Shipped in
``lumos/models/weights/noise/`` with its training record; nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._types import FloatImage
from ._onnx import onnx_session

__all__ = [
    "MIN_SIDE",
    "NE_CROP",
    "NE_WEIGHTS",
    "crop_grid",
    "learned_noise_level",
    "noise_model_available",
    "read_crops",
]

NE_WEIGHTS = Path(__file__).resolve().parent / "weights" / "noise" / "noise_level.onnx"
NE_CROP = 96
"""Side of the crops the network reads (what it was trained on)."""
NE_MAX_CROPS = 48
"""Crops read per photo, at most: a grid over the whole frame."""
MIN_SIDE = 16
"""Smallest crop side the network reads."""
_BATCH = 64  # crops per network run
NE_QUANTILE = 50.0
"""The photo's reading is this percentile of its crops' readings. Noise is everywhere and
texture is local, so the quieter crops read the noise: a hanging basket of foliage
against a white wall (DICM 46) read 12.2/255 as the root mean square of its crops. The
first net took the lower quartile (0.63). The net trained with a simulated camera's noise
as well (session 15) reads texture less and real camera grain closer to its level, so
it takes the median: DICM 46 0.94 (the pixel-scale cap of the analysis), the CC
real-noise photos read at about half their level instead of 0.45 (whole pipeline 34.38
-> 34.53 dB). Kodak24 and McMaster read as before (their statistical reading leads)."""


def noise_model_available(path: Path = NE_WEIGHTS) -> bool:
    """Whether the learned noise reading is installed."""
    return Path(path).is_file()


def crop_grid(rgb: FloatImage, size: int = NE_CROP, max_crops: int = NE_MAX_CROPS) -> np.ndarray:
    """Full-resolution crops on a regular grid, stacked to (n, s, s, 3).

    A photo smaller than ``size`` gives one crop of its largest square whose
    side is a multiple of 4 (the network's alignment).
    """
    h, w = rgb.shape[:2]
    side = min(size, h, w) // 4 * 4
    rows = max(1, min(h // side, round(np.sqrt(max_crops * h / w))))
    cols = max(1, min(w // side, max_crops // rows))
    ys = np.linspace(0, h - side, rows).astype(int)
    xs = np.linspace(0, w - side, cols).astype(int)
    return np.stack([rgb[y : y + side, x : x + side] for y in ys for x in xs]).astype(np.float32)


def read_crops(crops: np.ndarray, path: Path = NE_WEIGHTS) -> np.ndarray | None:
    """The network's luma noise std of each crop of ``crops`` ((n, s, s, 3) float32
    in [0, 1], ``s`` a multiple of 4, at least 16); ``None`` without the weights."""
    if not noise_model_available(path):
        return None
    session = onnx_session(path, "the noise-level network")
    out = []
    for start in range(0, len(crops), _BATCH):  # bounded memory for a map of many regions
        part = np.asarray(crops[start : start + _BATCH], np.float32).transpose(0, 3, 1, 2)
        out.append(session.run(None, {"rgb": np.ascontiguousarray(part)})[0])
    return np.concatenate(out).astype(np.float32)


def learned_noise_level(rgb: FloatImage, path: Path = NE_WEIGHTS) -> float | None:
    """The network's luma noise std of ``rgb`` ((H, W, 3) float32 in [0, 1]);
    ``None`` when the weights are not installed or the photo is too small to read."""
    if min(rgb.shape[:2]) < MIN_SIDE:
        return None
    levels = read_crops(crop_grid(rgb), path)
    if levels is None:
        return None
    return float(np.percentile(levels, NE_QUANTILE))
