"""Writing images atomically, with their metadata and bit depth kept.

The file is encoded into a hidden temporary file in the destination folder,
flushed to disk and then renamed over the final name, so a crash or an
encoder error never leaves a half-written image behind.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import os
import re
import socket
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import IO

import numpy as np
from PIL import Image, PngImagePlugin

from .._types import PathLike
from ..errors import InputError, LumosError, OptionError, OutputError
from ._arrays import quantize
from ._containers import XMP_PNG_KEY, XMP_TIFF_TAG, png_add_metadata, tiff_add_metadata
from ._formats import WRITABLE_FORMATS, format_for_suffix
from ._meta import DecodedImage, clean_dpi, icc_fits, set_exif_pixel_size

__all__ = ["atomic_write", "remove_stale_temp_files", "same_file", "write_image"]

log = logging.getLogger(__name__)

_ALPHA_FORMATS = ("PNG", "TIFF", "WEBP")
_SIXTEEN_BIT_FORMATS = ("PNG", "TIFF")
_EXISTS = "exists; use --overwrite (overwrite=True in Python)"
_JPEG_MAX_EXIF = 65533  # one APP1 segment
_JPEG_MAX_XMP = 65502  # one APP1 segment, less the XMP namespace header
_PNG_COMPRESS_LEVEL = 4  # zlib level: most of level 9's size at a fraction of its time
# Longest side the encoders take (libjpeg's limit, WebP's format). Past it libjpeg printed
# its own line to stderr and Pillow said only "broken data stream when writing image file".
_MAX_SIDE = {"JPEG": 65500, "WEBP": 16383}


def _output_format(format: str | None, path: Path) -> str:
    if format is None:
        if not path.suffix:
            raise OptionError(
                f"cannot tell the output format of {path.name!r}; "
                "give it a suffix such as .jpg or pass a format"
            )
        fmt = format_for_suffix(path.suffix)
    elif isinstance(format, str):
        fmt = format_for_suffix(format)
    else:
        raise OptionError(f"must be a string such as 'jpeg', got {format!r}", option="format")
    if fmt not in WRITABLE_FORMATS:
        raise OptionError(f"lumos cannot write {fmt} files; choose {', '.join(WRITABLE_FORMATS)}")
    return fmt


def _check_quality(quality: int) -> None:
    if isinstance(quality, bool) or not isinstance(quality, (int, np.integer)):
        raise OptionError(f"must be an integer from 1 to 100, got {quality!r}", option="quality")
    if not 1 <= quality <= 100:
        raise OptionError(f"must be from 1 to 100, got {quality}", option="quality")


def _check_image(image: DecodedImage) -> None:
    rgb, alpha = getattr(image, "rgb", None), getattr(image, "alpha", None)
    if not isinstance(rgb, np.ndarray) or rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.size == 0:
        shape = getattr(rgb, "shape", None)
        raise InputError(f"image to write must have rgb of shape (H, W, 3), got {shape}")
    if alpha is not None and getattr(alpha, "shape", None) != rgb.shape[:2]:
        raise InputError(
            f"alpha of shape {getattr(alpha, 'shape', None)} does not match rgb {rgb.shape}"
        )


def _check_size(image: DecodedImage, fmt: str) -> None:
    h, w = image.rgb.shape[:2]
    limit = _MAX_SIDE.get(fmt)
    if limit is not None and max(h, w) > limit:
        raise OutputError(
            f"{w}x{h} is too large for {fmt} (at most {limit} pixels a side); "
            "write PNG or TIFF instead"
        )


def _check_target(path: Path, overwrite: bool) -> None:
    if path.is_dir():
        raise OutputError("is a folder, not a file name", path=path)
    folder = path.parent
    if not folder.is_dir():
        raise OutputError("output folder does not exist", path=folder)
    if path.exists() and not overwrite:
        raise OutputError(_EXISTS, path=path)
    if not os.access(folder, os.W_OK):
        raise OutputError("output folder is not writable", path=folder)


def _written_dpi(image: DecodedImage) -> tuple[float, float] | None:
    """The DPI for the written pixels: scaled with the image, so the print size stays.

    ``meta`` describes the source; an enlarged result (``--scale 2``) has more
    pixels for the same inches, so its resolution grows by the same factor.
    """
    meta = image.meta
    if not meta.dpi:
        return None
    h, w = image.rgb.shape[:2]
    if meta.width <= 0 or meta.height <= 0 or (w, h) == (meta.width, meta.height):
        return meta.dpi
    return clean_dpi((meta.dpi[0] * w / meta.width, meta.dpi[1] * h / meta.height))


def _flatten(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """RGB composited over white, as image editors flatten for a format without alpha."""
    a = alpha[..., None]
    out = rgb * a
    out += 1.0 - a
    return out


def _encode_16bit(image: DecodedImage, fmt: str, grey: bool, alpha: np.ndarray | None) -> bytes:
    import cv2

    meta = image.meta
    dpi = _written_dpi(image)
    if grey and alpha is not None:
        grey = False  # OpenCV writes 1, 3 or 4 channels: grey+alpha goes out as RGBA
    pixels = quantize(image.rgb, alpha, bits=16, grey=grey, bgr=True)
    icc = meta.icc_profile if icc_fits(meta.icc_profile, grey) else None
    if fmt == "PNG":
        params = [cv2.IMWRITE_PNG_COMPRESSION, _PNG_COMPRESS_LEVEL]
    else:
        # Without a unit OpenCV's default resolution (1) would read as 1 dpi.
        params = [cv2.IMWRITE_TIFF_RESUNIT, 1]
        if dpi:
            x, y = (max(1, round(v)) for v in dpi)
            params = [cv2.IMWRITE_TIFF_RESUNIT, 2, cv2.IMWRITE_TIFF_XDPI, x]
            params += [cv2.IMWRITE_TIFF_YDPI, y]
    ok, buf = cv2.imencode(".png" if fmt == "PNG" else ".tif", pixels, params)
    if not ok:
        raise OutputError(f"OpenCV could not encode a 16-bit {fmt}")
    data = buf.tobytes()
    if fmt == "PNG":
        return png_add_metadata(data, icc=icc, exif=meta.exif, dpi=dpi, xmp=meta.xmp)
    return _tiff_with_exif(tiff_add_metadata(data, icc=icc, exif=None, xmp=meta.xmp), meta.exif)


def _encode(image: DecodedImage, fmt: str, quality: int, fp: IO[bytes]) -> None:
    meta = image.meta
    grey = meta.is_grey and fmt != "WEBP"  # WEBP has no greyscale mode
    alpha = image.alpha if fmt in _ALPHA_FORMATS else None
    if meta.bit_depth == 16 and fmt in _SIXTEEN_BIT_FORMATS:
        fp.write(_encode_16bit(image, fmt, grey, alpha))
        return
    rgb = image.rgb
    if image.alpha is not None and alpha is None and float(image.alpha.min()) < 1.0:
        rgb = _flatten(rgb, image.alpha)  # JPEG/BMP: not the colours hidden under alpha 0
    pil = Image.fromarray(quantize(rgb, alpha, bits=8, grey=grey))
    options: dict[str, object] = {}
    if icc_fits(meta.icc_profile, grey) and fmt != "BMP":
        options["icc_profile"] = meta.icc_profile
    if meta.exif and fmt != "BMP":
        if fmt == "JPEG" and len(meta.exif) > _JPEG_MAX_EXIF:
            log.warning("EXIF of %d bytes does not fit in a JPEG; not kept", len(meta.exif))
        else:
            options["exif"] = meta.exif
    dpi = _written_dpi(image)
    if dpi and fmt != "WEBP":
        options["dpi"] = dpi
    if meta.xmp and fmt in ("JPEG", "WEBP"):
        if fmt == "JPEG" and len(meta.xmp) > _JPEG_MAX_XMP:
            log.warning("XMP of %d bytes does not fit in a JPEG; not kept", len(meta.xmp))
        else:
            options["xmp"] = meta.xmp
    elif meta.xmp and fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_itxt(XMP_PNG_KEY, meta.xmp.decode("utf-8", "replace"), zip=False)
        options["pnginfo"] = info
    elif meta.xmp and fmt == "TIFF":
        options["tiffinfo"] = {XMP_TIFF_TAG: meta.xmp}
    if fmt == "JPEG":
        # 4:4:4 keeps colour edges clean; below 90 the size saving of 4:2:0 wins.
        options.update(quality=quality, subsampling=0 if quality >= 90 else 2)
    elif fmt == "WEBP":
        options.update(quality=quality, method=4)
    elif fmt == "PNG":
        options.update(compress_level=_PNG_COMPRESS_LEVEL)
    elif fmt == "TIFF":
        # libtiff refuses Pillow's EXIF sub-IFD pointer, so EXIF is spliced in afterwards.
        exif = options.pop("exif", None)
        buf = io.BytesIO()
        pil.save(buf, format=fmt, compression="tiff_lzw", **options)
        fp.write(_tiff_with_exif(buf.getvalue(), exif))
        return
    pil.save(fp, format=fmt, **options)


def _tiff_with_exif(data: bytes, exif: object) -> bytes:
    if not isinstance(exif, bytes):
        return data
    try:
        return tiff_add_metadata(data, icc=None, exif=exif)
    except Exception as exc:  # unusual EXIF tags must not cost the whole image
        log.warning("TIFF: EXIF not kept (%s)", exc)
        return data


def same_file(a: PathLike, b: PathLike) -> bool:
    """Whether two paths name the same file: by inode (hard links, symlinks) or by path."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        pass
    try:
        return Path(a).resolve() == Path(b).resolve()
    except (OSError, RuntimeError, ValueError):
        return False


