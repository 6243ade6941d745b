"""The terminal progress bar: drawn only on a terminal, with elapsed time and what is left."""

from __future__ import annotations

import io

from lumos.cli._progress import ProgressBar, _duration


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_shows_count_and_time_left() -> None:
    out = _Terminal()
    bar = ProgressBar(4, "enhancing", stream=out)
    bar.update(1)
    bar._draw(bar._start + 10.0)  # 10 s for the first of four: about 30 s left
    line = out.getvalue().split("\r")[-1]
    assert "1/4" in line and "10.0s" in line and "~30.0s left" in line
    bar.update(4)
    assert "left" not in out.getvalue().split("\r")[-1]
    bar.clear()
    assert out.getvalue().endswith("\r\033[K")


def test_bar_is_silent_off_a_terminal() -> None:
    out = io.StringIO()
    bar = ProgressBar(3, "x", stream=out)
    bar.update(2)
    bar.clear()
    assert out.getvalue() == ""


def test_durations_stay_short() -> None:
    assert _duration(4.24) == "4.2s"
    assert _duration(185) == "3m05s"
    assert _duration(2 * 3600 + 7 * 60 + 5) == "2h07m"
