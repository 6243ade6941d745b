"""Preloaded into each worker process of a local cluster that lumos starts.

Ctrl-C in a terminal goes to the whole process group: the workers too. Each
would die printing a KeyboardInterrupt traceback (dozens of lines) over the one
line ``lumos batch`` prints, and the photo it was writing would be lost. The
client alone handles Ctrl-C, and shuts the workers down itself.
"""

from __future__ import annotations

import contextlib
import signal
from typing import Any


def dask_setup(worker: Any) -> None:
    """Called by Dask in the worker process, on its main thread, before any task."""
    with contextlib.suppress(ValueError):  # not the main thread: leave it as it is
        signal.signal(signal.SIGINT, signal.SIG_IGN)
