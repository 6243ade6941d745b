"""Dehazing by the dark channel prior, before any enhancer brightens (``--dehaze``).

The model
---------
A hazy pixel is the scene's radiance ``J`` attenuated by the transmission ``t``
plus the airlight ``A`` scattered towards the camera (Koschmieder):
``I = J * t + A * (1 - t)``. He, Sun and Tang's dark channel prior ("Single
image haze removal using dark channel prior", CVPR 2009) says that the dark
channel of ``J`` is about 0, which gives ``t = 1 - omega * dark(I / A)`` and then
``J = (I - A) / max(t, t0) + A``.

How it runs here
----------------
Every decision is global, once, in :func:`plan_dehaze`, on a proxy (long side
512 px): the airlight (the mean colour of the 0.1% of proxy pixels with the
highest dark channel, He et al.'s choice made robust to a single white pixel),
the coarse transmission, and its refinement by a guided filter (He et al.,
TPAMI 2013) steered by the proxy's luma. Only the guided filter's smoothed
linear coefficients ``(a, b)`` are kept; a tile samples them at its
full-resolution pixels (:func:`lumos.stages._filters.sample_lowres`) and takes
``t = a * luma + b`` with its own luma as the guide: the fast guided filter
(He and Sun, arXiv:1505.00996). The transmission therefore follows the
full-resolution edges, needs no halo, and any tile gets exactly what the whole
frame would (no seams).

The learned dehazer
-------------------
With ``--dehazer auto`` (the default, when its weights are installed) or
``learned``, the airlight and the coarse transmission come from LumosDH
(:mod:`lumos.models.dehazer`, trained by :mod:`lumos.train.dh`) on a 384-px proxy
instead of the dark channel; everything after is the same path (guided-filter
coefficients, sampled per tile, ``J = (I - A) / t + A``), so the full-resolution
cost and the seamless tiles are DCP's. ``--dehazer dcp`` keeps the prior.

``strength`` ``s`` blends the transmission toward 1 (``1 - s * (1 - t)``): 0 is the
identity, 1 He et al.'s full result with ``omega`` = 0.95 (a little haze kept so
that distance still reads as distance).

Noise
-----
``J - A = (I - A) / t``: whatever noise the hazy pixel carried is multiplied by
``1 / t``, up to ``1 / T_MIN`` = 5x in the densest haze. :class:`Dehazed`
hands that factor to the enhancer with the noise level (``plan.params["sigma"]``
becomes a per-pixel map for the tile), so the denoiser, told
``sigma = gain * noise``, knows it: as LumosNet tells LumosDN.

Order
-----
Dehazing runs *before* brightening, in front of every enhancer (:class:`Dehazed`).
Measured on the synthetic Kodak24 haze darkened 8x with noise (``bench/dehaze.py``,
"dark and hazy"; PSNR / GT-mean PSNR / SSIM against the clean photo, strength 1):

* classical: no dehazing 13.37 / 18.45 / 0.553, dehaze then brighten
  14.53 / 20.18 / 0.605, brighten then dehaze 13.29 / 20.51 / 0.563;
* lumosnet: 14.62 / 17.67 / 0.588, 15.75 / 19.96 / 0.664, 16.81 / 20.77 / 0.671.

Before wins for classical (PSNR and SSIM), after wins for LumosNet (about 1 dB),
whose denoised output gives the dark channel a cleaner floor than the noisy night
photo does. "Before" was kept: it is one place for every enhancer, the enhancer
plans its exposure on the dehazed photo, and the denoiser is told of the 1/t noise
gain; after the finishing, the amplified noise would stay. Running the dehazing
between LumosDN and the finishing is the follow-up (``docs/design/dehaze.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np

from .._color import LUMA as _LUMA
from .._types import FloatImage, FloatMap, Region
from ..analysis import Analysis, dark_channel, make_proxy, tone_statistics
from ..analysis._haze import auto_strength, patch_radius
from ..config import DEHAZER_CHOICES
from ..enhancer import Enhancer, FrontStage, Plan, TileOutput
from ._filters import guided_coefficients, sample_lowres

__all__ = [
    "DEHAZERS",
    "OMEGA",
    "T_MIN",
    "DehazePlan",
    "Dehazed",
    "dehaze_image",
    "dehaze_region",
    "dehaze_stats",
    "estimate_airlight",
    "plan_dehaze",
    "resolve_dehazer",
    "resolve_strength",
]

PROXY_SIDE = 512
"""Long side of the proxy the airlight and the transmission's coefficients come from."""
OMEGA = 0.95
"""Share of the haze removed at full strength (He et al.'s value)."""
T_MIN = 0.2
"""Lowest transmission: the noise gain of dehazing is at most ``1 / T_MIN`` = 5x (He et al.
use 0.1; at 0.15 JPEG blocks in fog were still amplified into view)."""
AIRLIGHT_TOP = 0.001
"""Share of proxy pixels, highest dark channel first, whose mean colour is the airlight."""
GUIDED_RADIUS = 4
"""Guided-filter radius in dark-channel patch radii (He et al.: 60 px for 15-px patches)."""
GUIDED_EPS = 1e-3
"""Guided-filter regularisation (He et al.'s value): below it, luma variation is smoothed."""
AIRLIGHT_FLOOR = 0.02
"""Lowest airlight channel (a black frame has no haze to speak of; avoids dividing by 0)."""
SKY_TOLERANCE = 0.2
"""Where a pixel is within this of the airlight (sky, fog), the dark channel prior does not
hold: its transmission is multiplied by ``K / |I - A|`` (the tolerance of Li et al., "Sky
region detection in single image dehazing"). Without it (``bench/dehaze.py``) the foggy sky
of ``campus.JPG``, ``t`` at the floor, got its JPEG blocks amplified into coloured patches
and a Beijing sky turned blotchy; 0.1 left some, 0.25 none. The cost is in dense haze
without sky, where the prior holds: SOTS-indoor 19.74 dB at 0 (T_MIN 0.15), 18.35 at
0.15, 17.11 at 0.25 (T_MIN 0.2); the synthetic Kodak24 set 20.48, 20.14, 19.39."""
PROXY_BLUR = 1.5
"""Gaussian blur (proxy pixels) before the dark channel of a noisy photo is taken: a minimum
over a patch picks the lowest noise sample, so on a noisy night photo the dark channel read
low, the transmission high, and the haze stayed (see ``docs/design/dehaze.md``). On clean
photos it costs: fine dark texture is blurred up (synthetic Kodak24 haze 19.75 -> 18.32 dB),
hence only with noise, fading in over :data:`BLUR_NOISE`."""
BLUR_NOISE = (0.005, 0.008)
"""Noise std on the proxy (the photo's, divided by the downscale factor) over which the
blur fades in. Synthetic Kodak24 haze reads 0.001-0.005, the dark-and-hazy set 0.007-0.012."""
STRIP = 512
"""Rows dehazed at once by :func:`dehaze_image` (bounds its temporaries)."""
DEHAZERS = DEHAZER_CHOICES
"""Values of ``--dehazer``: ``auto`` is :data:`AUTO_DEHAZER`."""
LEARNED_GUIDED_RADIUS = 1 / 48
"""Guided-filter radius for LumosDH's transmission, as a share of the proxy's long side (8 px
at 384): its map already follows depth edges at proxy scale, the filter only has to carry them
to full resolution; DCP's coarse patch map needs the wider 4 patch radii."""
LEARNED_T_MIN = T_MIN
"""Transmission floor for LumosDH's map (the noise gain bound, as for DCP)."""


