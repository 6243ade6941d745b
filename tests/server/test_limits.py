"""Concurrency, the bounded queue (503 + Retry-After) and the per-request timeout (504)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from lumos.server.limits import Cancelled, ClientGoneError, Limiter, QueueFullError
from lumos.server.processing import enhance_file

from .conftest import state_of


def _wait_for(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)


def test_queue_full_is_503_with_retry_after(make_client, jpeg, monkeypatch):
    release = threading.Event()

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        release.wait(10)
        return enhance_file(*args, **kwargs)

    monkeypatch.setattr("lumos.server.routes_enhance.enhance_file", slow)
    with make_client(concurrency=1, queue=0, retry_after_s=7) as client:
        results: list[int] = []
        first = threading.Thread(
            target=lambda: results.append(
                client.post("/v1/enhance", files={"file": ("a.jpg", jpeg)}).status_code
            )
        )
        first.start()
        _wait_for(lambda: state_of(client).limiter.admitted == 1)
        r = client.post("/v1/enhance", files={"file": ("b.jpg", jpeg)})
        assert r.status_code == 503
        assert r.headers["retry-after"] == "7"
        assert "busy" in r.json()["detail"]
        assert client.get("/healthz").status_code == 200  # the event loop is not blocked
        release.set()
        first.join(20)
        assert results == [200]
        assert state_of(client).limiter.admitted == 0
        assert state_of(client).workspace.is_empty()


def test_concurrent_requests_within_capacity_all_succeed(make_client, jpeg):
    with make_client(concurrency=2, queue=4) as client:
        codes: list[int] = []
        threads = [
            threading.Thread(
                target=lambda: codes.append(
                    client.post(
                        "/v1/enhance",
                        files={"file": ("a.jpg", jpeg)},
                        data={"preview_max_side": "64"},
                    ).status_code
                )
            )
            for _ in range(6)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(codes) == [200] * 6


def _run_until_stopped(token, stopped: threading.Event) -> None:  # type: ignore[no-untyped-def]
    """Work that looks at ``token`` every 10 ms for up to 5 s, as the pipeline does
    between tiles: told to stop, it sets ``stopped`` and raises :class:`Cancelled`."""
    for _ in range(500):
        time.sleep(0.01)
        if token.cancelled:
            stopped.set()
            raise Cancelled()
    raise AssertionError("never told to stop")


def test_timeout_is_504_and_the_work_is_stopped(make_client, jpeg, monkeypatch):
    stopped = threading.Event()

    def stuck(src, out_dir, params, token):  # type: ignore[no-untyped-def]
        (out_dir / "partial").write_bytes(b"x")
        _run_until_stopped(token, stopped)

    monkeypatch.setattr("lumos.server.routes_enhance.enhance_file", stuck)
    with make_client(timeout_s=0.3) as client:
        r = client.post("/v1/enhance", files={"file": ("a.jpg", jpeg)})
        assert r.status_code == 504
        assert "too long" in r.json()["detail"]
        assert stopped.wait(5)
        _wait_for(lambda: state_of(client).limiter.admitted == 0)
        # The folder is removed once the worker has really stopped.
        _wait_for(state_of(client).workspace.is_empty)


def test_a_client_that_leaves_stops_its_work_and_frees_the_queue():
    # The page drops a preview when a slider moves again; the server went on with it,
    # and the next preview waited behind every dropped one.
    limiter = Limiter(concurrency=1, queue=2)
    stopped = threading.Event()

    def running(tok):  # type: ignore[no-untyped-def]
        _run_until_stopped(tok, stopped)

    async def left() -> bool:
        return True

    async def there() -> bool:
        return False

    async def scenario() -> float:
        first = asyncio.ensure_future(limiter.run(running, timeout=30, gone=left))
        queued = asyncio.ensure_future(limiter.run(lambda tok: "stale", timeout=30, gone=left))
        for task in (first, queued):
            with pytest.raises(ClientGoneError):
                await task
        t0 = time.perf_counter()
        assert await limiter.run(lambda tok: "fresh", timeout=30, gone=there) == "fresh"
        return time.perf_counter() - t0

    try:
        assert asyncio.run(scenario()) < 3  # not behind 5 s of dropped work
        assert stopped.wait(5)
        _wait_for(lambda: limiter.admitted == 0)
    finally:
        limiter.shutdown()


def test_a_request_whose_client_left_is_stopped(jpeg, monkeypatch):
    # Through the whole app: its middleware must let the route see the client leave
    # (Starlette's BaseHTTPMiddleware hid it, and the work ran to its end).
    import httpx

    from lumos.server import ServerSettings, create_app

    stopped = threading.Event()

    def stuck(src, out_dir, params, token):  # type: ignore[no-untyped-def]
        _run_until_stopped(token, stopped)

    monkeypatch.setattr("lumos.server.routes_enhance.enhance_file", stuck)
    built = httpx.Request("POST", "http://t/v1/enhance", files={"file": ("a.jpg", jpeg)})
    body = built.read()
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/v1/enhance", "raw_path": b"/v1/enhance",
        "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1),
        "server": ("t", 80), "headers": [(k.lower(), v) for k, v in built.headers.raw],
    }  # fmt: skip
    sent: list[dict] = []

    async def scenario() -> None:
        app = create_app(ServerSettings(concurrency=1))
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        leaves_at = asyncio.get_running_loop().time() + 0.3  # the upload is in, then it goes

        async def receive() -> dict:
            if messages:
                return messages.pop()
            left = leaves_at - asyncio.get_running_loop().time()
            if left > 0:  # as a server's receive: waits, or says at once that it has gone
                await asyncio.sleep(left)
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)

        async with app.router.lifespan_context(app):
            await asyncio.wait_for(app(scope, receive, send), timeout=4)

    asyncio.run(scenario())
    assert stopped.wait(5)
    assert sent[0]["status"] == 499


def test_limiter_admits_concurrency_plus_queue():
    limiter = Limiter(concurrency=1, queue=1)
    gate = threading.Event()
    try:
        a, _ = limiter.submit(lambda tok: gate.wait(5))
        b, _ = limiter.submit(lambda tok: gate.wait(5))
        with pytest.raises(QueueFullError):
            limiter.submit(lambda tok: None)
        c, _ = limiter.submit(lambda tok: "batch", admit=False)  # batch work waits instead
        gate.set()
        assert c.result(5) == "batch" and a.result(5) and b.result(5)
        _wait_for(lambda: limiter.admitted == 0)
    finally:
        gate.set()
        limiter.shutdown()


def _multipart(field: str, size: int) -> tuple[bytes, str]:
    """A multipart body with one ``size``-byte file, and its content type."""
    boundary = "lumoslimit"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="a.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    body = head + b"\xff" * size + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("route", ["/v1/enhance", "/v1/analyse"])
@pytest.mark.parametrize(
    ("mb", "size", "limit"),
    [
        (1, 1_000_001, "1 MB"),  # just above the file limit: the upload's own count
        (1, 1_200_000, "1 MB"),  # above the request limit too: refused from Content-Length
        (50, 50_000_001, "50 MB"),
        (2.5, 3_000_000, "2.5 MB"),
    ],
)
def test_size_messages_state_the_configured_limit(make_client, route, mb, size, limit):
    body, content_type = _multipart("file", size)
    with make_client(max_upload_mb=mb) as client:
        r = client.post(route, content=body, headers={"content-type": content_type})
        assert r.status_code == 413
        assert r.json()["detail"] == f"file: larger than the limit of {limit}"


def test_file_limit_is_in_megabytes_of_a_million_bytes(make_client, jpeg):
    with make_client(max_upload_mb=0.004) as client:  # 4000 bytes
        assert len(jpeg) < 4000, "the test photo grew; pick a larger limit"
        r = client.post("/v1/analyse", files={"file": ("a.jpg", jpeg)})
        assert r.status_code == 200, r.text
        r = client.post("/v1/analyse", files={"file": ("a.jpg", jpeg + b"\0" * (4001 - len(jpeg)))})
        assert r.status_code == 413


def test_memory_is_given_back_when_the_last_work_item_ends(monkeypatch):
    """glibc kept the freed heap of a 12 MP request mapped: an idle server stayed at 1.3 GB."""
    from lumos.server import limits

    trims: list[int] = []
    monkeypatch.setattr(limits, "give_back_memory", lambda: trims.append(1))
    limiter = Limiter(concurrency=2, queue=2)
    gate = threading.Event()
    try:
        first, _ = limiter.submit(lambda _t: gate.wait(5))
        second, _ = limiter.submit(lambda _t: gate.wait(5))
        gate.set()
        first.result(5)
        second.result(5)
        deadline = time.monotonic() + 5
        while limiter.admitted and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)
        assert trims == [1]  # once, when idle: not between the two
    finally:
        limiter.shutdown()


def test_give_back_memory_runs_here() -> None:
    from lumos.server.limits import give_back_memory

    give_back_memory()  # glibc's malloc_trim, or nothing: never an error


def test_the_server_runs_onnx_without_its_memory_arena(make_client) -> None:
    """The arena kept a 12 MP photo's working memory (~400 MB) after the server went idle."""
    from lumos.models import _onnx
    from lumos.models.lumosnet import WEIGHTS_DIR

    member = sorted(WEIGHTS_DIR.glob("global*.onnx"))[0]
    try:
        with make_client():
            session = _onnx.onnx_session(member, "the LumosNet weights")
            assert session.get_session_options().enable_cpu_mem_arena is False
    finally:
        _onnx.use_memory_arena(True)
    assert _onnx.onnx_session(member, "x").get_session_options().enable_cpu_mem_arena is True
