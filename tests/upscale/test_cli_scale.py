"""``lumos enhance --scale``: the output size, and one-line errors with exit code 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lumos.cli import main


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    path = tmp_path / "dark.png"
    Image.fromarray(rng.integers(5, 60, (30, 40, 3)).astype(np.uint8)).save(path)
    return path


def test_scale_two_doubles_the_size(photo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["enhance", str(photo), "-o", str(out), "--scale", "2", "-q"]) == 0
    with Image.open(out / "dark.png") as im:
        assert im.size == (80, 60)


@pytest.mark.parametrize("bad", ["3", "x", "1.5"])
def test_bad_scale_exits_2_with_one_line(photo: Path, bad: str, capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exc:
        main(["enhance", str(photo), "--scale", bad])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert any("--scale" in line and "must be 1, 2 or 4" in line for line in err)
    assert "Traceback" not in "\n".join(err)


def test_too_large_output_fails_that_file(photo: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(
        ["enhance", str(photo), "-o", str(tmp_path / "o"), "--scale", "4", "--max-megapixels",
         "0.01"]
    )  # fmt: skip
    assert code == 1
    assert "--scale 4 would make 160x120" in capsys.readouterr().err
