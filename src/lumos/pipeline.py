"""The one pipeline: analyse -> plan -> (brighten -> denoise -> detail) in tiles.

Everything that touches files lives in :mod:`lumos.io`; everything that touches
the caller's types lives in :mod:`lumos.api`. This module works on the internal
RGB float32 image only.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np

from ._color import LUMA
from ._types import FloatImage, FloatMap, ProgressFn
from .analysis import Analysis, analyse
from .config import EnhanceOptions
from .enhancer import Plan, TileOutput
from .errors import ImageTooLargeError, megapixels_text
from .models import get_enhancer
from .stages.dehaze import Dehazed, dehaze_stats
from .stages.highlights import Highlighted, highlights_stats
from .tiling import run_tiled

__all__ = [
    "PipelineResult",
    "check_output_size",
    "default_workers",
    "route_light",
    "run_pipeline",
]


def default_workers() -> int:
    """Tiles processed at once: one per core, at most 4 (OpenCV threads inside too)."""
    return max(1, min(4, os.cpu_count() or 1))


@dataclass
class PipelineResult:
    """What one run produced, in the internal image type.

    Attributes
    ----------
    rgb : (H, W, 3) float32 ndarray
        The enhanced image in [0, 1].
    alpha : (H, W) float32 ndarray or None
        The input's alpha channel, passed through unchanged.
    analysis : Analysis
        Measurements of the input.
    plan : Plan
        Global decisions the enhancer made (strengths actually used, ...).
    intermediates : dict
        Full-size stage outputs (only when asked for).
    timings : dict
        Seconds per step.
    """

    rgb: FloatImage
    alpha: FloatMap | None
    analysis: Analysis
    plan: Plan
    model: str
    intermediates: dict[str, np.ndarray] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def stats(self) -> dict[str, Any]:
        """JSON-ready summary: analysis, settings used, output brightness, timings.

        ``analysis.light`` is what the classifier measured; ``light_routed`` is
        the strategy the enhancer actually used (``--light`` may force it; ALEN
        routes with its own classifier; ``None`` for models that do not route)
        and ``locality`` how local its illumination map was (0 = one global
        curve, 1 = the full local map; ``None`` where the model has no such map).
        ``deblock`` is the compression clean-up before the gain
        (:class:`lumos.stages.deblock.DeblockPlan`: strength 0 where it did not run;
        ``None`` for models without it).
        """
        luma = _luma_mean(self.rgb)
        params = self.plan.params
        routed = params.get("light", params.get("branch"))
        locality = params.get("locality")
        shadows = params.get("shadows")
        verdict = params.get("exposure")
        deblock = params.get("deblock")
        return {
            "model": self.model,
            "width": int(self.rgb.shape[1]),
            "height": int(self.rgb.shape[0]),
            "analysis": self.analysis.to_dict(),
            "light_routed": None if routed is None else str(routed),
            "locality": None if locality is None else round(float(locality), 4),
            "denoise": round(float(self.plan.denoise), 4),
            "detail": round(float(self.plan.detail), 4),
            "target_brightness": round(float(self.plan.target_brightness), 4),
            "shadows": None if shadows is None else round(float(shadows), 4),
            # The exposure verdicts (lumos.stages.exposure): how much brightening the
            # photo needed (None for models that do not make one), and whether the
            # highlights stage darkened it, by how much and why.
            "exposure": _exposure_stats(verdict, self.plan),
            "deblock": None if deblock is None else deblock.to_dict(),
            "dehaze": dehaze_stats(self.plan),
            "output_mean_luminance": round(luma, 4),
            "timings_s": {k: round(v, 4) for k, v in self.timings.items()},
        }


def _exposure_stats(verdict: Any, plan: Plan) -> dict[str, Any] | None:
    """The brightening verdict's record with the darkening's beside it."""
    over = highlights_stats(plan)
    if verdict is None and over is None:
        return None
    return {**({} if verdict is None else verdict.to_dict()), **(over or {})}


def _luma_mean(rgb: FloatImage) -> float:
    # Subsample: a mean over every 4th pixel is exact enough and 16x cheaper.
    sub = rgb[::4, ::4]
    return float(np.mean(sub @ LUMA))


def route_light(analysis: Analysis, light: str) -> Analysis:
    """The analysis the enhancer decides on: ``light`` other than "auto" overrides the verdict."""
    if light == "auto":
        return analysis
    return replace(analysis, light=light, light_confidence=1.0, light_forced=True)


UPSCALE_TILE = 256
"""Largest input tile of the upscale pass, in pixels."""


def enlarged_megapixels(height: int, width: int, options: EnhanceOptions) -> float | None:
    """The output's megapixels if ``options.scale`` would take it past ``max_megapixels``."""
    s = options.scale
    mp = height * width * s * s / 1e6
    return mp if s > 1 and mp > options.max_megapixels else None


