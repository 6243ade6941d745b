"""What lumos keeps about an image besides its pixels, and helpers for EXIF/ICC/DPI."""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._types import FloatImage, FloatMap

__all__ = [
    "EXIF_PREFIX",
    "DecodedImage",
    "ImageMeta",
    "apply_orientation",
    "clean_dpi",
    "clean_xmp",
    "exif_orientation",
    "icc_fits",
    "normalize_exif",
    "orientation_entry",
    "reset_orientation",
    "reset_tiff_orientation",
]

EXIF_PREFIX = b"Exif\x00\x00"
_ORIENTATION_TAG = 0x0112


LOSSY_FORMATS = frozenset({"JPEG", "HEIF"})
"""Formats always saved with lossy compression (WEBP may be lossless, so it is not here)."""


@dataclass(frozen=True)
class ImageMeta:
    """Everything about an image that is not its pixels.

    Attributes
    ----------
    format : str
        ``"JPEG"``, ``"PNG"``, ``"TIFF"``, ``"WEBP"``, ``"BMP"``, ``"HEIF"``, ``"RAW"``,
        ``"ARRAY"`` (a NumPy array) or ``"PIL"`` (an in-memory PIL image; one as opened
        from a JPEG or HEIC file keeps that format).
    mode : str
        The original channel layout: ``"L"``, ``"LA"``, ``"RGB"`` or ``"RGBA"``.
        Palette and CMYK images count as ``"RGB"``/``"RGBA"``.
    bit_depth : int
        8 or 16 (16-bit PNG/TIFF, camera RAW, float arrays).
    width, height : int
        Size after the EXIF orientation is applied.
    orientation : int
        The EXIF orientation found in the file (1 if none). The pixels of a
        :class:`DecodedImage` are already turned upright.
    exif : bytes or None
        Raw EXIF (starting with ``b"Exif\\0\\0"``) with its orientation reset to 1.
    icc_profile : bytes or None
        The embedded ICC colour profile; ``None`` means sRGB.
    dpi : tuple of float or None
        Horizontal and vertical resolution in dots per inch.
    xmp : bytes or None
        The XMP packet (captions, ratings, keywords, rights), its orientation reset to 1.
    """

    format: str
    mode: str
    bit_depth: int
    width: int
    height: int
    orientation: int = 1
    exif: bytes | None = None
    icc_profile: bytes | None = None
    dpi: tuple[float, float] | None = None
    xmp: bytes | None = None

    @property
    def has_alpha(self) -> bool:
        """Whether the original had an alpha channel."""
        return self.mode in ("LA", "RGBA")

    @property
    def lossy(self) -> bool:
        """Whether the file was lossily compressed (JPEG, HEIC): compression hides
        a dark photo's fine noise, which the analysis then assumes (see
        :func:`lumos.analysis.estimate_noise`)."""
        return self.format in LOSSY_FORMATS

    @property
    def is_grey(self) -> bool:
        """Whether the original was greyscale."""
        return self.mode in ("L", "LA")


@dataclass
class DecodedImage:
    """Pixels in lumos's internal form plus the metadata to write them back.

    Attributes
    ----------
    rgb : (H, W, 3) float32 ndarray
        Values in [0, 1], upright (EXIF orientation applied).
    alpha : (H, W) float32 ndarray or None
        Opacity in [0, 1], or ``None`` for an opaque image.
    meta : ImageMeta
    """

    rgb: FloatImage
    alpha: FloatMap | None
    meta: ImageMeta


def _ifd_entry(tiff: bytes | bytearray, order: str, ifd: int, tag: int) -> int | None:
    """Offset of ``tag``'s 12-byte entry in the IFD at ``ifd``, or ``None``; the caller
    checks that the bytes it reads there exist (``struct.error`` on a cut header)."""
    count = struct.unpack(order + "H", tiff[ifd : ifd + 2])[0]
    for i in range(count):
        at = ifd + 2 + 12 * i
        if struct.unpack(order + "H", tiff[at : at + 2])[0] == tag:
            return at
    return None


def orientation_entry(tiff: bytes) -> tuple[str, int] | None:
    """Byte order and offset of the IFD0 orientation value in a TIFF-structured blob."""
    try:
        order = {b"II": "<", b"MM": ">"}[tiff[:2]]
        at = _ifd_entry(tiff, order, struct.unpack(order + "I", tiff[4:8])[0], _ORIENTATION_TAG)
        if at is None or at + 10 > len(tiff):
            return None
        if struct.unpack(order + "H", tiff[at + 2 : at + 4])[0] != 3:  # SHORT, stored inline
            return None
        return order, at + 8
    except (KeyError, struct.error):
        return None


def normalize_exif(raw: Any) -> bytes | None:
    """Raw EXIF in one canonical form (with the ``Exif\\0\\0`` prefix), or ``None``."""
    if not isinstance(raw, (bytes, bytearray)) or not raw:
        return None
    raw = bytes(raw)
    if raw.startswith(EXIF_PREFIX):
        return raw if len(raw) > len(EXIF_PREFIX) + 8 else None
    if raw[:4] in (b"II*\x00", b"MM\x00*"):
        return EXIF_PREFIX + raw
    return None  # not EXIF we could write back safely


