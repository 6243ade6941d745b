"""``lumos info`` shows the target brightness as the explain report does."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

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
