"""The application factory: settings in, a FastAPI app out.

Everything an app needs at run time (limits, worker pool, job store, private
working folder) hangs off ``app.state.lumos`` so two apps with different
settings can live in one process (tests do this). The folder is removed at
shutdown and, as a fallback, when the app object is garbage-collected.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..models._onnx import use_memory_arena
from .body_limit import BodyLimitMiddleware
from .errors import install_handlers
from .jobs import JobStore
from .limits import Limiter
from .progress import ProgressBoard
from .settings import ServerSettings
from .uploads import Workspace, too_large_text

__all__ = ["ServerState", "create_app", "get_state"]

log = logging.getLogger("lumos.server")

# The page's own assets only: no CDN, no inline script; blob:/data: for the images.
_CSP = (
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": _CSP,
    "Referrer-Policy": "no-referrer",
}
_SWEEP_EVERY_S = 60.0


class _SecurityHeadersMiddleware:
    """Adds :data:`_SECURITY_HEADERS` to every response that does not set its own.

    Plain ASGI rather than ``@app.middleware("http")``: Starlette's
    ``BaseHTTPMiddleware`` wraps ``receive`` so that ``request.is_disconnected()``
    never sees the client leave, and a dropped preview then ran to its end.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


@dataclass
class ServerState:
    """What the routes share: settings, the worker pool, jobs and the working folder."""

    settings: ServerSettings
    limiter: Limiter
    workspace: Workspace
    jobs: JobStore
    progress: ProgressBoard = field(default_factory=ProgressBoard)

    def close(self) -> None:
        self.jobs.close()
        self.limiter.shutdown()
        self.workspace.close()


def get_state(request: Request) -> ServerState:
    """FastAPI dependency: the state of the app serving ``request``."""
    return request.app.state.lumos


async def _sweep_forever(jobs: JobStore) -> None:
    while True:
        await asyncio.sleep(_SWEEP_EVERY_S)
        jobs.sweep()


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """Build the lumos HTTP app.

    Parameters
    ----------
    settings : ServerSettings, optional
        Limits; the defaults of :class:`ServerSettings` if omitted.

    Returns
    -------
    FastAPI
        Serve it with uvicorn (``lumos serve``) or test it with ``TestClient``
        (use it as a context manager so shutdown cleans up).
    """
    # A long-lived process: ONNX Runtime's arena would keep a 12 MP photo's working
    # memory for ever (see lumos.models._onnx.use_memory_arena).
    use_memory_arena(False)
    from .routes_enhance import router as enhance_router
    from .routes_jobs import router as jobs_router
    from .routes_page import health_router
    from .routes_page import router as page_router

    settings = settings or ServerSettings()
    limiter = Limiter(settings.concurrency, settings.queue)
    workspace = Workspace(settings.temp_dir)
    state = ServerState(settings, limiter, workspace, JobStore(settings, limiter, workspace))

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        sweeper = asyncio.create_task(_sweep_forever(state.jobs))
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            state.close()

    app = FastAPI(
        title="lumos",
        version=__version__,
        description="Turn dark, noisy photos into bright, clean ones.",
        docs_url=None,  # the default Swagger UI loads from a CDN; /docs is served offline
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.lumos = state
    weakref.finalize(app, workspace.close)
    install_handlers(app, retry_after_s=settings.retry_after_s)

    def body_limit(path: str) -> tuple[int, str]:
        if path.rstrip("/") == "/v1/jobs":
            n = settings.max_job_files
            return settings.max_body_bytes(n), (
                f"request: larger than one job may be ({n} files of up to "
                f"{settings.upload_limit_text} each)"
            )
        return settings.max_body_bytes(1), f"file: {too_large_text(settings)}"

    app.add_middleware(BodyLimitMiddleware, limit_for=body_limit)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["*"],
            expose_headers=["Content-Disposition", "Location", "Retry-After", "X-Lumos-Stats"],
        )

    app.add_middleware(_SecurityHeadersMiddleware)

    app.include_router(page_router)
    app.include_router(health_router)
    app.include_router(enhance_router)
    app.include_router(jobs_router)
    _markdown_docs(app)
    return app


_RST_LITERAL = re.compile(r"``([^`]+)``")


def _markdown_docs(app: FastAPI) -> None:
    """Serve the routes' docstrings in the Markdown that /docs renders.

    They are written for Sphinx, whose ``literal`` showed on /docs with its
    double backticks; in the schema it becomes Markdown's `literal`.
    """
    build = app.openapi

    def fix(node: object) -> object:
        if isinstance(node, dict):
            return {
                k: _RST_LITERAL.sub(r"`\1`", v)
                if k == "description" and isinstance(v, str)
                else fix(v)
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [fix(v) for v in node]
        return node

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = fix(build())  # type: ignore[assignment]
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
