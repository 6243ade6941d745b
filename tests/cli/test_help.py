"""What `lumos enhance --help` promises, the option parsers accept."""

from __future__ import annotations

import pytest

from lumos.cli import main


def test_brightness_help_names_the_8bit_form(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["enhance", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "13..242 in 8-bit units" in text
