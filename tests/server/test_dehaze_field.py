"""The ``dehaze`` form field of ``POST /v1/enhance`` and the page's slider."""

from __future__ import annotations

import json

import pytest

from _scenes import clear_photo, hazy_photo

from .conftest import encode


def _post(client, data: bytes, **fields: str):  # type: ignore[no-untyped-def]
    return client.post("/v1/enhance", files={"file": ("h.png", data)}, data=fields)


def _hazy_png() -> bytes:
    return encode("PNG", (hazy_photo(clear_photo(96, 128)) * 255 + 0.5).astype("uint8"))


def test_dehaze_field_reaches_the_run(client) -> None:
    hazy = _hazy_png()
    auto = json.loads(_post(client, hazy).headers["x-lumos-stats"])["dehaze"]
    assert auto["auto"] is True and auto["strength"] > 0
    for value, strength in (("0.7", 0.7), ("0", 0.0), ("auto", auto["strength"])):
        r = _post(client, hazy, model="classical", dehaze=value)
        assert r.status_code == 200, r.text
        assert json.loads(r.headers["x-lumos-stats"])["dehaze"]["strength"] == strength


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("1.5", "dehaze: must be between 0 and 1"),
        ("-1", "dehaze: must be between 0 and 1"),
        ("fog", "dehaze: expected 'auto' or a number"),
    ],
)
def test_bad_dehaze_is_422_naming_the_field(client, value: str, words: str) -> None:
    r = _post(client, _hazy_png(), dehaze=value)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert words in detail and "\n" not in detail


def test_page_has_a_dehaze_slider(client) -> None:
    page = client.get("/").text
    assert 'id="dehaze"' in page and 'id="a-haze"' in page
    script = client.get("/static/app.js").text
    assert '"dehaze"' in script
