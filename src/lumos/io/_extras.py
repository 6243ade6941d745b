"""Formats behind optional extras: HEIC (pillow-heif) and camera RAW (rawpy).

Both libraries are imported inside the functions, so ``import lumos`` works
without them and a missing one is reported as :class:`MissingExtraError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import numpy as np

from ..errors import InputError, MissingExtraError, UnsupportedFormatError

__all__ = ["open_heif", "raw_pixels", "raw_size"]

# LibRaw's ``sizes.flip`` -> the EXIF orientation that describes the same turn.
_FLIP_TO_ORIENTATION = {0: 1, 3: 3, 5: 8, 6: 6}


def open_heif(fp: IO[bytes], path: Path) -> Any:
    """Open a HEIC/HEIF file as a lazy PIL image (header only, no pixels yet).

    pillow-heif applies the HEIF transforms (rotation, mirroring) while
    decoding and resets the EXIF orientation to 1; the original value is in
    ``info["original_orientation"]``.
    """
    try:
        from pillow_heif.as_plugin import HeifImageFile
    except ImportError:
        raise MissingExtraError("HEIC images", "heic", path=path) from None
    return HeifImageFile(fp)


def _rawpy(path: Path) -> Any:
    try:
        import rawpy
    except ImportError:
        raise MissingExtraError("camera RAW files", "raw", path=path) from None
    return rawpy


def _libraw_text(exc: Exception) -> str:
    """LibRaw's reason as plain text: rawpy passes it as bytes (``b'Input/output error'``)."""
    arg = exc.args[0] if exc.args else ""
    text = arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)
    text = " ".join(text.split()).rstrip(".")
    return (text[:1].lower() + text[1:]) or type(exc).__name__


def _raw_error(rawpy: Any, exc: Exception, path: Path) -> InputError:
    if isinstance(exc, rawpy.LibRawFileUnsupportedError):
        return UnsupportedFormatError("not a camera RAW file that LibRaw can read", path=path)
    return InputError(f"truncated or corrupt RAW file ({_libraw_text(exc)})", path=path)


def raw_size(path: Path) -> tuple[int, int, int]:
    """``(width, height, orientation)`` of a RAW file's developed image, from its header."""
    rawpy = _rawpy(path)
    raw = rawpy.RawPy()
    try:
        raw.open_file(str(path))  # parses the header; pixels are unpacked later
        sizes = raw.sizes
    except rawpy.LibRawError as exc:
        raise _raw_error(rawpy, exc, path) from None
    finally:
        raw.close()
    orientation = _FLIP_TO_ORIENTATION.get(sizes.flip, 1)
    w, h = sizes.width, sizes.height
    return (h, w, orientation) if orientation in (6, 8) else (w, h, orientation)


def raw_pixels(path: Path) -> np.ndarray:
    """Develop a RAW file: camera white balance, sRGB, 16 bits, already upright."""
    rawpy = _rawpy(path)
    try:
        with rawpy.imread(str(path)) as raw:
            return raw.postprocess(
                use_camera_wb=True,
                output_bps=16,
                output_color=rawpy.ColorSpace.sRGB,
            )
    except rawpy.LibRawError as exc:
        raise _raw_error(rawpy, exc, path) from None
