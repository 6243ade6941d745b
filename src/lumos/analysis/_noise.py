"""Noise level of a photo, measured at full resolution.

The estimator is Immerkær's fast noise variance estimator [1]_ made robust:

1. A 3x3 "difference of Laplacians" kernel ``N`` cancels any locally planar
   signal, so what is left in flat regions is (almost) pure noise, with standard
   deviation ``6 * sigma`` for white noise (the kernel's L2 norm is 6).
2. Edges and texture also leak through ``N``. They are excluded with a mask on
   the gradient of a *smoothed* copy of the image: smoothing removes most of the
   noise from the gradient, so the mask selects structure, not noise, and the
   pixels it keeps are not biased towards low noise.
3. Pixels near 0 or 1 are excluded: clipping truncates the noise there.
4. The spread of the remaining residuals is measured with a trimmed mean of
   their absolute values, which ignores the texture the mask missed.
5. JPEG compression and in-camera noise reduction take the pixel-scale part
   of the noise out of dark areas but leave its coarser part (blotches a few
   pixels wide), which brightening then amplifies: a held-out LOL photo saved
   as JPEG read 0.92/255 as PNG, 0.35 at quality 95, 0.03 at 75, and was
   barely denoised. So the noise is also read on a 4x4 block average, in
   windows inside dark areas (mean luma < 0.05, where texture is faint; in
   brighter ones a well-exposed Kodak photo's texture read as 2-3x its noise),
   as the quieter windows read it (texture is local, noise is everywhere),
   and the larger reading wins. A 4x4 average divides white noise by 4 and
   real camera noise, which is spatially correlated, by less: the reading is
   divided by :data:`_COARSE_EXCESS` more, so uncompressed LOL photos keep
   their pixel-scale reading (0.95 -> 0.99/255 on average over 16) while
   their JPEGs read 0.90 (q95) and 0.54 (q75), not 0.36 and 0.02.

6. Real camera noise is correlated well beyond JPEG's blocks: after demosaicing
   and in-camera noise reduction most of it lives in blotches two to four
   pixels wide, at every brightness. On the CC real-noise photos (Canon and
   Nikon, ISO 1600-6400) steps 1-5 read a fifth of the true level, and the
   denoiser, told so, left the grain. Read at a coarser scale, Kodak's texture
   read as noise, so a small network trained to tell the two apart (LumosNE,
   :mod:`lumos.models.noise_level`) reads the photo too, as the quieter
   quarter of its crops read it, and the larger reading wins, the network's
   counting up to :data:`LEARNED_MAX_RATIO` times the pixel-scale reading:
   blotchy texture that fills a whole photo (a concrete wall) still looks like
   noise to it. Where it reads less (clean, textured photos; LOL's fine grain)
   the statistic stands, so nothing the denoiser was calibrated on changes.

7. A dark photo saved as JPEG can lose nearly all of its measurable noise: at
   quality 85 the held-out LOL photos read 0-0.4/255 by every reading above
   (0.3-1.5 as PNG), while brightening still lifts the blotches and 8x8 blocks
   that the compression left, and the denoiser, told "clean", kept them. What
   was there before the compression cannot be read back, so a prior stands in:
   a dark photo (:data:`JPEG_DARK`) whose 8x8 block edges stand out
   (:func:`jpeg_blockiness`: 1.00-1.07 for the uncompressed LOL and Kodak
   photos, 1.3-3.7 for dark LOL photos saved at quality 95-75) reads at least
   :data:`JPEG_NOISE_FLOOR`, about what the LOL photos read as PNG. The floor
   was chosen on the 40 LOL training scenes saved as JPEG (whole pipeline, PSNR
   gain over none at quality 95 / 85 / 75): 0.5/255 +0.01 / +0.07 / +0.19 dB;
   1.0 +0.03 / +0.15 / +0.33; 1.25 +0.04 / +0.17 / +0.35; 2.0 -0.04 / +0.13 /
   +0.33; each photo's own PNG reading (an oracle) +0.04 / +0.15 / +0.33.

Downscaling averages noise away, so the estimate is computed on full-resolution
crops (a grid of them on large photos, for speed), never on a proxy.

References
----------
.. [1] J. Immerkær, "Fast noise variance estimation", Computer Vision and Image
       Understanding 64(2), 1996.
"""

