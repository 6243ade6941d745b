"""Option types shared by subcommands: each rejects a bad value with one clear line."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from ..config import DEFAULT_MAX_MEGAPIXELS, DENOISE_MAX, brightness_from_8bit


def _auto_or_number(text: str, expected: str) -> float | None:
    if text.strip().lower() == "auto":
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 'auto' or {expected}, got {text!r}") from None


def add_max_megapixels(p: argparse.ArgumentParser) -> None:
    """The decompression-bomb guard, shared by every command that reads photos."""
    p.add_argument(
        "--max-megapixels",
        type=positive_float,
        default=DEFAULT_MAX_MEGAPIXELS,
        metavar="MP",
        help=f"refuse larger images, judged from the header (default {DEFAULT_MAX_MEGAPIXELS:g})",
    )


def _strength_or_auto(text: str, top: float) -> float | None:
    value = _auto_or_number(text, f"a number 0..{top:g}")
    if value is None:
        return None
    if not 0.0 <= value <= top:
        raise argparse.ArgumentTypeError(f"must be between 0 and {top:g}, got {text}")
    return value


def unit_or_auto(text: str) -> float | None:
    """``auto`` or a number in [0, 1] (``--detail``)."""
    return _strength_or_auto(text, 1.0)


def denoise_or_auto(text: str) -> float | None:
    """``auto`` or a denoise strength in [0, DENOISE_MAX] (above 1: more than measured)."""
    return _strength_or_auto(text, DENOISE_MAX)


def brightness(text: str) -> float | None:
    """``auto`` or a target mean brightness in [0.05, 0.95] (or 13..242 on the 0..255 scale)."""
    value = _auto_or_number(text, "a target mean 0.05..0.95 (or 13..242)")
    if value is None:
        return None
    value = float(brightness_from_8bit(value))  # 8-bit units too, e.g. --brightness 110
    if not 0.05 <= value <= 0.95:
        raise argparse.ArgumentTypeError(f"target mean must be 0.05..0.95 (or 13..242), got {text}")
    return value


def positive_float(text: str) -> float:
    """A finite number above 0 (``nan`` and ``inf`` are refused here, not per file)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def nonempty(text: str) -> str:
    """A path as typed (a trailing slash kept); ``""`` is refused: Path("") would mean "."."""
    if not text.strip():
        raise argparse.ArgumentTypeError("empty path")
    return text


def path(text: str) -> Path:
    """A non-empty path."""
    return Path(nonempty(text))


def int_range(lo: int, hi: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"must be between {lo} and {hi}, got {text}")
        return value

    return parse


def scale(text: str) -> int:
    """``--scale``: 1, 2 or 4."""
    if text.strip() not in ("1", "2", "4"):
        raise argparse.ArgumentTypeError(f"must be 1, 2 or 4, got {text!r}")
    return int(text)


def tile_size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value != 0 and value < 64:
        raise argparse.ArgumentTypeError(f"must be 0 (no tiling) or at least 64, got {text}")
    return value
