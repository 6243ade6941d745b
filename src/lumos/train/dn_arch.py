"""LumosDN: a small noise-aware denoiser for the brightened photo, built for CPU speed.

LumosNet's gain lifts a dark photo's noise with its signal; this net removes
it. It sees the brightened RGB plus, as FFDNet does, a map of the noise level
expected at each pixel (the input's estimated noise times the gain that pixel
received), so one net serves a barely lifted well-lit photo and a 50x lifted
night shot, and it knows where the gain was high.

Nearly all of the work is at reduced resolution, which is what makes a 12 MP
photo affordable on two cores: the photo is pixel-unshuffled into 2x2 blocks
(12 channels at half size, nothing is thrown away), a few convolutions run
there, a second level runs at quarter size for context (noise blotches are
wider than a pixel after demosaicing and JPEG), and a pixel shuffle puts the
predicted *residual* back at full resolution. Inner tile edges must fall on
multiples of :data:`ALIGN` so that tiles see the same 2x2 blocks as the whole
photo.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["ALIGN", "SIGMA_SCALE", "LumosDN"]

SIGMA_SCALE = 10.0
"""The noise map is multiplied by this inside the net (sigma ~0.01..0.2 -> ~0.1..2)."""
ALIGN = 4
"""Pixel unshuffle (2) times one stride-2 level (2)."""


def _act(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.1)


class LumosDN(nn.Module):
    """(rgb (B,3,H,W), sigma (B,1,H,W)) -> denoised rgb (B,3,H,W); H, W multiples of 4."""

    def __init__(self, width: int = 32, low_width: int = 64, low_depth: int = 3) -> None:
        super().__init__()
        w, lw = width, low_width
        self.head = nn.Conv2d(12 + 1, w, 3, 1, 1)
        self.mid = nn.Conv2d(w, w, 3, 1, 1)
        self.down = nn.Conv2d(w, lw, 3, 2, 1)
        self.low = nn.ModuleList(nn.Conv2d(lw, lw, 3, 1, 1) for _ in range(low_depth))
        self.up = nn.Conv2d(lw, w * 4, 1)  # then a pixel shuffle back to half size
        self.fuse = nn.Conv2d(2 * w, w, 3, 1, 1)
        self.tail = nn.Conv2d(w, 12, 3, 1, 1)
        # Start as the identity: the residual is zero until the net has learned something.
        nn.init.normal_(self.tail.weight, std=1e-3)
        nn.init.zeros_(self.tail.bias)

    def forward(self, rgb: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        x = torch.cat([F.pixel_unshuffle(rgb - 0.5, 2), F.avg_pool2d(sigma, 2) * SIGMA_SCALE], 1)
        f = _act(self.mid(_act(self.head(x))))
        d = _act(self.down(f))
        for conv in self.low:
            d = d + _act(conv(d))
        u = _act(F.pixel_shuffle(self.up(d), 2))
        g = _act(self.fuse(torch.cat([f, u], 1)))
        return rgb + F.pixel_shuffle(self.tail(g), 2)

    @property
    def halo(self) -> int:
        """Receptive-field radius in full-resolution pixels (rounded up to ALIGN)."""
        half = 2 + 2  # head, mid + fuse, tail at half size (3x3 each: 1 half pixel)
        quarter = 1 + len(self.low)  # down + the low convolutions
        radius = 2 * half + 4 * quarter + 4
        return -(-radius // ALIGN) * ALIGN
