"""``lumos eval``: score a pipeline configuration (or a baseline) on paired or unpaired photos."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..errors import OptionError, OutputError
from ..eval.harness import Summary, evaluate, find_images, find_pairs, pipeline_method
from ..io import atomic_write
from . import _options
from .enhance import add_pipeline_options, options_from_args, print_failure

__all__ = ["add_parser", "format_summary", "run"]

_EPILOG = """\
examples:
  lumos eval --pairs LOL/eval15/low LOL/eval15/high
  lumos eval --pairs low/ high/ --denoise 0.8 --downstream --json scores.json
  lumos eval --unpaired dicm/ --baseline clahe
  lumos eval --pairs under/ over/ --downstream --enhance-both   one scene, two exposures

PSNR and SSIM are plain (8-bit RGB, no rescaling). 'PSNR gt-mean' rescales the
output to the reference's mean brightness first, as some papers do; it is shown
only for comparison with them and is not lumos' score.

A file that cannot be read, or a pair whose sizes differ, is named with its
reason and left out of the means; the others are still scored. Exit codes: 0 all
scored, 1 some could not be, 2 usage error.
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="score enhancement on paired or unpaired photos",
        description="Score lumos (any model and options) or a baseline on a folder of "
        "photos: PSNR/SSIM against references, NIQE, exposure, noise, colour cast, speed.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--pairs", nargs=2, type=_options.path, metavar=("LOWDIR", "HIGHDIR"))
    src.add_argument("--unpaired", type=_options.path, metavar="DIR")
    p.add_argument(
        "--baseline",
        choices=("identity", "gamma", "clahe"),
        help="score a simple baseline instead of lumos",
    )
    add_pipeline_options(p)
    p.add_argument("--downstream", action="store_true", help="keypoint inliers vs reference")
    p.add_argument(
        "--enhance-both",
        action="store_true",
        help="with --downstream and --pairs: the second folder holds the same scenes at "
        "another exposure; enhance both and count inliers between the two outputs",
    )
    p.add_argument("--no-niqe", action="store_true", help="skip NIQE (faster)")
    p.add_argument(
        "--save", type=_options.path, metavar="DIR", help="save outputs as DIR/<stem>.png"
    )
    p.add_argument(
        "--json", type=_options.path, metavar="FILE", help="also write all scores as JSON"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print the means only")
    p.set_defaults(run=run)


# (title, key, width, format, factor): every cell is right-aligned after at least one
# space, so an empty cell ("-") or a wide value never runs into its neighbour.
_COLUMNS = (
    ("PSNR", "psnr", 7, ".2f", 1.0),
    ("SSIM", "ssim", 7, ".3f", 1.0),
    ("gt-mean", "psnr_gt_mean", 9, ".2f", 1.0),
    ("NIQE", "niqe", 7, ".2f", 1.0),
    ("mean", "mean_luminance", 6, ".0f", 255.0),
    ("ref", "reference_luminance", 5, ".0f", 255.0),
    ("clip%", "clipped_fraction", 7, ".2f", 100.0),
    ("noise", "residual_noise", 7, ".2f", 255.0),
    ("cast", "colour_cast", 6, ".1f", 1.0),
    ("inl", "inliers", 6, ".0f", 1.0),
    ("s/MP", "seconds_per_mp", 7, ".3f", 1.0),
)
_NAME_WIDTH = 16


def _cell(value: float | int | None, width: int, spec: str, factor: float) -> str:
    text = "-" if value is None else format(value * factor, spec)
    return " " + text.rjust(width - 1)


def format_summary(summary: Summary, *, per_image: bool = True) -> str:
    """A plain-text table: one row per image, then the mean."""
    head = f"{'image':<{_NAME_WIDTH}}" + "".join(" " + t.rjust(w - 1) for t, _, w, _, _ in _COLUMNS)
    rows = [head]

    def row(name: str, d: dict) -> str:
        cells = "".join(_cell(d.get(k), w, spec, f) for _, k, w, spec, f in _COLUMNS)
        return f"{name[: _NAME_WIDTH - 1]:<{_NAME_WIDTH}}" + cells

    if per_image:
        for s in summary.scores:
            d = dict(s.__dict__, seconds_per_mp=s.seconds / max(s.megapixels, 1e-9))
            rows.append(row(s.name, d))
    if summary.scores:
        rows.append(row("mean", summary.mean))
    failed = f" ({len(summary.failures)} failed, not in the means)" if summary.failures else ""
    rows.append(
        f"{len(summary.scores)} images{failed}; peak RSS {summary.peak_rss_mb:.0f} MB; mean "
        "brightness (of the output; ref: of the reference) and noise in 8-bit units; "
        "cast = grey-world chroma (dE)"
    )
    return "\n".join(rows)


def _check_outputs(args: argparse.Namespace, items: list[tuple[Path, Path | None]]) -> None:
    """Refuse unusable --save / --json before minutes of scoring, and never write over an input."""
    inputs = {_inode(p) for pair in items for p in pair if p is not None}
    if args.save is not None:
        if args.save.exists() and not args.save.is_dir():
            raise OptionError(f"--save {args.save}: exists and is not a folder")
        # Made when the first photo is saved: the folder that will hold it must let us.
        folder = next(p for p in (args.save, *args.save.parents) if p.exists())
        if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
            raise OutputError(f"--save {args.save}: {folder} is not a writable folder")
        saved: dict[Path, Path] = {}
        for src, _ in items:
            target = args.save / f"{src.stem}.png"
            if _inode(target) in inputs:
                raise OutputError(
                    f"--save would overwrite the input {target}; choose another folder"
                )
            if target in saved:  # a.jpg and a.png: the second would replace the first
                raise OutputError(
                    f"--save would write both {saved[target].name} and {src.name} to {target}"
                )
            saved[target] = src
    if args.json is not None:
        target, folder = args.json, args.json.parent
        problem = None
        if target.is_dir():
            problem = "is a folder, not a file name"
        elif not folder.is_dir():
            problem = f"output folder {folder} does not exist"
        elif not os.access(folder, os.W_OK):
            problem = f"output folder {folder} is not writable"
        elif _inode(target) in inputs:
            problem = "would overwrite an input; choose another file"
        if problem:
            raise OutputError(f"--json {target}: {problem}")


def _inode(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def run(args: argparse.Namespace) -> int:
    if args.enhance_both and not (args.downstream and args.pairs):
        raise OptionError("--enhance-both needs --downstream and --pairs")
    if args.pairs:
        items: list[tuple[Path, Path | None]] = [(a, b) for a, b in find_pairs(*args.pairs)]
    else:
        items = [(p, None) for p in find_images(args.unpaired)]
    _check_outputs(args, items)
    if args.baseline:
        from ..eval.baselines import get_baseline

        method = get_baseline(args.baseline)
    else:
        method = pipeline_method(options_from_args(args))

    def progress(done: int, total: int, name: str) -> None:
        if not args.quiet and sys.stderr.isatty():
            print(f"\r{done}/{total} {name}\033[K", end="", file=sys.stderr, flush=True)

    def failed(path: Path, reason: str) -> None:
        if not args.quiet and sys.stderr.isatty():
            print("\r\033[K", end="", file=sys.stderr)
        print_failure(path, reason)

    summary = evaluate(
        method,
        items,
        with_niqe=not args.no_niqe,
        downstream=args.downstream,
        enhance_both=args.enhance_both,
        save_to=args.save,
        progress=progress,
        on_failure=failed,
    )
    if not args.quiet and sys.stderr.isatty():
        print("\r\033[K", end="", file=sys.stderr)
    print(format_summary(summary, per_image=not args.quiet))
    if args.json:
        data = json.dumps(summary.to_dict(), indent=2).encode("utf-8")
        atomic_write(args.json, lambda f: f.write(data), overwrite=True)
    return 1 if summary.failures or not summary.scores else 0
