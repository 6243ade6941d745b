"""LumosNet: most of the work at low resolution, a light full-resolution refine.

Two networks, run at two resolutions, so that a 12 MP photo costs little more
than its pixels:

``GlobalNet`` (runs once, on a small proxy of the whole photo)
    predicts, per cell of a coarse grid, an affine map from the photo's own
    luminance to a per-channel log-gain: ``log g_c(x) = A_c(x) * Y(x) + B_c(x)``.
    A and B are smooth and upsampled bilinearly; Y is taken at full resolution,
    so the gain follows the photo's edges (no halo around lamps) while the
    decision of how much to brighten where is made with whole-scene context
    (the Retinex view: output = input x correction of the illumination). A
    per-channel gain also corrects a colour cast.

``LocalNet`` (runs on full-resolution tiles)
    denoises and refines the brightened image. Like FFDNet it works at half
    resolution on a pixel-unshuffled image (4x fewer positions, a wider
    receptive field for the same cost) and takes a noise-level map as input:
    the measured noise of the dark photo times the local gain. Scaling that
    map is how ``--denoise`` steers it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["GlobalNet", "LocalNet", "LumosNet", "apply_gain", "luma"]

LOG_GAIN_MIN, LOG_GAIN_MAX = -1.0, 5.0


def luma(x: torch.Tensor) -> torch.Tensor:
    """Rec.709 luma of a (B, 3, H, W) tensor, shape (B, 1, H, W)."""
    w = torch.tensor([0.2126, 0.7152, 0.0722], dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    return (x * w).sum(dim=1, keepdim=True)


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.LeakyReLU(0.1, inplace=True))


class GlobalNet(nn.Module):
    """Proxy image (B, 3, h, w) -> coefficient maps (B, 6, h/2, w/2): A_rgb, B_rgb."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        w = width
        self.stem = _conv(3, w // 2)
        self.down1 = _conv(w // 2, w, 2)
        self.down2 = _conv(w, w * 3 // 2, 2)
        self.down3 = _conv(w * 3 // 2, w * 2, 2)
        self.context = nn.Sequential(nn.Linear(w * 2, w * 2), nn.LeakyReLU(0.1, inplace=True))
        self.up2 = _conv(w * 2 + w * 3 // 2, w * 3 // 2)
        self.up1 = _conv(w * 3 // 2 + w, w)
        self.head = nn.Conv2d(w, 6, 3, 1, 1)
        # Start near "gain = 4 everywhere": a sensible dark-photo default that
        # the network then learns to vary.
        nn.init.zeros_(self.head.weight)
        with torch.no_grad():
            self.head.bias.copy_(torch.tensor([0.0, 0.0, 0.0, 1.4, 1.4, 1.4]))

    def forward(self, proxy: torch.Tensor) -> torch.Tensor:
        s = self.stem(proxy)
        d1 = self.down1(s)
        d2 = self.down2(d1)
        d3 = self.down3(d2)
        ctx = self.context(d3.mean(dim=(2, 3)))[:, :, None, None]
        d3 = d3 + ctx  # whole-scene context: how dark is the photo overall
        u2 = F.interpolate(d3, size=d2.shape[2:], mode="bilinear", align_corners=False)
        u2 = self.up2(torch.cat([u2, d2], dim=1))
        u1 = F.interpolate(u2, size=d1.shape[2:], mode="bilinear", align_corners=False)
        u1 = self.up1(torch.cat([u1, d1], dim=1))
        return self.head(u1)


def apply_gain(image: torch.Tensor, coeffs_full: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Brighten ``image`` with full-resolution coefficients; returns (brightened, gain).

    ``coeffs_full`` is (B, 6, H, W): A_rgb then B_rgb, already upsampled.
    """
    guide = luma(image)
    log_gain = coeffs_full[:, :3] * guide + coeffs_full[:, 3:]
    gain = torch.exp(torch.clamp(log_gain, LOG_GAIN_MIN, LOG_GAIN_MAX))
    return torch.clamp(image * gain, 0.0, 1.0), gain


class LocalNet(nn.Module):
    """(brightened (B,3,H,W), sigma map (B,1,H,W)) -> refined (B,3,H,W); H, W even."""

    def __init__(self, width: int = 32, depth: int = 4) -> None:
        super().__init__()
        layers: list[nn.Module] = [_conv(16, width)]
        layers += [_conv(width, width) for _ in range(depth)]
        self.body = nn.Sequential(*layers)
        self.tail = nn.Conv2d(width, 12, 3, 1, 1)
        nn.init.zeros_(self.tail.weight)
        nn.init.zeros_(self.tail.bias)

    def forward(self, bright: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        x = torch.cat([bright, sigma], dim=1)
        x = F.pixel_unshuffle(x, 2)
        residual = F.pixel_shuffle(self.tail(self.body(x)), 2)
        return torch.clamp(bright + residual, 0.0, 1.0)

    @property
    def halo(self) -> int:
        """Receptive-field radius in full-resolution pixels (for tiling)."""
        convs = sum(1 for m in self.modules() if isinstance(m, nn.Conv2d))
        return 2 * convs


class LumosNet(nn.Module):
    """Both networks, end to end, for training on patches.

    ``forward(dark, proxy, sigma_dark)`` returns (refined, brightened, gain);
    ``sigma_dark`` is the measured noise of the dark input, shape (B,).
    """

    def __init__(self, global_width: int = 32, local_width: int = 32, local_depth: int = 4) -> None:
        super().__init__()
        self.global_net = GlobalNet(global_width)
        self.local_net = LocalNet(local_width, local_depth)

    def forward(
        self, dark: torch.Tensor, proxy: torch.Tensor, sigma_dark: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        coeffs = self.global_net(proxy)
        coeffs = F.interpolate(coeffs, size=dark.shape[2:], mode="bilinear", align_corners=False)
        bright, gain = apply_gain(dark, coeffs)
        sigma_map = gain.mean(dim=1, keepdim=True) * sigma_dark.view(-1, 1, 1, 1)
        refined = self.local_net(bright, sigma_map)
        return refined, bright, gain
