"""The web page in a real browser: upload, compare, tune, download (Playwright + Chromium).

Skipped unless the ``playwright`` package and Debian's ``/usr/bin/chromium`` are
installed (no browser is downloaded). ``LUMOS_SCREENSHOTS=1`` also writes
``docs/screenshots/page-desktop.png`` and ``page-phone.png``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from _scenes import backlit_photo

from .conftest import mean_luma

CHROMIUM = "/usr/bin/chromium"
if not shutil.which(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")
uvicorn = pytest.importorskip("uvicorn", reason="needs the 'server' extra")

from lumos.server import ServerSettings, create_app  # noqa: E402

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def dark_scene(path: Path, w: int = 960, h: int = 640) -> Path:
    """A dim room lit by one lamp: shapes to compare, strong noise in the shadows."""
    img = Image.new("RGB", (w, h), (14, 12, 10))
    d = ImageDraw.Draw(img)
    d.rectangle([0, int(h * 0.7), w, h], fill=(22, 17, 12))  # floor
    d.rectangle([int(w * 0.08), int(h * 0.25), int(w * 0.33), int(h * 0.72)], fill=(30, 18, 14))
    d.rectangle([int(w * 0.42), int(h * 0.15), int(w * 0.62), int(h * 0.45)], fill=(16, 22, 30))
    d.ellipse([int(w * 0.7), int(h * 0.3), int(w * 0.9), int(h * 0.62)], fill=(26, 30, 18))
    for i in range(12):  # books on a shelf
        x = int(w * 0.44) + i * int(w * 0.015)
        d.rectangle([x, int(h * 0.5), x + int(w * 0.012), int(h * 0.66)],
                    fill=(20 + 5 * (i % 3), 14 + 4 * (i % 4), 12 + 6 * (i % 2)))  # fmt: skip
    d.ellipse([int(w * 0.78), int(h * 0.08), int(w * 0.84), int(h * 0.17)], fill=(120, 100, 60))
    img = img.filter(ImageFilter.GaussianBlur(1.2))
    rng = np.random.default_rng(7)
    arr = np.asarray(img, dtype=np.float32)
    yy, xx = np.mgrid[0:h, 0:w]
    glow = 40 * np.exp(-(((xx - 0.81 * w) / (0.3 * w)) ** 2 + ((yy - 0.12 * h) / (0.4 * h)) ** 2))
    arr = arr + glow[..., None] * np.array([1.0, 0.8, 0.5]) + rng.normal(0, 5, arr.shape)
    Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(path, quality=92)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_url(tmp_path_factory) -> Iterator[str]:
    """A real uvicorn server on a free loopback port, in a background thread."""
    yield from _serve(ServerSettings(temp_dir=tmp_path_factory.mktemp("work")))


def _serve(settings: ServerSettings) -> Iterator[str]:
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > end or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(20)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser, url: str, width: int, height: int, phone: bool = False):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        accept_downloads=True,
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=2 if phone else 1,
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url + "/")
    return context, page, errors


def _after_src(page) -> str:  # type: ignore[no-untyped-def]
    return page.eval_on_selector("#after", "img => img.complete && img.naturalWidth ? img.src : ''")


def _upload(page, photo: Path) -> None:  # type: ignore[no-untyped-def]
    page.set_input_files("#file", str(photo))
    _wait_preview(page)


def _wait_preview(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector("#work", state="visible", timeout=30_000)
    page.wait_for_function(
        "() => { const i = document.getElementById('after');"
        " return i.src.startsWith('blob:') && i.complete && i.naturalWidth > 0; }",
        timeout=30_000,
    )
    page.wait_for_selector("#busy", state="hidden", timeout=30_000)


def _upload_next(page, photo: Path) -> None:  # type: ignore[no-untyped-def]
    """Like :func:`_upload` with a photo already on screen: waits for the new one's preview."""
    page.set_input_files("#file", str(photo))
    page.wait_for_function(
        "(name) => document.getElementById('name').textContent === name", arg=photo.stem
    )
    _wait_preview(page)


def test_upload_compare_tune_download(browser, server_url, tmp_path):
    photo = dark_scene(tmp_path / "dark room.jpg")
    context, page, errors = _open(browser, server_url, 1280, 800)
    try:
        _upload(page, photo)
        assert "uneven" in page.text_content("#a-light") or "uniform" in page.text_content(
            "#a-light"
        )
        assert "/255" in page.text_content("#a-noise")

        # Drag the comparison divider to a quarter of the width.
        box = page.locator("#compare").bounding_box()
        y = box["y"] + box["height"] / 2
        page.mouse.move(box["x"] + box["width"] / 2, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.25, y, steps=5)
        page.mouse.up()
        assert abs(int(page.get_attribute("#divider", "aria-valuenow")) - 25) <= 2
        assert page.eval_on_selector("#after", "i => i.style.clipPath") == "inset(0px 0px 0px 25%)"

        # A new denoise value gives a new preview.
        first = _after_src(page)
        page.fill("#denoise", "0.95")
        assert page.text_content("#denoise-out") == "0.95"
        page.wait_for_function(
            "(old) => { const i = document.getElementById('after');"
            " return i.src !== old && i.complete && i.naturalWidth > 0; }",
            arg=first,
            timeout=30_000,
        )

        # Switching to the classical model gives a new preview too.
        second = _after_src(page)
        page.select_option("#model", "classical")
        page.wait_for_function(
            "(old) => { const i = document.getElementById('after');"
            " return i.src !== old && i.complete && i.naturalWidth > 0; }",
            arg=second,
            timeout=30_000,
        )
        page.select_option("#model", "lumosnet")

        if os.environ.get("LUMOS_SCREENSHOTS") == "1":
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "page-desktop.png"))
        with page.expect_download(timeout=60_000) as info:
            page.click("#download")
        download = info.value
        assert download.suggested_filename == "dark_room_lumos.jpg"
        saved = tmp_path / "downloaded.jpg"
        download.save_as(saved)
        with Image.open(saved) as out, Image.open(photo) as src:
            assert out.format == "JPEG" and out.size == src.size
            assert mean_luma(out) > mean_luma(src) + 30
        page.wait_for_selector("#error", state="hidden")
        assert errors == []
    finally:
        context.close()