@dataclass(frozen=True)
class DehazePlan:
    """Global dehazing decisions of one run (immutable: tiles may run concurrently).

    Attributes
    ----------
    strength : float
        In [0, 1]; 0 is no dehazing at all.
    method : {"dcp", "learned"}
        Who estimated the transmission and airlight: the dark channel prior or LumosDH.
    t_min : float
        Lowest transmission used.
    auto : bool
        ``strength`` was chosen from the haze measure (``--dehaze auto``).
    density : float
        The measured haze density (``Analysis.haze_density``).
    airlight : (3,) float32 ndarray
        The airlight colour ``A``.
    coeffs : (h, w, 2) float32 ndarray or None
        Low-resolution guided-filter coefficients of the transmission (``t = a * luma + b``);
        ``None`` when ``strength`` is 0.
    shape : (H, W)
        Full image size.
    """

    strength: float
    auto: bool
    density: float
    airlight: np.ndarray
    coeffs: np.ndarray | None
    shape: tuple[int, int]
    method: str = "dcp"
    t_min: float = T_MIN

    @property
    def active(self) -> bool:
        """Whether any pixel changes."""
        return self.strength > 0.0 and self.coeffs is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record of the decision (for ``PipelineResult.stats``)."""
        return {
            "strength": round(float(self.strength), 4),
            "auto": self.auto,
            "density": round(float(self.density), 4),
            "method": self.method if self.active else None,
            "airlight": [round(float(v), 4) for v in self.airlight] if self.active else None,
        }


def resolve_strength(option: float | None, analysis: Analysis) -> tuple[float, bool]:
    """(strength, auto): ``None`` ("auto") dehazes only a photo the verdict calls hazy."""
    if option is None:
        return (auto_strength(analysis.haze_density) if analysis.hazy else 0.0), True
    return float(option), False


AUTO_DEHAZER = "dcp"
"""What ``--dehazer auto`` runs. The dark channel prior, for now: LumosDH wins on
synthetic haze made like its training data (Kodak24: 23.30 dB against 19.19) but loses
on SOTS-indoor, haze rendered another way (15.67 against 17.80), and ties on the 27
real hazy photos (NIQE with auto 4.39 against 4.41). A default has to generalise;
``--dehazer learned`` is there to try it."""


def resolve_dehazer(option: str) -> str:
    """``dcp`` or ``learned`` for ``--dehazer`` (``auto``: :data:`AUTO_DEHAZER`)."""
    from ..errors import OptionError
    from ..models.dehazer import dehazer_available

    if option not in DEHAZERS:
        raise OptionError(f"must be one of {', '.join(DEHAZERS)}, got {option!r}", option="dehazer")
    choice = AUTO_DEHAZER if option == "auto" else option
    if choice == "learned" and not dehazer_available():
        if option == "learned":
            raise OptionError(
                "the learned dehazer is not installed; use --dehazer dcp", option="dehazer"
            )
        return "dcp"
    return choice


def estimate_airlight(proxy: FloatImage, dark: FloatMap) -> np.ndarray:
    """Mean colour of the :data:`AIRLIGHT_TOP` share of pixels with the highest dark channel."""
    flat = dark.reshape(-1)
    n = max(1, round(flat.size * AIRLIGHT_TOP))
    idx = np.argpartition(flat, flat.size - n)[flat.size - n :]
    a = proxy.reshape(-1, 3)[idx].mean(axis=0)
    return np.clip(a, AIRLIGHT_FLOOR, 1.0).astype(np.float32)


def plan_dehaze(
    image: FloatImage,
    strength: float,
    *,
    auto: bool,
    density: float,
    noise: float = 0.0,
    method: str = "dcp",
) -> DehazePlan:
    """Airlight and transmission coefficients of ``image`` on a proxy (see the module docstring).

    ``noise`` is the photo's noise std (``Analysis.noise_sigma``): see :data:`PROXY_BLUR`.
    ``method`` is ``dcp`` (the dark channel prior) or ``learned`` (LumosDH, :func:`_plan_learned`).
    """
    h, w = image.shape[:2]
    none = np.ones(3, np.float32)
    if strength <= 0.0:
        return DehazePlan(0.0, auto, density, none, None, (h, w), method)
    if method == "learned":
        return _plan_learned(image, strength, auto=auto, density=density)
    proxy = make_proxy(image, PROXY_SIDE)
    r = patch_radius(proxy.shape)
    lo, hi = BLUR_NOISE
    noise_proxy = noise * proxy.shape[0] / h  # area-averaging divides white noise by the factor
    blur = PROXY_BLUR * float(np.clip((noise_proxy - lo) / (hi - lo), 0.0, 1.0))
    if blur > 0.3:
        proxy = cv2.GaussianBlur(proxy, (0, 0), blur, borderType=cv2.BORDER_REFLECT)
    airlight = estimate_airlight(proxy, dark_channel(proxy, r))
    t_raw = 1.0 - np.float32(OMEGA) * dark_channel(proxy / airlight, r)
    if SKY_TOLERANCE > 0:
        distance = np.abs(proxy - airlight).max(axis=2)
        lift = np.maximum(np.float32(SKY_TOLERANCE) / np.maximum(distance, 1e-3), 1.0)
        t_raw = np.minimum(t_raw * lift, 1.0)
    guide = np.ascontiguousarray(proxy @ _LUMA, np.float32)
    radius = max(1, min(GUIDED_RADIUS * r, (min(proxy.shape[:2]) - 1) // 2))
    a, b = guided_coefficients(guide, t_raw.astype(np.float32), radius=radius, eps=GUIDED_EPS)
    coeffs = np.ascontiguousarray(np.dstack([a, b]), np.float32)
    return DehazePlan(float(strength), auto, density, airlight, coeffs, (h, w))


def _plan_learned(image: FloatImage, strength: float, *, auto: bool, density: float) -> DehazePlan:
    """LumosDH's transmission and airlight on its proxy, kept as guided-filter coefficients.

    The same full-resolution path as DCP's: the net's ``t`` goes through the guided filter
    steered by the proxy's luma (a narrow one, :data:`LEARNED_GUIDED_RADIUS`), and a tile
    samples the coefficients. No proxy blur and no sky tolerance: the net was trained on
    noisy photos and on skies, with the dehazed result in its loss.
    """
    from ..models.dehazer import DH_PROXY_SIDE, estimate_haze

    h, w = image.shape[:2]
    proxy = make_proxy(image, DH_PROXY_SIDE)
    est = estimate_haze(proxy)
    airlight = np.clip(est.airlight, AIRLIGHT_FLOOR, 1.0).astype(np.float32)
    guide = np.ascontiguousarray(proxy @ _LUMA, np.float32)
    radius = max(1, round(max(proxy.shape[:2]) * LEARNED_GUIDED_RADIUS))
    radius = min(radius, max(1, (min(proxy.shape[:2]) - 1) // 2))
    a, b = guided_coefficients(guide, est.transmission, radius=radius, eps=GUIDED_EPS)
    coeffs = np.ascontiguousarray(np.dstack([a, b]), np.float32)
    return DehazePlan(
        float(strength), auto, density, airlight, coeffs, (h, w), "learned", LEARNED_T_MIN
    )


def transmission(tile: FloatImage, dplan: DehazePlan, region: Region) -> FloatMap:
    """The transmission at the tile's pixels, bounded by :data:`T_MIN`, blended by strength."""
    assert dplan.coeffs is not None
    ab = sample_lowres(dplan.coeffs, region, dplan.shape)
    t = ab[..., 0] * (tile @ _LUMA) + ab[..., 1]
    t = np.clip(t, dplan.t_min, 1.0)
    s = np.float32(dplan.strength)
    return (1.0 - s * (1.0 - t)).astype(np.float32)


