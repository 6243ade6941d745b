"""ALEN's networks as laid out by ``xingyumex/ALEN`` (``Networks/``).

Re-implemented from that repository's architecture so that its published
state dicts (``Models/CLASSIFICATION.pt``, ``LOCAL.pt``, ``GLOBAL.pt``,
``COLOR.pt``) load with ``strict=True``:

* :class:`SLCFormer` - a small Swin-style classifier (uniform = 0 / uneven = 1)
  on a 224 x 224, ImageNet-normalised copy of the photo;
* :class:`ScNet` - the luminance network on the HSV value channel (LOCAL.pt,
  and inside GLOBAL.pt as ``scNet``);
* :class:`McNet` - three per-channel :class:`CoreNet` s and a 3x3 fusion conv
  (COLOR.pt, and inside GLOBAL.pt as ``mcNet``);
* :class:`GlobalEnhancement` - V -> ScNet, averaged with V, back to RGB, McNet.

Quirks kept for the checkpoints: the shifted-window masks of SLCFormer are
(frozen) parameters, so they are in the state dict; CoreNet reuses ``conv1``
and ``conv3`` twice in its forward pass. The enhancement networks are fully
convolutional without global pooling, so tiled runs with a halo reproduce a
whole-frame run exactly.

Importing this module imports torch; :mod:`lumos.models.seeds` does so only
after checking that torch is installed.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["GlobalEnhancement", "McNet", "SLCFormer", "ScNet", "hsv_value_scale"]


class ScNet(nn.Module):
    """Value-channel network: 4 3x3 convs up to 256 channels, 1x1 convs with skips back down."""

    HALO = 4

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.conv3 = nn.Conv2d(64, 128, 3, padding=1)
        self.conv4 = nn.Conv2d(128, 256, 3, padding=1)
        self.conv5 = nn.Conv2d(256, 128, 1)
        self.conv6 = nn.Conv2d(256, 64, 1)
        self.conv7 = nn.Conv2d(128, 32, 1)
        self.conv8 = nn.Conv2d(64, 1, 1)

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        x1 = F.relu(self.conv1(v))
        x2 = F.relu(self.conv2(x1))
        x3 = F.relu(self.conv3(x2))
        x5 = F.relu(self.conv5(F.relu(self.conv4(x3))))
        x7 = F.relu(self.conv6(torch.cat([x3, x5], 1)))
        x9 = F.relu(self.conv7(torch.cat([x2, x7], 1)))
        return F.relu(self.conv8(torch.cat([x1, x9], 1)))


class _Align(nn.Module):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class CoreNet(nn.Module):
    """One colour channel's network (nine 3x3 convs deep; conv1 and conv3 run twice)."""

    def __init__(self) -> None:
        super().__init__()
        self.initial = nn.Conv2d(1, 32, 3, padding=1)
        self.conv1 = nn.Conv2d(32, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.conv3 = nn.Conv2d(64, 64, 3, padding=1)
        self.conv4 = nn.Conv2d(64, 128, 3, padding=1)
        self.conv5 = nn.Conv2d(128, 64, 3, padding=1)
        self.conv6 = nn.Conv2d(64, 32, 3, padding=1)
        self.final = nn.Conv2d(32, 1, 1)
        self.adjust1 = _Align(32, 64)
        self.adjust2 = _Align(64, 128)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = F.relu(self.conv1(self.initial(x)))
        x2 = F.relu(self.conv2(x1))
        x3 = F.relu(self.conv3(x2 + self.adjust1(x1)))
        x4 = F.relu(self.conv4(x3))
        x5 = F.relu(self.conv5(x4 + self.adjust2(x3)))
        x6 = F.relu(self.conv3(x5))
        x7 = F.relu(self.conv6(x6 + x5))
        x8 = F.relu(self.conv1(x7))
        return self.final(x8 + x7)


class McNet(nn.Module):
    """Per-channel colour network: R, G, B each through a CoreNet, fused by a 3x3 conv."""

    HALO = 10

    def __init__(self) -> None:
        super().__init__()
        self.channel1 = CoreNet()
        self.channel2 = CoreNet()
        self.channel3 = CoreNet()
        self.final_conv = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, rgb: torch.Tensor) -> torch.Tensor:
        parts = [
            self.channel1(rgb[:, 0:1]),
            self.channel2(rgb[:, 1:2]),
            self.channel3(rgb[:, 2:3]),
        ]
        return torch.sigmoid(self.final_conv(torch.cat(parts, 1)))


