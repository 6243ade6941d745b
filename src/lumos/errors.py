"""The lumos error tree.

Every error a user can cause derives from :class:`LumosError`; its message is one
line that names the problem and, where there is one, the fix. The CLI prints
``lumos: <message>`` and exits non-zero; the HTTP server maps it to a 4xx reply.

::

    LumosError
    ├── InputError            the input cannot be used (missing, corrupt, wrong type)
    │   ├── UnsupportedFormatError
    │   ├── ImageTooLargeError    above --max-megapixels, judged from the header
    │   └── MissingExtraError     needs an optional extra (heic, raw, server, train)
    ├── OutputError           the output cannot be written (exists, unwritable)
    ├── OptionError           an option value is out of range or unknown
    └── ModelError            a model file is missing, corrupt or incompatible
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ImageTooLargeError",
    "InputError",
    "LumosError",
    "MissingExtraError",
    "ModelError",
    "OptionError",
    "OutputError",
    "UnsupportedFormatError",
]


class LumosError(Exception):
    """Base of every error that lumos raises on purpose.

    Parameters
    ----------
    message : str
        One line, no trailing period needed.
    path : path-like, optional
        The file the error is about; it is prefixed to the message by ``str()``.
    """

    def __init__(self, message: str, *, path: str | Path | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = None if path is None else Path(path)

    def __str__(self) -> str:
        if self.path is not None:
            return f"{self.path}: {self.message}"
        return self.message


class InputError(LumosError):
    """The input image cannot be used: missing, unreadable, corrupt or empty."""


class UnsupportedFormatError(InputError):
    """The file is not an image format lumos can read."""


class ImageTooLargeError(InputError):
    """The image has more pixels than allowed (decompression-bomb guard)."""


class MissingExtraError(InputError):
    """A feature needs an optional dependency that is not installed.

    The message names the extra, e.g. ``pip install 'lumos[heic]'``.
    """

    def __init__(self, feature: str, extra: str, *, path: str | Path | None = None) -> None:
        super().__init__(
            f"support for {feature} needs the '{extra}' extra: pip install 'lumos[{extra}]'",
            path=path,
        )
        self.extra = extra


class OutputError(LumosError):
    """The output cannot be written: it exists (without overwrite) or the folder is unwritable."""


class OptionError(LumosError, ValueError):
    """An option value is out of range, of the wrong type, or unknown."""


class ModelError(LumosError):
    """A model or its weights are missing, corrupt or incompatible."""
