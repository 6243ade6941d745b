"""``lumos info`` shows the target brightness as the explain report does, and the shadows."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

import lumos
from _scenes import backlit_photo
from lumos.cli import info, main
from lumos.report._html import _l

from .conftest import dark_photo


def test_target_in_8bit_units_rounds_like_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    photo = tmp_path / "p.png"
    Image.fromarray(dark_photo(96, 128)).save(photo)
    real = info.get_enhancer

    class Target:  # the real enhancer, with a target that rounds apart at 3 decimals
        def __init__(self, name: str) -> None:
            self.inner = real(name)

        def prepare(self, *args, **kw):
            return replace(self.inner.prepare(*args, **kw), target_brightness=0.48828)

    monkeypatch.setattr(info, "get_enhancer", Target)
    assert main(["info", str(photo)]) == 0
    assert f"target brightness {_l(0.48828)}" in capsys.readouterr().out  # 125/255


@pytest.mark.parametrize("model", ["lumosnet", "classical"])
def test_shows_the_shadows_lumos_would_open_up(
    model: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    photo = tmp_path / "backlit.png"
    Image.fromarray(backlit_photo()).save(photo)
    chosen = info.describe(photo, models=(model,))["would_use_by_model"][model]
    assert set(chosen) == {
        "model",
        "denoise",
        "detail",
        "target_brightness",
        "shadows",
        "exposure",
        "dehaze",
        "darken",
    }
    assert chosen["exposure"]["text"].startswith(("well exposed", "dark scene"))
    assert 0 < chosen["shadows"] <= 1
    # What a run with shadows=auto then uses (the stats of lumos enhance).
    run = lumos.enhance(photo, model=model)
    assert run.stats["shadows"] == pytest.approx(chosen["shadows"], abs=1e-4)

    assert main(["info", str(photo), "--json"]) == 0
    would = json.loads(capsys.readouterr().out)["would_use"]
    assert would["shadows"] > 0
    assert main(["info", str(photo)]) == 0
    assert f"shadows {would['shadows']:.2f}" in capsys.readouterr().out


def test_shadows_left_alone_read_zero(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    photo = tmp_path / "p.png"
    Image.fromarray(dark_photo(96, 128)).save(photo)
    assert main(["info", str(photo), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["would_use"]["shadows"] == 0.0
    assert main(["info", str(photo)]) == 0
    assert "shadows 0.00" in capsys.readouterr().out


def test_a_model_without_shadows_says_nothing_of_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    photo = tmp_path / "p.png"
    Image.fromarray(dark_photo(96, 128)).save(photo)
    real = info.get_enhancer

    class Seed:  # as mirnet and alen: no "shadows" in the plan
        def __init__(self, name: str) -> None:
            self.inner = real(name)

        def prepare(self, *args, **kw):
            plan = self.inner.prepare(*args, **kw)
            return replace(plan, params={k: v for k, v in plan.params.items() if k != "shadows"})

    monkeypatch.setattr(info, "get_enhancer", Seed)
    assert main(["info", str(photo), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["would_use"]["shadows"] is None
    assert main(["info", str(photo)]) == 0
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.startswith("lumos would")]
    assert line.endswith("/255")  # no "shadows" for a model that has none


def test_says_whether_jpeg_blocks_show(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A dark photo saved as a strong JPEG: its noise reads at least the JPEG prior."""
    from lumos.analysis._noise import JPEG_NOISE_FLOOR

    pixels = dark_photo(192, 256)
    Image.fromarray(pixels).save(tmp_path / "p.png")
    Image.fromarray(pixels).save(tmp_path / "p.jpg", quality=70)
    png = info.describe(tmp_path / "p.png")["analysis"]
    jpg = info.describe(tmp_path / "p.jpg")["analysis"]
    assert png["jpeg_blockiness"] < 1.1 < 1.25 < jpg["jpeg_blockiness"]
    assert jpg["noise_sigma"] >= JPEG_NOISE_FLOOR * 0.999
    assert main(["info", str(tmp_path / "p.jpg")]) == 0
    assert "compression   JPEG blocks show" in capsys.readouterr().out
    assert main(["info", str(tmp_path / "p.png")]) == 0
    assert "compression   no JPEG blocks seen" in capsys.readouterr().out


def test_an_unknown_exif_value_keeps_the_json_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    # Cameras write 0/0 for an exposure or aperture they do not know: it came out as
    # NaN, which is not JSON (jq refuses it, and so does the server's /v1/analyse).
    from PIL import TiffImagePlugin

    exif = Image.Exif()
    exif[0x010F] = "Cam"
    sub = exif.get_ifd(0x8769)
    sub[0x829A] = TiffImagePlugin.IFDRational(0, 0)  # exposure time
    sub[0x829D] = TiffImagePlugin.IFDRational(28, 10)  # f/2.8
    path = tmp_path / "p.jpg"
    Image.fromarray(dark_photo(32, 48)).save(path, exif=exif.tobytes())
    assert main(["info", "--json", str(path)]) == 0
    data = json.loads(capsys.readouterr().out, parse_constant=pytest.fail)
    assert data["exif"] == {"make": "Cam", "f_number": 2.8}


def test_several_photos_each_described_and_a_bad_one_named(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    # `lumos info *.jpg` was "unrecognized arguments".
    for name in ("a.png", "b.png"):
        Image.fromarray(dark_photo(64, 96)).save(tmp_path / name)
    (tmp_path / "notes.jpg").write_text("not a photo")
    paths = [str(tmp_path / n) for n in ("a.png", "notes.jpg", "b.png")]
    assert main(["info", *paths]) == 1  # one failed, the others were described
    out, err = capsys.readouterr()
    assert out.count("file          ") == 2 and "b.png" in out
    assert err.strip().endswith("notes.jpg: not an image (lumos reads JPEG, PNG, TIFF, "
                                "WEBP, BMP, HEIC and camera RAW)")  # fmt: skip
    assert main(["info", "--json", paths[0], paths[2]]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [Path(d["file"]).name for d in listed] == ["a.png", "b.png"]
    assert main(["info", "--json", paths[0]]) == 0  # one photo: an object, as before
    assert json.loads(capsys.readouterr().out)["file"] == paths[0]
