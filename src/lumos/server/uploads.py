"""Uploads on disk: a private working folder, generated names, counted bytes.

No name or path a client sends ever reaches the file system: every upload is
stored as ``<workspace>/<random>/input`` and the client's file name is only
used, sanitised, as the download name of the result. Each request
gets its own folder that is removed when the request ends, whatever happens.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from urllib.parse import quote

from fastapi import UploadFile
from starlette.concurrency import run_in_threadpool

from .errors import UploadTooLargeError
from .limits import TimeoutExceededError
from .settings import ServerSettings

__all__ = [
    "Workspace",
    "ascii_name",
    "content_disposition",
    "display_name",
    "download_name",
    "save_upload",
    "too_large_text",
    "unique_name",
]

_CHUNK = 1024 * 1024
_SAFE = re.compile(r"[^\w.-]+")  # \w: letters, digits and _ of any script
_SAFE_ASCII = re.compile(r"[^A-Za-z0-9._-]+")
_UNDERSCORES = re.compile(r"__+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class Workspace:
    """The server's private temporary folder (mode 0700), one subfolder per request or job.

    Parameters
    ----------
    parent : Path or None
        Where to create it; default: the system temp folder.
    """

    def __init__(self, parent: Path | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="lumos-server-", dir=parent))

    def new_dir(self) -> Path:
        """A fresh, empty, private subfolder with a random name."""
        path = self.root / secrets.token_hex(8)
        path.mkdir(mode=0o700)
        return path

    @asynccontextmanager
    async def request_dir(self) -> AsyncIterator[Path]:
        """A subfolder that is removed when the block ends, also on errors."""
        path: Path | None = self.new_dir()
        try:
            yield path
        except TimeoutExceededError as exc:
            # The worker may still be writing here: remove the folder once it stops,
            # not now (a file created after rmtree's listing would be left behind).
            if exc.future is not None and not exc.future.done():
                doomed = path
                exc.future.add_done_callback(lambda _: shutil.rmtree(doomed, True))
                path = None
            raise
        finally:
            if path is not None:
                await run_in_threadpool(shutil.rmtree, path, True)

    def is_empty(self) -> bool:
        """Whether no request or job holds files (used by tests and ``/healthz``)."""
        with suppress(FileNotFoundError):
            return not any(self.root.iterdir())
        return True

    def close(self) -> None:
        """Remove the whole folder (server shutdown)."""
        shutil.rmtree(self.root, ignore_errors=True)


def too_large_text(settings: ServerSettings) -> str:
    """Why a file was refused for its size, with the limit as configured."""
    return f"larger than the limit of {settings.upload_limit_text}"


async def save_upload(upload: UploadFile, dest: Path, settings: ServerSettings) -> int:
    """Copy an upload to ``dest`` in chunks, refusing it once it passes the per-file limit.

    The request-body limit of :mod:`lumos.server.app` already stops oversized
    bodies; this count is the per-file limit (a batch request may carry
    several files) and does not trust any size the client declared.

    Raises
    ------
    UploadTooLargeError
        More than ``settings.max_upload_bytes`` bytes (the partial file is removed).
    """
    total = 0
    try:
        with open(dest, "xb") as out:  # "x": never follow or reuse an existing name
            while chunk := await upload.read(_CHUNK):
                total += len(chunk)
                if total > settings.max_upload_bytes:
                    raise UploadTooLargeError(f"file: {too_large_text(settings)}")
                await run_in_threadpool(out.write, chunk)
    except BaseException:
        with suppress(OSError):
            os.unlink(dest)
        raise
    return total


def _last_component(client_name: str | None) -> str:
    """The file name without any folder: clients send both ``/`` and ``\\`` paths."""
    return re.split(r"[/\\]", client_name or "")[-1]


def display_name(client_name: str | None) -> str:
    """The client's file name to show back to it: last path component, no control characters.

    Examples
    --------
    >>> display_name("../shots/night shot (2).JPG")
    'night shot (2).JPG'
    """
    return _CONTROL.sub("", _last_component(client_name))[:120] or "image"


def download_name(client_name: str | None, suffix: str, tag: str = "_lumos") -> str:
    """``<stem>_lumos<suffix>`` from the client's file name, safe as a file name anywhere.

    Only the last path component is kept (both ``/`` and ``\\`` separate); letters and
    digits of any script, ``.``, ``_`` and ``-`` stay, anything else becomes ``_``;
    the stem is capped at 80 characters. Send it with :func:`content_disposition`.

    Examples
    --------
    >>> download_name("../../etc/night shot.JPG", ".jpg")
    'night_shot_lumos.jpg'
    >>> download_name("Nacht Café 夜景.jpg", ".jpg")
    'Nacht_Café_夜景_lumos.jpg'
    >>> download_name(None, ".png")
    'image_lumos.png'
    """
    base = unicodedata.normalize("NFC", _last_component(client_name))  # macOS sends NFD
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    stem = _SAFE.sub("_", stem).strip("._-")[:80] or "image"
    return f"{stem}{tag}{suffix}"


def ascii_name(name: str) -> str:
    """``name`` in ASCII for clients that ignore ``filename*``: accents dropped, the rest ``_``.

    Examples
    --------
    >>> ascii_name("Nacht_Café_夜景_lumos.jpg")
    'Nacht_Cafe_lumos.jpg'
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    stem, dot, ext = folded.rpartition(".")
    if not dot:
        stem, ext = folded, ""
    stem = _UNDERSCORES.sub("_", _SAFE_ASCII.sub("_", stem)).strip("._-") or "image"
    return f"{stem}.{ext}" if ext else stem


def content_disposition(name: str) -> str:
    """An ``attachment`` header that keeps a non-ASCII ``name`` (RFC 6266 / RFC 5987).

    Examples
    --------
    >>> content_disposition("dark_lumos.jpg")
    'attachment; filename="dark_lumos.jpg"'
    >>> print(content_disposition("Café_lumos.jpg"))
    attachment; filename="Cafe_lumos.jpg"; filename*=UTF-8''Caf%C3%A9_lumos.jpg
    """
    fallback = ascii_name(name)
    header = f'attachment; filename="{fallback}"'
    if fallback != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


def unique_name(name: str, used: set[str]) -> str:
    """``name``, or ``name-2``, ``-3``... before the extension: unique in ``used`` ignoring case.

    Case is ignored because the names end up side by side on disk (a zip
    unpacked on macOS or Windows), where ``a.jpg`` and ``A.jpg`` are one file.
    ``used`` gets the result (case-folded).

    Examples
    --------
    >>> used = set()
    >>> [unique_name(n, used) for n in ("a.jpg", "a.jpg", "A.jpg")]
    ['a.jpg', 'a-2.jpg', 'A-3.jpg']
    """
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, n = name, 1
    while candidate.casefold() in used:
        n += 1
        candidate = f"{stem}-{n}.{ext}" if ext else f"{stem}-{n}"
    used.add(candidate.casefold())
    return candidate
