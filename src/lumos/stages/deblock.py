"""Compression-aware clean-up of a dark input, before it is brightened.

Why before the gain: a dark JPEG (a messaging-app photo, a video frame) keeps
little of its shadows but the DC of each 8x8 block and a few code values. At
the gain of 15-25x that lumos applies there, a one-code step between two
blocks becomes a 15-25 code tile edge, and the 4:2:0 chroma, coded on 16x16
pixel blocks at half resolution, becomes green and magenta patches. The
denoiser cannot tell those edges from structure (they are straight and
strong once brightened); on the dark input they are still what they are: steps
of about one quantisation step, exactly on the block grid.

Three filters, in JPEG's own colour space (BT.601 YCbCr, full range):

1. **Block edges** (:func:`_ramp_edges`). At every edge of the 8 px luma grid
   (video's 16 px macroblock edges are among them) the excess step, the step
   across the edge minus the slope on either side, is spread into a linear ramp
   over the two half-blocks beside it. Only small steps are touched (up to
   :attr:`DeblockPlan.threshold_codes`, a few times the quantisation step read
   from the photo, :func:`dc_step`) and only where neither side has an inner
   step as large: a real edge is larger, or sits in texture. A block that was
   one flat value becomes a bilinear surface through its neighbours' levels.
2. **Chroma blocks** (:func:`_deblock_chroma`): the same, on the half-resolution
   plane 4:2:0 chroma was coded on (its 8 px blocks are 16 px here).
3. **Quantised flats** (:func:`_smooth_flats`, :func:`_coarse_flats`). Where the
   dark input's luma spans only one or two code values over a 21x21 window, its
   8-bit steps are all there is of the signal; brightened they become bands.
   There the luma is replaced by a local mean (a smooth reconstruction, no
   dither) before the gain; where it spans more (texture, edges, noise) it is
   left alone.

The strength is decided once per photo (:func:`plan_deblock`, stored in the
plan) from how much the blocks show (:func:`lumos.analysis.jpeg_blockiness`)
and how much gain the photo will receive: a photo with no visible blocks, or
one that is hardly brightened, gets strength 0 and its tiles are returned
untouched (bit-identical). Tiles take the block grid from the photo's absolute
coordinates (``region``) and the grid's phase measured on the whole photo, so
every tile filters the same edges; :data:`DEBLOCK_REACH` is the context it needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .._types import FloatImage, Region
from ._ramp import ramp

__all__ = [
    "DEBLOCK_HALO",
    "DEBLOCK_REACH",
    "DeblockPlan",
    "deblock_region",
    "grid_phase",
    "plan_deblock",
]

_BLOCK = 8
"""JPEG's luma block (video's 16 px macroblock edges are among its edges)."""
DEBLOCK_REACH = 24
"""Context for :func:`deblock_region` alone to match the whole photo's result exactly:
the flats' window and weight (10 + 2 px) or their mean (8 px) after the luma ramps
(4 px), a chroma ramp (8 px and 2 of upsampling), rounded up (the tests check it)."""
DEBLOCK_HALO = 8
"""What the classical enhancer adds to its halo (20 px) while the stage is on; LumosNet
adds nothing. A tile's result is kept only from half its halo inward, where with
LumosNet's (45 px and more) the deblocked input is exact or nearly; what differs nearer
the edge reaches the kept pixels only through the later filters. Whole photo vs 64 px
tiles, a dark JPEG (q30) deblocked at full strength, largest difference: nothing
added, 0.002/255 (LumosNet) and 0.22/255 (classical); 8 px, under 0.001/255 for both.
With 8 more, LumosNet's 12 MP tiles were 5% larger (0.6 s of 13 on the shared machine);
with the full reach (24 px), 16%."""
BLOCKINESS_RANGE = (1.15, 1.35)
""":func:`lumos.analysis.jpeg_blockiness` over which the block filter fades in. The
uncompressed photos of lumos's test sets reach 1.07; dark JPEGs at quality 95-75 read
1.3-3.7 (see :mod:`lumos.analysis._noise`, step 7)."""
GAIN_RANGE = (2.0, 6.0)
"""Median gain over which the block filter fades in: a step of one code stays under two
codes below 2x, and is a visible 6-code tile edge from 6x."""
STEP_RANGE = (0.5, 1.0)
"""Quantisation step of the block means (codes, :func:`dc_step`) over which the block
filter fades in. At quality 85 (0.625) JPEG keeps a dark photo's faint texture, which the
ramps took for block steps: on 6 McMaster photos darkened without noise and saved so,
the stage cost 0.09 dB PSNR (LumosNet) for blocks that hardly showed once brightened
(output blockiness 1.31 -> 1.30); with this fade (and :data:`DEFAULT_STEP`), 0.024."""
FLATS_GAIN_RANGE = (8.0, 16.0)
"""Median gain over which the flats' smoothing fades in. Below 8x a one-code step is a
faint band, and the texture of one or two codes that the smoothing also evens out counts
for more: at about 6x it cost 0.05 dB PSNR, 0.13 GT-mean, on the photos above (quality
85), and nothing measurable at quality 20-60."""
THRESHOLD_STEPS = 6.0
"""Largest excess step across a block edge, in quantisation steps of the block means
(:func:`dc_step`), that the filter takes for an artefact (fading to none there from half
of it)."""
DEFAULT_STEP = 0.75
"""The block means' quantisation step (8-bit codes) assumed where none can be read (a
video frame, a resized JPEG, some very dark JPEGs): half strength (:data:`STEP_RANGE`)
and edges up to 4.5 codes. Six McMaster photos darkened without noise and saved at
quality 85 (the lattice of some is not read) lost 0.045 dB PSNR with 1.0 (full
strength), 0.024 with this (LumosNet)."""
_STEPS = np.arange(0.5, 8.01, 0.125)
"""Candidate steps of the block means: JPEG's luma DC quantiser over 8, from quality ~90
down to ~15 (it is an integer, so its eighths)."""
_STEP_SCORE = 0.3
"""Least lattice score (:func:`dc_step`) of a step to trust; block means of a photo never
compressed score about 1 / sqrt(number of blocks)."""
_STEP_SHARPNESS = 0.12
"""How much better a step must fit than 12% beside it (:func:`dc_step`)."""
BUSY_RATIO = 1.0
"""A side whose largest inner step exceeds this times the threshold is texture."""
FLAT_CODES = (1.5, 3.0)
"""Luma range over :data:`_FLAT_WINDOW`, in codes, below which a flat is smoothed fully, and
above which it is left alone."""
_COARSE = 4
"""Block side of the flats' coarse level (:func:`_coarse_flats`)."""
_FLAT_RADIUS = 4
"""Box radius of the flats' local mean, applied twice (a tent reaching 8 px)."""
_WEIGHT_RADIUS = 2
"""Box radius of the blur that makes the flats' weight fade smoothly."""
_FLAT_WINDOW = 2 * (2 * _FLAT_RADIUS + _WEIGHT_RADIUS) + 1
"""Side of the window whose range says "flat": all that the mean, and the blurred weight,
reach. So a pixel moves only toward values of a window spanning under
:data:`FLAT_CODES`, by less than that: with a 9 px window under a 17 px mean, the dark
sky beside a bright moon (DICM 12 at 23x) was lifted into a grey frame around it."""
_PHASE_LINES = 256

