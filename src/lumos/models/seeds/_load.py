"""Torch import and checkpoint loading with one-line, user-facing errors."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path
from typing import Any

from ...errors import MissingExtraError, ModelError

__all__ = ["load_into", "require_torch"]

EXTRA = "train"
"""The extra that brings torch (the seed models need nothing else)."""


def require_torch() -> Any:
    """Import torch, or raise :class:`MissingExtraError` naming the ``train`` extra."""
    try:
        import torch
    except ImportError:
        raise MissingExtraError("MIRNet and ALEN checkpoints", EXTRA) from None
    return torch


def _load_failure(exc: Exception) -> str:
    """Why ``torch.load`` failed, in a few words: its own messages run to paragraphs."""
    text = str(exc)
    if "Weights only load failed" in text or isinstance(exc, pickle.UnpicklingError):
        # Either not a pickle at all, or one holding objects besides tensors, which
        # lumos does not unpickle (that could run code from the file).
        return "not a file of tensors saved by torch.save; lumos loads weights only"
    if "zip archive" in text or "central directory" in text:
        return "truncated or corrupt archive"
    return "truncated or corrupt file"


def _brief(keys: list[str], limit: int = 3) -> str:
    more = f" (+{len(keys) - limit} more)" if len(keys) > limit else ""
    return ", ".join(keys[:limit]) + more


def load_into(module: Any, path: Path, *, key: str | None = None) -> Any:
    """Load a state dict from ``path`` into ``module`` with ``strict=True``; return it in eval mode.

    ``key`` picks a sub-dict of a training checkpoint (MIRNet stores
    ``{"model_state_dict": ...}``); a file that is the state dict itself also works.
    A ``module.`` prefix (DataParallel) is removed.
    """
    torch = require_torch()
    path = Path(path)
    if not path.is_file():
        raise ModelError("weights file not found", path=path)
    try:
        with warnings.catch_warnings():  # torch warns about pickle protocols on odd files
            warnings.simplefilter("ignore")
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        reason = _load_failure(exc)
        raise ModelError(f"not a readable PyTorch checkpoint ({reason})", path=path) from None
    if key is not None and isinstance(obj, dict) and key in obj:
        obj = obj[key]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ModelError("the file holds no state dict of tensors", path=path)
    state = {k.removeprefix("module."): v for k, v in obj.items()}
    expected = module.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    wrong = [k for k in expected if k in state and state[k].shape != expected[k].shape]
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing keys: {_brief(missing)}")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected keys: {_brief(unexpected)}")
        if wrong:
            w = wrong[0]
            parts.append(
                f"{len(wrong)} wrong shapes, e.g. {w} {tuple(state[w].shape)} "
                f"!= {tuple(expected[w].shape)}"
            )
        raise ModelError(
            f"not a {type(module).__name__} checkpoint: " + "; ".join(parts), path=path
        )
    module.load_state_dict(state, strict=True)
    return module.eval()
