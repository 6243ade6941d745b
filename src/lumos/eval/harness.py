"""Run a method over paired or unpaired images and measure it honestly.

Paired folders (``LOW`` and ``HIGH`` with the same file stems) get full-reference
scores: PSNR and SSIM on 8-bit RGB, reported plain; the GT-mean-rescaled PSNR,
which borrows the reference's brightness, is reported in its own, labelled
column for comparison with papers only. Every image also gets no-reference
scores - NIQE, exposure statistics, residual noise, colour cast - so unpaired
real photos can be judged too, plus time per megapixel. Optionally, keypoint
inliers against the reference measure whether the result helps machines.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._types import FloatImage
from ..errors import InputError, LumosError, OutputError
from ..io import SUPPORTED_SUFFIXES, read_image
from .image_stats import colour_cast, exposure_stats, residual_noise
from .metrics import gt_mean_psnr, psnr, ssim

__all__ = [
    "ImageScore",
    "Method",
    "Summary",
    "evaluate",
    "find_images",
    "find_pairs",
    "pipeline_method",
]

Method = Callable[[FloatImage], FloatImage]
"""What is scored: an RGB float image in, one out. A method with a true ``takes_lossy``
attribute is also given ``lossy=`` (whether the photo's file was a JPEG or HEIC), as
``lumos enhance`` gives the pipeline (see :func:`pipeline_method`)."""


def pipeline_method(options: Any) -> Method:
    """lumos's pipeline with ``options`` (an :class:`~lumos.config.EnhanceOptions`) as a
    method, told as ``lumos enhance`` is whether each photo came from a lossy file."""
    from ..pipeline import run_pipeline  # the pipeline needs lumos.models; scoring does not

    def run(rgb: FloatImage, *, lossy: bool = False) -> FloatImage:
        return run_pipeline(rgb, options, lossy=lossy).rgb

    run.takes_lossy = True  # type: ignore[attr-defined]
    return run


@dataclass
class ImageScore:
    """All measurements of one image (None where not applicable)."""

    name: str
    megapixels: float
    seconds: float
    psnr: float | None = None
    ssim: float | None = None
    psnr_gt_mean: float | None = None
    niqe: float | None = None
    mean_luminance: float = 0.0
    reference_luminance: float | None = None
    """The reference's mean luma (paired sets): beside ``mean_luminance`` it tells a
    miss in brightness, one number per photo, from a miss in detail or colour."""
    clipped_fraction: float = 0.0
    crushed_fraction: float = 0.0
    residual_noise: float = 0.0
    colour_cast: float = 0.0
    inliers: int | None = None
    inliers_input: int | None = None


@dataclass
class Summary:
    """Per-image scores and their means."""

    scores: list[ImageScore]
    peak_rss_mb: float
    mean: dict[str, float] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean": self.mean,
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "images": [asdict(s) for s in self.scores],
            "failures": [{"file": f, "reason": r} for f, r in self.failures],
        }


def find_images(folder: Path) -> list[Path]:
    """Image files directly in ``folder``, sorted by name."""
    if not folder.is_dir():
        raise InputError("no such folder", path=folder)
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
    if not files:
        raise InputError("no images found in this folder", path=folder)
    return files


def _by_stem(folder: Path) -> dict[str, Path]:
    """The images of ``folder`` by stem; two with one stem (``a.jpg``, ``a.png``) are an
    error naming them: pairing would keep one and silently leave the other unscored."""
    by_stem: dict[str, Path] = {}
    for p in find_images(folder):
        if p.stem in by_stem:
            names = f"{by_stem[p.stem].name}, {p.name}"
            raise InputError(f"files with the same stem cannot be paired: {names}", path=folder)
        by_stem[p.stem] = p
    return by_stem


def find_pairs(low_dir: Path, high_dir: Path) -> list[tuple[Path, Path]]:
    """(low, high) files paired by stem; unpaired files, or two with one stem in a
    folder, are an error naming them."""
    lows = _by_stem(low_dir)
    highs = _by_stem(high_dir)
    missing = sorted(set(lows) ^ set(highs))
    if missing:
        raise InputError(f"files without a partner: {', '.join(missing[:5])}", path=low_dir)
    return [(lows[k], highs[k]) for k in sorted(lows, key=_natural)]


def _natural(stem: str) -> tuple[int, str]:
    return (int(stem), "") if stem.isdigit() else (1 << 30, stem)


def _mean(values: Iterable[float | int | None]) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return float(np.mean(vals)) if vals else None


def _size(a: np.ndarray) -> str:
    return f"{a.shape[1]}x{a.shape[0]}"


def evaluate(
    method: Method,
    items: list[tuple[Path, Path | None]],
    *,
    with_niqe: bool = True,
    downstream: bool = False,
    enhance_both: bool = False,
    save_to: Path | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    on_failure: Callable[[Path, str], None] | None = None,
) -> Summary:
    """Score ``method`` on ``items`` (low path, reference path or None).

    Parameters
    ----------
    method : callable
        RGB float32 in, RGB float32 out.
    items : list
        Pairs ``(input, reference)``; the reference may be None (unpaired).
    with_niqe : bool
        NIQE costs about 0.1 s per image; it can be turned off.
    downstream : bool
        Also count keypoint inliers against the reference (input and output).
    enhance_both : bool
        With ``downstream``: the reference is a second photo to enhance, not a target
        (one scene at two exposures, as in the colon paper): ``inliers`` are counted
        between the two outputs, ``inliers_input`` between the two inputs.
    save_to : Path, optional
        Save each output as PNG here (for contact sheets).
    on_failure : callable, optional
        ``on_failure(file, reason)`` for an image that cannot be scored (unreadable,
        or a pair whose sizes differ); it is left out of the means, listed in
        ``Summary.failures``, and the others are still scored. Without it the first
        such :class:`~lumos.errors.LumosError` is raised, so that a benchmark never
        silently scores fewer images.
    """
    scores: list[ImageScore] = []
    failures: list[tuple[str, str]] = []
    for i, (src, ref_path) in enumerate(items):
        try:
            scores.append(
                _score_one(method, src, ref_path, with_niqe, downstream, save_to, enhance_both)
            )
        except LumosError as exc:
            if on_failure is None:
                raise
            where = exc.path if exc.path is not None else src
            failures.append((str(where), exc.message))
            on_failure(where, exc.message)
        if progress is not None:
            progress(i + 1, len(items), src.name)

    keys = [
        "psnr",
        "ssim",
        "psnr_gt_mean",
        "niqe",
        "mean_luminance",
        "reference_luminance",
        "clipped_fraction",
        "crushed_fraction",
        "residual_noise",
        "colour_cast",
        "inliers",
        "inliers_input",
    ]
    mean = {k: m for k in keys if (m := _mean(getattr(s, k) for s in scores)) is not None}
    total_mp = sum(s.megapixels for s in scores)
    mean["seconds_per_mp"] = sum(s.seconds for s in scores) / max(total_mp, 1e-9)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Summary(scores=scores, peak_rss_mb=peak, mean=mean, failures=failures)


def _run(method: Method, rgb: np.ndarray, path: Path) -> np.ndarray:
    """``method`` on one decoded photo, told whether its file was lossy where it asks."""
    if getattr(method, "takes_lossy", False):
        lossy = path.suffix.lower() in (".jpg", ".jpeg", ".heic", ".heif")
        return method(rgb, lossy=lossy)  # type: ignore[call-arg]
    return method(rgb)


def _score_one(
    method: Method,
    src: Path,
    ref_path: Path | None,
    with_niqe: bool,
    downstream: bool,
    save_to: Path | None,
    enhance_both: bool = False,
) -> ImageScore:
    from .niqe import niqe

    decoded = read_image(src)
    rgb = decoded.rgb
    ref = None
    if ref_path is not None:
        ref = read_image(ref_path).rgb
        if ref.shape != rgb.shape:
            raise InputError(
                f"size {_size(rgb)} differs from its reference {ref_path.name} ({_size(ref)}); "
                "PSNR/SSIM need pixel-aligned pairs",
                path=src,
            )
    t0 = time.perf_counter()
    if getattr(method, "takes_lossy", False):
        out = method(rgb, lossy=decoded.meta.lossy)  # type: ignore[call-arg]
    else:
        out = method(rgb)
    seconds = time.perf_counter() - t0
    if ref is not None and out.shape != ref.shape:
        raise InputError(
            f"output is {_size(out)} but the reference {ref_path.name} is {_size(ref)} "
            "(enlarged with --scale?); PSNR/SSIM need equal sizes",
            path=src,
        )
    mp = rgb.shape[0] * rgb.shape[1] / 1e6
    exp = exposure_stats(out)
    score = ImageScore(
        name=src.name,
        megapixels=round(mp, 6),  # not 3: a thumbnail would count as 0 MP
        seconds=seconds,
        mean_luminance=exp["mean_luminance"],
        clipped_fraction=exp["clipped_fraction"],
        crushed_fraction=exp["crushed_fraction"],
        residual_noise=residual_noise(out),
        colour_cast=colour_cast(out),
    )
    if with_niqe and min(out.shape[:2]) >= 96:
        score.niqe = niqe(out)
    if ref is not None:
        score.psnr, score.ssim = psnr(out, ref), ssim(out, ref)
        score.psnr_gt_mean = gt_mean_psnr(out, ref)
        score.reference_luminance = exposure_stats(ref)["mean_luminance"]
        if downstream:
            from .downstream import keypoint_matches

            # Exposure pairs: the other exposure is enhanced too, and matched as enhanced.
            other = _run(method, ref, ref_path) if enhance_both else ref
            score.inliers = int(keypoint_matches(out, other)["inliers"])
            score.inliers_input = int(keypoint_matches(rgb, ref)["inliers"])
    if save_to is not None:
        from ..io import DecodedImage, ImageMeta, write_image

        try:
            save_to.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"cannot create folder: {exc.strerror or exc}", path=save_to
            ) from None
        h, w = out.shape[:2]
        meta = ImageMeta(format="PNG", mode="RGB", bit_depth=8, width=w, height=h)
        write_image(DecodedImage(out, None, meta), save_to / f"{src.stem}.png", overwrite=True)
    return score
