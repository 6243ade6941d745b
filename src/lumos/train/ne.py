"""``python -m lumos.train.ne``: train LumosNE (the learned noise reading), export ONNX, record.

Examples
--------
A run (resumable: run the same command again to continue from ``last.pt``)::

    nohup nice -n 10 python -m lumos.train.ne --data ../shared/data --out runs/ne \\
        --steps 4000 > runs/train_ne.log 2>&1 &

Export the best EMA checkpoint of a run into the package::

    python -m lumos.train.ne --export-only --out runs/ne --install
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import numpy as np
import torch

from .._color import LUMA
from ..models.noise_level import NE_CROP, crop_grid
from ._checkpoint import run_cli, run_config, trained_weights, warmup_cosine
from ._runner import (
    Metric,
    add_common_options,
    common_config,
    finish_run,
    fit,
    install_files,
    run_progress,
    start_run,
)
from .dataset import _read_rgb, load_sources
from .export import onnx_parity, to_onnx
from .ne_arch import LumosNE
from .ne_data import NE_CLEAN_SETS, NE_VAL_SETS, NeSampler, load_ne_images, validation_crops

__all__ = ["NeConfig", "evaluate_ne", "export_ne", "main", "real_noise_check", "train_ne"]

PACKAGE_WEIGHTS = Path(__file__).resolve().parents[1] / "models" / "weights" / "noise"
_EPS = 0.5 / 255
"""Added to both levels before the log: below about 0.5/255 (8-bit rounding is 0.3/255)
the level does not matter, and the loss should not spend the net on it."""


@dataclass(frozen=True)
class NeConfig:
    """Everything that defines a training run; saved beside its checkpoints."""

    data_root: str = "../shared/data"
    out_dir: str = "runs/ne"
    steps: int = 4000
    batch: int = 32
    crop: int = NE_CROP
    lr: float = 1e-3
    ema: float = 0.995
    seed: int = 0
    threads: int = 1
    width: int = 32
    low_width: int = 48
    eval_every: int = 250
    checkpoint_every: int = 250
    limit_images: int | None = None  # small runs (the smoke test)


def log_error(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean |log ratio| of predicted to true levels (0.1: 10% off on average)."""
    return (torch.log(pred + _EPS) - torch.log(target + _EPS)).abs().mean()


def training_images(data_root: Path, limit: int | None = None) -> list[np.ndarray]:
    """The clean sets and the LOL training references (not the held-out scenes)."""
    return load_sources(data_root, limit=limit, clean_sets=NE_CLEAN_SETS).clean


@torch.no_grad()
def evaluate_ne(net: LumosNE, val: tuple[np.ndarray, np.ndarray]) -> dict[str, float]:
    """Mean |log ratio| on the fixed synthetic validation crops (Set14, Set5)."""
    net = net.eval()
    x, sigma = val
    err = float(log_error(net(torch.from_numpy(x)), torch.from_numpy(sigma)))
    net.train()
    return {"log_error": err}


@torch.no_grad()
def real_noise_check(net: LumosNE, data_root: Path) -> dict[str, float]:
    """On the CC real noisy/clean pairs (never trained on): the photo's reading
    (root mean square of its crops' readings) against the true luma noise std,
    as a mean ratio; empty without the pairs. Recorded, not chosen on."""
    folder = data_root / "cc15_real_noise"
    ratios = []
    net = net.eval()
    for noisy_path in sorted((folder / "noisy").glob("*.png")) if folder.is_dir() else []:
        clean_path = folder / "clean" / noisy_path.name.replace("_real.png", "_mean.png")
        noisy = _read_rgb(noisy_path).astype(np.float32) / 255
        clean = _read_rgb(clean_path).astype(np.float32) / 255
        true = float(((noisy - clean) @ LUMA).std())
        crops = torch.from_numpy(crop_grid(noisy).transpose(0, 3, 1, 2).copy())
        reading = float(torch.sqrt((net(crops) ** 2).mean()))
        ratios.append(reading / true)
    net.train()
    if not ratios:
        return {}
    return {"cc15_reading_over_true": round(float(np.mean(ratios)), 3), "photos": len(ratios)}


