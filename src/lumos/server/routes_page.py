"""The web page, its assets, the offline API docs and ``/healthz``.

Everything is served from ``lumos/server/static`` inside the package: no CDN,
no build step, so the page and ``/docs`` work on a machine without internet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse

from .. import __version__
from .app import ServerState, get_state
from .schemas import Health

__all__ = ["STATIC_DIR", "health_router", "router"]

STATIC_DIR = Path(__file__).parent / "static"
# Assets by name: an allow-list, so no request path is ever joined onto a folder.
_ASSETS = {
    "app.css": "text/css",
    "app.js": "text/javascript",
    "docs.css": "text/css",
    "docs.js": "text/javascript",
    "favicon.svg": "image/svg+xml",
}

router = APIRouter(include_in_schema=False)
health_router = APIRouter(tags=["meta"])  # unlike the pages, part of the API schema
State = Annotated[ServerState, Depends(get_state)]


def _html(name: str) -> FileResponse:
    return FileResponse(
        STATIC_DIR / name, media_type="text/html", headers={"Cache-Control": "no-cache"}
    )


# HEAD as well as GET: uptime monitors and link checkers probe pages with HEAD.
@router.api_route("/", methods=["GET", "HEAD"])
async def page() -> FileResponse:
    """The web page: upload, compare before/after, tune, download."""
    return _html("index.html")


@router.api_route("/docs", methods=["GET", "HEAD"])
async def docs() -> FileResponse:
    """API reference rendered from ``/openapi.json`` by a small local script."""
    return _html("docs.html")


@router.api_route("/static/{name}", methods=["GET", "HEAD"])
async def asset(name: str) -> FileResponse:
    """One of the page's own CSS/JS files."""
    if name not in _ASSETS:
        raise HTTPException(404, "not found")
    return FileResponse(
        STATIC_DIR / name, media_type=_ASSETS[name], headers={"Cache-Control": "no-cache"}
    )


@router.api_route("/favicon.ico", methods=["GET", "HEAD"])
async def favicon() -> FileResponse:
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")


@health_router.get("/healthz")
async def healthz(state: State) -> Health:
    """Liveness and load: work running or queued, capacity, jobs kept."""
    s = state.settings
    return Health(
        version=__version__,
        running_or_queued=state.limiter.admitted,
        capacity=state.limiter.capacity,
        jobs=len(state.jobs),
        max_upload_mb=s.max_upload_mb,
        max_megapixels=s.max_megapixels,
        max_job_files=s.max_job_files,
        job_ttl_s=s.job_ttl_s,
    )


# The same answer to HEAD (the server sends the headers only); kept out of the
# schema, where a second operation would only repeat GET's.
health_router.add_api_route("/healthz", healthz, methods=["HEAD"], include_in_schema=False)