def exif_orientation(exif: bytes | None) -> int:
    """The EXIF orientation (1..8) in canonical EXIF bytes; 1 if absent or invalid."""
    if not exif:
        return 1
    found = orientation_entry(exif[len(EXIF_PREFIX) :])
    if found is None:
        return 1
    order, at = found
    at += len(EXIF_PREFIX)
    value = struct.unpack(order + "H", exif[at : at + 2])[0]
    return value if 1 <= value <= 8 else 1


def reset_orientation(exif: bytes | None) -> bytes | None:
    """Set the orientation tag of an EXIF block (``Exif\\0\\0`` + TIFF) to 1.

    Re-serialising the EXIF (as Pillow's ``Exif.tobytes`` does) moves data and
    breaks maker notes that use absolute offsets, so only the two value bytes change.
    """
    if not exif:
        return exif
    return exif[: len(EXIF_PREFIX)] + reset_tiff_orientation(exif[len(EXIF_PREFIX) :])


def reset_tiff_orientation(tiff: bytes) -> bytes:
    """A TIFF structure with its orientation tag's value set to 1 (the bytes patched in place)."""
    found = orientation_entry(tiff)
    if found is None:
        return tiff
    order, at = found
    patched = bytearray(tiff)
    patched[at : at + 2] = struct.pack(order + "H", 1)
    return bytes(patched)


_EXIF_IFD_TAG = 0x8769
_PIXEL_SIZE_TAGS = (0xA002, 0xA003)  # PixelXDimension, PixelYDimension


def set_exif_pixel_size(exif: bytes | None, width: int, height: int) -> bytes | None:
    """An EXIF block whose PixelXDimension / PixelYDimension say ``width`` x ``height``.

    They described the camera's file; after ``--scale``, a preview's downscaling or
    turning a portrait photo upright they were wrong. Patched in place, as the
    orientation is (see :func:`reset_orientation`); a SHORT too small for the new
    size becomes a LONG, which fits the same 4-byte field. Left as it is if absent.
    """
    if not exif:
        return exif
    tiff = bytearray(exif[len(EXIF_PREFIX) :])
    try:
        order = {b"II": "<", b"MM": ">"}[bytes(tiff[:2])]
        ifd0 = struct.unpack(order + "I", tiff[4:8])[0]
        pointer = _ifd_entry(tiff, order, ifd0, _EXIF_IFD_TAG)
        if pointer is None:
            return exif
        sub = struct.unpack(order + "I", tiff[pointer + 8 : pointer + 12])[0]
        for tag, value in zip(_PIXEL_SIZE_TAGS, (width, height), strict=True):
            at = _ifd_entry(tiff, order, sub, tag)
            if at is None or at + 12 > len(tiff):
                continue
            typ, count = struct.unpack(order + "HI", tiff[at + 2 : at + 8])
            if count != 1 or typ not in (3, 4):  # SHORT or LONG, one value
                continue
            if typ == 3 and value <= 0xFFFF:
                tiff[at + 8 : at + 10] = struct.pack(order + "H", value)
            else:
                tiff[at + 2 : at + 4] = struct.pack(order + "H", 4)
                tiff[at + 8 : at + 12] = struct.pack(order + "I", value)
    except (KeyError, struct.error):
        return exif
    return exif[: len(EXIF_PREFIX)] + bytes(tiff)


def apply_orientation(array: np.ndarray, orientation: int) -> np.ndarray:
    """Turn stored pixels upright for an EXIF orientation (a view, never a copy).

    Same result as :func:`PIL.ImageOps.exif_transpose`; works on any (H, W, ...) array.
    """
    if orientation in (5, 6, 7, 8):
        array = array.swapaxes(0, 1)
    if orientation in (2, 3, 6, 7):
        array = array[:, ::-1]
    if orientation in (3, 4, 7, 8):
        array = array[::-1]
    return array


def clean_dpi(dpi: Any) -> tuple[float, float] | None:
    """A ``(x, y)`` DPI pair as plain floats, or ``None`` if absent or nonsense.

    Rounded to 0.01 dpi: PNG stores dots per metre, so 300 dpi reads back as
    299.9994 and would otherwise be written to a JPEG as 299.
    """
    try:
        x, y = (round(float(v), 2) for v in dpi)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not (math.isfinite(x) and math.isfinite(y)) or x <= 0 or y <= 0:
        return None
    return x, y


# tiff:Orientation as an attribute (tiff:Orientation="6") or an element (<tiff:Orientation>6<).
_XMP_ORIENTATION = re.compile(rb"(tiff:Orientation\s*(?:=\s*[\"']|>)\s*)[1-8]")


def clean_xmp(raw: Any) -> bytes | None:
    """An XMP packet as bytes with its orientation reset to 1 (the pixels are upright), or None.

    Only the digit changes, so the packet keeps its length and any padding.
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if not isinstance(raw, (bytes, bytearray)) or not bytes(raw).strip(b"\x00 \t\r\n"):
        return None
    return _XMP_ORIENTATION.sub(rb"\g<1>1", bytes(raw))


def icc_fits(icc: bytes | None, grey: bool) -> bool:
    """Whether an ICC profile's colour space matches greyscale or RGB pixels.

    A greyscale profile on RGB pixels (or a CMYK one on anything we write) makes
    viewers show wrong colours or refuse the file, so such profiles are dropped.
    """
    if not icc or len(icc) < 20:
        return False
    space = icc[16:20]
    return space == (b"GRAY" if grey else b"RGB ")
