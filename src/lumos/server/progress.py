"""How far an enhance request has got, for a client that asked to follow it.

A client that sends ``progress_id`` (a random name of its choosing) with
``POST /v1/enhance`` may ask ``GET /v1/progress/{progress_id}`` meanwhile: the
page shows percent done and time left for a full-resolution download that
takes many seconds. An entry holds three numbers and lives only while its
request does; it names nothing about the photo.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

from ..errors import OptionError

__all__ = ["STAGES", "ProgressBoard", "ReportFn", "check_progress_id"]

Stage = Literal["waiting", "reading", "enhancing", "enlarging", "saving"]
STAGES: tuple[Stage, ...] = ("waiting", "reading", "enhancing", "enlarging", "saving")
ReportFn = Callable[[Stage, int, int], None]
"""``report(stage, done, total)``: ``done`` of ``total`` tiles of that stage."""

_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


def check_progress_id(text: str | None) -> str | None:
    """The ``progress_id`` field: 8 to 64 letters, digits, ``-`` or ``_``; empty = none."""
    if text is None or not text.strip():
        return None
    if not _ID.fullmatch(text.strip()):
        raise OptionError(
            f"progress_id: 8 to 64 letters, digits, '-' or '_' of your choosing, got {text!r}"
        )
    return text.strip()


class ProgressBoard:
    """The progress of the requests being followed, by their ``progress_id``.

    At most ``limit`` at once (each is also a running or queued request, which the
    limiter bounds anyway); a request beyond it runs without being followed.
    """

    def __init__(self, limit: int = 1024) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, tuple[Stage, int, int]] = {}
        self._limit = limit

    @contextmanager
    def track(self, key: str | None) -> Iterator[ReportFn | None]:
        """``report`` for the request named ``key`` while the block runs; ``None``
        where there is nothing to follow (no id, one in use, or the board full)."""
        with self._lock:
            free = key is not None and key not in self._items and len(self._items) < self._limit
            if free:
                self._items[key] = ("waiting", 0, 0)
        if not free:
            yield None
            return

        def report(stage: Stage, done: int, total: int) -> None:
            with self._lock:
                if key in self._items:
                    self._items[key] = (stage, done, total)

        try:
            yield report
        finally:
            with self._lock:
                self._items.pop(key, None)

    def get(self, key: str) -> tuple[Stage, int, int] | None:
        with self._lock:
            return self._items.get(key)
