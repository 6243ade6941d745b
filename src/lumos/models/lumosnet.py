"""LumosNet at inference: a learned brightening decided once, noise-aware finishing per tile.

``prepare`` runs the global network (ONNX Runtime) on a small proxy of the
photo and keeps its coefficient maps: per cell of a coarse grid, an affine map
from the photo's own luminance to a per-channel log-gain (see
:mod:`lumos.train.archs`). ``process_region`` samples those maps at the tile's
full-resolution positions and brightens the tile; the brightened tile then goes
through the same noise-aware denoise and gated sharpening as the classical
pipeline (:func:`lumos.stages.classical.finish_region`), told exactly how much
each pixel was amplified. So ``--denoise`` and ``--detail`` steer it the same
way, and the network's job is the part a fixed curve gets wrong: how bright
and what colour each scene should become. The weights ship in
``lumos/models/weights/lumosnet/`` with their training record; nothing is
downloaded.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from .._color import LUMA as _LUMA
from .._types import FloatImage, Region
from ..analysis import Analysis
from ..enhancer import Plan, TileOutput
from ..errors import ModelError
from ..stages._filters import sample_lowres
from ..stages.classical import auto_strengths, chroma_model, exposure_need, finish_region
from ..stages.denoise import CHROMA_SCALE, LUMA_RADIUS
from ..stages.detail import footprint as detail_footprint
from ._onnx import onnx_session

__all__ = ["WEIGHTS_DIR", "LumosNetEnhancer", "make_proxy"]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights" / "lumosnet"
PROXY_FACTOR = 4
PROXY_MAX_SIDE = 512
LOG_GAIN_MIN, LOG_GAIN_MAX = -1.0, 5.0
GUIDE_EPS = 0.01  # as lumos.train.archs.GUIDE_EPS (the runtime does not import torch)
GUIDE_SIGMA = 0.4
"""Blur of the guide luminance, in proxy pixels (measured on the held-out LOL scenes:
SSIM 0.756 with the raw pixel as guide, 0.773 at 0.4)."""
EXPOSED_FADE = (0.20, 0.30)
"""Mean luma over which auto mode fades the network out (gain 1 above 0.30).
Later than the classical fade because real LOL lows reach 0.21. Measured on
the v1 weights (PSNR): LOL held-out 22.24 / cc15 real noise 30.08 / Kodak24
vs itself 34.98, against 21.33 / 31.41 / 35.04 for (0.13, 0.25) and
22.26 / 25.77 / 27.86 with no fade."""
HIGHLIGHT_FADE = (0.6, 0.95)
"""Brightest-channel values over which the per-channel gains become one neutral gain."""
# The finishing filters' footprint (luma denoise + detail), as in the classical pipeline.
_FINISH_HALO = 2 * (2 * LUMA_RADIUS + detail_footprint()) + 2


def make_proxy(image: np.ndarray) -> np.ndarray:
    """The global network's input (same rule as in training: 1/4 size, long side <= 512)."""
    h, w = image.shape[:2]
    scale = min(1.0 / PROXY_FACTOR, PROXY_MAX_SIDE / max(h, w))
    ph, pw = max(8, round(h * scale)), max(8, round(w * scale))
    return cv2.resize(image, (pw, ph), interpolation=cv2.INTER_AREA)


