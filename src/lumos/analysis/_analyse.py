"""One pass over a photo: exposure statistics, noise, and how even the light is.

Exposure and light are measured on a small proxy (long side <= 512 px): they are
smooth, global properties and the proxy makes :func:`analyse` cost the same
for any photo size. Noise is measured on full-resolution crops (see
:mod:`lumos.analysis._noise`).

Why the light heuristic works
-----------------------------
Retinex splits an image into illumination times reflectance. A heavily
smoothed max(R, G, B) is a good stand-in for the illumination: reflectances
vary at fine scale and average out, while light falls off over large areas.
Under *uniform* light (daylight, an evenly lit room) that map spans little
range, typically under two stops between its bright (95th percentile) and dark
(5th percentile) parts; scene albedo alone rarely exceeds a 4:1 ratio at that
scale. Under *uneven* light (a street lamp in the dark, a lit window in a dim
room) it spans three stops or more, and the frame contains near-clipped light
sources right next to almost black areas. The score adds both cues:

``uneven_score = log2(p95 / p5)`` of the smoothed illumination (in stops)
``+ 8 * hot_fraction`` where ``hot_fraction`` is the share of the proxy that is
near-clipped *and* within a few pixels of a very dark area.

The score is kept (the classical pipeline scales some strengths by it), but
the ``light`` verdict and its confidence now come from the learned classifier
of :mod:`lumos.light`, which uses this score as one of its features.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import cv2
import numpy as np

from .._color import LUMA as _LUMA
from .._color import channel_max
from .._types import FloatImage
from ..light import classify_light
from ..overexposure import over_stops
from ._haze import measure_haze
from ._noise import JPEG_BLOCKINESS, JPEG_NOISE_FLOOR, estimate_noise, jpeg_blockiness

__all__ = ["Analysis", "analyse", "make_proxy"]

PROXY_SIDE = 512
LOW_LIGHT_MEAN = 0.25
"""Mean luma below which a photo counts as low-light."""
BRIGHT_LEVEL = 0.5
"""Brightest-channel value from which a pixel counts toward ``Analysis.bright_fraction``."""
UNCLIPPED_LEVEL = 0.95
"""Brightest-channel value under which a pixel counts toward ``Analysis.unclipped_median``."""


def make_proxy(rgb: FloatImage, side: int = PROXY_SIDE) -> FloatImage:
    """Area-downscale so that the long side is at most ``side`` (never upscale)."""
    h, w = rgb.shape[:2]
    s = min(1.0, side / max(h, w))
    if s >= 1.0:
        return np.ascontiguousarray(rgb, np.float32)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


@dataclass(frozen=True)
class Analysis:
    """Measurements of one photo; all intensities are in [0, 1].

    Attributes
    ----------
    width, height : int
        Size in pixels.
    mean_luminance, median_luminance, p01, p99 : float
        Statistics of the Rec.709 luma of the gamma-encoded RGB.
    dark_fraction : float
        Share of pixels with luma below 0.05.
    clipped_fraction : float
        Share of pixels with any channel at or above 0.99.
    noise_sigma : float
        Estimated noise std of the luma.
    noise_sigma_rgb : tuple of 3 floats
        Estimated noise std of R, G, B.
    light : {"uniform", "uneven"}
        Whether the scene light is even or comes from local sources.
    light_confidence : float
        In [0.5, 1]; 0.5 = a coin toss (the classifier's probability of ``light``).
    uneven_score : float
        The score behind ``light`` (see the module docstring).
    is_low_light : bool
        Mean luma below :data:`LOW_LIGHT_MEAN`.
    light_forced : bool
        ``light`` was set by the user (``--light``), not measured.
    jpeg_blockiness : float
        How much JPEG's 8x8 blocks show (:func:`lumos.analysis.jpeg_blockiness`; about 1
        for a photo never compressed). Where they show in a dark photo, the noise
        reading is at least what compression is known to hide (see ``_noise``, step 7).
    lossy : bool
        The photo came from a lossily compressed file (JPEG, HEIC; ``analyse(lossy=...)``):
        step 7 applies whether or not its blocks show.
    bright_fraction : float
        Share of the (proxy's) pixels whose brightest channel reaches
        :data:`BRIGHT_LEVEL`: how much of the frame the exposure put in the upper half
        of the range. A dark scene exposed for its highlights has a good share there;
        an under-exposed one has almost none (see :mod:`lumos.stages.exposure`).
    haze_density : float
        Haze measure in [0, 1], the dark channel relative to the local brightness
        (:mod:`lumos.analysis._haze`; clear photos mostly under 0.45).
    hazy : bool
        ``haze_density`` reaches :data:`lumos.analysis.HAZY_AT`: ``--dehaze auto`` acts.
    p05 : float
        5th percentile of luma (proxy). Over-exposure lifts a photo's darkest tones with
        the rest: the real over-exposed photos we have keep them at 0.16-0.75, where a
        bright but correct photo (snow, a white page) still has some dark detail.
    highlight_headroom : float
        ``1 -`` the 99th percentile of the brightest channel (proxy): how far the
        brightest 1% of the frame stays from white. 0 means at least 1% is at the white
        point (see :mod:`lumos.stages.exposure`, over-exposure).
    over_stops : float
        How many stops over the photo reads to the learned over-exposure regressor
        (:func:`lumos.overexposure.over_stops`, on the proxy): 0 for a correct or an
        under-exposed photo. The over-exposure verdict is made from it.
    unclipped_median : float
        Median luma of the proxy's pixels whose brightest channel stays under
        :data:`UNCLIPPED_LEVEL` (1 where every pixel reaches it): the tones of what the
        exposure did not blow. An over-exposed photo lifts its subject with the rest; a
        correct one against a blown sky (a backlit flower) keeps it in the middle tones.
    """

    width: int
    height: int
    mean_luminance: float
    median_luminance: float
    p01: float
    p99: float
    dark_fraction: float
    clipped_fraction: float
    noise_sigma: float
    noise_sigma_rgb: tuple[float, float, float]
    light: Literal["uniform", "uneven"]
    light_confidence: float
    uneven_score: float
    is_low_light: bool
    light_forced: bool = False
    jpeg_blockiness: float = 1.0
    lossy: bool = False
    bright_fraction: float = 0.0
    haze_density: float = 0.0
    hazy: bool = False
    p05: float = 0.0
    highlight_headroom: float = 1.0
    over_stops: float = 0.0
    unclipped_median: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (floats rounded to 5 decimals, tuple as list)."""
        out: dict[str, Any] = {}
        for k, v in asdict(self).items():
            if isinstance(v, float):
                v = round(v, 5)
            elif isinstance(v, tuple):
                v = [round(float(x), 5) for x in v]
            out[k] = v
        return out


def compression_note(blockiness: float, lossy: bool = False) -> str:
    """A line for people: whether the photo was compressed, and what follows."""
    hidden = f"if dark, up to {JPEG_NOISE_FLOOR * 255:.2f}/255 noise assumed hidden"
    if blockiness >= JPEG_BLOCKINESS[0]:
        return f"JPEG blocks show ({blockiness:.2f}); {hidden}"
    if lossy:
        return f"lossy file, no blocks seen ({blockiness:.2f}); {hidden}"
    return f"no JPEG blocks seen ({blockiness:.2f})"


def _tone_statistics(luma: np.ndarray, brightest: np.ndarray) -> dict[str, Any]:
    """The :class:`Analysis` fields read from a proxy's tones (luma, brightest channel)."""
    p01, p05, med, p99 = (float(v) for v in np.percentile(luma, [1.0, 5.0, 50.0, 99.0]))
    mean = float(luma.mean())
    return {
        "mean_luminance": mean,
        "median_luminance": med,
        "p01": p01,
        "p05": p05,
        "p99": p99,
        "is_low_light": mean < LOW_LIGHT_MEAN,
        "bright_fraction": float(np.mean(brightest >= BRIGHT_LEVEL)),
        "highlight_headroom": max(0.0, 1.0 - float(np.percentile(brightest, 99.0))),
    }


def tone_statistics(proxy: FloatImage) -> dict[str, Any]:
    """The tone fields of :func:`analyse` (mean, median and percentiles of luma, low
    light, bright share, highlight headroom), read from a photo's :func:`make_proxy` as
    ``analyse`` reads them: for a stage in front of an enhancer (dehazing, darkening)
    to tell it the tones of the photo it hands on."""
    return _tone_statistics(proxy @ _LUMA, channel_max(proxy))


def _unclipped_median(luma: np.ndarray, brightest: np.ndarray) -> float:
    """Median luma where the brightest channel is under :data:`UNCLIPPED_LEVEL`."""
    kept = brightest < UNCLIPPED_LEVEL
    return float(np.median(luma[kept])) if kept.any() else 1.0


def _light_score(proxy: FloatImage) -> float:
    """Uneven-light score of a proxy (see the module docstring)."""
    h, w = proxy.shape[:2]
    mx = proxy.max(axis=2)
    # Smooth at ~1/16 of the frame: larger than texture, smaller than light fall-off.
    sigma = max(1.0, max(h, w) / 16.0)
    illum = cv2.GaussianBlur(mx, (0, 0), sigma)
    lo, hi = np.percentile(illum, [5.0, 95.0])
    stops = math.log2((hi + 1e-3) / (lo + 1e-3))
    hot = mx >= 0.95
    dark = (proxy @ _LUMA) < 0.03
    if hot.any() and dark.any():
        k = max(3, round(max(h, w) / 64)) | 1
        near_dark = cv2.dilate(dark.astype(np.uint8), np.ones((k, k), np.uint8)) > 0
        hot_frac = float(np.mean(hot & near_dark))
    else:
        hot_frac = 0.0
    return stops + 8.0 * min(hot_frac, 0.25)


def analyse(rgb: FloatImage, *, lossy: bool = False) -> Analysis:
    """Measure exposure, noise and light of an RGB float32 image.

    Parameters
    ----------
    rgb : (H, W, 3) float32 ndarray
        Values in [0, 1].
    lossy : bool
        ``rgb`` was decoded from a lossy file (``ImageMeta.lossy``: JPEG, HEIC).

    Returns
    -------
    Analysis

    Examples
    --------
    >>> a = analyse(np.full((64, 64, 3), 0.04, np.float32))
    >>> a.is_low_light, a.light
    (True, 'uniform')
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) image, got shape {rgb.shape}")
    rgb = np.asarray(rgb, np.float32)
    h, w = rgb.shape[:2]
    proxy = make_proxy(rgb)
    luma = proxy @ _LUMA
    brightest = channel_max(proxy)
    # Clipped and dark shares are per-pixel properties that area-averaging hides;
    # use a strided full-resolution sample instead (exact enough, cheap).
    step = max(1, int(math.sqrt(h * w / 1e6)))
    sample = rgb[::step, ::step]
    clipped = float(np.mean(np.any(sample >= 0.99, axis=2)))
    dark = float(np.mean(sample @ _LUMA < 0.05))
    blockiness = jpeg_blockiness(rgb)  # measured once: for the noise prior and the record
    sigma, sigma_rgb = estimate_noise(rgb, lossy=lossy, blockiness=blockiness)
    score = _light_score(proxy)
    decision = classify_light(proxy)
    haze = measure_haze(proxy)
    light: Literal["uniform", "uneven"] = decision.label
    conf = decision.confidence
    return Analysis(
        width=w,
        height=h,
        **_tone_statistics(luma, brightest),
        dark_fraction=dark,
        clipped_fraction=clipped,
        noise_sigma=sigma,
        noise_sigma_rgb=sigma_rgb,
        light=light,
        light_confidence=float(conf),
        uneven_score=float(score),
        jpeg_blockiness=blockiness,
        lossy=lossy,
        haze_density=haze.density,
        hazy=haze.hazy,
        over_stops=over_stops(proxy),
        unclipped_median=_unclipped_median(luma, brightest),
    )