def hsv_value_scale(rgb: torch.Tensor, new_v: torch.Tensor) -> torch.Tensor:
    """RGB with its HSV value replaced by ``new_v`` (hue and saturation kept).

    HSV -> RGB is linear in V for fixed H and S, so this is ``rgb * new_v / v``;
    a black pixel (V = 0, S = 0) becomes grey ``new_v``, as in the original.
    """
    v = rgb.amax(dim=1, keepdim=True)
    ratio = torch.where(v > 0, new_v / v.clamp_min(1e-12), torch.zeros_like(v))
    return torch.where(v > 0, rgb * ratio, new_v.expand_as(rgb))


class GlobalEnhancement(nn.Module):
    """Uniform-light branch: V' = (ScNet(V) + V) / 2 with H, S kept, then McNet."""

    HALO = ScNet.HALO + McNet.HALO

    def __init__(self) -> None:
        super().__init__()
        self.scNet = ScNet()
        self.mcNet = McNet()

    def forward(self, rgb: torch.Tensor) -> torch.Tensor:
        """Takes RGB (the original takes HSV and converts back; the result is the same)."""
        v = rgb.amax(dim=1, keepdim=True)
        v_new = (self.scNet(v) + v) / 2
        return self.mcNet(hsv_value_scale(rgb, v_new))


# --- SLCFormer --------------------------------------------------------------


def _window_mask(window: int, shift: int, *, rows: bool) -> torch.Tensor:
    """-inf between window positions that came from opposite sides of a cyclic shift."""
    n = window * window
    mask = torch.zeros(n, n)
    inf = float("-inf")
    if rows:
        mask[-shift * window :, : -shift * window] = inf
        mask[: -shift * window, -shift * window :] = inf
    else:
        m = mask.view(window, window, window, window)
        m[:, -shift:, :, :-shift] = inf
        m[:, :-shift, :, -shift:] = inf
    return mask


