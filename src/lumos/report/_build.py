"""Build the explain report: run the pipeline once, keep every stage, measure everything.

The report's analysis numbers come from the very :class:`~lumos.analysis.Analysis`
and :class:`~lumos.enhancer.Plan` of the run it explains, so they are the numbers
``lumos info`` prints for the same photo and options; nothing is re-estimated
on a downscaled copy.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
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
from ._model import CropPair, ExplainReport, StageMeasure
from ._sweep import DENOISE_STEPS, DETAIL_STEPS, sweep

__all__ = ["DISPLAY_SIDE", "build_report"]

DISPLAY_SIDE = 1200
"""Long side of the stage images shown in the report (numbers use full resolution)."""
_NOISE_MAP_COLUMNS = 40

_STAGE_TEXT = {
    "input": ("Your photo", "As decoded: dark, and the noise is hidden in the shadows."),
    "naive": (
        "Plain brightening (for comparison)",
        "One gain for every pixel, to the same mean brightness as lumos' result: what an "
        "exposure slider does. Noise is multiplied with the signal and becomes visible.",
    ),
    "illumination": (
        "1 · Illumination map",
        "How much light fell on each part of the scene, estimated edge-aware from the "
        "brightest channel. Dark areas of this map get the most gain.",
    ),
    "brightened": (
        "2 · Brightened",
        "Each pixel multiplied by the gain its illumination calls for (same gain for R, G, "
        "B, so colours keep their hue). The noise is amplified too.",
    ),
    "denoised": (
        "3 · Denoised",
        "Noise-matched smoothing: flat areas whose variation is about the size of the noise "
        "are averaged; edges, well above it, are kept. Colour noise is filtered hardest.",
    ),
    "detail": (
        "4 · Detail restored",
        "Fine detail that stands clearly above the remaining noise is boosted, without halos.",
    ),
    "output": (
        "Result",
        "The final image: detail restored, with the finishing contrast and colour.",
    ),
}
_LEARNED_DENOISE_TEXT = (
    "A small neural network (LumosDN), told how much noise to expect at each pixel (the "
    "measured input noise times that pixel's gain), removes the grain and keeps the "
    "structure it has learned to tell apart from it, colour noise included."
)
_FINISH_TEXT = (
    "For strongly brightened photos the contrast and saturation are then eased slightly "
    "(see the model parameters), which is why the result is a little flatter than the "
    "brightened image."
)


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


def _gain_and_reason(res: PipelineResult, opts: EnhanceOptions) -> tuple[float, str]:
    """Noise expected after brightening, and why these strengths were used."""
    plan: Plan = res.plan
    sigma = float(res.analysis.noise_sigma)
    curve = plan.params.get("curve") if res.model == "classical" else None
    illum = res.intermediates.get("illumination")
    # The two enhancers whose strengths follow the auto rule below.
    follows_rule = curve is not None or res.model == "lumosnet"
    if illum is None or not follows_rule:
        return sigma, (
            f"The {res.model} model chose denoise {plan.denoise:.2f} and detail "
            f"{plan.detail:.2f} for a measured input noise of {sigma * 255:.2f}/255."
        )
    from ..models.lumosnet import LEARNED_AUTO_DENOISE, learned_auto_denoise
    from ..stages.brighten import ToneCurve
    from ..stages.classical import auto_strengths

    if curve is not None:
        gain = ToneCurve(**curve).gain(_stride(illum))
    else:  # lumosnet: its "illumination" is 1 / the luma gain its maps applied
        gain = 1.0 / np.maximum(_stride(illum), 1e-6)
    noise_after = sigma * float(np.median(gain))
    auto_dn, auto_dt = auto_strengths(noise_after)
    head = (
        f"Measured input noise σ = {sigma * 255:.2f}/255. Brightening multiplies it by the "
        f"gain (median ×{float(np.median(gain)):.1f}), so about {noise_after * 255:.1f}/255 "
        "would show in the result. "
    )
    if plan.params.get("denoiser") is not None:
        a, b = LEARNED_AUTO_DENOISE
        denoise_rule = (
            f"denoise = {a:g} + {b:g}·σ′ = {learned_auto_denoise(noise_after):.2f} (the learned "
            "denoiser's full result where noise shows, about half of it on a clean photo; it "
            "is told this noise level per pixel)"
        )
    else:
        denoise_rule = f"denoise = 0.25 + 20·σ′ = {auto_dn:.2f} (more noise, more smoothing)"
    rule = (
        f"Auto rule: {denoise_rule}; detail = 0.6 − 10·σ′ = {auto_dt:.2f} (less sharpening "
        "when noise could be sharpened back), both clipped to their range."
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


def _measure_stage(key: str, img: np.ndarray, mask: np.ndarray, max_display: int) -> StageMeasure:
    title, what = _STAGE_TEXT[key]
    mean = m.mean_luma(img)
    if img.ndim == 2:  # a map, not a photo: noise and sharpness do not apply
        noise = sharp = grad = float("nan")
    else:
        noise, sharp = m.noise_sigma(img), m.sharpness(img, mask)
        grad = m.edge_gradient(img, mask)
    denom = max(mean, 1e-6)
    return StageMeasure(
        key=key,
        title=title,
        what=what,
        mean_luminance=mean,
        noise_sigma=noise,
        noise_to_signal=noise / denom,
        sharpness=sharp,
        edge_gradient=grad,
        image=m.display(np.clip(img, 0.0, 1.0), max_display),
    )


def _crop(img: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    y0, y1, x0, x1 = box
    return np.ascontiguousarray(img[y0:y1, x0:x1])


def build_report(
    image: Any,
    *,
    options: EnhanceOptions | Mapping[str, Any] | None = None,
    max_display: int = DISPLAY_SIDE,
    with_sweep: bool = True,
) -> ExplainReport:
    """Enhance a photo and measure how each stage changed it.

    Parameters
    ----------
    image : path, PIL.Image.Image or ndarray
        What :func:`lumos.enhance` accepts.
    options : EnhanceOptions or mapping, optional
        Pipeline options (``model``, ``denoise``, ``detail``, ``brightness``, ...);
        a mapping goes through :func:`lumos.api.make_options`.
    max_display : int
        Long side of the stage images in the report. Numbers and 100 % crops
        always use the full-resolution pixels.
    with_sweep : bool
        Compute the denoise x detail strip (about 16 ``prepare`` calls).

    Returns
    -------
    ExplainReport

    Raises
    ------
    InputError, OptionError
        As :func:`lumos.enhance`.
    """
    t_start = time.perf_counter()
    opts = _options(options)
    decoded, _ = load(image, max_megapixels=opts.max_megapixels)
    rgb = decoded.rgb
    res = run_pipeline(rgb, opts, keep_intermediates=True)
    inter = res.intermediates
    out = res.rgb
    h, w = rgb.shape[:2]

    t0 = time.perf_counter()
    mask = m.edge_mask(out)
    naive = m.naive_gain(rgb, m.mean_luma(out))
    chain: list[tuple[str, np.ndarray]] = [("input", rgb), ("naive", naive)]
    for key in ("illumination", "brightened", "denoised", "detail"):
        if key in inter and not (key == "detail" and np.array_equal(inter[key], out)):
            chain.append((key, inter[key]))
    chain.append(("output", out))
    stages = [_measure_stage(k, img, mask, max_display) for k, img in chain]
    if res.plan.params.get("denoiser") is not None:
        stages = [
            replace(s, what=_LEARNED_DENOISE_TEXT) if s.key == "denoised" else s for s in stages
        ]
    if not any(s.key == "detail" for s in stages):
        # The enhancer's detail output is its final image: one card, titled as both.
        fin = stages[-1]
        stages[-1] = replace(
            fin,
            title="4 · Detail restored = result",
            what=_STAGE_TEXT["detail"][1] + " " + _FINISH_TEXT,
        )

    size = m.crop_size(h, w)
    boxes = m.find_crops(rgb, size)
    crops: list[CropPair] = []
    bright = inter.get("brightened", naive)
    for kind, box in boxes.items():
        n, b, o = _crop(naive, box), _crop(bright, box), _crop(out, box)
        cmask = m.edge_mask(o)
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
                naive_sharpness=m.sharpness(n, cmask),
                output_sharpness=m.sharpness(o, cmask),
            )
        )
    block = max(64, int(max(h, w) / _NOISE_MAP_COLUMNS))
    nmap = noise_map(rgb, block=block) if min(h, w) >= 16 else np.zeros((1, 1), np.float32)
    noise_after, reason = _gain_and_reason(res, opts)
    exposure_in, exposure_out = exposure_stats(_stride(rgb)), exposure_stats(_stride(out))
    hist_in, hist_out = m.luma_histogram(rgb), m.luma_histogram(out)
    t_measure = time.perf_counter() - t0

    t0 = time.perf_counter()
    cells = []
    if with_sweep:
        cells = sweep(
            rgb,
            route_light(res.analysis, opts.light),
            get_enhancer(opts.model, opts.weights),
            flat_box=boxes["dark_flat"],
            edge_box=boxes["edge"],
            chosen=(res.plan.denoise, res.plan.detail),
            brightness=opts.brightness,
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
            "light": opts.light,
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
        timings=timings,
        display_scale=min(1.0, max_display / max(h, w)),
    )