def test_phone_layout_and_error_message(browser, server_url, tmp_path):
    photo = dark_scene(tmp_path / "phone.jpg", 640, 960)
    context, page, errors = _open(browser, server_url, 390, 844, phone=True)
    try:
        # A file that is not an image: the page shows the server's 415 message.
        bad = tmp_path / "notes.jpg"
        bad.write_text("not a photo at all\n" * 20)
        page.set_input_files("#file", str(bad))
        page.wait_for_selector("#error", state="visible", timeout=30_000)
        assert "not supported" in page.text_content("#error")
        errors.clear()  # the browser logs the failed request as a console error

        _upload(page, photo)
        assert page.locator("#error").is_hidden()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "the page scrolls sideways on a phone"
        # Tap near the left edge of the comparison: the divider follows.
        box = page.locator("#compare").bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2)
        assert abs(int(page.get_attribute("#divider", "aria-valuenow")) - 30) <= 2
        if os.environ.get("LUMOS_SCREENSHOTS") == "1":
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "page-phone.png"), full_page=True)
        assert errors == []
    finally:
        context.close()


def _job_status(page) -> dict:  # type: ignore[no-untyped-def]
    job = page.get_attribute("#batch", "data-job")
    return page.evaluate("(id) => fetch('/v1/jobs/' + id).then((r) => r.json())", job)


def test_several_photos_enhanced_as_one_job(browser, server_url, tmp_path):
    photos = [dark_scene(tmp_path / f"room {i}.jpg", 480, 320) for i in range(2)]
    bad = tmp_path / "notes.png"
    bad.write_text("not a photo")
    context, page, errors = _open(browser, server_url, 1280, 800)
    try:
        page.set_input_files("#file", [str(p) for p in photos] + [str(bad)])
        page.wait_for_selector("#batch-zip", state="visible", timeout=60_000)
        assert page.locator("#work").is_hidden()  # no single photo to tune
        assert page.text_content("#batch-summary") == "2 of 3 enhanced, 1 failed."
        assert page.text_content("#batch-settings") == "Automatic settings for each photo"
        lines = page.locator("#batch-list li")
        assert lines.count() == 3
        assert page.locator("#batch-list li.done a").count() == 2
        failed = page.text_content("#batch-list li.failed")
        assert "notes.png" in failed and "failed:" in failed  # named as uploaded
        with page.expect_download(timeout=30_000) as info:
            page.click("#batch-zip")
        saved = tmp_path / "all.zip"
        info.value.save_as(saved)
        with zipfile.ZipFile(saved) as z:
            assert sorted(z.namelist()) == ["room_0_lumos.jpg", "room_1_lumos.jpg"]
        errors.clear()  # the failed file is not a console error, but keep the check strict below

        # The footer says how long results are kept; Delete removes them now.
        assert "for up to 60 minutes" in page.text_content("#privacy")
        job = page.get_attribute("#batch", "data-job")
        page.click("#batch-delete")
        page.wait_for_function(
            "() => document.getElementById('batch-summary').textContent"
            " === 'Deleted from the server.'"
        )
        assert page.locator("#batch-zip").is_hidden()
        assert page.locator("#batch-list li").count() == 0
        gone = page.evaluate("(id) => fetch('/v1/jobs/' + id).then((r) => r.status)", job)
        assert gone == 404
        errors.clear()  # the browser logs that 404 as a console error
        page.click("#batch-close")
        assert page.locator("#batch").is_hidden()
        assert errors == []
    finally:
        context.close()


def test_apply_the_tuned_settings_to_more_photos(browser, server_url, tmp_path):
    first = dark_scene(tmp_path / "first.jpg", 480, 320)
    more = [dark_scene(tmp_path / f"more{i}.jpg", 320, 240) for i in range(2)]
    context, page, errors = _open(browser, server_url, 1280, 800)
    try:
        _upload(page, first)
        page.fill("#denoise", "0.9")
        page.fill("#detail", "0.1")
        page.fill("#shadows", "0.3")
        page.set_input_files("#more-files", [str(p) for p in more])
        page.wait_for_selector("#batch-zip", state="visible", timeout=60_000)
        assert page.locator("#work").is_visible()  # the tuned photo stays on screen
        assert "denoise 0.9, detail 0.1" in page.text_content("#batch-settings")
        assert "shadows 0.3" in page.text_content("#batch-settings")
        status = _job_status(page)
        assert status["status"] == "done" and status["failed"] == 0
        for f in status["files"]:  # the job used the sliders' values, not each photo's auto
            assert f["stats"]["denoise"] == 0.9 and f["stats"]["detail"] == 0.1
            assert f["stats"]["shadows"] == 0.3

        # Several photos chosen as new ones (not "more") hide the photo for their list;
        # "Done" brings it back (it left a page with neither, only the slim drop bar).
        page.set_input_files("#file", [str(p) for p in more])
        page.wait_for_function("() => document.getElementById('work').hidden", timeout=30_000)
        page.wait_for_selector("#batch-zip", state="visible", timeout=60_000)
        page.click("#batch-close")
        assert page.locator("#batch").is_hidden()
        assert page.locator("#work").is_visible() and _after_src(page).startswith("blob:")
        assert errors == []
    finally:
        context.close()


def _hold_first(held: list):  # type: ignore[no-untyped-def]
    """A route handler that keeps the first matching request waiting in ``held``."""

    def handler(route) -> None:  # type: ignore[no-untyped-def]
        if held:
            route.continue_()
        else:
            held.append(route)

    return handler


def _wait_held(page, held: list) -> None:  # type: ignore[no-untyped-def]
    for _ in range(200):
        if held:
            return
        page.wait_for_timeout(50)
    raise AssertionError("the request to hold never came")


