"""Exposure, colour-cast and residual-noise measurements of one image.

These are the no-reference numbers a benchmark reports next to PSNR/SSIM and
NIQE: is the result bright enough without clipping, is it still tinted, is it
still noisy. Every function takes the internal image type (RGB float32
``(H, W, 3)`` in [0, 1], sRGB-encoded) and returns plain floats.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InputError

__all__ = [
    "CLIP_LEVEL",
    "CRUSH_LEVEL",
    "blockiness",
    "colour_cast",
    "exposure_stats",
    "linear_luminance",
    "luma",
    "residual_noise",
    "srgb_to_linear",
]

CLIP_LEVEL = 254.0 / 255.0
"""A pixel is clipped if any channel reaches this."""

CRUSH_LEVEL = 2.0 / 255.0
"""A pixel is crushed (detail lost in black) if its luma is at most this."""

_REC709 = np.array([0.2126, 0.7152, 0.0722])
_MID_GREY_Y = 0.18  # the mean colour is brought to this luminance before judging its tint
_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_D65_XYZ = _RGB_TO_XYZ.sum(axis=1)  # the white of this very matrix, so that grey maps to a*=b*=0


def _check(rgb: np.ndarray) -> np.ndarray:
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.size == 0:
        raise InputError(f"expected an RGB image of shape (H, W, 3), got {rgb.shape}")
    return rgb.astype(np.float64)


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    """Inverse sRGB transfer function (IEC 61966-2-1), float64."""
    x = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def luma(rgb: np.ndarray) -> np.ndarray:
    """Rec. 709 luma of the sRGB-encoded values, (H, W) float64 in [0, 1]."""
    return _check(rgb) @ _REC709


def linear_luminance(rgb: np.ndarray) -> np.ndarray:
    """Relative luminance Y in linear light, (H, W) float64 in [0, 1].

    Exposure ratios are meaningful only here: doubling the light doubles Y but
    not the sRGB-encoded luma.
    """
    return srgb_to_linear(_check(rgb)) @ _REC709


def exposure_stats(rgb: np.ndarray) -> dict[str, float]:
    """How bright the image is, and how much of it is lost to white or black.

    Parameters
    ----------
    rgb : (H, W, 3) ndarray
        RGB in [0, 1], sRGB-encoded.

    Returns
    -------
    dict
        ``mean_luminance`` and ``median_luminance`` (Rec. 709 luma, 0..1),
        ``mean_linear_luminance`` (Y in linear light), ``clipped_fraction``
        (pixels with any channel >= 254/255) and ``crushed_fraction`` (pixels
        with luma <= 2/255).

    Examples
    --------
    >>> import numpy as np
    >>> s = exposure_stats(np.full((4, 4, 3), 0.5, np.float32))
    >>> round(s["mean_luminance"], 3), s["clipped_fraction"], s["crushed_fraction"]
    (0.5, 0.0, 0.0)
    """
    x = _check(rgb)
    y = x @ _REC709
    return {
        "mean_luminance": float(y.mean()),
        "median_luminance": float(np.median(y)),
        "mean_linear_luminance": float((srgb_to_linear(x) @ _REC709).mean()),
        "clipped_fraction": float(np.mean(np.any(x >= CLIP_LEVEL, axis=2))),
        "crushed_fraction": float(np.mean(y <= CRUSH_LEVEL)),
    }


def _lab_chroma(xyz: np.ndarray) -> float:
    t = xyz / _D65_XYZ
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    a = 500.0 * (f[0] - f[1])
    b = 200.0 * (f[1] - f[2])
    return math.hypot(a, b)


def colour_cast(rgb: np.ndarray) -> float:
    """Grey-world colour cast: chroma of the image's mean colour, in CIELAB units.

    Parameters
    ----------
    rgb : (H, W, 3) ndarray
        RGB in [0, 1], sRGB-encoded.

    Returns
    -------
    float
        ``C*ab = sqrt(a*^2 + b*^2)`` of the mean linear colour after scaling it
        to mid-grey luminance (Y = 0.18). 0 for a neutral mean; about 2-3 is a
        just-visible tint, above 10 an obvious cast. A black image gives 0.

    Notes
    -----
    The grey-world assumption says the average of a varied scene is neutral,
    so a tinted average means a wrong white balance. The mean is taken in
    linear light, where a white-balance error is a per-channel gain. Scaling
    the mean to mid-grey before the Lab conversion makes the number the same
    for a dark input and its brightened result: Lab chroma otherwise shrinks
    with lightness, which would make a dark, tinted photo look neutral. The
    result is in Lab (Delta E) units, so thresholds read like colour
    differences, unlike e.g. the spread of normalised channel means.
    Grey-world fails on scenes dominated by one colour (a lawn, a sunset);
    compare an output's cast with its reference's, not with zero.

    Examples
    --------
    >>> import numpy as np
    >>> round(colour_cast(np.full((4, 4, 3), 0.3, np.float32)), 6)
    0.0
    """
    mean = srgb_to_linear(_check(rgb)).reshape(-1, 3).mean(axis=0)
    y = float(mean @ _REC709)
    if y <= 1e-12:
        return 0.0
    return _lab_chroma(_RGB_TO_XYZ @ (mean * (_MID_GREY_Y / y)))


def residual_noise(rgb: np.ndarray) -> float:
    """Robust estimate of the noise standard deviation left in an image.

    Parameters
    ----------
    rgb : (H, W, 3) ndarray
        RGB in [0, 1], at least 3x3, at full resolution (downscaling averages
        noise away).

    Returns
    -------
    float
        Estimated sigma of white noise on the Rec. 709 luma, in 0..1 units
        (multiply by 255 for 8-bit levels). 0 when too few usable pixels remain
        (tiny, flat-clipped or crushed images).

    Notes
    -----
    This is :func:`lumos.analysis.estimate_noise` (Immerkær's residual over the
    flattest, unclipped pixels, with a trimmed mean), so a benchmark reports
    the same number that ``lumos info`` shows and that drives the denoiser's
    strength. It is imported here, lazily, so that measuring exposure or colour
    does not pull in the analysis package.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> img = np.clip(0.5 + rng.normal(0, 0.02, (128, 128, 1)), 0, 1).repeat(3, axis=2)
    >>> abs(residual_noise(img) - 0.02) < 0.002
    True
    """
    from ..analysis import estimate_noise

    x = _check(rgb)
    if min(x.shape[:2]) < 3:
        raise InputError(f"residual_noise needs at least 3x3 pixels, got {x.shape[0]}x{x.shape[1]}")
    sigma_luma, _ = estimate_noise(x.astype(np.float32))
    return float(sigma_luma)


def blockiness(rgb: np.ndarray, block: int = 8, phase: tuple[int, int] = (0, 0)) -> float:
    """How much compression blocks show: luma gradient energy across block edges vs inside.

    The mean squared difference of neighbouring luma values across the block
    grid's edges (rows and columns ``phase + k * block``), over the mean squared
    difference between neighbours inside the blocks. About 1 for a photo
    whose content does not know the grid (a clean photo, or a good deblocking);
    more where the blocks' edges step, as JPEG's do once brightened. Squared
    differences, not absolute ones, because a visible tile edge is a few large
    steps, which a mean of absolute values would dilute among the inner pixels'
    noise. Unlike :func:`lumos.analysis.jpeg_blockiness` (which searches the grid
    and reads the input), this scores an output on a known grid, for benchmarks.

    Parameters
    ----------
    rgb : (H, W, 3) ndarray
        RGB in [0, 1] (or uint8), at full resolution, at least two blocks each way.
    block : int
        The grid's spacing: 8 for JPEG's luma blocks, 16 for chroma at 4:2:0 and
        video macroblocks.
    phase : (int, int)
        Row and column of the first block edge (0, 0 for an uncropped JPEG).

    Returns
    -------
    float
        The ratio; 1.0 where the image is too small or flat to tell.

    Examples
    --------
    >>> import numpy as np
    >>> tiles = np.kron(np.arange(16).reshape(4, 4) % 3, np.ones((8, 8))) / 4
    >>> img = np.repeat(tiles[..., None], 3, axis=2) + np.linspace(0, 0.01, 32)[:, None, None]
    >>> blockiness(img) > 10
    True
    """
    x = _check(rgb)
    if np.asarray(rgb).dtype == np.uint8:
        x /= 255.0
    y = x @ _REC709
    h, w = y.shape
    if h < 2 * block or w < 2 * block:
        return 1.0
    edge_sum, edge_n, inner_sum, inner_n = 0.0, 0, 0.0, 0
    for diff, offset in ((np.diff(y, axis=1), phase[1]), (np.diff(y, axis=0).T, phase[0])):
        # diff[:, j] is the step between columns j and j + 1: an edge where j + 1 is on the grid.
        on_grid = (np.arange(diff.shape[1]) + 1 - offset) % block == 0
        sq = diff * diff
        edge_sum += float(sq[:, on_grid].sum())
        edge_n += int(on_grid.sum()) * sq.shape[0]
        inner_sum += float(sq[:, ~on_grid].sum())
        inner_n += int((~on_grid).sum()) * sq.shape[0]
    if edge_n == 0 or inner_n == 0 or inner_sum <= 0.0:
        return 1.0
    return float((edge_sum / edge_n) / (inner_sum / inner_n))
