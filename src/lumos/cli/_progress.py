"""A dependency-free progress bar on stderr, drawn only on a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["ProgressBar"]


class ProgressBar:
    """Redraws one line with ``\\r``; silent when disabled or not on a TTY.

    Parameters
    ----------
    total : int
        Steps in all.
    label : str
        Shown before the bar.
    enabled : bool
        False for ``--quiet``.
    """

    width = 28

    def __init__(
        self, total: int, label: str = "", *, enabled: bool = True, stream: TextIO | None = None
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.total = max(1, total)
        self.label = label
        self.done = 0
        self.enabled = enabled and bool(getattr(self.stream, "isatty", lambda: False)())
        self._start = time.monotonic()
        self._last_draw = 0.0
        self._drawn = False

    def update(self, done: int, total: int | None = None, *, label: str | None = None) -> None:
        """Set the count (and optionally total/label) and redraw, at most ~20 times a second."""
        self.done = done
        if total is not None:
            self.total = max(1, total)
        if label is not None:
            self.label = label
        now = time.monotonic()
        if self.enabled and (now - self._last_draw > 0.05 or done >= self.total):
            self._last_draw = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        frac = min(1.0, self.done / self.total)
        filled = round(frac * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = now - self._start
        label = self.label if len(self.label) <= 40 else "..." + self.label[-37:]
        eta = ""
        if 0 < self.done < self.total:
            eta = f" ~{_duration(elapsed / self.done * (self.total - self.done))} left"
        self.stream.write(
            f"\r{label} [{bar}] {self.done}/{self.total} {_duration(elapsed)}{eta}\033[K"
        )
        self.stream.flush()
        self._drawn = True

    def clear(self) -> None:
        """Erase the bar so that normal output starts on a clean line."""
        if self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._drawn = False


def _duration(seconds: float) -> str:
    """``4.2s``, ``3m05s``, ``2h07m``: short enough for one terminal line."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
