"""MIRNet as laid out by ``dblasko/low-light-event-img-enhancer`` (``model/MIRNet/``).

A re-implementation written from that project's architecture so that its
published checkpoints load with ``strict=True``: module names, nesting and
tensor shapes follow its state dict exactly (see ``tests/seeds`` for the
reference list). Defaults are those of its inference script: 64 features,
3 residual recurrent groups of 2 multi-scale residual blocks, 3 scales
(1, 1/2, 1/4), 2 dual-attention units per scale, no conv biases.

Two quirks of the original are kept because the checkpoints depend on them:

* the two dual-attention units of one scale are *the same module* (listed
  twice), so the state dict holds identical copies under ``.0`` and ``.1``;
* the blur-pool filters of the downsampling blocks are persistent buffers
  (``...filt``) and are part of the state dict.

Importing this module imports torch; :mod:`lumos.models.seeds` does so only
after checking that torch is installed.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["MIRNet"]


class ChannelAttention(nn.Module):
    """Squeeze-and-excitation: global mean -> 1x1 conv -> PReLU -> 1x1 conv -> sigmoid."""

    def __init__(self, channels: int, reduction: int = 8, bias: bool = False) -> None:
        super().__init__()
        self.excitation = nn.Sequential(
            nn.Conv2d(channels, channels // reduction, 1, bias=bias),
            nn.PReLU(),
            nn.Conv2d(channels // reduction, channels, 1, bias=bias),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.excitation(x.mean(dim=(2, 3), keepdim=True))


class SpatialAttention(nn.Module):
    """Per-pixel gate from the channel max and mean (5x5 conv with bias)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 1, 5, padding=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = torch.cat([x.amax(dim=1, keepdim=True), x.mean(dim=1, keepdim=True)], dim=1)
        return x * torch.sigmoid(self.conv(pooled))


