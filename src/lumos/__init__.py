"""lumos: turn dark, noisy photos into clean, bright, sharp ones - and show how.

The public API::

    import lumos
    result = lumos.enhance("night.jpg", denoise=0.7)
    result.save("night_bright.jpg")         # metadata kept, written atomically
    result.image, result.stats              # pixels (same kind as given), measurements

See :func:`enhance`, :func:`analyse_image`, :func:`read_image`, :func:`write_image`.
"""

__version__ = "0.1.0"

from .analysis import Analysis
from .api import EnhanceResult, analyse_image, enhance
from .config import EnhanceOptions, TilingOptions
from .errors import (
    ImageTooLargeError,
    InputError,
    LumosError,
    MissingExtraError,
    ModelError,
    OptionError,
    OutputError,
    UnsupportedFormatError,
)
from .io import DecodedImage, ImageMeta, read_image, write_image

__all__ = [
    "Analysis",
    "DecodedImage",
    "EnhanceOptions",
    "EnhanceResult",
    "ImageMeta",
    "ImageTooLargeError",
    "InputError",
    "LumosError",
    "MissingExtraError",
    "ModelError",
    "OptionError",
    "OutputError",
    "TilingOptions",
    "UnsupportedFormatError",
    "__version__",
    "analyse_image",
    "enhance",
    "read_image",
    "write_image",
]
