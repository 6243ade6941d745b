"""``lumos enhance INPUT... [-o OUTDIR]``: enhance files and folders."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import sys
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from multiprocessing.context import BaseContext
from pathlib import Path

from ..batch import (
    SUFFIX_FOR_FORMAT,
    WRITABLE_SUFFIXES,
    Failure,
    FileReport,
    Job,
    collect_inputs,
    enhance_file,
    plan_outputs,
    report_path,
)
from ..config import (
    DEHAZER_CHOICES,
    EXPOSURE_CHOICES,
    LIGHT_CHOICES,
    UPSCALER_CHOICES,
    EnhanceOptions,
    TilingOptions,
)
from ..errors import LumosError, OptionError
from ..io import SUPPORTED_SUFFIXES, format_for_suffix, remove_stale_temp_files
from ..io._formats import RAW_SUFFIXES
from ..models import available_models, default_model
from ..pipeline import default_workers
from . import _options
from ._progress import ProgressBar

__all__ = [
    "add_output_options",
    "add_parser",
    "add_pipeline_options",
    "check_outdir",
    "clean_stale_temp_files",
    "make_outdir",
    "one_line",
    "options_from_args",
    "pool_context",
    "print_failure",
    "run",
]

_EPILOG = """\
examples:
  lumos enhance night.jpg                      -> night_lumos.jpg beside it
  lumos enhance night.jpg -o out/              -> out/night.jpg
  lumos enhance photos/ -o out/ --recursive    mirrors subfolders under out/
  lumos enhance a.png --denoise 0.9 --detail 0.2 --brightness 0.45
  lumos enhance raw.dng --format tiff          16-bit TIFF (needs lumos[raw])
  lumos enhance small.jpg --scale 2            enhance and enlarge 2x per side
  lumos enhance backlit.jpg --shadows 0.8      open up the shade under a bright sky
  lumos enhance snow.jpg --exposure darken     bring down highlights the verdict left