def test_a_refused_photo_keeps_the_previous_one(browser, server_url, tmp_path):
    """A file the server refuses must not become the photo that Download sends."""
    good = dark_scene(tmp_path / "good night.jpg", 480, 320)
    bad = tmp_path / "notes.txt"
    bad.write_text("not a photo at all\n" * 20)
    context, page, errors = _open(browser, server_url, 1280, 800)
    held: list = []
    try:
        _upload(page, good)
        # A slider move sends a preview; the refused pick fails while it is on its way.
        page.route("**/v1/enhance", _hold_first(held))
        page.fill("#denoise", "0.3")
        _wait_held(page, held)
        page.set_input_files("#file", str(bad))
        page.wait_for_selector("#error", state="visible", timeout=30_000)
        with page.expect_response("**/v1/enhance") as done:
            held[0].continue_()
        assert done.value.ok
        page.wait_for_selector("#busy", state="hidden", timeout=30_000)
        assert page.locator("#error").is_visible(), "the preview's success hid the error"
        assert "not supported" in page.text_content("#error")
        assert page.text_content("#name") == "good_night"
        assert page.locator("#work").is_visible()
        errors.clear()  # the browser logs the refused request as a console error

        with page.expect_download(timeout=60_000) as info:
            page.click("#download")
        assert info.value.suggested_filename == "good_night_lumos.jpg"
        assert errors == []
    finally:
        context.close()


def test_a_stale_reply_for_an_older_pick_is_ignored(browser, server_url, tmp_path):
    """Photo A still measuring, photo B refused: A's late reply must not take over."""
    first = dark_scene(tmp_path / "first.jpg", 480, 320)
    slow = dark_scene(tmp_path / "slow.jpg", 480, 320)
    bad = tmp_path / "bad.png"
    bad.write_text("not a photo")
    context, page, errors = _open(browser, server_url, 1280, 800)
    held: list = []
    try:
        _upload(page, first)

        page.route("**/v1/analyse", _hold_first(held))
        page.set_input_files("#file", str(slow))
        _wait_held(page, held)
        page.set_input_files("#file", str(bad))
        page.wait_for_selector("#error", state="visible", timeout=30_000)
        with page.expect_response("**/v1/analyse") as late:
            held[0].continue_()
        assert late.value.ok
        page.wait_for_timeout(500)
        assert page.text_content("#name") == "first"
        assert page.locator("#error").is_visible()
        errors.clear()
        with page.expect_download(timeout=60_000) as info:
            page.click("#download")
        assert info.value.suggested_filename == "first_lumos.jpg"
        assert errors == []
    finally:
        context.close()


def test_download_keeps_a_non_ascii_name(browser, server_url, tmp_path):
    photo = dark_scene(tmp_path / "Nacht Café 夜景.jpg", 320, 240)
    context, page, errors = _open(browser, server_url, 1280, 800)
    try:
        _upload(page, photo)
        with page.expect_download(timeout=60_000) as info:
            page.click("#download")
        assert info.value.suggested_filename == "Nacht_Café_夜景_lumos.jpg"
        assert page.text_content("#name") == "Nacht_Café_夜景"
        assert errors == []
    finally:
        context.close()


SLIDERS = ("denoise", "detail", "brightness", "shadows")


def _sliders(page) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return {s: float(page.input_value(f"#{s}")) for s in SLIDERS}


def _expected(auto: dict) -> dict[str, float]:
    # The sliders step by 0.01.
    return {
        "denoise": round(auto["denoise"], 2),
        "detail": round(auto["detail"], 2),
        "brightness": round(auto["target_brightness"], 2),
        "shadows": round(auto["shadows"], 2),
    }


def test_automatic_values_follow_the_model(browser, server_url, tmp_path):
    import httpx

    photo = dark_scene(tmp_path / "room.jpg")
    with photo.open("rb") as f:
        info = httpx.post(f"{server_url}/v1/analyse", files={"file": ("room.jpg", f)}).json()
    learned = _expected(info["would_use_by_model"]["lumosnet"])
    classical = _expected(info["would_use_by_model"]["classical"])
    assert learned != classical, "pick a photo where the models choose differently"
    context, page, errors = _open(browser, server_url, 1280, 800)
    try:
        _upload(page, photo)
        assert _sliders(page) == pytest.approx(learned, abs=0.006)
        page.select_option("#model", "classical")
        assert _sliders(page) == pytest.approx(classical, abs=0.006)
        page.click("#auto")
        assert _sliders(page) == pytest.approx(classical, abs=0.006)
        # Values tuned by hand stay when the model changes; Reset gives the model's own.
        page.fill("#detail", "0.6")
        page.select_option("#model", "lumosnet")
        assert _sliders(page)["detail"] == 0.6
        page.click("#auto")
        assert _sliders(page) == pytest.approx(learned, abs=0.006)
        page.wait_for_selector("#busy", state="hidden", timeout=30_000)
        assert errors == []
    finally:
        context.close()


def backlit_scene(path: Path, w: int = 480, h: int = 320) -> Path:
    """A backlit photo saved as JPEG (auto shadows open it up)."""
    Image.fromarray(backlit_photo(h, w, seed=3)).save(path, quality=92)
    return path


def _preview_stats(page, change) -> dict:  # type: ignore[no-untyped-def]
    """The X-Lumos-Stats of the preview that ``change()`` sends."""
    with page.expect_response("**/v1/enhance", timeout=30_000) as reply:
        change()
    page.wait_for_selector("#busy", state="hidden", timeout=30_000)
    return json.loads(reply.value.headers["x-lumos-stats"])


def test_shadows_slider_starts_at_auto_and_is_sent(browser, server_url, tmp_path):
    import httpx

    photo = backlit_scene(tmp_path / "garden.jpg")
    with photo.open("rb") as f:
        info = httpx.post(f"{server_url}/v1/analyse", files={"file": ("garden.jpg", f)}).json()
    auto = _expected(info["would_use_by_model"]["lumosnet"])["shadows"]
    assert auto > 0, "pick a photo whose shadows lumos opens up by itself"
    context, page, errors = _open(browser, server_url, 1280, 800)
    try:
        _upload(page, photo)
        assert _sliders(page)["shadows"] == pytest.approx(auto, abs=0.006)
        assert page.text_content("#shadows-out") == f"{auto:.2f}"
        # Moving the slider sends a preview with that value; Reset goes back to auto.
        stats = _preview_stats(page, lambda: page.fill("#shadows", "0"))
        assert page.text_content("#shadows-out") == "0.00" and stats["shadows"] == 0
        stats = _preview_stats(page, lambda: page.click("#auto"))
        assert _sliders(page)["shadows"] == pytest.approx(auto, abs=0.006)
        assert stats["shadows"] == pytest.approx(auto, abs=0.006)
        assert errors == []
    finally:
        context.close()


