"""File formats: suffix tables and content sniffing.

lumos never trusts a file name: :func:`sniff` looks at the first bytes. The
suffix only decides between TIFF and camera RAW, because most RAW formats
(DNG, CR2, NEF, ARW, ...) *are* TIFF containers.
"""

from __future__ import annotations

import struct

from ..errors import OptionError

__all__ = [
    "RAW_SUFFIXES",
    "READ_FORMATS_TEXT",
    "SUPPORTED_SUFFIXES",
    "WRITABLE_FORMATS",
    "format_for_suffix",
    "sniff",
    "webp_size",
]

# Suffixes LibRaw (via rawpy) reads. They are always listed, even without the
# 'raw' extra, so that a folder scan reports "needs the 'raw' extra" instead of
# silently skipping a photographer's files.
RAW_SUFFIXES = frozenset(
    {
        ".3fr", ".arw", ".cr2", ".cr3", ".crw", ".dcr", ".dng", ".erf", ".iiq", ".kdc",
        ".mef", ".mos", ".mrw", ".nef", ".nrw", ".orf", ".pef", ".raf", ".raw", ".rw2",
        ".rwl", ".sr2", ".srf", ".srw", ".x3f",
    }
)  # fmt: skip

_SUFFIX_FORMATS = {
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "jpe": "JPEG",
    "png": "PNG",
    "bmp": "BMP",
    "webp": "WEBP",
    "tif": "TIFF",
    "tiff": "TIFF",
    "heic": "HEIF",
    "heif": "HEIF",
}

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {f".{s}" for s in _SUFFIX_FORMATS if s != "jpe"} | RAW_SUFFIXES
)
"""Lower-case suffixes lumos reads (HEIC and RAW need the 'heic' / 'raw' extras)."""

WRITABLE_FORMATS = ("JPEG", "PNG", "TIFF", "WEBP", "BMP")

READ_FORMATS_TEXT = "JPEG, PNG, TIFF, WEBP, BMP, HEIC and camera RAW"

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}

# Image formats we recognise but do not read, for a message that names them.
_KNOWN_OTHERS = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"8BPS", "PSD"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"),
    (b"\xff\x0a", "JPEG XL"),
    (b"\x00\x00\x00\x0cJXL ", "JPEG XL"),
    (b"%PDF", "PDF"),
    (b"qoif", "QOI"),
)

# RAW containers that are not plain TIFF (ORF, RW2, RAF, CRW, X3F, MRW).
_RAW_MAGIC = (
    b"IIRO",
    b"IIRS",
    b"MMOR",
    b"IIU\x00",
    b"FUJIFILM",
    b"II\x1a\x00\x00\x00HEAPCCDR",
    b"FOVb",
    b"\x00MRM",
)


def format_for_suffix(suffix: str) -> str:
    """Map a file suffix or format name to lumos's format name.

    Parameters
    ----------
    suffix : str
        ``".jpg"``, ``"jpg"``, ``"JPEG"``, ``".tif"``, ``"dng"`` ... (case-insensitive,
        leading dot optional).

    Returns
    -------
    str
        One of ``"JPEG"``, ``"PNG"``, ``"BMP"``, ``"WEBP"``, ``"TIFF"``, ``"HEIF"``, ``"RAW"``.

    Raises
    ------
    OptionError
        For a suffix lumos does not know.

    Examples
    --------
    >>> format_for_suffix(".JPG"), format_for_suffix("tiff"), format_for_suffix("nef")
    ('JPEG', 'TIFF', 'RAW')
    """
    key = str(suffix).strip().lower().lstrip(".")
    if key in _SUFFIX_FORMATS:
        return _SUFFIX_FORMATS[key]
    if f".{key}" in RAW_SUFFIXES:
        return "RAW"
    known = ", ".join(sorted({s.lstrip(".") for s in SUPPORTED_SUFFIXES} - {"jpe"}))
    raise OptionError(f"unknown image format {suffix!r}; known suffixes: {known}")


def sniff(header: bytes, suffix: str) -> str | None:
    """Name the format of a file from its first bytes (at least 32 of them).

    Returns one of the names of :func:`format_for_suffix`, ``"other:<NAME>"`` for
    a recognised image format lumos does not read, or ``None`` for anything else.
    """
    suffix = suffix.lower()
    if header.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if header.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if header.startswith(b"RIFF") and header[8:12] == b"WEBP":
        return "WEBP"
    if header.startswith(b"BM") and len(header) >= 26:
        return "BMP"
    if header[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "RAW" if suffix in RAW_SUFFIXES else "TIFF"
    if header[4:8] == b"ftyp":
        brand = header[8:12]
        if brand in _HEIF_BRANDS:
            return "HEIF"
        if brand == b"crx ":
            return "RAW"
        if brand in (b"avif", b"avis"):
            return "other:AVIF"
        return None
    if suffix in RAW_SUFFIXES and header.startswith(_RAW_MAGIC):
        return "RAW"
    for magic, name in _KNOWN_OTHERS:
        if header.startswith(magic):
            return f"other:{name}"
    return None


def webp_size(header: bytes) -> tuple[int, int] | None:
    """Width and height of a WEBP from its first 30 bytes, or ``None`` if unclear.

    Pillow allocates the WEBP canvas while *opening* the file, so the
    megapixel limit has to be checked from the header before that.
    """
    if len(header) < 30:
        return None
    chunk = header[12:16]
    if chunk == b"VP8X":
        w = int.from_bytes(header[24:27], "little") + 1
        h = int.from_bytes(header[27:30], "little") + 1
        return w, h
    if chunk == b"VP8L" and header[20] == 0x2F:
        bits = struct.unpack("<I", header[21:25])[0]
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and header[23:26] == b"\x9d\x01\x2a":
        w, h = struct.unpack("<HH", header[26:30])
        return w & 0x3FFF, h & 0x3FFF
    return None