def dehaze_region(
    tile: FloatImage, dplan: DehazePlan, region: Region
) -> tuple[FloatImage, FloatMap]:
    """Dehaze one tile: (radiance in [0, 1], transmission used). ``region`` is the tile's
    window in the full image; the result does not depend on how the image was cut."""
    t = transmission(tile, dplan, region)
    a = dplan.airlight.astype(np.float32)
    out = (tile - a) / t[..., None] + a
    return np.clip(out, 0.0, 1.0).astype(np.float32), t


def dehaze_image(image: FloatImage, dplan: DehazePlan) -> FloatImage:
    """Dehaze a whole image, :data:`STRIP` rows at a time (the copy an enhancer plans on)."""
    if not dplan.active:
        return image
    h, w = image.shape[:2]
    out = np.empty_like(image)
    for y0 in range(0, h, STRIP):
        y1 = min(h, y0 + STRIP)
        out[y0:y1], _ = dehaze_region(image[y0:y1], dplan, (y0, y1, 0, w))
    return out


_RETOLD = ("mean_luminance", "median_luminance", "p01", "p99", "is_low_light")
"""The tone fields of the analysis that dehazing re-measures (as it always has; the
bright share, p05 and headroom stay the input's)."""


def _exposure_of(image: FloatImage, analysis: Analysis) -> Analysis:
    """``analysis`` with the exposure statistics of the dehazed image.

    The enhancers choose their brightness from the mean luma: measured on the
    hazy photo (airlight lifts it) they would brighten the dehazed one back
    toward the haze's mean. Noise, light and haze stay as measured on the input.
    """
    tones = tone_statistics(make_proxy(image))
    return replace(analysis, **{k: tones[k] for k in _RETOLD})


