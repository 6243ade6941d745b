"""Highlights: bring an over-exposed photo down, in linear light (``--exposure``).

The brightening stages only ever lift a photo; this one is the other direction, for
a photo the over-exposure verdict (:func:`lumos.stages.exposure.over_exposure_verdict`)
calls over-exposed: a washed-out window, a flash-lit face, snow shot 1-2 stops over.

How
---
An exposure error is a scale of the light (MSEC's model: linear RGB times ``2**EV``,
clipped at the sensor's white point). So the correction works on linear light
(sRGB decoded), on the luminance ``Y``, and scales R, G and B by one ratio: hue and
saturation stay as they are.

1. **A base**: ``log Y`` smoothed edge-aware (guided filter, radius a twentieth of the
   long side): the light and the large shapes, not the texture. Only the filter's
   linear coefficients are computed, once, on a proxy; a tile samples them at its own
   pixels and takes ``base = a * log Y + b`` with its own ``log Y`` as the guide (the
   fast guided filter, as :mod:`lumos.stages.dehaze` does): no halo, and any tile
   gets what the whole frame would (no seams).
2. **A global curve on the base** ``F``: the exposure divided by ``k`` (``F(b) = b / k``)
   up to :data:`SHOULDER`, then a quadratic shoulder up to ``F(1) = 1``. ``k = 2**ev``:
   with ``--exposure auto`` ``ev`` is the verdict's learned reading of how many stops
   over the photo is (past its dead zone), at most :data:`MAX_EV`; with ``darken`` it is
   decided on the proxy, the darkening that brings the photo's mean luma to
   :data:`TARGET_MEAN` (at least :data:`FORCED_EV`). Each pixel gets the gain of its
   base, ``F(B) / B``: the texture inside a
   highlight keeps its ratios (its local contrast), where a global curve would have
   flattened it against the shoulder.
3. **White stays white**: the gain is at least the pixel's own ``F(Y) / Y``, which is 1
   at white. A clipped sky keeps its white (no grey patch), a small specular inside a
   darker base rolls off along the same shoulder, and since both terms grow with ``Y``
   the result is monotone (no inverted tones at the edge of a clipped area).

Where the verdict's strength is 0 (and ``--exposure darken`` was not asked for) the
wrapper :class:`Highlighted` hands both calls to the enhancer behind it untouched: a
photo that is not over-exposed comes out bit for bit as without this stage.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np

from .._color import LUMA as _LUMA
from .._types import FloatImage, FloatMap, Region
from ..analysis import Analysis, make_proxy, measure_haze, tone_statistics
from ..config import EXPOSURE_CHOICES
from ..enhancer import Enhancer, FrontStage, Plan, TileOutput
from ._filters import guided_coefficients, sample_lowres
from .exposure import OverExposure, over_exposure_verdict

__all__ = [
    "EXPOSURE_CHOICES",
    "FORCED_EV",
    "MAX_EV",
    "SHOULDER",
    "TARGET_MEAN",
    "Highlighted",
    "HighlightsPlan",
    "darken_region",
    "highlights_region",
    "highlights_stats",
    "linear_to_srgb",
    "plan_highlights",
    "srgb_to_linear",
    "tone_curve",
]

TARGET_MEAN = 0.46
"""Mean luma (sRGB) ``--exposure darken`` aims at: the middle of the well-exposed photos
we have (Kodak24 0.28-0.67, mean 0.44; cc15, Set14, McMaster about 0.45-0.50). ``auto``
darkens by the verdict's learned reading instead (held-out photos, the stage alone: the
reading 19.73 / 16.30 dB at EV +1 / +1.5, this target 18.42 / 15.90)."""
MAX_EV = 2.5
"""Most the exposure is lowered by, in stops (MSEC's range goes to +1.5; beyond 2.5 a
clipped photo has too little left to bring down)."""
FORCED_EV = 0.5
"""Least ``--exposure darken`` lowers the exposure by, in stops."""
SHOULDER = 0.7
"""Linear luminance of the base where the tone curve leaves the straight ``b / k`` and
bends up to reach white at 1 (sRGB 0.85). Later is truer to a clipped exposure error
(synthetic Set14 + McMaster, the stage alone, forced: EV +1 / +1.5 at 0.3: 21.24 / 17.20 dB,
0.5: 21.77 / 17.85, 0.7: 22.32 / 18.48, 0.9: 23.11 / 19.50), but the later the bend, the
steeper the step from the darkened surroundings up to a clipped area's white."""
PROXY_SIDE = 512
"""Long side of the proxy the curve and the base's coefficients come from."""
BASE_EPS = 0.1
"""Guided-filter regularisation on ``log Y``: variation under a std of ~0.3 (35% of
the light) is texture kept in the detail, above it an edge the base follows."""
_LOG_EPS = 1e-3


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    """Inverse sRGB transfer function (IEC 61966-2-1), float32."""
    x = np.asarray(x, np.float32)
    high = cv2.pow((x + np.float32(0.055)) / np.float32(1.055), 2.4)
    return np.where(x <= 0.04045, x / np.float32(12.92), high).astype(np.float32)


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    """sRGB transfer function (IEC 61966-2-1), float32; input clipped to [0, 1]."""
    x = np.clip(np.asarray(x, np.float32), 0.0, 1.0)
    high = np.float32(1.055) * cv2.pow(x, 1 / 2.4) - np.float32(0.055)
    return np.where(x <= 0.0031308, x * np.float32(12.92), high).astype(np.float32)