def test_switching_photos_shows_no_stale_after_half(browser, server_url, tmp_path):
    """The After half showed the previous photo's result until the new preview came."""
    first = dark_scene(tmp_path / "first.jpg", 480, 320)
    second = dark_scene(tmp_path / "second.jpg", 320, 480)
    context, page, errors = _open(browser, server_url, 1280, 800)
    held: list = []
    try:
        _upload(page, first)
        page.route("**/v1/enhance", _hold_first(held))
        page.set_input_files("#file", str(second))
        _wait_held(page, held)  # the new photo's preview is on its way
        assert page.text_content("#name") == "second"
        assert _after_src(page) == "", "the first photo's result is still shown"
        held[0].continue_()
        page.wait_for_function(
            "() => { const i = document.getElementById('after');"
            " return i.src.startsWith('blob:') && i.complete && i.naturalWidth === 320; }",
            timeout=30_000,
        )
        assert errors == []
    finally:
        context.close()


def test_a_busy_error_goes_once_something_succeeds(browser, server_url, tmp_path):
    """A 503 met by Download stayed on screen after later previews had succeeded."""
    photo = dark_scene(tmp_path / "night.jpg", 480, 320)
    context, page, errors = _open(browser, server_url, 1280, 800)
    busy: list = []

    def refuse_once(route) -> None:  # type: ignore[no-untyped-def]
        if busy:
            route.continue_()
        else:
            busy.append(route)
            route.fulfill(
                status=503,
                headers={"Retry-After": "1", "Content-Type": "application/json"},
                body='{"detail": "busy"}',
            )

    try:
        _upload(page, photo)
        page.route("**/v1/enhance", refuse_once)
        page.click("#download")
        page.wait_for_selector("#error", state="visible", timeout=30_000)
        assert "busy" in page.text_content("#error")
        with page.expect_response("**/v1/enhance") as done:
            page.fill("#denoise", "0.3")
        assert done.value.ok
        page.wait_for_selector("#error", state="hidden", timeout=30_000)
        errors.clear()  # the refused request is logged as a console error
    finally:
        context.close()


@pytest.mark.parametrize(("width", "height", "phone"), [(1440, 900, False), (390, 844, True)])
def test_status_and_errors_are_in_view_by_the_buttons(
    browser, server_url, tmp_path, width, height, phone
):
    """They sat at the top while Download was below the fold: a 15 s download showed only
    a dimmed button, and a refusal appeared off-screen."""
    photo = dark_scene(tmp_path / "night.jpg", 960, 640)
    context, page, errors = _open(browser, server_url, width, height, phone=phone)

    def in_view(selector: str) -> bool:
        return page.eval_on_selector(
            selector,
            "e => { const r = e.getBoundingClientRect();"
            " return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }",
        )

    def overlap(a: str, b: str) -> bool:
        return page.evaluate(
            "([a, b]) => { const r = document.querySelector(a).getBoundingClientRect();"
            " const s = document.querySelector(b).getBoundingClientRect();"
            " return r.left < s.right && s.left < r.right"
            " && r.top < s.bottom && s.top < r.bottom; }",
            [a, b],
        )

    held: list = []

    def hold_then_refuse(route) -> None:  # type: ignore[no-untyped-def]
        if not held:
            held.append(route)  # the first download waits: its status line shows
        else:
            route.fulfill(status=413, headers={"Content-Type": "application/json"},
                          body='{"detail": "file: too large"}')  # fmt: skip

    try:
        _upload(page, photo)
        # Download at the bottom of the window, where the floating boxes are.
        page.eval_on_selector(
            "#download", "b => { b.scrollIntoView({ block: 'end' }); window.scrollBy(0, 4); }"
        )
        page.route("**/v1/enhance", hold_then_refuse)
        page.click("#download")
        _wait_held(page, held)
        page.wait_for_selector("#status", state="visible")
        assert in_view("#status") and in_view("#download")
        assert not overlap("#status", "#download"), "the status line covers Download"
        held[0].continue_()
        page.wait_for_selector("#status", state="hidden", timeout=60_000)
        page.click("#download")
        page.wait_for_selector("#error", state="visible", timeout=30_000)
        assert in_view("#error") and in_view("#download")
        assert not overlap("#error", "#download"), "the error box covers Download"
        if os.environ.get("LUMOS_SCREENSHOTS"):
            page.screenshot(path=str(tmp_path.parent / f"error-in-view-{width}.png"))
        errors.clear()
    finally:
        context.close()


def test_the_same_file_can_be_chosen_again(browser, server_url, tmp_path):
    """The file input kept its value, so re-picking the same file after a drop did nothing."""
    first = dark_scene(tmp_path / "first.jpg", 320, 240)
    context, page, errors = _open(browser, server_url, 1280, 800)
    try:
        _upload(page, first)
        assert page.eval_on_selector("#file", "i => i.value") == ""
        assert errors == []
    finally:
        context.close()


def test_batch_markers_up_to_100_are_not_clipped(browser, server_url):
    context, page, _ = _open(browser, server_url, 1280, 800)
    try:
        room = page.evaluate(
            """() => {
              const list = document.getElementById('batch-list');
              document.getElementById('batch').hidden = false;
              const probe = document.createElement('span');
              probe.textContent = '100. ';
              list.appendChild(probe);
              const need = probe.getBoundingClientRect().width;
              probe.remove();
              return parseFloat(getComputedStyle(list).paddingLeft) - need;
            }"""
        )
        assert room >= 0, f"the marker '100.' needs {-room:.1f} px more"
    finally:
        context.close()


def _busy(route) -> None:  # type: ignore[no-untyped-def]
    """The server's own 503 (lumos.server.errors), with a short Retry-After."""
    route.fulfill(
        status=503,
        headers={"Retry-After": "1", "Content-Type": "application/json"},
        body='{"detail": "the server is busy; try again in a few seconds"}',
    )


