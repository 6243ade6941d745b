"""LumosNet's training: its frozen config, loss and evaluation (the loop is ``_runner.fit``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .._color import LUMA
from ..models.lumosnet import ROTATIONS
from ._checkpoint import trained_weights, warmup_cosine
from ._runner import Metric, fit, start_run
from .archs import GlobalNet, apply_gain, luma
from .dataset import SceneSampler, Sources, make_proxy

__all__ = ["TrainConfig", "ema_weights", "evaluate", "train"]


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run; saved beside its checkpoints."""

    data_root: str = "../shared/data"
    out_dir: str = "runs/lumosnet"
    steps: int = 6000
    batch: int = 16
    size: int = 128
    lr: float = 2e-3
    weight_decay: float = 1e-4
    ema: float = 0.995
    seed: int = 0
    threads: int = 1
    real_fraction: float = 0.5
    identity_fraction: float = 0.2
    light_source_fraction: float = 0.3
    width: int = 32
    brightness_weight: float = 0.5
    eval_every: int = 250
    checkpoint_every: int = 250
    limit_images: int | None = None  # small runs (the smoke test)
    real_pairs: int | None = None  # keep only the first N real training pairs (data-size studies)
    offsets: bool = False  # the net also predicts an additive offset (see archs.GlobalNet)
    init_from: str | None = None  # start from this run's EMA weights (a fine-tune), not at random


def loss_fn(bright: torch.Tensor, target: torch.Tensor, brightness_weight: float) -> torch.Tensor:
    """L1 after a 4x4 blur, plus the error of the mean brightness.

    The blur leaves the noise out of the judgement (a gain cannot remove it;
    the denoiser does), and the mean term weighs what PSNR punishes most: a
    whole scene a few percent too dark or too bright.
    """
    blur = F.l1_loss(F.avg_pool2d(bright, 4), F.avg_pool2d(target, 4))
    mean = (luma(bright).mean(dim=(2, 3)) - luma(target).mean(dim=(2, 3))).abs().mean()
    return blur + brightness_weight * mean


def _to_t(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(x)


def brighten(net: GlobalNet, proxy: torch.Tensor, *, rotations: int = 1) -> torch.Tensor:
    """The proxy brightened by the network's own coefficient maps.

    ``rotations`` > 1 averages the maps of the proxy turned by 0, 90, ... degrees
    (each turned back), as inference does (:data:`lumos.models.lumosnet.ROTATIONS`).
    """
    maps = [
        torch.rot90(net(torch.rot90(proxy, k, dims=(2, 3))), -k, dims=(2, 3))
        for k in range(rotations)
    ]
    coeffs = maps[0] if rotations == 1 else torch.stack(maps).mean(dim=0)
    coeffs = F.interpolate(coeffs, size=proxy.shape[2:], mode="bilinear", align_corners=False)
    return apply_gain(proxy, coeffs)[0]


@torch.no_grad()
def evaluate(net: GlobalNet, pairs: list[tuple[str, np.ndarray, np.ndarray]]) -> dict[str, float]:
    """On whole validation scenes at proxy scale: PSNR and mean-brightness error.

    The maps are averaged over the four orientations, as at inference (logs written
    before this change scored the upright proxy only).
    """
    from ..eval.metrics import psnr

    net = net.eval()
    psnrs, errors = [], []
    for _, low_u8, high_u8 in pairs:
        proxy = make_proxy(low_u8.astype(np.float32) / 255)
        ref = make_proxy(high_u8.astype(np.float32) / 255)
        out = brighten(net, _to_t(proxy.transpose(2, 0, 1)[None].copy()), rotations=ROTATIONS)
        out_np = out[0].numpy().transpose(1, 2, 0)
        psnrs.append(psnr(out_np, ref))
        errors.append(abs(float(out_np.dot(LUMA).mean() - ref.dot(LUMA).mean())))
    net.train()
    if not psnrs:
        return {"psnr": float("nan"), "brightness_error": float("nan")}
    return {"psnr": float(np.mean(psnrs)), "brightness_error": float(np.mean(errors))}


def ema_weights(run: Path) -> dict[str, torch.Tensor]:
    """A run's EMA weights: its ``ema.pt`` or, for a run stopped early, its last checkpoint's."""
    return trained_weights(run, "ema.pt")


def train(cfg: TrainConfig, sources: Sources, *, log=print) -> Path:
    """Train (resuming from ``out_dir/last.pt`` if present); returns the EMA weights path."""
    start_run(cfg)
    net = GlobalNet(cfg.width, offsets=cfg.offsets)
    if cfg.init_from:
        net.load_without_offsets(ema_weights(Path(cfg.init_from)))
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)

    def make_step(start: int):
        # The sampler is seeded from the step so a resumed run sees new samples.
        sampler = SceneSampler(
            sources,
            size=cfg.size,
            real_fraction=cfg.real_fraction,
            identity_fraction=cfg.identity_fraction,
            light_source_fraction=cfg.light_source_fraction,
            seed=cfg.seed + start,
        )

        def loss_at(step: int) -> torch.Tensor:
            dark, target = (_to_t(x) for x in sampler.batch(cfg.batch))
            return loss_fn(brighten(net, dark), target, cfg.brightness_weight)

        return loss_at

    return fit(
        cfg,
        net,
        opt,
        make_step=make_step,
        evaluate=lambda model: evaluate(model, sources.real_val),
        metrics=(
            Metric("psnr", "val_psnr"),
            Metric("brightness_error", "val_brightness_error", ".4f"),
        ),
        describe=lambda v: f"val {v['psnr']:.2f} dB |dY| {v['brightness_error']:.4f}",
        lr_at=lambda step: warmup_cosine(step, cfg.steps, cfg.lr, warmup=100),
        log=log,
    )
