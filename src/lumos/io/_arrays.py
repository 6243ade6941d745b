"""Conversion between caller/file pixel arrays and lumos's float32 RGB.

Integer→float conversion writes straight into one preallocated float32 array;
float→integer conversion runs in row bands so that no full-size float
temporary is made (a 12 MP image is 144 MB as float32).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .._color import LUMA
from .._types import FloatImage, FloatMap
from ..errors import InputError
from ._meta import DecodedImage, ImageMeta, clean_dpi, normalize_exif

__all__ = [
    "LUMA",
    "ArrayKind",
    "image_from_array",
    "image_to_array",
    "quantize",
    "to_float",
]


_BAND_ROWS = 256
# Float input may overshoot [0, 1] by this much (Lanczos/bicubic ringing reaches about
# 0.26 at the corner of a bright square) and is clipped; beyond it the values are on
# another scale (0..255, 0..65535, HDR), which clipping would turn nearly white.
FLOAT_SLACK = 0.5
_DTYPES = ("uint8", "uint16", "float32", "float64")
_LAYOUTS = {2: "HW", 1: "HW1", 3: "HW3", 4: "HW4"}
_MODE_FOR_LAYOUT = {"HW": "L", "HW1": "L", "HW3": "RGB", "HW4": "RGBA"}
# Pillow's names of the lossy formats (MPO: a camera's or phone's multi-picture JPEG).
_PIL_LOSSY = {"JPEG": "JPEG", "MPO": "JPEG", "HEIF": "HEIF"}


@dataclass(frozen=True)
class ArrayKind:
    """How a caller's image was laid out, so results go back the same way.

    Attributes
    ----------
    dtype : str
        ``"uint8"``, ``"uint16"``, ``"float32"`` or ``"float64"``.
    layout : str
        ``"HW"``, ``"HW1"``, ``"HW3"`` or ``"HW4"``.
    pil_mode : str or None
        Set when the input was a PIL image: the result is a PIL image of this mode.
    """

    dtype: str
    layout: str
    pil_mode: str | None = None


def to_float(src: np.ndarray, scale: float, out: np.ndarray | None = None) -> np.ndarray:
    """``src * (1/scale)`` as float32 in one pass; ``src`` may be any strided view.

    With ``out`` of shape (H, W, 3) and ``src`` of shape (H, W, 1) the grey values
    are broadcast into all three channels without a temporary.
    """
    if out is None:
        out = np.empty(src.shape, dtype=np.float32)
    np.multiply(src, np.float32(1.0 / scale), out=out, casting="unsafe")
    return out


def _quantize_band(src: np.ndarray, scale: float, dtype: type) -> np.ndarray:
    tmp = np.multiply(src, np.float32(scale), dtype=np.float32)
    tmp += np.float32(0.5)
    # fmax/fmin (not clip) also turn NaN into 0 instead of an undefined cast.
    np.fmax(tmp, 0.0, out=tmp)
    np.fmin(tmp, scale, out=tmp)
    return tmp.astype(dtype)


def quantize(
    rgb: FloatImage,
    alpha: FloatMap | None,
    *,
    bits: int,
    grey: bool,
    bgr: bool = False,
) -> np.ndarray:
    """Float [0, 1] pixels to uint8/uint16, rounded, in the layout an encoder takes.

    Returns (H, W) for grey without alpha, else (H, W, C) with C = 2 (grey+alpha),
    3 or 4. ``bgr`` swaps red and blue for OpenCV.
    """
    scale, dtype = (65535.0, np.uint16) if bits == 16 else (255.0, np.uint8)
    h, w = rgb.shape[:2]
    channels = (1 if grey else 3) + (alpha is not None)
    out = np.empty((h, w, channels), dtype=dtype)
    colour = slice(None, None, -1) if bgr else slice(None)
    for y in range(0, h, _BAND_ROWS):
        rows = slice(y, min(y + _BAND_ROWS, h))
        band = rgb[rows]
        if grey:
            out[rows, :, 0] = _quantize_band(band @ LUMA, scale, dtype)
        else:
            out[rows, :, :3] = _quantize_band(band[..., colour], scale, dtype)
        if alpha is not None:
            out[rows, :, -1] = _quantize_band(alpha[rows], scale, dtype)
    return out[..., 0] if channels == 1 else out


def _check_float_range(part: np.ndarray, what: str) -> None:
    """Refuse NaN/inf and values on another scale; min/max make no full-size temporary."""
    lo, hi = float(part.min()), float(part.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise InputError(f"float {what} contains NaN or infinite values; lumos needs [0, 1]")
    if lo < -FLOAT_SLACK or hi > 1.0 + FLOAT_SLACK:
        raise InputError(
            f"float {what} must be in [0, 1], got values from {lo:.4g} to {hi:.4g}; "
            "for 0..255 data pass uint8 (or divide by 255)"
        )


def _bad_array(array: Any) -> InputError:
    what = (
        f"shape {tuple(array.shape)} dtype {array.dtype}"
        if isinstance(array, np.ndarray)
        else f"a {type(array).__name__}"
    )
    return InputError(
        f"cannot use an image given as {what}; lumos takes uint8, uint16, float32 or float64 "
        "arrays of shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), or a PIL image"
    )


def _from_pil(image: Any) -> tuple[np.ndarray, str, ImageMeta | None]:
    """A PIL image as an array, plus the mode to give back and its metadata."""
    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        arr = np.asarray(image)
        if mode == "I":  # 32-bit ints; lumos treats them as 16-bit grey
            arr = np.clip(arr, 0, 65535).astype(np.uint16)
        out_mode = "I;16"
    elif mode == "F":
        arr, out_mode = np.asarray(image), "F"
    else:
        has_alpha = mode in ("LA", "La", "RGBA", "RGBa", "PA") or "transparency" in image.info
        grey = mode in ("1", "L", "LA", "La")
        out_mode = ("LA" if has_alpha else "L") if grey else ("RGBA" if has_alpha else "RGB")
        arr = np.asarray(image if image.mode == out_mode else image.convert(out_mode))
        if out_mode == "LA":  # lumos has no 2-channel layout; use RGBA-style HW4
            arr = np.dstack([arr[..., :1]] * 3 + [arr[..., 1:]])
    exif = normalize_exif(image.info.get("exif"))
    meta = ImageMeta(
        # Straight from a JPEG/HEIC file (Pillow drops .format on any derived image): say
        # so, for the analysis to read its noise as it reads that file's (ImageMeta.lossy).
        format=_PIL_LOSSY.get(getattr(image, "format", None) or "", "PIL"),
        mode="L",  # filled in by the caller
        bit_depth=8,
        width=image.width,
        height=image.height,
        exif=exif,
        icc_profile=image.info.get("icc_profile") or None,
        dpi=clean_dpi(image.info.get("dpi")),
        xmp=_raw_xmp(image.info.get("xmp")),  # as it is: in-memory images are not turned
    )
    return arr, out_mode, meta


def _raw_xmp(raw: Any) -> bytes | None:
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    return bytes(raw) if isinstance(raw, (bytes, bytearray)) and raw else None


def image_from_array(array: Any) -> tuple[DecodedImage, ArrayKind]:
    """Turn a caller's NumPy array or PIL image into lumos's internal form.

    Parameters
    ----------
    array : ndarray or PIL.Image.Image
        uint8 (0..255), uint16 (0..65535) or float32/float64 (0..1) of shape
        (H, W), (H, W, 1), (H, W, 3) RGB or (H, W, 4) RGBA; or a PIL image of any
        common mode (palette and CMYK become RGB).

    Returns
    -------
    DecodedImage
        Float32 RGB in [0, 1]; ``meta.format`` is ``"ARRAY"`` or ``"PIL"`` (``"JPEG"`` or
        ``"HEIF"`` for a PIL image as opened from such a file, so that ``meta.lossy`` holds).
    ArrayKind
        Pass it to :func:`image_to_array` to get the result back in the same form.

    Raises
    ------
    InputError
        For other dtypes or shapes (the message names the ones given), or float
        values that are not finite or not on the [0, 1] scale.

    Notes
    -----
    Float values must lie in [0, 1]: a small overshoot (up to ``FLOAT_SLACK`` = 0.5,
    e.g. ringing from resampling) is clipped; values further out (0..255 data) and
    NaN or infinity raise :class:`InputError` rather than being clipped nearly white.
    In-memory images are never rotated: a PIL image's EXIF (orientation
    included) is kept as it is, so a saved result shows the way the input did.
    Float input counts as 16-bit (``meta.bit_depth == 16``), so saving it as
    PNG/TIFF keeps more than 8 bits.

    Examples
    --------
    >>> import numpy as np
    >>> decoded, kind = image_from_array(np.zeros((4, 6), dtype=np.uint8))
    >>> decoded.rgb.shape, decoded.rgb.dtype, kind.layout
    ((4, 6, 3), dtype('float32'), 'HW')
    """
    pil_mode = None
    meta = None
    if not isinstance(array, np.ndarray) and hasattr(array, "getbands"):
        array, pil_mode, meta = _from_pil(array)
    if not isinstance(array, np.ndarray) or array.dtype.name not in _DTYPES:
        raise _bad_array(array)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
        raise _bad_array(array)
    if array.shape[0] < 1 or array.shape[1] < 1:
        raise _bad_array(array)
    layout = _LAYOUTS[2 if array.ndim == 2 else array.shape[2]]
    kind = ArrayKind(dtype=array.dtype.name, layout=layout, pil_mode=pil_mode)
    h, w = array.shape[:2]
    src = array[..., None] if array.ndim == 2 else array
    rgb = np.empty((h, w, 3), dtype=np.float32)
    alpha = np.empty((h, w), dtype=np.float32) if layout == "HW4" else None
    if array.dtype.kind == "f":
        with np.errstate(over="ignore", invalid="ignore"):
            rgb[...] = src[..., :3] if layout != "HW1" else src
            if alpha is not None:
                alpha[...] = src[..., 3]
        for part, what in ((rgb, "image"), (alpha, "alpha")):
            if part is not None:
                _check_float_range(part, what)
                np.clip(part, 0.0, 1.0, out=part)
    else:
        scale = 255.0 if array.dtype == np.uint8 else 65535.0
        to_float(src[..., :3] if layout == "HW4" else src, scale, out=rgb)
        if alpha is not None:
            to_float(src[..., 3], scale, out=alpha)
    mode = _MODE_FOR_LAYOUT[layout]
    if pil_mode == "LA":
        mode = "LA"
    bit_depth = 8 if array.dtype == np.uint8 else 16
    base = meta or ImageMeta(format="ARRAY", mode=mode, bit_depth=bit_depth, width=w, height=h)
    meta = replace(base, mode=mode, bit_depth=bit_depth)
    return DecodedImage(rgb=rgb, alpha=alpha, meta=meta), kind


def image_to_array(rgb: FloatImage, alpha: FloatMap | None, kind: ArrayKind) -> Any:
    """Give pixels back in the caller's dtype, value range and layout.

    Parameters
    ----------
    rgb : (H, W, 3) float32 ndarray
        Values in [0, 1].
    alpha : (H, W) float32 ndarray or None
        Used for the ``"HW4"`` layout (opaque if ``None``); ignored otherwise.
    kind : ArrayKind
        From :func:`image_from_array`.

    Returns
    -------
    ndarray or PIL.Image.Image
        uint8 → uint8, uint16 → uint16, float32 → float32, float64 → float64 in [0, 1];
        (H, W) in → (H, W) out. A PIL image when the input was one, in its mode
        (palette and CMYK inputs come back as RGB/RGBA).

    Examples
    --------
    >>> import numpy as np
    >>> decoded, kind = image_from_array(np.full((2, 3, 4), 200, dtype=np.uint8))
    >>> out = image_to_array(decoded.rgb, decoded.alpha, kind)
    >>> out.dtype, out.shape, int(out[0, 0, 0])
    (dtype('uint8'), (2, 3, 4), 200)
    """
    grey = kind.layout in ("HW", "HW1") or kind.pil_mode == "LA"
    if kind.layout == "HW4" and alpha is None:
        alpha = np.ones(rgb.shape[:2], dtype=np.float32)
    if kind.layout != "HW4":
        alpha = None
    if kind.dtype in ("float32", "float64"):
        out = rgb @ LUMA if grey else rgb.astype(np.float32, copy=True)
        np.clip(out, 0.0, 1.0, out=out)
        if alpha is not None:
            a = np.clip(alpha, 0.0, 1.0)[..., None]
            out = np.concatenate([out[..., None] if grey else out, a], axis=2)
        if kind.dtype == "float64":
            out = out.astype(np.float64)
    else:
        out = quantize(rgb, alpha, bits=16 if kind.dtype == "uint16" else 8, grey=grey)
    if kind.layout == "HW1" and out.ndim == 2:
        out = out[..., None]
    if kind.pil_mode is None:
        return out
    from PIL import Image

    if kind.pil_mode == "I;16":
        return Image.fromarray(np.ascontiguousarray(out.reshape(out.shape[:2])))
    return Image.fromarray(np.ascontiguousarray(out))
