"""Batch jobs: create, poll, download one file or a zip, expiry and shutdown cleanup."""

from __future__ import annotations

import asyncio
import io
import threading
import time
import zipfile

from .conftest import CAMERA, decode, encode, png_bomb, state_of


def _poll(client, job_id: str, timeout: float = 30.0) -> dict:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while True:
        status = client.get(f"/v1/jobs/{job_id}").json()
        if status["status"] in ("done", "failed") or time.monotonic() > end:
            return status
        time.sleep(0.05)


def _create(client, jpeg: bytes, **fields: str):  # type: ignore[no-untyped-def]
    files = [
        ("files", ("one.jpg", jpeg)),
        ("files", ("two.png", encode("PNG"))),
        ("files", ("notes.txt", b"not an image, just words" * 8)),
    ]
    return client.post("/v1/jobs", files=files, data=fields)


def test_job_create_poll_download_zip(client, jpeg):
    r = _create(client, jpeg, denoise="0.5")
    assert r.status_code == 202, r.text
    created = r.json()
    assert created["total"] == 3 and created["status_url"] == f"/v1/jobs/{created['id']}"
    assert r.headers["location"] == created["status_url"]
    status = _poll(client, created["id"])
    assert status["status"] == "done"
    assert (status["done"], status["total"], status["failed"]) == (3, 3, 1)
    one, two, notes = status["files"]
    assert (one["name"], one["status"]) == ("one_lumos.jpg", "done")
    assert (two["name"], two["status"]) == ("two_lumos.png", "done")
    assert notes["status"] == "failed" and "not an image" in notes["error"]
    assert notes["source_name"] == "notes.txt" and one["source_name"].startswith("one.")
    assert one["stats"]["denoise"] == 0.5

    r = client.get(one["url"])
    assert r.status_code == 200
    assert 'filename="one_lumos.jpg"' in r.headers["content-disposition"]
    image = decode(r.content)
    assert image.format == "JPEG" and image.getexif()[0x0110] == CAMERA

    assert client.get(f"/v1/jobs/{created['id']}/files/2").status_code == 409
    assert client.get(f"/v1/jobs/{created['id']}/files/9").status_code == 404

    r = client.get(status["zip_url"])
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["cache-control"] == "no-store"  # private photos, as each file's download
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert sorted(zf.namelist()) == ["one_lumos.jpg", "two_lumos.png"]
        assert decode(zf.read("two_lumos.png")).format == "PNG"


def test_job_uses_the_shadows_field(client, jpeg):
    r = _create(client, jpeg, shadows="0.7", model="classical")
    assert r.status_code == 202, r.text
    one, two, _ = _poll(client, r.json()["id"])["files"]
    assert one["stats"]["shadows"] == two["stats"]["shadows"] == 0.7
    r = _create(client, jpeg, shadows="2")
    assert r.status_code == 422 and r.json()["detail"].startswith("shadows: must be between")


def test_job_names_are_unique_ignoring_case_and_match_the_zip(client, jpeg):
    names = ["dark.jpg", "dark.jpg", "DARK.jpg", "notes.txt"]
    files = [("files", (n, b"words" if n.endswith("txt") else jpeg)) for n in names]
    job = client.post("/v1/jobs", files=files, data={"format": "webp"}).json()
    status = _poll(client, job["id"])
    done = [f["name"] for f in status["files"] if f["status"] == "done"]
    assert done == ["dark_lumos.webp", "dark_lumos-2.webp", "DARK_lumos-3.webp"]
    with zipfile.ZipFile(io.BytesIO(client.get(status["zip_url"]).content)) as zf:
        assert zf.namelist() == done
    r = client.get(status["files"][2]["url"])
    assert r.headers["content-disposition"] == 'attachment; filename="DARK_lumos-3.webp"'


def test_job_keeps_non_ascii_names(client, jpeg):
    job = client.post("/v1/jobs", files=[("files", ("Nacht Café 夜景.jpg", jpeg))]).json()
    status = _poll(client, job["id"])
    (item,) = status["files"]
    assert item["name"] == "Nacht_Café_夜景_lumos.jpg"
    r = client.get(item["url"])
    assert r.headers["content-disposition"] == (
        'attachment; filename="Nacht_Cafe_lumos.jpg"; '
        "filename*=UTF-8''Nacht_Caf%C3%A9_%E5%A4%9C%E6%99%AF_lumos.jpg"
    )
    with zipfile.ZipFile(io.BytesIO(client.get(status["zip_url"]).content)) as zf:
        assert zf.namelist() == ["Nacht_Café_夜景_lumos.jpg"]


