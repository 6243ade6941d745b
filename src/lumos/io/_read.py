"""Reading images: header checks first, then pixels as float32 RGB in [0, 1].

8-bit data is decoded by Pillow. 16-bit PNG/TIFF pixels are decoded by OpenCV
because Pillow has no 16-bit RGB mode; their metadata still comes from
Pillow's header parser, and the EXIF orientation is applied with NumPy.

The megapixel limit is lumos's own, checked from the header by
:func:`probe_image` before anything is decoded. To make it the one that
applies, importing :mod:`lumos.io` sets ``PIL.Image.MAX_IMAGE_PIXELS = None``
once (Pillow's guard otherwise warns above 89 MP and refuses above 179 MP,
below lumos's default of 200 MP). This is process-wide; there is no per-call
switch in Pillow, and changing it per call would race between threads.
"""

from __future__ import annotations

import logging
import numbers
import stat
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from .._types import PathLike
from ..errors import (
    ImageTooLargeError,
    InputError,
    OptionError,
    UnsupportedFormatError,
    megapixels_text,
)
from ._arrays import to_float
from ._containers import XMP_TIFF_TAG
from ._extras import open_heif, raw_pixels, raw_size
from ._formats import READ_FORMATS_TEXT, sniff, webp_size
from ._meta import (
    DecodedImage,
    ImageMeta,
    apply_orientation,
    clean_dpi,
    clean_xmp,
    exif_orientation,
    normalize_exif,
    reset_orientation,
    reset_tiff_orientation,
)

__all__ = ["probe_image", "read_image"]

log = logging.getLogger(__name__)

Image.MAX_IMAGE_PIXELS = None  # see the module docstring

_PNG_MODES = {0: "L", 2: "RGB", 3: "RGB", 4: "LA", 6: "RGBA"}
# Containers that may hold more than one picture: only the first is read, with a warning.
_MANY_FRAMES = {
    "TIFF": ("multi-page TIFF", "pages"),
    "WEBP": ("animated WEBP", "frames"),
    "PNG": ("animated PNG", "frames"),
}
# IFD0 tags that belong in EXIF; the rest of a TIFF's IFD0 describes its pixel layout.
_EXIF_IFD0_TAGS = (270, 271, 272, 274, 305, 306, 315, 318, 319, 33432, 0x8769, 0x8825)


@dataclass
class _Header:
    """What the header says, before any pixel is decoded."""

    meta: ImageMeta
    image: Any | None  # the lazy PIL image, if any
    turn: int  # orientation still to apply to decoded pixels
    floats: bool = False  # a floating-point TIFF, decoded by OpenCV
    pages: int = 1  # pages of a TIFF, frames of a WEBP or PNG: only the first is read


def _check_limit(width: int, height: int, max_megapixels: float, path: Path) -> None:
    mp = width * height / 1e6
    if mp > max_megapixels:
        raise ImageTooLargeError(
            f"{width}x{height} = {megapixels_text(mp)} MP is above the limit of "
            f"{max_megapixels:g} MP; raise --max-megapixels (max_megapixels= in Python) "
            "to allow it",
            path=path,
        )


def _check_file(path: PathLike) -> tuple[Path, bytes, str]:
    """Existence, type and content sniffing; returns the path, first bytes and format."""
    if isinstance(path, str) and not path.strip():
        # Path("") is "." (the working folder): "is a folder" would puzzle whoever passed "".
        raise InputError("empty path; give the name of an image file")
    try:
        path = Path(path)
        st = path.stat()
    except TypeError:
        raise InputError(f"expected a file path, got {type(path).__name__}") from None
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=path) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError("is a folder, not an image file", path=path)
    if not stat.S_ISREG(st.st_mode):
        raise InputError("not a regular file", path=path)
    if st.st_size == 0:
        raise InputError("empty file", path=path)
    try:
        with open(path, "rb") as f:
            header = f.read(64)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=path) from None
    fmt = sniff(header, path.suffix)
    if fmt is None:
        raise UnsupportedFormatError(f"not an image (lumos reads {READ_FORMATS_TEXT})", path=path)
    if fmt.startswith("other:"):
        raise UnsupportedFormatError(
            f"{fmt[6:]} images are not supported; lumos reads {READ_FORMATS_TEXT}", path=path
        )
    return path, header, fmt


