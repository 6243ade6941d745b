"""The enhance options of a request, from multipart form fields to validated params.

The fields mirror ``lumos enhance`` and reuse its value parsers, but every
error names the form field (``denoise: must be between 0 and 2``), never a
command-line flag: an HTTP client has no ``--denoise``. Values are read
case-insensitively (``model=Classical``, ``upscaler=AUTO``) and the server
offers only the models it can run: those that need the user's own weights
file (a CLI-only ``--weights``) are not available here.
"""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Annotated, Any

from fastapi import Depends, Form, HTTPException, Request
from starlette.datastructures import UploadFile

from ..api import make_options
from ..cli import _options
from ..config import (
    DEHAZER_CHOICES,
    EXPOSURE_CHOICES,
    LIGHT_CHOICES,
    SCALE_CHOICES,
    UPSCALER_CHOICES,
)
from ..errors import OptionError
from ..models import available_models, default_model, needs_weights
from .processing import EnhanceParams, parse_format
from .settings import ServerSettings

__all__ = [
    "PREVIEW_SIDE",
    "EnhanceForm",
    "enhance_form",
    "http_models",
    "parse_field",
    "upload_field",
    "with_limits",
]

_DEFAULT_MODEL = default_model()
_AUTO = "or 'auto' (chosen from the measured noise)"
PREVIEW_SIDE = (16, 8192)
"""Range of ``preview_max_side``, the same on every endpoint."""
_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def http_models() -> tuple[str, ...]:
    """Models the server runs: not those that need a weights file only the CLI can name."""
    return tuple(m for m in available_models() if not needs_weights(m))


def parse_field(name: str, parser: Callable[[str], Any], text: str | None) -> Any:
    """``parser(text)``, ``None`` for an empty field; errors name the field."""
    if text is None or not text.strip():
        return None
    try:
        return parser(text)
    except argparse.ArgumentTypeError as exc:
        raise OptionError(f"{name}: {exc}") from None


def _model(text: str) -> str:
    key = text.strip().lower()
    models = http_models()
    if key in models:
        return key
    choices = ", ".join(models)
    if key in available_models():  # runs from the user's own checkpoint, CLI only
        raise argparse.ArgumentTypeError(
            f"{key} is not available over HTTP (it needs a weights file); choose one of: {choices}"
        )
    raise argparse.ArgumentTypeError(f"unknown model {text!r}; choose one of: {choices}")


def _choice(choices: tuple[str, ...]) -> Callable[[str], str]:
    """A field that is one of ``choices``, in any case."""

    def parse(text: str) -> str:
        key = text.strip().lower()
        if key not in choices:
            raise argparse.ArgumentTypeError(f"must be one of {', '.join(choices)}, got {text!r}")
        return key

    return parse


_upscaler = _choice(UPSCALER_CHOICES)


def _scale(text: str) -> int:
    """1, 2 or 4; ``2.0`` is 2 (clients that send numbers as floats)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value.is_integer() or int(value) not in SCALE_CHOICES:
        raise argparse.ArgumentTypeError(f"must be 1, 2 or 4, got {text!r}")
    return int(value)


def _whole_number(lo: int, hi: int) -> Callable[[str], int]:
    """An integer field in [lo, hi] that takes ``90.0`` as 90, as ``scale`` takes ``2.0``
    (clients that send every number as a float)."""
    parse = _options.int_range(lo, hi)

    def whole(text: str) -> int:
        try:
            value = float(text)
        except ValueError:
            return parse(text)  # its own message: "expected an integer"
        return parse(str(int(value)) if value.is_integer() else text)

    return whole


def _check_upscaler_installed(upscaler: str, scale: int) -> None:
    """``upscaler=learned`` without its weights is the client's choice to fix (422, not 500)."""
    from ..models.sr import sr_available

    if upscaler == "learned" and scale > 1 and not sr_available(scale):
        raise OptionError(
            f"upscaler: the learned x{scale} upscaler is not installed on this server; "
            "use auto or classical"
        )


def preview_side(text: str | None) -> int | None:
    """The ``preview_max_side`` field: pixels, in :data:`PREVIEW_SIDE`."""
    return parse_field("preview_max_side", _whole_number(*PREVIEW_SIDE), text)


