"""LumosNet at inference: a learned brightening decided once, learned denoising per tile.

``prepare`` runs the global network (ONNX Runtime; the shipped weights are
an ensemble of members whose outputs are averaged) on a small proxy of the
photo and keeps its coefficient maps: per cell of a coarse grid, an affine map
from the photo's own luminance to a per-channel log-gain, and a small
per-channel offset added after the gain, which lifts shadows the camera crushed
to black (see :mod:`lumos.train.archs`). ``process_region`` slices those maps at
the tile's full-resolution pixels, edge-aware (``_slice``), and brightens the tile. The
brightened tile is then denoised by LumosDN (:mod:`lumos.models.denoiser`),
told how much noise each pixel carries (the input's noise times the gain it
received), and finished by the classical pipeline's gated sharpening and
highlight roll-off (:func:`lumos.stages.classical.finish_denoised`); without
the denoiser's weights the classical noise-aware filters do the denoising
(:func:`lumos.stages.classical.finish_region`). ``--denoise`` below 1 keeps a
share of the grain, above 1 tells the net of more noise than measured (smoother),
``--detail`` sharpens, ``--brightness`` shifts the exposure. The
network's job is the part a fixed curve gets wrong: how bright and what colour
each scene should become. The weights ship in ``lumos/models/weights/`` with
their training record; nothing is downloaded.
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
from ..stages.brighten import grey_near_black, smoothed_peak
from ..stages.classical import (
    auto_strengths,
    auto_target,
    chroma_model,
    exposure_need,
    finish_denoised,
    finish_region,
)
from ..stages.deblock import deblock_region, plan_deblock
from ..stages.denoise import CHROMA_SCALE, LUMA_RADIUS
from ..stages.detail import footprint as detail_footprint
from ..stages.exposure import exposure_verdict
from ..stages.shadows import shadow_illumination, shadow_log_gain, shadow_strength
from ._onnx import onnx_session
from .denoiser import (
    DN_ALIGN,
    DN_DARK_WEIGHTS,
    DN_HALO,
    DN_WEIGHTS,
    denoise_rgb,
    denoiser_available,
)

__all__ = [
    "WEIGHTS_DIR",
    "LumosNetEnhancer",
    "brighten_whole",
    "learned_auto_denoise",
    "make_proxy",
]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights" / "lumosnet"
PROXY_FACTOR = 4
PROXY_MAX_SIDE = 160
"""Long side of the network's proxy, at most: the scale it was trained at.

