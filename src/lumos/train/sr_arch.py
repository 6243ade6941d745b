"""LumosSR: a small super-resolution net that works at the input resolution.

All convolutions run on the low-resolution grid (a 3 MP photo is 3 M positions
whatever the scale); only the last layer makes ``3 * scale**2`` channels that a
pixel shuffle turns into the enlarged image. The net predicts a *residual* on
top of a bicubic enlargement computed outside it (``cv2.resize(INTER_CUBIC)``,
the same call at training and at run time), so it only has to learn what
bicubic gets wrong: lost edges, and - with noise - the grain bicubic would
enlarge.

Like FFDNet, the input has a fourth channel: the noise level (standard
deviation, in [0, 1] units) of the low-resolution input, per pixel. Raising it
asks for a smoother result, zero asks for plain super-resolution; that is how
``--denoise`` steers the net at run time. One shared body serves both scales;
each scale has its own last layer (``tails["x2"]``, ``tails["x4"]``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["SIGMA_SCALE", "LumosSR", "LumosSRScale"]

SIGMA_SCALE = 10.0
"""The noise map is multiplied by this inside the net (sigma ~0.01..0.1 -> ~0.1..1)."""


class LumosSR(nn.Module):
    """(lr (B,3,h,w), sigma (B,1,h,w), scale) -> residual (B,3,h*scale,w*scale)."""

    def __init__(self, width: int = 32, depth: int = 4, scales: tuple[int, ...] = (2, 4)) -> None:
        super().__init__()
        self.head = nn.Conv2d(4, width, 3, 1, 1)
        self.body = nn.ModuleList(nn.Conv2d(width, width, 3, 1, 1) for _ in range(depth))
        self.tails = nn.ModuleDict({f"x{s}": nn.Conv2d(width, 3 * s * s, 3, 1, 1) for s in scales})
        for tail in self.tails.values():
            nn.init.normal_(tail.weight, std=1e-3)
            nn.init.zeros_(tail.bias)

    def forward(self, lr: torch.Tensor, sigma: torch.Tensor, scale: int) -> torch.Tensor:
        x = torch.cat([lr - 0.5, sigma * SIGMA_SCALE], dim=1)
        feat = F.leaky_relu(self.head(x), 0.1)
        y = feat
        for conv in self.body:
            y = F.leaky_relu(conv(y), 0.1)
        y = y + feat  # long skip: the body refines the first features
        return F.pixel_shuffle(self.tails[f"x{scale}"](y), scale)

    @property
    def halo(self) -> int:
        """Receptive-field radius in low-resolution pixels."""
        return 2 + len(self.body)


class LumosSRScale(nn.Module):
    """One scale of :class:`LumosSR` as a two-input module (for ONNX export)."""

    def __init__(self, net: LumosSR, scale: int) -> None:
        super().__init__()
        self.net = net
        self.scale = scale

    def forward(self, lr: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        return self.net(lr, sigma, self.scale)