class Dehazed(FrontStage):
    """An enhancer with dehazing in front: the photo is dehazed, then enhanced.

    ``prepare`` decides the strength (``option``: a number, or ``None`` for the
    haze verdict), plans the dehazing on the whole photo and lets the inner
    enhancer plan on the dehazed copy; ``process_region`` dehazes each tile and
    hands it on with its noise map. At strength 0 both calls are the inner
    enhancer's, untouched: a clear photo comes out bit for bit as without.
    """

    def __init__(self, inner: Enhancer, option: float | None, dehazer: str = "auto") -> None:
        super().__init__(inner)
        self.option = option
        self.method = resolve_dehazer(dehazer)

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
        strength, auto = resolve_strength(self.option, analysis)
        dplan = plan_dehaze(
            image,
            strength,
            auto=auto,
            density=analysis.haze_density,
            noise=analysis.noise_sigma,
            method=self.method,
        )
        kw = {"denoise": denoise, "detail": detail, "brightness": brightness, "shadows": shadows}
        if dplan.active:
            image = dehaze_image(image, dplan)
            analysis = _exposure_of(image, analysis)
        plan = self.inner.prepare(image, analysis, **kw)
        return replace(plan, params={**plan.params, "dehaze": dplan})

    def process_region(
        self,
        tile: FloatImage,
        plan: Plan,
        region: Region,
        *,
        keep_intermediates: bool = False,
    ) -> TileOutput:
        dplan: DehazePlan = plan.params["dehaze"]
        if not dplan.active:
            return self.inner.process_region(
                tile, plan, region, keep_intermediates=keep_intermediates
            )
        clear, t = dehaze_region(tile, dplan, region)
        params = plan.params
        if "sigma" in params:
            # The noise of the dehazed pixel is the input's times 1/t (module docstring).
            params = {**params, "sigma": np.float32(params["sigma"]) / t}
        out = self.inner.process_region(
            clear, replace(plan, params=params), region, keep_intermediates=keep_intermediates
        )
        if keep_intermediates:
            out.intermediates["dehazed"] = clear
            out.intermediates["transmission"] = t
        return out


def dehaze_stats(plan: Plan) -> dict[str, Any] | None:
    """The dehazing decision in a plan, for ``PipelineResult.stats`` (``None``: none was made)."""
    dplan = plan.params.get("dehaze")
    return dplan.to_dict() if isinstance(dplan, DehazePlan) else None
