"""Thousands of photos on Dask: a local cluster of processes, or a cluster you already run.

Why Dask (``distributed``) and not a pool of our own: it already does what a
long batch needs - worker processes that are watched and restarted, a task
re-run elsewhere when its worker dies, memory limits per worker, a dashboard,
and the same code on one laptop or on a hundred machines. It is pure Python
and installs from PyPI (``pip install 'lumos[batch]'``).

What lumos adds on top:

* **bounded work in flight**: a few tasks per worker are submitted at a time and
  topped up as they finish, so a folder of 100 000 photos costs the scheduler
  and the client what a folder of 100 does;
* **one process per core**: each worker enhances one photo at a time, its tiles
  in sequence (OpenCV and ONNX Runtime on one thread; a local cluster with
  fewer workers than cores lends the spare cores to the tiles), so memory is
  bounded by workers x one photo;
* **every file ends in a record** (:mod:`lumos.batch._manifest`): written, or
  failed with a one-line reason; a worker that dies on a photo (out of memory,
  killed) costs that photo only, after Dask's retries.

Workers of a remote cluster need lumos installed and must see the input and
output paths (a shared or network file system), as with any Dask job on files.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from ..config import EnhanceOptions
from ..errors import LumosError
from ._file import FileReport, enhance_file
from ._plan import Job

__all__ = ["BatchSummary", "Cluster", "check_scheduler", "require_dask", "run_batch"]

_INSTALL_HINT = "lumos batch needs Dask: pip install 'lumos[batch]' (or: pip install distributed)"
_TASKS_PER_WORKER = 2


@dataclass(frozen=True)
class Cluster:
    """Where the batch runs.

    Parameters
    ----------
    scheduler : str or None
        Address of a running Dask scheduler (``tcp://host:8786``); ``None``
        starts a local cluster for the length of the batch.
    workers : int or None
        Worker processes of the local cluster (default: one per core).
    retries : int
        How many times a photo is tried again after its worker died (on a
        local cluster; a remote scheduler keeps its own
        ``distributed.scheduler.allowed-failures``).
    connect_timeout : float
        Seconds to wait for a remote scheduler.
    """

    scheduler: str | None = None
    workers: int | None = None
    retries: int = 1
    connect_timeout: float = 10.0


@dataclass
class BatchSummary:
    """What a batch did."""

    written: list[FileReport] = field(default_factory=list)
    failed: list[FileReport] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 0

    @property
    def megapixels(self) -> float:
        return sum(r.megapixels for r in self.written)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def require_dask() -> None:
    """Raise a one-line :class:`~lumos.errors.LumosError` when Dask is not installed."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        raise LumosError(_INSTALL_HINT) from None


@contextlib.contextmanager
def _client(cluster: Cluster) -> Iterator[Any]:
    """A connected ``distributed.Client``; a local cluster lives as long as the block."""
    require_dask()
    import dask
    from dask.distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        if cluster.scheduler is not None:
            try:
                client = Client(cluster.scheduler, timeout=cluster.connect_timeout)
            except (OSError, TimeoutError, ValueError) as exc:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise LumosError(
                    f"cannot reach the Dask scheduler at {cluster.scheduler}: {reason}"
                ) from None
            stack.enter_context(client)
        else:
            stack.enter_context(
                dask.config.set({"distributed.scheduler.allowed-failures": cluster.retries})
            )
            local = stack.enter_context(
                LocalCluster(
                    n_workers=cluster.workers or _cores(),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                    preload=["lumos.batch._worker"],  # workers leave Ctrl-C to this process
                )
            )
            client = stack.enter_context(Client(local))
        yield client


def check_scheduler(cluster: Cluster) -> None:
    """Connect to ``cluster.scheduler`` once, and leave; a :class:`LumosError` if it cannot
    be reached (so that nothing is written for a run that cannot start)."""
    with _client(cluster):
        pass


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc mallopt() parameters
_worker_tuned = False


def _tune_worker_process() -> None:
    """Once per worker process: one OpenCV thread, and glibc's malloc made lazy again.

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which also
    switches off glibc's adaptive mmap threshold: every large temporary array of
    the pipeline is then a fresh mmap, zeroed page by page. Measured on a 3 MP
    photo in one worker: 3.7 s a photo, against 1.3 s in a plain process and
    1.3 s after these two calls (freed memory up to 256 MB stays with the worker
    for reuse). Set here rather than in the cluster's config so that it holds on
    a cluster lumos did not start.
    """
    global _worker_tuned
    if _worker_tuned:
        return
    _worker_tuned = True
    import cv2

    cv2.setNumThreads(1)
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to undo
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 32 * 2**20)
        libc.mallopt(_M_TRIM_THRESHOLD, 256 * 2**20)


