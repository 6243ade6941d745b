"""Write a report file atomically, with the same overwrite rules as ``lumos enhance``."""

from __future__ import annotations

from pathlib import Path

from .._types import PathLike
from ..errors import OutputError
from ..io import atomic_write
from ._html import render_html
from ._model import ExplainReport

__all__ = ["write_report"]


def write_report(report: ExplainReport, path: PathLike, *, overwrite: bool = False) -> Path:
    """Render ``report`` and write it to ``path`` atomically.

    The HTML is written to a temporary file in the target folder and renamed
    into place, so a reader never sees half a report and an interrupted run
    leaves no partial file.

    Parameters
    ----------
    report : ExplainReport
    path : path-like
        Target file (``.html``).
    overwrite : bool
        Replace an existing file; without it an existing file is an error.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OutputError
        The file exists (without ``overwrite``), the path is a folder, or the
        folder is missing or not writable.
    MissingExtraError
        matplotlib is not installed.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError("is a folder, not a file name", path=path)
    if not path.parent.is_dir():
        raise OutputError("output folder does not exist", path=path.parent)
    if path.exists() and not overwrite:
        raise OutputError("exists; use --overwrite", path=path)
    # Render before touching the file system: a missing extra must not leave a temp file.
    data = render_html(report).encode("utf-8")
    atomic_write(path, lambda f: f.write(data), overwrite)
    return path
