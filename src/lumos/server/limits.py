"""How many enhancements run at once, how many may wait, and how long.

Enhancing a photo is CPU- and memory-heavy, so the server runs at most
``concurrency`` of them, each in a worker thread (the event loop stays free to
accept uploads, answer ``/healthz`` and polls). Up to ``queue`` more requests
may wait for a worker; a request beyond that is refused at once with 503 and
``Retry-After`` instead of piling up memory.

A thread cannot be killed, so a request that runs past its timeout gets its 504
straight away while the work is told to stop at the next tile (through the
pipeline's progress callback) and keeps its worker until it does. The admitted
count therefore drops only when the work has really finished: a timed-out
request can never make the server run more than ``concurrency`` jobs at once.
A request whose client has gone (the web page drops a preview when a slider
moves again) is told to stop the same way, and dropped at once if it is still
waiting for a worker, so stale previews do not keep the next one waiting.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

__all__ = [
    "Cancelled",
    "ClientGoneError",
    "Limiter",
    "QueueFullError",
    "TimeoutExceededError",
]

T = TypeVar("T")
GONE_POLL_S = 0.2
"""How often a waiting request asks whether its client is still there."""


class QueueFullError(Exception):
    """All workers are busy and the queue is full (becomes 503 + Retry-After)."""


class TimeoutExceededError(Exception):
    """The request ran past the server's per-request timeout (becomes 504).

    ``future`` is the work still running, if any: its files must outlive it.
    """

    def __init__(self, future: Future | None = None) -> None:
        super().__init__("timed out")
        self.future = future


class ClientGoneError(Exception):
    """The client disconnected before its result was ready; the work was told to stop."""


class Cancelled(Exception):
    """Raised inside a worker to stop work whose request has given up."""


class CancelToken:
    """A flag the worker checks between tiles; set when the request times out."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self, *_: object) -> None:
        """Raise :class:`Cancelled` if cancelled; usable as a ``progress(done, total)``."""
        if self._event.is_set():
            raise Cancelled()


def _consume(fut: asyncio.Future) -> None:
    if not fut.cancelled():
        fut.exception()


_libc: Any = None


def give_back_memory() -> None:
    """Return the C heap's free pages to the system (glibc ``malloc_trim``); elsewhere nothing.

    A 12 MP photo frees hundreds of MB of arrays, but glibc keeps freed heap
    pages mapped: an idle server stayed at 1.3-1.4 GB RSS after a burst
    (``bench/soak.py``). Called when the last running work item ends, so a busy
    server does not pay for it between requests.
    """
    global _libc
    if _libc is False or not sys.platform.startswith("linux"):
        return
    try:
        if _libc is None:
            import ctypes

            _libc = ctypes.CDLL(None)
        _libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl): nothing to trim
        _libc = False


class Limiter:
    """A pool of ``concurrency`` worker threads with an admission limit.

    Parameters
    ----------
    concurrency : int
        Worker threads.
    queue : int
        Work items that may wait for a worker beyond those running.
    """

    def __init__(self, concurrency: int, queue: int) -> None:
        self.concurrency = concurrency
        self.capacity = concurrency + queue
        self._lock = threading.Lock()
        self._admitted = 0
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="lumos-work")

    @property
    def admitted(self) -> int:
        """Work items running or waiting now."""
        with self._lock:
            return self._admitted

    def _release(self, _: Future) -> None:
        with self._lock:
            self._admitted -= 1
            idle = self._admitted == 0
        if idle:
            give_back_memory()

    def submit(
        self, fn: Callable[[CancelToken], T], *, admit: bool = True
    ) -> tuple[Future, CancelToken]:
        """Start ``fn(token)`` in a worker thread.

        ``admit=False`` skips the admission check (batch jobs wait their turn
        instead of being refused, and are bounded by ``max_jobs`` instead).

        Raises
        ------
        QueueFullError
            When ``admit`` and the workers plus queue are full.
        """
        with self._lock:
            if admit and self._admitted >= self.capacity:
                raise QueueFullError()
            self._admitted += 1
        token = CancelToken()
        try:
            future = self._pool.submit(fn, token)
        except BaseException:
            with self._lock:
                self._admitted -= 1
            raise
        future.add_done_callback(self._release)
        return future, token

    async def run(
        self,
        fn: Callable[[CancelToken], T],
        *,
        timeout: float,
        gone: Callable[[], Awaitable[bool]] | None = None,
    ) -> T:
        """Run ``fn(token)`` in a worker and await its result for at most ``timeout`` s.

        ``gone`` (e.g. Starlette's ``request.is_disconnected``) is asked every
        :data:`GONE_POLL_S` whether the client is still there.

        Raises
        ------
        QueueFullError
            Refused at admission.
        TimeoutExceededError
            Not done in time (waiting in the queue counts); the work is told to stop.
        ClientGoneError
            The client left first; the work is told to stop.
        """
        future, token = self.submit(fn)
        waiter = asyncio.wrap_future(future)
        try:
            return await self._await(waiter, timeout, gone)
        except (asyncio.TimeoutError, asyncio.CancelledError, ClientGoneError) as exc:
            # Nobody awaits the result any more: fetch it when it comes so asyncio
            # does not log "exception was never retrieved".
            waiter.add_done_callback(_consume)
            token.cancel()
            future.cancel()  # succeeds only if it is still waiting for a worker
            if isinstance(exc, (asyncio.CancelledError, ClientGoneError)):
                raise
            raise TimeoutExceededError(future) from None

    @staticmethod
    async def _await(
        waiter: asyncio.Future, timeout: float, gone: Callable[[], Awaitable[bool]] | None
    ) -> T:
        """``waiter``'s result, asking ``gone`` every :data:`GONE_POLL_S` if given.

        ``asyncio.wait`` leaves the future alone when it times out or this task is
        cancelled: the concurrent future's done-callback bookkeeping stays intact,
        and :meth:`run` cancels the work itself.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            left = deadline - loop.time()
            if left <= 0:
                raise asyncio.TimeoutError
            step = left if gone is None else min(GONE_POLL_S, left)
            done, _ = await asyncio.wait({waiter}, timeout=step)
            if done:
                return waiter.result()
            if gone is not None and await gone():
                raise ClientGoneError

    def shutdown(self) -> None:
        """Stop accepting work; drop queued items; running ones finish in the background."""
        self._pool.shutdown(wait=False, cancel_futures=True)
