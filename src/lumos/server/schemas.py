"""Pydantic models of the JSON the API returns (they also document it in ``/openapi.json``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = ["ErrorReply", "Health", "JobCreated", "JobFile", "JobStatus", "Progress"]


class ErrorReply(BaseModel):
    """Every error reply: one line the page can show as is."""

    detail: str = Field(examples=["file: larger than the limit of 50 MB"])


class Health(BaseModel):
    """``GET /healthz``: the server is up, with its load and limits."""

    status: Literal["ok"] = "ok"
    version: str
    running_or_queued: int
    capacity: int
    jobs: int
    max_upload_mb: float = Field(description="largest file, in MB of 1,000,000 bytes")
    max_megapixels: float
    max_job_files: int
    job_ttl_s: float = Field(description="seconds a batch job's results are kept at most")


class JobCreated(BaseModel):
    """``POST /v1/jobs``: the new job's id and where to poll it."""

    id: str
    status_url: str
    total: int


class JobFile(BaseModel):
    """One file of a batch job."""

    index: int
    name: str = Field(
        description="download name, <stem>_lumos.<ext>, unique in the job ignoring case "
        "(<stem>_lumos-2.<ext> ...), the same in the zip"
    )
    source_name: str = Field(description="the uploaded file's name, for display")
    status: Literal["queued", "running", "done", "failed"]
    error: str | None = None
    stats: dict[str, Any] | None = None
    url: str | None = Field(default=None, description="download URL once done")


class JobStatus(BaseModel):
    """``GET /v1/jobs/{id}``: progress and per-file results."""

    id: str
    status: Literal["queued", "running", "done", "failed"]
    done: int = Field(description="files finished, failed ones included")
    total: int
    failed: int
    files: list[JobFile]
    zip_url: str | None = None
    expires_in_s: float


class Progress(BaseModel):
    """``GET /v1/progress/{progress_id}``: how far one enhance request has got."""

    stage: Literal["waiting", "reading", "enhancing", "enlarging", "saving"]
    done: int = Field(description="tiles of this stage finished")
    total: int = Field(description="tiles of this stage; 0 while waiting")
