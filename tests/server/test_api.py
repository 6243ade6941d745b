"""``POST /v1/enhance`` and ``/v1/analyse``: round trips, metadata, errors, cleanup."""

from __future__ import annotations

import json

import pytest

from _scenes import backlit_photo

from .conftest import (
    CAMERA,
    decode,
    encode,
    icc_bytes,
    mean_luma,
    png_bomb,
    state_of,
)


def _post(client, data: bytes, name: str = "night.jpg", **fields: str):  # type: ignore[no-untyped-def]
    return client.post("/v1/enhance", files={"file": (name, data)}, data=fields)


@pytest.mark.parametrize(("fixture", "fmt", "mime", "ext"), [
    ("jpeg", "JPEG", "image/jpeg", "jpg"),
    ("png", "PNG", "image/png", "png"),
])  # fmt: skip
def test_round_trip_keeps_format_exif_and_icc(client, request, fixture, fmt, mime, ext):
    data = request.getfixturevalue(fixture)
    r = _post(client, data, name=f"dark.{ext}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == mime
    assert r.headers["content-disposition"] == f'attachment; filename="dark_lumos.{ext}"'
    out = decode(r.content)
    assert out.format == fmt
    assert out.size == decode(data).size
    assert out.getexif()[0x0110] == CAMERA
    assert out.info.get("icc_profile") == icc_bytes()
    assert mean_luma(out) > mean_luma(decode(data)) + 20


def test_stats_header_reports_analysis_and_strengths(client, jpeg):
    r = _post(client, jpeg, denoise="0.7", detail="0.2", brightness="auto")
    stats = json.loads(r.headers["x-lumos-stats"])
    assert stats["denoise"] == pytest.approx(0.7)
    assert stats["detail"] == pytest.approx(0.2)
    assert {"noise_sigma", "light", "mean_luminance"} <= set(stats["analysis"])
    assert stats["format"] == "JPEG" and stats["preview"] is False
    assert stats["scale"] == 1 and stats["upscaler"] is None  # nothing was enlarged


def test_shadows_field_reaches_the_run_and_its_stats(client):
    backlit = encode("PNG", backlit_photo())
    auto = json.loads(_post(client, backlit, name="b.png").headers["x-lumos-stats"])
    assert auto["shadows"] > 0  # auto opened up the shadow under the bright sky
    for model in ("lumosnet", "classical"):
        r = _post(client, backlit, name="b.png", model=model, shadows="0.8")
        assert r.status_code == 200, r.text
        assert json.loads(r.headers["x-lumos-stats"])["shadows"] == pytest.approx(0.8)
        off = _post(client, backlit, name="b.png", model=model, shadows="0")
        assert json.loads(off.headers["x-lumos-stats"])["shadows"] == 0.0
        assert mean_luma(decode(r.content)) > mean_luma(decode(off.content)) + 5
    # 'auto' in any case, or an empty field, is the photo's own choice.
    for value in ("AUTO", "Auto", ""):
        r = _post(client, backlit, name="b.png", shadows=value)
        assert json.loads(r.headers["x-lumos-stats"])["shadows"] == auto["shadows"], value


def test_stats_header_reports_the_enlargement_used(client, jpeg):
    # A preview side above the photo's leaves it as it is: no preview, enlarged or not.
    r = _post(client, jpeg, scale="2", upscaler="classical", preview_max_side="4096")
    stats = json.loads(r.headers["x-lumos-stats"])
    assert (stats["scale"], stats["upscaler"], stats["width"]) == (2, "classical", 256)
    assert stats["preview"] is False
    r = _post(client, jpeg, scale="2")  # auto: the learned net where installed
    assert json.loads(r.headers["x-lumos-stats"])["upscaler"] in ("learned", "classical")


def test_format_and_preview_options(client, jpeg):
    r = _post(client, jpeg, format="png", preview_max_side="64")
    assert r.status_code == 200, r.text
    out = decode(r.content)
    assert out.format == "PNG" and max(out.size) == 64
    assert r.headers["content-disposition"].endswith('_lumos.png"')
    stats = json.loads(r.headers["x-lumos-stats"])
    assert stats["preview"] is True and stats["source_width"] == 128


def test_client_path_never_reaches_the_name(client, jpeg):
    r = _post(client, jpeg, name="../../etc/passwd\\evil name.JPG")
    assert r.headers["content-disposition"] == 'attachment; filename="evil_name_lumos.jpg"'


def test_download_name_keeps_non_ascii_letters(client, jpeg):
    r = _post(client, jpeg, name="Nacht Café 夜景.jpg")
    assert r.headers["content-disposition"] == (
        'attachment; filename="Nacht_Cafe_lumos.jpg"; '
        "filename*=UTF-8''Nacht_Caf%C3%A9_%E5%A4%9C%E6%99%AF_lumos.jpg"
    )
    r = _post(client, jpeg, name="夜景.jpg")  # nothing left in ASCII: a generic fallback
    assert r.headers["content-disposition"].startswith('attachment; filename="lumos.jpg"; ')


@pytest.mark.parametrize(("fields", "words"), [
    ({"denoise": "3"}, "denoise: must be between 0 and 2"),
    ({"detail": "1.5"}, "detail: must be between 0 and 1"),
    ({"detail": "lots"}, "detail: expected 'auto' or a number"),
    ({"shadows": "1.5"}, "shadows: must be between 0 and 1"),
    ({"shadows": "-0.1"}, "shadows: must be between 0 and 1"),
    ({"shadows": "lots"}, "shadows: expected 'auto' or a number"),
    ({"brightness": "0.99"}, "brightness"),
    ({"model": "magic"}, "model: unknown model 'magic'; choose one of: classical, lumosnet"),
    ({"model": "mirnet"}, "model: mirnet is not available over HTTP"),
    ({"model": "alen"}, "model: alen is not available over HTTP"),
    ({"format": "gif"}, "format: must be one of"),
    ({"quality": "0"}, "quality: must be between 1 and 100"),
    ({"scale": "3"}, "scale: must be 1, 2 or 4, got '3'"),
    ({"scale": "2.5"}, "scale: must be 1, 2 or 4"),
    ({"upscaler": "esrgan"}, "upscaler: must be one of auto, learned, classical"),
    ({"preview_max_side": "9000"}, "preview_max_side: must be between 16 and 8192"),
])  # fmt: skip
def test_bad_option_is_422_with_a_message(client, jpeg, fields, words):
    r = _post(client, jpeg, **fields)
    assert r.status_code == 422
    assert words in r.json()["detail"]
    assert "\n" not in r.json()["detail"]


def test_missing_file_is_422_one_line(client):
    r = client.post("/v1/enhance", data={"denoise": "0.5"})
    assert r.status_code == 422
    assert r.json() == {
        "detail": "file: missing; send the photo as multipart/form-data in a field named 'file'"
    }


def test_no_cli_flags_in_http_errors(client, jpeg):
    """An HTTP client has no --flags: every message names a form field."""
    for fields in ({"model": "mirnet"}, {"upscaler": "x"}, {"scale": "3"}, {"denoise": "9"}):
        assert "--" not in _post(client, jpeg, **fields).json()["detail"], fields


@pytest.mark.parametrize("route", ["/v1/enhance", "/v1/analyse"])
def test_text_in_the_file_field_is_a_plain_422(client, route):
    for send in ({"files": {"file": (None, "hello")}}, {"data": {"file": "hello"}}):
        r = client.post(route, **send)
        assert r.status_code == 422
        assert r.json() == {"detail": "file: expected an uploaded image file, not text"}


def test_text_in_the_files_field_of_a_job_is_a_plain_422(client, jpeg):
    r = client.post("/v1/jobs", files=[("files", ("a.jpg", jpeg)), ("files", (None, "hi"))])
    assert r.status_code == 422
    assert r.json() == {"detail": "files: expected uploaded image files, not text"}


@pytest.mark.parametrize("route", ["/v1/enhance", "/v1/analyse", "/v1/jobs"])
def test_a_raw_image_body_is_415(client, jpeg, route):
    r = client.post(route, content=jpeg, headers={"content-type": "image/jpeg"})
    assert r.status_code == 415
    detail = r.json()["detail"]
    assert "multipart/form-data" in detail and "'file" in detail


@pytest.mark.parametrize("route", ["/v1/enhance", "/v1/analyse"])
def test_two_files_on_a_single_photo_route_is_422(client, jpeg, route):
    r = client.post(route, files=[("file", ("a.jpg", jpeg)), ("file", ("b.jpg", jpeg))])
    assert r.status_code == 422
    assert r.json()["detail"].startswith("file: send one file")
    assert state_of(client).workspace.is_empty()


def test_values_are_read_case_insensitively(client, jpeg):
    r = _post(client, jpeg, model="Classical", upscaler="CLASSICAL", scale="2.0", format="JPG")
    assert r.status_code == 200, r.text
    stats = json.loads(r.headers["x-lumos-stats"])
    assert stats["model"] == "classical" and stats["width"] == 256


def test_whole_numbers_sent_as_floats_are_taken(client, jpeg):
    # As scale=2.0 is 2: quality and preview_max_side were "expected an integer, got '80.0'".
    r = _post(client, jpeg, quality="80.0", preview_max_side="64.0")
    assert r.status_code == 200, r.text
    assert max(decode(r.content).size) == 64
    r = _post(client, jpeg, quality="80.5")
    assert r.status_code == 422
    assert r.json()["detail"] == "quality: expected an integer, got '80.5'"


def test_preview_max_side_has_one_range(client, jpeg):
    for route in ("/v1/enhance", "/v1/analyse"):
        r = client.post(route, files={"file": ("a.jpg", jpeg)}, data={"preview_max_side": "5000"})
        assert r.status_code == 200, (route, r.text)
        r = client.post(route, files={"file": ("a.jpg", jpeg)}, data={"preview_max_side": "8193"})
        assert r.status_code == 422
        assert r.json()["detail"] == "preview_max_side: must be between 16 and 8192, got 8193"


def test_scale_above_the_megapixel_limit_names_the_field(make_client, jpeg):
    with make_client(max_megapixels=0.05) as client:
        r = _post(client, jpeg, scale="4")
        assert r.status_code == 413
        assert r.json()["detail"] == (
            "scale: 4 would make 512x384 = 0.197 MP, above this server's limit of 0.05 MP; "
            "choose a smaller scale"
        )


def test_text_file_is_415(client):
    r = _post(client, b"just some text, not a photo\n" * 10, name="photo.jpg")
    assert r.status_code == 415
    assert "not an image" in r.json()["detail"]


def test_corrupt_jpeg_is_400(client, jpeg):
    r = _post(client, jpeg[: len(jpeg) // 3])
    assert r.status_code == 400
    assert "corrupt" in r.json()["detail"]


def test_decompression_bomb_is_413_without_decoding(client, monkeypatch):
    def must_not_run(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the bomb was handed to a worker")

    monkeypatch.setattr("lumos.server.routes_enhance.enhance_file", must_not_run)
    bomb = png_bomb()
    assert len(bomb) < 200
    r = _post(client, bomb, name="bomb.png")
    assert r.status_code == 413
    detail = r.json()["detail"]
    assert "50000x50000" in detail and "100 MP" in detail
    assert "/tmp" not in detail and "input" not in detail  # no server path in the message
    assert "--max-megapixels" not in detail  # a limit only the server sets


def test_oversize_upload_is_413_by_content_length(make_client):
    with make_client(max_upload_mb=0.01) as client:
        r = _post(client, b"\xff\xd8\xff" + b"\0" * 20_000)
        assert r.status_code == 413
        assert "limit of 0.01 MB" in r.json()["detail"]
        assert state_of(client).workspace.is_empty()


def test_oversize_upload_without_length_is_counted(make_client):
    """A chunked body declares no size: the bytes are counted as they arrive."""
    boundary = "lumosboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    chunks = [head] + [b"\xff" * 4096] * 10 + [f"\r\n--{boundary}--\r\n".encode()]
    with make_client(max_upload_mb=0.01) as client:
        r = client.post(
            "/v1/enhance",
            content=iter(chunks),
            headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        )
        assert r.status_code == 413
        assert state_of(client).workspace.is_empty()


def test_internal_error_is_500_without_traceback(make_client, jpeg, monkeypatch):
    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret detail at /srv/private/path")

    monkeypatch.setattr("lumos.server.routes_enhance.enhance_file", boom)
    with make_client(raise_server_exceptions=False) as client:
        r = _post(client, jpeg)
        assert r.status_code == 500
        assert r.json() == {"detail": "internal server error"}
        assert state_of(client).workspace.is_empty()


def test_temp_folder_is_empty_after_requests(client, jpeg, png):
    _post(client, jpeg)
    _post(client, png, name="a.png", format="webp")
    _post(client, b"not an image at all", name="x.txt")
    _post(client, jpeg, denoise="9")
    client.post("/v1/analyse", files={"file": ("a.jpg", jpeg)})
    assert state_of(client).workspace.is_empty()


def test_analyse_reports_noise_light_and_preview(client, jpeg):
    r = client.post(
        "/v1/analyse", files={"file": ("C:\\x\\dark.jpg", jpeg)}, data={"preview_max_side": "32"}
    )
    assert r.status_code == 200, r.text
    info = r.json()
    assert info["name"] == "dark"
    assert info["width"] == 128 and info["format"] == "JPEG"
    assert info["analysis"]["light"] in ("uniform", "uneven")
    assert info["analysis"]["is_low_light"] is True
    assert info["analysis"]["jpeg_blockiness"] >= 1.0
    assert "JPEG blocks" in info["compression"]  # shown on the page as the noise's tooltip
    assert set(info["would_use"]) == {
        "model",
        "denoise",
        "detail",
        "target_brightness",
        "shadows",
        "dehaze",
        "exposure",
        "darken",
    }
    by_model = info["would_use_by_model"]  # each model's own automatic strengths
    assert set(by_model) == {"lumosnet", "classical"}
    assert by_model[info["would_use"]["model"]] == info["would_use"]
    assert info["exif"]["model"] == CAMERA
    assert info["preview"].startswith("data:image/jpeg;base64,")
    assert "file" not in info  # the server's temp path is not leaked


def test_analyse_reports_each_models_auto_shadows(client):
    backlit = encode("PNG", backlit_photo())
    info = client.post("/v1/analyse", files={"file": ("b.png", backlit)}).json()
    by_model = info["would_use_by_model"]
    for model in ("lumosnet", "classical"):
        auto = by_model[model]["shadows"]
        assert 0 < auto <= 1, (model, auto)
        # What enhance then uses with shadows=auto: the slider starts where the run goes.
        r = _post(client, backlit, name="b.png", model=model)
        assert json.loads(r.headers["x-lumos-stats"])["shadows"] == pytest.approx(auto, abs=1e-4)
    assert info["would_use"]["shadows"] == by_model[info["would_use"]["model"]]["shadows"]


def test_report_is_501_without_a_renderer(client, jpeg, monkeypatch):
    monkeypatch.setattr("lumos.server.report_bridge._NAMES", ("no_such_renderer",))
    r = _post(client, jpeg, report="true")
    assert r.status_code == 501
    assert "report" in r.json()["detail"]


def test_report_uses_lumos_report_when_present(client, jpeg, monkeypatch):
    import importlib.machinery
    import sys
    import types

    seen = {}

    def render_html(path, **options):  # type: ignore[no-untyped-def]
        seen.update(options, exists=path.exists())
        return "<html><body>report</body></html>"

    fake = types.ModuleType("lumos.report")
    fake.__spec__ = importlib.machinery.ModuleSpec("lumos.report", None)
    fake.render_html = render_html  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "lumos.report", fake)
    r = _post(client, jpeg, report="true", denoise="0.4")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert seen["exists"] and seen["denoise"] == pytest.approx(0.4)


def test_webp_output(client):
    r = _post(client, encode("PNG"), name="x.png", format="webp", quality="80")
    assert r.status_code == 200
    assert decode(r.content).format == "WEBP"


def test_report_with_the_real_lumos_report(client, jpeg):
    from lumos.server.report_bridge import ReportUnavailableError, report_function

    try:
        report_function()
    except ReportUnavailableError as exc:
        pytest.skip(str(exc))
    # With scale=2 too: the report explains the photo at its own size (was a 500).
    r = _post(client, jpeg, name="night walk.jpg", report="true", scale="2")
    assert r.status_code == 200, r.text
    assert r.text.lstrip().lower().startswith("<!doctype html")
    assert "<title>lumos explain: night walk.jpg</title>" in r.text  # not the server's 'input'
    assert "'unsafe-inline'" in r.headers["content-security-policy"]
    assert state_of(client).workspace.is_empty()


def test_a_misspelt_field_is_refused_not_ignored(client, jpeg):
    # "denoize" used to be dropped silently: the photo came back at auto strength.
    r = _post(client, jpeg, denoize="0.2")
    assert r.status_code == 422
    assert r.json()["detail"].startswith("unknown field 'denoize'; this request takes: ")
    assert "denoise" in r.json()["detail"] and "report" in r.json()["detail"]
    r = client.post("/v1/analyse", files={"file": ("a.jpg", jpeg)}, data={"model": "classical"})
    assert r.status_code == 422
    assert r.json()["detail"] == "unknown field 'model'; this request takes: file, preview_max_side"
    r = client.post("/v1/jobs", files=[("files", ("a.jpg", jpeg))], data={"scael": "2"})
    assert r.status_code == 422 and "unknown field 'scael'" in r.json()["detail"]


def test_light_field_chooses_the_brightening_strategy(client, jpeg):
    for value in ("uniform", "UNEVEN"):
        r = _post(client, jpeg, model="classical", light=value)
        assert r.status_code == 200, r.text
        assert json.loads(r.headers["x-lumos-stats"])["light_routed"] == value.lower()
    r = _post(client, jpeg, light="sideways")
    assert r.status_code == 422
    assert r.json()["detail"] == "light: must be one of auto, uniform, uneven, got 'sideways'"


def test_validation_errors_use_lumos_words(client, jpeg):
    """ "report: Input should be a valid boolean, unable to interpret input" was pydantic's."""
    r = _post(client, jpeg, report="maybe")
    assert r.status_code == 422
    assert r.json() == {"detail": "report: expected true or false, got 'maybe'"}
    for fields in ({"report": "maybe"}, {"quality": "abc"}, {"preview_max_side": "x"}):
        assert "Input should" not in _post(client, jpeg, **fields).json()["detail"], fields


def test_an_enlarged_download_has_a_name_of_its_own(client, jpeg):
    """1x and 2x downloads were both night_lumos.jpg: a browser made 'night_lumos (1).jpg'."""
    one = _post(client, jpeg, model="classical")
    two = _post(client, jpeg, model="classical", scale="2", upscaler="classical")
    assert one.headers["content-disposition"] == 'attachment; filename="night_lumos.jpg"'
    assert two.headers["content-disposition"] == 'attachment; filename="night_lumos_2x.jpg"'
