"""``--model mirnet --weights FILE.pth``: the MIRNet of dblasko/low-light-event-img-enhancer.

Pre- and post-processing
------------------------
The project's own inference resizes the photo so that its short side is 400 px,
crops to a multiple of 8, runs the network on [0, 1] RGB and saves the clamped
output. Here the network runs on the full-resolution photo instead, in tiles
(the network is convolutional): each tile gets a halo of context, is
reflect-padded to a multiple of 8 (the network halves the size twice; 8 is the
project's own rule), and the result is clamped to [0, 1].

One caveat: MIRNet's channel attention and feature fusion average over the
whole input, so a tile's result depends slightly on the tile; the tiles are
cross-faded across their halo. The checkpoints were trained on 64 x 64
crops, so per-tile averages are closer to training than a whole-photo average.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..._types import FloatImage, Region
from ...analysis import Analysis
from ...enhancer import Plan, TileOutput
from ._load import load_into, require_torch

__all__ = ["HALO", "MIRNetEnhancer"]

HALO = 32
"""Context per side, in pixels: covers the 3x3 convs at 1/4 scale of one block."""
_MULTIPLE = 8


def run_network(net: Any, rgb: np.ndarray, multiple: int = _MULTIPLE) -> np.ndarray:
    """Run an image-to-image network on (h, w, 3) float32, reflect-padding to ``multiple``."""
    torch = require_torch()
    h, w = rgb.shape[:2]
    ph, pw = -h % multiple, -w % multiple
    x = torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1)))[None]
    if ph or pw:
        mode = "reflect" if h > ph and w > pw else "replicate"
        x = torch.nn.functional.pad(x, (0, pw, 0, ph), mode=mode)
    with torch.inference_mode():
        y = net(x)[0, :, :h, :w]
    return np.ascontiguousarray(y.numpy().transpose(1, 2, 0), np.float32)


class MIRNetEnhancer:
    """MIRNet from a user's checkpoint (``{"model_state_dict": ...}`` or a bare state dict)."""

    name = "mirnet"
    tile_workers = 1  # torch already uses every core inside one tile

    def __init__(self, weights: str | Path) -> None:
        require_torch()
        from ._mirnet_arch import MIRNet

        self.weights = Path(weights)
        self.net = load_into(MIRNet(), self.weights, key="model_state_dict")

    def prepare(
        self,
        image: FloatImage,
        analysis: Analysis,
        *,
        denoise: float | None,
        detail: float | None,
        brightness: float | None,
        shadows: float | None = None,
    ) -> Plan:
        """No global decisions: the network is the whole method (strength options are ignored)."""
        return Plan(
            halo=HALO,
            align=_MULTIPLE,
            denoise=0.0,
            detail=0.0,
            target_brightness=float(analysis.mean_luminance),
            params={"weights": str(self.weights)},
        )

    def process_region(
        self,
        tile: FloatImage,
        plan: Plan,
        region: Region,
        *,
        keep_intermediates: bool = False,
    ) -> TileOutput:
        """Run the network on one tile (with its halo) and clamp to [0, 1]."""
        out = np.clip(run_network(self.net, tile), 0.0, 1.0)
        return TileOutput(image=out, intermediates={"detail": out} if keep_intermediates else {})