--denoise and --detail default to 'auto': chosen from the noise lumos measures;
--shadows 'auto' lifts shadows only where part of the photo is in full light.
A photo whose output exists is skipped (--overwrite replaces it); an input is never
overwritten. Exit codes: 0 all done (or skipped), 1 some files failed (the rest are
still processed), 2 usage error.
"""

# Images above this size get a per-tile progress bar of their own.
_LARGE_MEGAPIXELS = 4.0


def add_pipeline_options(p: argparse.ArgumentParser) -> None:
    """Options that steer the pipeline; shared by ``enhance`` and ``eval``."""
    p.add_argument(
        "--model",
        choices=available_models(),
        default=default_model(),
        help="enhancer to use (default: %(default)s; classical: no network, no learned weights)",
    )
    p.add_argument(
        "--denoise",
        type=_options.denoise_or_auto,
        default=None,
        metavar="0..2|auto",
        help="denoise strength: 0 keeps the grain, 1 removes the noise lumos measures, "
        "up to 2 smooths more (default: auto, from the measured noise)",
    )
    p.add_argument(
        "--detail",
        type=_options.unit_or_auto,
        default=None,
        metavar="0..1|auto",
        help="detail/sharpening strength (default: auto)",
    )
    p.add_argument(
        "--brightness",
        type=_options.brightness,
        default=None,
        metavar="auto|MEAN",
        help="target mean brightness 0.05..0.95, or 13..242 in 8-bit units (default: auto)",
    )
    p.add_argument(
        "--shadows",
        type=_options.unit_or_auto,
        default=None,
        metavar="0..1|auto",
        help="open up dark shadows: 0 leaves them, 1 lifts them most (default: auto, "
        "only where part of the photo is in full light and part in deep shadow)",
    )
    p.add_argument(
        "--dehaze",
        type=_options.unit_or_auto,
        default=None,
        metavar="auto|0..1",
        help="remove haze before brightening: 0 never, 1 fully (default: auto, only where "
        "the haze verdict of `lumos info` says hazy)",
    )
    p.add_argument(
        "--dehazer",
        choices=DEHAZER_CHOICES,
        default="auto",
        help="how to remove haze: the learned net, the dark channel prior (dcp), or the "
        "net when installed (auto, the default)",
    )
    p.add_argument(
        "--exposure",
        choices=EXPOSURE_CHOICES,
        default="auto",
        help="which way to correct exposure: darken an over-exposed photo and brighten a "
        "dark one (auto, the default), brighten only (never darken), or darken the "
        "highlights even where the verdict of `lumos info` would not",
    )
    p.add_argument(
        "--light",
        choices=LIGHT_CHOICES,
        default="auto",
        help="brightening strategy: one global curve (uniform), local illumination "
        "(uneven), or what the light classifier says (auto, the default)",
    )
    p.add_argument(
        "--weights",
        metavar="PATH",
        default=None,
        help="checkpoint for --model mirnet (a .pth file) or alen (a folder of .pt files)",
    )
    _options.add_max_megapixels(p)
    p.add_argument(
        "--tile",
        type=_options.tile_size,
        default=TilingOptions().tile,
        help="tile size in pixels, 0 = whole image (default %(default)s)",
    )


def add_output_options(p: argparse.ArgumentParser) -> None:
    """Where and how results are written; shared by ``enhance`` and ``batch``."""
    p.add_argument("-r", "--recursive", action="store_true", help="look into subfolders")
    p.add_argument(
        "--format", choices=sorted(set(SUFFIX_FOR_FORMAT) - {"jpeg"}), help="output format"
    )
    p.add_argument(
        "--quality",
        type=_options.int_range(1, 100),
        default=95,
        help="JPEG/WEBP quality 1..100 (default 95)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace existing outputs (without it their photos are skipped)",
    )
    p.add_argument(
        "--scale",
        type=_options.scale,
        default=1,
        metavar="1|2|4",
        help="enlarge the result this many times per side, noise-aware (default 1)",
    )
    p.add_argument(
        "--upscaler",
        choices=UPSCALER_CHOICES,
        default="auto",
        help="how --scale enlarges: the learned net, Lanczos with noise-gated sharpening "
        "(classical), or the net when installed (auto, the default)",
    )


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "enhance",
        help="brighten, denoise and sharpen photos",
        description="Brighten, denoise and sharpen dark photos; metadata is kept.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "inputs", nargs="+", type=_options.nonempty, metavar="INPUT", help="image files or folders"
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="OUTDIR",
        type=_options.path,
        help="write results in this folder (for one photo, a file name such as out.jpg: that file)",
    )
    add_output_options(p)
    p.add_argument(
        "--report",
        action="store_true",
        help="also write an explain report (<output>_explain.html) for each photo",
    )
    add_pipeline_options(p)
    p.add_argument(
        "-j",
        "--jobs",
        type=_options.int_range(1, 64),
        default=1,
        help="files in parallel (for thousands of files: lumos batch)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    p.set_defaults(run=run)


def options_from_args(args: argparse.Namespace) -> EnhanceOptions:
    """Validated :class:`EnhanceOptions` from the shared pipeline options."""
    return EnhanceOptions(
        model=args.model,
        denoise=args.denoise,
        detail=args.detail,
        brightness=args.brightness,
        shadows=getattr(args, "shadows", None),
        dehaze=getattr(args, "dehaze", None),
        dehazer=getattr(args, "dehazer", "auto"),
        max_megapixels=args.max_megapixels,
        tiling=TilingOptions(tile=args.tile),
        light=getattr(args, "light", "auto"),
        exposure=getattr(args, "exposure", "auto"),
        weights=getattr(args, "weights", None),
        scale=getattr(args, "scale", 1),
        upscaler=getattr(args, "upscaler", "auto"),
    )


def _tile_bar(source: Path, megapixels: float) -> ProgressBar | None:
    """A bar of its own for the tiles of a large photo."""
    if megapixels < _LARGE_MEGAPIXELS:
        return None
    return ProgressBar(1, f"{source.name} ({megapixels:.0f} MP)")


_OTHER_IMAGE_SUFFIXES = frozenset(
    {".gif", ".avif", ".jxl", ".jp2", ".ico", ".svg", ".psd", ".apng", ".tga", ".exr"}
)
"""Image files lumos neither reads nor writes: ``-o x.gif`` means a file all the same
(it made a folder ``x.gif/``), and is refused as one lumos cannot write."""


def output_file(args: argparse.Namespace) -> Path | None:
    """``-o`` as the output file of one photo (``-o night_bright.jpg``), else ``None``.

    An ``-o`` with an image suffix that is not an existing folder names a file: a
    folder called ``result.png/`` is never what was meant. It takes one photo, in a
    format lumos writes, and agrees with ``--format``.
    """
    out: Path | None = args.output
    if out is None or out.is_dir():
        return None
    suffix = out.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES and suffix not in _OTHER_IMAGE_SUFFIXES:
        return None
    if suffix not in WRITABLE_SUFFIXES:
        raise OptionError(
            f"-o {out}: lumos cannot write {out.suffix} files; use .jpg, .png or .tif"
        )
    if len(args.inputs) != 1 or Path(args.inputs[0]).is_dir():
        raise OptionError(
            f"-o {out}: a file name takes one photo; for several, or a folder, -o names a folder"
        )
    if args.format and format_for_suffix(args.format) != format_for_suffix(out.suffix):
        raise OptionError(f"-o {out} is a {out.suffix} file but --format says {args.format}")
    return out


def check_outdir(outdir: Path) -> None:
    """Refuse an ``-o`` that exists and is not a folder (a usage error)."""
    if outdir.exists() and not outdir.is_dir():
        raise OptionError(f"-o {outdir}: exists and is not a folder")


def make_outdir(outdir: Path) -> None:
    """Create ``-o`` (and its parents); one clear error when that is not possible."""
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = f"cannot create output folder: {exc.strerror or exc}"
        raise LumosError(reason, path=outdir) from None


def clean_stale_temp_files(folders: Iterable[Path], *, quiet: bool) -> None:
    """Remove the partial files a killed run left in the folders this run writes to, and
    say so (:func:`lumos.io.remove_stale_temp_files`); a folder not there yet has none."""
    for folder in sorted(set(folders)):
        removed = remove_stale_temp_files(folder)
        if removed and not quiet:
            n = len(removed)
            what = "partial file" if n == 1 else "partial files"
            print(f"{folder}: removed {n} {what} (.lumos-*) that an interrupted run left")


def one_line(text: str) -> str:
    """``text`` with its control characters escaped (a newline as ``\\n``).

    A file name may hold a newline; printed as it is, it split a one-line error
    in two, and a script reading one failure per line misread both halves.
    """
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


def print_failure(source: str | Path, reason: str) -> None:
    print(one_line(f"lumos: {source}: {reason}"), file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Enhance every input; returns 0, or 1 if any failed."""
    options = options_from_args(args)
    if args.report:
        _require_report_extra()
    target = output_file(args)
    outdir: Path | None = None if target is not None else args.output
    if outdir is not None:
        check_outdir(outdir)
    found, failures = collect_inputs(args.inputs, recursive=args.recursive, outdir=outdir)
    jobs, more, skipped = plan_outputs(
        found, outdir=outdir, fmt=args.format, overwrite=args.overwrite, output_file=target
    )
    failures += more
    if args.report:
        jobs, shared = _one_report_each(jobs, skipped)
        failures += shared
    for f in failures:
        print_failure(f.source, f.reason)
    if not args.quiet:
        for job in skipped:
            print(f"{job.source} -> {job.output}  skipped (exists; --overwrite to replace)")
    new_folders = _missing_folders([j.output.parent for j in jobs])
    if outdir is not None and jobs:
        make_outdir(outdir)
    clean_stale_temp_files((j.output.parent for j in jobs), quiet=args.quiet)

    try:
        reports = _run_jobs(jobs, options, args)
    finally:
        _remove_empty(new_folders)  # every photo of a folder failed: leave no empty folder
    ok = [r for r in reports if r.error is None]
    bad = [r for r in reports if r.error is not None]
    if not args.quiet:
        total = len(ok) + len(bad) + len(failures) + len(skipped)
        summary = f"{len(ok)} of {total} enhanced"
        if skipped:
            summary += f", {len(skipped)} skipped (output exists; --overwrite to replace)"
        if bad or failures:
            summary += f", {len(bad) + len(failures)} failed"
        print(summary)
    return 1 if (bad or failures or not (jobs or skipped)) else 0