The network learned on whole scenes of 128 x 128 (a LOL photo's proxy is
150 x 100), and its brightness follows how big things look in its input: fed a
512-px proxy of a large photo, it chose another brightness for the same scene
(held-out LOL scenes upscaled 4x with the old cap of 512 px: 20.92 dB against
23.74 at their own size; with this cap 22.58, with 128 px 22.37, 192 px 22.52;
2x: 22.14 -> 22.87; measured before the block-scale noise reading of
:mod:`lumos.analysis`, with which 4x scores 23.72: ``bench/robustness.py``). A 12 MP
photo is now judged as a LOL photo is; the maps it gets are coarser, and the
edge-aware slicing keeps them on the photo's edges."""
PROXY_MIN_SIDE = 128
"""Long side of the proxy, at least (a small photo's is enlarged): the training scenes'
size. Held-out LOL scenes at half size (300 x 200): 23.06 dB with a 75-px proxy, 24.22
with 128 px (24.06 with 150, 24.24 with 160); a LOL photo's own proxy (150 px) is unchanged."""
ROTATIONS = 4
"""The network sees the proxy upright and turned by 90, 180 and 270 degrees, and the maps
are averaged (turned back). Its guess of a scene's brightness varied with the photo's
orientation (held-out LOL scene 573: 22.3 dB upright, 18.3 turned by 90 degrees; it
trained on horizontal flips only), so a rotated photo came out differently; averaged,
the decision does not depend on it, and the held-out scenes score 24.09 dB against 23.74
(flips as well: 24.09; Kodak24 vs itself 36.80 either way; cc15 real noise 30.12 against
30.30). Costs 4 network runs on the 160-px proxy per member."""
GUIDE_REF_SIDE = 512
"""Proxy long side that sets the guide's blur (``GUIDE_SIGMA`` is in pixels of a proxy
at 1/4 size, long side <= this): the old cap, kept for the guide when the network's
proxy became smaller (blurring by the small proxy's pixel cost 0.4 dB on the 4x scenes)."""
LOG_GAIN_MIN, LOG_GAIN_MAX = -1.0, 5.0
GUIDE_EPS = 0.01  # as lumos.train.archs.GUIDE_EPS (the runtime does not import torch)
RANGE_SIGMA = 0.3
"""Range scale of the edge-aware slicing, in log luminance (see ``_slice``). On the
v2 weights, held-out LOL 22.07 -> 22.08 dB against plain bilinear; chosen by eye
for the thinner rings around lamps on DICM/LIME photos (1.0: wider rings). 0.6 ->
0.3: the wall beside LIME 9's lamp kept 3.5x gain of 5.2 three pixels from its edge,
now 5.0 (a cell half lamp, half wall, speaks less for the wall's pixels); dark
heads before a lit altar (DICM 22) lose their dark outline; held-out LOL 24.09 ->
24.10 dB, Kodak24 vs itself 36.80 -> 36.81. Blurring the guide in log luminance
instead narrowed the ring by one more pixel but cost 0.12 dB on the held-out scenes."""
GUIDE_SIGMA = 0.4
"""Blur of the guide luminance, in pixels of a 1/4-size proxy (long side <= GUIDE_REF_SIDE;
measured on the held-out LOL scenes: SSIM 0.756 with the raw pixel as guide, 0.773 at 0.4)."""
GUIDE_MAX_ASPECT = 8
"""The guide's blur follows the long side only up to this many times the short side.

The blur (and with it every tile's halo) grows with the long side, and a strip a
few pixels high has a long side of millions: a 1 x 1,600,000 px image took 65 s,
its halo 30 times its tile, and 1 x 10,000,000 px did not finish in 300 s. Photos
and panoramas up to 8:1 are unchanged."""
EXPOSED_FADE = (0.20, 0.30)
"""Mean luma over which auto mode fades the network out (gain 1 above), for a photo
showing no sign of being exposed for its highlights; :func:`lumos.stages.exposure.
exposure_verdict` moves it down (to 0.10-0.20) for one that does. By the mean alone it
brightened cc15's correctly exposed dark photos 1.5-3x (13.6, 21.4 and 28.2 dB against
32.9, 35.7 and 34.9 untouched); see docs/design/exposure.md for what each choice measured."""
SHADOWS_STEP_BACK = (0.20, 0.30)
"""Mean luma over which the shadows stage ramps in (it steps back where brightening
works; see :func:`lumos.stages.shadows.shadow_strength`): the old exposure fade, kept,
so the verdict above changes what is brightened, not which photos are backlit."""
DARKEST_BELOW_AUTO = 0.12
"""How far below the classical auto target the network may leave a photo's mean.
On the 32 dark photos of DICM/LIME/SCI (mean luma < 0.13) the network alone
averaged 0.298 against classical's 0.403, 13 of them below 0.25; with this floor
0.323 and 8. Held-out LOL: 22.08 -> 22.03 dB (its predictions sit in the band)."""
LEARNED_AUTO_DENOISE = (0.5, 50.0)
"""Auto denoise with the learned denoiser: ``min(1, a + b * noise after gain)``.

Where noise shows (0.01 after the gain and up: every dark photo, and real high-ISO
photos such as cc15's), the net's whole result; on a clean photo about half of it,
because there the net's own small changes outweigh the noise it removes. Session 15
used ``(0.5, 25)``; session 16 first made it 1 everywhere (cc15 34.47 -> 34.71 with the
camera weights), then LumosDN's blended weights (``DARK_DENOISER_GAIN``) touched clean
photos more, and enlarging a clean photo showed it: Set5 x2 through ``enhance --scale 2``
36.03 dB against LumosSR alone 36.54. Measured with those weights (cc15 / Kodak24 vs
itself / Set5 x2 enhance): always 1: 35.15 / 45.36 / 36.03; ``(0.5, 25)``: 34.94 / 48.56 /
36.35; this rule: 35.11 / 46.82 / 36.27."""
DARK_DENOISER_GAIN = 2.0
"""Median gain from which a photo is denoised with LumosDN's dark-photo weights.

LumosDN ships two weight sets (``scripts/denoiser_soup.py``): its first training, on
dark photos brightened by LumosNet, and a blend of it with its camera fine-tune, for
photos kept near their exposure. Each wins in its own regime and loses in the other
(pipeline PSNR at strength 1, blend | first net): held-out LOL 23.93 | 24.01, Kodak24 dark JPEG
22.50 | 22.85; cc15 real noise 35.15 | 34.59, Kodak24 camera 34.60 | 32.05, Kodak24
against itself 45.36 | 36.90. Photos that need no brightening have a median gain of
1-1.3, dark ones 3 and more; one net per photo keeps the cost of one."""
COARSE_SLICE_SIGMA = 2.0
"""Guide blur (pixels) from which the maps are sliced on 2x2 blocks (:func:`_slice_coarse`):
photos from about 5 MP up (the blur is GUIDE_SIGMA pixels of a 1/4-size proxy, long side <= 512)."""
BRIGHTNESS_STEPS = 12
"""Most exposure shifts made to reach a chosen (or floor) brightness on the proxy."""
HIGHLIGHT_FADE = (0.6, 0.95)
"""Brightest-channel values over which the per-channel gains become one neutral gain."""
# The finishing filters' footprint (luma denoise + detail), as in the classical pipeline;
# doubled because a tile's blended margin reaches half-way into its halo.
_FINISH_HALO = 2 * (2 * LUMA_RADIUS + detail_footprint()) + 2
# The learned denoiser's receptive field is wide, but its reach is not: on a
# LOL photo in 128 px tiles, a 40 px halo differs from a whole-frame run by at
# most 0.002/255 (32 px: 0.03/255). Doubling it would add ~23% more pixels to each
# 512 px tile at 12 MP.
_LEARNED_HALO = DN_HALO + 2 * detail_footprint() + 2