def train_ne(cfg: NeConfig, *, log=print) -> Path:
    """Train (resuming from ``out_dir/last.pt``); returns the best EMA weights path."""
    start_run(cfg)
    net = LumosNE(cfg.width, cfg.low_width)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    data_root = Path(cfg.data_root)
    images = training_images(data_root, cfg.limit_images)
    val = validation_crops(load_ne_images(data_root, NE_VAL_SETS, limit=cfg.limit_images))

    def make_step(start: int):
        sampler = NeSampler(images, crop=cfg.crop, seed=cfg.seed + start)

        def loss_at(step: int) -> torch.Tensor:
            x, sigma = (torch.from_numpy(a) for a in sampler.batch(cfg.batch))
            return log_error(net(x), sigma)

        return loss_at

    return fit(
        cfg,
        net,
        opt,
        make_step=make_step,
        evaluate=lambda model: evaluate_ne(model, val),
        metrics=(Metric("log_error", "val_log_error", ".4f"),),
        describe=lambda v: f"val |log ratio| {v['log_error']:.3f}",
        lr_at=lambda step: warmup_cosine(step, cfg.steps, cfg.lr, warmup=200, floor=0.02),
        score=lambda v: -v["log_error"],
        log=log,
    )


def export_ne(net: LumosNE, path: Path) -> Path:
    """Write ``noise_level.onnx`` (input ``rgb`` (N, 3, H, W); output ``sigma`` (N,))."""
    return to_onnx(
        net,
        (torch.rand(2, 3, 32, 48),),
        path,
        inputs=["rgb"],
        outputs=["sigma"],
        dynamic_axes={"rgb": {0: "n", 2: "h", 3: "w"}, "sigma": {0: "n"}},
    )


def parity_ne(net: LumosNE, path: Path, *, seed: int = 0) -> float:
    """Max abs difference between torch and ONNX Runtime on random inputs."""
    rng = np.random.default_rng(seed)
    shapes = [(1, 16, 24), (3, 96, 96)]
    feeds = [{"rgb": rng.random((n, 3, h, w), dtype=np.float32)} for n, h, w in shapes]
    return onnx_parity(net.eval(), path, feeds)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m lumos.train.ne", description=__doc__.splitlines()[0]
    )
    add_common_options(ap, NeConfig)
    ap.add_argument("--crop", type=int, default=NeConfig.crop)
    ap.add_argument("--width", type=int, default=NeConfig.width)
    ap.add_argument("--low-width", type=int, default=NeConfig.low_width)
    args = ap.parse_args(argv)
    cfg = NeConfig(
        **common_config(args, NeConfig),
        crop=args.crop,
        width=args.width,
        low_width=args.low_width,
    )
    out = Path(cfg.out_dir)
    if args.export_only:
        cfg = run_config(cfg, out)
    else:
        train_ne(cfg)
    net = LumosNE(cfg.width, cfg.low_width)
    net.load_state_dict(trained_weights(out, "best.pt"))
    net.eval()
    path = export_ne(net, out / "onnx" / "noise_level.onnx")
    data_root = Path(cfg.data_root)
    val = validation_crops(load_ne_images(data_root, NE_VAL_SETS, limit=cfg.limit_images))
    record = {
        "config": asdict(cfg),
        **run_progress(out),
        "val_synthetic_set14_set5": {k: round(v, 4) for k, v in evaluate_ne(net, val).items()},
        "real_noise_cc15": real_noise_check(net, data_root),
        "onnx_parity_max_abs": parity_ne(net, path),
        "params": sum(p.numel() for p in net.parameters()),
    }
    install = partial(install_files, [path], out, PACKAGE_WEIGHTS)
    return finish_run(out, record, install if args.install else None)


if __name__ == "__main__":
    run_cli(main, "python -m lumos.train.ne")
