"""``progress_id`` and ``GET /v1/progress/{id}``: how far a full-resolution request has got."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest

from lumos.server.progress import ProgressBoard

from .conftest import dark_rgb, encode, state_of


class _Recorder(ProgressBoard):
    """A board that remembers every report, to check what the work told it."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, int, int]] = []

    @contextmanager
    def track(self, key):  # type: ignore[no-untyped-def, override]
        with super().track(key) as report:
            if report is None:
                yield None
                return

            def tell(stage, done, total):  # type: ignore[no-untyped-def]
                self.seen.append((stage, done, total))
                report(stage, done, total)

            yield tell


@pytest.mark.parametrize("scale", ["1", "2"])
def test_the_work_tells_each_stage(client, scale):
    board = _Recorder()
    state_of(client).progress = board
    photo = encode("JPEG", dark_rgb(300, 400), quality=90)
    r = client.post(
        "/v1/enhance",
        files={"file": ("night.jpg", photo)},
        data={"progress_id": "page-0123456789", "scale": scale},
    )
    assert r.status_code == 200, r.text
    stages = [s for s, _, _ in board.seen]
    assert stages[0] == "reading" and stages[-1] == "saving"
    enhancing = [(d, t) for s, d, t in board.seen if s == "enhancing"]
    assert enhancing and enhancing[-1][0] == enhancing[-1][1] > 0  # every tile counted
    enlarging = [(d, t) for s, d, t in board.seen if s == "enlarging"]
    assert bool(enlarging) == (scale == "2")
    # Gone with its request: the board keeps nothing.
    assert client.get("/v1/progress/page-0123456789").status_code == 204
    assert board.get("page-0123456789") is None


def test_progress_is_answered_while_the_request_runs(client, monkeypatch):
    from lumos.server import routes_enhance

    started, release = threading.Event(), threading.Event()
    real = routes_enhance.enhance_file

    def slow_enhance(src, folder, params, token=None, report=None):  # type: ignore[no-untyped-def]
        report("enhancing", 3, 10)
        started.set()
        release.wait(30)
        return real(src, folder, params, token, report=report)

    monkeypatch.setattr("lumos.server.routes_enhance.enhance_file", slow_enhance)
    photo = encode("JPEG", quality=90)
    answers: list = []
    sender = threading.Thread(
        target=lambda: answers.append(
            client.post(
                "/v1/enhance",
                files={"file": ("night.jpg", photo)},
                data={"progress_id": "abcdefgh-1"},
            )
        )
    )
    sender.start()
    try:
        assert started.wait(30)
        r = client.get("/v1/progress/abcdefgh-1")
        assert r.status_code == 200
        assert r.json() == {"stage": "enhancing", "done": 3, "total": 10}
        assert r.headers["content-type"] == "application/json"
    finally:
        release.set()
        sender.join(30)
    assert answers[0].status_code == 200
    assert client.get("/v1/progress/abcdefgh-1").status_code == 204


@pytest.mark.parametrize("bad", ["short", "has space in it", "x" * 65, "../../etc/passwd"])
def test_a_bad_progress_id_is_refused_naming_the_field(client, bad):
    r = client.post(
        "/v1/enhance", files={"file": ("a.jpg", encode("JPEG"))}, data={"progress_id": bad}
    )
    assert r.status_code == 422
    assert r.json()["detail"].startswith("progress_id: 8 to 64 letters")


def test_an_unknown_progress_id_has_nothing_to_tell(client):
    # 204, not 404: the page polls before the upload is read and after the reply has
    # left, and Chromium logs every 404 as a console error.
    r = client.get("/v1/progress/nothing-runs-here")
    assert r.status_code == 204 and r.content == b""


def test_one_id_in_use_is_not_shared():
    board = ProgressBoard()
    with board.track("same-id-123") as first, board.track("same-id-123") as second:
        assert first is not None and second is None
        first("enhancing", 1, 2)
        assert board.get("same-id-123") == ("enhancing", 1, 2)
    assert board.get("same-id-123") is None
