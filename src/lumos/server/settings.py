"""Limits of one server instance, fixed when the app is built.

A frozen dataclass rather than globals so that tests can build an app with
tiny limits (concurrency 1, queue 0) next to one with the defaults, and so
that nothing can loosen a limit while requests are in flight.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import OptionError

__all__ = ["ServerSettings"]

# Room for multipart boundaries, part headers and the option fields of one request.
_FRAMING_BYTES = 64 * 1024


def _positive(name: str, value: float, *, allow_zero: bool = False) -> None:
    ok = value >= 0 if allow_zero else value > 0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not ok:
        bound = "zero or more" if allow_zero else "positive"
        raise OptionError(f"--{name} must be {bound}, got {value!r}")


@dataclass(frozen=True)
class ServerSettings:
    """Limits and switches of the HTTP server.

    Parameters
    ----------
    max_upload_mb : float
        Largest accepted upload, per file, in MB of 1,000,000 bytes (larger: 413,
        or a failed file in a batch job). Every message states it as set: ``50 MB``.
    max_megapixels : float
        Largest accepted image, judged from its header before decoding (larger: 413).
    concurrency : int
        Enhancements (and analyses) that run at once, each in a worker thread.
    queue : int
        Requests that may wait for a free worker; beyond that a request gets 503.
    timeout_s : float
        Seconds one request may take, waiting included (longer: 504); a batch job's
        file may run this long once a worker has taken it (longer: that file fails).
    cors_origins : tuple of str
        Origins allowed to call the API from a browser; empty = CORS off.
    job_ttl_s : float
        Seconds a batch job and its files are kept after it was created.
    max_job_files : int
        Files accepted in one batch job.
    max_jobs : int
        Batch jobs kept at once (running or finished); more: 503.
    retry_after_s : int
        Value of the ``Retry-After`` header sent with a 503.
    temp_dir : Path or None
        Parent of the server's private working folder (default: the system's).
    """

    max_upload_mb: float = 50.0
    max_megapixels: float = 100.0
    concurrency: int = 2
    queue: int = 8
    timeout_s: float = 120.0
    cors_origins: tuple[str, ...] = ()
    job_ttl_s: float = 3600.0
    max_job_files: int = 50
    max_jobs: int = 16
    retry_after_s: int = 5
    temp_dir: Path | None = field(default=None)

    def __post_init__(self) -> None:
        _positive("max-upload-mb", self.max_upload_mb)
        _positive("max-megapixels", self.max_megapixels)
        _positive("timeout", self.timeout_s)
        _positive("job-ttl", self.job_ttl_s)
        for name, value, zero in (
            ("concurrency", self.concurrency, False),
            ("queue", self.queue, True),
            ("max-job-files", self.max_job_files, False),
            ("max-jobs", self.max_jobs, False),
            ("retry-after", self.retry_after_s, True),
        ):
            if isinstance(value, bool) or not isinstance(value, int):
                raise OptionError(f"--{name} must be an integer, got {value!r}")
            _positive(name, value, allow_zero=zero)
        # Accept any iterable of origins but store a tuple: the dataclass is frozen.
        object.__setattr__(self, "cors_origins", tuple(self.cors_origins))

    @property
    def max_upload_bytes(self) -> int:
        """Largest accepted file, in bytes (decimal MB, as the setting's name and messages say)."""
        return int(self.max_upload_mb * 1_000_000)

    @property
    def upload_limit_text(self) -> str:
        """The per-file limit as every message states it: ``50 MB``."""
        return f"{self.max_upload_mb:g} MB"

    def max_body_bytes(self, files: int = 1) -> int:
        """Largest accepted request body for ``files`` files (multipart framing included)."""
        return files * self.max_upload_bytes + _FRAMING_BYTES
