"""Batch jobs: several uploads, the same options, polled for progress.

A job owns one private folder. Its files are enhanced one after another by a
runner thread that hands each file to the shared :class:`Limiter` (so batch
work never runs more enhancements at once than the server allows, but waits
its turn instead of being refused). Jobs expire ``job_ttl_s`` after creation:
:meth:`JobStore.sweep` deletes them and their files (it runs on every job
request and periodically), :meth:`JobStore.delete` deletes one when its client
asks, and :meth:`JobStore.close` deletes all of them at shutdown. A job still
running when it expires or is deleted is stopped first.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import LumosError
from .limits import Cancelled, CancelToken, Limiter, QueueFullError
from .processing import EnhancedFile, EnhanceParams, enhance_file
from .settings import ServerSettings
from .uploads import Workspace

__all__ = ["Job", "JobItem", "JobStore"]

Status = Literal["queued", "running", "done", "failed"]


@dataclass
class JobItem:
    """One file of a job. ``name`` is the sanitised download name, unique in the job
    ignoring case (see ``routes_jobs``), never a path."""

    index: int
    name: str
    source: Path
    status: Status = "queued"
    error: str | None = None
    stats: dict[str, Any] | None = None
    output: Path | None = None
    source_name: str = ""  # the uploaded file's name, for display only


@dataclass
class Job:
    """A batch of files enhanced with the same options."""

    id: str
    folder: Path
    params: EnhanceParams
    items: list[JobItem]
    created: float = field(default_factory=time.monotonic)
    finished: bool = False
    discarded: bool = False  # expired, deleted or shut down: the runner stops, deletes the folder
    zip_path: Path | None = None
    token: CancelToken | None = None  # of the file being enhanced, to stop it mid-way
    # Two downloads of the zip at once (a double click) must not both write all.zip.part.
    zip_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def done(self) -> int:
        return sum(i.status in ("done", "failed") for i in self.items)

    @property
    def failed(self) -> int:
        return sum(i.status == "failed" for i in self.items)

    @property
    def status(self) -> Status:
        if not self.finished:
            return "running" if any(i.status != "queued" for i in self.items) else "queued"
        return "failed" if self.failed == len(self.items) else "done"


class JobStore:
    """All batch jobs of one app, thread-safe.

    Parameters
    ----------
    settings : ServerSettings
        ``job_ttl_s``, ``max_jobs``, ``timeout_s`` apply.
    limiter : Limiter
        Runs each file's enhancement.
    workspace : Workspace
        Where job folders are created.
    """

    def __init__(self, settings: ServerSettings, limiter: Limiter, workspace: Workspace) -> None:
        self.settings = settings
        self.limiter = limiter
        self.workspace = workspace
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._runners = ThreadPoolExecutor(
            max_workers=settings.max_jobs, thread_name_prefix="lumos-job"
        )

    def __len__(self) -> int:
        with self._lock:
            return len(self._jobs)

    def new_folder(self) -> tuple[str, Path]:
        """A fresh job id and folder; refuses (503) when ``max_jobs`` jobs are unfinished."""
        self.sweep()
        with self._lock:
            if sum(not j.finished for j in self._jobs.values()) >= self.settings.max_jobs:
                raise QueueFullError()
        return secrets.token_urlsafe(12), self.workspace.new_dir()

    def start(self, job: Job) -> None:
        """Register ``job`` and start enhancing its queued files in the background."""
        with self._lock:
            self._jobs[job.id] = job
        self._runners.submit(self._run, job)

    def get(self, job_id: str) -> Job | None:
        """The job, or ``None`` if unknown or expired."""
        self.sweep()
        with self._lock:
            return self._jobs.get(job_id)

    def expires_in(self, job: Job) -> float:
        return max(0.0, job.created + self.settings.job_ttl_s - time.monotonic())

    def _run(self, job: Job) -> None:
        try:
            for item in job.items:
                if job.discarded:
                    break
                if item.status != "queued":  # refused at upload (not an image, too large)
                    continue
                item.status = "running"
                self._run_item(job, item)
        finally:
            job.finished = True
            if job.discarded:
                shutil.rmtree(job.folder, ignore_errors=True)

    def _run_item(self, job: Job, item: JobItem) -> None:
        out_dir = job.folder / f"out{item.index}"
        out_dir.mkdir()
        started = threading.Event()

        def work(tok: CancelToken) -> EnhancedFile:
            started.set()
            return enhance_file(item.source, out_dir, job.params, tok)

        future, token = self.limiter.submit(work, admit=False)
        future.add_done_callback(lambda _: started.set())  # cancelled before it ran
        job.token = token
        if job.discarded:  # deleted between the runner's check and now
            token.cancel()
        # The timeout is the file's own: the workers are shared with other jobs and
        # requests, and waiting behind their files must not fail this one.
        started.wait()
        try:
            # A thread cannot wait past TIMEOUT_MAX (292 years; OverflowError): a larger
            # --timeout means no limit, as it does for a single request.
            result = future.result(timeout=min(self.settings.timeout_s, threading.TIMEOUT_MAX))
        except FutureTimeout:
            token.cancel()
            item.status, item.error = "failed", "took too long to process"
            with contextlib.suppress(BaseException):
                future.result()  # wait: the next file must not run beside this one
            return
        except Cancelled:
            item.status, item.error = "failed", "cancelled"
            return
        except LumosError as exc:
            item.status, item.error = "failed", exc.message
            return
        except MemoryError:
            item.status, item.error = "failed", "out of memory"
            return
        except Exception:  # one bad file must not stop the batch or leak a traceback
            item.status, item.error = "failed", "internal error"
            return
        finally:
            item.source.unlink(missing_ok=True)  # inputs are no longer needed
        item.output, item.stats, item.status = result.path, result.stats, "done"

    def zip(self, job: Job) -> Path | None:
        """All finished files of ``job`` in one (cached) zip, under their (unique) names;
        ``None`` if the job was deleted or expired meanwhile."""
        with job.zip_lock:
            if job.discarded:  # its folder is gone, or going: nothing to build it in
                return None
            if job.zip_path is not None:
                return job.zip_path
            path = job.folder / "all.zip"
            tmp = job.folder / "all.zip.part"
            # Stored, not deflated: JPEG/PNG/WEBP are compressed already.
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
                for item in job.items:
                    if item.status == "done" and item.output is not None:
                        zf.write(item.output, arcname=item.name)
            tmp.replace(path)
            job.zip_path = path
            return path

    def delete(self, job_id: str) -> bool:
        """Stop the job if it runs and delete it and its files now; ``False`` if unknown."""
        with self._lock:
            job = self._jobs.pop(job_id, None)
        if job is None:
            return False
        self._discard(job)
        return True

    def _discard(self, job: Job) -> None:
        job.discarded = True
        if job.token is not None:
            job.token.cancel()  # the file being enhanced stops at its next tile
        if job.finished:
            # After a zip being built (it would be written into a folder half gone, and
            # fail or be left behind); zip() refuses a discarded job from now on.
            with job.zip_lock:
                shutil.rmtree(job.folder, ignore_errors=True)
        # else: the runner deletes the folder when it stops (see _run)

    def sweep(self) -> int:
        """Delete expired jobs and their files; returns how many were removed."""
        now = time.monotonic()
        with self._lock:
            expired = [j for j in self._jobs.values() if now - j.created >= self.settings.job_ttl_s]
            for job in expired:
                del self._jobs[job.id]
        for job in expired:
            self._discard(job)
        return len(expired)

    def close(self) -> None:
        """Stop and delete every job (server shutdown)."""
        with self._lock:
            jobs = list(self._jobs.values())
            self._jobs.clear()
        for job in jobs:
            self._discard(job)
        self._runners.shutdown(wait=False, cancel_futures=True)
