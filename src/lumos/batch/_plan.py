"""Which files to read and where each result goes.

Rules (what a user of a batch tool expects):

* an input may be a file or a folder; folders are scanned for image suffixes,
  ``--recursive`` descends into subfolders and mirrors them under ``-o``;
* with ``-o OUTDIR`` the result of ``a/b/photo.jpg`` is ``OUTDIR/photo.jpg``;
  without it, ``a/b/photo_lumos.jpg`` beside the input;
* an input is never overwritten, not even with ``--overwrite``; an existing
  output is kept and its photo skipped unless ``--overwrite``; two inputs never
  share an output;
* ``lumos batch`` instead asks its record (:mod:`lumos.batch._manifest`): an
  existing output recorded with the same settings is done and its photo
  skipped, so a stopped batch is resumed by running it again; the outputs it
  recorded are never taken as inputs (``-o`` the input folder itself).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..io import SUPPORTED_SUFFIXES

if TYPE_CHECKING:
    from ._manifest import Manifest

__all__ = [
    "SUFFIX_FOR_FORMAT",
    "WRITABLE_SUFFIXES",
    "BatchPlan",
    "Failure",
    "Job",
    "collect_inputs",
    "plan_batch",
    "plan_outputs",
]

OUTPUT_TAG = "_lumos"

SUFFIX_FOR_FORMAT = {"png": ".png", "jpg": ".jpg", "jpeg": ".jpg", "tiff": ".tif", "webp": ".webp"}

# Inputs whose format lumos can read but not write get a writable default.
_FALLBACK_SUFFIX = {".heic": ".jpg", ".heif": ".jpg"}
WRITABLE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})


@dataclass(frozen=True)
class Job:
    """One input file and the output it will produce."""

    source: Path
    output: Path


@dataclass(frozen=True)
class Failure:
    """An input that cannot be processed, with a one-line reason."""

    source: str
    reason: str


@dataclass(frozen=True)
class _Found:
    path: Path
    relative_dir: Path  # subfolder below a folder input (mirrored under -o)


def _is_own_output(path: Path) -> bool:
    return path.stem.endswith(OUTPUT_TAG)


def _os_reason(exc: OSError) -> str:
    """The system's words for ``exc`` ("Permission denied"), without the path it names."""
    return exc.strerror or type(exc).__name__


def _scan_folder(
    folder: Path, recursive: bool, skip: Path | None, skip_files: frozenset[Path]
) -> tuple[list[_Found], list[Failure]]:
    """The images in ``folder``, and a failure for each folder or file that could not be read.

    A subfolder that cannot be listed, or a photo whose folder may not be searched,
    is named with its reason (the run then exits 1), never dropped without a word:
    ``os.walk`` skips an unreadable folder silently unless told where to report it.
    """
    found: list[_Found] = []
    failures: list[Failure] = []

    def unreadable(exc: OSError) -> None:
        where = exc.filename if exc.filename is not None else folder
        failures.append(Failure(str(where), f"cannot list folder: {_os_reason(exc)}"))

    walker: Iterable[tuple[str, list[str], list[str]]]
    if recursive:
        walker = os.walk(folder, onerror=unreadable)
    else:
        try:
            walker = [(str(folder), [], os.listdir(folder))]
        except OSError as exc:
            unreadable(exc)
            walker = []
    for dirpath, dirnames, filenames in walker:
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".") and (skip is None or (Path(dirpath) / d).resolve() != skip)
        )
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if name.startswith(".") or p.suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            if _is_own_output(p):
                continue
            try:
                if not p.is_file():
                    continue
            except OSError as exc:  # a folder listed but not searchable: name the photo
                failures.append(Failure(str(p), f"cannot open: {_os_reason(exc)}"))
                continue
            if skip_files and p.resolve() in skip_files:
                continue
            found.append(_Found(p, p.parent.relative_to(folder)))
    return found, failures


def _input_kind(path: Path) -> tuple[bool, str | None]:
    """(is a folder, why it cannot be used or ``None``) for an input named on the line.

    One ``stat``: ``Path.exists`` raises on a photo in a folder without search
    permission (aborting the whole run) and calls a symlink loop "no such file".
    """
    try:
        return stat.S_ISDIR(path.stat().st_mode), None
    except (FileNotFoundError, NotADirectoryError):
        return False, "no such file or folder"
    except OSError as exc:
        return False, f"cannot open: {_os_reason(exc)}"
    except ValueError:  # an embedded NUL byte
        return False, "no such file or folder"


