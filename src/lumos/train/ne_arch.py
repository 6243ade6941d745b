"""LumosNE: a small network that reads how noisy a crop of a photo is.

The statistical estimator of :mod:`lumos.analysis` reads noise from the
pixel-scale residual of flat areas. Real camera noise after demosaicing,
in-camera noise reduction and JPEG is spatially correlated: most of it lives
in blotches two to four pixels wide, which a 3x3 residual barely sees (the
CC real-noise photos read a fifth of their true level), and widening the
residual's footprint reads texture as noise. Telling correlated noise from
fine texture is a judgement about image content, which a small network learns
from examples better than a threshold does.

Shape: a crop is pixel-unshuffled into 2x2 blocks (nothing is thrown away,
and the first convolutions run at half size), a few convolutions and one
stride-2 level follow, and a head predicts at each quarter-size position a
log noise level and a weight; the crop's reading is the weighted mean of the
levels (a softmax over positions: the net learns to listen to flat areas and
to ignore edges and texture, as the hand-made mask tries to). The output is
the standard deviation of the crop's luma noise, in [0, 1] units.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["LOG_SIGMA_FLOOR", "LumosNE"]

LOG_SIGMA_FLOOR = -9.0
"""log of the smallest level the net reports (about 0.03/255): a clean crop's reading."""


LOG_START = -5.0
RESIDUAL_SCALE = 50.0
"""Brings the residual of noise of a few /255 to about one."""


def _act(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.1)


class LumosNE(nn.Module):
    """rgb (B, 3, H, W) in [0, 1], H and W multiples of 4 -> luma noise std (B,)."""

    def __init__(self, width: int = 32, low_width: int = 48) -> None:
        super().__init__()
        w, lw = width, low_width
        self.head = nn.Conv2d(24, w, 3, 1, 1)
        kernel = torch.tensor([[1.0, -2.0, 1.0], [-2.0, 4.0, -2.0], [1.0, -2.0, 1.0]]) / 6.0
        self.register_buffer("residual_kernel", kernel.expand(3, 1, 3, 3).clone())
        self.mid = nn.Conv2d(w, w, 3, 1, 1)
        self.down = nn.Conv2d(w, lw, 3, 2, 1)
        self.low1 = nn.Conv2d(lw, lw, 3, 1, 1)
        self.low2 = nn.Conv2d(lw, lw, 3, 1, 1)
        self.out = nn.Conv2d(lw, 2, 1)  # log level, weight logit
        # Start near a typical level (about 2/255) with even weights.
        nn.init.zeros_(self.out.weight)
        nn.init.constant_(self.out.bias, 0.0)
        with torch.no_grad():
            self.out.bias[0] = LOG_START

    def forward(self, rgb: torch.Tensor) -> torch.Tensor:
        # The Immerkaer residual (flat areas: the noise, unit gain) beside the pixels: noise
        # is a few thousandths of the signal, too small for the first layer to find alone.
        res = F.conv2d(F.pad(rgb, (1, 1, 1, 1), mode="reflect"), self.residual_kernel, groups=3)
        x = torch.cat(
            [F.pixel_unshuffle(rgb - 0.5, 2), F.pixel_unshuffle(res * RESIDUAL_SCALE, 2)], 1
        )
        f = _act(self.mid(_act(self.head(x))))
        d = _act(self.down(f))
        d = d + _act(self.low1(d))
        d = d + _act(self.low2(d))
        level, logit = self.out(d).unbind(1)
        weight = torch.softmax(logit.flatten(1), dim=1)
        log_sigma = (weight * level.flatten(1)).sum(1)
        return torch.exp(torch.clamp(log_sigma, min=LOG_SIGMA_FLOOR))
