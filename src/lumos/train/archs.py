"""LumosNet's network: the brightening decided at low resolution, applied at full resolution.

``GlobalNet`` runs once, on a small proxy of the whole photo (1/4 size, long
side 128-160, the scale it trains at), and predicts, per cell of a coarse grid,
an affine map from the photo's own luminance to a per-channel log-gain:
``log g_c(x) = A_c(x) * Y(x) + B_c(x)``, and optionally an offset ``D_c(x)``
added after the gain (``offsets=True``). A, B and D are smooth and upsampled
bilinearly; Y is taken at full resolution, so the gain follows the photo's
edges (no halo around lamps) while the decision of how much to brighten where
is made with whole-scene context (the Retinex view: output = input x a
correction of the illumination; a bilateral-grid-like affine model as in HDRNet
and IAT). A per-channel gain also corrects a colour cast.

Why only this part is learned: on LOL a fixed tone curve with the *right*
target brightness already scores 23.5 dB on the training scenes, against
19.4 dB with one fixed target - how bright and what colour a scene should
become is what a curve gets wrong and what the network learns from whole
scenes. Denoising then runs at full resolution with the project's noise-aware
filters, which know exactly how much each pixel was amplified (the gain).

Why an offset: a gain cannot lift what the camera crushed to black. In LOL the
references' shadows sit above ours even on the training scenes (a per-channel
fit ``ref = a * ours + d`` gives d = 0.03 / 0.01 / 0.03 there, 0.05 / 0.02 /
0.03 on the held-out ones, and that fit would be worth 1.2 dB on them), so the
network may add a small, smooth, per-channel amount of light (|D| <= OFFSET_MAX)
where the scene needs it. It does not amplify noise, so the denoiser's noise
map (input noise x gain) is unchanged.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["GUIDE_EPS", "OFFSET_MAX", "GlobalNet", "apply_gain", "log_guide", "luma"]

LOG_GAIN_MIN, LOG_GAIN_MAX = -1.0, 5.0
OFFSET_MAX = 0.2
"""Bound of the additive offset, ``D = OFFSET_MAX * tanh(raw)``: it lifts shadows, never fogs."""


def luma(x: torch.Tensor) -> torch.Tensor:
    """Rec.709 luma of a (B, 3, H, W) tensor, shape (B, 1, H, W)."""
    w = torch.tensor([0.2126, 0.7152, 0.0722], dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    return (x * w).sum(dim=1, keepdim=True)


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    # Reflect padding: zero padding reads as a black frame around every photo,
    # and the first version learned a bright rim along the borders to make up for it.
    conv = nn.Conv2d(cin, cout, 3, stride, 1, padding_mode="reflect")
    return nn.Sequential(conv, nn.LeakyReLU(0.1, inplace=True))


class GlobalNet(nn.Module):
    """Proxy image (B, 3, h, w) -> coefficient maps (B, 6 or 9, h/2, w/2): A_rgb, B_rgb[, D_rgb]."""

    def __init__(self, width: int = 32, *, offsets: bool = False) -> None:
        super().__init__()
        w = width
        self.offsets = offsets
        self.stem = _conv(3, w // 2)
        self.down1 = _conv(w // 2, w, 2)
        self.down2 = _conv(w, w * 3 // 2, 2)
        self.down3 = _conv(w * 3 // 2, w * 2, 2)
        self.context = nn.Sequential(nn.Linear(w * 2, w * 2), nn.LeakyReLU(0.1, inplace=True))
        self.up2 = _conv(w * 2 + w * 3 // 2, w * 3 // 2)
        self.up1 = _conv(w * 3 // 2 + w, w)
        self.head = nn.Conv2d(w, 9 if offsets else 6, 3, 1, 1, padding_mode="reflect")
        # Start near "gain = 4 everywhere, no offset": a sensible dark-photo
        # default that the network then learns to vary.
        nn.init.zeros_(self.head.weight)
        with torch.no_grad():
            self.head.bias.zero_()
            self.head.bias[3:6] = 1.4

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
        out = self.head(u1)
        if self.offsets:
            out = torch.cat([out[:, :6], OFFSET_MAX * torch.tanh(out[:, 6:])], dim=1)
        return out

    def load_without_offsets(self, state: dict[str, torch.Tensor]) -> None:
        """Start from a net trained without offsets: same function, offsets at zero."""
        state = dict(state)
        for key in ("head.weight", "head.bias"):
            own = self.state_dict()[key].clone()
            own[: state[key].shape[0]] = state[key]
            state[key] = own
        self.load_state_dict(state)


GUIDE_EPS = 0.01
"""Offset of the log-luminance guide: the darkest, noisiest pixels do not steer their gain."""


def log_guide(image: torch.Tensor) -> torch.Tensor:
    """The guide the affine maps act on: ``log(Y + GUIDE_EPS)``, shape (B, 1, H, W).

    In log luminance an affine map *is* a tone curve: ``log g = A log Y + B``
    means ``out = e^B * Y^(1 + A)``, a gamma curve whose strength (A) and
    exposure (B) vary smoothly over the photo. Linear Y would leave a dark
    photo (Y < 0.2) almost no room to shape its tones.
    """
    return torch.log(luma(image) + GUIDE_EPS)


def apply_gain(image: torch.Tensor, coeffs_full: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Brighten ``image`` with full-resolution coefficients; returns (brightened, gain).

    ``coeffs_full`` is (B, 6 or 9, H, W): A_rgb, B_rgb and the offsets D_rgb
    if the net has them, already upsampled.
    """
    log_gain = coeffs_full[:, :3] * log_guide(image) + coeffs_full[:, 3:6]
    gain = torch.exp(torch.clamp(log_gain, LOG_GAIN_MIN, LOG_GAIN_MAX))
    out = image * gain
    if coeffs_full.shape[1] > 6:
        out = out + coeffs_full[:, 6:9]
    return torch.clamp(out, 0.0, 1.0), gain
