"""Images as ``data:`` URIs, so that the report is one file that loads nothing."""

from __future__ import annotations

import base64
import io

import numpy as np

__all__ = ["jpeg_uri", "png_uri"]


def _encode(img: np.ndarray, fmt: str, **kw: object) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(img)).save(buf, format=fmt, **kw)
    return buf.getvalue()


def jpeg_uri(img: np.ndarray, *, quality: int = 85, full_chroma: bool = False) -> str:
    """A uint8 (h, w[, 3]) image as a JPEG data URI.

    ``full_chroma`` keeps colour at full resolution (4:4:4): used for 100 % crops,
    where 4:2:0 subsampling would smear exactly the colour noise the crop shows.
    """
    kw: dict[str, object] = {"quality": quality, "optimize": True}
    if full_chroma and img.ndim == 3:
        kw["subsampling"] = 0
    data = _encode(img, "JPEG", **kw)
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def png_uri(data: bytes | np.ndarray) -> str:
    """PNG bytes (or a uint8 image, encoded losslessly) as a data URI."""
    if isinstance(data, np.ndarray):
        data = _encode(data, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")
