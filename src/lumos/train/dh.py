"""``python -m lumos.train.dh``: train LumosDH (the learned dehazer), export ONNX, record.

Examples
--------
A run (resumable: run the same command again to continue from ``last.pt``)::

    nohup nice -n 10 python -m lumos.train.dh --data ../shared/data --out runs/dh \\
        --steps 4500 > runs/train_dh.log 2>&1 &

Export the best EMA checkpoint of a run into the package::

    python -m lumos.train.dh --export-only --out runs/dh --install
"""

from __future__ import annotations

import argparse
import math
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ._checkpoint import run_cli, run_config, trained_weights, warmup_cosine
from ._runner import (
    Metric,
    add_common_options,
    common_config,
    finish_run,
    fit,
    init_weights,
    install_files,
    run_progress,
    start_run,
)
from .dh_arch import ALIGN, LumosDH, invert
from .dh_data import DhSample, DhSampler, load_dh_sources, validation_samples
from .export import onnx_parity, to_onnx

__all__ = ["DhConfig", "dh_loss", "evaluate_dh", "export_dh", "main", "parity_dh", "train_dh"]

PACKAGE_WEIGHTS = Path(__file__).resolve().parents[1] / "models" / "weights" / "dehaze"
TRAIN_T_MIN = 0.1
"""Transmission floor of the inversion in the loss (the data's own floor is 0.08)."""


@dataclass(frozen=True)
class DhConfig:
    """Everything that defines a training run; saved beside its checkpoints."""

    data_root: str = "../shared/data"
    out_dir: str = "runs/dh"
    steps: int = 4500
    batch: int = 12
    patch: int = 192
    lr: float = 1e-3
    ema: float = 0.998
    seed: int = 0
    threads: int = 1
    width: int = 24
    mid: int = 48
    low: int = 64
    blocks: int = 3
    t_weight: float = 0.5  # L1 on t (known in synthetic data) beside L1 on J
    air_weight: float = 0.5  # L1 on the airlight (hazy samples only)
    contrast_weight: float = 0.0  # contrastive regulariser (pixel space), 0 = off
    eval_every: int = 250
    checkpoint_every: int = 250
    limit_images: int | None = None  # small runs (the smoke test)
    init: str | None = None  # start from these weights (fine-tuning), unless resuming


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((np.clip(a, 0, 1) - b) ** 2))
    return 10 * math.log10(1.0 / max(mse, 1e-10))


def dh_loss(net: LumosDH, batch: dict[str, torch.Tensor], cfg: DhConfig) -> torch.Tensor:
    """L1 on the dehazed crop, plus L1 on ``t`` and the airlight where they are known.

    With ``contrast_weight``, the contrastive regulariser of AECR-Net / DRACO in pixel
    space: the distance to the clean crop over the distance to the hazy input (pull
    toward clear, push away from haze); hazy samples only (a clear sample's target is
    its input).
    """
    hazy, clean = batch["hazy"], batch["clean"]
    t, airlight = net(hazy)
    out = invert(hazy, t, airlight, TRAIN_T_MIN)
    loss = F.l1_loss(out, clean)
    loss = loss + cfg.t_weight * F.l1_loss(t, batch["t"])
    has = batch["has_haze"]
    air = (airlight - batch["airlight"]).abs().mean(dim=1)
    loss = loss + cfg.air_weight * (air * has).sum() / has.sum().clamp(min=1.0)
    if cfg.contrast_weight > 0:
        pos = (out - clean).abs().mean(dim=(1, 2, 3))
        neg = (out - hazy).abs().mean(dim=(1, 2, 3))
        ratio = pos / (neg + 1e-3)
        loss = loss + cfg.contrast_weight * (ratio * has).sum() / has.sum().clamp(min=1.0)
    return loss


def run_torch(net: LumosDH, hazy: np.ndarray, t_min: float = TRAIN_T_MIN) -> np.ndarray:
    """Dehaze one float32 (H, W, 3) proxy (H, W multiples of ALIGN) at proxy resolution."""
    x = torch.from_numpy(np.ascontiguousarray(hazy.transpose(2, 0, 1))[None])
    with torch.no_grad():
        t, a = net(x)
        return invert(x, t, a, t_min)[0].numpy().transpose(1, 2, 0)


@torch.no_grad()
def evaluate_dh(net: LumosDH, val: list[DhSample]) -> dict[str, float]:
    """Mean PSNR on the held-out proxies: the net's inversion, the hazy input's, and the
    net's on the clear ones alone (how much it changes a photo with no haze)."""
    net = net.eval()
    ours, inputs, clear = [], [], []
    for s in val:
        h, w = s.t.shape
        h, w = h - h % ALIGN, w - w % ALIGN
        out = run_torch(net, s.hazy[:h, :w])
        ours.append(_psnr(out, s.clean[:h, :w]))
        inputs.append(_psnr(s.hazy[:h, :w], s.clean[:h, :w]))
        if not s.has_haze:
            clear.append(ours[-1])
    net.train()
    if not ours:
        return {"psnr": math.nan, "input_psnr": math.nan, "clear_psnr": math.nan}
    return {
        "psnr": float(np.mean(ours)),
        "input_psnr": float(np.mean(inputs)),
        "clear_psnr": float(np.mean(clear)) if clear else math.nan,
    }


