"""Batch jobs: ``POST /v1/jobs``, poll ``GET /v1/jobs/{id}``, download one file or a zip."""

from __future__ import annotations

import mimetypes
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, HTTPException, UploadFile
from fastapi.responses import FileResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ..errors import LumosError, OptionError
from .app import ServerState, get_state
from .errors import UploadTooLargeError
from .forms import ENHANCE_FIELDS, EnhanceForm, upload_field, with_limits
from .jobs import Job, JobItem
from .processing import SUFFIXES, EnhanceParams, output_format, probe
from .schemas import ErrorReply, JobCreated, JobFile, JobStatus
from .settings import ServerSettings
from .uploads import (
    content_disposition,
    display_name,
    download_name,
    save_upload,
    too_large_text,
    unique_name,
)

__all__ = ["router"]

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])

State = Annotated[ServerState, Depends(get_state)]
_NOT_FOUND = {404: {"model": ErrorReply, "description": "no such job (or it expired)"}}
_CHUNK = 1 << 20  # bytes per read of a download


def _job_or_404(state: ServerState, job_id: str) -> Job:
    job = state.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, "no such job; it may have expired")
    return job


@router.post(
    "",
    status_code=202,
    dependencies=[Depends(upload_field("files", single=False, fields=ENHANCE_FIELDS))],
    responses={
        413: {"model": ErrorReply, "description": "the whole request is larger than a job may be"},
        422: {"model": ErrorReply, "description": "bad option value or too many files"},
        503: {"model": ErrorReply, "description": "too many jobs running"},
    },
)
async def create_job(
    state: State,
    files: Annotated[list[UploadFile], File(description="the photos")],
    params: EnhanceForm,
    response: Response,
) -> JobCreated:
    """Start enhancing several photos with the same options; poll the returned URL
    (also in the ``Location`` header).

    A file that is not an image, is larger than the per-file limit
    (``max_upload_mb``) or has too many megapixels is reported as failed in the
    job; the others are still enhanced. Only a request larger than
    ``max_job_files`` such files is refused as a whole (413).
    """
    settings = state.settings
    if not files:
        raise OptionError("no files uploaded")
    if len(files) > settings.max_job_files:
        raise OptionError(f"too many files: at most {settings.max_job_files} per job")
    params = with_limits(params, settings)
    job_id, folder = state.jobs.new_folder()
    try:
        items = [
            await _receive(upload, index, folder, params, settings)
            for index, upload in enumerate(files)
        ]
    except BaseException:
        await run_in_threadpool(_remove, folder)
        raise
    _name_uniquely(items)
    job = Job(id=job_id, folder=folder, params=params, items=items)
    state.jobs.start(job)
    status_url = f"/v1/jobs/{job_id}"
    response.headers["Location"] = status_url  # where a 202's progress is, by convention
    return JobCreated(id=job_id, status_url=status_url, total=len(items))


async def _receive(
    upload: UploadFile, index: int, folder: Path, params: EnhanceParams, settings: ServerSettings
) -> JobItem:
    """Store one upload of a job and check it; a refused file becomes a failed item."""
    src = folder / f"in{index}"
    item = JobItem(
        index=index,
        name=download_name(upload.filename, ".jpg"),
        source=src,
        source_name=display_name(upload.filename),
    )
    try:
        await save_upload(upload, src, settings)
        fmt = await run_in_threadpool(probe, src, settings.max_megapixels)
    except UploadTooLargeError:
        item.status, item.error = "failed", too_large_text(settings)
    except LumosError as exc:
        # "file: 9000x9000 = 81.0 MP is above...": the job lists it under its file already.
        item.status, item.error = "failed", exc.message.removeprefix("file: ")
    else:
        item.name = download_name(upload.filename, SUFFIXES[output_format(fmt, params.format)])
    if item.status == "failed":
        src.unlink(missing_ok=True)
    return item


def _name_uniquely(items: list[JobItem]) -> None:
    """Give the files that will be enhanced distinct names, ignoring case.

    Status, per-file downloads and the zip all use these names, and the zip is
    unpacked where ``dark_lumos.jpg`` and ``DARK_lumos.jpg`` would be one file.
    """
    used: set[str] = set()
    for item in items:
        if item.status != "failed":  # refused at upload: never downloaded
            item.name = unique_name(item.name, used)


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