def test_unknown_job_is_404(client):
    r = client.get("/v1/jobs/nope")
    assert r.status_code == 404
    assert "no such job" in r.json()["detail"]


def test_job_limits(make_client, jpeg):
    with make_client(max_job_files=2) as client:
        r = _create(client, jpeg)
        assert r.status_code == 422 and "at most 2" in r.json()["detail"]
        r = client.post("/v1/jobs", files=[("files", ("a.jpg", jpeg))], data={"denoise": "3"})
        assert r.status_code == 422
        assert state_of(client).workspace.is_empty()


def test_jobs_expire_and_their_files_are_removed(make_client, jpeg):
    with make_client(job_ttl_s=0.5) as client:
        job = client.post("/v1/jobs", files=[("files", ("a.jpg", jpeg))]).json()
        assert _poll(client, job["id"])["status"] == "done"
        assert not state_of(client).workspace.is_empty()
        time.sleep(0.6)
        assert client.get(f"/v1/jobs/{job['id']}").status_code == 404
        assert state_of(client).workspace.is_empty()


def test_shutdown_removes_everything(make_client, jpeg):
    with make_client() as client:
        job = client.post("/v1/jobs", files=[("files", ("a.jpg", jpeg))]).json()
        _poll(client, job["id"])
        root = state_of(client).workspace.root
        assert root.exists()
    assert not root.exists()


def test_delete_a_finished_job_removes_its_files(client, jpeg):
    job = client.post("/v1/jobs", files=[("files", ("a.jpg", jpeg))]).json()
    assert _poll(client, job["id"])["status"] == "done"
    assert not state_of(client).workspace.is_empty()
    r = client.delete(f"/v1/jobs/{job['id']}")
    assert r.status_code == 204 and r.content == b""
    assert state_of(client).workspace.is_empty()
    assert client.get(f"/v1/jobs/{job['id']}").status_code == 404
    assert client.get(f"/v1/jobs/{job['id']}/zip").status_code == 404
    assert client.delete(f"/v1/jobs/{job['id']}").status_code == 404


def test_delete_unknown_job_is_404(client):
    r = client.delete("/v1/jobs/nope")
    assert r.status_code == 404 and "no such job" in r.json()["detail"]


def test_delete_a_running_job_stops_it(client, jpeg, monkeypatch):
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow(src, out_dir, params, token):  # type: ignore[no-untyped-def]
        calls.append(src.name)
        started.set()
        release.wait(10)
        token.check()  # as the pipeline does between tiles
        raise AssertionError("the deleted job's file was not stopped")

    monkeypatch.setattr("lumos.server.jobs.enhance_file", slow)
    files = [("files", (f"{i}.jpg", jpeg)) for i in range(3)]
    job = client.post("/v1/jobs", files=files).json()
    assert started.wait(10)
    assert client.delete(f"/v1/jobs/{job['id']}").status_code == 204
    release.set()
    end = time.monotonic() + 10
    while not state_of(client).workspace.is_empty() and time.monotonic() < end:
        time.sleep(0.02)
    assert state_of(client).workspace.is_empty()
    assert calls == ["in0"]  # the files still waiting were never enhanced
    assert client.get(f"/v1/jobs/{job['id']}").status_code == 404


def test_a_too_large_file_fails_alone_in_a_job(make_client, jpeg):
    with make_client(max_upload_mb=0.1) as client:
        files = [("files", ("big.jpg", b"\xff\xd8" + b"\0" * 150_000)), ("files", ("a.jpg", jpeg))]
        r = client.post("/v1/jobs", files=files)
        assert r.status_code == 202, r.text
        big, small = _poll(client, r.json()["id"])["files"]
        assert big["status"] == "failed"
        assert big["error"] == "larger than the limit of 0.1 MB"
        assert small["status"] == "done"


def test_a_file_with_too_many_megapixels_fails_alone_in_a_job(make_client, jpeg):
    with make_client(max_megapixels=1) as client:
        files = [("files", ("bomb.png", png_bomb())), ("files", ("a.jpg", jpeg))]
        bomb, small = _poll(client, client.post("/v1/jobs", files=files).json()["id"])["files"]
        # Not "file: 50000x50000 ...": the line is the file's already, as for its size.
        assert bomb["error"] == "50000x50000 = 2500.0 MP is above this server's limit of 1 MP"
        assert small["status"] == "done"


