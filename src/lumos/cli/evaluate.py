"""``lumos eval``: score a pipeline configuration (or a baseline) on paired or unpaired photos."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..eval.harness import Summary, evaluate, find_images, find_pairs
from ..pipeline import run_pipeline
from .enhance import add_pipeline_options, options_from_args

__all__ = ["add_parser", "format_summary", "run"]

_EPILOG = """\
examples:
  lumos eval --pairs LOL/eval15/low LOL/eval15/high
  lumos eval --pairs low/ high/ --denoise 0.8 --downstream --json scores.json
  lumos eval --unpaired dicm/ --baseline clahe

PSNR and SSIM are plain (8-bit RGB, no rescaling). 'PSNR gt-mean' rescales the
output to the reference's mean brightness first, as some papers do; it is shown
only for comparison with them and is not lumos' score.
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
    src.add_argument("--pairs", nargs=2, type=Path, metavar=("LOWDIR", "HIGHDIR"))
    src.add_argument("--unpaired", type=Path, metavar="DIR")
    p.add_argument(
        "--baseline",
        choices=("identity", "gamma", "clahe"),
        help="score a simple baseline instead of lumos",
    )
    add_pipeline_options(p)
    p.add_argument("--downstream", action="store_true", help="keypoint inliers vs reference")
    p.add_argument("--no-niqe", action="store_true", help="skip NIQE (faster)")
    p.add_argument("--save", type=Path, metavar="DIR", help="save outputs as PNG here")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write all scores as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="print the means only")
    p.set_defaults(run=run)


def _fmt(v: float | int | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def format_summary(summary: Summary, *, per_image: bool = True) -> str:
    """A plain-text table: one row per image, then the mean."""
    head = (
        f"{'image':<16}{'PSNR':>7}{'SSIM':>7}{'gt-mean':>9}{'NIQE':>7}{'mean':>6}"
        f"{'clip%':>7}{'noise':>7}{'cast':>6}{'inl':>6}{'s/MP':>7}"
    )
    rows = [head]

    def row(name: str, d: dict) -> str:
        return (
            f"{name[:15]:<16}{_fmt(d.get('psnr'), '7.2f')}{_fmt(d.get('ssim'), '7.3f')}"
            f"{_fmt(d.get('psnr_gt_mean'), '9.2f')}{_fmt(d.get('niqe'), '7.2f')}"
            f"{d['mean_luminance'] * 255:6.0f}{d['clipped_fraction'] * 100:7.2f}"
            f"{d['residual_noise'] * 255:7.2f}{d['colour_cast']:6.1f}"
            f"{_fmt(d.get('inliers'), '6.0f')}{_fmt(d.get('seconds_per_mp'), '7.3f')}"
        )

    if per_image:
        for s in summary.scores:
            d = dict(s.__dict__, seconds_per_mp=s.seconds / max(s.megapixels, 1e-9))
            rows.append(row(s.name, d))
    rows.append(row("mean", summary.mean))
    rows.append(
        f"{len(summary.scores)} images; peak RSS {summary.peak_rss_mb:.0f} MB; mean "
        "brightness and noise in 8-bit units; cast = grey-world chroma (dE)"
    )
    return "\n".join(rows)


def run(args: argparse.Namespace) -> int:
    if args.pairs:
        items = [(a, b) for a, b in find_pairs(*args.pairs)]
    else:
        items = [(p, None) for p in find_images(args.unpaired)]
    if args.baseline:
        from ..eval.baselines import get_baseline

        method = get_baseline(args.baseline)
    else:
        options = options_from_args(args)

        def method(rgb):
            return run_pipeline(rgb, options).rgb

    def progress(done: int, total: int, name: str) -> None:
        if not args.quiet and sys.stderr.isatty():
            print(f"\r{done}/{total} {name}\033[K", end="", file=sys.stderr, flush=True)

    summary = evaluate(
        method,
        items,
        with_niqe=not args.no_niqe,
        downstream=args.downstream,
        save_to=args.save,
        progress=progress,
    )
    if not args.quiet and sys.stderr.isatty():
        print("\r\033[K", end="", file=sys.stderr)
    print(format_summary(summary, per_image=not args.quiet))
    if args.json:
        args.json.write_text(json.dumps(summary.to_dict(), indent=2))
    return 0
