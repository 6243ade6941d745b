"""An ASGI middleware that caps request bodies before anything buffers them.

FastAPI's multipart parser spools a whole upload to a temporary file before a
route runs, so a per-route check would come too late for a 10 GB upload. This
middleware refuses a declared ``Content-Length`` above the limit without
reading the body, and counts the bytes of every body (chunked uploads declare
no length) so that it stops the parser as soon as the limit is passed.

The limit of a single-photo request is one file plus room for the form's
framing, so its message states the per-file limit; a batch request's limit is
``max_job_files`` such files and its message says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import UploadTooLargeError

__all__ = ["BodyLimitMiddleware"]


class BodyLimitMiddleware:
    """Refuse request bodies larger than ``limit_for(path)`` bytes with 413.

    Parameters
    ----------
    app : ASGI app
        The wrapped application.
    limit_for : callable
        Path -> (byte limit of its body, the message of its 413).
    """

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], tuple[int, str]]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit, detail = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _reply_413(send, detail)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Raised inside the route's body parsing; FastAPI lets an
                    # HTTPException through, and the handlers turn it into 413.
                    raise UploadTooLargeError(detail)
            return message

        await self.app(scope, counted, send)


async def _reply_413(send: Send, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