class DualAttentionUnit(nn.Module):
    """conv-PReLU-conv, then spatial and channel attention fused by a 1x1 conv, plus skip."""

    def __init__(self, channels: int, bias: bool = False) -> None:
        super().__init__()
        self.initial_convs = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1, bias=bias),
            nn.PReLU(),
            nn.Conv2d(channels, channels, 3, padding=1, bias=bias),
        )
        self.channel_attention = ChannelAttention(channels, 8, bias)
        self.spatial_attention = SpatialAttention()
        self.final_conv = nn.Conv2d(2 * channels, channels, 1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.initial_convs(x)
        att = torch.cat([self.spatial_attention(f), self.channel_attention(f)], dim=1)
        return x + self.final_conv(att)


class BlurPool(nn.Module):
    """Anti-aliased stride-2 downsampling: reflect pad 1, depthwise [1 2 1]^2 / 16 filter."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        a = torch.tensor([1.0, 2.0, 1.0])
        k = a[:, None] * a[None, :]
        self.register_buffer("filt", (k / k.sum())[None, None].repeat(channels, 1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(
            F.pad(x, (1, 1, 1, 1), mode="reflect"), self.filt, stride=2, groups=x.shape[1]
        )


class DownBlock(nn.Module):
    """Halve the size, double the channels (two branches, summed)."""

    def __init__(self, c: int, bias: bool = False) -> None:
        super().__init__()
        self.branch1 = nn.Sequential(
            nn.Conv2d(c, c, 1, bias=bias),
            nn.PReLU(),
            nn.Conv2d(c, c, 3, padding=1, bias=bias),
            nn.PReLU(),
            BlurPool(c),
            nn.Conv2d(c, 2 * c, 1, bias=bias),
        )
        self.branch2 = nn.Sequential(BlurPool(c), nn.Conv2d(c, 2 * c, 1, bias=bias))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.branch1(x) + self.branch2(x)


class UpBlock(nn.Module):
    """Double the size (bilinear, align_corners=False), halve the channels."""

    def __init__(self, c: int, bias: bool = False) -> None:
        super().__init__()
        up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.branch1 = nn.Sequential(
            nn.Conv2d(c, c, 1, bias=bias),
            nn.PReLU(),
            nn.Conv2d(c, c, 3, padding=1, bias=bias),
            nn.PReLU(),
            up,
            nn.Conv2d(c, c // 2, 1, bias=bias),
        )
        self.branch2 = nn.Sequential(up, nn.Conv2d(c, c // 2, 1, bias=bias))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.branch1(x) + self.branch2(x)


class Resample(nn.Module):
    """``log2(factor)`` down or up blocks in a row (the original's Down/UpsamplingModule)."""

    def __init__(self, channels: int, factor: int, *, down: bool) -> None:
        super().__init__()
        blocks = []
        for _ in range(int(math.log2(factor))):
            blocks.append(DownBlock(channels) if down else UpBlock(channels))
            channels = channels * 2 if down else channels // 2
        self.blocks = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x)


class SKFF(nn.Module):
    """Selective kernel feature fusion of three same-shape streams (softmax over streams)."""

    def __init__(self, channels: int, streams: int = 3, bias: bool = False) -> None:
        super().__init__()
        d = max(int(channels / streams), 4)
        self.convolution = nn.Sequential(nn.Conv2d(channels, d, 1, bias=bias), nn.PReLU())
        self.attention_convs = nn.ModuleList(
            [nn.Conv2d(d, channels, 1, bias=bias) for _ in range(3)]
        )

    def forward(self, xs: list[torch.Tensor]) -> torch.Tensor:
        stack = torch.stack(xs, dim=1)  # (b, 3, c, h, w)
        z = self.convolution(stack.sum(dim=1).mean(dim=(2, 3), keepdim=True))
        att = torch.stack([conv(z) for conv in self.attention_convs], dim=1).softmax(dim=1)
        return (stack * att).sum(dim=1)


class MSRB(nn.Module):
    """Multi-scale residual block: 3 streams (1, 1/2, 1/4) exchanging through SKFF."""

    def __init__(self, c: int, height: int = 3, width: int = 2) -> None:
        super().__init__()
        self.height, self.width = height, width
        chans = [c * 2**i for i in range(height)]
        # The same unit listed ``width`` times: shared weights (see the module docstring).
        self.dual_attention_units = nn.ModuleList(
            [nn.ModuleList([DualAttentionUnit(ch)] * width) for ch in chans]
        )
        self.last_up = nn.ModuleDict(
            {f"{i}": Resample(chans[i], 2**i, down=False) for i in range(1, height)}
        )
        scales = [2**i for i in range(height - 1, 0, -1)]  # e.g. [4, 2]
        self.down = nn.ModuleDict()
        for i, ch in enumerate(chans):
            for s in scales[i:]:
                self.down[f"{ch}_{s}"] = Resample(ch, s, down=True)
        self.up = nn.ModuleDict()
        for i, ch in enumerate(reversed(chans)):
            for s in scales[i:]:
                self.up[f"{ch}_{s}"] = Resample(ch, s, down=False)
        self.out_conv = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.skff_blocks = nn.ModuleList([SKFF(ch, height) for ch in chans])

    def _resample(self, t: torch.Tensor, j: int, k: int) -> torch.Tensor:
        """Stream ``k`` brought to the scale of stream ``j``."""
        if j == k:
            return t
        key = f"{t.shape[1]}_{2 ** abs(j - k)}"
        return self.up[key](t) if j < k else self.down[key](t)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = []
        inp = x
        for j in range(self.height):
            if j > 0:
                inp = self.down[f"{inp.shape[1]}_2"](inp)
            inp = self.dual_attention_units[j][0](inp)
            out.append(inp)
        for i in range(1, self.width):
            fused = [
                self.skff_blocks[j]([self._resample(out[k], j, k) for k in range(self.height)])
                for j in range(self.height)
            ]
            out = [self.dual_attention_units[j][i](fused[j]) for j in range(self.height)]
        ups = [out[0]] + [self.last_up[f"{k}"](out[k]) for k in range(1, self.height)]
        return x + self.out_conv(self.skff_blocks[0](ups))


class RRG(nn.Module):
    """Residual recurrent group: MSRBs then a 3x3 conv, with a skip."""

    def __init__(self, c: int, n_msrb: int = 2) -> None:
        super().__init__()
        blocks: list[nn.Module] = [MSRB(c) for _ in range(n_msrb)]
        blocks.append(nn.Conv2d(c, c, 3, padding=1, bias=False))
        self.blocks = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.blocks(x)


class MIRNet(nn.Module):
    """The whole network: conv -> RRGs -> conv, added to the input (a residual)."""

    def __init__(self, num_features: int = 64, number_msrb: int = 2, number_rrg: int = 3) -> None:
        super().__init__()
        self.conv_start = nn.Conv2d(3, num_features, 3, padding=1, bias=False)
        self.msrb_blocks = nn.Sequential(
            *[RRG(num_features, number_msrb) for _ in range(number_rrg)]
        )
        self.conv_end = nn.Conv2d(num_features, 3, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_end(self.msrb_blocks(self.conv_start(x)))