def _require_report_extra() -> None:
    """Refuse ``--report`` up front when matplotlib is missing.

    Found only after a photo was written, it would fail that photo, and the next
    run would skip it (its output exists) and never make the report.
    """
    try:
        import matplotlib.figure  # noqa: F401  # what lumos.report draws with
    except ImportError:
        raise OptionError(
            "--report needs the 'report' extra (matplotlib): pip install 'lumos[report]'"
        ) from None


def _one_report_each(jobs: list[Job], skipped: list[Job]) -> tuple[list[Job], list[Failure]]:
    """Refuse, before any work, a photo whose explain report another photo writes.

    ``a.jpg`` and ``a.png`` have outputs of their own but one ``a_explain.html``:
    found only when writing it, the second photo would fail after its output was
    written (the next run would skip it and never make its report), or with
    ``--overwrite`` replace the first photo's report.
    """
    claimed = {report_path(j.output).resolve(): j.source for j in skipped}
    kept: list[Job] = []
    refused: list[Failure] = []
    for job in jobs:
        html = report_path(job.output)
        if (key := html.resolve()) in claimed:
            reason = f"report {html} is already the report of {claimed[key]}"
            refused.append(Failure(str(job.source), reason))
        else:
            claimed[key] = job.source
            kept.append(job)
    return kept, refused


