"""``lumos info IMAGE``: what lumos measures in a photo, and what it would do."""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis import Analysis, analyse, compression_note
from ..config import DEFAULT_MAX_MEGAPIXELS
from ..errors import LumosError
from ..io import DecodedImage, ImageMeta, read_image
from ..models import default_model, get_enhancer
from . import _options
from .enhance import one_line

__all__ = ["add_parser", "describe", "run"]

# EXIF tags worth showing a person (tag id -> label).
_EXIF_TAGS = {0x010F: "make", 0x0110: "model", 0x0132: "datetime", 0x0131: "software"}
_EXIF_SUB = {0x8827: "iso", 0x829A: "exposure_time", 0x829D: "f_number", 0x9003: "taken"}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "info",
        help="measure brightness, noise and light; show metadata",
        description="Measure a photo (brightness, noise, uniform or uneven light) and show "
        "its metadata and the settings 'lumos enhance' would choose.",
    )
    p.add_argument(
        "images", nargs="+", type=_options.path, metavar="IMAGE", help="one or more photos"
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print JSON instead of text (an object for one photo, a list for several)",
    )
    _options.add_max_megapixels(p)
    p.set_defaults(run=run)


def _exif_summary(raw: bytes | None) -> dict[str, Any]:
    if not raw:
        return {}
    from PIL import Image

    exif = Image.Exif()
    try:
        exif.load(raw)
    except Exception:
        return {"unreadable": True}
    out: dict[str, Any] = {}
    for tag, label in _EXIF_TAGS.items():
        if tag in exif:
            out[label] = str(exif[tag]).strip("\x00 ")
    try:
        ifd = exif.get_ifd(0x8769)
    except Exception:
        ifd = {}
    for tag, label in _EXIF_SUB.items():
        if tag in ifd:
            value = ifd[tag]
            if not hasattr(value, "numerator"):
                out[label] = str(value)
            elif math.isfinite(number := float(value)):
                out[label] = number
            # else 0/0, what a camera writes for a value it does not know: not shown (as
            # NaN it made --json invalid, and the server's JSON refuses it)
    return out


def _icc_description(raw: bytes | None) -> str | None:
    if not raw:
        return None
    try:
        from PIL import ImageCms

        profile = ImageCms.ImageCmsProfile(io.BytesIO(raw))
        return ImageCms.getProfileDescription(profile).strip() or "embedded"
    except Exception:
        return "embedded (unreadable)"


def would_use(rgb: np.ndarray, analysis: Analysis, model: str) -> dict[str, Any]:
    """The strengths ``model`` chooses by itself for ``rgb`` (what 'auto' means).

    ``shadows`` is ``None`` for a model that does not open up shadows (the seed
    models), as in the stats of a run. ``dehaze`` is the strength ``--dehaze auto``
    uses (0 on a photo the haze verdict calls clear); the other strengths are chosen,
    as in a run, on the dehazed photo. ``darken`` is the over-exposure verdict and what
    ``--exposure auto`` would darken (:mod:`lumos.stages.highlights`).
    """
    from ..stages.dehaze import Dehazed
    from ..stages.highlights import Highlighted

    plan = Highlighted(Dehazed(get_enhancer(model), None)).prepare(
        rgb, analysis, denoise=None, detail=None, brightness=None, shadows=None
    )
    hplan = plan.params["highlights"]
    shadows = plan.params.get("shadows")
    verdict = plan.params.get("exposure")
    # Four decimals, as the stats of a run and the explain report: the 8-bit target
    # then reads the same everywhere (0.48828 is 125/255; rounded to 0.488 it read 124).
    return {
        "model": model,
        "denoise": round(plan.denoise, 4),
        "detail": round(plan.detail, 4),
        "target_brightness": round(plan.target_brightness, 4),
        "shadows": None if shadows is None else round(float(shadows), 4),
        "exposure": None if verdict is None else {**verdict.to_dict(), "text": verdict.text()},
        "dehaze": round(float(plan.params["dehaze"].strength), 4),
        # What --exposure auto does the other way: darken an over-exposed photo.
        "darken": {**hplan.to_dict(), "text": hplan.verdict.text()},
    }