# BT.601 full range, as JPEG (JFIF) codes colour.
_RGB2YCC = np.array(
    [
        [0.299, 0.587, 0.114],
        [-0.168736, -0.331264, 0.5],
        [0.5, -0.418688, -0.081312],
    ],
    np.float32,
)
_YCC2RGB = np.linalg.inv(_RGB2YCC).astype(np.float32)


@dataclass(frozen=True)
class DeblockPlan:
    """The deblocking decision of one photo (kept in ``plan.params["deblock"]``).

    Attributes
    ----------
    strength : float
        Of the block-edge filter, in [0, 1] (0: off).
    flats : float
        Of the quantised-flats smoothing, in [0, 1] (0: off).
    blockiness : float
        The input's :func:`lumos.analysis.jpeg_blockiness`.
    gain : float
        The median gain the enhancer will apply.
    step : float
        Quantisation step of the block means, in 8-bit codes (:func:`dc_step`).
    phase : (int, int)
        Row and column, modulo 8, of the block grid's edges in the whole photo.
    """

    strength: float
    flats: float
    blockiness: float
    gain: float
    step: float = DEFAULT_STEP
    phase: tuple[int, int] = (0, 0)
    coarse: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False, compare=False)
    """The flats' coarse level (:func:`_coarse_flats`): (local mean, weight) on the whole
    photo's 4x4 blocks, or ``None``."""

    @property
    def active(self) -> bool:
        """Whether tiles are touched at all."""
        return self.strength > 0.0 or self.flats > 0.0

    @property
    def threshold_codes(self) -> float:
        """The largest step across a block edge taken for an artefact, in 8-bit codes."""
        return float(THRESHOLD_STEPS * self.step)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready (rounded) for ``PipelineResult.stats`` and the report."""
        d: dict[str, object] = {
            k: round(float(getattr(self, k)), 4)
            for k in ("strength", "flats", "blockiness", "gain", "step")
        }
        d["phase"] = [int(v) for v in self.phase]
        return d


def grid_phase(rgb: FloatImage) -> tuple[int, int]:
    """Row and column (mod 8) where the 8x8 block grid's edges lie: (0, 0) for a JPEG
    as decoded, another phase for a crop of one. Read as
    :func:`lumos.analysis.jpeg_blockiness` reads it, but each axis on its own."""
    rgb = np.asarray(rgb, np.float32)
    h, w = rgb.shape[:2]
    if h < 2 * _BLOCK or w < 2 * _BLOCK:
        return (0, 0)
    found = []
    # A few hundred lines each way will do (as for jpeg_blockiness); luma of those only.
    for sample in (
        rgb[:, :: max(1, w // _PHASE_LINES)].transpose(1, 0, 2),
        rgb[:: max(1, h // _PHASE_LINES)],
    ):
        lines = sample @ _RGB2YCC[0]
        diff = np.abs(np.diff(lines, axis=1))
        diff = np.minimum(diff, np.percentile(diff, 95.0))
        n = diff.shape[1] // _BLOCK * _BLOCK
        # diff[:, j] steps from pixel j to j + 1: an edge at j + 1.
        phases = diff[:, :n].reshape(diff.shape[0], -1, _BLOCK).mean(axis=(0, 1))
        found.append((int(np.argmax(phases)) + 1) % _BLOCK)
    return (found[0], found[1])


def dc_step(rgb: FloatImage, phase: tuple[int, int] = (0, 0)) -> float:
    """The quantisation step of the 8x8 blocks' mean luma, in 8-bit codes.

    JPEG codes each block's mean (its DC coefficient, level-shifted by 128) in
    steps of the DC quantiser over 8: 2 codes at quality 50, 5 at 20, 1.6 at 60,
    0.6 at 85. The blocks' means of the decoded photo sit on that lattice, up to
    the rounding of the pixels (about 0.06 codes), so the step is read back as a
    candidate ``s`` whose lattice they fit: ``|mean(exp(2 pi i m / s))|`` near 1.
    Two things fit without being the step: its divisors (they fit as well; their
    score suffers more from the rounding, so the largest of the near-best is taken),
    and any step much wider than the spread of the means (a dark photo's block
    means within a few codes fit a 12-code lattice: read so, the filter took
    72-code edges for artefacts). A true lattice fits at its step and not 12% beside
    it, a merely narrow spread fits both; so a candidate must also score
    :data:`_STEP_SHARPNESS` above its neighbours at 0.88 s and 1.12 s. Measured on
    18 McMaster photos darkened and saved at quality 24-59: within 5% of the step for
    all (exact for 15); on 8 Kodak photos at quality 85: the step (0.625) for all 8
    with camera noise, for 4 without it (the others show no lattice), where the plain
    best fit had read 12 for one.
    It sets how large a step across a block edge can be and still be compression's.
    Returns :data:`DEFAULT_STEP` where no lattice shows (a video frame's deblocked
    codec, a resized JPEG)."""
    rgb = np.asarray(rgb, np.float32)[phase[0] :, phase[1] :]
    nh, nw = rgb.shape[0] // _BLOCK, rgb.shape[1] // _BLOCK
    if nh == 0 or nw == 0:
        return DEFAULT_STEP
    # Whole block rows, spread over the photo: about 20,000 blocks are plenty.
    keep = np.arange(0, nh, max(1, nh * nw // 20000))
    rows = (keep[:, None] * _BLOCK + np.arange(_BLOCK)[None, :]).ravel()
    y = rgb[rows, : nw * _BLOCK] @ (_RGB2YCC[0] * np.float32(255.0))
    means = y.reshape(keep.size, _BLOCK, nw, _BLOCK).mean(axis=(1, 3))
    # Blocks clipped at black or white lost their mean's place on the lattice.
    m = means[(means > 2.0) & (means < 253.0)].astype(np.float64) - 128.0
    if m.size < 64 or m.std() < 1.0:  # too few, or too alike to show a lattice
        return DEFAULT_STEP

    def fit(steps: np.ndarray) -> np.ndarray:
        return np.abs(np.exp(2j * np.pi * m[None, :] / steps[:, None]).mean(axis=1))

    score = fit(_STEPS)
    beside = np.maximum(fit(_STEPS * 0.88), fit(_STEPS * 1.12))
    ok = (score >= _STEP_SCORE) & (score - beside >= _STEP_SHARPNESS)
    if not ok.any():
        return DEFAULT_STEP
    return float(_STEPS[ok & (score >= score[ok].max() - 0.05)].max())


def plan_deblock(
    image: FloatImage, blockiness: float, gain: float, *, lossy: bool = False
) -> DeblockPlan:
    """Decide, once per photo, how strongly :func:`deblock_region` filters.

    ``blockiness`` is the analysis's reading of ``image``; ``gain`` the median gain
    the enhancer is about to apply (luma). Both filters scale with the gain
    (:data:`GAIN_RANGE`, :data:`FLATS_GAIN_RANGE`): what stays dark stays as
    compressed, and a photo left as it is (gain about 1) comes out bit-identical.
    The block filter needs visible blocks and a coarse quantiser
    (:data:`STEP_RANGE`); the flats' smoothing needs either visible blocks or a
    ``lossy`` file (its quantisation is the compression's, and no noise hides it).
    """
    log_gain = float(np.log2(max(gain, 1e-6)))
    blocky = ramp(float(blockiness), BLOCKINESS_RANGE)
    strength = ramp(log_gain, tuple(np.log2(GAIN_RANGE))) * blocky
    phase = grid_phase(image) if strength > 0.0 else (0, 0)
    step = dc_step(image, phase) if strength > 0.0 else DEFAULT_STEP
    # A fine quantiser kept the texture that the ramps would take for block steps.
    strength *= ramp(step, STEP_RANGE)
    flats = ramp(log_gain, tuple(np.log2(FLATS_GAIN_RANGE))) * max(blocky, 1.0 if lossy else 0.0)
    return DeblockPlan(
        strength=strength,
        flats=flats,
        blockiness=float(blockiness),
        gain=float(gain),
        step=step,
        phase=phase,
        coarse=_coarse_flats(image, flats) if flats > 0.0 else None,
    )


def _ramp_edges(lines: np.ndarray, offset: int, threshold: float, strength: float) -> None:
    """Spread the small steps across the block edges between ``lines``' rows, in place.

    Edges lie between rows ``j - 1`` and ``j`` for ``j = offset (mod 8)`` (pass a
    transposed view for the column edges). The excess step ``d`` (the jump minus
    the mean slope beside it) becomes a ramp over the 4 rows either side: each
    moves by ``d * (x / 8 - sign(x) / 2)`` at distance ``x`` from the edge (7/16 of
    the step next to it, 1/16 at the far end), so a step between two flat blocks
    turns into a straight line through both. Steps above ``threshold`` (structure)
    or beside busy rows (texture: an inner step above it) are left alone, fading
    from half of it.
    """
    half = _BLOCK // 2
    first = half + (offset - half) % _BLOCK
    rows = np.arange(first, lines.shape[0] - half + 1, _BLOCK)
    if rows.size == 0:
        return
    at = [lines[rows + k] for k in range(-half, half)]  # each (edges, length)
    p1, p0, q0, q1 = at[half - 2], at[half - 1], at[half], at[half + 1]
    excess = (q0 - p0) - np.float32(0.5) * ((p0 - p1) + (q1 - q0))
    busy = np.zeros_like(excess)
    for k in range(2 * half - 1):
        if k != half - 1:  # the edge itself
            np.maximum(busy, np.abs(at[k + 1] - at[k]), out=busy)
    t = np.float32(threshold)
    keep = np.clip(2.0 - 2.0 * np.abs(excess) / t, 0.0, 1.0)
    keep *= np.clip(2.0 - 2.0 * busy / (t * np.float32(BUSY_RATIO)), 0.0, 1.0)
    d = excess * keep * np.float32(strength)
    for k in range(-half, half):
        x = k + 0.5
        lines[rows + k] = at[k + half] + d * np.float32(x / _BLOCK - np.sign(x) / 2.0)


def _deblock_plane(
    plane: np.ndarray, region: Region, phase: tuple[int, int], t: float, s: float
) -> None:
    """:func:`_ramp_edges` across columns then rows of a luma plane, on the absolute grid."""
    y0, _, x0, _ = region
    _ramp_edges(plane.T, (phase[1] - x0) % _BLOCK, t, s)
    _ramp_edges(plane, (phase[0] - y0) % _BLOCK, t, s)


def _deblock_chroma(
    plane: np.ndarray, region: Region, phase: tuple[int, int], t: float, s: float
) -> np.ndarray:
    """Deblock a chroma plane of 4:2:0 JPEG where it was coded: at half resolution.

    The decoder's upsampling spreads a chroma block's step over three pixels,
    where the full-resolution filter would see a quarter of it; on 2x2 means the
    step is whole again, and the correction found there is brought back up
    bilinearly. The 2x2 pairs are the codec's (they start on the grid's phase), so
    a tile starting on the other parity repeats its first row or column once."""
    y0, _, x0, _ = region
    h, w = plane.shape
    top, left = (y0 - phase[0]) % 2, (x0 - phase[1]) % 2
    pads = ((top, (top + h) % 2), (left, (left + w) % 2))
    padded = np.pad(plane, pads, mode="edge")
    ph, pw = padded.shape
    low = cv2.resize(padded, (pw // 2, ph // 2), interpolation=cv2.INTER_AREA)
    fixed = low.copy()
    # Block edges at full-resolution phase + 16 k, i.e. 8 k on the half-resolution grid.
    _ramp_edges(fixed.T, ((phase[1] - x0 + left) // 2) % _BLOCK, t, s)
    _ramp_edges(fixed, ((phase[0] - y0 + top) // 2) % _BLOCK, t, s)
    corr = cv2.resize(fixed - low, (pw, ph), interpolation=cv2.INTER_LINEAR)
    return plane + corr[top : top + h, left : left + w]


def _box2(x: np.ndarray, radius: int) -> np.ndarray:
    k = (2 * radius + 1, 2 * radius + 1)
    once = cv2.blur(x, k, borderType=cv2.BORDER_REFLECT)
    return cv2.blur(once, k, borderType=cv2.BORDER_REFLECT)


def _coarse_flats(image: FloatImage, amount: float) -> tuple[np.ndarray, np.ndarray]:
    """The flats' coarse level, for the whole photo: (local mean, weight) per 4x4 block.

    A gradient that spans two codes over a wall is a staircase with a step every
    hundred pixels; the fine level's mean (reaching 8 px) softens only its edges.
    On 4x4 block means the same window spans 84 px and the mean reaches 32, which
    rebuilds more of the slope between the steps (on a two-code ramp over 256 px,
    the error to the ramp falls to 0.62 of the staircase's, against 0.91 with the
    fine level alone). It needs more context than a tile has, so it is computed here, once;
    :func:`_apply_coarse` brings it to each tile on the same absolute grid."""
    luma = np.asarray(image, np.float32) @ (_RGB2YCC[0] * np.float32(255.0))
    h, w = luma.shape
    luma = np.pad(luma, ((0, -h % _COARSE), (0, -w % _COARSE)), mode="edge")
    low = cv2.resize(
        luma, (luma.shape[1] // _COARSE, luma.shape[0] // _COARSE), interpolation=cv2.INTER_AREA
    )
    return _box2(low, _FLAT_RADIUS), _flat_weight(low, amount)


def _apply_coarse(luma: np.ndarray, plan: DeblockPlan, region: Region) -> np.ndarray:
    """Move the tile's 4x4 block means toward the coarse level's local mean where it is
    flat, bringing the change to every pixel bilinearly. The tile's blocks are the whole
    photo's (a tile starting off the 4 px grid repeats its first rows and columns)."""
    assert plan.coarse is not None
    mean, weight = plan.coarse
    y0, _, x0, _ = region
    h, w = luma.shape
    top, left = y0 % _COARSE, x0 % _COARSE
    pads = ((top, -(top + h) % _COARSE), (left, -(left + w) % _COARSE))
    padded = np.pad(luma * np.float32(255.0), pads, mode="edge")
    ph, pw = padded.shape
    bh, bw = ph // _COARSE, pw // _COARSE
    low = cv2.resize(padded, (bw, bh), interpolation=cv2.INTER_AREA)
    by, bx = (y0 - top) // _COARSE, (x0 - left) // _COARSE
    # A tile reaching past the photo's last block (it cannot) would repeat it.
    m = mean[by : by + bh, bx : bx + bw]
    wt = weight[by : by + bh, bx : bx + bw]
    corr = wt * (m - low) / np.float32(255.0)
    up = cv2.resize(corr, (pw, ph), interpolation=cv2.INTER_LINEAR)
    return luma + up[top : top + h, left : left + w]


