"""The Python API: ``lumos.enhance`` and ``lumos.analyse_image``.

Accepts what a Python user has at hand (a path, a PIL image, a NumPy array) and
gives back the same kind of thing, so ``lumos.enhance(arr).image`` can replace
``arr`` in the caller's code without a dtype surprise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import PIL.Image

from ._types import PathLike, ProgressFn
from .analysis import Analysis, analyse
from .config import EnhanceOptions, TilingOptions, brightness_from_8bit, plain_number
from .errors import ImageTooLargeError, OptionError, OutputError, megapixels_text
from .io import (
    ArrayKind,
    DecodedImage,
    image_from_array,
    image_to_array,
    read_image,
    same_file,
    write_image,
)
from .pipeline import PipelineResult, run_pipeline

__all__ = ["EnhanceResult", "analyse_image", "enhance", "load", "make_options"]

_AUTO_OPTIONS = ("denoise", "detail", "brightness", "shadows", "dehaze")


@dataclass
class EnhanceResult:
    """Result of :func:`enhance`.

    Attributes
    ----------
    image : ndarray or PIL.Image.Image
        The enhanced image in the type it was given: same dtype, range and
        channel layout for arrays; a PIL image for a PIL image; for a path, a
        NumPy array in the file's bit depth (uint8 or uint16) and channels.
    stats : dict
        Analysis of the input, the settings used, output brightness and timings.
    intermediates : dict
        Every stage's full-size float32 output when ``intermediates=True``.
    source : Path or None
        The file the photo came from (a path, or a PIL image opened from a file):
        :meth:`save` refuses to write over it.
    """

    image: Any
    stats: dict[str, Any]
    intermediates: dict[str, np.ndarray] = field(default_factory=dict)
    decoded: DecodedImage | None = field(default=None, repr=False)
    source: Path | None = None

    def save(
        self,
        path: PathLike,
        *,
        format: str | None = None,
        quality: int = 95,
        overwrite: bool = False,
    ) -> Path:
        """Write the enhanced image atomically, keeping the input's metadata.

        Raises ``OutputError`` if ``path`` exists (without ``overwrite``) or is
        the source photo itself (by path or by inode), whatever ``overwrite``.
        """
        assert self.decoded is not None
        if not isinstance(path, (str, bytes, os.PathLike)):  # save(None): a TypeError deep down
            raise OptionError(f"must be a file name, got {path!r}", option="path")
        if self.source is not None and same_file(path, self.source):
            raise OutputError(
                "would overwrite the input photo; save under another name", path=Path(path)
            )
        return write_image(self.decoded, path, format=format, quality=quality, overwrite=overwrite)


def make_options(**options: Any) -> EnhanceOptions:
    """Build validated :class:`EnhanceOptions` from keyword arguments.

    ``tile`` is accepted as a shortcut for ``tiling=TilingOptions(tile=...)``;
    ``"auto"`` for ``denoise``, ``detail``, ``brightness``, ``shadows`` or ``dehaze`` means
    ``None`` (chosen from the photo), and a ``brightness`` above 1 is in 8-bit units (128 =
    128/255), as on the command line. Unknown names raise ``OptionError``, whose message names
    the keyword (``denoise must be between 0 and 2, got 3``).
    """
    opts = dict(options)
    if "tile" in opts:
        opts["tiling"] = TilingOptions(tile=opts.pop("tile"))
    elif "tiling" in opts and not isinstance(opts["tiling"], TilingOptions):
        # tiling=512 went through and failed later with an AttributeError.
        raise OptionError(
            f"must be a lumos.config.TilingOptions (for a tile size: tile=512), "
            f"got {opts['tiling']!r}",
            option="tiling",
        )
    for name in _AUTO_OPTIONS:
        value = opts.get(name)
        if isinstance(value, str) and value.strip().lower() == "auto":
            opts[name] = None
    if "brightness" in opts:
        b = opts["brightness"]
        opts["brightness"] = brightness_from_8bit(b)
        if opts["brightness"] is not b and not 0.05 <= opts["brightness"] <= 0.95:
            raise OptionError(
                f"must be 'auto', a target mean 0.05..0.95 or 13..242 in 8-bit units, got {b!r}",
                option="brightness",
            )
    allowed = set(EnhanceOptions.__dataclass_fields__)
    unknown = sorted(set(opts) - allowed)
    if unknown:
        raise OptionError(
            f"unknown option(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(allowed | {'tile'}))}"
        )
    return EnhanceOptions(**opts)


def load(image: Any, *, max_megapixels: float | None = None) -> tuple[DecodedImage, Any]:
    """Turn a path, PIL image or array into a :class:`DecodedImage` plus a 'kind' to return."""
    if isinstance(image, (str, Path)) or hasattr(image, "__fspath__"):
        kw = {} if max_megapixels is None else {"max_megapixels": max_megapixels}
        decoded = read_image(image, **kw)
        return decoded, None
    _check_in_memory_size(image, _DEFAULT_MAX_MP if max_megapixels is None else max_megapixels)
    return image_from_array(image)


_DEFAULT_MAX_MP = EnhanceOptions().max_megapixels


def _check_in_memory_size(image: Any, max_megapixels: float) -> None:
    """Refuse an array or PIL image above ``max_megapixels``, as a file is refused.

    Before any conversion: a 400 MP array started and died with a raw
    ``MemoryError`` once its float copies were made.
    """
    if isinstance(image, np.ndarray) and image.ndim >= 2:
        height, width = image.shape[:2]
    elif isinstance(image, PIL.Image.Image):
        width, height = image.size
    else:
        return  # not an image: image_from_array says what it is
    mp = width * height / 1e6
    if mp > max_megapixels:
        raise ImageTooLargeError(
            f"{width}x{height} = {megapixels_text(mp)} MP is above the limit of "
            f"{max_megapixels:g} MP; raise max_megapixels to allow it"
        )


def _check_workers(workers: Any) -> int | None:
    """``workers`` as an int (NumPy integers too), or an :class:`OptionError` naming it."""
    if workers is None:
        return None
    count = plain_number(workers)
    if isinstance(count, int) and not isinstance(count, bool) and count >= 1:
        return count
    raise OptionError(f"workers must be a whole number of at least 1, got {workers!r}")


def enhance(
    image: Any,
    *,
    intermediates: bool = False,
    progress: ProgressFn | None = None,
    workers: int | None = None,
    **options: Any,
) -> EnhanceResult:
    """Make a dark, noisy photo brighter, cleaner and sharper.

    Parameters
    ----------
    image : path, PIL.Image.Image or ndarray
        An array may be uint8, uint16 or float32/float64 (values in [0, 1]; NaN,
        infinity or values on another scale such as 0..255 raise ``InputError``)
        of shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4).
    intermediates : bool
        Keep every stage's output in ``result.intermediates``.
    progress : callable, optional
        ``progress(done, total)`` per tile.
    workers : int, optional
        Tiles processed at once.
    **options
        The CLI's options, by their long names: ``model``, ``denoise``, ``detail``,
        ``brightness`` (a target mean 0.05..0.95, or 13..242 in 8-bit units as on the
        command line), ``shadows`` (0..1: how far to open up dark shadows), ``dehaze``
        (0..1: how much haze to remove before brightening), ``light``
        ("auto", "uniform", "uneven"), ``exposure`` ("auto", "brighten", "darken": which
        way exposure may be corrected), ``weights`` (the checkpoint of ``model="mirnet"``
        or ``"alen"``), ``tile``, ``max_megapixels``, ``scale`` (1, 2, 4: enlarge the
        result) and ``upscaler``; ``"auto"`` for ``denoise``, ``detail``, ``brightness``,
        ``shadows`` and ``dehaze``: see :class:`lumos.config.EnhanceOptions` and
        :func:`make_options`.

    Returns
    -------
    EnhanceResult

    Examples
    --------
    >>> import numpy as np, lumos
    >>> dark = np.full((32, 48, 3), 20, dtype=np.uint8)
    >>> out = lumos.enhance(dark)
    >>> out.image.dtype, out.image.shape, bool(out.image.mean() > dark.mean())
    (dtype('uint8'), (32, 48, 3), True)
    >>> round(lumos.enhance(dark, brightness=128).stats["target_brightness"], 2)  # 8-bit units
    0.5
    """
    opts = make_options(**options)
    workers = _check_workers(workers)
    if progress is not None and not callable(progress):  # else a TypeError at the first tile
        raise OptionError(
            f"must be a function progress(done, total), got {progress!r}",
            option="progress",
        )
    decoded, kind = load(image, max_megapixels=opts.max_megapixels)
    result: PipelineResult = run_pipeline(
        decoded.rgb,
        opts,
        alpha=decoded.alpha,
        lossy=decoded.meta.lossy,
        keep_intermediates=intermediates,
        workers=workers,
        progress=progress,
    )
    out_decoded = DecodedImage(rgb=result.rgb, alpha=result.alpha, meta=decoded.meta)
    if kind is None:
        out_image = _native_array(out_decoded)
    else:
        out_image = image_to_array(result.rgb, result.alpha, kind)
    return EnhanceResult(
        image=out_image,
        stats=result.stats,
        intermediates=result.intermediates,
        decoded=out_decoded,
        source=_source_file(image),
    )


def _source_file(image: Any) -> Path | None:
    """The file behind ``image``: its path, or the file a PIL image was opened from."""
    if isinstance(image, (str, Path)) or hasattr(image, "__fspath__"):
        return Path(image)
    name = getattr(image, "filename", None)  # PIL.Image.open sets it
    return Path(name) if isinstance(name, str) and name else None


def _native_array(decoded: DecodedImage) -> np.ndarray:
    """A file's pixels as uint8/uint16 in the file's channel layout."""
    dtype = "uint16" if decoded.meta.bit_depth == 16 else "uint8"
    # Grey + alpha comes back as RGBA: an (H, W, 2) array is not a layout lumos returns.
    layout = {"L": "HW", "LA": "HW4", "RGB": "HW3", "RGBA": "HW4"}[decoded.meta.mode]
    alpha = decoded.alpha if layout == "HW4" else None
    return image_to_array(decoded.rgb, alpha, ArrayKind(dtype, layout))


def analyse_image(image: Any, *, max_megapixels: float | None = None) -> Analysis:
    """Measure a photo (brightness, noise, light) without enhancing it."""
    decoded, _ = load(image, max_megapixels=max_megapixels)
    return analyse(decoded.rgb, lossy=decoded.meta.lossy)
