"""What the training loops (LumosNet, LumosDN, LumosSR) share: EMA weights, resumable
checkpoints, the learning-rate schedule and a run's saved configuration."""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import torch
from torch import nn

__all__ = [
    "ema_update",
    "load_checkpoint",
    "run_cli",
    "run_config",
    "save_checkpoint",
    "trained_weights",
    "warmup_cosine",
]

ConfigT = TypeVar("ConfigT")


def warmup_cosine(step: int, steps: int, lr: float, *, warmup: int, floor: float = 0.0) -> float:
    """Linear warm-up over ``warmup`` steps, then a cosine decay to ``floor * lr`` at ``steps``."""
    warm = min(1.0, (step + 1) / warmup)
    cosine = 0.5 * (1 + math.cos(math.pi * min(1.0, step / steps)))
    return lr * warm * (floor + (1 - floor) * cosine)


def run_config(cfg: ConfigT, out: Path) -> ConfigT:
    """``cfg`` with the values saved in ``out/config.json`` (an exported net is the run's own,
    whatever the defaults are now); the data and run folders stay as given."""
    path = Path(out) / "config.json"
    if not path.is_file():
        return cfg
    fields = {f.name for f in dataclasses.fields(cfg)}  # type: ignore[arg-type]
    saved = {k: v for k, v in json.loads(path.read_text()).items() if k in fields}
    saved.update(data_root=cfg.data_root, out_dir=cfg.out_dir)  # type: ignore[attr-defined]
    return dataclasses.replace(cfg, **saved)  # type: ignore[type-var]


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


def trained_weights(run: Path, name: str) -> dict[str, torch.Tensor]:
    """A run's weights file ``name`` (``ema.pt``, ``best.pt``) or, for a run stopped
    before writing it, the EMA weights of its last checkpoint."""
    if (run / name).is_file():
        return torch.load(run / name, weights_only=True)
    if (run / "last.pt").is_file():
        return torch.load(run / "last.pt", weights_only=False)["ema"]
    raise FileNotFoundError(f"no trained weights in {run} ({name} or last.pt)")


def run_cli(main: Callable[[], int], prog: str) -> NoReturn:
    """Run a training command: a missing data folder or file is one line and exit 2."""
    try:
        code = main()
    except FileNotFoundError as exc:
        what = f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc)
        print(f"{prog}: {what} (--data is the folder of the datasets)", file=sys.stderr)
        code = 2
    sys.exit(code)