def check_output_size(height: int, width: int, options: EnhanceOptions) -> None:
    """Refuse an enlargement whose output would exceed ``options.max_megapixels``."""
    mp = enlarged_megapixels(height, width, options)
    if mp is not None:
        s = options.scale
        raise ImageTooLargeError(
            f"--scale {s} would make {width * s}x{height * s} = {megapixels_text(mp)} MP, above "
            f"the limit of {options.max_megapixels:g} MP; use a smaller --scale or raise "
            "--max-megapixels (scale=, max_megapixels= in Python)"
        )


def _ticker(cancel: Callable[[], None] | None, progress: ProgressFn | None) -> ProgressFn | None:
    """One tile callback for a pass: the cancel check first, then the progress."""
    if cancel is None and progress is None:
        return None

    def tick(done: int, total: int) -> None:
        if cancel is not None:
            cancel()
        if progress is not None:
            progress(done, total)

    return tick


def _upscale(
    source: FloatImage,
    enhanced: FloatImage,
    alpha: FloatMap | None,
    plan: Plan,
    options: EnhanceOptions,
    workers: int | None,
    cancel: Callable[[], None] | None = None,
    progress: ProgressFn | None = None,
) -> tuple[FloatImage, FloatMap | None]:
    """Enlarge the enhanced image in a second tiled pass (see :mod:`lumos.stages.upscale`).

    A pass of its own rather than inside each enhancer tile: the upscaler needs
    the noise left after enhancement, measured once on the whole output (and
    located with the input), and its cost (a network at every input pixel)
    wants parallel tiles even when the enhancer runs one tile at a time.
    """
    from .stages.upscale import prepare_upscale, upscale_region

    uplan = prepare_upscale(
        source,
        enhanced,
        scale=options.scale,
        denoise=plan.params.get("upscale_denoise", plan.denoise),
        # The enhancer's auto sharpening steps back on a photo whose tones it kept,
        # but enlarging still needs the upscaler's detail (LumosSR's own residual at
        # 0.5): an enhancer may say how much in ``upscale_detail``.
        detail=plan.params.get("upscale_detail", plan.detail),
        method=options.upscaler,
    )

    def process(tile: FloatImage, region: tuple[int, int, int, int]) -> TileOutput:
        return TileOutput(image=upscale_region(tile, uplan, region))

    # Output tiles are scale**2 times larger: cap the input tile so memory stays
    # bounded (measured at 3 MP -> 12 MP: 256 px tiles peak ~400 MB lower than 512).
    tile = min(options.tiling.tile, UPSCALE_TILE) if options.tiling.tile else 0
    out = run_tiled(
        process,
        enhanced,
        tile=tile,
        halo=uplan.halo,
        workers=workers or default_workers(),
        scale=options.scale,
        # The caller's enlarge_progress, with its own total: a pass of its own.
        progress=_ticker(cancel, progress),
    )
    if alpha is not None:
        h, w = alpha.shape
        size = (w * options.scale, h * options.scale)
        alpha = np.clip(cv2.resize(alpha, size, interpolation=cv2.INTER_LINEAR), 0.0, 1.0)
    return out.image, alpha