def _net(cfg: DhConfig) -> LumosDH:
    return LumosDH(cfg.width, cfg.mid, cfg.low, cfg.blocks)


def train_dh(cfg: DhConfig, *, log=print) -> Path:
    """Train (resuming from ``out_dir/last.pt``); returns the best EMA weights path."""
    start_run(cfg)
    net = _net(cfg)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    init_weights(cfg, net, log=log)
    sources = load_dh_sources(Path(cfg.data_root), limit=cfg.limit_images)
    val = validation_samples(sources)
    log(f"{len(sources.train)} training photos, {len(val)} held out", flush=True)

    def make_step(start: int):
        sampler = DhSampler(sources, patch=cfg.patch, seed=cfg.seed + start)

        def loss_at(step: int) -> torch.Tensor:
            batch = {k: torch.from_numpy(v) for k, v in sampler.batch(cfg.batch).items()}
            return dh_loss(net, batch, cfg)

        return loss_at

    return fit(
        cfg,
        net,
        opt,
        make_step=make_step,
        evaluate=lambda model: evaluate_dh(model, val),
        metrics=(
            Metric("psnr", "val_psnr"),
            Metric("input_psnr", "val_input_psnr"),
            Metric("clear_psnr", "val_clear_psnr"),
        ),
        describe=lambda v: (
            f"val {v['psnr']:.2f} dB (input {v['input_psnr']:.2f}), clear {v['clear_psnr']:.2f}"
        ),
        lr_at=lambda step: warmup_cosine(step, cfg.steps, cfg.lr, warmup=200, floor=0.02),
        score=lambda v: v["psnr"],
        log=log,
    )


def export_dh(net: LumosDH, path: Path) -> Path:
    """Write ``dehaze.onnx`` (input ``rgb``; outputs ``transmission``, ``airlight``)."""
    axes = {2: "h", 3: "w"}
    return to_onnx(
        net,
        (torch.rand(1, 3, 64, 96),),
        path,
        inputs=["rgb"],
        outputs=["transmission", "airlight"],
        dynamic_axes={"rgb": axes, "transmission": axes},
    )


def parity_dh(net: LumosDH, path: Path, *, seed: int = 0) -> float:
    """Max abs difference between torch and ONNX Runtime (transmission and airlight)."""
    rng = np.random.default_rng(seed)
    feeds = [{"rgb": rng.random((1, 3, h, w), dtype=np.float32)} for h, w in [(64, 96), (256, 384)]]
    net = net.eval()
    t_diff = onnx_parity(lambda x: net(x)[0], path, feeds)
    from ..models._onnx import import_onnxruntime

    session = import_onnxruntime().InferenceSession(str(path), providers=["CPUExecutionProvider"])
    a_diff = 0.0
    for feed in feeds:
        with torch.no_grad():
            ref = net(torch.from_numpy(feed["rgb"]))[1].numpy()
        a_diff = max(a_diff, float(np.abs(session.run(None, feed)[1] - ref).max()))
    return max(t_diff, a_diff)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m lumos.train.dh", description=__doc__.splitlines()[0]
    )
    add_common_options(ap, DhConfig)
    ap.add_argument("--patch", type=int, default=DhConfig.patch)
    ap.add_argument("--width", type=int, default=DhConfig.width)
    ap.add_argument("--mid", type=int, default=DhConfig.mid)
    ap.add_argument("--low", type=int, default=DhConfig.low)
    ap.add_argument("--blocks", type=int, default=DhConfig.blocks)
    ap.add_argument(
        "--contrast-weight",
        type=float,
        default=DhConfig.contrast_weight,
        help="weight of the contrastive regulariser (0: off)",
    )
    ap.add_argument("--init", default=None, help="EMA weights (.pt) to start from (fine-tune)")
    args = ap.parse_args(argv)
    cfg = DhConfig(
        **common_config(args, DhConfig),
        patch=args.patch,
        width=args.width,
        mid=args.mid,
        low=args.low,
        blocks=args.blocks,
        contrast_weight=args.contrast_weight,
        init=args.init,
    )
    out = Path(cfg.out_dir)
    if args.export_only:
        cfg = run_config(cfg, out)
    else:
        train_dh(cfg)
    net = _net(cfg)
    net.load_state_dict(trained_weights(out, "best.pt"))
    net.eval()
    path = export_dh(net, out / "onnx" / "dehaze.onnx")
    sources = load_dh_sources(Path(cfg.data_root), limit=cfg.limit_images)
    val = evaluate_dh(net, validation_samples(sources))
    record = {
        "config": asdict(cfg),
        **run_progress(out),
        "val_heldout_synthetic_proxies": {k: round(v, 3) for k, v in val.items()},
        "onnx_parity_max_abs": parity_dh(net, path),
        "params": sum(p.numel() for p in net.parameters()),
    }
    install = partial(install_files, [path], out, PACKAGE_WEIGHTS)
    return finish_run(out, record, install if args.install else None)


if __name__ == "__main__":
    run_cli(main, "python -m lumos.train.dh")