def collect_inputs(
    inputs: list[str],
    *,
    recursive: bool,
    outdir: Path | None = None,
    skip_files: frozenset[Path] = frozenset(),
) -> tuple[list[_Found], list[Failure]]:
    """Expand files and folders into image files, in a stable order.

    Files named explicitly are always taken (their content decides whether they
    are images); files in folders are taken by suffix, skipping lumos' own
    ``*_lumos.*`` outputs, hidden files and, with ``--recursive``, the output
    folder when it lies inside an input folder (``-o shoot/out -r shoot/``: the
    results of a first run are not enhanced again by the second). Files in
    ``skip_files`` (resolved paths: the outputs a batch record lists) are
    skipped in folders too. An input, subfolder or photo that cannot be read is
    a failure of its own; the others are still taken.
    """
    skip = None if outdir is None else outdir.resolve()
    found: list[_Found] = []
    failures: list[Failure] = []
    seen: set[Path] = set()
    for raw in inputs:
        path = Path(raw)
        is_dir, reason = _input_kind(path)
        if reason is not None:
            failures.append(Failure(raw, reason))
            continue
        if is_dir:
            items, unreadable = _scan_folder(path, recursive, skip, skip_files)
            failures += unreadable
            if not items and not unreadable:
                hint = "" if recursive else " (use --recursive to look in subfolders)"
                failures.append(Failure(raw, f"no images found in this folder{hint}"))
            candidates = items
        else:
            candidates = [_Found(path, Path())]
        for item in candidates:
            key = item.path.resolve()
            if key not in seen:
                seen.add(key)
                found.append(item)
    return found, failures


def _output_suffix(source: Path, fmt: str | None) -> str:
    if fmt is not None:
        return SUFFIX_FOR_FORMAT[fmt]
    suffix = source.suffix
    lower = suffix.lower()
    if lower in _FALLBACK_SUFFIX:
        return _FALLBACK_SUFFIX[lower]
    if lower in SUPPORTED_SUFFIXES and lower not in WRITABLE_SUFFIXES:
        return ".tif"  # camera RAW: keep its 16 bits
    return suffix or ".png"


def plan_outputs(
    found: list[_Found],
    *,
    outdir: Path | None,
    fmt: str | None,
    overwrite: bool,
    output_file: Path | None = None,
) -> tuple[list[Job], list[Failure], list[Job]]:
    """Decide each output path and refuse the unsafe ones.

    ``output_file`` names the output of a single photo (``-o night_bright.jpg``)
    instead of deriving it from ``outdir`` or the input's name.
    Returns the jobs to run, the inputs refused (with why), and the jobs whose
    output already exists (without ``overwrite``: kept, and the photo skipped).
    """
    if output_file is not None and len(found) > 1:
        raise ValueError("an output file name is for one photo")
    inputs = {f.path.resolve() for f in found}
    claimed: dict[Path, Path] = {}
    jobs: list[Job] = []
    failures: list[Failure] = []
    existing: list[Job] = []
    for item in found:
        src = item.path
        suffix = _output_suffix(src, fmt)
        if output_file is not None:
            out = output_file
        elif outdir is None:
            out = src.with_name(f"{src.stem}{OUTPUT_TAG}{suffix}")
        else:
            out = outdir / item.relative_dir / f"{src.stem}{suffix}"
        key = out.resolve()
        if key in inputs:
            failures.append(Failure(str(src), f"output {out} would overwrite an input; choose -o"))
        elif key in claimed:
            failures.append(
                Failure(str(src), f"output {out} is already the output of {claimed[key]}")
            )
        else:
            try:
                exists = not overwrite and out.exists()  # one look at the disk per output
            except OSError as exc:  # "File name too long": this photo's failure, not the run's
                failures.append(Failure(str(src), f"output {out}: {exc.strerror or exc}"))
                continue
            claimed[key] = src
            (existing if exists else jobs).append(Job(src, out))
    return jobs, failures, existing


@dataclass(frozen=True)
class BatchPlan:
    """What a batch into one output folder will do."""

    jobs: list[Job]
    done: list[Job]  # outputs already there (without overwrite)
    failures: list[Failure]


def plan_batch(
    inputs: list[str],
    outdir: Path,
    *,
    recursive: bool,
    fmt: str | None,
    overwrite: bool,
    manifest: Manifest | None = None,
) -> BatchPlan:
    """Like ``lumos enhance -o OUTDIR``: which photos go where, and whose output exists.

    Without ``overwrite``, a photo whose output exists is put in ``done``, not
    in ``jobs``. Files that OUTDIR's batch record lists as outputs are not taken
    as inputs (``-o`` an input folder, ``--format png``: the second run does not
    read back the first one's results). ``manifest``: OUTDIR's record, if the
    caller has it open already (read once, for both).

    This plans only: it checks no settings and writes no record. ``lumos batch``
    also passes the plan through :func:`~lumos.batch.resume`, which trusts an
    output only when the record says it was made with the current settings.
    """
    from ._manifest import Manifest  # late: the record module imports this one

    recorded = frozenset((manifest or Manifest(outdir)).recorded_outputs())
    found, failures = collect_inputs(
        inputs, recursive=recursive, outdir=outdir, skip_files=recorded
    )
    todo, more, done = plan_outputs(found, outdir=outdir, fmt=fmt, overwrite=overwrite)
    return BatchPlan(todo, done, failures + more)
