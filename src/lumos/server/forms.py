"""The enhance options of a request, from multipart form fields to validated params.

The fields mirror ``lumos enhance`` one-to-one and are validated by the same
code (:func:`lumos.api.make_options` and the CLI's option parsers), so a value
the CLI refuses is refused here with the same message, as a 422.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Form

from ..api import make_options
from ..cli import _options
from ..errors import OptionError
from ..models import default_model
from .processing import EnhanceParams, parse_format
from .settings import ServerSettings

__all__ = ["EnhanceForm", "enhance_form", "parse_field", "with_limits"]

_DEFAULT_MODEL = default_model()
_AUTO = "or 'auto' (chosen from the measured noise)"


def parse_field(name: str, parser, text: str | None):  # type: ignore[no-untyped-def]
    if text is None or not text.strip():
        return None
    try:
        return parser(text)
    except argparse.ArgumentTypeError as exc:
        raise OptionError(f"{name}: {exc}") from None


def enhance_form(
    model: Annotated[
        str, Form(description="enhancer: lumosnet (learned, the default) or classical")
    ] = _DEFAULT_MODEL,
    denoise: Annotated[
        str | None, Form(description=f"denoise strength: number 0..2 (above 1: smoother) {_AUTO}")
    ] = None,
    detail: Annotated[str | None, Form(description=f"detail strength: number 0..1 {_AUTO}")] = None,
    brightness: Annotated[
        str | None, Form(description="target mean 0.05..0.95 (or 13..242), or 'auto'")
    ] = None,
    format: Annotated[
        str | None, Form(description="png | jpg | tiff | webp; default: same as the upload")
    ] = None,
    quality: Annotated[str | None, Form(description="JPEG/WEBP quality 1..100 (95)")] = None,
    preview_max_side: Annotated[
        str | None,
        Form(description="downscale so the long side is at most this many pixels first"),
    ] = None,
    scale: Annotated[
        str | None, Form(description="enlarge the result 1, 2 or 4 times per side (1)")
    ] = None,
    upscaler: Annotated[
        str | None, Form(description="auto | learned | classical: how --scale enlarges (auto)")
    ] = None,
) -> EnhanceParams:
    """FastAPI dependency: the form fields of an enhance request as :class:`EnhanceParams`.

    Fields arrive as strings and are parsed here rather than by pydantic so
    that errors read like the CLI's (``denoise: must be between 0 and 1``).
    """
    options = make_options(
        model=model,
        denoise=parse_field("denoise", _options.denoise_or_auto, denoise),
        detail=parse_field("detail", _options.unit_or_auto, detail),
        brightness=parse_field("brightness", _options.brightness, brightness),
        scale=parse_field("scale", _options.scale, scale) or 1,
        upscaler=(upscaler or "").strip() or "auto",
    )
    q = parse_field("quality", _options.int_range(1, 100), quality)
    side = parse_field("preview_max_side", _options.int_range(16, 8192), preview_max_side)
    return EnhanceParams(
        options=options,
        format=parse_format(format),
        quality=95 if q is None else q,
        preview_max_side=side,
    )


EnhanceForm = Annotated[EnhanceParams, Depends(enhance_form)]
"""Type of a route parameter that receives the validated options."""


def with_limits(params: EnhanceParams, settings: ServerSettings) -> EnhanceParams:
    """``params`` with the server's megapixel limit (a client cannot raise it)."""
    options = replace(params.options, max_megapixels=settings.max_megapixels)
    return replace(params, options=options)
