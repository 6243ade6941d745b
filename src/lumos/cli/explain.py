"""``lumos explain IMAGE``: an HTML report of how lumos enhanced one photo, and why."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from ..errors import InputError, OutputError
from ..io import same_file
from . import _options
from .enhance import add_pipeline_options, make_outdir, options_from_args

__all__ = ["add_parser", "default_output", "run"]

_EPILOG = """\
examples:
  lumos explain night.jpg                     -> night_explain.html beside it
  lumos explain night.jpg -o report.html
  lumos explain night.jpg -o reports/         -> reports/night_explain.html (folder made)
  lumos explain night.jpg --denoise 0.9       explain a run with your own settings

The report is one HTML file (pictures embedded, nothing loaded from the network):
what lumos measured, each stage's output with noise and sharpness before/after,
100% crops, the noise-vs-detail trade-off at several settings, and the model card.
Needs the 'report' extra (matplotlib). Exit codes: 0 written, 1 failed, 2 usage error.
"""

SUFFIX = "_explain.html"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explain",
        help="write an HTML report of how a photo was enhanced",
        # Wrapped by hand: the raw formatter keeps the epilog's example columns as written.
        description="Enhance one photo and write a self-contained HTML report that shows,\n"
        "with numbers measured on your photo, how lumos brightened, denoised and sharpened it.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("image", type=_options.path, metavar="IMAGE")
    p.add_argument(
        "-o",
        "--output",
        type=_options.nonempty,
        metavar="REPORT",
        help=f"report file, or a folder (an existing one, or any path ending in '/'; "
        f"made if missing) for <stem>{SUFFIX} (default: beside the photo)",
    )
    p.add_argument(
        "--overwrite", action="store_true", help="replace an existing report (never the photo)"
    )
    add_pipeline_options(p)
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    p.set_defaults(run=run)


def _names_folder(output: str | Path) -> bool:
    """``-o`` means a folder when it exists as one or ends in a path separator."""
    text = os.fspath(output)
    seps = (os.sep, os.altsep) if os.altsep else (os.sep,)
    return text.endswith(seps) or Path(text).is_dir()


def default_output(image: Path, output: str | Path | None) -> Path:
    """Where the report goes: ``-o`` as given, inside ``-o`` if it names a folder, else beside.

    ``-o reports/`` (trailing slash) is a folder even before it exists.
    """
    name = image.stem + SUFFIX
    if output is None:
        return image.with_name(name)
    if _names_folder(output):
        return Path(output) / name
    return Path(output)


def run(args: argparse.Namespace) -> int:
    """Build and write the report; expected failures raise :class:`~lumos.errors.LumosError`."""
    from ..report import build_report, write_report

    t0 = time.perf_counter()
    options = options_from_args(args)
    image: Path = args.image
    if image.is_dir():
        raise InputError("is a folder; 'lumos explain' takes one photo", path=image)
    target = default_output(image, args.output)
    # Fail before minutes of work, not after; write_report checks again atomically.
    if same_file(target, image):  # whatever the flags: the photo is the user's, not ours
        raise OutputError("would overwrite the input photo; choose another -o", path=target)
    try:
        exists = target.exists()
    except OSError as exc:  # "File name too long", say
        raise OutputError(exc.strerror or str(exc), path=target) from None
    if exists and not args.overwrite:
        raise OutputError("exists; use --overwrite", path=target)
    into_folder = args.output is not None and _names_folder(args.output)
    if into_folder and target.parent.exists() and not target.parent.is_dir():
        raise OutputError("exists and is not a folder", path=target.parent)
    if not into_folder and not target.parent.is_dir():
        raise OutputError("output folder does not exist", path=target.parent)
    report = build_report(image, options=options)
    if into_folder:
        make_outdir(target.parent)
    write_report(report, target, overwrite=args.overwrite)
    if not args.quiet:
        print(f"{image} -> {target}  ({time.perf_counter() - t0:.1f} s)")
    return 0