def _flat_weight(codes: np.ndarray, amount: float) -> np.ndarray:
    """How flat each pixel's neighbourhood (:data:`_FLAT_WINDOW`) is, from 1 (its codes span
    :data:`FLAT_CODES`'s first value or less) to 0 (the second or more), times ``amount``;
    smoothed, so a flat fades into its surroundings."""
    kernel = np.ones((_FLAT_WINDOW, _FLAT_WINDOW), np.uint8)
    spread = cv2.dilate(codes, kernel) - cv2.erode(codes, kernel)
    lo, hi = FLAT_CODES
    weight = np.clip((hi - spread) / (hi - lo), 0.0, 1.0) * np.float32(amount)
    k = 2 * _WEIGHT_RADIUS + 1
    return cv2.blur(weight, (k, k), borderType=cv2.BORDER_REFLECT)


def _smooth_flats(luma: np.ndarray, codes: np.ndarray, amount: float) -> np.ndarray:
    """Luma with its quantised flats replaced by a local mean (see the module docstring).

    ``codes`` is the input luma in 8-bit codes, before any filtering: the window's
    range is read there. Returns the new luma."""
    weight = _flat_weight(codes, amount)
    return luma + weight * (_box2(luma, _FLAT_RADIUS) - luma)


def deblock_region(tile: FloatImage, plan: DeblockPlan | None, region: Region) -> FloatImage:
    """Deblock one tile of the dark input (a copy; ``tile`` itself if the plan is off).

    ``region`` is the tile's (y0, y1, x0, x1) in the whole photo: the block grid is
    the photo's, so tiles agree (given :data:`DEBLOCK_REACH` of context)."""
    if plan is None or not plan.active:
        return tile
    luma, cb, cr = cv2.split(cv2.transform(np.ascontiguousarray(tile, np.float32), _RGB2YCC))
    codes = luma * np.float32(255.0)
    s = plan.strength
    if s > 0.0:
        t = plan.threshold_codes / 255.0
        _deblock_plane(luma, region, plan.phase, t, s)
        cb = _deblock_chroma(cb, region, plan.phase, t, s)
        cr = _deblock_chroma(cr, region, plan.phase, t, s)

    if plan.flats > 0.0:
        if plan.coarse is not None:
            luma = _apply_coarse(luma, plan, region)
        luma = _smooth_flats(luma, codes, plan.flats)
    out = cv2.transform(cv2.merge([luma, cb, cr]), _YCC2RGB)
    return np.clip(out, 0.0, 1.0, out=out)
