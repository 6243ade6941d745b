"""LumosDH at inference: transmission and airlight of a photo's proxy, with ONNX Runtime.

The network (:mod:`lumos.train.dh_arch`) reads a small copy of the photo (long
side :data:`DH_PROXY_SIDE`) and returns the transmission map ``t`` at that size
and one airlight colour ``A``. It runs once per photo, in the dehazing plan;
the full-resolution work (the fast guided filter, ``J = (I - A) / t + A``) is
the stage's (:mod:`lumos.stages.dehaze`), tile by tile. Shipped in
``lumos/models/weights/dehaze/`` with its training record; nothing is downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._types import FloatImage, FloatMap
from ._onnx import onnx_session

__all__ = [
    "DH_ALIGN",
    "DH_PROXY_SIDE",
    "DH_WEIGHTS",
    "HazeEstimate",
    "dehazer_available",
    "estimate_haze",
]

DH_WEIGHTS = Path(__file__).resolve().parent / "weights" / "dehaze" / "dehaze.onnx"
DH_ALIGN = 8
"""The net's input sides must be multiples of this (``LumosDH``: unshuffle and two halvings)."""
DH_PROXY_SIDE = 384
"""Long side of the proxy the net reads (it was trained on crops of photos shrunk to 256-448)."""


@dataclass(frozen=True)
class HazeEstimate:
    """What the net reads on a proxy: ``transmission`` (h, w) in (0, 1], ``airlight`` (3,)."""

    transmission: FloatMap
    airlight: np.ndarray


def dehazer_available(path: Path = DH_WEIGHTS) -> bool:
    """Whether the learned dehazer is installed."""
    return Path(path).is_file()


def estimate_haze(proxy: FloatImage, *, path: Path = DH_WEIGHTS) -> HazeEstimate:
    """Run the net on an (h, w, 3) float32 proxy in [0, 1].

    The proxy is padded at its bottom and right by reflection to a multiple of
    :data:`DH_ALIGN` (edge padding where it is too small to reflect) and the
    transmission cropped back to (h, w).
    """
    h, w = proxy.shape[:2]
    ph, pw = -h % DH_ALIGN, -w % DH_ALIGN
    x = np.ascontiguousarray(proxy.transpose(2, 0, 1)[None], dtype=np.float32)
    if ph or pw:
        mode = "reflect" if h > ph and w > pw else "edge"
        x = np.pad(x, ((0, 0), (0, 0), (0, ph), (0, pw)), mode=mode)
    t, a = onnx_session(path, "the learned dehazer").run(None, {"rgb": x})
    return HazeEstimate(
        np.ascontiguousarray(t[0, 0, :h, :w], np.float32), np.asarray(a[0], np.float32)
    )