def run_pipeline(
    rgb: FloatImage,
    options: EnhanceOptions,
    *,
    alpha: FloatMap | None = None,
    lossy: bool = False,
    keep_intermediates: bool = False,
    workers: int | None = None,
    progress: ProgressFn | None = None,
    cancel: Callable[[], None] | None = None,
    enlarge_progress: ProgressFn | None = None,
) -> PipelineResult:
    """Enhance an RGB float32 image.

    Parameters
    ----------
    rgb : (H, W, 3) float32 ndarray
        Values in [0, 1].
    options : EnhanceOptions
        Validated user options; ``options.scale`` > 1 enlarges the result
        (a second tiled pass; intermediates stay at the input's size).
    alpha : (H, W) float32 ndarray, optional
        Carried through unchanged.
    lossy : bool
        ``rgb`` was decoded from a lossy file (``ImageMeta.lossy``); see
        :func:`lumos.analysis.analyse`.
    keep_intermediates : bool
        Return every stage's full-size output (costs memory; for reports).
    workers : int, optional
        Tiles in flight at once; default: the enhancer's ``tile_workers``, else
        :func:`default_workers`.
    progress : callable, optional
        ``progress(done, total)`` per tile of the enhancement.
    cancel : callable, optional
        Called between the tiles of every pass, the enlargement's too; what it
        raises stops the run (the server's requests that timed out or whose client
        has gone).
    enlarge_progress : callable, optional
        ``progress(done, total)`` per tile of the enlargement (``options.scale`` > 1).

    Returns
    -------
    PipelineResult
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.float32:
        raise ValueError(f"expected (H, W, 3) float32, got {rgb.shape} {rgb.dtype}")
    check_output_size(rgb.shape[0], rgb.shape[1], options)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    analysis: Analysis = analyse(rgb, lossy=lossy)
    timings["analyse"] = time.perf_counter() - t0
    if cancel is not None:
        cancel()

    # Dehazing in front of every enhancer, and before it the over-exposure correction
    # (each a pass-through where it does not act): the haze is judged on the darkened
    # photo, since a washed-out photo reads as hazy.
    enhancer = Highlighted(
        Dehazed(get_enhancer(options.model, options.weights), options.dehaze, options.dehazer),
        options.exposure,
    )
    # --light uniform|uneven overrides the classifier's verdict for the enhancer
    # only; the result still reports what was measured.
    routed = route_light(analysis, options.light)
    t0 = time.perf_counter()
    plan = enhancer.prepare(
        rgb,
        routed,
        denoise=options.denoise,
        detail=options.detail,
        brightness=options.brightness,
        shadows=options.shadows,
    )
    timings["prepare"] = time.perf_counter() - t0

    def process(tile: FloatImage, region: tuple[int, int, int, int]):
        return enhancer.process_region(tile, plan, region, keep_intermediates=keep_intermediates)

    tick = _ticker(cancel, progress)

    t0 = time.perf_counter()
    out = run_tiled(
        process,
        rgb,
        tile=options.tiling.tile,
        halo=plan.halo,
        align=plan.align,
        keep_intermediates=keep_intermediates,
        workers=workers or enhancer.tile_workers or default_workers(),
        progress=tick,
    )
    timings["enhance"] = time.perf_counter() - t0
    final = np.clip(out.image, 0.0, 1.0, out=out.image)
    if options.scale > 1:
        t0 = time.perf_counter()
        final, alpha = _upscale(rgb, final, alpha, plan, options, workers, cancel, enlarge_progress)
        timings["upscale"] = time.perf_counter() - t0
    return PipelineResult(
        rgb=final,
        alpha=alpha,
        analysis=analysis,
        plan=plan,
        model=options.model,
        intermediates=out.intermediates,
        timings=timings,
    )
