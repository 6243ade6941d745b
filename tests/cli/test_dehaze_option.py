"""``--dehaze`` on the command line, and the haze verdict of ``lumos info``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from _scenes import clear_photo, hazy_photo
from lumos.cli import main


@pytest.fixture
def hazy_file(tmp_path: Path) -> Path:
    path = tmp_path / "hazy.png"
    Image.fromarray((hazy_photo(clear_photo(96, 128)) * 255 + 0.5).astype("uint8")).save(path)
    return path


@pytest.mark.parametrize("value", ["auto", "AUTO", "0", "0.6", "1"])
def test_dehaze_values_are_accepted(hazy_file: Path, tmp_path: Path, value: str) -> None:
    out = tmp_path / f"out_{value}.png"
    argv = ["enhance", str(hazy_file), "-o", str(out), "--model", "classical", "-q"]
    assert main([*argv, "--dehaze", value]) == 0
    assert out.is_file()


@pytest.mark.parametrize(
    ("value", "words"),
    [("2", "must be between 0 and 1, got 2"), ("lots", "expected 'auto' or a number")],
)
def test_bad_dehaze_is_a_usage_error(hazy_file: Path, capsys, value: str, words: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["enhance", str(hazy_file), "--dehaze", value])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--dehaze" in err and words in err and "Traceback" not in err
    assert not hazy_file.with_name("hazy_lumos.png").exists()


def test_info_reports_the_haze_verdict(hazy_file: Path, tmp_path: Path, capsys) -> None:
    assert main(["info", str(hazy_file), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["analysis"]["hazy"] is True and info["analysis"]["haze_density"] >= 0.55
    assert info["would_use"]["dehaze"] > 0
    assert main(["info", str(hazy_file)]) == 0
    text = capsys.readouterr().out
    assert "haze          hazy (density" in text and ", dehaze " in text
    clear = tmp_path / "clear.png"
    Image.fromarray((clear_photo() * 255 + 0.5).astype("uint8")).save(clear)
    assert main(["info", str(clear)]) == 0
    assert "haze          clear (density 0.00" in capsys.readouterr().out
