"""Build the explain report: run the pipeline once, keep every stage, measure everything.

The report's analysis numbers come from the very :class:`~lumos.analysis.Analysis`
and :class:`~lumos.enhancer.Plan` of the run it explains, so they are the numbers
``lumos info`` prints for the same photo and options; nothing is re-estimated
on a downscaled copy.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis import noise_map
from ..api import load, make_options
from ..config import EnhanceOptions
from ..enhancer import Plan
from ..eval.image_stats import exposure_stats
from ..models import get_enhancer
from ..pipeline import PipelineResult, route_light, run_pipeline
from . import _measure as m
from ._cards import model_card
from ._dehaze import DEHAZE_KEYS, tell_dehaze
from ._model import CropPair, ExplainReport, StageMeasure
from ._story import Facts, detail_text, flow_labels, stage_text
from ._sweep import DENOISE_STEPS, DETAIL_STEPS, sweep

__all__ = ["DISPLAY_SIDE", "build_report"]

DISPLAY_SIDE = 1200
"""Long side of the stage images shown in the report (numbers use full resolution)."""
_NOISE_MAP_COLUMNS = 40


def _options(options: EnhanceOptions | Mapping[str, Any] | None) -> EnhanceOptions:
    if options is None:
        return EnhanceOptions()
    if isinstance(options, EnhanceOptions):
        return options
    return make_options(**dict(options))


def _stride(rgb: np.ndarray) -> np.ndarray:
    """A strided sample of at most ~0.5 MP: exposure shares do not need every pixel."""
    step = max(1, int(np.ceil(np.sqrt(rgb.shape[0] * rgb.shape[1] / 5e5))))
    return rgb[::step, ::step]


def _gain_map(res: PipelineResult) -> np.ndarray | None:
    """The luma gain the brightening applied (strided sample), where the model says."""
    illum = res.intermediates.get("illumination")
    if illum is None:
        return None
    if res.model == "classical" and res.plan.params.get("curve") is not None:
        from ..stages.brighten import ToneCurve
        from ..stages.shadows import shadow_log_gain

        light = _stride(illum)
        gain = ToneCurve(**res.plan.params["curve"]).gain(light)
        shadows = float(res.plan.params.get("shadows") or 0.0)
        if shadows > 0.0:  # folded into the gain table the tiles look up, as classical does
            gain = gain * np.exp(shadow_log_gain(light * gain, shadows))
        return gain
    if res.model == "lumosnet":  # its "illumination" is 1 / the luma gain its maps applied
        return 1.0 / np.maximum(_stride(illum), 1e-6)
    return None


def _range_note(raw: float, used: float, lo: float, hi: float) -> str:
    if abs(raw - used) < 5e-3:
        return f"{used:.2f}"
    return f"{raw:.2f}, kept within {lo:g}..{hi:g}: {used:.2f}"


def _gain_and_reason(
    res: PipelineResult, opts: EnhanceOptions, gain: np.ndarray | None
) -> tuple[float, str]:
    """Noise expected after brightening, and why these strengths were used."""
    plan: Plan = res.plan
    sigma = float(res.analysis.noise_sigma)
    if gain is None:
        return sigma, (
            f"The {res.model} model chose denoise {plan.denoise:.2f} and detail "
            f"{plan.detail:.2f} for a measured input noise of {sigma * 255:.2f}/255."
        )
    from ..models.lumosnet import LEARNED_AUTO_DENOISE, learned_auto_denoise
    from ..stages.classical import auto_strengths

    med = float(np.median(gain))
    noise_after = sigma * med
    auto_dn, auto_dt = auto_strengths(noise_after)
    # The rules' ranges, from the rules themselves (no noise / overwhelming noise).
    dt_hi, dt_lo = auto_strengths(0.0)[1], auto_strengths(1.0)[1]
    if abs(med - 1.0) < 0.02:
        head = (
            f"Measured input noise σ = {sigma * 255:.2f}/255. No brightening was needed (gain "
            "×1.0), so that is the noise σ′ the result starts from. "
        )
    else:
        head = (
            f"Measured input noise σ = {sigma * 255:.2f}/255. Brightening multiplies it by the "
            f"gain (median ×{med:.1f}), so about σ′ = {noise_after * 255:.1f}/255 would show in "
            "the result. "
        )
    if plan.params.get("denoiser") is not None:
        a, b = LEARNED_AUTO_DENOISE
        used = learned_auto_denoise(noise_after)
        denoise_rule = (
            f"denoise = {a:g} + {b:g}·σ′ = {_range_note(a + b * noise_after, used, 0, 1)} (the "
            "learned denoiser's whole result where noise shows, about half of it on a clean "
            "photo; it is told this noise level per pixel)"
        )
    else:
        raw = 0.25 + 20.0 * noise_after
        denoise_rule = (
            f"denoise = 0.25 + 20·σ′ = {_range_note(raw, auto_dn, 0, 1)} (more noise, more "
            "smoothing)"
        )
    raw_dt = dt_hi - 10.0 * noise_after
    rule = (
        f"Auto rule: {denoise_rule}; detail = {dt_hi:g} − 10·σ′ = "
        f"{_range_note(raw_dt, auto_dt, dt_lo, dt_hi)} (less sharpening when noise could be "
        "sharpened back)."
    )
    if opts.denoise is None and opts.detail is None:
        tail = f" Used: denoise {plan.denoise:.2f}, detail {plan.detail:.2f}."
    else:
        tail = (
            f" You set denoise {'auto' if opts.denoise is None else f'{opts.denoise:.2f}'} and "
            f"detail {'auto' if opts.detail is None else f'{opts.detail:.2f}'}; used: denoise "
            f"{plan.denoise:.2f}, detail {plan.detail:.2f}."
        )
    return noise_after, head + rule + tail


def _measure_stage(key: str, img: np.ndarray, edges: m.Edges, max_display: int) -> StageMeasure:
    mean = m.mean_luma(img)
    if img.ndim == 2:  # a map, not a photo: noise and sharpness do not apply
        noise = sharp = grad = float("nan")
    else:
        noise = m.noise_sigma(img)
        sharp, grad = m.edge_measures(img, edges)
    denom = max(mean, 1e-6)
    return StageMeasure(
        key=key,
        title=key,
        what="",
        mean_luminance=mean,
        noise_sigma=noise,
        noise_to_signal=noise / denom,
        sharpness=sharp,
        edge_gradient=grad,
        image=m.display(np.clip(img, 0.0, 1.0), max_display),
    )


def _shadows_used(res: PipelineResult) -> float | None:
    """The shadow strength the run used (``None``: the model has no shadow stage)."""
    shadows = res.plan.params.get("shadows")
    return None if shadows is None else float(shadows)


def _deblock_used(res: PipelineResult) -> tuple[float, float, float, float] | None:
    """(strength, flats, blockiness, threshold) of the compression clean-up, if it ran."""
    d = res.plan.params.get("deblock")
    if d is None or not d.active:
        return None
    return (float(d.strength), float(d.flats), float(d.blockiness), d.threshold_codes)


def _facts(
    res: PipelineResult,
    gain: np.ndarray | None,
    noise_after: float,
    out_mean: float,
    opts: EnhanceOptions,
) -> Facts:
    p = res.plan.params
    wb = p.get("wb") if res.model == "classical" else None
    return Facts(
        model=res.model,
        learned_denoiser=p.get("denoiser") is not None,
        dark_denoiser=p.get("denoiser_weights") == "dark",
        input_mean=float(res.analysis.mean_luminance),
        output_mean=out_mean,
        gain=None if gain is None else tuple(float(v) for v in np.percentile(gain, (5, 50, 95))),  # type: ignore[arg-type]
        noise_after=noise_after,
        detail=float(res.plan.detail),
        wb=None if wb is None else tuple(float(v) for v in np.ravel(wb)[:3]),  # type: ignore[arg-type]
        contrast=float(p.get("contrast", 1.0)),
        saturation=float(p.get("saturation", 1.0)),
        shadows=_shadows_used(res),
        shadows_auto=opts.shadows is None,
        exposure=None if p.get("exposure") is None else p["exposure"].text(),
        exposure_label=None if p.get("exposure") is None else p["exposure"].label,
        deblock=_deblock_used(res),
        darkening=None if p.get("highlights") is None else p["highlights"].why(),
    )


def _steepness_change(before: StageMeasure, after: StageMeasure) -> float | None:
    if not before.sharpness > 0.02 or np.isnan(after.sharpness):
        return None
    return (after.sharpness - before.sharpness) / before.sharpness


STORY_KEYS = (
    "input",
    "naive",
    "exposure_map",
    "highlights",
    "illumination",
    "brightened",
    "denoised",
)
"""Stages whose title and text come from :func:`stage_text`."""


def _tell(stages: list[StageMeasure], facts: Facts) -> list[StageMeasure]:
    """Give every measured stage its title and text, from the facts and the numbers."""
    told = []
    keys = [s.key for s in stages]
    for s in stages:
        if s.key in STORY_KEYS:
            title, what = stage_text(s.key, facts)
        elif s.key == "detail":
            prev = stages[keys.index("denoised")] if "denoised" in keys else None
            change = None if prev is None else _steepness_change(prev, s)
            title, what = detail_text(facts, change, is_result=False)
        elif "detail" not in keys and "denoised" in keys:
            # The enhancer's detail output is its final image: one card, titled as both.
            change = _steepness_change(stages[keys.index("denoised")], s)
            title, what = detail_text(facts, change, is_result=True)
        else:
            title, what = "Result", "The final image."
        told.append(replace(s, title=title, what=what))
    return told


def _crop(img: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    y0, y1, x0, x1 = box
    return np.ascontiguousarray(img[y0:y1, x0:x1])


def build_report(
    image: Any,
    *,
    options: EnhanceOptions | Mapping[str, Any] | None = None,
    max_display: int = DISPLAY_SIDE,
    with_sweep: bool = True,
    cancel: Callable[[], None] | None = None,
) -> ExplainReport:
    """Enhance a photo and measure how each stage changed it.

    Parameters
    ----------
    image : path, PIL.Image.Image or ndarray
        What :func:`lumos.enhance` accepts.
    options : EnhanceOptions or mapping, optional
        Pipeline options (``model``, ``denoise``, ``detail``, ``brightness``,
        ``shadows``, ...);
        a mapping goes through :func:`lumos.api.make_options`. ``scale`` is
        ignored: the report explains the enhancement at the photo's own size.
    max_display : int
        Long side of the stage images in the report. Numbers and 100 % crops
        always use the full-resolution pixels.
    with_sweep : bool
        Compute the denoise x detail strip (about 16 ``prepare`` calls).
    cancel : callable, optional
        Called between the pipeline's tiles and before the strip; what it raises
        stops the report (the server's timed-out or abandoned requests).

    Returns
    -------
    ExplainReport

    Raises
    ------
    InputError, OptionError
        As :func:`lumos.enhance`.
    """
    t_start = time.perf_counter()
    # Every stage is measured against the input pixel for pixel; an enlarged output
    # would not line up (IndexError at its edges), and the report does not explain
    # the enlargement, a separate pass after the stages. So ``scale`` is left out.
    opts = replace(_options(options), scale=1)
    decoded, _ = load(image, max_megapixels=opts.max_megapixels)
    rgb = decoded.rgb
    res = run_pipeline(rgb, opts, lossy=decoded.meta.lossy, keep_intermediates=True, cancel=cancel)
    inter = res.intermediates
    out = res.rgb
    h, w = rgb.shape[:2]

    t0 = time.perf_counter()
    edges = m.Edges(out)
    out_mean = m.mean_luma(out)
    naive = m.naive_gain(rgb, out_mean)
    chain: list[tuple[str, np.ndarray]] = [("input", rgb), ("naive", naive)]
    for key in (
        "exposure_map",
        "highlights",
        *DEHAZE_KEYS,
        "illumination",
        "brightened",
        "denoised",
        "detail",
    ):
        if key in inter and not (key == "detail" and np.array_equal(inter[key], out)):
            chain.append((key, inter[key]))
    chain.append(("output", out))
    gain = _gain_map(res)
    noise_after, reason = _gain_and_reason(res, opts, gain)
    facts = _facts(res, gain, noise_after, out_mean, opts)
    stages = _tell([_measure_stage(k, img, edges, max_display) for k, img in chain], facts)
    stages = tell_dehaze(stages, res.plan)

    size = m.crop_size(h, w)
    boxes = m.find_crops(rgb, size)
    crops: list[CropPair] = []
    bright = inter.get("brightened", naive)
    for kind, box in boxes.items():
        n, b, o = _crop(naive, box), _crop(bright, box), _crop(out, box)
        cedges = m.Edges(o)
        crops.append(
            CropPair(
                kind=kind,
                box=box,
                naive=m.to_uint8(n),
                brightened=m.to_uint8(b),
                output=m.to_uint8(o),
                naive_noise=m.noise_sigma(n),
                brightened_noise=m.noise_sigma(b),
                output_noise=m.noise_sigma(o),
                naive_sharpness=m.sharpness(n, cedges),
                output_sharpness=m.sharpness(o, cedges),
                input_mean=m.mean_luma(_crop(rgb, box)),
            )
        )
    block = max(64, int(max(h, w) / _NOISE_MAP_COLUMNS))
    nmap = (
        noise_map(
            rgb, block=block, lossy=res.analysis.lossy, blockiness=res.analysis.jpeg_blockiness
        )
        if min(h, w) >= 16
        else np.zeros((1, 1), np.float32)
    )
    exposure_in, exposure_out = exposure_stats(_stride(rgb)), exposure_stats(_stride(out))
    hist_in, hist_out = m.luma_histogram(rgb), m.luma_histogram(out)
    t_measure = time.perf_counter() - t0

    t0 = time.perf_counter()
    cells = []
    if cancel is not None:
        cancel()
    if with_sweep:
        cells = sweep(
            rgb,
            route_light(res.analysis, opts.light),
            get_enhancer(opts.model, opts.weights),
            flat_box=boxes["dark_flat"],
            edge_box=boxes["edge"],
            chosen=(res.plan.denoise, res.plan.detail),
            brightness=opts.brightness,
            shadows=opts.shadows,
        )
    t_sweep = time.perf_counter() - t0

    timings = dict(res.timings)
    timings.update(measure=t_measure, sweep=t_sweep, total=time.perf_counter() - t_start)
    source = Path(image).name if isinstance(image, (str, Path)) else "<array>"
    return ExplainReport(
        source=source,
        width=w,
        height=h,
        model=res.model,
        analysis=res.analysis.to_dict(),
        options={
            "model": opts.model,
            "denoise": opts.denoise,
            "detail": opts.detail,
            "brightness": opts.brightness,
            "shadows": opts.shadows,
            "dehaze": opts.dehaze,
            "light": opts.light,
            "exposure": opts.exposure,
        },
        denoise=float(res.plan.denoise),
        detail=float(res.plan.detail),
        target_brightness=float(res.plan.target_brightness),
        noise_after_gain=noise_after,
        auto_reason=reason,
        input_exposure=exposure_in,
        output_exposure=exposure_out,
        histogram_in=hist_in,
        histogram_out=hist_out,
        noise_map=nmap,
        noise_block=block,
        stages=stages,
        crops=crops,
        sweep=cells,
        sweep_denoise=DENOISE_STEPS if with_sweep else (),
        sweep_detail=DETAIL_STEPS if with_sweep else (),
        card=model_card(res.model, res.plan),
        brightened=facts.brightened,
        shadows=facts.shadows,
        flow=flow_labels(facts),
        timings=timings,
        display_scale=min(1.0, max_display / max(h, w)),
    )