def _file_mode(path: Path) -> int:
    """Permissions for the new file: the replaced file's, else 0o666 minus the umask."""
    with suppress(OSError):
        return path.stat().st_mode & 0o7777
    umask = 0o022
    with suppress(OSError, ValueError), open("/proc/self/status") as f:
        for line in f:
            if line.startswith("Umask:"):
                umask = int(line.split()[1], 8)
    return 0o666 & ~umask


def _publish(tmp: str, path: Path, overwrite: bool) -> None:
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)  # atomic and refuses to replace a file that appeared meanwhile
    except FileExistsError:
        raise OutputError(_EXISTS, path=path) from None
    except OSError:  # no hard links on this file system
        if path.exists():
            raise OutputError(_EXISTS, path=path) from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)


_TEMP_PREFIX = ".lumos-"
_HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]
"""Which machine wrote a temporary file: on a shared folder a process id means
nothing to another machine, whose files are left to age out."""
_TEMP_NAME = re.compile(r"\.lumos-(?:(\d+)-([0-9a-f]{6})-)?[a-z0-9_]{8}(\.[^.]*)?")
STALE_TEMP_AGE = 24 * 3600.0
"""Seconds after which a temporary file that cannot be traced to a process here is stale
(another machine's, or one named before the writer's process id was in the name)."""