def test_a_busy_preview_is_sent_again_after_retry_after(browser, server_url, tmp_path):
    """A 503 left 'try again in 5 s' on screen and no preview until a slider moved."""
    photo = dark_scene(tmp_path / "night.jpg", 480, 320)
    context, page, errors = _open(browser, server_url, 1280, 800)
    sent: list = []

    def busy_once(route) -> None:  # type: ignore[no-untyped-def]
        sent.append(route)
        _busy(route) if len(sent) == 1 else route.continue_()

    try:
        _upload(page, photo)
        first = _after_src(page)
        page.route("**/v1/enhance", busy_once)
        page.fill("#denoise", "0.3")
        page.wait_for_selector("#error", state="visible", timeout=30_000)
        assert "trying the preview again in 1 s (try 1 of 3)" in page.text_content("#error")
        page.wait_for_function(
            "(old) => { const i = document.getElementById('after');"
            " return i.src !== old && i.complete && i.naturalWidth > 0; }",
            arg=first,
            timeout=30_000,
        )
        page.wait_for_selector("#error", state="hidden", timeout=10_000)
        assert len(sent) == 2
        errors.clear()  # the refused request is logged as a console error
    finally:
        context.close()


def test_a_busy_preview_gives_up_after_three_tries(browser, server_url, tmp_path):
    photo = dark_scene(tmp_path / "night.jpg", 480, 320)
    context, page, _ = _open(browser, server_url, 390, 844, phone=True)
    sent: list = []

    def always_busy(route) -> None:  # type: ignore[no-untyped-def]
        sent.append(route)
        _busy(route)

    try:
        _upload(page, photo)
        page.route("**/v1/enhance", always_busy)
        page.fill("#denoise", "0.3")
        page.wait_for_function(
            "() => document.getElementById('error').textContent.includes('try again in 1 s')",
            timeout=30_000,
        )
        page.wait_for_timeout(1500)  # no fifth try
        assert len(sent) == 4
        assert page.text_content("#error") == "The server is busy; try again in 1 s"
        page.screenshot(path="/tmp/lumos-busy-phone.png")
    finally:
        context.close()


@pytest.fixture(scope="module")
def small_server_url(tmp_path_factory) -> Iterator[str]:
    """A server whose megapixel limit a 960 x 640 photo passes at 2x but not at 4x."""
    yield from _serve(ServerSettings(temp_dir=tmp_path_factory.mktemp("small"), max_megapixels=3))


@pytest.mark.parametrize(("width", "height", "phone"), [(1440, 900, False), (390, 844, True)])
def test_an_enlargement_over_the_limit_is_not_offered(
    browser, small_server_url, tmp_path, width, height, phone
):
    """4x was offered where the result would pass the limit, and refused after the upload."""
    big = dark_scene(tmp_path / "big.jpg", 960, 640)  # 0.61 MP: 2x 2.5 MP, 4x 9.8 MP
    small = dark_scene(tmp_path / "small.jpg", 320, 240)  # 4x is 1.2 MP
    context, page, errors = _open(browser, small_server_url, width, height, phone=phone)
    try:
        page.wait_for_function("() => document.getElementById('limits').textContent !== ''")
        _upload(page, small)
        page.select_option("#scale", "4")
        assert page.locator("#scale-note").is_hidden()

        _upload_next(page, big)
        disabled = page.eval_on_selector_all("#scale option", "os => os.map(o => o.disabled)")
        assert disabled == [False, False, True]
        assert page.input_value("#scale") == "2"  # the largest the limit allows
        assert "(over 3 MP)" in page.text_content("#scale option[value='4']")
        note = page.locator("#scale-note")
        assert note.is_visible() and "past 3 MP" in note.text_content()
        note.scroll_into_view_if_needed()
        page.screenshot(path=f"/tmp/lumos-scale-limit-{width}.png")
        with page.expect_download(timeout=60_000) as info:
            page.click("#download")
        assert info.value.suggested_filename == "big_lumos_2x.jpg"

        _upload_next(page, small)  # a photo that can take 4x again offers it
        assert page.eval_on_selector_all("#scale option", "os => os.map(o => o.disabled)") == [
            False,
            False,
            False,
        ]
        assert "over" not in page.text_content("#scale option[value='4']")
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize(("width", "height", "phone"), [(1440, 900, False), (390, 844, True)])
def test_how_was_this_done_opens_the_explain_report(
    browser, server_url, tmp_path, width, height, phone
):
    from lumos.server.report_bridge import ReportUnavailableError, report_function

    try:
        report_function()
    except ReportUnavailableError as exc:
        pytest.skip(str(exc))
    photo = dark_scene(tmp_path / "night walk.jpg", 480, 320)
    context, page, errors = _open(browser, server_url, width, height, phone=phone)
    try:
        _upload(page, photo)
        page.fill("#denoise", "0.7")
        page.wait_for_selector("#busy", state="hidden", timeout=30_000)
        with context.expect_page() as opened:
            page.click("#explain")
        report = opened.value
        report.wait_for_load_state("load", timeout=60_000)
        assert report.title() == "lumos explain: night walk.jpg"
        assert "strength 0.70" in report.text_content("body")  # the slider as set, not auto
        assert "Input480×320" in report.text_content("body")  # the preview on screen
        report.screenshot(path=f"/tmp/lumos-report-{width}.png")
        assert page.locator("#error").is_hidden()
        assert errors == []
    finally:
        context.close()


def test_no_report_link_without_the_report_module(browser, server_url, monkeypatch):
    monkeypatch.setattr("lumos.server.report_bridge._NAMES", ("no_such_renderer",))
    context, page, errors = _open(browser, server_url, 1280, 800)
    try:
        with page.expect_response("**/v1/report"):
            page.reload()
        page.wait_for_timeout(200)
        assert page.locator("#explain").is_hidden()
        assert errors == []
    finally:
        context.close()


