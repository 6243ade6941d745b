"""Upscale: enlarge an enhanced photo x2 or x4 without enlarging its noise.

A plain super-resolution filter sharpens whatever it is given, grain and JPEG
blocks included, into fake texture. So the upscaler is told how much noise is
left in each region of the *enhanced* photo, and how much of it to remove.
Rather than predict what brightening and denoising did to the input's noise,
it measures the result:

* the noise level of the enhanced photo, ``sigma_out``, with the same robust
  estimator as the analysis (:func:`lumos.analysis.estimate_noise`: flat
  areas, full resolution, high frequencies - exactly the grain an upscaler
  would sharpen);
* where it lies: brightening multiplied the input's noise by the local gain,
  which for any enhancer can be read off the result,
  ``gain(x) = Y_out(x) / Y_in(x)`` on 1/8-size copies; the map is
  ``residual(x) = sigma_out * gain(x) / median(gain)`` (smooth, so a
  low-resolution map suffices and every tile samples the same one).

Predicting the level instead (input noise x gain x the share a denoiser of
that strength leaves) gave larger values and a softer, worse result on the
SR validation files in the low-light protocol of ``bench/sr.py`` (x2, dim and
dark: GT-mean PSNR 21.44 vs 21.55 dB, NIQE 9.70 vs 7.92).

That residual gates the classical sharpening. The learned net is *steered* with
it, FFDNet-style: its noise-level input is ``residual(x) * 2 * denoise``, so
``--denoise 0.5`` tells it the measured level, ``1`` asks for twice as much
smoothing (``2``, the top, four times) and ``0`` for plain super-resolution.
(The net was trained with the per-channel std of the added noise; the
estimator reads about 3/4 of that on white colour noise and less on a
denoiser's smooth residue - see the model card for the measured
alternative.) ``--detail`` sets how much of the net's correction of the
bicubic enlargement is kept: ``0.5 + detail`` times (0.5x .. 1.5x).

Two methods behind one interface (:func:`prepare_upscale`, then
:func:`upscale_region` per tile, like :class:`lumos.enhancer.Enhancer`):

``learned``
    LumosSR (:mod:`lumos.models.sr`): bicubic plus a residual predicted at the
    input resolution from the RGB tile and the noise-level map.
``classical``
    Lanczos plus the noise-gated unsharp mask of :mod:`lumos.stages.detail`
    on luma, with the Lanczos ringing clamped to the range of each pixel's
    3x3 input neighbourhood.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from .._color import LUMA as _LUMA
from .._types import FloatImage, Region
from ..analysis import estimate_noise
from ._filters import sample_lowres
from .detail import sharpen_luma

__all__ = [
    "SCALES",
    "UPSCALERS",
    "UpscalePlan",
    "prepare_upscale",
    "resolve_upscaler",
    "upscale_image",
    "upscale_region",
]

SCALES = (1, 2, 4)
"""Values of ``--scale``."""
UPSCALERS = ("auto", "learned", "classical")
"""Values of ``--upscaler``: ``auto`` is ``learned`` when its weights are installed."""
GAIN_FACTOR = 8
"""The gain map is measured on copies this many times smaller."""
_NET_HALO = 6 + 2  # six 3x3 convolutions + the bicubic kernel's reach
_CLASSICAL_RADIUS = 0.6
"""Unsharp radius per unit of scale (high-resolution pixels)."""


@dataclass(frozen=True)
class UpscalePlan:
    """Global decisions of one upscale; immutable so tiles can run concurrently.

    Attributes
    ----------
    scale : int
        2 or 4.
    method : str
        ``"learned"`` or ``"classical"``.
    halo : int
        Context (input pixels) a tile needs on each side for an exact result;
        twice the footprint, as :func:`lumos.tiling.run_tiled` blends halfway.
    shape : (int, int)
        Size of the image being enlarged.
    noise_low : (m, n, 2) float32 ndarray
        Low-resolution maps: the residual noise, and the noise level given to the net.
    detail : float
        Detail strength in [0, 1].
    """

    scale: int
    method: str
    halo: int
    shape: tuple[int, int]
    noise_low: np.ndarray
    detail: float


def resolve_upscaler(method: str, scale: int) -> str:
    """``auto`` -> ``learned`` if the net for ``scale`` is installed, else ``classical``."""
    from ..errors import ModelError
    from ..models.sr import sr_available

    if method == "auto":
        return "learned" if sr_available(scale) else "classical"
    if method == "learned" and not sr_available(scale):
        raise ModelError(
            f"the learned x{scale} upscaler is not installed; use --upscaler classical"
        )
    return method


def _luma_low(img: FloatImage, size: tuple[int, int]) -> np.ndarray:
    return cv2.resize(np.ascontiguousarray(img @ _LUMA), size, interpolation=cv2.INTER_AREA)


def prepare_upscale(
    source: FloatImage,
    enhanced: FloatImage,
    *,
    scale: int,
    denoise: float,
    detail: float,
    method: str = "auto",
) -> UpscalePlan:
    """Decide once, for the whole photo, how much noise each region still holds.

    Parameters
    ----------
    source : (H, W, 3) float32 ndarray
        The input of the enhancer (dark, noisy).
    enhanced : (H, W, 3) float32 ndarray
        Its output, the image to enlarge (``source`` is only used for the gain).
    scale : {2, 4}
    denoise, detail : float
        Strengths actually used by the enhancer, in [0, 1].
    method : {"auto", "learned", "classical"}

    Returns
    -------
    UpscalePlan
    """
    if scale not in SCALES[1:]:
        raise ValueError(f"scale must be 2 or 4, got {scale}")
    h, w = enhanced.shape[:2]
    size = (max(1, round(w / GAIN_FACTOR)), max(1, round(h / GAIN_FACTOR)))
    eps = np.float32(1 / 255)
    gain = (_luma_low(enhanced, size) + eps) / (_luma_low(source, size) + eps)
    gain = np.clip(gain / np.float32(np.median(gain)), 0.25, 4.0)
    # The statistical reading only: the net's steering was calibrated on it (the learned
    # reading is for a camera's grain, not a denoiser's smooth residue).
    sigma_out = float(estimate_noise(enhanced, learned=False, jpeg_prior=False)[0])
    residual = np.float32(sigma_out) * gain
    steer = residual * np.float32(2.0 * denoise)
    noise_low = np.ascontiguousarray(np.dstack([residual, steer]), np.float32)
    method = resolve_upscaler(method, scale)
    if method == "learned":
        footprint = _NET_HALO
    else:
        hr_reach = int(np.ceil(3 * _CLASSICAL_RADIUS * scale)) + 2
        footprint = 4 + 1 + -(-hr_reach // scale)  # Lanczos-4, 3x3 range, unsharp
    return UpscalePlan(
        scale=scale,
        method=method,
        halo=2 * footprint,
        shape=(h, w),
        noise_low=noise_low,
        detail=float(detail),
    )


def _enlarge(img: np.ndarray, scale: int, interpolation: int) -> np.ndarray:
    h, w = img.shape[:2]
    return cv2.resize(img, (w * scale, h * scale), interpolation=interpolation)


def _classical(tile: FloatImage, residual: np.ndarray, scale: int, detail: float) -> FloatImage:
    up = _enlarge(tile, scale, cv2.INTER_LANCZOS4)
    # No ringing: stay within each input pixel's 3x3 neighbourhood range.
    kernel = np.ones((3, 3), np.uint8)
    lo = _enlarge(cv2.erode(tile, kernel, borderType=cv2.BORDER_REFLECT), scale, cv2.INTER_LINEAR)
    hi = _enlarge(cv2.dilate(tile, kernel, borderType=cv2.BORDER_REFLECT), scale, cv2.INTER_LINEAR)
    up = np.clip(up, lo, hi, out=up)
    if detail <= 0:
        return up
    y = np.ascontiguousarray(up @ _LUMA)
    sigma = _enlarge(residual, scale, cv2.INTER_LINEAR)
    y_sharp = sharpen_luma(y, sigma, amount=detail, radius=_CLASSICAL_RADIUS * scale)
    return up + (y_sharp - y)[..., None]


def _learned(tile: FloatImage, steer: np.ndarray, plan: UpscalePlan, region: Region) -> FloatImage:
    """Bicubic plus the net's residual, with the image's edges mirrored first.

    Where the tile ends at the image's edge the net would see its own zero
    padding and paint a faint coloured frame (up to 6/255 at x2 on a flat
    grey). So those sides are mirrored by the net's reach plus the bicubic
    kernel's (:data:`_NET_HALO`) and the result cropped. Sides inside the image
    already carry that context in the tile's halo, so tiles stay seamless.
    Mirroring with the edge pixel repeated (``BORDER_REFLECT``) also restores
    real edges best: on 8 Kodak photos shrunk and enlarged again, the outer
    2 px read 31.54 dB at x2 (27.30 at x4) against 31.48 (27.23) with zero
    padding and 30.32 (26.41) mirrored without repeating the edge pixel.
    """
    from ..models.sr import sr_residual

    s = plan.scale
    y0, y1, x0, x1 = region
    h, w = plan.shape
    top, bottom = _NET_HALO * (y0 == 0), _NET_HALO * (y1 == h)
    left, right = _NET_HALO * (x0 == 0), _NET_HALO * (x1 == w)
    pads = ((top, bottom), (left, right))
    tile = _mirror(tile, pads)
    steer = _mirror(np.ascontiguousarray(steer), pads)
    out = _enlarge(tile, s, cv2.INTER_CUBIC)
    out += np.float32(0.5 + plan.detail) * sr_residual(tile, steer, s)
    th, tw = tile.shape[:2]
    return out[top * s : (th - bottom) * s, left * s : (tw - right) * s]


def _mirror(a: np.ndarray, pads: tuple[tuple[int, int], tuple[int, int]]) -> np.ndarray:
    """Mirror ``a`` by ``pads`` rows and columns, edge pixels repeated (``BORDER_REFLECT``)."""
    if not any(any(p) for p in pads):
        return a
    return np.pad(a, pads + ((0, 0),) * (a.ndim - 2), mode="symmetric")


def upscale_region(tile: FloatImage, plan: UpscalePlan, region: Region) -> FloatImage:
    """Enlarge one tile (with its halo); ``region`` is where it lies in the image.

    Returns an (h * scale, w * scale, 3) float32 array in [0, 1].
    """
    noise = sample_lowres(plan.noise_low, region, plan.shape)
    if plan.method == "learned":
        out = _learned(tile, noise[..., 1], plan, region)
    else:
        out = _classical(tile, np.ascontiguousarray(noise[..., 0]), plan.scale, plan.detail)
    return np.clip(out, 0.0, 1.0, out=out).astype(np.float32, copy=False)


def upscale_image(
    image: FloatImage,
    *,
    scale: int,
    noise_sigma: float = 0.0,
    denoise: float = 0.5,
    detail: float = 0.5,
    method: str = "auto",
) -> FloatImage:
    """Enlarge a whole image in one call (no enhancement before; for tests and benchmarks).

    ``noise_sigma`` is the noise std of ``image`` itself; with the default
    ``denoise=0.5`` the learned net is told exactly that level.
    """
    plan = prepare_upscale(image, image, scale=scale, denoise=0.0, detail=detail, method=method)
    # Nothing was denoised before: the residual noise is the image's own.
    level = np.float32(noise_sigma)
    noise = np.array([[[level, level * np.float32(2.0 * denoise)]]], np.float32)
    plan = replace(plan, noise_low=noise)
    h, w = image.shape[:2]
    return upscale_region(image, plan, (0, h, 0, w))
