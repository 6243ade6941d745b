"""The ``exposure`` form field of ``POST /v1/enhance`` and the page's choice."""

from __future__ import annotations

import json

from PIL import Image

from _scenes import over_photo


def _post(client, data: bytes, **fields: str):  # type: ignore[no-untyped-def]
    return client.post("/v1/enhance", files={"file": ("o.png", data)}, data=fields)


def _png() -> bytes:
    import io

    buf = io.BytesIO()
    Image.fromarray(over_photo()).save(buf, "PNG")
    return buf.getvalue()


def test_http_exposure_field(client) -> None:
    data = _png()
    for value, darkened in (("auto", True), ("BRIGHTEN", False), ("darken", True)):
        r = _post(client, data, model="classical", exposure=value)
        assert r.status_code == 200, r.text
        stats = json.loads(r.headers["x-lumos-stats"])["exposure"]
        assert stats["darkened"] is darkened and stats["mode"] == value.lower()


def test_http_bad_exposure_is_422_naming_the_field(client) -> None:
    r = _post(client, _png(), exposure="up")
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "exposure: must be one of auto, brighten, darken" in detail and "\n" not in detail


def test_page_has_the_exposure_choice(client) -> None:
    page = client.get("/").text
    assert 'id="exposure"' in page and 'id="a-exposure"' in page
    assert 'form.append("exposure"' in client.get("/static/app.js").text