from __future__ import annotations

import cv2
import numpy as np

from .._color import LUMA as _LUMA
from .._types import FloatImage, FloatMap

__all__ = ["JPEG_NOISE_FLOOR", "estimate_noise", "jpeg_blockiness", "jpeg_noise_floor", "noise_map"]

# For |x| with x ~ N(0, s^2), the mean of the smallest 80 % of values is 0.5586 s.
_TRIM = 0.8
_TRIM_MEAN = 0.5586
_KERNEL_NORM = 6.0  # sqrt(sum(N**2)) for N = [[1,-2,1],[-2,4,-2],[1,-2,1]]
_CROP = 96
_MAX_CROPS = 64
_LOW_CLIP, _HIGH_CLIP = 0.004, 0.99
_FLAT_PERCENTILE = 50.0
_COARSE = 4
"""Block size of the coarse reading (step 5 above)."""
_COARSE_DARK = 0.05
"""Blocks darker than this (mean luma) are read at the coarse scale."""
_COARSE_WINDOW = 12
"""Side, in blocks (48 px), of the windows the coarse reading is taken in."""
_COARSE_PERCENTILE = 25.0
"""The reading is this percentile of the windows' readings: noise is everywhere, texture
is not, so the quieter windows read the noise (the flattest half of all dark blocks read a
darkened Kodak photo's shadow texture as twice its noise; these windows read it as none)."""
_COARSE_MIN_WINDOWS = 4
_COARSE_EXCESS = 1.4
"""How much more than white noise survives a 4x4 average in camera noise (LOL: 4*s4/s1 = 1.28)."""
_COARSE_ZERO = 0.5 / 255  # all-black blocks (JPEG zeros) carry no reading
JPEG_NOISE_FLOOR = 1.0 / 255
"""The least noise read in a photo with visible JPEG blocks (step 7)."""
JPEG_BLOCKINESS = (1.10, 1.25)
"""Blockiness over which the floor fades in: none at 1.10, all of it from 1.25. The
uncompressed photos of lumos's test sets reach 1.07 (LOL), 1.06 (eval15), 1.05 (Kodak)."""
JPEG_DARK = (0.10, 0.20)
"""Mean luma over which the floor fades out: all of it below 0.10 (the LOL photos it was
chosen on: 44 of the 50 training ones), none above 0.20. In a brighter photo the
compression took less of the noise, and the prior would only smooth its texture (a dim
beach, SCI NPE_71 at 0.15, lost its sand at the full floor)."""
_BLOCK = 8
"""JPEG's block side, in pixels."""
_BLOCK_LINES = 256
"""About this many rows (and columns) are read for the block grid: enough to see it."""
_BLOCK_EDGE_PERCENTILE = 95.0
"""Neighbour differences are capped at this percentile of them before the phases are
compared (a dark photo's few strong edges read as a grid: 1.11 for 25 px squares)."""
LEARNED_MAX_RATIO = 3.0
"""The network's reading counts up to this many times the pixel-scale reading (step 6).
Blotchy texture that covers a whole photo (concrete, gravel, a soft phone photo of
foliage) looks to the network as correlated noise does: DICM 63, a concrete wall in
daylight, read 11/255 (pixel scale 1.1) and its texture was smoothed away. Camera
noise leaves a share at pixel scale: the CC photos' true level is 3.5-7 times their
pixel-scale reading, and the network's reading of them at most 4.2 times (3.6 but one).
Cost on them: 30.89 -> 30.86 dB."""