def _centre(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    page.eval_on_selector(selector, "e => e.scrollIntoView({ block: 'center' })")


def _zoom_state(page) -> dict:  # type: ignore[no-untyped-def]
    return page.evaluate(
        """() => { const c = document.getElementById('compare').getBoundingClientRect();
          const a = document.getElementById('after'), b = document.getElementById('before');
          const r = a.getBoundingClientRect();
          return { box: [c.width, c.height], after: [r.left - c.left, r.top - c.top, r.width],
                   afterNatural: a.complete ? a.naturalWidth : 0, beforeNatural: b.naturalWidth,
                   clip: a.style.clipPath }; }"""
    )


@pytest.mark.parametrize(("width", "height", "phone"), [(1440, 900, False), (390, 844, True)])
def test_the_100_percent_view_pans_and_hold_shows_the_original(
    browser, server_url, tmp_path, width, height, phone
):
    photo = dark_scene(tmp_path / "wide.jpg", 1600, 1000)  # more than the 800 px preview
    context, page, errors = _open(browser, server_url, width, height, phone=phone)
    try:
        _upload(page, photo)
        fit = _zoom_state(page)
        assert fit["afterNatural"] == 800 and fit["box"][0] < 1600
        with page.expect_response("**/v1/enhance", timeout=60_000) as full:
            page.click("#zoom")
        assert full.value.ok
        assert json.loads(full.value.headers["x-lumos-stats"])["width"] == 1600
        page.wait_for_function(
            "() => { const i = document.getElementById('after');"
            " return i.complete && i.naturalWidth === 1600; }",
            timeout=60_000,
        )
        page.wait_for_function("() => document.getElementById('before').naturalWidth === 1600")
        zoomed = _zoom_state(page)
        assert zoomed["box"] == pytest.approx(fit["box"], abs=1)  # the box keeps its place
        assert zoomed["after"][2] == pytest.approx(1600, abs=1)  # pixel for pixel
        assert page.get_attribute("#zoom", "aria-pressed") == "true"

        # A drag on the photo pans it (the divider stays); the photo never leaves a gap.
        _centre(page, "#compare")  # on a phone, clear of the Download bar
        box = page.locator("#compare").bounding_box()
        x0, y0 = box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.5
        split = page.get_attribute("#divider", "aria-valuenow")
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move(x0 + 5000, y0 + 5000, steps=4)
        page.mouse.up()
        panned = _zoom_state(page)
        assert panned["after"][:2] == pytest.approx([0, 0], abs=1)  # top-left corner, no gap
        assert page.get_attribute("#divider", "aria-valuenow") == split
        # The divider still splits the window where it stands: the clip follows the pan.
        half = box["width"] * int(split) / 100
        assert float(panned["clip"].split()[-1].removesuffix("px)")) == pytest.approx(half, abs=1)
        page.screenshot(path=f"/tmp/lumos-zoom-{width}.png")
        # A slider moved in the 100% view brings a full-resolution result, not a preview.
        stats = _preview_stats(page, lambda: page.fill("#denoise", "0.2"))
        assert stats["width"] == 1600 and stats["denoise"] == 0.2

        # Press and hold: the original in place of the result; let go: the result again.
        _centre(page, "#hold")  # on a phone, clear of the Download bar
        hold = page.locator("#hold").bounding_box()
        page.mouse.move(hold["x"] + 10, hold["y"] + 10)
        page.mouse.down()
        assert page.eval_on_selector("#after", "a => getComputedStyle(a).visibility") == "hidden"
        page.screenshot(path=f"/tmp/lumos-hold-{width}.png")
        page.mouse.up()
        assert page.eval_on_selector("#after", "a => getComputedStyle(a).visibility") == "visible"

        # Back to the fitted view: the settings changed meanwhile, so a new preview comes.
        stats = _preview_stats(page, lambda: page.click("#zoom"))
        assert stats["width"] == 800 and stats["denoise"] == 0.2
        back = _zoom_state(page)
        assert back["afterNatural"] == 800 and back["after"][2] == pytest.approx(fit["after"][2])
        assert page.get_attribute("#zoom", "aria-pressed") == "false"
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize(("width", "height", "phone"), [(1440, 900, False), (390, 844, True)])
def test_download_shows_percent_and_time_left_and_can_be_cancelled(
    browser, server_url, tmp_path, monkeypatch, width, height, phone
):
    from lumos.server.limits import Cancelled

    photo = dark_scene(tmp_path / "night.jpg", 960, 640)
    context, page, errors = _open(browser, server_url, width, height, phone=phone)
    stopped = threading.Event()

    def half_way(src, folder, params, token=None, report=None):  # type: ignore[no-untyped-def]
        """Half the tiles done, then on until the request goes (the server is in this process)."""
        report("enhancing", 5, 10)
        try:
            for _ in range(600):
                token.check()
                time.sleep(0.05)
        except Cancelled:
            stopped.set()
            raise
        raise AssertionError("Cancel did not stop the work")

    asked: list = []
    page.on("response", lambda r: "/v1/progress/" in r.url and asked.append(r.url))
    try:
        _upload(page, photo)
        monkeypatch.setattr("lumos.server.routes_enhance.enhance_file", half_way)
        page.click("#download")  # the percent below comes from the server: progress_id was sent
        page.wait_for_function(
            "() => /50% · about \\d+ s left/.test(document.getElementById('status').textContent)",
            timeout=30_000,
        )
        assert "Enhancing at full resolution… 50%" in page.text_content("#status")
        assert page.locator("#cancel").is_visible() and page.locator("#download").is_disabled()
        assert asked[0].rsplit("/", 1)[1].startswith("page-")
        page.screenshot(path=f"/tmp/lumos-progress-{width}.png")

        page.click("#cancel")
        page.wait_for_function(
            "() => document.getElementById('status-text').textContent === 'Cancelled.'"
        )
        assert stopped.wait(10), "the server went on with the cancelled work"
        assert page.locator("#cancel").is_hidden() and page.locator("#download").is_enabled()
        assert page.locator("#error").is_hidden()
        polls = len(asked)
        page.wait_for_timeout(1200)
        assert len(asked) == polls, "the page still asks after Cancel"
        page.wait_for_selector("#status", state="hidden", timeout=10_000)
        assert errors == []
    finally:
        context.close()


def test_download_follows_the_real_progress(browser, server_url, tmp_path):
    photo = dark_scene(tmp_path / "night.jpg", 1600, 1000)
    context, page, errors = _open(browser, server_url, 1280, 800)
    answers: list = []
    page.on("response", lambda r: "/v1/progress/" in r.url and answers.append(r.status))
    try:
        _upload(page, photo)
        page.select_option("#scale", "2")  # a second stage: enlarging
        with page.expect_download(timeout=120_000) as info:
            page.click("#download")
        assert info.value.suggested_filename == "night_lumos_2x.jpg"
        assert 200 in answers, answers
        page.wait_for_selector("#cancel", state="hidden")
        assert set(answers) <= {200, 204}  # 204 before the upload is read and after the reply
        assert errors == []
    finally:
        context.close()


def test_download_stays_in_reach_on_a_phone(browser, server_url, tmp_path):
    photo = dark_scene(tmp_path / "night.jpg", 640, 960)
    context, page, errors = _open(browser, server_url, 390, 844, phone=True)

    def rect(selector: str) -> dict:
        return page.eval_on_selector(
            selector,
            "e => { const r = e.getBoundingClientRect();"
            " return { top: r.top, bottom: r.bottom, h: window.innerHeight }; }",
        )

    try:
        _upload(page, photo)
        for where in ("top", "bottom"):  # looking at the photo, or at the panel's end
            page.evaluate(f"window.scrollTo(0, {0 if where == 'top' else 100000})")
            r = rect("#download")
            assert r["top"] >= 0 and r["bottom"] <= r["h"], f"Download out of reach at the {where}"
            page.screenshot(path=f"/tmp/lumos-sticky-{where}.png")
        # Nothing hides behind it: the last button of the panel can be scrolled above it.
        assert rect("#another")["bottom"] <= rect("#download")["top"]
        # A status line floats above it, not under it.
        page.evaluate("document.getElementById('status').hidden = false")
        assert rect("#status")["bottom"] <= rect("#download")["top"]
        page.evaluate("document.getElementById('status').hidden = true")
        with page.expect_download(timeout=60_000) as info:
            page.click("#download")
        assert info.value.suggested_filename == "night_lumos.jpg"
        assert errors == []
    finally:
        context.close()


def test_download_is_in_the_panel_on_a_desktop(browser, server_url, tmp_path):
    photo = dark_scene(tmp_path / "night.jpg", 480, 320)
    context, page, errors = _open(browser, server_url, 1440, 900)
    try:
        _upload(page, photo)
        assert page.eval_on_selector("#download", "b => getComputedStyle(b).position") == "static"
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize(("width", "height", "phone"), [(1440, 900, False), (390, 844, True)])
def test_file_type_quality_light_and_upscaler_choices(
    browser, server_url, tmp_path, width, height, phone
):
    photo = dark_scene(tmp_path / "night.jpg", 480, 320)
    context, page, errors = _open(browser, server_url, width, height, phone=phone)
    try:
        _upload(page, photo)
        assert page.locator("#upscaler-control").is_hidden()  # only when enlarging
        page.click(".more summary")
        assert page.locator("#quality-control").is_visible()  # a JPEG keeps a quality

        # Light changes the look: the preview is asked again with it.
        stats = _preview_stats(page, lambda: page.select_option("#light", "uneven"))
        assert stats["light_routed"] == "uneven"

        page.select_option("#format", "png")
        assert page.locator("#quality-control").is_hidden()  # lossless: no quality
        with page.expect_download(timeout=60_000) as info:
            page.click("#download")
        assert info.value.suggested_filename == "night_lumos.png"
        saved = tmp_path / "out.png"
        info.value.save_as(saved)
        with Image.open(saved) as out:
            assert out.format == "PNG" and out.size == (480, 320)

        page.select_option("#format", "webp")
        page.fill("#quality", "60")
        assert page.text_content("#quality-out") == "60"
        page.select_option("#scale", "2")
        assert page.locator("#upscaler-control").is_visible()
        page.select_option("#upscaler", "classical")
        page.locator("#quality-control").scroll_into_view_if_needed()
        page.screenshot(path=f"/tmp/lumos-choices-{width}.png")
        with page.expect_response("**/v1/enhance", timeout=60_000) as reply:
            page.click("#download")
        stats = json.loads(reply.value.headers["x-lumos-stats"])
        assert stats["format"] == "WEBP" and stats["scale"] == 2
        assert stats["upscaler"] == "classical" and stats["light_routed"] == "uneven"
        page.wait_for_selector("#status", state="hidden", timeout=30_000)
        assert errors == []
    finally:
        context.close()


def _thumbs(page) -> list[dict]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        "#batch-list li",
        "lis => lis.map(li => { const i = li.querySelector('img.thumb');"
        " return { cls: li.className, src: i ? i.src : '', shown: i ? i.naturalWidth : 0,"
        " retry: !!li.querySelector('button.retry'), text: li.textContent }; })",
    )