def _temp_prefix() -> str:
    # The writer's process id and host in the name: the next run in the folder can
    # tell a partial file left by a killed run from one being written right now.
    return f"{_TEMP_PREFIX}{os.getpid()}-{_HOST}-"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: it exists
        return True
    return True


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Remove the partial files that killed lumos runs left in ``folder``; returns them.

    A write goes to a hidden ``.lumos-<pid>-<host>-XXXXXXXX.<ext>`` first, and a
    kill (SIGKILL, a power cut) leaves it behind. One is stale when its process
    no longer runs on this machine, or, when that cannot be known, after
    :data:`STALE_TEMP_AGE`. Only lumos' own temporary names are touched; a
    folder that cannot be listed is left alone.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        m = _TEMP_NAME.fullmatch(entry.name)
        if m is None:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            if m.group(1) is not None and m.group(2) == _HOST:
                stale = not _running(int(m.group(1)))
            else:
                stale = now - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_AGE
            if stale:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:  # gone meanwhile, or not ours to remove: leave it
            continue
    return removed


def atomic_write(path: Path, write: Callable[[IO[bytes]], None], overwrite: bool) -> None:
    """Write a file so that it appears whole or not at all.

    ``write(f)`` fills a temporary file in the same folder; it is synced and then
    published at ``path`` (refused if ``path`` exists and ``overwrite`` is False).
    On any failure the temporary file is removed and ``path`` is untouched.

    Raises
    ------
    OutputError
        The folder is not writable, or ``path`` exists without ``overwrite``.
    """
    folder = path.parent
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=_temp_prefix(), suffix=path.suffix or ".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write here: {exc.strerror or exc}", path=folder) from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        with suppress(OSError, NotImplementedError):
            os.chmod(tmp, _file_mode(path))
        _publish(tmp, path, overwrite)
    except BaseException as exc:
        with suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, (LumosError, MemoryError)) or not isinstance(exc, Exception):
            raise
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise OutputError(f"cannot write: {reason}", path=path) from exc
    with suppress(OSError, AttributeError):  # make the rename itself durable (POSIX)
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def write_image(
    image: DecodedImage,
    path: PathLike,
    *,
    format: str | None = None,
    quality: int = 95,
    overwrite: bool = False,
) -> Path:
    """Write an image atomically, keeping its EXIF, XMP, ICC profile, DPI and bit depth.

    Parameters
    ----------
    image : DecodedImage
        Float32 RGB in [0, 1] plus optional alpha and the metadata to keep.
    path : path-like
        Destination. Its folder must exist.
    format : str, optional
        ``"jpeg"``/``"jpg"``, ``"png"``, ``"tiff"``/``"tif"``, ``"webp"`` or ``"bmp"``
        (any case); by default taken from the suffix of ``path``.
    quality : int
        JPEG/WEBP quality, 1..100. JPEGs at 90 or above use 4:4:4 chroma.
    overwrite : bool
        Replace an existing file; otherwise an existing ``path`` is an error.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    OutputError
        ``path`` exists (without ``overwrite``), its folder is missing or not
        writable, or encoding failed. No partial file is left behind.
    OptionError
        Unknown format, a format lumos cannot write (HEIF, RAW), or a bad ``quality``.

    Notes
    -----
    ``meta.bit_depth == 16`` gives 16-bit PNG/TIFF; JPEG, WEBP and BMP are 8-bit.
    Greyscale originals (``meta.mode`` ``"L"``/``"LA"``) are written as greyscale
    (luma of the RGB), except WEBP which is always RGB. Alpha is written to
    PNG, TIFF and WEBP; for JPEG and BMP the image is flattened over white.
    EXIF (and XMP) keep orientation 1, since the pixels are upright, and the EXIF
    pixel size is that of the pixels written. XMP is
    written to JPEG, PNG, WEBP and TIFF. When the pixels are larger than
    ``meta`` says (an enlarged result) the DPI grows with them, so the print
    size stays. An ICC profile whose colour space does not
    match the written pixels (grey vs RGB) is left out. BMP keeps only the DPI,
    WEBP has no DPI. 16-bit files are encoded by OpenCV and get their ICC
    profile and EXIF spliced in; 16-bit grey+alpha is written as RGBA.
    """
    path = Path(path)
    fmt = _output_format(format, path)
    _check_quality(quality)
    _check_image(image)
    _check_size(image, fmt)
    _check_target(path, overwrite)
    if image.meta.exif:  # the EXIF pixel size follows the pixels written
        h, w = image.rgb.shape[:2]
        exif = set_exif_pixel_size(image.meta.exif, w, h)
        image = DecodedImage(image.rgb, image.alpha, dataclasses.replace(image.meta, exif=exif))
    atomic_write(path, lambda fp: _encode(image, fmt, int(quality), fp), overwrite)
    return path
