"""Image files in and out: the only place pixels change type.

Inside lumos an image is RGB ``float32`` of shape (H, W, 3) in [0, 1], upright,
with alpha carried separately. :func:`read_image` produces that from JPEG,
PNG, TIFF (8/16-bit; float clipped to [0, 1]), WEBP, BMP, HEIC (``heic``
extra) and camera RAW (``raw`` extra); :func:`write_image` turns it back into
a file with the original's EXIF, XMP, ICC profile, DPI, greyscale-ness and
bit depth, written atomically.
:func:`image_from_array` / :func:`image_to_array` do the same for NumPy arrays
and PIL images given to the Python API.

Importing this package sets ``PIL.Image.MAX_IMAGE_PIXELS = None`` so that
lumos's own ``max_megapixels`` limit, checked from the header before decoding,
is the one that applies (see :mod:`lumos.io._read`).
"""

from __future__ import annotations

from ._arrays import ArrayKind, image_from_array, image_to_array
from ._formats import SUPPORTED_SUFFIXES, format_for_suffix
from ._meta import DecodedImage, ImageMeta
from ._read import probe_image, read_image
from ._write import atomic_write, remove_stale_temp_files, same_file, write_image

__all__ = [
    "SUPPORTED_SUFFIXES",
    "ArrayKind",
    "DecodedImage",
    "ImageMeta",
    "atomic_write",
    "format_for_suffix",
    "image_from_array",
    "image_to_array",
    "probe_image",
    "read_image",
    "remove_stale_temp_files",
    "same_file",
    "write_image",
]