@pytest.mark.parametrize(("width", "height", "phone"), [(1440, 900, False), (390, 844, True)])
def test_batch_thumbnails_and_trying_a_failed_photo_again(
    browser, server_url, tmp_path, monkeypatch, width, height, phone
):
    from lumos.server import jobs

    real = jobs.enhance_file

    def flaky(src, folder, params, token=None, *args, **kw):  # type: ignore[no-untyped-def]
        if folder.name == "out1":
            raise OSError("disk hiccup")  # the second photo fails in the job only
        return real(src, folder, params, token, *args, **kw)

    photos = [dark_scene(tmp_path / f"room {i}.jpg", 480, 320) for i in range(3)]
    context, page, errors = _open(browser, server_url, width, height, phone=phone)
    try:
        monkeypatch.setattr(jobs, "enhance_file", flaky)
        page.set_input_files("#file", [str(p) for p in photos])
        page.wait_for_selector("#batch-zip", state="visible", timeout=60_000)
        lines = _thumbs(page)
        assert [line["cls"] for line in lines] == ["done", "failed", "done"], lines
        page.wait_for_function(
            "() => [...document.querySelectorAll('#batch-list img.thumb')]"
            ".every(i => i.complete && i.naturalWidth > 0)"
        )
        lines = _thumbs(page)
        assert "/v1/jobs/" in lines[0]["src"] and lines[1]["src"].startswith("blob:")
        assert [line["retry"] for line in lines] == [False, True, False]
        assert page.text_content("#batch-summary") == "2 of 3 enhanced, 1 failed."
        page.screenshot(path=f"/tmp/lumos-batch-failed-{width}.png", full_page=True)

        with page.expect_response("**/v1/enhance", timeout=60_000) as again:
            page.click("#batch-list li.failed button.retry")
        assert again.value.ok
        page.wait_for_function(
            "() => document.querySelectorAll('#batch-list li.done').length === 3"
        )
        assert page.text_content("#batch-summary") == "3 of 3 enhanced."
        mended = page.locator("#batch-list li").nth(1)
        assert "done (tried again)" in mended.text_content()
        with page.expect_download(timeout=30_000) as info:
            mended.locator("a").click()
        assert info.value.suggested_filename == "room_1_lumos.jpg"
        page.screenshot(path=f"/tmp/lumos-batch-retried-{width}.png", full_page=True)
        assert errors == []
    finally:
        context.close()


