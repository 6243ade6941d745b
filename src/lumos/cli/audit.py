"""``lumos audit-pairs LOW HIGH``: check a paired dataset before benchmarking on it.

Exit codes, so that a script can stop before benchmarking on bad data: 0 the
audit found nothing; 1 it found problems (misaligned pairs, odd exposures,
shared scenes...: the report is printed all the same) or a folder cannot be
read; 2 bad options (see :mod:`lumos.cli`).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from pathlib import Path

from ..eval.audit import AuditReport, audit_pairs
from . import _options

_EPILOG = """\
Exit codes: 0 no findings, 1 findings (the report is printed all the same) or a
folder cannot be read, 2 usage error.
"""

__all__ = ["add_parser", "format_report", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit-pairs",
        help="check a low/high image pair dataset (alignment, exposure, duplicates)",
        description="Check a paired low-light dataset: unreadable or unpaired files, size "
        "mismatches, misaligned pairs, exposure-ratio outliers and near-duplicate scenes "
        "(also against another folder, e.g. the training references).",
        epilog=_EPILOG,
    )
    p.add_argument("low", type=_options.path, metavar="LOW", help="folder of low-light images")
    p.add_argument(
        "high", type=_options.path, metavar="HIGH", help="folder of references (same stems)"
    )
    p.add_argument(
        "--against",
        type=_options.path,
        metavar="DIR",
        help="another folder of references; flag scenes that appear in both",
    )
    p.add_argument(
        "--shift-threshold",
        type=_options.positive_float,
        default=1.5,
        metavar="PX",
        help="flag pairs shifted by more than PX pixels (default 1.5)",
    )
    p.add_argument(
        "--duplicate-threshold",
        type=_correlation,
        default=0.9,
        metavar="R",
        help="thumbnail correlation above which two scenes match (default 0.9)",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(run=run)


def _correlation(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (exclusive), got {text}")
    return value


def _short(path: str) -> str:
    p = Path(path)
    return f"{p.parent.name}/{p.name}" if p.parent.name else p.name


def format_report(report: AuditReport) -> str:
    """The findings as a text table, then one summary line."""
    lines = []
    if report.findings:
        rows = [(f.kind, " ".join(_short(x) for x in f.files), f.detail) for f in report.findings]
        w_kind = max(len("kind"), *(len(r[0]) for r in rows))
        w_files = max(len("files"), *(len(r[1]) for r in rows))
        lines.append(f"{'kind':<{w_kind}}  {'files':<{w_files}}  detail")
        lines += [f"{k:<{w_kind}}  {fs:<{w_files}}  {d}" for k, fs, d in rows]
        lines.append("")
    shifts = [p.shift for p in report.pairs if p.shift == p.shift]  # drop nan
    log_ratios = [math.log(p.exposure_ratio) for p in report.pairs]
    counts = report.counts()
    found = ", ".join(f"{n} {k}" for k, n in counts.items()) if counts else "no findings"
    summary = f"{len(report.pairs)} pairs ({report.n_low} low, {report.n_high} high files)"
    if shifts:
        summary += f"; max shift {max(shifts):.2f} px"
    if log_ratios:
        summary += f"; median exposure ratio x{math.exp(statistics.median(log_ratios)):.1f}"
    if report.against is not None:
        summary += f"; compared with {report.n_against} images in {report.against}"
    lines.append(f"{summary}: {found}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    report = audit_pairs(
        args.low,
        args.high,
        against=args.against,
        shift_threshold=args.shift_threshold,
        duplicate_threshold=args.duplicate_threshold,
    )
    print(json.dumps(report.to_dict(), indent=2) if args.json else format_report(report))
    return 1 if report.findings else 0
