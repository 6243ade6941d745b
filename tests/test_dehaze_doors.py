"""``dehaze`` through the Python door: accepted as the CLI takes it, refused in one line."""

from __future__ import annotations

import numpy as np
import pytest

import lumos
from _scenes import clear_photo, hazy_photo
from lumos.errors import OptionError


def _hazy_u8() -> np.ndarray:
    return (hazy_photo(clear_photo(96, 128)) * 255 + 0.5).astype(np.uint8)


def test_enhance_takes_dehaze_auto_and_numbers() -> None:
    hazy = _hazy_u8()
    auto = lumos.enhance(hazy, model="classical", dehaze="auto")
    assert auto.stats["dehaze"]["auto"] is True and auto.stats["dehaze"]["strength"] > 0
    assert auto.stats["analysis"]["hazy"] is True
    half = lumos.enhance(hazy, model="classical", dehaze=np.float32(0.5))
    assert half.stats["dehaze"] == {**half.stats["dehaze"], "strength": 0.5, "auto": False}
    off = lumos.enhance(hazy, model="classical", dehaze=0)
    assert off.stats["dehaze"]["strength"] == 0.0 and off.stats["dehaze"]["airlight"] is None
    # Dehazing takes the haze's veil off: darker, more contrast than without.
    assert auto.image.std() > off.image.std()


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (1.5, "dehaze must be between 0 and 1, got 1.5"),
        (-0.1, "dehaze must be between 0 and 1"),
        ("lots", "dehaze must be a number between 0 and 1, got 'lots'"),
        (True, "dehaze must be a number"),
    ],
)
def test_bad_dehaze_is_one_line_option_error(value: object, words: str) -> None:
    with pytest.raises(OptionError) as exc:
        lumos.enhance(_hazy_u8(), dehaze=value)
    assert words in str(exc.value) and "\n" not in str(exc.value)


def test_dehazer_through_python_cli_and_http(tmp_path) -> None:  # type: ignore[no-untyped-def]
    hazy = _hazy_u8()
    dcp = lumos.enhance(hazy, model="classical", dehaze=1.0, dehazer="dcp")
    assert dcp.stats["dehaze"]["method"] == "dcp"
    with pytest.raises(OptionError) as exc:
        lumos.enhance(hazy, dehazer="aod")
    assert "dehazer must be one of auto, learned, dcp" in str(exc.value)

    from lumos.cli import main

    src = tmp_path / "hazy.png"
    from PIL import Image

    Image.fromarray(hazy).save(src)
    out = tmp_path / "out.png"
    args = ["enhance", str(src), "-o", str(out), "--model", "classical", "--dehazer", "dcp"]
    assert main(args) == 0 and out.is_file()

    from lumos.server.forms import ENHANCE_FIELDS

    assert "dehazer" in ENHANCE_FIELDS