def test_a_job_request_above_the_whole_limit_is_413(make_client, jpeg):
    with make_client(max_upload_mb=0.05, max_job_files=2) as client:
        files = [("files", (f"{i}.jpg", b"\0" * 90_000)) for i in range(2)]
        r = client.post("/v1/jobs", files=files)
        assert r.status_code == 413
        assert r.json()["detail"] == (
            "request: larger than one job may be (2 files of up to 0.05 MB each)"
        )
        assert state_of(client).workspace.is_empty()


def test_a_timeout_longer_than_a_thread_can_wait(make_client, jpeg):
    # lumos serve --timeout 1e10 (no limit, in effect): every file of a job failed as
    # "internal error" (OverflowError from the wait for its result).
    with make_client(timeout_s=1e10) as client:
        job = client.post("/v1/jobs", files=[("files", ("a.jpg", jpeg))]).json()
        (item,) = _poll(client, job["id"])["files"]
        assert (item["status"], item["error"]) == ("done", None)


def test_a_job_deleted_during_its_download_or_zip(client, monkeypatch):
    # DELETE (or expiry) while a zip was being built wrote into a folder half gone (a 500,
    # or an all.zip left behind); a download the deletion overtook was a 500.
    from lumos.server.jobs import Job, JobItem
    from lumos.server.routes_jobs import _open_response

    store = state_of(client).jobs
    folder = store.workspace.new_dir()
    out = folder / "out0.jpg"
    out.write_bytes(b"photo" * 1000)
    item = JobItem(0, "p_lumos.jpg", folder / "in", "done", output=out)
    job = Job(id="y", folder=folder, params=None, items=[item], finished=True)  # type: ignore[arg-type]
    store._jobs[job.id] = job
    download = _open_response(out, "image/jpeg", {})  # the request has opened the file
    building = threading.Event()
    release = threading.Event()
    real_write = zipfile.ZipFile.write

    def slow_write(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        building.set()
        release.wait(5)
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "write", slow_write)
    zipped: list[object] = []
    builder = threading.Thread(target=lambda: zipped.append(store.zip(job)))
    builder.start()
    assert building.wait(5)
    deleter = threading.Thread(target=store.delete, args=(job.id,))
    deleter.start()
    time.sleep(0.2)
    assert deleter.is_alive()  # it waits for the zip being built ...
    release.set()
    builder.join(5)
    deleter.join(5)
    assert zipped == [folder / "all.zip"] and not folder.exists()  # ... then removes it all
    assert store.zip(job) is None  # a later request finds nothing to build

    async def read_all() -> bytes:
        return b"".join([chunk async for chunk in download.body_iterator])  # type: ignore[misc]

    assert asyncio.run(read_all()) == b"photo" * 1000  # the open file outlived the deletion


def test_zip_requested_twice_at_once(client):
    # Two downloads of "all" at once (a double click) both wrote all.zip.part: one
    # request's rename found the file gone (a 500) and a zip could be cut short.
    from lumos.server.jobs import Job, JobItem

    store = state_of(client).jobs
    folder = store.workspace.new_dir()
    items = []
    for i in range(4):
        out = folder / f"out{i}.jpg"
        out.write_bytes(bytes(range(256)) * 8192)  # 2 MB each: writing takes a while
        items.append(JobItem(i, f"p{i}_lumos.jpg", folder / f"in{i}", "done", output=out))
    job = Job(id="x", folder=folder, params=None, items=items, finished=True)  # type: ignore[arg-type]
    start = threading.Barrier(8)
    results: list[object] = []

    def fetch() -> None:
        start.wait()
        try:
            results.append(store.zip(job))
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [folder / "all.zip"] * 8
    with zipfile.ZipFile(folder / "all.zip") as zf:
        assert zf.testzip() is None and len(zf.namelist()) == 4


def test_waiting_for_a_worker_does_not_count_against_a_files_timeout(
    make_client, jpeg, monkeypatch
):
    # Jobs share the workers: a file queued behind other jobs' files failed as
    # "took too long to process" before it had started.
    from lumos.server.processing import EnhancedFile

    def quick(src, out_dir, params, token):  # type: ignore[no-untyped-def]
        (out_dir / "result.jpg").write_bytes(jpeg)
        return EnhancedFile(out_dir / "result.jpg", "JPEG", {})

    monkeypatch.setattr("lumos.server.jobs.enhance_file", quick)
    with make_client(concurrency=1, timeout_s=0.5) as client:
        state_of(client).limiter.submit(lambda _tok: time.sleep(1.2), admit=False)  # the worker
        job = client.post("/v1/jobs", files=[("files", ("a.jpg", jpeg))]).json()
        (item,) = _poll(client, job["id"])["files"]
        assert (item["status"], item["error"]) == ("done", None)