def _corrupt(fmt: str, exc: BaseException, path: Path) -> InputError:
    if isinstance(exc, UnidentifiedImageError):  # its text is a file-object repr
        reason = "unreadable header"
    else:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return InputError(f"truncated or corrupt {fmt} file ({reason})", path=path)


def _tiff_exif(image: Any) -> bytes | None:
    """The EXIF part of a TIFF's tags, serialised the way JPEG/PNG carry it.

    ``image`` is a PIL image, or the ``Image.Exif`` of a TIFF Pillow cannot open.
    """
    try:
        src = image if isinstance(image, Image.Exif) else image.getexif()
        keep = Image.Exif()
        for tag in _EXIF_IFD0_TAGS:
            if tag not in src:
                continue
            if tag in (0x8769, 0x8825):
                sub = dict(src.get_ifd(tag))
                sub.pop(0xA005, None)  # interop pointer: offset into the source file
                if sub:
                    keep[tag] = sub
            else:
                keep[tag] = src[tag]
        return normalize_exif(keep.tobytes()) if len(keep) else None
    except Exception as exc:  # odd tags must not make a readable image unreadable
        log.debug("dropping unreadable TIFF EXIF: %s", exc)
        return None


def _check_float_tiff(part: np.ndarray, path: Path) -> None:
    """Refuse a float TIFF with NaN or infinity, or one on another scale than [0, 1].

    Clipped, NaN became black and 0..255 data came out white. A few HDR
    highlights above 1 are clipped; a median above 1 says the whole image is on
    another scale.
    """
    lo, hi = float(part.min()), float(part.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise InputError(
            "float TIFF contains NaN or infinite values; lumos needs [0, 1]", path=path
        )
    if hi > 1.0 and float(np.median(part)) > 1.0:
        raise InputError(
            f"float TIFF must be in [0, 1], got values from {lo:.4g} to {hi:.4g} "
            "(0..255 data?); save it as 8- or 16-bit, or divide by 255",
            path=path,
        )


def _raw_exif(fp: IO[bytes], header: bytes) -> bytes | None:
    """The EXIF of a camera RAW built on TIFF (DNG, NEF, CR2, ARW, PEF...), else ``None``.

    LibRaw (rawpy) parses these tags but does not hand them out; their IFD0 is a
    TIFF's, read as a TIFF's EXIF is. Other RAW containers (CR3, RAF, ORF, RW2)
    keep none, as the README says.
    """
    if header[:4] not in (b"II*\x00", b"MM\x00*"):
        return None
    exif_ifd = Image.Exif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # odd maker tags: dropped, as for any TIFF
            fp.seek(0)
            exif_ifd.load_from_fp(fp)
            return _tiff_exif(exif_ifd)
    except Exception:
        return None
    finally:
        fp.seek(0)


def _mode_and_depth(image: Any, fmt: str, header: bytes, path: Path) -> tuple[str, int]:
    """The original channel layout and whether the pixels are 16-bit."""
    if fmt == "PNG" and header[24] == 16:
        return _PNG_MODES.get(header[25], "RGB"), 16
    if fmt == "TIFF":
        bps = image.tag_v2.get(258, (8,))
        bps = max(bps) if isinstance(bps, tuple) else int(bps)
        sample_format = image.tag_v2.get(339, (1,))
        floats = 3 in (sample_format if isinstance(sample_format, tuple) else (sample_format,))
        if bps > 16 or floats:
            raise UnsupportedFormatError(
                f"{bps}-bit{' float' if floats else ''} TIFF is not supported; "
                "lumos reads 8- and 16-bit images",
                path=path,
            )
        if bps == 16:
            if image.mode.startswith("I"):
                return "L", 16
            if image.mode in ("RGB", "RGBA"):
                return image.mode, 16
            raise UnsupportedFormatError(f"16-bit {image.mode} TIFF is not supported", path=path)
    mode = image.mode
    transparent = "transparency" in image.info
    if mode in ("1", "L", "I;16", "I;16B", "I;16L", "I"):
        return ("LA" if transparent else "L"), 8
    if mode in ("LA", "La"):
        return "LA", 8
    if mode in ("RGBA", "RGBa", "PA"):
        return "RGBA", 8
    if mode in ("RGB", "RGBX", "P", "YCbCr", "CMYK"):
        return ("RGBA" if transparent and mode in ("RGB", "P") else "RGB"), 8
    raise UnsupportedFormatError(f"{fmt} images in mode {mode} are not supported", path=path)


def _tiff_tags(fp: IO[bytes]) -> Any | None:
    """The first IFD of a classic TIFF, or None if it cannot be parsed."""
    from PIL import TiffImagePlugin

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fp.seek(0)
            ifd = TiffImagePlugin.ImageFileDirectory_v2(fp.read(8))
            fp.seek(ifd.next)
            ifd.load(fp)
            return ifd
    except Exception:  # BigTIFF, damage: Pillow's own opening reports it
        return None
    finally:
        fp.seek(0)


def _float_tiff_header(fp: IO[bytes], path: Path, ifd: Any, limit: float) -> _Header:
    """The header of a floating-point TIFF (Pillow opens one-channel ones at most).

    Its pixels are decoded by OpenCV and clipped to [0, 1]; they count as 16-bit,
    like float arrays, so a PNG/TIFF output keeps more than 8 bits.
    """
    w, h = int(ifd.get(256, 0)), int(ifd.get(257, 0))
    bits = ifd.get(258, (32,))
    bits = max(bits) if isinstance(bits, tuple) else int(bits)
    spp = int(ifd.get(277, 1))
    photometric = int(ifd.get(262, 1))
    modes = {(0, 1): "L", (1, 1): "L", (0, 2): "LA", (1, 2): "LA", (2, 3): "RGB", (2, 4): "RGBA"}
    mode = modes.get((photometric, spp))
    if bits not in (32, 64) or mode is None or w < 1 or h < 1:
        raise UnsupportedFormatError(
            f"{bits}-bit float TIFF with {spp} channel(s) is not supported; lumos reads "
            "32- and 64-bit float grey or RGB(A) TIFF, and 8- and 16-bit images",
            path=path,
        )
    _check_limit(w, h, limit, path)
    exif_ifd = Image.Exif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # odd tags: dropped, as for any TIFF
            fp.seek(0)
            exif_ifd.load_from_fp(fp)  # IFD0, whose sub-IFDs _tiff_exif reads from fp
            exif = _tiff_exif(exif_ifd)
    except Exception:
        exif = None
    finally:
        fp.seek(0)
    orientation = exif_orientation(exif)
    dpi = None
    unit = int(ifd.get(296, 2))
    if 282 in ifd and 283 in ifd and unit in (2, 3):
        per_inch = 2.54 if unit == 3 else 1.0
        dpi = clean_dpi((float(ifd[282]) * per_inch, float(ifd[283]) * per_inch))
    icc = ifd.get(34675)
    if orientation in (5, 6, 7, 8):
        w, h = h, w
    meta = ImageMeta(
        format="TIFF",
        mode=mode,
        bit_depth=16,
        width=w,
        height=h,
        orientation=orientation,
        exif=reset_orientation(exif),
        icc_profile=bytes(icc) if isinstance(icc, (bytes, bytearray)) and icc else None,
        dpi=dpi,
        xmp=clean_xmp(ifd.get(XMP_TIFF_TAG)),
    )
    pages = 2 if ifd.next else 1  # at least two; counting them means reading every IFD
    return _Header(meta, None, turn=orientation, floats=True, pages=pages)


def _read_header(fp: IO[bytes], path: Path, header: bytes, fmt: str, limit: float) -> _Header:
    if fmt == "TIFF" and (ifd := _tiff_tags(fp)) is not None:
        sample_format = ifd.get(339, (1,))
        if 3 in (sample_format if isinstance(sample_format, tuple) else (sample_format,)):
            return _float_tiff_header(fp, path, ifd, limit)
    if fmt == "RAW":
        w, h, orientation = raw_size(path)
        _check_limit(w, h, limit, path)
        exif = reset_orientation(_raw_exif(fp, header))
        meta = ImageMeta("RAW", "RGB", 16, w, h, orientation=orientation, exif=exif)
        return _Header(meta, None, turn=1)
    if fmt == "WEBP" and (size := webp_size(header)) is not None:
        _check_limit(*size, limit, path)  # Pillow allocates the canvas while opening
    try:
        image = open_heif(fp, path) if fmt == "HEIF" else Image.open(fp, formats=[fmt])
    except InputError:
        raise
    except Exception as exc:
        raise _corrupt(fmt, exc, path) from None
    w, h = image.size
    if fmt == "TIFF":  # stored size: Pillow's TIFF plugin may report it already turned
        w, h = int(image.tag_v2.get(256, w)), int(image.tag_v2.get(257, h))
    _check_limit(w, h, limit, path)
    mode, depth = _mode_and_depth(image, fmt, header, path)
    exif = _tiff_exif(image) if fmt == "TIFF" else normalize_exif(image.info.get("exif"))
    if fmt == "HEIF":  # pillow-heif turns the pixels itself and resets the tag
        orientation, turn = int(image.info.get("original_orientation") or 1), 1
    else:
        orientation = turn = exif_orientation(exif)
    icc = image.info.get("icc_profile") or None
    if image.mode == "CMYK":
        icc = None  # converted to sRGB on decode; a CMYK profile would be wrong
    dpi = image.info.get("dpi")
    if fmt == "TIFF" and not (282 in image.tag_v2 and 283 in image.tag_v2):
        dpi = None  # Pillow says (1, 1) for a TIFF with no resolution: unknown, not 1 dpi
    if orientation in (5, 6, 7, 8):
        w, h = h, w
    meta = ImageMeta(
        format=fmt,
        mode=mode,
        bit_depth=depth,
        width=w,
        height=h,
        orientation=orientation,
        exif=reset_orientation(exif),
        icc_profile=icc,
        dpi=clean_dpi(dpi),
        xmp=clean_xmp(image.info.get("xmp")),
    )
    pages = 1
    if fmt in _MANY_FRAMES:
        try:
            pages = int(getattr(image, "n_frames", 1))
        except Exception:  # a damaged later page: the first may still be fine
            pages = 2
    return _Header(meta, image, turn=turn, pages=pages)


@contextmanager
def _opened(path: PathLike, max_megapixels: float) -> Iterator[tuple[Path, IO[bytes], _Header]]:
    if (
        isinstance(max_megapixels, (bool, np.bool_))
        # numbers.Real: NumPy numbers too (np.float32(50)), as lumos.enhance takes them
        or not isinstance(max_megapixels, numbers.Real)
        or not max_megapixels > 0
    ):
        raise OptionError(
            f"must be a positive number, got {max_megapixels!r}", option="max_megapixels"
        )
    path, header, fmt = _check_file(path)
    with open(path, "rb") as fp:
        head = _read_header(fp, path, header, fmt, float(max_megapixels))
        try:
            yield path, fp, head
        finally:
            if head.image is not None:
                head.image.close()


def probe_image(path: PathLike, *, max_megapixels: float = 200.0) -> ImageMeta:
    """Read an image's metadata from its header; never decodes pixels.

    Parameters
    ----------
    path : path-like
        The image file. Its content decides the format, not its name.
    max_megapixels : float
        Refuse images with more pixels than this (decompression-bomb guard).

    Returns
    -------
    ImageMeta
        ``width``/``height`` are after the EXIF orientation is applied.

    Raises
    ------
    InputError
        Missing, empty, a folder, unreadable, truncated or corrupt.
    UnsupportedFormatError
        Not an image, or an image format lumos does not read.
    ImageTooLargeError
        Above ``max_megapixels``.
    MissingExtraError
        HEIC or RAW without the ``heic`` / ``raw`` extra.
    """
    with _opened(path, max_megapixels) as (_, _, head):
        return head.meta


def _cmyk_to_rgb(image: Any, icc: bytes | None) -> Any:
    """CMYK to sRGB, through the embedded profile when there is one."""
    if icc:
        try:
            import io

            from PIL import ImageCms

            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            dst = ImageCms.createProfile("sRGB")
            return ImageCms.profileToProfile(image, src, dst, outputMode="RGB")
        except Exception as exc:  # a broken profile: fall back to the plain formula
            log.debug("CMYK profile conversion failed: %s", exc)
    return image.convert("RGB")


def _stored_orientation(tiff: bytes) -> bytes:
    """The TIFF with its orientation tag set to 1, so that OpenCV returns the stored pixels.

    OpenCV's TIFF decoder turns the pixels by the tag itself (even with
    ``IMREAD_IGNORE_ORIENTATION``), and not as EXIF means for orientations 5-8;
    lumos turns them once, as for every other format (``apply_orientation``).
    """
    return reset_tiff_orientation(tiff)


# Scan-data stand-ins for the test below; no 0xFF, so neither can end the scan early.
_FILLERS = (bytes([0x55, 0xAA, 0x33, 0xCC]) * 8, bytes([0x0F, 0xF0, 0x96, 0x69]) * 8)
_EOI = b"\xff\xd9"


def _jpeg_without_end_marker(fp: IO[bytes]) -> Any:
    """The decoded JPEG if all it lacks is its end-of-image marker, else ``None``.

    Some cameras, apps and copies cut short by two bytes write no EOI. Pillow then
    waits for data that never comes and calls the file truncated. A marker is
    appended in memory (never to the file), scoped to this one decode rather than
    the process-wide ``ImageFile.LOAD_TRUNCATED_IMAGES``, which would pass any cut
    file as grey blocks. The scan is whole when bytes put before the marker change
    no pixel: a decoder that still wanted data would have decoded them as pixels.
    """
    fp.seek(0)
    data = fp.read()
    if data.endswith(_EOI[:1]):  # half a marker: the scan would end at the FF
        data = data[:-1]
    if data.endswith(_EOI) or data.endswith(_EOI[:1]):  # cut elsewhere, or a longer run of FF
        return None
    try:
        mended = _pil_decode(data + _EOI)
        reference = np.asarray(mended)
        for filler in _FILLERS:
            if not np.array_equal(reference, np.asarray(_pil_decode(data + filler + _EOI))):
                return None
    except (OSError, SyntaxError, ValueError, EOFError):
        return None
    return mended


def _pil_decode(data: bytes) -> Any:
    import io

    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _decode(path: Path, fp: IO[bytes], head: _Header) -> tuple[np.ndarray, bool, bool]:
    """Pixels (H, W[, C]); whether channels are BGR; whether they are already upright.

    uint8/uint16, or float for a float TIFF. Pixels come in file orientation, except
    from a TIFF that Pillow turned upright while loading (recent Pillow versions do).
    """
    meta = head.meta
    if meta.format == "RAW":
        return raw_pixels(path), False, False
    image = head.image
    if head.floats or meta.bit_depth == 16:
        import cv2

        fp.seek(0)
        data = fp.read()
        # OpenCV prints to stderr on a cut-off PNG; catch the common case first.
        if meta.format == "PNG" and data.rfind(b"IEND") < 0:
            raise InputError("truncated or corrupt PNG file (no IEND chunk)", path=path)
        if meta.format == "TIFF":
            data = _stored_orientation(data)
        pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        if pixels is None or (head.floats and pixels.dtype.kind != "f"):
            raise InputError(f"truncated or corrupt {meta.format} file", path=path)
        return pixels, pixels.ndim == 3 and pixels.shape[2] >= 3, False
    try:
        try:
            image.load()  # raises on truncated data (ImageFile.LOAD_TRUNCATED_IMAGES is False)
        except OSError:
            mended = _jpeg_without_end_marker(fp) if meta.format == "JPEG" else None
            if mended is None:
                raise
            log.warning("%s: the JPEG end marker is missing; read without it", path)
            image = mended
        # Pillow's TIFF plugin applies the orientation in load() and drops the tag.
        upright = meta.format == "TIFF" and head.turn != 1 and 274 not in image.tag_v2
        icc = image.info.get("icc_profile")
        if image.mode == "CMYK":
            image = _cmyk_to_rgb(image, icc)
        if image.mode != meta.mode:
            image = image.convert(meta.mode)
        return np.asarray(image), False, upright
    except InputError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _corrupt(meta.format, exc, path) from None


def read_image(path: PathLike, *, max_megapixels: float = 200.0) -> DecodedImage:
    """Read an image file as float32 RGB in [0, 1], upright, with its metadata.

    Parameters
    ----------
    path : path-like
        JPEG, PNG, TIFF, WEBP or BMP; HEIC with the ``heic`` extra; camera RAW
        (DNG, CR2, NEF, ARW, ...) with the ``raw`` extra. The content decides
        the format, not the name.
    max_megapixels : float
        Refuse larger images, judged from the header before decoding.

    Returns
    -------
    DecodedImage
        ``rgb`` (H, W, 3) float32; ``alpha`` (H, W) float32 or ``None``; ``meta``.

    Raises
    ------
    InputError, UnsupportedFormatError, ImageTooLargeError, MissingExtraError
        As for :func:`probe_image`, plus truncated or corrupt pixel data.

    Notes
    -----
    16-bit PNG/TIFF are read at full precision; 32/64-bit float TIFF too, its
    values clipped to [0, 1] (NaN becomes 0) and counted as 16-bit. Greyscale becomes three equal
    channels (``meta.mode`` remembers ``"L"``); palette images become RGB(A);
    CMYK becomes sRGB. GIF, ICO and other formats are refused. Camera RAW is
    developed with the camera's white balance into 16-bit sRGB.
    """
    with _opened(path, max_megapixels) as (path, fp, head):
        pixels, bgr, upright = _decode(path, fp, head)
    meta = head.meta
    if head.pages > 1:
        what, unit = _MANY_FRAMES[meta.format]
        count = "" if head.floats else f"{head.pages} "  # a float TIFF's are not counted
        log.warning("%s: %s: only the first of its %s%s is read", path, what, count, unit)
    if not upright:
        pixels = apply_orientation(pixels, head.turn)
    scale = {"u2": 65535.0, "f4": 1.0, "f8": 1.0}.get(f"{pixels.dtype.kind}{pixels.dtype.itemsize}")
    scale = scale or 255.0
    h, w = pixels.shape[:2]
    rgb = np.empty((h, w, 3), dtype=np.float32)
    alpha = None
    if pixels.ndim == 2:
        to_float(pixels[..., None], scale, out=rgb)
    else:
        channels = pixels.shape[2]
        if channels <= 2:  # L or LA from Pillow
            to_float(pixels[..., :1], scale, out=rgb)
        else:
            to_float(pixels[..., 2::-1] if bgr else pixels[..., :3], scale, out=rgb)
        if channels in (2, 4) and meta.has_alpha:
            alpha = to_float(pixels[..., -1], scale)
    if head.floats:  # float TIFF: [0, 1] by convention; brighter (HDR) highlights are clipped
        for part in (rgb, alpha):
            if part is not None:
                _check_float_tiff(part, path)
                np.fmax(part, 0.0, out=part)
                np.fmin(part, 1.0, out=part)
    if (meta.width, meta.height) != (w, h):
        meta = replace(meta, width=w, height=h)
    return DecodedImage(rgb=rgb, alpha=alpha, meta=meta)