def test_a_busy_server_gets_the_list_again_after_retry_after(browser, server_url, tmp_path):
    photos = [dark_scene(tmp_path / f"room {i}.jpg", 320, 240) for i in range(2)]
    context, page, errors = _open(browser, server_url, 1280, 800)
    sent: list = []

    def busy_once(route) -> None:  # type: ignore[no-untyped-def]
        sent.append(route)
        _busy(route) if len(sent) == 1 else route.continue_()

    try:
        page.route("**/v1/jobs", busy_once)
        page.set_input_files("#file", [str(p) for p in photos])
        page.wait_for_function(
            "() => document.getElementById('batch-summary').textContent"
            ".startsWith('The server is busy; trying again in 1 s (try 1 of 3)')",
            timeout=30_000,
        )
        page.wait_for_selector("#batch-zip", state="visible", timeout=60_000)
        assert len(sent) == 2
        assert page.text_content("#batch-summary") == "2 of 2 enhanced."
        assert page.locator("#error").is_hidden()
        errors.clear()  # the refused request is logged as a console error
    finally:
        context.close()


def test_busy_and_timeout_messages_say_it_once(browser, server_url, tmp_path):
    """'The server is busy; try again in 1 s: the server is busy; try again in a few seconds'."""
    photo = dark_scene(tmp_path / "night.jpg", 480, 320)
    context, page, errors = _open(browser, server_url, 1280, 800)
    try:
        _upload(page, photo)
        page.route("**/v1/enhance", _busy)
        page.click("#download")
        page.wait_for_selector("#error", state="visible", timeout=30_000)
        assert page.text_content("#error") == "The server is busy; try again in 1 s"
        page.unroute("**/v1/enhance")
        page.route(
            "**/v1/enhance",
            lambda route: route.fulfill(
                status=504,
                content_type="application/json",
                body='{"detail": "the image took too long to process; try a smaller one"}',
            ),
        )
        page.click("#download")
        page.wait_for_function(
            "() => document.getElementById('error').textContent.startsWith('The photo took')"
        )
        assert page.text_content("#error") == "The photo took too long to process"
        errors.clear()  # the refused requests are logged as console errors
    finally:
        context.close()


def test_a_new_photo_leaves_the_100_percent_view(browser, server_url, tmp_path):
    first = dark_scene(tmp_path / "first.jpg", 1200, 800)
    second = dark_scene(tmp_path / "second.jpg", 320, 480)
    context, page, errors = _open(browser, server_url, 1280, 800)
    try:
        _upload(page, first)
        with page.expect_response("**/v1/enhance", timeout=60_000):
            page.click("#zoom")
        sent: list = []
        page.on("request", lambda r: "/v1/enhance" in r.url and sent.append(r))
        _upload_next(page, second)
        assert page.get_attribute("#zoom", "aria-pressed") == "false"
        assert not page.eval_on_selector("#compare", "c => c.classList.contains('zoomed')")
        assert page.eval_on_selector("#after", "i => i.naturalWidth") == 320  # its own preview
        assert len(sent) == 1, "a preview of the old photo was asked on the way out"
        assert errors == []
    finally:
        context.close()


def test_the_100_percent_view_tells_how_far_it_has_got(browser, server_url, tmp_path, monkeypatch):
    from lumos.server import routes_enhance

    real = routes_enhance.enhance_file
    release = threading.Event()

    def slow_full(src, folder, params, token=None, report=None):  # type: ignore[no-untyped-def]
        if report is not None:  # only the followed request: the whole photo
            report("enhancing", 2, 4)
            release.wait(30)
            return real(src, folder, params, token, report=report)
        return real(src, folder, params, token)

    photo = dark_scene(tmp_path / "wide.jpg", 1600, 1000)
    context, page, errors = _open(browser, server_url, 1280, 800)
    try:
        _upload(page, photo)
        monkeypatch.setattr(routes_enhance, "enhance_file", slow_full)
        page.click("#zoom")
        page.wait_for_function(
            "() => document.getElementById('status-text').textContent"
            ".startsWith('Rendering the 100% view… 50%')",
            timeout=30_000,
        )
        assert page.locator("#cancel").is_hidden()  # not a download: leaving 100% stops it
        release.set()
        page.wait_for_function(
            "() => document.getElementById('after').naturalWidth === 1600", timeout=60_000
        )
        page.wait_for_selector("#status", state="hidden", timeout=10_000)
        assert errors == []
    finally:
        release.set()
        context.close()


def test_the_100_percent_view_pans_with_the_arrow_keys(browser, server_url, tmp_path):
    photo = dark_scene(tmp_path / "wide.jpg", 1600, 1000)
    context, page, errors = _open(browser, server_url, 1280, 800)
    try:
        _upload(page, photo)
        assert page.get_attribute("#compare", "tabindex") is None  # no tab stop when fitted
        with page.expect_response("**/v1/enhance", timeout=60_000):
            page.click("#zoom")
        start = _zoom_state(page)["after"][:2]
        page.focus("#compare")
        page.keyboard.press("ArrowRight")  # look further right: the photo moves left
        page.keyboard.press("Shift+ArrowDown")
        moved = _zoom_state(page)["after"][:2]
        assert moved[0] == pytest.approx(start[0] - 40, abs=1)
        assert moved[1] == pytest.approx(start[1] - 200, abs=1)
        page.click("#zoom")
        assert page.get_attribute("#compare", "tabindex") is None
        assert errors == []
    finally:
        context.close()
