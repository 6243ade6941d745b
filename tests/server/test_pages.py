"""The page, the offline docs, static assets, ``/healthz``, CORS and the ``serve`` command."""

from __future__ import annotations

import argparse
import re
import socket
import sys

import pytest

from lumos.cli import main, serve
from lumos.errors import MissingExtraError
from lumos.server.routes_page import STATIC_DIR

EXTERNAL = re.compile(r"https?://|//cdn|//fonts\.")


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["running_or_queued"] == 0
    assert body["capacity"] == 10 and body["max_upload_mb"] == 50
    assert body["job_ttl_s"] == 3600


def test_page_footer_says_how_long_batch_results_stay(client):
    text = client.get("/").text
    assert "deleted from this server right after" in text and "until you delete them" in text


def test_page_has_no_external_urls(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'id="file"' in r.text and 'id="compare"' in r.text
    for name in ("app.js", "app.css"):
        asset = client.get(f"/static/{name}")
        assert asset.status_code == 200
        assert not EXTERNAL.search(asset.text), name
    assert not EXTERNAL.search(r.text)
    assert "default-src 'self'" in r.headers["content-security-policy"]


def test_docs_are_offline(client):
    r = client.get("/docs")
    assert r.status_code == 200
    assert not EXTERNAL.search(r.text)
    for name in ("docs.js", "docs.css"):
        assert not EXTERNAL.search(client.get(f"/static/{name}").text)
    spec = client.get("/openapi.json").json()
    assert {"/v1/enhance", "/v1/analyse", "/v1/jobs", "/v1/jobs/{job_id}", "/healthz"} <= set(
        spec["paths"]
    )
    assert "delete" in spec["paths"]["/v1/jobs/{job_id}"]
    assert client.get("/redoc").status_code == 404


def test_page_has_a_slider_for_every_strength_the_form_takes(client):
    """Each strength of ``POST /v1/enhance`` has its slider, starting at "auto", sent by app.js."""
    page, script = client.get("/").text, client.get("/static/app.js").text
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/v1/enhance"]["post"]["requestBody"]["content"]
    ref = body["multipart/form-data"]["schema"]["$ref"].split("/")[-1]
    fields = set(spec["components"]["schemas"][ref]["properties"])
    (listed,) = re.findall(r"const sliders = \[([^\]]*)\]", script)
    ranges = {"denoise": ("0", "2"), "detail": ("0", "1"), "shadows": ("0", "1")}
    for name in ("denoise", "detail", "brightness", "shadows"):
        assert name in fields, name
        assert f'"{name}"' in listed, name
        assert re.search(rf'<output id="{name}-out">auto</output>', page), name
        slider = re.search(rf'<input id="{name}" type="range" min="([\d.]+)" max="([\d.]+)"', page)
        assert slider, name
        if name in ranges:
            assert slider.groups() == ranges[name], name


def test_static_is_an_allow_list(client):
    assert client.get("/static/index.html").status_code == 404
    assert client.get("/static/..%2F__init__.py").status_code == 404
    assert client.get("/static/nope.js").status_code == 404


def test_every_static_file_is_served_or_a_page():
    names = {p.name for p in STATIC_DIR.iterdir()}
    assert names == {
        "index.html", "docs.html", "app.js", "app.css", "docs.js", "docs.css", "favicon.svg"
    }  # fmt: skip


def test_cors_off_by_default(client):
    r = client.get("/healthz", headers={"Origin": "https://example.org"})
    assert "access-control-allow-origin" not in r.headers


def test_cors_with_an_origin(make_client):
    with make_client(cors_origins=("https://photos.example",)) as client:
        r = client.options(
            "/v1/enhance",
            headers={
                "Origin": "https://photos.example",
                "Access-Control-Request-Method": "POST",
            },
        )
        assert r.headers["access-control-allow-origin"] == "https://photos.example"
        r = client.get("/healthz", headers={"Origin": "https://other.example"})
        assert "access-control-allow-origin" not in r.headers


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    serve.add_parser(parser.add_subparsers())
    return parser.parse_args(["serve", *argv])


def test_serve_options_become_settings():
    origins = ["--cors-origin", "https://a.example", "--cors-origin", "https://b.example"]
    args = _args(
        "--concurrency", "3", "--queue", "0", "--max-upload-mb", "5", "--timeout", "9", *origins
    )
    settings = serve.settings_from_args(args)
    assert (settings.concurrency, settings.queue, settings.max_upload_mb) == (3, 0, 5)
    assert settings.timeout_s == 9 and settings.cors_origins == (
        "https://a.example",
        "https://b.example",
    )
    assert (args.host, args.port) == ("127.0.0.1", 8000)


def test_serve_runs_uvicorn_on_its_own_socket(monkeypatch, capsys):
    import uvicorn

    calls = {}

    def run(server, sockets):  # type: ignore[no-untyped-def]
        calls.update(config=server.config, address=sockets[0].getsockname())
        sockets[0].close()

    monkeypatch.setattr(uvicorn.Server, "run", run)
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # free a moment ago
    assert serve.run(_args("--port", str(port))) == 0
    assert calls["address"] == ("127.0.0.1", port) and calls["config"].server_header is False
    assert f"http://127.0.0.1:{port}/" in capsys.readouterr().out


def test_serve_on_a_port_in_use_is_one_line(capsys):
    # It used to print "serving on ..." and then fail in uvicorn's log, exit 3.
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr()
    assert "serving on" not in err.out
    want = f"lumos: --port {port}: cannot listen on 127.0.0.1: Address already in use"
    assert err.err.strip() == want


def test_serve_without_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    with pytest.raises(MissingExtraError, match=r"lumos\[server\]"):
        serve.run(_args())


@pytest.mark.parametrize("path", ["/", "/healthz", "/docs", "/static/app.js", "/favicon.ico"])
def test_head_is_allowed(client, path):
    r = client.head(path)
    assert r.status_code == 200
    assert r.headers["content-type"] == client.get(path).headers["content-type"]


def test_head_adds_no_operation_to_the_schema(client):
    assert set(client.get("/openapi.json").json()["paths"]["/healthz"]) == {"get"}


def test_api_docs_use_markdown_literals(client):
    """/docs rendered the docstrings' Sphinx ``literals`` with their double backticks."""
    text = client.get("/openapi.json").text
    assert "``" not in text and "`preview_max_side`" in text


def test_drop_zone_names_every_format_read(client):
    from lumos.io._formats import READ_FORMATS_TEXT

    assert READ_FORMATS_TEXT in client.get("/").text  # HEIC and camera RAW were left out