def describe(
    path: Path,
    *,
    max_megapixels: float = DEFAULT_MAX_MEGAPIXELS,
    decoded: DecodedImage | None = None,
    models: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Everything ``lumos info`` shows, as a JSON-ready dict.

    ``decoded``: the photo at ``path`` if the caller has read it already.
    ``models``: also give each of these models' automatic strengths
    (``would_use_by_model``; they differ between models, so a client that
    switches models starts its sliders from the new model's).
    """
    if decoded is None:
        decoded = read_image(path, max_megapixels=max_megapixels)
    meta: ImageMeta = decoded.meta
    analysis = analyse(decoded.rgb, lossy=meta.lossy)
    chosen = {
        m: would_use(decoded.rgb, analysis, m) for m in dict.fromkeys((default_model(), *models))
    }
    info = {
        "file": str(path),
        "format": meta.format,
        "width": meta.width,
        "height": meta.height,
        "megapixels": round(meta.width * meta.height / 1e6, 2),
        "mode": meta.mode,
        "bit_depth": meta.bit_depth,
        "orientation": meta.orientation,
        "exif": _exif_summary(meta.exif),
        "icc_profile": _icc_description(meta.icc_profile),
        "dpi": list(meta.dpi) if meta.dpi else None,
        "analysis": analysis.to_dict(),
        "compression": compression_note(analysis.jpeg_blockiness, analysis.lossy),
        "would_use": chosen[default_model()],
    }
    if models:
        info["would_use_by_model"] = {m: chosen[m] for m in models}
    return info


def _haze_line(a: dict[str, Any]) -> str:
    """The haze verdict with its measure (``--dehaze auto`` acts on a hazy photo only)."""
    from ..analysis import HAZY_AT

    verdict = "hazy" if a.get("hazy") else "clear"
    density = a.get("haze_density", 0.0)
    return f"haze          {verdict} (density {density:.2f}; hazy from {HAZY_AT:.2f})"


def _over_line(darken: dict[str, Any]) -> str:
    """The over-exposure verdict, and how many stops ``--exposure auto`` would darken."""
    ev = darken.get("darken_ev", 0.0)
    return darken["text"] + (f" -> would darken {ev:.2f} stops" if ev else "")


def _format_text(d: dict[str, Any]) -> str:
    a, w = d["analysis"], d["would_use"]
    exif = d["exif"]
    exif_text = ", ".join(f"{k}={v}" for k, v in exif.items()) if exif else "none"
    lines = [
        f"file          {d['file']}",
        f"size          {d['width']} x {d['height']} ({d['megapixels']} MP), "
        f"{d['format']} {d['mode']} {d['bit_depth']}-bit",
        f"orientation   {d['orientation']}" + (" (applied)" if d["orientation"] != 1 else ""),
        f"exif          {exif_text}",
        f"icc profile   {d['icc_profile'] or 'none'}",
        f"dpi           {'x'.join(f'{v:g}' for v in d['dpi']) if d['dpi'] else 'none'}",
        "",
        f"brightness    mean {a['mean_luminance'] * 255:.0f}/255, median "
        f"{a['median_luminance'] * 255:.0f}/255, "
        f"1%..99% = {a['p01'] * 255:.0f}..{a['p99'] * 255:.0f}",
        f"dark pixels   {a['dark_fraction'] * 100:.1f}%   "
        f"clipped {a['clipped_fraction'] * 100:.2f}%",
        f"low light     {'yes' if a['is_low_light'] else 'no'}",
        f"noise         sigma {a['noise_sigma'] * 255:.2f}/255 (luma)",
        f"compression   {d['compression']}",
        f"light         {a['light']} (confidence {a['light_confidence']:.0%})",
        *([f"exposure      {w['exposure']['text']}"] if w.get("exposure") else []),
        *([f"over-exposure {_over_line(w['darken'])}"] if w.get("darken") else []),
        _haze_line(a),
        "",
        f"lumos would   use {w['model']}: denoise {w['denoise']:.2f}, detail {w['detail']:.2f}, "
        f"target brightness {w['target_brightness'] * 255:.0f}/255"
        + ("" if w.get("shadows") is None else f", shadows {w['shadows']:.2f}")
        + (f", dehaze {w['dehaze']:.2f}" if w.get("dehaze") else ""),
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Describe each photo; one that cannot be read is named on stderr and the others
    are still described (exit 1 if any failed)."""
    if len(args.images) == 1:  # errors go to main(), as for any one-photo command
        info = describe(args.images[0], max_megapixels=args.max_megapixels)
        print(json.dumps(info, indent=2) if args.json else _format_text(info))
        return 0
    described, failed = [], False
    for path in args.images:
        try:
            info = describe(path, max_megapixels=args.max_megapixels)
        except LumosError as exc:
            print(one_line(f"lumos: {exc}"), file=sys.stderr)
            failed = True
            continue
        described.append(info)
        if not args.json:
            print(("\n" if len(described) > 1 else "") + _format_text(info), flush=True)
    if args.json:
        print(json.dumps(described, indent=2))
    return 1 if failed else 0