def enhance_form(
    model: Annotated[
        str, Form(description=f"enhancer: {' or '.join(http_models())} (any case)")
    ] = _DEFAULT_MODEL,
    denoise: Annotated[
        str | None, Form(description=f"denoise strength: number 0..2 (above 1: smoother) {_AUTO}")
    ] = None,
    detail: Annotated[str | None, Form(description=f"detail strength: number 0..1 {_AUTO}")] = None,
    brightness: Annotated[
        str | None, Form(description="target mean 0.05..0.95 (or 13..242), or 'auto'")
    ] = None,
    shadows: Annotated[
        str | None,
        Form(
            description="open up dark shadows: number 0..1 (0 leaves them), or 'auto' (only "
            "where part of the photo is in full light and part in deep shadow)"
        ),
    ] = None,
    dehaze: Annotated[
        str | None,
        Form(
            description="remove haze before brightening: number 0..1 (0 never), or 'auto' "
            "(only where the haze verdict says hazy)"
        ),
    ] = None,
    dehazer: Annotated[
        str | None,
        Form(description="auto | learned | dcp: how `dehaze` removes haze (auto: the net)"),
    ] = None,
    format: Annotated[
        str | None, Form(description="png | jpg | tiff | webp; default: same as the upload")
    ] = None,
    quality: Annotated[str | None, Form(description="JPEG/WEBP quality 1..100 (95)")] = None,
    preview_max_side: Annotated[
        str | None,
        Form(
            description="downscale so the long side is at most this many pixels first "
            f"({PREVIEW_SIDE[0]}..{PREVIEW_SIDE[1]})"
        ),
    ] = None,
    scale: Annotated[
        str | None, Form(description="enlarge the result 1, 2 or 4 times per side (1)")
    ] = None,
    upscaler: Annotated[
        str | None, Form(description="auto | learned | classical: how `scale` enlarges (auto)")
    ] = None,
    exposure: Annotated[
        str | None,
        Form(
            description="auto | brighten | darken: which way to correct exposure (auto: "
            "darken an over-exposed photo, brighten a dark one)"
        ),
    ] = None,
    light: Annotated[
        str | None,
        Form(
            description="auto | uniform | uneven: brighten by what the light classifier "
            "says, by one global curve, or by the local illumination map (auto)"
        ),
    ] = None,
) -> EnhanceParams:
    """FastAPI dependency: the form fields of an enhance request as :class:`EnhanceParams`.

    Fields arrive as strings and are parsed here rather than by pydantic so
    that errors are one line naming the field (``denoise: must be between 0 and 2``).
    """
    scale_value = parse_field("scale", _scale, scale) or 1
    upscaler_value = parse_field("upscaler", _upscaler, upscaler) or "auto"
    _check_upscaler_installed(upscaler_value, scale_value)
    options = make_options(
        model=parse_field("model", _model, model) or _DEFAULT_MODEL,
        denoise=parse_field("denoise", _options.denoise_or_auto, denoise),
        detail=parse_field("detail", _options.unit_or_auto, detail),
        brightness=parse_field("brightness", _options.brightness, brightness),
        shadows=parse_field("shadows", _options.unit_or_auto, shadows),
        dehaze=parse_field("dehaze", _options.unit_or_auto, dehaze),
        dehazer=parse_field("dehazer", _choice(DEHAZER_CHOICES), dehazer) or "auto",
        light=parse_field("light", _choice(LIGHT_CHOICES), light) or "auto",
        exposure=parse_field("exposure", _choice(EXPOSURE_CHOICES), exposure) or "auto",
        scale=scale_value,
        upscaler=upscaler_value,
    )
    q = parse_field("quality", _whole_number(1, 100), quality)
    return EnhanceParams(
        options=options,
        format=parse_format(format),
        quality=95 if q is None else q,
        preview_max_side=preview_side(preview_max_side),
    )


EnhanceForm = Annotated[EnhanceParams, Depends(enhance_form)]
"""Type of a route parameter that receives the validated options."""
ENHANCE_FIELDS = frozenset(inspect.signature(enhance_form).parameters)
"""The form fields :data:`EnhanceForm` reads."""


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def upload_field(
    name: str, *, single: bool, fields: Iterable[str] = ()
) -> Callable[[Request], Any]:
    """A route dependency that checks the upload field ``name`` before anything else.

    ``fields`` are the route's other form fields: any field beyond them is a
    422 naming it, so a misspelt option (``denoize``) is not silently left at
    its default.

    FastAPI's own messages for these cases read like a Python traceback
    (``Value error, Expected UploadFile, received: <class 'str'>``) or miss the
    point (a raw ``image/jpeg`` body is "file: Field required"), so they are
    answered here: a body that is no form is 415, a field that is missing, text
    instead of a file, or (``single``) sent twice is 422.
    """
    how = f"send the photo as multipart/form-data in a field named {name!r}"
    known = frozenset(fields) | {name}

    async def check(request: Request) -> None:
        media = _media_type(request)
        if media and media not in _FORM_TYPES:
            raise HTTPException(415, f"{how}, not as a raw {media} body")
        form = await request.form()  # parsed once, already, by FastAPI
        unknown = sorted(set(form.keys()) - known)
        if unknown:
            listed = ", ".join(repr(u) for u in unknown[:5])
            raise OptionError(
                f"unknown field{'s' if len(unknown) > 1 else ''} {listed}; "
                f"this request takes: {', '.join(sorted(known))}"
            )
        values = form.getlist(name)
        if not values:
            raise OptionError(f"{name}: missing; {how}")
        if any(not isinstance(v, UploadFile) for v in values):
            what = "an uploaded image file" if single else "uploaded image files"
            raise OptionError(f"{name}: expected {what}, not text")
        if single and len(values) > 1:
            raise OptionError(f"{name}: send one file (several go to POST /v1/jobs)")

    return check


def with_limits(params: EnhanceParams, settings: ServerSettings) -> EnhanceParams:
    """``params`` with the server's megapixel limit (a client cannot raise it)."""
    options = replace(params.options, max_megapixels=settings.max_megapixels)
    return replace(params, options=options)