def make_proxy(image: np.ndarray) -> np.ndarray:
    """The global network's input: 1/4 size, long side within
    [:data:`PROXY_MIN_SIDE`, :data:`PROXY_MAX_SIDE`] (the scale it was trained at)."""
    h, w = image.shape[:2]
    long_side = max(h, w)
    scale = min(max(1.0 / PROXY_FACTOR, PROXY_MIN_SIDE / long_side), PROXY_MAX_SIDE / long_side)
    ph, pw = max(8, round(h * scale)), max(8, round(w * scale))
    return cv2.resize(
        image, (pw, ph), interpolation=cv2.INTER_AREA if scale <= 1 else cv2.INTER_LINEAR
    )


class LumosNetEnhancer:
    """The learned enhancer (``--model lumosnet``, the default)."""

    name = "lumosnet"
    # One tile per core (at most 4): the edge-aware slicing is NumPy work on one
    # core per tile (12 MP: 6.1 s with one worker, 3.9 s with two, on 2 cores).
    tile_workers = None

    def __init__(
        self,
        weights: Path = WEIGHTS_DIR,
        denoiser: Path | None = DN_WEIGHTS,
        dark_denoiser: Path | None = DN_DARK_WEIGHTS,
    ) -> None:
        """``denoiser``: the learned denoiser's ONNX file; ``None`` (or a missing file)
        finishes with the project's noise-aware filters instead. ``dark_denoiser``: its
        weights for photos brightened by :data:`DARK_DENOISER_GAIN` or more; ``None`` (or
        a missing file) uses ``denoiser`` for every photo."""
        self.weights = Path(weights)
        self.denoiser = Path(denoiser) if denoiser and denoiser_available(denoiser) else None
        dark = Path(dark_denoiser) if dark_denoiser and denoiser_available(dark_denoiser) else None
        self.dark_denoiser = dark if self.denoiser is not None else None
        # An ensemble: members trained alike with different seeds; their maps are averaged.
        self.members = sorted(self.weights.glob("global*.onnx"))
        if not self.members:
            raise ModelError(f"LumosNet weights not found in {self.weights}")

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
        proxy = make_proxy(image)
        maps = _member_maps(self.members, proxy)
        # Members without offsets (6 maps) count as offsets of zero beside those with (9).
        n = max(len(m) for m in maps)
        coeffs = np.mean([np.pad(m, ((0, n - len(m)), (0, 0), (0, 0))) for m in maps], axis=0)
        coeffs = coeffs.transpose(1, 2, 0)  # (h2, w2, 6 or 9): A_rgb, B_rgb[, D_rgb]
        guide = _cell_guide(proxy, coeffs.shape[:2])[..., None]
        grid = np.concatenate([coeffs[..., :6], guide, coeffs[..., 6:]], axis=-1)
        # Views: what is done to the maps below is done to the grid.
        coeffs, offsets = grid[..., :6], grid[..., 7:]
        # The guide's blur keeps the scale it was measured at, whatever the network's proxy.
        side = min(max(image.shape[:2]), GUIDE_MAX_ASPECT * min(image.shape[:2]))
        guide_scale = max(float(PROXY_FACTOR), side / GUIDE_REF_SIDE)
        # A well-exposed photo stays as it is: fade the maps toward zero (gain 1)
        # the way the classical target fades, so the network never restyles a
        # good photo. A chosen brightness then only changes its exposure, and
        # choosing the auto value reproduces auto exactly (the web page's sliders
        # always send one).
        verdict = exposure_verdict(analysis, EXPOSED_FADE)
        need = np.float32(verdict.need)
        coeffs *= need
        offsets *= need
        # The maps' locality is the network's own call (it learned uneven light
        # from synthetic light fields): the light classifier calls most LOL
        # scenes "uniform", yet one global curve costs 2.5 dB on the held-out ones. Only a
        # forced --light uniform flattens the maps into one tone curve.
        light = "learned"
        if analysis.light_forced:
            light = analysis.light
            if light == "uniform":
                coeffs[:] = coeffs.mean(axis=(0, 1))
                offsets[:] = offsets.mean(axis=(0, 1))
        predicted = _mean_after_gain(proxy, grid)
        floor = auto_target(analysis) - DARKEST_BELOW_AUTO
        if brightness is None and predicted < floor:
            # The network learned LOL's taste, and on real night photos (a lamp in
            # the frame, a street at night) it often keeps them much darker than
            # anyone who asked for a brighter photo expects. Its choice stands
            # within a band below the classical auto target; below that it is lifted.
            brightness = floor
        if brightness is not None:
            # Shift every log-gain by one constant until the proxy hits the target:
            # a global exposure change on top of the network's local decisions.
            # Clipping slows the approach to a bright target (0.8 stopped at 0.75
            # after 4 steps on a LOL photo), hence more steps, ended once within 0.5%.
            for _ in range(BRIGHTNESS_STEPS):
                step = np.log(brightness / max(predicted, 1e-4))
                if abs(step) < 0.005:
                    break
                coeffs[..., 3:] += step * 1.2
                predicted = _mean_after_gain(proxy, grid)
        # Shadows a backlit photo left black (its mean says "well exposed", so the
        # network stepped back): opened up region by region where the light is
        # uneven. A stage of its own, with its own regions: --light only chooses
        # how the brightening works, as in the classical pipeline. It comes after
        # the exposure, which the brightness target is about (as in classical):
        # the page sends the auto target back with every preview, and a shadows
        # slider must then move the shadows, not the sky.
        shadow = _lift_shadows(
            proxy, grid, shadows, exposure_need(analysis.mean_luminance, SHADOWS_STEP_BACK)
        )
        # Nothing to brighten (a well-exposed photo, a dark scene exposed for its
        # highlights): the tiles keep their tones exactly, not only to within the
        # grey-near-black fade and the highlight roll-off.
        keep_tones = need == 0 and shadow == 0 and brightness is None

        # Quarter-resolution copy, brightened exactly as the tiles will be: the
        # chroma denoiser's low-res model and the auto strengths come from it.
        h, w = image.shape[:2]
        size = (max(1, round(w / CHROMA_SCALE)), max(1, round(h / CHROMA_SCALE)))
        low = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        if low.ndim == 2:  # pragma: no cover - a 1-pixel-wide resize drops the channel axis
            low = low.reshape(size[1], size[0], 3)
        lh, lw = low.shape[:2]
        bright_low, gain_low = _apply_gain(
            low, grid, (0, lh, 0, lw), (lh, lw), GUIDE_SIGMA * guide_scale / CHROMA_SCALE
        )
        sigma = float(analysis.noise_sigma)
        median_gain = float(np.median(gain_low @ _LUMA))
        noise_after = sigma * median_gain
        auto_dn, auto_dt = auto_strengths(noise_after)
        learned = self.denoiser is not None
        if learned:
            auto_dn = learned_auto_denoise(noise_after)
        dn = auto_dn if denoise is None else float(denoise)
        # Sharpening is for what brightening softened and amplified; a photo whose
        # tones are kept gets none by default (it cost cc15 real photos ~1.3 dB).
        dt = auto_dt * float(need) if detail is None else float(detail)
        guide_sigma = GUIDE_SIGMA * guide_scale
        # Compression blocks and quantised shadows, cleaned before the gain where it is high.
        deblock = plan_deblock(image, analysis.jpeg_blockiness, median_gain, lossy=analysis.lossy)
        dark_photo = self.dark_denoiser is not None and median_gain >= DARK_DENOISER_GAIN
        return Plan(
            # No more halo for the deblocking: see lumos.stages.deblock.DEBLOCK_HALO.
            halo=(_LEARNED_HALO if learned else _FINISH_HALO) + int(np.ceil(3 * guide_sigma)),
            align=DN_ALIGN if learned else 1,
            denoise=dn,
            detail=dt,
            target_brightness=predicted,
            params={
                "grid": grid,
                "shape": (h, w),
                "sigma": sigma,
                "guide_sigma": guide_sigma,
                "light": light,
                "locality": 0.0 if light == "uniform" else 1.0,
                "shadows": shadow,
                "exposure": verdict,
                "keep_tones": keep_tones,
                # Enlarging: LumosSR's own residual (detail 0.5) where the sharpening
                # steps back, and no more smoothing than the denoiser already did on a
                # photo it did not brighten (Set5 x2 through enhance --scale 2: -0.24 dB
                # against bicubic with the plain strengths, see docs/design/exposure.md).
                "upscale_detail": (auto_dt * float(need) + 0.5 * (1 - float(need)))
                if detail is None
                else float(detail),
                "upscale_denoise": dn * float(need) if denoise is None else dn,
                "chroma_ab": None
                if learned
                else chroma_model(bright_low, gain_low, sigma, strength=dn),
                "denoiser": self.dark_denoiser if dark_photo else self.denoiser,
                # Which of LumosDN's weight sets (see DARK_DENOISER_GAIN), for the report.
                "denoiser_weights": None if not learned else "dark" if dark_photo else "exposed",
                "deblock": deblock,
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
        p = plan.params
        tile = deblock_region(tile, p.get("deblock"), region)
        bright, gain = _brighten(tile, p, region)
        if p["denoiser"] is None:
            out, denoised = finish_region(tile, bright, gain, plan, region)
        else:
            sigma = (gain @ _LUMA) * np.float32(p["sigma"])
            denoised = bright
            if plan.denoise > 1.0:
                # Smoother than measured: the net is told of more noise than the
                # estimate (FFDNet's noise-level control); it answers with a
                # smoother, still artefact-free result (checked up to 3x on LOL,
                # DICM and LIME crops), continuous with 1 below.
                denoised = denoise_rgb(bright, sigma * np.float32(plan.denoise), path=p["denoiser"])
            elif plan.denoise > 0.0:
                # The net removes what it judges to be noise; --denoise keeps a
                # share of the grain (1 = all removed), as a strength slider does.
                net = denoise_rgb(bright, sigma, path=p["denoiser"])
                denoised = bright + np.float32(plan.denoise) * (net - bright)
            out = finish_denoised(tile, denoised, sigma, plan)
        inter: dict[str, np.ndarray] = {}
        if keep_intermediates:
            inter = {
                "illumination": (1.0 / (gain @ _LUMA)).astype(np.float32),
                "brightened": bright,
                "denoised": np.clip(denoised, 0.0, 1.0),
                "detail": out,
            }
        return TileOutput(image=out, intermediates=inter)


def _member_maps(members: list[Path], proxy: np.ndarray) -> list[np.ndarray]:
    """Every member's coefficient maps for the proxy seen in :data:`ROTATIONS` orientations,
    each turned back upright: a list of (6 or 9, h2, w2) arrays to average."""
    maps = []
    for k in range(ROTATIONS):
        feed = {"proxy": np.ascontiguousarray(np.rot90(proxy, k).transpose(2, 0, 1)[None])}
        for member in members:
            out = onnx_session(member, "the LumosNet weights").run(None, feed)[0][0]
            maps.append(np.ascontiguousarray(np.rot90(out, -k, axes=(1, 2))))
    return maps


def learned_auto_denoise(noise_after_gain: float) -> float:
    """Auto denoise strength with LumosDN (see :data:`LEARNED_AUTO_DENOISE`)."""
    a, b = LEARNED_AUTO_DENOISE
    return float(np.clip(a + b * noise_after_gain, 0.0, 1.0))


def brighten_whole(
    enhancer: LumosNetEnhancer, image: FloatImage, analysis: Analysis
) -> tuple[FloatImage, np.ndarray, np.ndarray]:
    """Auto-brighten a whole (small) photo as ``lumos enhance`` would, before any denoising
    (deblocked first where the plan says so, as at run time).

    Returns (brightened, per-channel gain, expected noise std per pixel): the
    denoiser's inputs. Used to make its training data with the run-time code.
    """
    plan = enhancer.prepare(image, analysis, denoise=None, detail=None, brightness=None)
    p = plan.params
    h, w = image.shape[:2]
    # As process_region does: compression blocks are smoothed before the gain.
    image = deblock_region(image, p.get("deblock"), (0, h, 0, w))
    bright, gain = _brighten(image, p, (0, h, 0, w))
    return bright, gain, (gain @ _LUMA) * np.float32(p["sigma"])


def _brighten(image: np.ndarray, params: dict, region: Region) -> tuple[np.ndarray, np.ndarray]:
    """(brightened, per-channel gain) of ``image`` at ``region`` under a plan's ``params``:
    the image itself and a gain of 1 where the plan keeps the photo's tones."""
    if params.get("keep_tones"):
        return image, np.ones_like(image)
    return _apply_gain(image, params["grid"], region, params["shape"], params["guide_sigma"])


def _lift_shadows(
    proxy: np.ndarray, grid: np.ndarray, requested: float | None, need: float
) -> float:
    """Add the shadow stage's log-gain (:mod:`lumos.stages.shadows`) to the grid's
    offsets B, in place, measured on the proxy as the network left it; returns the
    strength used. The grid's edge-aware slicing keeps it off the lit side of an edge."""
    h, w = proxy.shape[:2]
    bright, _ = _apply_gain(proxy, grid, (0, h, 0, w), (h, w), 0.0)
    light = shadow_illumination(bright)
    strength = shadow_strength(light, requested, need, bright)
    if strength > 0.0:
        lift = shadow_log_gain(light, strength)
        cells = cv2.resize(lift, (grid.shape[1], grid.shape[0]), interpolation=cv2.INTER_AREA)
        grid[..., 3:6] += cells[..., None]
    return strength


def _mean_after_gain(proxy: np.ndarray, grid: np.ndarray) -> float:
    h, w = proxy.shape[:2]
    # As in training: the proxy pixel itself is the guide.
    bright, _ = _apply_gain(proxy, grid, (0, h, 0, w), (h, w), 0.0)
    return float((bright @ _LUMA).mean())


def _cell_guide(proxy: np.ndarray, grid_shape: tuple[int, int]) -> np.ndarray:
    """Mean log luminance of the proxy over each cell of the coefficient grid."""
    guide = np.log(proxy @ _LUMA + np.float32(GUIDE_EPS)).astype(np.float32)
    return cv2.resize(guide, (grid_shape[1], grid_shape[0]), interpolation=cv2.INTER_AREA)


def _slice(
    grid: np.ndarray,
    guide: np.ndarray,
    region: Region,
    full_shape: tuple[int, int],
    step: int = 1,
) -> np.ndarray:
    """Per-pixel log-gain (H, W, 3), and offsets (3 more channels), from the grid, edge-aware.

    Plain bilinear interpolation of the maps mixes, at a dark pixel beside a
    lamp, the lamp cell's affine map (fitted to bright pixels) into the dark
    one's: a dark ring around every lamp. So each of the four cells around a
    pixel is weighted, beside its bilinear weight, by how close the pixel's
    log luminance is to that cell's mean (joint bilateral upsampling): a cell
    speaks for the pixels that look like it. With all cells alike this is the
    bilinear interpolation of training. ``grid`` is (m, n, 7 or 10): A_rgb, B_rgb,
    the cell's mean log luminance and, if the network predicts them, the
    offsets D_rgb (returned as channels 3-5); coordinates follow
    ``cv2.resize``, so a tile gets exactly what the whole frame would.
    With ``step`` 2, ``guide`` holds one value per 2x2 block of the region
    and the maps are taken at the blocks' centres.
    """
    y0, y1, x0, x1 = region
    mh, mw = grid.shape[:2]
    fh, fw = full_shape
    half = np.float32(step / 2)  # a sample's centre, from its first pixel's edge
    ys = np.arange(y0, y1, step, dtype=np.float32) + half
    xs = np.arange(x0, x1, step, dtype=np.float32) + half
    ys = np.clip(ys * (mh / fh) - 0.5, 0, mh - 1)
    xs = np.clip(xs * (mw / fw) - 0.5, 0, mw - 1)
    iy, ix = ys.astype(np.intp), xs.astype(np.intp)
    fy, fx = ys - iy, xs - ix
    with_offsets = grid.shape[-1] > 7
    num = np.zeros((*guide.shape, 6 if with_offsets else 3), np.float32)
    den = np.zeros(guide.shape, np.float32)
    inv = np.float32(-0.5 / RANGE_SIGMA**2)
    for rows_i, wy in ((iy, 1 - fy), (np.minimum(iy + 1, mh - 1), fy)):
        rows = grid[rows_i]
        for cols_i, wx in ((ix, 1 - fx), (np.minimum(ix + 1, mw - 1), fx)):
            cell = rows[:, cols_i]
            spatial = wy[:, None] * wx[None, :]
            wgt = spatial * np.exp(inv * (guide - cell[..., 6]) ** 2) + 1e-6 * spatial
            num[..., :3] += wgt[..., None] * (cell[..., :3] * guide[..., None] + cell[..., 3:6])
            if with_offsets:
                num[..., 3:] += wgt[..., None] * cell[..., 7:10]
            den += wgt
    return num / den[..., None]


def _slice_coarse(
    grid: np.ndarray, guide: np.ndarray, region: Region, full_shape: tuple[int, int]
) -> np.ndarray:
    """:func:`_slice` on every 2x2 block, then interpolated (bilinear) to every pixel.

    With a guide blurred over :data:`COARSE_SLICE_SIGMA` pixels or more, the
    maps hardly change within two pixels, and slicing is most of the cost of
    brightening a large photo (see the constant's note). Blocks sit on even
    rows and columns of the whole photo, so a tile gets the whole frame's
    blocks (a tile starting on an odd row repeats its first row once).
    """
    y0, y1, x0, x1 = region
    h, w = guide.shape
    top, left = y0 % 2, x0 % 2
    pads = ((top, (top + h) % 2), (left, (left + w) % 2))
    padded = np.pad(guide, pads, mode="edge")
    ph, pw = padded.shape
    blocks = cv2.resize(padded, (pw // 2, ph // 2), interpolation=cv2.INTER_AREA)
    maps = _slice(grid, blocks, (y0 - top, y1, x0 - left, x1), full_shape, step=2)
    full = cv2.resize(maps, (pw, ph), interpolation=cv2.INTER_LINEAR)
    return full[top : top + h, left : left + w]


def _apply_gain(
    image: np.ndarray,
    grid: np.ndarray,
    region: Region,
    full_shape: tuple[int, int],
    guide_sigma: float,
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
    if guide_sigma >= COARSE_SLICE_SIGMA:
        maps = _slice_coarse(grid, guide, region, full_shape)
    else:
        maps = _slice(grid, guide, region, full_shape)
    log_gain, offset = maps[..., :3], maps[..., 3:]
    # Highlights keep their hue: where the photo is already near white, the
    # per-channel gains fade to one neutral gain that cannot push the
    # brightest channel past 1 (the network's colour correction, learned on
    # dim surfaces, turned a lamp's white core cyan).
    # Blurred, so the fade is smooth; but never below the pixel's own peak, else a
    # white object's rim (its blurred peak half-way to the dark background) took
    # the background's cell's map and came out grey (a dark outline).
    peak = smoothed_peak(image, guide_sigma)
    near_white = np.clip((peak - HIGHLIGHT_FADE[0]) / (HIGHLIGHT_FADE[1] - HIGHLIGHT_FADE[0]), 0, 1)
    any_white = bool(near_white.max() > 0)  # most tiles of a dark photo have none: skip the work
    if any_white:
        neutral = np.minimum(
            np.maximum(log_gain @ _LUMA, 0.0), -np.log(np.maximum(peak, np.float32(1e-3)))
        )
        log_gain += near_white[..., None] * (neutral[..., None] - log_gain)
    gain = np.exp(np.clip(log_gain, LOG_GAIN_MIN, LOG_GAIN_MAX)).astype(np.float32)
    out = image * gain
    if offset.shape[-1]:
        # The light added to crushed shadows; a near-white pixel keeps its neutral gain only.
        out += (1.0 - near_white[..., None]) * offset if any_white else offset
    # Near-black areas have no colour to keep: grey, not olive (held-out LOL 24.10 ->
    # 24.12 dB with (1, 4)/255; (0.5, 3): 24.12, (1, 6): 24.06, (2, 8): 23.95; Kodak24
    # and cc15 unchanged). The peak is blurred as the guide is.
    out = grey_near_black(out, peak)
    return np.clip(out, 0.0, 1.0).astype(np.float32), gain