def _enhance_on_worker(
    job: Job,
    options: EnhanceOptions,
    fmt: str | None,
    quality: int,
    overwrite: bool,
    tile_threads: int,
) -> FileReport:
    """The task: one photo, its tiles on ``tile_threads`` threads (1 if workers fill the cores)."""
    _tune_worker_process()
    try:
        return enhance_file(
            job, options, fmt=fmt, quality=quality, overwrite=overwrite, workers=tile_threads
        )
    except Exception as exc:  # a bug must cost one photo, not the batch
        return FileReport(job.source, None, f"internal error: {type(exc).__name__}: {exc}", 0.0)


def _report_of(future: Any, job: Job) -> FileReport:
    """The task's report, or a failure report when the task itself was lost."""
    try:
        return future.result()
    except Exception as exc:
        name = type(exc).__name__
        if name == "KilledWorker":
            reason = "a worker died while enhancing this photo (out of memory?)"
        else:
            reason = f"the task was lost: {name}: {exc}"
        return FileReport(job.source, None, reason, 0.0)


def run_batch(
    jobs: Sequence[Job],
    options: EnhanceOptions,
    *,
    fmt: str | None = None,
    quality: int = 95,
    overwrite: bool = False,
    cluster: Cluster | None = None,
    on_report: Callable[[FileReport], None] | None = None,
) -> BatchSummary:
    """Enhance ``jobs`` on a Dask cluster; returns when every job has a report.

    ``on_report`` is called in this process, in completion order, as each
    photo finishes (the CLI records and prints from it). Raises
    :class:`~lumos.errors.LumosError` only when the cluster cannot be had.
    On ``KeyboardInterrupt`` queued photos are dropped; those running have until
    the cluster has shut down (a few seconds: a photo that needs longer is cut off,
    unwritten), and ``on_report`` is called for each of them found written before
    the interrupt is raised again.

    This is the engine only: it writes no ``lumos_batch.jsonl`` and checks no
    settings (``lumos batch`` does both, with :class:`Manifest` and
    :func:`resume`). A local cluster starts its workers as new processes that
    import the calling script, so a script must call this under
    ``if __name__ == "__main__":`` (without it Dask fails with "Nanny failed to
    start").
    """
    cluster = cluster or Cluster()
    summary = BatchSummary()
    t0 = time.perf_counter()
    in_flight: dict[str, tuple[Job, float]] = {}  # task key -> its photo, time.time() at submit
    try:
        _run(jobs, options, fmt, quality, overwrite, cluster, on_report, summary, in_flight)
    except KeyboardInterrupt:
        if on_report is not None:
            # Written while the cluster shut down: report them, so that no output
            # is left on disk without its record line.
            for job, submitted in in_flight.values():
                if _written_since(job.output, submitted):
                    on_report(FileReport(job.source, job.output, None, 0.0))
        raise
    summary.seconds = time.perf_counter() - t0
    return summary


def _written_since(path: Path, t: float) -> bool:
    """Whether ``path`` exists and was written after ``t`` (outputs are written
    atomically, so one that exists is whole)."""
    try:
        return path.stat().st_mtime >= t
    except OSError:
        return False


def _run(
    jobs: Sequence[Job],
    options: EnhanceOptions,
    fmt: str | None,
    quality: int,
    overwrite: bool,
    cluster: Cluster,
    on_report: Callable[[FileReport], None] | None,
    summary: BatchSummary,
    in_flight: dict[str, tuple[Job, float]],
) -> None:
    """The body of :func:`run_batch`; ``in_flight`` holds the photos submitted and not reported."""
    with _client(cluster) as client:
        from dask.distributed import as_completed

        summary.workers = max(1, sum(client.nthreads().values()))
        # A local cluster smaller than the machine lends its spare cores to the tiles.
        tile_threads = 1 if cluster.scheduler else max(1, _cores() // summary.workers)
        todo = iter(jobs)
        done = as_completed()

        def submit(batch: Sequence[Job]) -> None:
            for job in batch:
                fut = client.submit(
                    _enhance_on_worker,
                    job,
                    options,
                    fmt,
                    quality,
                    overwrite,
                    tile_threads,
                    pure=False,
                )
                in_flight[fut.key] = (job, time.time())
                done.add(fut)

        submit(list(islice(todo, summary.workers * _TASKS_PER_WORKER)))
        try:
            for fut in done:
                report = _report_of(fut, in_flight.pop(fut.key)[0])
                (summary.written if report.error is None else summary.failed).append(report)
                if on_report is not None:
                    on_report(report)
                submit(list(islice(todo, 1)))
        finally:
            # Interrupted: drop what is queued; the manifest has what finished.
            client.cancel(list(done.futures))
