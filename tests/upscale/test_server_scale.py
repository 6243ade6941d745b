"""``POST /v1/enhance`` with ``scale``: the field, its errors and the output-size guard."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="needs the 'server' extra")
pytest.importorskip("python_multipart", reason="needs the 'server' extra")

from PIL import Image

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

from lumos.server import ServerSettings, create_app


@pytest.fixture
def client(tmp_path):  # type: ignore[no-untyped-def]
    with TestClient(create_app(ServerSettings(temp_dir=tmp_path))) as c:
        yield c


def _png(h: int = 40, w: int = 50) -> bytes:
    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(5, 60, (h, w, 3)).astype(np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def _post(client, **fields: str):  # type: ignore[no-untyped-def]
    return client.post("/v1/enhance", files={"file": ("a.png", _png())}, data=fields)


def test_scale_field_enlarges(client) -> None:  # type: ignore[no-untyped-def]
    r = _post(client, scale="2", upscaler="classical")
    assert r.status_code == 200, r.text
    with Image.open(io.BytesIO(r.content)) as im:
        assert im.size == (100, 80)


@pytest.mark.parametrize(("fields", "words"), [
    ({"scale": "3"}, "must be 1, 2 or 4"),
    ({"scale": "2", "upscaler": "esrgan"}, "upscaler: must be one of"),
])  # fmt: skip
def test_bad_scale_is_422(client, fields, words) -> None:  # type: ignore[no-untyped-def]
    r = _post(client, **fields)
    assert r.status_code == 422
    assert words in r.json()["detail"]


def test_output_size_guard_is_413(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(ServerSettings(temp_dir=tmp_path, max_megapixels=0.01))) as c:
        r = _post(c, scale="4")
    assert r.status_code == 413
    assert "scale: 4 would make" in r.json()["detail"]


def test_page_has_a_scale_control(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/").text
    assert 'id="scale"' in page