class WindowMSA(nn.Module):
    """Windowed multi-head self-attention with a learned relative position bias."""

    def __init__(self, dim: int, heads: int, head_dim: int, shifted: bool, window: int) -> None:
        super().__init__()
        inner = heads * head_dim
        self.heads, self.window, self.shifted = heads, window, shifted
        self.scale = head_dim**-0.5
        self.shift = window // 2
        if shifted:
            self.upper_lower_mask = nn.Parameter(
                _window_mask(window, self.shift, rows=True), requires_grad=False
            )
            self.left_right_mask = nn.Parameter(
                _window_mask(window, self.shift, rows=False), requires_grad=False
            )
        self.to_qkv = nn.Linear(dim, 3 * inner, bias=False)
        pos = torch.stack(
            torch.meshgrid(torch.arange(window), torch.arange(window), indexing="ij"), -1
        ).reshape(-1, 2)
        self.register_buffer(
            "rel", pos[None, :, :] - pos[:, None, :] + window - 1, persistent=False
        )
        self.pos_embedding = nn.Parameter(torch.randn(2 * window - 1, 2 * window - 1))
        self.to_out = nn.Linear(inner, dim)

    def _split(self, t: torch.Tensor, nh: int, nw: int) -> torch.Tensor:
        b, w, h = t.shape[0], self.window, self.heads
        t = t.reshape(b, nh, w, nw, w, h, -1)  # b (nh wh) (nw ww) (h d)
        return t.permute(0, 5, 1, 3, 2, 4, 6).reshape(b, h, nh * nw, w * w, -1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.shifted:
            x = torch.roll(x, shifts=(-self.shift, -self.shift), dims=(1, 2))
        b, rows, cols, _ = x.shape
        nh, nw = rows // self.window, cols // self.window
        q, k, v = (self._split(t, nh, nw) for t in self.to_qkv(x).chunk(3, dim=-1))
        dots = q @ k.transpose(-1, -2) * self.scale
        dots = dots + self.pos_embedding[self.rel[..., 0], self.rel[..., 1]]
        if self.shifted:
            dots[:, :, -nw:] += self.upper_lower_mask
            dots[:, :, nw - 1 :: nw] += self.left_right_mask
        out = dots.softmax(dim=-1) @ v  # b h (nh nw) (wh ww) d
        w = self.window
        out = out.reshape(b, self.heads, nh, nw, w, w, -1).permute(0, 2, 4, 3, 5, 1, 6)
        out = self.to_out(out.reshape(b, rows, cols, -1))
        if self.shifted:
            out = torch.roll(out, shifts=(self.shift, self.shift), dims=(1, 2))
        return out


class SwinBlock(nn.Module):
    """Pre-norm attention and MLP, both with the *same* LayerNorm (as in the original)."""

    def __init__(self, dim: int, heads: int, head_dim: int, shifted: bool, window: int) -> None:
        super().__init__()
        self.LN = nn.LayerNorm(dim)
        self.MSA = WindowMSA(dim, heads, head_dim, shifted, window)
        self.MLP = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.MSA(self.LN(x))
        return x + self.MLP(self.LN(x))


class PatchMerging(nn.Module):
    """Non-overlapping ``f x f`` patches -> linear (channel order of ``nn.Unfold``)."""

    def __init__(self, cin: int, cout: int, factor: int) -> None:
        super().__init__()
        self.factor = factor
        self.linear = nn.Linear(cin * factor * factor, cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # pixel_unshuffle orders channels (c, i, j) exactly as nn.Unfold does.
        return self.linear(F.pixel_unshuffle(x, self.factor).permute(0, 2, 3, 1))


class StageModule(nn.Module):
    """Patch merging then pairs of regular and shifted Swin blocks; returns (N, C, H, W)."""

    def __init__(
        self, cin: int, dim: int, layers: int, factor: int, heads: int, head_dim: int, window: int
    ) -> None:
        super().__init__()
        self.patch_partition = PatchMerging(cin, dim, factor)
        self.layers = nn.ModuleList(
            [
                nn.ModuleList(
                    [
                        SwinBlock(dim, heads, head_dim, False, window),
                        SwinBlock(dim, heads, head_dim, True, window),
                    ]
                )
                for _ in range(layers // 2)
            ]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_partition(x)
        for regular, shifted in self.layers:
            x = shifted(regular(x))
        return x.permute(0, 3, 1, 2)


class SLCFormer(nn.Module):
    """The uniform (0) / uneven (1) light classifier on a 224 x 224 input."""

    def __init__(
        self,
        base: int = 32,
        layers: tuple[int, ...] = (2, 2, 6, 2),
        heads: tuple[int, ...] = (1, 2, 4, 8),
        head_dim: int = 32,
        window: int = 7,
        factors: tuple[int, ...] = (4, 2, 2, 2),
    ) -> None:
        super().__init__()
        dims = [base, 2 * base, 4 * base, 8 * base]
        cins = [3, *dims[:3]]
        self.stage1, self.stage2, self.stage3, self.stage4 = (
            StageModule(cins[i], dims[i], layers[i], factors[i], heads[i], head_dim, window)
            for i in range(4)
        )
        self.finalStage = nn.Sequential(nn.LayerNorm(dims[3]), nn.Linear(dims[3], 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stage4(self.stage3(self.stage2(self.stage1(x))))
        return self.finalStage(x.mean(dim=(2, 3)))