def _residual(x: np.ndarray) -> np.ndarray:
    """Immerkær residual over the valid interior of the last two spatial axes.

    ``x`` has shape (..., H, W); the result has shape (..., H-2, W-2).
    """
    c = x[..., 1:-1, 1:-1]
    edge = x[..., :-2, 1:-1] + x[..., 2:, 1:-1] + x[..., 1:-1, :-2] + x[..., 1:-1, 2:]
    corner = x[..., :-2, :-2] + x[..., :-2, 2:] + x[..., 2:, :-2] + x[..., 2:, 2:]
    return 4.0 * c - 2.0 * edge + corner


def _flat_gradient(y: np.ndarray) -> np.ndarray:
    """Gradient magnitude of a smoothed copy, cropped to match :func:`_residual`.

    ``y`` has shape (n, H, W) (a stack of crops).
    """
    out = np.empty((y.shape[0], y.shape[1] - 2, y.shape[2] - 2), np.float32)
    for i in range(y.shape[0]):
        s = cv2.GaussianBlur(y[i], (0, 0), 1.5)
        gx = cv2.Sobel(s, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(s, cv2.CV_32F, 0, 1, ksize=3)
        out[i] = np.sqrt(gx * gx + gy * gy)[1:-1, 1:-1]
    return out


def _crops(rgb: FloatImage, size: int = _CROP, max_crops: int = _MAX_CROPS) -> np.ndarray:
    """A regular grid of full-resolution crops, stacked to shape (n, size, size, 3)."""
    h, w = rgb.shape[:2]
    if h <= size or w <= size or h * w <= max_crops * size * size:
        return rgb[None]
    n_rows = max(1, round(np.sqrt(max_crops * h / w)))
    n_cols = max(1, max_crops // n_rows)
    ys = np.linspace(0, h - size, n_rows).astype(int)
    xs = np.linspace(0, w - size, n_cols).astype(int)
    return np.stack([rgb[y : y + size, x : x + size] for y in ys for x in xs])


def _robust_sigma(res: np.ndarray) -> float:
    """Noise std from residuals: mean of the smallest 80 % of ``|res|``, rescaled.

    A plain median is quantised on 8-bit input (residuals are multiples of
    1/255), which matters for the small sigmas of dark photos; a trimmed mean is
    as robust to leftover texture and varies smoothly.
    """
    a = np.abs(res.ravel())
    if a.size < 16:
        return 0.0
    k = int(_TRIM * a.size)
    part = np.partition(a, k)[:k]
    return float(part.mean() / _TRIM_MEAN / _KERNEL_NORM)


def estimate_noise(
    rgb: FloatImage,
    *,
    learned: bool = True,
    jpeg_prior: bool = True,
    lossy: bool = False,
    blockiness: float | None = None,
) -> tuple[float, tuple[float, float, float]]:
    """Standard deviation of the noise, for Rec.709 luma and for each channel.

    Parameters
    ----------
    rgb : (H, W, 3) float32 ndarray
        Image in [0, 1], at full resolution (downscaling averages noise away).
    learned : bool
        Also take the network's reading (step 6 of the module docstring), when
        its weights are installed; ``False``: the statistical steps 1-5 only.
    jpeg_prior : bool
        Read at least :data:`JPEG_NOISE_FLOOR` where JPEG blocks show (step 7).
    lossy : bool
        The photo comes from a lossy file (JPEG, HEIC): step 7 applies to it as
        if its blocks showed (HEVC's often do not).
    blockiness : float, optional
        ``jpeg_blockiness(rgb)`` if the caller has measured it already.

    Returns
    -------
    sigma_luma : float
        Noise std of the luma, in [0, 1] units.
    sigma_rgb : tuple of 3 floats
        Noise std of R, G and B.

    Notes
    -----
    The statistical reading counts only flat (lowest-gradient half), unclipped
    pixels; see the module docstring for why it is unbiased there, and for
    when the block-scale and the network's readings replace it.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> img = np.full((128, 128, 3), 0.5, np.float32)
    >>> noisy = (img + rng.normal(0, 0.02, img.shape)).astype(np.float32)
    >>> round(estimate_noise(noisy)[1][0], 2)
    0.02
    """
    rgb = np.asarray(rgb, np.float32)
    sig_l, sig_c = _pixel_scale_sigma(rgb)
    readings = [_coarse_dark_sigma(rgb)]
    if learned:
        readings.append(min(_learned_sigma(rgb), LEARNED_MAX_RATIO * sig_l))
    if jpeg_prior:
        readings.append(jpeg_noise_floor(rgb, lossy=lossy, blockiness=blockiness))
    for reading in readings:
        if reading > sig_l:
            # Both readings are of luma; the channels keep their proportions to it.
            sig_c = tuple(c * reading / sig_l for c in sig_c) if sig_l > 0 else (reading,) * 3
            sig_l = reading
    return sig_l, (sig_c[0], sig_c[1], sig_c[2])


def jpeg_noise_floor(
    rgb: FloatImage, *, lossy: bool = False, blockiness: float | None = None
) -> float:
    """Step 7: the least noise to read in ``rgb``: :data:`JPEG_NOISE_FLOOR` in a dark
    photo with JPEG blocks, faded by :data:`JPEG_BLOCKINESS` and :data:`JPEG_DARK`.
    ``lossy``: the file is known to be compressed (a JPEG or HEIC), blocks or not;
    ``blockiness``: :func:`jpeg_blockiness` of ``rgb``, if already measured."""
    rgb = np.asarray(rgb, np.float32)
    lo, hi = JPEG_BLOCKINESS
    if lossy:
        blocky = 1.0
    else:
        b = jpeg_blockiness(rgb) if blockiness is None else blockiness
        blocky = float(np.clip((b - lo) / (hi - lo), 0.0, 1.0))
    step = max(1, min(rgb.shape[:2]) // _BLOCK_LINES)  # about 256 x 256 pixels for the mean
    mean = float((rgb[::step, ::step] @ _LUMA).mean()) if rgb.size else 0.0
    lo, hi = JPEG_DARK
    dark = float(np.clip((hi - mean) / (hi - lo), 0.0, 1.0))
    return blocky * dark * JPEG_NOISE_FLOOR


def jpeg_blockiness(rgb: FloatImage) -> float:
    """How much more the luma changes across one column (and row) in 8 than across the others.

    JPEG codes 8x8 blocks independently; where it has thrown detail away, the
    block edges step. The mean absolute luma difference between neighbours is
    taken for each of the 8 phases of the block grid, across rows and columns
    together; the result is the largest phase's over the median of the other
    seven: about 1 for a photo never compressed, more the more the blocks show.
    The largest phase, not phase 7, so that a crop of a JPEG counts too.
    """
    rgb = np.asarray(rgb, np.float32)
    h, w = rgb.shape[:2]
    if h < 2 * _BLOCK or w < 2 * _BLOCK:
        return 1.0
    # Which rows carry the column phases does not matter: a few hundred of each will do.
    rows = rgb[:: max(1, h // _BLOCK_LINES)] @ _LUMA
    cols = rgb[:, :: max(1, w // _BLOCK_LINES)] @ _LUMA
    phases = np.zeros(_BLOCK, np.float64)
    for diff in (np.abs(np.diff(rows, axis=1)), np.abs(np.diff(cols, axis=0)).T):
        n = diff.shape[1] // _BLOCK * _BLOCK
        diff = diff[:, :n]
        # Capped, so that a few strong edges cannot make a phase: block steps are small.
        diff = np.minimum(diff, np.percentile(diff, _BLOCK_EDGE_PERCENTILE))
        phases += diff.reshape(diff.shape[0], -1, _BLOCK).mean(axis=(0, 1))
    top = int(np.argmax(phases))
    rest = float(np.median(np.delete(phases, top)))
    return float(phases[top] / rest) if rest > 0 else 1.0


def _learned_sigma(rgb: FloatImage) -> float:
    """Step 6: the network's reading (0 without its weights)."""
    # Imported here: lumos.models imports this package for its Analysis type.
    from ..models.noise_level import learned_noise_level

    reading = learned_noise_level(rgb)
    return 0.0 if reading is None else reading


def _pixel_scale_sigma(rgb: FloatImage) -> tuple[float, tuple[float, ...]]:
    """Steps 1-4 of the module docstring: (luma sigma, per-channel sigmas)."""
    if min(rgb.shape[:2]) < 3:  # no 3x3 neighbourhood to measure in: call it clean
        return 0.0, (0.0, 0.0, 0.0)
    stack = _crops(rgb)
    luma = stack @ _LUMA
    grad = _flat_gradient(luma)
    inner = stack[:, 1:-1, 1:-1]
    valid = np.all((inner > _LOW_CLIP) & (inner < _HIGH_CLIP), axis=-1)
    if valid.sum() < 64:
        return 0.0, (0.0, 0.0, 0.0)
    thresh = np.percentile(grad[valid], _FLAT_PERCENTILE)
    mask = valid & (grad <= thresh)
    sig_l = _robust_sigma(_residual(luma)[mask])
    return sig_l, tuple(_robust_sigma(_residual(stack[..., c])[mask]) for c in range(3))


def _coarse_blocks(rgb: FloatImage) -> tuple[np.ndarray, np.ndarray] | None:
    """Step 5's material: the Immerkær residual of the 4x4 block means' luma and
    which blocks are dark enough to read there (both on the blocks' inner grid);
    ``None`` for a photo too small to hold the windows the reading needs."""
    f = _COARSE
    h, w = rgb.shape[:2]
    if h < 2 * _COARSE_WINDOW * f or w < 2 * _COARSE_WINDOW * f:
        return None
    blocks = cv2.resize(
        rgb[: h - h % f, : w - w % f], (w // f, h // f), interpolation=cv2.INTER_AREA
    )
    luma = blocks @ _LUMA
    dark = np.all(blocks[1:-1, 1:-1] > _COARSE_ZERO, axis=-1) & (luma[1:-1, 1:-1] < _COARSE_DARK)
    return _residual(luma), dark


def _coarse_reading(res: np.ndarray, dark: np.ndarray) -> float:
    """Step 5 of the module docstring: luma noise read on 4x4 block means of dark areas."""
    win = _COARSE_WINDOW
    readings = []
    for y in range(0, res.shape[0] - win + 1, win):
        for x in range(0, res.shape[1] - win + 1, win):
            keep = dark[y : y + win, x : x + win]
            if keep.mean() > 0.8:  # a window inside a dark area
                readings.append(_robust_sigma(res[y : y + win, x : x + win][keep]))
    if len(readings) < _COARSE_MIN_WINDOWS:
        return 0.0
    return _COARSE * float(np.percentile(readings, _COARSE_PERCENTILE)) / _COARSE_EXCESS


def _coarse_dark_sigma(rgb: FloatImage) -> float:
    """Step 5's reading for a whole photo (0 for one too small to take it)."""
    material = _coarse_blocks(rgb)
    return 0.0 if material is None else _coarse_reading(*material)


def _learned_floor(rgb: FloatImage, out: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> None:
    """Raise each region of ``out`` (edges ``ys`` x ``xs``, its statistical readings) to
    the network's reading of its central crop, within :data:`LEARNED_MAX_RATIO` of
    them, as :func:`estimate_noise` takes the larger reading (step 6)."""
    from ..models.noise_level import MIN_SIDE, NE_CROP, read_crops

    side = min(NE_CROP, int(np.diff(ys).min()), int(np.diff(xs).min())) // 4 * 4
    if side < MIN_SIDE:
        return
    crops, cells = [], []
    for i in range(len(ys) - 1):
        for j in range(len(xs) - 1):
            y = (ys[i] + ys[i + 1] - side) // 2
            x = (xs[j] + xs[j + 1] - side) // 2
            crops.append(rgb[y : y + side, x : x + side])
            cells.append((i, j))
    levels = read_crops(np.stack(crops))
    if levels is not None:
        for (i, j), level in zip(cells, levels, strict=True):
            out[i, j] = max(out[i, j], min(float(level), LEARNED_MAX_RATIO * out[i, j]))


def noise_map(
    rgb: FloatImage, block: int = 64, *, lossy: bool = False, blockiness: float | None = None
) -> FloatMap:
    """Luma noise std per ``block`` x ``block`` region, at full resolution.

    Parameters
    ----------
    rgb : (H, W, 3) float32 ndarray
        Image in [0, 1].
    block : int
        Side of a region in pixels; a partial last row/column of blocks is
        merged into its neighbour.
    lossy, blockiness : bool, float
        As for :func:`estimate_noise`: every region reads at least the photo's
        prior for compressed dark photos (step 7).

    Returns
    -------
    (rows, cols) float32 ndarray
        ``rows = max(1, H // block)``, ``cols = max(1, W // block)``. Regions
        with too few flat, unclipped pixels read 0.

    Notes
    -----
    Within each region the flattest half of the unclipped pixels is kept (by
    the smoothed-gradient rule of :func:`estimate_noise`) and the spread of the
    Immerkær residual is measured as in :func:`estimate_noise`; where the
    network (step 6 of the module docstring) reads a region's central crop as
    noisier, its reading stands. A region inside
    a dark area reads at least the photo's block-scale reading (step 5 of the
    module docstring), as :func:`estimate_noise` does: else a dark JPEG, whose
    pixel-scale noise the compression removed, would map as clean.
    """
    if block < 8:
        raise ValueError(f"block must be at least 8 pixels, got {block}")
    rgb = np.asarray(rgb, np.float32)
    h, w = rgb.shape[:2]
    luma = rgb @ _LUMA
    res = np.zeros_like(luma)
    res[1:-1, 1:-1] = np.abs(_residual(luma))
    s = cv2.GaussianBlur(luma, (0, 0), 1.5)
    grad = cv2.magnitude(cv2.Sobel(s, cv2.CV_32F, 1, 0), cv2.Sobel(s, cv2.CV_32F, 0, 1))
    ok = np.all((rgb > _LOW_CLIP) & (rgb < _HIGH_CLIP), axis=-1)
    ok[[0, -1], :] = False
    ok[:, [0, -1]] = False
    rows, cols = max(1, h // block), max(1, w // block)
    ys = np.linspace(0, h, rows + 1).astype(int)
    xs = np.linspace(0, w, cols + 1).astype(int)
    out = np.zeros((rows, cols), np.float32)
    for i in range(rows):
        for j in range(cols):
            sl = (slice(ys[i], ys[i + 1]), slice(xs[j], xs[j + 1]))
            m = ok[sl]
            if m.sum() < 32:
                continue
            g = grad[sl][m]
            r = res[sl][m]
            out[i, j] = _robust_sigma(r[g <= np.median(g)])
    _learned_floor(rgb, out, ys, xs)
    floor = jpeg_noise_floor(rgb, lossy=lossy, blockiness=blockiness)
    np.maximum(out, np.float32(floor), out=out)  # a compressed dark photo's prior (step 7)
    # The block means are made once, for the reading and for the map of dark regions.
    material = _coarse_blocks(rgb)
    if material is not None and (coarse := _coarse_reading(*material)) > 0:
        # Dark regions get at least the photo's block-scale reading (taken over many
        # windows: one region's blocks alone would read its texture as noise).
        dark = material[1]
        by = np.clip(ys // _COARSE - 1, 0, dark.shape[0])
        bx = np.clip(xs // _COARSE - 1, 0, dark.shape[1])
        for i in range(rows):
            for j in range(cols):
                keep = dark[by[i] : by[i + 1], bx[j] : bx[j + 1]]
                if keep.size and keep.mean() > 0.5:  # mostly dark
                    out[i, j] = max(out[i, j], coarse)
    return out
