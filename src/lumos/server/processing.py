"""The work a worker thread does for one upload: probe, decode, enhance, encode.

Everything here is synchronous and touches only paths the server generated
inside its private working folder; the routes decide where those are and
remove them afterwards. Files go through :mod:`lumos.io` (not in-memory
conversions) so the server keeps EXIF, ICC, DPI and bit depth exactly as the
CLI does.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..config import EnhanceOptions
from ..errors import ImageTooLargeError, OptionError, megapixels_text
from ..io import DecodedImage, probe_image, read_image, write_image
from ..io._formats import WRITABLE_FORMATS
from ..pipeline import enlarged_megapixels, run_pipeline
from .limits import CancelToken
from .progress import ReportFn

__all__ = [
    "EnhanceParams",
    "EnhancedFile",
    "analyse_file",
    "enhance_file",
    "output_format",
    "probe",
]

MEDIA_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "TIFF": "image/tiff",
    "WEBP": "image/webp",
    "BMP": "image/bmp",
}
SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "TIFF": ".tif", "WEBP": ".webp", "BMP": ".bmp"}
# Formats a client may ask for; BMP is only ever "same as the input".
REQUESTABLE = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "tiff": "TIFF", "tif": "TIFF"}
REQUESTABLE["webp"] = "WEBP"


@dataclass(frozen=True)
class EnhanceParams:
    """Validated options of one enhance request.

    Attributes
    ----------
    options : EnhanceOptions
        Pipeline options (model, strengths, brightness, megapixel limit).
    format : str or None
        lumos format name of the output; ``None`` = the input's (JPEG for HEIC/RAW).
    quality : int
        JPEG/WEBP quality 1..100.
    preview_max_side : int or None
        Downscale the input so its long side is at most this before enhancing.
    """

    options: EnhanceOptions
    format: str | None = None
    quality: int = 95
    preview_max_side: int | None = None


@dataclass(frozen=True)
class EnhancedFile:
    """An enhanced image written by :func:`enhance_file`."""

    path: Path
    format: str
    stats: dict[str, Any]

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    @property
    def suffix(self) -> str:
        return SUFFIXES[self.format]


def parse_format(text: str | None) -> str | None:
    """``png|jpg|jpeg|tiff|webp`` (any case) to a lumos format name; empty = same as input."""
    if text is None or not text.strip() or text.strip().lower() in ("same", "auto"):
        return None
    key = text.strip().lower().lstrip(".")
    if key not in REQUESTABLE:
        raise OptionError(f"format: must be one of png, jpg, tiff, webp; got {text!r}")
    return REQUESTABLE[key]


def output_format(input_format: str, requested: str | None) -> str:
    """The format to write: the requested one, else the input's, else JPEG (HEIC, RAW)."""
    if requested is not None:
        return requested
    return input_format if input_format in WRITABLE_FORMATS else "JPEG"


def probe(path: Path, max_megapixels: float) -> str:
    """Check format and size from the header only; returns the format name.

    Cheap enough for the event loop's thread pool and run *before* a worker
    is taken, so a decompression bomb is refused without decoding a pixel.
    The size check is the server's own so that its message does not tell an
    HTTP client to "raise --max-megapixels", a limit only the server sets.
    """
    meta = probe_image(path, max_megapixels=math.inf)
    mp = meta.width * meta.height / 1e6
    if mp > max_megapixels:
        raise ImageTooLargeError(
            f"file: {meta.width}x{meta.height} = {megapixels_text(mp)} MP is above this server's "
            f"limit of {max_megapixels:g} MP"
        )
    return meta.format


def check_scale(width: int, height: int, options: EnhanceOptions) -> None:
    """Refuse an enlargement above the megapixel limit, naming the ``scale`` field.

    The same test as the pipeline's (:func:`lumos.pipeline.enlarged_megapixels`), worded for HTTP.
    """
    mp = enlarged_megapixels(height, width, options)
    if mp is not None:
        s = options.scale
        raise ImageTooLargeError(
            f"scale: {s} would make {width * s}x{height * s} = {megapixels_text(mp)} MP, "
            f"above this server's limit of {options.max_megapixels:g} MP; choose a smaller scale"
        )


