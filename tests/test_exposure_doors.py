"""``--exposure`` through the CLI, ``lumos info`` and the Python API (HTTP: tests/server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

import lumos
from _scenes import over_photo
from lumos.cli import main
from lumos.errors import OptionError


@pytest.fixture
def over_file(tmp_path: Path) -> Path:
    path = tmp_path / "over.png"
    Image.fromarray(over_photo()).save(path)
    return path


def test_api_exposure_values(over_file: Path) -> None:
    auto = lumos.enhance(over_file, model="classical")
    assert auto.stats["exposure"]["darkened"] and auto.stats["exposure"]["mode"] == "auto"
    kept = lumos.enhance(over_file, model="classical", exposure="brighten")
    assert not kept.stats["exposure"]["darkened"]
    assert "--exposure brighten" in kept.stats["exposure"]["why"]
    assert auto.image.mean() < kept.image.mean() - 20


def test_api_bad_exposure_is_one_line() -> None:
    with pytest.raises(OptionError) as err:
        lumos.enhance(over_photo(), exposure="down")
    text = str(err.value)
    assert "exposure" in text and "auto, brighten, darken" in text and "\n" not in text


@pytest.mark.parametrize("value", ["auto", "brighten", "darken"])
def test_cli_exposure_values(over_file: Path, tmp_path: Path, value: str) -> None:
    out = tmp_path / f"out_{value}.png"
    argv = ["enhance", str(over_file), "-o", str(out), "--model", "classical", "-q"]
    assert main([*argv, "--exposure", value]) == 0
    assert out.is_file()


def test_cli_bad_exposure_is_a_usage_error(over_file: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["enhance", str(over_file), "--exposure", "lots"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--exposure" in err and "invalid choice" in err and "Traceback" not in err


def test_info_reports_over_exposure(over_file: Path, capsys) -> None:
    assert main(["info", str(over_file), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["analysis"]["highlight_headroom"] == 0.0
    assert info["analysis"]["clipped_fraction"] > 0.3
    darken = info["would_use"]["darken"]
    assert darken["darkened"] and darken["over"]["label"] == "over-exposed"
    assert main(["info", str(over_file)]) == 0
    text = capsys.readouterr().out
    assert "over-exposure over-exposed: reads" in text and "stops over (learned)" in text
    assert "would darken" in text


def test_explain_report_tells_the_darkening() -> None:
    from lumos.report import build_report

    r = build_report(over_photo(), with_sweep=False, options={"model": "classical"})
    keys = [s.key for s in r.stages]
    assert "highlights" in keys and keys.index("highlights") < keys.index("output")
    assert keys.index("exposure_map") < keys.index("highlights")
    assert r.stage("exposure_map").mean_luminance < 0.9  # a map with darkening in it
    assert "darkened by" in r.stage("highlights").what
    assert "Over-exposure — darkened by" in r.stage("input").what
    assert "White turns grey" in r.stage("naive").what
    assert r.options["exposure"] == "auto"
    plain = build_report(over_photo(), with_sweep=False, options={"exposure": "brighten"})
    assert "highlights" not in {s.key for s in plain.stages}
