"""``POST /v1/enhance`` and ``POST /v1/analyse``: one upload in, one answer out."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from .app import ServerState, get_state
from .forms import (
    ENHANCE_FIELDS,
    EnhanceForm,
    http_models,
    preview_side,
    upload_field,
    with_limits,
)
from .processing import analyse_file, enhance_file, probe
from .progress import check_progress_id
from .report_bridge import ReportUnavailableError, render_report, report_function
from .schemas import ErrorReply, Progress
from .uploads import content_disposition, display_name, download_name, save_upload

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["images"])

State = Annotated[ServerState, Depends(get_state)]
Upload = Annotated[UploadFile, File(description="the photo: JPEG, PNG, TIFF, WEBP, BMP, ...")]

# The report is one self-contained page: inline CSS and data: images, and no script.
_REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'"

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorReply, "description": text}
    for code, text in {
        400: "corrupt or truncated image",
        413: "upload or image too large",
        415: "not an image lumos reads",
        422: "bad option value",
        503: "busy: retry after Retry-After seconds",
        504: "took longer than the server's timeout",
    }.items()
}


def _compact_stats(stats: dict[str, Any]) -> str:
    """Stats as one line of ASCII JSON, for the ``X-Lumos-Stats`` header."""
    return json.dumps(stats, separators=(",", ":"), ensure_ascii=True, default=str)


_ENHANCE_FILE = [
    Depends(upload_field("file", single=True, fields=ENHANCE_FIELDS | {"report", "progress_id"}))
]
_ANALYSE_FILE = [Depends(upload_field("file", single=True, fields={"preview_max_side"}))]


@router.post(
    "/enhance",
    dependencies=_ENHANCE_FILE,
    response_class=Response,
    responses={
        200: {
            "content": {"image/jpeg": {}, "image/png": {}, "image/tiff": {}, "image/webp": {}},
            "description": "the enhanced image, metadata kept; stats in X-Lumos-Stats",
        },
        501: {"model": ErrorReply, "description": "report=true but no explain report here"},
        **_ERRORS,
    },
)
async def enhance(
    request: Request,
    state: State,
    file: Upload,
    params: EnhanceForm,
    report: Annotated[bool, Form(description="return the HTML explain report instead")] = False,
    progress_id: Annotated[
        str | None,
        Form(
            description="8 to 64 letters, digits, - or _ of your choosing: "
            "GET /v1/progress/{progress_id} tells how far this request has got while it runs"
        ),
    ] = None,
) -> Response:
    """Enhance one photo and return it in the upload's format (or ``format``).

    EXIF and ICC profile are kept. With ``preview_max_side`` the photo is first
    downscaled, for fast previews. The run's analysis, chosen strengths, and the
    ``scale`` and ``upscaler`` used (``auto`` resolved) come back as compact
    JSON in the ``X-Lumos-Stats`` header.
    """
    settings = state.settings
    follow = check_progress_id(progress_id)
    if report:
        report_function()  # 501 before the upload is stored, if there is no report module
    params = with_limits(params, settings)
    async with state.workspace.request_dir() as folder:
        src = folder / "input"
        await save_upload(file, src, settings)
        # Header only, before a worker is taken: a decompression bomb costs nothing.
        await run_in_threadpool(probe, src, settings.max_megapixels)
        if report:
            html = await state.limiter.run(
                lambda tok: render_report(src, params, display_name(file.filename), tok.check),
                timeout=settings.timeout_s,
                gone=request.is_disconnected,
            )
            return HTMLResponse(html, headers={"Content-Security-Policy": _REPORT_CSP})
        with state.progress.track(follow) as tell:
            # report= only when followed: the call is as it was for every other request.
            extra = {} if tell is None else {"report": tell}
            result = await state.limiter.run(
                lambda tok: enhance_file(src, folder, params, tok, **extra),
                timeout=settings.timeout_s,
                gone=request.is_disconnected,  # a preview the page has dropped stops here
            )
        data = await run_in_threadpool(result.path.read_bytes)
    # An enlarged result is a different file from the 1x one: it gets a name of its own,
    # or a browser saving both kept "night_lumos.jpg" and "night_lumos (1).jpg".
    scale = params.options.scale
    name = download_name(
        file.filename, result.suffix, tag="_lumos" if scale == 1 else f"_lumos_{scale}x"
    )
    headers = {
        "Content-Disposition": content_disposition(name),
        "X-Lumos-Stats": _compact_stats(result.stats),
        "Cache-Control": "no-store",
    }
    return Response(data, media_type=result.media_type, headers=headers)


@router.post("/analyse", dependencies=_ANALYSE_FILE, responses=_ERRORS)
async def analyse(
    request: Request,
    state: State,
    file: Upload,
    preview_max_side: Annotated[
        str | None,
        Form(description="also return a small JPEG of the photo, this long (data: URL)"),
    ] = None,
) -> JSONResponse:
    """Measure a photo: size, metadata, brightness, noise, uniform or uneven light.

    Also reports the denoise/detail/brightness/shadows that ``enhance`` would choose
    with the default model (``would_use``) and with each model
    (``would_use_by_model``), so a client can start its sliders there and move
    them when the model changes.
    """
    settings = state.settings
    side = preview_side(preview_max_side)
    async with state.workspace.request_dir() as folder:
        src = folder / "input"
        await save_upload(file, src, settings)
        await run_in_threadpool(probe, src, settings.max_megapixels)
        info = await state.limiter.run(
            lambda _tok: analyse_file(src, settings.max_megapixels, side, http_models()),
            timeout=settings.timeout_s,
            gone=request.is_disconnected,
        )
    info["name"] = download_name(file.filename, "", tag="")
    return JSONResponse(info, headers={"Cache-Control": "no-store"})


@router.get("/report", include_in_schema=False)
async def report_status() -> JSONResponse:
    """Whether ``report=true`` is available (the page hides its link otherwise)."""
    try:
        report_function()
    except ReportUnavailableError as exc:
        return JSONResponse({"available": False, "detail": str(exc)})
    return JSONResponse({"available": True})


@router.get(
    "/progress/{progress_id}",
    response_model=Progress,
    responses={204: {"description": "no request with this progress_id is running"}},
)
async def progress(state: State, progress_id: str) -> Response:
    """How far the ``POST /v1/enhance`` sent with this ``progress_id`` has got.

    ``stage`` is ``waiting`` (for a worker), ``reading``, ``enhancing``,
    ``enlarging`` (``scale`` > 1) or ``saving``; ``done`` of ``total`` counts the
    tiles of that stage. 204 (nothing to tell) before the upload has been read and
    once the reply is on its way: a client polls across both, and a 404 there would
    be logged as an error by every browser.
    """
    found = state.progress.get(progress_id)
    if found is None:
        return Response(status_code=204, headers={"Cache-Control": "no-store"})
    stage, done, total = found
    body = Progress(stage=stage, done=done, total=total).model_dump()
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
