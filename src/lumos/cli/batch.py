"""``lumos batch FOLDER... -o OUTDIR``: thousands of photos on Dask, resumable."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..batch import (
    MANIFEST_NAME,
    BatchSummary,
    Cluster,
    FileReport,
    Manifest,
    Resume,
    check_scheduler,
    plan_batch,
    require_dask,
    resume,
    run_batch,
    settings_of,
)
from ..batch._manifest import count
from ..errors import OptionError
from . import _options
from ._progress import ProgressBar
from .enhance import (
    add_output_options,
    add_pipeline_options,
    check_outdir,
    clean_stale_temp_files,
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

Run the same command again to resume (with --overwrite too): a photo is skipped
when its output exists and OUTDIR/lumos_batch.jsonl says it was made with the
same settings; other settings are refused (--overwrite redoes them). Every photo
gets a line there: its output, or why it failed, and what lumos measured.
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
    # Planned as if without --overwrite: the record decides which outputs on disk
    # are done, also for an --overwrite run that is being resumed.
    manifest = Manifest(outdir)
    plan = plan_batch(
        args.inputs,
        outdir,
        recursive=args.recursive,
        fmt=args.format,
        overwrite=False,
        manifest=manifest,
    )
    settings = settings_of(options, fmt=args.format, quality=args.quality)
    todo = resume(manifest, plan, settings, overwrite=args.overwrite)  # refuses mixed settings
    for f in plan.failures:
        print_failure(f.source, f.reason)
    if not args.quiet:
        _print_resume(todo, outdir)
    if not todo.todo and not plan.failures:
        if not args.quiet:
            print("nothing to do")
        return 0

    cluster = Cluster(scheduler=args.scheduler, workers=args.workers, retries=args.retries)
    if todo.todo:
        require_dask()  # before anything is written
        if args.scheduler is not None:
            check_scheduler(cluster)  # an unreachable one made the output folder all the same
    make_outdir(outdir)
    clean_stale_temp_files((j.output.parent for j in todo.todo), quiet=args.quiet)
    bar = ProgressBar(len(todo.todo), "enhancing", enabled=not args.quiet)

    def on_report(report: FileReport) -> None:
        manifest.record(report)
        if report.error is not None:
            bar.clear()
            print_failure(report.source, report.error)
        bar.update(bar.done + 1, label=report.source.name)

    engine = {"scheduler": args.scheduler or "local", "workers": args.workers}
    files = len(todo.todo) + len(plan.failures)
    manifest.start_run(settings, engine, files=files, overwrite=args.overwrite)
    try:
        for f in plan.failures:  # refused while planning: one line each all the same
            manifest.record_failure(f)
        summary = BatchSummary()
        if todo.todo:
            summary = run_batch(
                todo.todo,
                options,
                fmt=args.format,
                quality=args.quality,
                overwrite=args.overwrite or todo.writes_over,
                cluster=cluster,
                on_report=on_report,
            )
        n_ok, n_bad = len(summary.written), len(summary.failed) + len(plan.failures)
        manifest.end_run(written=n_ok, failed=n_bad)
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
        line = f"{n_ok} of {n_ok + n_bad} enhanced"
        if n_bad:
            line += f", {n_bad} failed"
        if todo.todo:
            rate = n_ok / summary.seconds if summary.seconds > 0 else 0.0
            mp_rate = summary.megapixels / max(summary.seconds, 1e-9)
            line += (
                f" in {summary.seconds:.1f} s on {count(summary.workers, 'worker')} "
                f"({rate:.2f} photos/s, {mp_rate:.1f} MP/s)"
            )
        print(f"{line}; record: {manifest.path}")
    return 1 if n_bad else 0


def _print_resume(todo: Resume, outdir: Path) -> None:
    """Say what the record made of the outputs already in ``outdir``."""
    if todo.done:
        if todo.continues is not None:
            print(
                f"{len(todo.done)} already done in {outdir} by the --overwrite run started "
                f"{todo.continues} (skipped)"
            )
        else:
            print(f"{len(todo.done)} already done in {outdir} (skipped; --overwrite redoes them)")
    if todo.unrecorded:
        n = len(todo.unrecorded)
        print(
            f"{count(n, 'output')} in {outdir} without a line in {MANIFEST_NAME} "
            "(a stopped run was writing them): made again"
        )
