"""The training loop: one frozen config, checkpoints to resume, EMA weights, a CSV log."""

from __future__ import annotations

import csv
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .archs import LumosNet, luma
from .dataset import PairSampler, Sources, make_proxy

__all__ = ["TrainConfig", "evaluate", "train"]


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run; saved beside its checkpoints."""

    data_root: str = "../shared/data"
    out_dir: str = "runs/lumosnet"
    steps: int = 20000
    batch: int = 8
    patch: int = 160
    lr: float = 2e-3
    weight_decay: float = 1e-4
    ema: float = 0.999
    seed: int = 0
    threads: int = 2
    real_fraction: float = 0.3
    global_width: int = 32
    local_width: int = 32
    local_depth: int = 4
    ssim_weight: float = 0.25
    eval_every: int = 1000
    checkpoint_every: int = 500
    limit_images: int | None = None  # small runs (the smoke test)


def _ssim_luma(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Mean SSIM of the luma of two batches (7x7 box windows; a loss, not a metric)."""
    ya, yb = luma(a), luma(b)
    mu_a, mu_b = F.avg_pool2d(ya, 7, 1), F.avg_pool2d(yb, 7, 1)
    var_a = F.avg_pool2d(ya * ya, 7, 1) - mu_a**2
    var_b = F.avg_pool2d(yb * yb, 7, 1) - mu_b**2
    cov = F.avg_pool2d(ya * yb, 7, 1) - mu_a * mu_b
    c1, c2 = 0.01**2, 0.03**2
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / (
        (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
    )
    return s.mean()


def loss_fn(
    refined: torch.Tensor, bright: torch.Tensor, target: torch.Tensor, ssim_weight: float = 0.25
) -> torch.Tensor:
    """L1 + structure on the output; the brightening alone is judged after a blur.

    The blur keeps the global branch responsible for brightness and colour only
    (the noise in ``bright`` is the local branch's job).
    """
    blur_b = F.avg_pool2d(bright, 8)
    blur_t = F.avg_pool2d(target, 8)
    return (
        F.l1_loss(refined, target)
        + ssim_weight * (1.0 - _ssim_luma(refined, target))
        + 0.5 * F.l1_loss(blur_b, blur_t)
    )


def _to_t(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(x)


@torch.no_grad()
def evaluate(net: LumosNet, pairs: list[tuple[str, np.ndarray, np.ndarray]]) -> float:
    """Mean PSNR (8-bit, no GT-mean) on whole validation images."""
    from ..analysis import estimate_noise
    from ..eval.metrics import psnr

    psnrs = []
    for _, low_u8, high_u8 in pairs:
        low = low_u8.astype(np.float32) / 255
        h, w = low.shape[:2]
        low = low[: h - h % 2, : w - w % 2]
        high = high_u8[: h - h % 2, : w - w % 2].astype(np.float32) / 255
        proxy = make_proxy(low)
        sigma = np.float32(estimate_noise(low)[0])
        out, _, _ = net(
            _to_t(low.transpose(2, 0, 1)[None].copy()),
            _to_t(proxy.transpose(2, 0, 1)[None].copy()),
            torch.tensor([sigma]),
        )
        psnrs.append(psnr(out[0].numpy().transpose(1, 2, 0), high))
    return float(np.mean(psnrs)) if psnrs else float("nan")


def train(cfg: TrainConfig, sources: Sources, *, log=print) -> Path:
    """Train (resuming from ``out_dir/last.pt`` if present); returns the EMA weights path."""
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(asdict(cfg), indent=2))

    net = LumosNet(cfg.global_width, cfg.local_width, cfg.local_depth)
    ema = LumosNet(cfg.global_width, cfg.local_width, cfg.local_depth)
    ema.load_state_dict(net.state_dict())
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    start, elapsed = 0, 0.0
    ckpt_path = out / "last.pt"
    if ckpt_path.exists():
        ckpt = torch.load(ckpt_path, weights_only=False)
        net.load_state_dict(ckpt["net"])
        ema.load_state_dict(ckpt["ema"])
        opt.load_state_dict(ckpt["opt"])
        start, elapsed = ckpt["step"], ckpt.get("elapsed", 0.0)
        log(f"resumed at step {start}")
    # The sampler is re-seeded from the step so a resumed run sees new samples.
    sampler = PairSampler(
        sources, patch=cfg.patch, real_fraction=cfg.real_fraction, seed=cfg.seed + start
    )

    def lr_at(step: int) -> float:
        warm = min(1.0, (step + 1) / 200)
        return cfg.lr * warm * 0.5 * (1 + math.cos(math.pi * min(1.0, step / cfg.steps)))

    log_file = out / "log.csv"
    new_log = not log_file.exists()
    with log_file.open("a", newline="") as fh:
        writer = csv.writer(fh)
        if new_log:
            writer.writerow(["step", "loss", "val_psnr", "lr", "elapsed_s"])
        t0 = time.perf_counter()
        running = 0.0
        for step in range(start, cfg.steps):
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            dark, proxy, sigma, target = (_to_t(x) for x in sampler.batch(cfg.batch))
            refined, bright, _ = net(dark, proxy, sigma)
            loss = loss_fn(refined, bright, target, cfg.ssim_weight)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            with torch.no_grad():
                for pe, p in zip(ema.parameters(), net.parameters(), strict=True):
                    pe.mul_(cfg.ema).add_(p, alpha=1 - cfg.ema)
            value = loss.item()
            running = 0.98 * running + 0.02 * value if step > start else value
            done = step + 1
            last = done == cfg.steps
            val = float("nan")
            if done % cfg.eval_every == 0 or last:
                val = evaluate(ema, sources.real_val)
            if done % 50 == 0 or last or not math.isnan(val):
                now = elapsed + time.perf_counter() - t0
                writer.writerow(
                    [done, f"{running:.5f}", f"{val:.3f}", f"{lr_at(step):.2e}", f"{now:.0f}"]
                )
                fh.flush()
                log(f"step {done}/{cfg.steps} loss {running:.4f} val {val:.2f} dB {now:.0f}s")
            if done % cfg.checkpoint_every == 0 or last:
                now = elapsed + time.perf_counter() - t0
                tmp = out / "last.pt.tmp"
                torch.save(
                    {
                        "net": net.state_dict(),
                        "ema": ema.state_dict(),
                        "opt": opt.state_dict(),
                        "step": done,
                        "elapsed": now,
                    },
                    tmp,
                )
                tmp.replace(ckpt_path)
    weights = out / "ema.pt"
    torch.save(ema.state_dict(), weights)
    return weights
