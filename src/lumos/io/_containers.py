"""Adding metadata to the PNG/TIFF files OpenCV writes for 16-bit pixels.

OpenCV encodes 16-bit RGB (which Pillow cannot hold) but writes no ICC
profile or EXIF. A PNG chunk is length + type + data + CRC, so the chunks are
spliced in after IHDR. For TIFF, the extra tags are serialised by Pillow as an
IFD placed at the end of the file, and a merged copy of the first IFD is
appended after it; the header then points at the new IFD. Nothing OpenCV
wrote moves, so all its offsets stay valid.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

from ._meta import EXIF_PREFIX

__all__ = ["XMP_PNG_KEY", "XMP_TIFF_TAG", "png_add_metadata", "tiff_add_metadata"]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_INCH = 0.0254
# EXIF IFD0 tags copied into a TIFF's IFD0 (descriptions, camera, dates, sub-IFDs).
_TIFF_EXIF_TAGS = (270, 271, 272, 305, 306, 315, 33432, 0x8769, 0x8825)
_ICC_TAG = 34675
XMP_TIFF_TAG = 700
"""TIFF tag of an XMP packet."""
XMP_PNG_KEY = "XML:com.adobe.xmp"
"""Keyword of the iTXt chunk that holds a PNG's XMP packet."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_add_metadata(
    png: bytes,
    *,
    icc: bytes | None,
    exif: bytes | None,
    dpi: tuple[float, float] | None,
    xmp: bytes | None = None,
) -> bytes:
    """Insert ``iCCP``, ``eXIf``, ``pHYs`` and XMP ``iTXt`` chunks after IHDR.

    Chunks of the first three kinds already present are replaced.
    """
    if not png.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG stream")
    extra: list[bytes] = []
    replaced = set()
    if icc:
        # Name, NUL, compression method 0, zlib data. An sRGB chunk may not coexist.
        extra.append(_chunk(b"iCCP", b"ICC Profile\x00\x00" + zlib.compress(icc)))
        replaced |= {b"iCCP", b"sRGB"}
    if exif:
        body = exif[len(EXIF_PREFIX) :] if exif.startswith(EXIF_PREFIX) else exif
        extra.append(_chunk(b"eXIf", body))
        replaced.add(b"eXIf")
    if dpi:
        ppm = [max(1, round(d / _INCH)) for d in dpi]
        extra.append(_chunk(b"pHYs", struct.pack(">IIB", ppm[0], ppm[1], 1)))
        replaced.add(b"pHYs")
    if xmp:
        # Keyword, NUL, uncompressed (0, 0), empty language and translated keyword.
        extra.append(_chunk(b"iTXt", XMP_PNG_KEY.encode() + b"\x00\x00\x00\x00\x00" + xmp))
    out = [png[:8]]
    pos = 8
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        end = pos + 12 + length
        if kind not in replaced:
            out.append(png[pos:end])
        if kind == b"IHDR":
            out.extend(extra)
        pos = end
    return b"".join(out)


def _ifd_entries(data: bytes, at: int, order: str) -> tuple[dict[int, bytes], int]:
    count = struct.unpack(order + "H", data[at : at + 2])[0]
    entries = {}
    for i in range(count):
        raw = data[at + 2 + 12 * i : at + 14 + 12 * i]
        entries[struct.unpack(order + "H", raw[:2])[0]] = raw
    next_ifd = struct.unpack(order + "I", data[at + 2 + 12 * count : at + 6 + 12 * count])[0]
    return entries, next_ifd


def _exif_tags(exif: bytes) -> dict[int, Any]:
    """IFD0 tags of an EXIF blob worth copying into a TIFF, sub-IFDs as dicts."""
    from PIL import Image

    src = Image.Exif()
    src.load(exif)
    tags: dict[int, Any] = {}
    for tag in _TIFF_EXIF_TAGS:
        if tag not in src:
            continue
        if tag in (0x8769, 0x8825):
            sub = dict(src.get_ifd(tag))
            sub.pop(0xA005, None)  # interop pointer: an offset into the old blob
            if sub:
                tags[tag] = sub
        else:
            tags[tag] = src[tag]
    return tags


def tiff_add_metadata(
    tif: bytes, *, icc: bytes | None, exif: bytes | None, xmp: bytes | None = None
) -> bytes:
    """Add an ICC profile, EXIF tags and an XMP packet to the first IFD of a classic TIFF."""
    from PIL import TiffImagePlugin, TiffTags

    order = {b"II": "<", b"MM": ">"}.get(tif[:2])
    if order is None or struct.unpack(order + "H", tif[2:4])[0] != 42:
        raise ValueError("not a classic TIFF stream")
    first = struct.unpack(order + "I", tif[4:8])[0]
    entries, next_ifd = _ifd_entries(tif, first, order)

    extra = TiffImagePlugin.ImageFileDirectory_v2(ifh=tif[:4] + b"\x00" * 4)
    for tag, value in (_exif_tags(exif) if exif else {}).items():
        extra[tag] = value
    if icc:
        extra[_ICC_TAG] = icc
        extra.tagtype[_ICC_TAG] = TiffTags.UNDEFINED
    if xmp:
        extra[XMP_TIFF_TAG] = xmp
        extra.tagtype[XMP_TIFF_TAG] = TiffTags.BYTE
    if not len(extra):
        return tif

    out = io.BytesIO()
    out.write(tif)
    if out.tell() % 2:
        out.write(b"\x00")  # TIFF offsets are word-aligned
    blob_at = out.tell()
    blob = extra.tobytes(offset=blob_at)  # data offsets are absolute
    out.write(blob)
    added, _ = _ifd_entries(blob, 0, order)
    entries.update(added)
    if out.tell() % 2:
        out.write(b"\x00")
    ifd_at = out.tell()
    out.write(struct.pack(order + "H", len(entries)))
    for tag in sorted(entries):
        out.write(entries[tag])
    out.write(struct.pack(order + "I", next_ifd))
    data = bytearray(out.getvalue())
    data[4:8] = struct.pack(order + "I", ifd_at)
    return bytes(data)