def tone_curve(b: np.ndarray, k: float) -> np.ndarray:
    """``F(b)``: ``b / k`` up to :data:`SHOULDER`, then a quadratic shoulder to ``F(1) = 1``.

    C1 at the shoulder (the quadratic starts flat) and monotone (both parts grow).

    >>> tone_curve(np.array([0.25, 1.0], np.float32), 2.0).tolist()
    [0.125, 1.0]
    """
    b = np.asarray(b, np.float32)
    inv = np.float32(1.0 / k)
    s = np.clip((b - np.float32(SHOULDER)) / np.float32(1.0 - SHOULDER), 0.0, None)
    return (b * inv + (np.float32(1.0) - inv) * s * s).astype(np.float32)


@dataclass(frozen=True)
class HighlightsPlan:
    """Global decisions of the highlights stage (immutable: tiles may run concurrently).

    Attributes
    ----------
    mode : str
        The ``--exposure`` choice (:data:`EXPOSURE_CHOICES`).
    verdict : OverExposure
        What the over-exposure verdict said of the input.
    strength : float
        Share of the darkening applied, in [0, 1] (the verdict's, 1 for ``darken``, 0 for
        ``brighten``).
    ev : float
        Stops the exposure is lowered by (0: the stage does nothing).
    coeffs : (h, w, 2) float32 ndarray or None
        Low-resolution guided-filter coefficients of the base (``log B = a * log Y + b``).
    shape : (H, W)
        Full image size.
    """

    mode: str
    verdict: OverExposure
    strength: float
    ev: float
    coeffs: np.ndarray | None
    shape: tuple[int, int]

    @property
    def active(self) -> bool:
        """Whether any pixel changes."""
        return self.ev > 0.0 and self.coeffs is not None

    def why(self) -> str:
        """One line for people: what was done and why."""
        if self.mode == "brighten":
            return "not darkened: --exposure brighten (brightening only)"
        if self.mode == "darken" and self.active:
            return f"darkened by {self.ev:.2f} stops: --exposure darken ({self.verdict.text()})"
        if self.active:
            return f"darkened by {self.ev:.2f} stops: {self.verdict.text()}"
        return f"not darkened: {self.verdict.text()}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (for ``PipelineResult.stats["exposure"]``)."""
        return {
            "mode": self.mode,
            "darkened": self.active,
            "darken_ev": round(float(self.ev), 4),
            "darken_strength": round(float(self.strength), 4),
            "over": self.verdict.to_dict(),
            "why": self.why(),
        }


