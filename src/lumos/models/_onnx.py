"""One cache of ONNX Runtime sessions for the shipped networks."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from ..errors import ModelError

__all__ = ["import_onnxruntime", "onnx_session", "use_memory_arena"]

_lock = threading.Lock()
_cache: dict[Path, Any] = {}
_arena = True


def use_memory_arena(enabled: bool) -> None:
    """Whether new sessions keep ONNX Runtime's CPU memory arena (the default: yes).

    The arena keeps the largest working memory a session ever needed: after one
    12 MP photo about 400 MB that ``malloc_trim`` cannot give back. A one-shot
    CLI run does not care and is ~10 % faster with it (12 MP: 6.8 s against 7.5 s
    on 2 cores); a long-lived server turns it off, so that it returns near its
    start when idle (``bench/soak.py``). Sessions made before are dropped.
    """
    global _arena
    with _lock:
        if enabled != _arena:
            _arena = enabled
            _cache.clear()


def import_onnxruntime() -> Any:
    """``onnxruntime``, with its telemetry turned off before any session is made.

    ONNX Runtime records usage events (OS, interpreter path, network type) unless
    told not to, and lumos promises that nothing about its users leaves their
    machine. Every InferenceSession lumos creates goes through here.
    """
    import onnxruntime as ort

    disable = getattr(ort, "disable_telemetry_events", None)
    if disable is not None:  # absent from some builds, which then record nothing
        disable()
    return ort


def onnx_session(path: Path, what: str) -> Any:
    """A shared CPU session of ``path``, created on first use.

    One ORT thread per session: each call is small (a proxy, a tile), and the
    pipeline already runs tiles in parallel, so more threads cost more to start
    than they save. ``what`` names the network in the error message.
    """
    path = Path(path)
    with _lock:
        if path not in _cache:
            try:
                ort = import_onnxruntime()
            except ImportError as exc:  # pragma: no cover - a core dependency
                raise ModelError(f"onnxruntime is not installed: {exc}") from None
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = 1
            opts.inter_op_num_threads = 1
            opts.enable_cpu_mem_arena = _arena
            try:
                _cache[path] = ort.InferenceSession(
                    str(path), opts, providers=["CPUExecutionProvider"]
                )
            except Exception as exc:
                raise ModelError(f"cannot load {what} from {path}: {exc}") from None
        return _cache[path]
