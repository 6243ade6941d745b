"""One place that turns exceptions into HTTP replies.

Every reply body is ``{"detail": "<one line>"}``: the page shows it as is.
Expected errors (:class:`lumos.errors.LumosError`) become 4xx with their
message, never with the server's temporary path; overload and timeouts become
503/504; anything else is a 500 that says only "internal server error" (the
traceback goes to the log, not to the client).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ..errors import (
    ImageTooLargeError,
    InputError,
    LumosError,
    MissingExtraError,
    OptionError,
    UnsupportedFormatError,
)
from .limits import ClientGoneError, QueueFullError, TimeoutExceededError
from .report_bridge import ReportUnavailableError

__all__ = ["UploadTooLargeError", "install_handlers", "status_for"]

log = logging.getLogger("lumos.server")


class UploadTooLargeError(HTTPException):
    """An upload or request body above the size limit (413).

    An ``HTTPException`` so that FastAPI passes it through unchanged when it is
    raised from inside its own form parsing (other errors there become 400).
    ``detail`` states the limit as configured (``file: larger than the limit of 50 MB``).
    """

    def __init__(self, detail: str) -> None:
        super().__init__(413, detail)


def status_for(exc: LumosError) -> int:
    """The HTTP status of an expected lumos error."""
    if isinstance(exc, ImageTooLargeError):
        return 413
    if isinstance(exc, (UnsupportedFormatError, MissingExtraError)):
        return 415
    if isinstance(exc, OptionError):
        return 422
    if isinstance(exc, InputError):
        return 400  # corrupt, truncated or empty upload
    return 500  # OutputError / ModelError: the server's side, not the client's


def _one_line(text: str) -> str:
    return " ".join(str(text).split())[:500]


_PYDANTIC_WORDS = {
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "int_parsing": "expected an integer",
    "int_type": "expected an integer",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "missing": "is required",
}
"""lumos' words for pydantic's error types: its own ("Input should be a valid boolean,
unable to interpret input") read unlike every other refusal of the API."""


def _message(err: dict) -> str:
    words = _PYDANTIC_WORDS.get(str(err.get("type", "")))
    if words is None:
        return str(err.get("msg", "invalid"))
    if err.get("type") == "missing":
        return words
    return f"{words}, got {err.get('input')!r}"


def _validation_detail(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where}: {_message(err)}" if where else _message(err))
    return _one_line("; ".join(parts) or "invalid request")


def install_handlers(app: FastAPI, *, retry_after_s: int) -> None:
    """Register the exception handlers on ``app``."""

    @app.exception_handler(LumosError)
    async def _lumos(_: Request, exc: LumosError) -> JSONResponse:
        status = status_for(exc)
        if status >= 500:
            log.error("server-side lumos error: %s", exc)
        # exc.message, not str(exc): str() prefixes the server's temporary path.
        return JSONResponse({"detail": _one_line(exc.message)}, status_code=status)

    @app.exception_handler(QueueFullError)
    async def _busy(_: Request, __: QueueFullError) -> JSONResponse:
        return JSONResponse(
            {"detail": "the server is busy; try again in a few seconds"},
            status_code=503,
            headers={"Retry-After": str(retry_after_s)},
        )

    @app.exception_handler(TimeoutExceededError)
    async def _timeout(_: Request, __: TimeoutExceededError) -> JSONResponse:
        return JSONResponse(
            {"detail": "the image took too long to process; try a smaller one"},
            status_code=504,
        )

    @app.exception_handler(ClientGoneError)
    async def _gone(_: Request, __: ClientGoneError) -> JSONResponse:
        # Nobody reads it: 499 is the usual log code for "client closed the request".
        return JSONResponse({"detail": "the client closed the request"}, status_code=499)

    @app.exception_handler(ReportUnavailableError)
    async def _no_report(_: Request, exc: ReportUnavailableError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=501)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_detail(exc)}, status_code=422)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal server error"}, status_code=500)