class LumosNetEnhancer:
    """The learned enhancer (``--model lumosnet``, the default)."""

    name = "lumosnet"
    # Tiles are pointwise work plus OpenCV filters, which already use every core.
    tile_workers = 1

    def __init__(self, weights: Path = WEIGHTS_DIR) -> None:
        self.weights = Path(weights)
        if not (self.weights / "global.onnx").is_file():
            raise ModelError(f"LumosNet weights not found in {self.weights}")

    def prepare(
        self,
        image: FloatImage,
        analysis: Analysis,
        *,
        denoise: float | None,
        detail: float | None,
        brightness: float | None,
    ) -> Plan:
        session = onnx_session(self.weights / "global.onnx", "the LumosNet weights")
        proxy = make_proxy(image)
        coeffs = session.run(None, {"proxy": proxy.transpose(2, 0, 1)[None].copy()})[0][0]
        coeffs = np.ascontiguousarray(coeffs.transpose(1, 2, 0))  # (h2, w2, 6)
        proxy_scale = max(image.shape[0] / proxy.shape[0], image.shape[1] / proxy.shape[1])
        # A well-exposed photo stays as it is: fade the maps toward zero (gain 1)
        # the way the classical target fades, so the network never restyles a
        # good photo. A chosen brightness then only changes its exposure, and
        # choosing the auto value reproduces auto exactly (the web page's sliders
        # always send one).
        coeffs *= np.float32(exposure_need(analysis.mean_luminance, EXPOSED_FADE))
        # The maps' locality is the network's own call (it learned uneven light
        # from synthetic light fields): the light classifier calls most LOL
        # scenes "uniform", yet one global curve there costs 1.6 dB. Only a
        # forced --light uniform flattens the maps into one tone curve.
        light = "learned"
        if analysis.light_forced:
            light = analysis.light
            if light == "uniform":
                coeffs[:] = coeffs.mean(axis=(0, 1))
        predicted = _mean_after_gain(proxy, coeffs)
        if brightness is not None:
            # Shift every log-gain by one constant until the proxy hits the target:
            # a global exposure change on top of the network's local decisions.
            for _ in range(4):
                coeffs[..., 3:] += np.log(brightness / max(predicted, 1e-4)) * 1.2
                predicted = _mean_after_gain(proxy, coeffs)

        # Quarter-resolution copy, brightened exactly as the tiles will be: the
        # chroma denoiser's low-res model and the auto strengths come from it.
        h, w = image.shape[:2]
        size = (max(1, round(w / CHROMA_SCALE)), max(1, round(h / CHROMA_SCALE)))
        low = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        if low.ndim == 2:  # pragma: no cover - a 1-pixel-wide resize drops the channel axis
            low = low.reshape(size[1], size[0], 3)
        lh, lw = low.shape[:2]
        low_maps = sample_lowres(coeffs, (0, lh, 0, lw), (lh, lw))
        bright_low, gain_low = _apply_gain(low, low_maps, GUIDE_SIGMA * proxy_scale / CHROMA_SCALE)
        sigma = float(analysis.noise_sigma)
        auto_dn, auto_dt = auto_strengths(sigma * float(np.median(gain_low @ _LUMA)))
        dn = auto_dn if denoise is None else float(denoise)
        dt = auto_dt if detail is None else float(detail)
        guide_sigma = GUIDE_SIGMA * proxy_scale
        return Plan(
            halo=_FINISH_HALO + int(np.ceil(3 * guide_sigma)),
            denoise=dn,
            detail=dt,
            target_brightness=predicted,
            params={
                "coeffs": coeffs,
                "shape": (h, w),
                "sigma": sigma,
                "guide_sigma": guide_sigma,
                "light": light,
                "locality": 0.0 if light == "uniform" else 1.0,
                "chroma_ab": chroma_model(bright_low, gain_low, sigma, strength=dn),
            },
        )

    def process_region(
        self,
        tile: FloatImage,
        plan: Plan,
        region: Region,
        *,
        keep_intermediates: bool = False,
    ) -> TileOutput:
        maps = sample_lowres(plan.params["coeffs"], region, plan.params["shape"])
        bright, gain = _apply_gain(tile, maps, plan.params["guide_sigma"])
        out, denoised = finish_region(tile, bright, gain, plan, region)
        inter: dict[str, np.ndarray] = {}
        if keep_intermediates:
            inter = {
                "illumination": (1.0 / (gain @ _LUMA)).astype(np.float32),
                "brightened": bright,
                "denoised": np.clip(denoised, 0.0, 1.0),
                "detail": out,
            }
        return TileOutput(image=out, intermediates=inter)


def _mean_after_gain(proxy: np.ndarray, coeffs: np.ndarray) -> float:
    full = sample_lowres(coeffs, (0, proxy.shape[0], 0, proxy.shape[1]), proxy.shape[:2])
    # As in training: the proxy pixel itself is the guide.
    bright, _ = _apply_gain(proxy, full, 0.0)
    return float((bright @ _LUMA).mean())


def _apply_gain(
    image: np.ndarray, maps: np.ndarray, guide_sigma: float
) -> tuple[np.ndarray, np.ndarray]:
    """Brighten with sampled coefficient maps (as :func:`lumos.train.archs.apply_gain`).

    The guide is the log luminance after a Gaussian blur of ``guide_sigma``
    pixels: about the footprint of one proxy pixel, which is what the network
    saw in training. A pixel's own noise then does not modulate its gain, so
    the gain also says how much that pixel's noise was amplified.
    Returns (brightened, per-channel gain).
    """
    y = image @ _LUMA
    if guide_sigma > 0.3:
        y = cv2.GaussianBlur(y, (0, 0), guide_sigma, borderType=cv2.BORDER_REFLECT)
    guide = np.log(y + np.float32(GUIDE_EPS))
    log_gain = maps[..., :3] * guide[..., None] + maps[..., 3:]
    # Highlights keep their hue: where the photo is already near white, the
    # per-channel gains fade to one neutral gain that cannot push the
    # brightest channel past 1 (the network's colour correction, learned on
    # dim surfaces, turned a lamp's white core cyan).
    peak = image.max(axis=-1)
    if guide_sigma > 0.3:
        peak = cv2.GaussianBlur(peak, (0, 0), guide_sigma, borderType=cv2.BORDER_REFLECT)
    near_white = np.clip((peak - HIGHLIGHT_FADE[0]) / (HIGHLIGHT_FADE[1] - HIGHLIGHT_FADE[0]), 0, 1)
    neutral = np.minimum(
        np.maximum(log_gain @ _LUMA, 0.0), -np.log(np.maximum(peak, np.float32(1e-3)))
    )
    log_gain += near_white[..., None] * (neutral[..., None] - log_gain)
    gain = np.exp(np.clip(log_gain, LOG_GAIN_MIN, LOG_GAIN_MAX)).astype(np.float32)
    return np.clip(image * gain, 0.0, 1.0).astype(np.float32), gain