def _missing_folders(folders: list[Path]) -> list[Path]:
    """The folders (and parents) that do not exist yet, deepest first."""
    missing: set[Path] = set()
    for folder in folders:
        while not folder.exists() and folder not in missing and folder != folder.parent:
            missing.add(folder)
            folder = folder.parent
    return sorted(missing, key=lambda p: len(p.parts), reverse=True)


def _remove_empty(folders: list[Path]) -> None:
    """Remove those of ``folders`` (made by this run, deepest first) that stayed empty."""
    for folder in folders:
        with suppress(OSError):
            folder.rmdir()  # refuses a folder that is not empty


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with_parent(parent: int) -> None:
    """Have the kernel send SIGTERM to this process when its parent dies (Linux).

    A ``--jobs`` worker whose parent was killed (SIGKILL, or SIGTERM, which the
    parent does not catch) went on enhancing the photos already handed to it and
    then waited for ever on a queue nobody reads, holding its memory. Elsewhere
    nothing is done: the pool's own checks are all there is.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl to be found: behave as elsewhere
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os.kill(os.getpid(), signal.SIGTERM)


def _init_worker(parent: int) -> None:
    """Run in each ``--jobs`` worker process: Ctrl-C is the parent's to handle, and the
    worker dies with its parent.

    A terminal sends Ctrl-C to the whole process group; an idle worker would die
    printing a KeyboardInterrupt traceback, a busy one would drop its photo and
    take the next.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)


_WORKER_DIED = "a --jobs worker process died (out of memory?); run again to resume"


def _result(fut: Future[FileReport], job: Job) -> FileReport:
    """The report of a ``--jobs`` task; a failure when its worker process was killed.

    The pool is then broken: this photo and every one not finished yet fail with
    this line, where the run stopped with an "internal error" naming none of them.
    """
    try:
        return fut.result()
    except BrokenProcessPool:
        return FileReport(job.source, None, _WORKER_DIED, 0.0)


def pool_context(jobs: list[Job]) -> BaseContext | None:
    """How ``--jobs`` starts its workers: forked, unless a photo is camera RAW.

    LibRaw (rawpy) runs on OpenMP, whose threads do not survive a fork: each forked
    worker printed a three-line OpenMP warning. Spawned workers start clean, and
    are still children of this process (so they die with it).
    """
    if any(j.source.suffix.lower() in RAW_SUFFIXES for j in jobs):
        return multiprocessing.get_context("spawn")
    return None


def _run_jobs(
    jobs: list[Job], options: EnhanceOptions, args: argparse.Namespace
) -> list[FileReport]:
    reports: list[FileReport] = []
    bar = ProgressBar(len(jobs), "enhancing", enabled=not args.quiet and len(jobs) > 1)

    def done(report: FileReport) -> None:
        reports.append(report)
        bar.clear()
        if report.error is not None:
            print_failure(report.source, report.error)
        elif not args.quiet:
            print(f"{report.source} -> {report.output}  ({report.seconds:.1f} s)")
        bar.update(len(reports), label=report.source.name)

    kw = {
        "fmt": args.format,
        "quality": args.quality,
        "overwrite": args.overwrite,
        "report": args.report,
    }
    if args.jobs <= 1 or len(jobs) <= 1:
        tiles = None if args.quiet else _tile_bar
        for job in jobs:
            done(enhance_file(job, options, workers=None, tile_progress=tiles, **kw))
    else:
        # Files in parallel processes (each one a whole pipeline); the tiles of one
        # file then share the remaining cores.
        per_file = max(1, default_workers() // args.jobs)
        with ProcessPoolExecutor(
            max_workers=args.jobs,
            mp_context=pool_context(jobs),
            initializer=_init_worker,
            initargs=(os.getpid(),),
        ) as pool:
            futures = {
                pool.submit(enhance_file, job, options, workers=per_file, **kw): job for job in jobs
            }
            try:
                for fut in as_completed(futures):
                    done(_result(fut, futures[fut]))
            except BaseException:
                # Ctrl-C: drop the photos not started (leaving the `with` alone would
                # wait for the workers to enhance every one of them); those running
                # are finished, whole, as `lumos batch` does.
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    bar.clear()
    return reports
