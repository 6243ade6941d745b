"""LumosDH: a small net that reads haze on a low-resolution proxy of the photo.

It does not paint the dehazed photo. It predicts what the scattering model
``I = J * t + A * (1 - t)`` needs, the transmission ``t`` (a map) and the
airlight ``A`` (one colour), on a proxy of long side about 384 px; the stage
(:mod:`lumos.stages.dehaze`) refines ``t`` with the guided filter, carries it to
full resolution with the fast guided filter and inverts the model there. So the
full-resolution cost is the one the dark channel prior already had, and tiles
cannot seam: the net never sees a tile.

Design (ideas from AOD-Net, DehazeNet's hand-made haze features and
DRACO-DehazeNet's small-encoder approach; written for this project):

* Input: the RGB proxy plus three haze features a small net cannot easily
  compute itself: ``min(R, G, B)``, its minimum over a 7x7 patch (the dark
  channel of He et al., a min pool is an ONNX MaxPool of the negative) and
  ``max(R, G, B)``. The net learns where the prior holds and where (sky, white
  walls, noise) it does not.
* Pixel unshuffle to half size (nothing thrown away), an encoder to 1/8 with
  residual blocks there, and a global context vector (mean of the 1/8 features)
  added back: haze density and airlight are photo-wide quantities.
* Airlight head: from the global vector (3 sigmoids). Transmission head: a small
  decoder with additive skips back to half size, a sigmoid, and a bilinear
  upsampling to the proxy size (``t`` is smooth away from depth edges, and the
  guided filter restores those edges from the luma).

Inputs must be multiples of :data:`ALIGN` on each side (the inference module pads).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["ALIGN", "DARK_PATCH", "T_FLOOR", "LumosDH", "invert"]

ALIGN = 8
"""Pixel unshuffle (2) times two stride-2 levels (4)."""
DARK_PATCH = 7
"""Side of the min-pool window of the dark-channel input feature (proxy pixels)."""
T_FLOOR = 0.05
"""Lowest transmission the head can say (sigmoid scaled into [T_FLOOR, 1])."""


def _act(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.1)


def haze_features(rgb: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) in [0, 1] -> (B, 6, H, W): centred RGB, min, dark channel, max."""
    lo = rgb.min(dim=1, keepdim=True).values
    hi = rgb.max(dim=1, keepdim=True).values
    dark = -F.max_pool2d(-lo, DARK_PATCH, stride=1, padding=DARK_PATCH // 2)
    return torch.cat([rgb - 0.5, lo, dark, hi], 1)


class _Res(nn.Module):
    def __init__(self, ch: int) -> None:
        super().__init__()
        self.a = nn.Conv2d(ch, ch, 3, 1, 1)
        self.b = nn.Conv2d(ch, ch, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.b(_act(self.a(x)))


class LumosDH(nn.Module):
    """rgb (B, 3, H, W) in [0, 1] -> (t (B, 1, H, W), airlight (B, 3)); H, W multiples of 8."""

    def __init__(self, width: int = 24, mid: int = 40, low: int = 64, blocks: int = 2) -> None:
        super().__init__()
        self.head = nn.Conv2d(6 * 4, width, 3, 1, 1)
        self.enc1 = nn.Conv2d(width, width, 3, 1, 1)
        self.down2 = nn.Conv2d(width, mid, 3, 2, 1)
        self.enc2 = nn.Conv2d(mid, mid, 3, 1, 1)
        self.down3 = nn.Conv2d(mid, low, 3, 2, 1)
        self.low = nn.Sequential(*(_Res(low) for _ in range(blocks)))
        self.context = nn.Conv2d(low, low, 1)
        self.air = nn.Sequential(nn.Conv2d(low, 32, 1), nn.LeakyReLU(0.1), nn.Conv2d(32, 3, 1))
        self.up3 = nn.Conv2d(low, mid, 1)
        self.dec2 = nn.Conv2d(mid, mid, 3, 1, 1)
        self.up2 = nn.Conv2d(mid, width, 1)
        self.dec1 = nn.Conv2d(width, width, 3, 1, 1)
        self.tail = nn.Conv2d(width, 1, 3, 1, 1)
        # Start near "no haze" (t high) and a light-grey airlight: a safe first guess.
        nn.init.normal_(self.tail.weight, std=1e-3)
        nn.init.constant_(self.tail.bias, 1.5)
        nn.init.constant_(self.air[2].bias, 1.5)

    def forward(self, rgb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = F.pixel_unshuffle(haze_features(rgb), 2)
        f1 = _act(self.enc1(_act(self.head(x))))
        f2 = _act(self.enc2(_act(self.down2(f1))))
        f3 = self.low(_act(self.down3(f2)))
        g = f3.mean(dim=(2, 3), keepdim=True)
        f3 = _act(f3 + self.context(g))
        airlight = torch.sigmoid(self.air(g)).flatten(1)
        u2 = F.interpolate(self.up3(f3), scale_factor=2.0, mode="bilinear", align_corners=False)
        d2 = _act(self.dec2(_act(u2 + f2)))
        u1 = F.interpolate(self.up2(d2), scale_factor=2.0, mode="bilinear", align_corners=False)
        d1 = _act(self.dec1(_act(u1 + f1)))
        t = T_FLOOR + (1.0 - T_FLOOR) * torch.sigmoid(self.tail(d1))
        t = F.interpolate(t, scale_factor=2.0, mode="bilinear", align_corners=False)
        return t, airlight


def invert(
    rgb: torch.Tensor, t: torch.Tensor, airlight: torch.Tensor, t_min: float
) -> torch.Tensor:
    """``J = (I - A) / max(t, t_min) + A`` (airlight (B, 3) broadcast over the pixels)."""
    a = airlight[:, :, None, None]
    return (rgb - a) / t.clamp(min=t_min) + a