@router.get("/{job_id}", responses=_NOT_FOUND)
async def job_status(state: State, job_id: str) -> JobStatus:
    """Progress (``done`` of ``total``) and each file's status, error and stats."""
    job = _job_or_404(state, job_id)
    files = [
        JobFile(
            index=i.index,
            name=i.name,
            source_name=i.source_name,
            status=i.status,
            error=i.error,
            stats=i.stats,
            url=f"/v1/jobs/{job.id}/files/{i.index}" if i.status == "done" else None,
        )
        for i in job.items
    ]
    return JobStatus(
        id=job.id,
        status=job.status,
        done=job.done,
        total=len(job.items),
        failed=job.failed,
        files=files,
        zip_url=f"/v1/jobs/{job.id}/zip" if job.finished and job.failed < len(job.items) else None,
        expires_in_s=round(state.jobs.expires_in(job), 1),
    )


@router.delete("/{job_id}", status_code=204, response_class=Response, responses=_NOT_FOUND)
async def delete_job(state: State, job_id: str) -> Response:
    """Delete a job and its files now, instead of when it expires.

    A running job is stopped first: the file being enhanced is abandoned and the
    files still waiting are not enhanced.
    """
    if not await run_in_threadpool(state.jobs.delete, job_id):
        raise HTTPException(404, "no such job; it may have expired")
    return Response(status_code=204)


@router.get(
    "/{job_id}/files/{index}",
    response_class=FileResponse,
    responses={**_NOT_FOUND, 409: {"model": ErrorReply, "description": "not done, or failed"}},
)
async def job_file(state: State, job_id: str, index: int) -> FileResponse:
    """Download one enhanced file of a job."""
    job = _job_or_404(state, job_id)
    if not 0 <= index < len(job.items):
        raise HTTPException(404, f"no file {index}; the job has {len(job.items)}")
    item = job.items[index]
    if item.status == "failed":
        raise HTTPException(409, f"file {index} failed: {item.error}")
    if item.status != "done" or item.output is None:
        raise HTTPException(409, f"file {index} is not done yet; poll /v1/jobs/{job_id}")
    headers = {"Content-Disposition": content_disposition(item.name), "Cache-Control": "no-store"}
    media = mimetypes.guess_type(item.name)[0] or "application/octet-stream"
    return await run_in_threadpool(_open_response, item.output, media, headers)


@router.get(
    "/{job_id}/zip",
    response_class=FileResponse,
    responses={**_NOT_FOUND, 409: {"model": ErrorReply, "description": "job still running"}},
)
async def job_zip(state: State, job_id: str) -> FileResponse:
    """Download every enhanced file of a finished job as one zip."""
    job = _job_or_404(state, job_id)
    if not job.finished:
        raise HTTPException(409, f"the job is still running ({job.done} of {len(job.items)})")
    if job.failed == len(job.items):
        raise HTTPException(409, "every file of this job failed; nothing to download")
    path = await run_in_threadpool(state.jobs.zip, job)
    if path is None:
        raise HTTPException(404, "no such job; it may have expired")
    # no-store as for each file: the zip holds the same private photos.
    headers = {"Content-Disposition": content_disposition("lumos.zip"), "Cache-Control": "no-store"}
    return await run_in_threadpool(_open_response, path, "application/zip", headers)


def _open_response(path: Path, media_type: str, headers: dict[str, str]) -> StreamingResponse:
    """``path`` sent from a file opened now, so that a DELETE or the job's expiry in the
    meantime cannot cut the download (the open file outlives its name; a FileResponse
    opened it only when sending, and a job deleted in between was a 500)."""
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise HTTPException(404, "no such job; it may have expired") from None
    size = os.fstat(fh.fileno()).st_size

    def chunks() -> Iterator[bytes]:
        with fh:
            while data := fh.read(_CHUNK):
                yield data

    headers = {**headers, "Content-Length": str(size)}
    return StreamingResponse(chunks(), media_type=media_type, headers=headers)
