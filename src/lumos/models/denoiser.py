"""LumosDN at inference: the learned denoiser, run with ONNX Runtime on one tile.

The network (:mod:`lumos.train.dn_arch`) takes the brightened RGB and the
noise std expected at each pixel and returns the denoised RGB. It works on
2x2 blocks and one more halving, so its input must be a multiple of
:data:`DN_ALIGN` on each side: a tile is padded at its bottom and right by
reflection (the whole photo is padded the same way, so tiles whose inner
edges fall on multiples of :data:`DN_ALIGN` agree with it). Shipped in
``lumos/models/weights/denoiser/`` with its training record; nothing is
downloaded.

Two weight sets of that one net ship: :data:`DN_WEIGHTS` for photos kept near
their exposure (real camera grain, clean photos) and :data:`DN_DARK_WEIGHTS`
for photos brightened a lot (amplified sensor noise, JPEG blocks lifted from the
shadows); LumosNet picks one per photo by its gain
(:data:`lumos.models.lumosnet.DARK_DENOISER_GAIN`). How they were made:
``scripts/denoiser_soup.py`` and the card beside them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._types import FloatImage, FloatMap
from ._onnx import onnx_session

__all__ = [
    "DN_ALIGN",
    "DN_CHUNK",
    "DN_DARK_WEIGHTS",
    "DN_HALO",
    "DN_WEIGHTS",
    "denoise_rgb",
    "denoiser_available",
]

DN_WEIGHTS = Path(__file__).resolve().parent / "weights" / "denoiser" / "denoiser.onnx"
DN_DARK_WEIGHTS = DN_WEIGHTS.with_name("denoiser_dark.onnx")
DN_ALIGN = 4
DN_HALO = 28
"""Receptive-field radius of the net in full-resolution pixels (``LumosDN.halo``)."""
DN_CHUNK = 1024
"""Largest side run in one call (memory: about 0.3 GB per 1024 x 1024 chunk)."""
DN_CHUNK_HALO = 48
"""Overlap of chunks: a multiple of DN_ALIGN beyond the net's reach (see lumosnet._LEARNED_HALO)."""


def denoiser_available(path: Path = DN_WEIGHTS) -> bool:
    """Whether the learned denoiser is installed."""
    return Path(path).is_file()


def denoise_rgb(
    rgb: FloatImage, sigma: FloatMap, *, path: Path = DN_WEIGHTS, chunk: int = DN_CHUNK
) -> FloatImage:
    """Denoise an (h, w, 3) float32 image given its noise std per pixel (h, w).

    A region larger than ``chunk`` pixels a side (``--tile 0`` hands over the
    whole photo) runs in overlapping chunks, so the net's memory stays bounded
    (a 12 MP frame in one call peaked at 7.2 GB); chunks overlap by
    :data:`DN_CHUNK_HALO`, beyond the net's reach, so the result is the same.
    Returns the net's (h, w, 3) output, not clipped.
    """
    h, w = sigma.shape
    if max(h, w) <= chunk:
        return _run(rgb, sigma, path)
    out = np.empty_like(rgb, dtype=np.float32)
    halo = DN_CHUNK_HALO
    for y0 in range(0, h, chunk):
        for x0 in range(0, w, chunk):
            y1, x1 = min(h, y0 + chunk), min(w, x0 + chunk)
            # Chunk windows start on multiples of DN_ALIGN, as tiles do.
            py0, px0 = max(0, y0 - halo), max(0, x0 - halo)
            py1, px1 = min(h, y1 + halo), min(w, x1 + halo)
            res = _run(rgb[py0:py1, px0:px1], sigma[py0:py1, px0:px1], path)
            out[y0:y1, x0:x1] = res[y0 - py0 : y1 - py0, x0 - px0 : x1 - px0]
    return out


def _run(rgb: FloatImage, sigma: FloatMap, path: Path) -> FloatImage:
    h, w = sigma.shape
    ph, pw = -h % DN_ALIGN, -w % DN_ALIGN
    x = rgb.transpose(2, 0, 1)[None]
    s = sigma[None, None]
    if ph or pw:
        # Reflection needs more pixels than the padding; a tile that small is edge-padded.
        mode = "reflect" if h > ph and w > pw else "edge"
        pad = ((0, 0), (0, 0), (0, ph), (0, pw))
        x, s = np.pad(x, pad, mode=mode), np.pad(s, pad, mode=mode)
    feed = {
        "rgb": np.ascontiguousarray(x, dtype=np.float32),
        "sigma": np.ascontiguousarray(s, dtype=np.float32),
    }
    out = onnx_session(path, "the learned denoiser").run(None, feed)[0][0, :, :h, :w]
    return np.ascontiguousarray(out.transpose(1, 2, 0))
