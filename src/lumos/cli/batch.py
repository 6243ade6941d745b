"""``lumos batch FOLDER... -o OUTDIR``: thousands of photos on Dask, resumable."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..batch import (
    Cluster,
    FileReport,
    Manifest,
    check_resume,
    plan_batch,
    require_dask,
    run_batch,
    settings_of,
)
from ..errors import OptionError
from . import _options
from ._progress import ProgressBar
from .enhance import (
    add_output_options,
    add_pipeline_options,
    check_outdir,
    make_outdir,
    options_from_args,
    print_failure,
)

__all__ = ["add_parser", "run"]

_EPILOG = """\
examples:
  lumos batch shoot/ -o out/ -r               a local Dask cluster, one worker per core
  lumos batch shoot/ -o out/ -r --workers 2   fewer workers (less memory)
  lumos batch /nfs/shoot -o /nfs/out --scheduler tcp://10.0.0.5:8786
                                              a Dask cluster you run (workers need
                                              lumos and the same paths)

Run it again to resume: photos whose output exists are skipped (--overwrite
redoes them). Every photo gets a line in OUTDIR/lumos_batch.jsonl: its output,
or why it failed, and what lumos measured.
Exit codes: 0 all done, 1 some files failed (the rest are still processed), 2 usage error.
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "batch",
        help="enhance thousands of photos on Dask (resumable)",
        description="Enhance folders of photos on a Dask cluster: a local one by default, "
        "or one you run. Resumable; one record line per photo.",
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
        required=True,
        help="write results here",
    )
    add_output_options(p)
    add_pipeline_options(p)
    engine = p.add_argument_group("where it runs")
    engine.add_argument(
        "--workers",
        type=_options.int_range(1, 256),
        default=None,
        help="worker processes of the local cluster (default: one per core)",
    )
    engine.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="address of a running Dask scheduler, e.g. tcp://host:8786 (default: start a "
        "local cluster)",
    )
    engine.add_argument(
        "--retries",
        type=_options.int_range(0, 10),
        default=1,
        help="times a photo is tried again after its worker died (default 1; local cluster)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Plan, check the folder's record, run on Dask; returns 0, or 1 if any photo failed."""
    options = options_from_args(args)
    if args.scheduler is not None and args.workers is not None:
        raise OptionError("--workers sizes a local cluster; leave it out with --scheduler")
    outdir: Path = args.output
    check_outdir(outdir)
    plan = plan_batch(
        args.inputs,
        outdir,
        recursive=args.recursive,
        fmt=args.format,
        overwrite=args.overwrite,
    )
    for f in plan.failures:
        print_failure(f.source, f.reason)
    manifest = Manifest(outdir)
    settings = settings_of(options, fmt=args.format, quality=args.quality)
    check_resume(manifest, settings, resuming=bool(plan.done))
    if not args.quiet and plan.done:
        print(f"{len(plan.done)} already done in {outdir} (skipped; --overwrite redoes them)")
    if not plan.jobs:
        if not args.quiet:
            print("nothing to do")
        return 1 if plan.failures or not plan.done else 0

    require_dask()  # before anything is written
    cluster = Cluster(scheduler=args.scheduler, workers=args.workers, retries=args.retries)
    make_outdir(outdir)
    bar = ProgressBar(len(plan.jobs), "enhancing", enabled=not args.quiet)

    def on_report(report: FileReport) -> None:
        manifest.record(report)
        if report.error is not None:
            bar.clear()
            print_failure(report.source, report.error)
        bar.update(bar.done + 1, label=report.source.name)

    engine = {"scheduler": args.scheduler or "local", "workers": args.workers}
    manifest.start_run(settings, engine, files=len(plan.jobs))
    try:
        summary = run_batch(
            plan.jobs,
            options,
            fmt=args.format,
            quality=args.quality,
            overwrite=args.overwrite,
            cluster=cluster,
            on_report=on_report,
        )
    except KeyboardInterrupt:
        bar.clear()
        print(
            f"lumos: interrupted; run the same command again to resume ({manifest.path})",
            file=sys.stderr,
        )
        return 130
    finally:
        manifest.close()
    bar.clear()
    if not args.quiet:
        n_ok, n_bad = len(summary.written), len(summary.failed) + len(plan.failures)
        rate = n_ok / summary.seconds if summary.seconds > 0 else 0.0
        line = f"{n_ok} of {n_ok + n_bad} enhanced"
        if n_bad:
            line += f", {n_bad} failed"
        line += (
            f" in {summary.seconds:.1f} s on {summary.workers} workers "
            f"({rate:.2f} photos/s, {summary.megapixels / max(summary.seconds, 1e-9):.1f} MP/s); "
            f"record: {manifest.path}"
        )
        print(line)
    return 1 if (summary.failed or plan.failures) else 0