def _downscale(decoded: DecodedImage, max_side: int | None) -> DecodedImage:
    h, w = decoded.rgb.shape[:2]
    if not max_side or max(h, w) <= max_side:
        return decoded
    s = max_side / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    # INTER_AREA averages whole pixels: no aliasing, and noise drops as it would in a
    # real smaller photo.
    rgb = cv2.resize(decoded.rgb, size, interpolation=cv2.INTER_AREA)
    alpha = None
    if decoded.alpha is not None:
        alpha = cv2.resize(decoded.alpha, size, interpolation=cv2.INTER_AREA)
    meta = replace(decoded.meta, width=size[0], height=size[1])
    return DecodedImage(rgb=np.ascontiguousarray(rgb), alpha=alpha, meta=meta)


def enhance_file(
    src: Path,
    out_dir: Path,
    params: EnhanceParams,
    token: CancelToken | None = None,
    report: ReportFn | None = None,
) -> EnhancedFile:
    """Enhance ``src`` into a new file in ``out_dir``; returns it with the run's stats.

    ``token`` stops the work between tiles (of the enlargement too) once the request
    has timed out or its client has gone. ``report(stage, done, total)`` is told
    how far the work has got (``GET /v1/progress``).
    """
    if report is not None:
        report("reading", 0, 1)
    decoded = read_image(src, max_megapixels=params.options.max_megapixels)
    source_size = decoded.rgb.shape[1], decoded.rgb.shape[0]
    decoded = _downscale(decoded, params.preview_max_side)
    # Whether the photo was made smaller: compared before enhancing, since ``scale``
    # enlarges the result, whose size then differs from the upload's anyway.
    downscaled = source_size != (decoded.rgb.shape[1], decoded.rgb.shape[0])
    check_scale(decoded.rgb.shape[1], decoded.rgb.shape[0], params.options)
    if token is not None:
        token.check()
    result = run_pipeline(
        decoded.rgb,
        params.options,
        alpha=decoded.alpha,
        lossy=decoded.meta.lossy,
        cancel=None if token is None else token.check,
        progress=None if report is None else lambda d, t: report("enhancing", d, t),
        enlarge_progress=None if report is None else lambda d, t: report("enlarging", d, t),
    )
    if report is not None:
        report("saving", 0, 1)
    fmt = output_format(decoded.meta.format, params.format)
    out = DecodedImage(rgb=result.rgb, alpha=result.alpha, meta=decoded.meta)
    path = out_dir / f"result{SUFFIXES[fmt]}"
    write_image(out, path, format=fmt, quality=params.quality, overwrite=True)
    stats = dict(result.stats)
    stats["source_width"], stats["source_height"] = source_size
    stats["preview"] = downscaled
    stats["format"] = fmt
    stats["scale"], stats["upscaler"] = _enlargement(params.options)
    return EnhancedFile(path=path, format=fmt, stats=stats)


def _enlargement(options: EnhanceOptions) -> tuple[int, str | None]:
    """The scale and the upscaler that ran (``auto`` resolved; ``None`` at scale 1)."""
    from ..stages.upscale import resolve_upscaler

    if options.scale == 1:
        return 1, None
    return options.scale, resolve_upscaler(options.upscaler, options.scale)


def _preview_jpeg(decoded: DecodedImage, max_side: int) -> str:
    """A small sRGB JPEG of the input as a ``data:`` URL, for the page's 'before' view."""
    from PIL import Image

    small = _downscale(decoded, max_side)
    pixels = np.clip(small.rgb * 255.0 + 0.5, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="JPEG", quality=88)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def analyse_file(
    src: Path,
    max_megapixels: float,
    preview_max_side: int | None = None,
    models: tuple[str, ...] = (),
) -> dict[str, Any]:
    """What ``lumos info`` reports, the automatic strengths of each of ``models``
    (``would_use_by_model``) and an optional small 'before' preview of the input."""
    from ..cli.info import describe

    decoded = read_image(src, max_megapixels=max_megapixels)  # once, for both
    info = describe(src, decoded=decoded, models=models)
    info.pop("file", None)  # a server temp path: meaningless to the client, and private
    if preview_max_side:
        info["preview"] = _preview_jpeg(decoded, preview_max_side)
    return info
