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
    """An option value is out of range, of the wrong type, or unknown.

    The same check serves the Python API (keyword ``denoise=``) and the CLI
    (flag ``--denoise``), so the error carries the option's name and each side
    words it its own way: ``str(exc)`` and ``exc.message`` name the keyword,
    :attr:`cli_message` the flag.

    Parameters
    ----------
    message : str
        With ``option``: the rest of the sentence (``"must be between 0 and 2, got 3"``);
        without it, the whole message.
    option : str, optional
        The keyword the error is about (``"max_megapixels"``); the CLI shows it
        as ``--max-megapixels``.
    cli : str, optional
        The whole message in CLI words, for one that names several options.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        option: str | None = None,
        cli: str | None = None,
    ) -> None:
        self.option = option
        if option is not None:
            cli = cli or f"--{option.replace('_', '-')} {message}"
            message = f"{option} {message}"
        super().__init__(message, path=path)
        self._cli = cli

    @property
    def cli_message(self) -> str:
        """The message as the ``lumos`` command shows it, naming flags (``--denoise``)."""
        text = self._cli or self.message
        return f"{self.path}: {text}" if self.path is not None else text


class ModelError(LumosError):
    """A model or its weights are missing, corrupt or incompatible."""


def megapixels_text(mp: float) -> str:
    """``2500.0`` or ``0.0315``: megapixels in a message, with enough digits that a small
    photo above a small limit does not read "0.0 MP is above the limit of 0.01 MP"."""
    return f"{mp:.1f}" if mp >= 1 else f"{mp:.3g}"