def _log_luma(lin: FloatImage) -> FloatMap:
    return np.log(cv2.transform(lin, _LUMA[None, :]) + np.float32(_LOG_EPS)).astype(np.float32)


def _mean_after(lin: FloatImage, y: FloatMap, k: float) -> float:
    """Mean sRGB luma of the proxy after darkening by ``k`` (pixel curve, as a guess)."""
    gain = tone_curve(y, k) / np.maximum(y, np.float32(1e-6))
    out = linear_to_srgb(lin * gain[..., None])
    return float((out @ _LUMA).mean())


def _choose_ev(lin: FloatImage) -> float:
    """Stops of darkening that bring the proxy's mean luma to :data:`TARGET_MEAN`
    (bisection: the mean falls as ``k`` grows), within [0, :data:`MAX_EV`]."""
    y = cv2.transform(lin, _LUMA[None, :])
    if _mean_after(lin, y, 1.0) <= TARGET_MEAN:
        return 0.0
    lo, hi = 0.0, MAX_EV
    if _mean_after(lin, y, 2.0**hi) >= TARGET_MEAN:
        return hi
    for _ in range(20):
        mid = 0.5 * (lo + hi)
        if _mean_after(lin, y, 2.0**mid) > TARGET_MEAN:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def plan_highlights(image: FloatImage, analysis: Analysis, mode: str = "auto") -> HighlightsPlan:
    """Decide the darkening of ``image`` on a proxy (see the module docstring)."""
    verdict = over_exposure_verdict(analysis)
    h, w = image.shape[:2]
    strength = {"auto": verdict.strength, "darken": 1.0}.get(mode, 0.0)
    if strength <= 0.0:
        return HighlightsPlan(mode, verdict, 0.0, 0.0, None, (h, w))
    lin = srgb_to_linear(make_proxy(image, PROXY_SIDE))
    if mode == "darken":
        # Told to darken: down to the target mean, whatever the reading.
        ev = max(_choose_ev(lin), FORCED_EV)
    else:
        # The learned reading is the darkening: an exposure error of k stops is undone
        # by dividing the light by 2**k (the tone curve below the shoulder).
        ev = min(verdict.ev, MAX_EV)
    if ev <= 0.0:
        return HighlightsPlan(mode, verdict, strength, 0.0, None, (h, w))
    g = _log_luma(lin)
    radius = max(1, min(round(max(g.shape) / 20), (min(g.shape) - 1) // 2))
    a, b = guided_coefficients(g, g, radius=radius, eps=BASE_EPS)
    coeffs = np.ascontiguousarray(np.dstack([a, b]), np.float32)
    return HighlightsPlan(mode, verdict, strength, float(ev), coeffs, (h, w))


def highlights_region(tile: FloatImage, hplan: HighlightsPlan, region: Region) -> FloatImage:
    """Darken one tile; ``region`` is its window in the full image (no halo needed)."""
    return darken_region(tile, hplan, region)[0]


def darken_region(
    tile: FloatImage, hplan: HighlightsPlan, region: Region
) -> tuple[FloatImage, FloatMap]:
    """:func:`highlights_region` and the gain each pixel's linear light was multiplied
    by (the exposure map of the explain report: 1 where kept, ``1 / k`` at most)."""
    if not hplan.active:
        return tile, np.ones(tile.shape[:2], np.float32)
    assert hplan.coeffs is not None
    k = float(2.0**hplan.ev)
    lin = srgb_to_linear(tile)
    g = _log_luma(lin)
    ab = sample_lowres(hplan.coeffs, region, hplan.shape)
    base = np.clip(np.exp(ab[..., 0] * g + ab[..., 1]) - np.float32(_LOG_EPS), 1e-6, 1.0)
    y = np.clip(np.exp(g) - np.float32(_LOG_EPS), 0.0, 1.0)
    by_base = tone_curve(base, k) / base
    # The pixel's own curve as a floor: white (F(1) = 1) stays white.
    by_pixel = tone_curve(y, k) / np.maximum(y, np.float32(1e-6))
    gain = np.minimum(np.maximum(by_base, by_pixel), np.float32(1.0))
    return linear_to_srgb(lin * gain[..., None]), gain.astype(np.float32)


def _exposure_of(image: FloatImage, analysis: Analysis) -> Analysis:
    """``analysis`` with the tone (and haze) statistics of the darkened photo, so the
    enhancer behind plans on what it is given. Noise and light stay as measured."""
    proxy = make_proxy(image)
    haze = measure_haze(proxy)
    return replace(analysis, **tone_statistics(proxy), haze_density=haze.density, hazy=haze.hazy)


STRIP = 512
"""Rows darkened at once when the whole photo is darkened for the enhancer's plan."""


def highlights_image(image: FloatImage, hplan: HighlightsPlan) -> FloatImage:
    """Darken a whole image, :data:`STRIP` rows at a time (bounds the temporaries)."""
    if not hplan.active:
        return image
    h, w = image.shape[:2]
    out = np.empty_like(image)
    for y0 in range(0, h, STRIP):
        y1 = min(h, y0 + STRIP)
        out[y0:y1] = highlights_region(image[y0:y1], hplan, (y0, y1, 0, w))
    return out


class Highlighted(FrontStage):
    """An enhancer with the highlights stage in front (the first stage after analysis).

    ``prepare`` asks the over-exposure verdict, plans the darkening on the whole photo
    and lets the inner enhancer plan on the darkened copy (so its own exposure verdict
    sees a photo that needs no brightening); ``process_region`` darkens each tile and
    hands it on. Where nothing is darkened both calls are the inner enhancer's,
    untouched: bit for bit the photo it would have made alone.
    """

    def __init__(self, inner: Enhancer, mode: str = "auto") -> None:
        super().__init__(inner)
        self.mode = mode

    def prepare(
        self,
        image: FloatImage,
        analysis: Analysis,
        *,
        denoise: float | None,
        detail: float | None,
        brightness: float | None,
        shadows: float | None = None,
    ) -> Plan:
        hplan = plan_highlights(image, analysis, self.mode)
        darkened = None
        if hplan.active:
            image = darkened = highlights_image(image, hplan)
            analysis = _exposure_of(image, analysis)
        plan = self.inner.prepare(
            image, analysis, denoise=denoise, detail=detail, brightness=brightness, shadows=shadows
        )
        # The darkened photo is kept for the tiles to slice: darkening is per pixel, so a
        # tile's window of it is what darkening the tile would give, for half the cost
        # (about 1 s per 12 MP on one core).
        return replace(
            plan, params={**plan.params, "highlights": hplan, "highlights_image": darkened}
        )

    def process_region(
        self,
        tile: FloatImage,
        plan: Plan,
        region: Region,
        *,
        keep_intermediates: bool = False,
    ) -> TileOutput:
        hplan: HighlightsPlan = plan.params["highlights"]
        if not hplan.active:
            return self.inner.process_region(
                tile, plan, region, keep_intermediates=keep_intermediates
            )
        y0, y1, x0, x1 = region
        whole = plan.params.get("highlights_image")
        if keep_intermediates or whole is None or whole[y0:y1, x0:x1].shape != tile.shape:
            darker, gain = darken_region(tile, hplan, region)
        else:
            darker, gain = whole[y0:y1, x0:x1], None
        out = self.inner.process_region(darker, plan, region, keep_intermediates=keep_intermediates)
        if keep_intermediates:
            out.intermediates["exposure_map"] = gain
            out.intermediates["highlights"] = darker
        return out


def highlights_stats(plan: Plan) -> dict[str, Any] | None:
    """The darkening decision in a plan (``None``: no highlights stage ran)."""
    hplan = plan.params.get("highlights")
    return hplan.to_dict() if isinstance(hplan, HighlightsPlan) else None
