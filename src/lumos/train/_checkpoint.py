"""What both training loops (LumosNet, LumosSR) share: EMA weights and resumable checkpoints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

__all__ = ["ema_update", "load_checkpoint", "save_checkpoint"]


@torch.no_grad()
def ema_update(ema: nn.Module, net: nn.Module, decay: float) -> None:
    """``ema <- decay * ema + (1 - decay) * net``, parameter by parameter."""
    for pe, p in zip(ema.parameters(), net.parameters(), strict=True):
        pe.mul_(decay).add_(p, alpha=1 - decay)


def save_checkpoint(
    path: Path, net: nn.Module, ema: nn.Module, opt: torch.optim.Optimizer, **extra: Any
) -> None:
    """Write the resumable state atomically (a killed run never leaves half a file)."""
    tmp = path.with_name(path.name + ".tmp")
    state = {"net": net.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict()}
    torch.save({**state, **extra}, tmp)
    tmp.replace(path)


def load_checkpoint(
    path: Path, net: nn.Module, ema: nn.Module, opt: torch.optim.Optimizer
) -> dict[str, Any]:
    """Restore net, EMA and optimizer from ``path``; returns the rest (step, elapsed, ...)."""
    ckpt = torch.load(path, weights_only=False)
    net.load_state_dict(ckpt.pop("net"))
    ema.load_state_dict(ckpt.pop("ema"))
    opt.load_state_dict(ckpt.pop("opt"))
    return ckpt
