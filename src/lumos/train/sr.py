"""``python -m lumos.train.sr``: train LumosSR (x2 and x4), export ONNX, write the record.

Examples
--------
A run (resumable: run the same command again to continue from ``last.pt``)::

    nohup nice -n 10 python -m lumos.train.sr --data ../shared/data --out runs/sr \\
        --steps 12000 > runs/train_sr.log 2>&1 &

Export the best EMA checkpoint of a run into the package::

    python -m lumos.train.sr --export-only --out runs/sr --install
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
from .export import onnx_parity, to_onnx
from .sr_arch import LumosSR, LumosSRScale
from .sr_data import SRSampler, SRSources, bicubic_up, load_sr_sources, pil_downscale

__all__ = ["SRConfig", "evaluate_sr", "export_sr", "main", "parity_sr", "train_sr"]

PACKAGE_WEIGHTS = Path(__file__).resolve().parents[1] / "models" / "weights" / "sr"


@dataclass(frozen=True)
class SRConfig:
    """Everything that defines a training run; saved beside its checkpoints."""

    data_root: str = "../shared/data"
    out_dir: str = "runs/sr"
    steps: int = 12000
    batch: int = 16
    patch: int = 40  # low-resolution side
    lr: float = 1e-3
    ema: float = 0.999
    seed: int = 0
    threads: int = 1
    width: int = 32
    depth: int = 4
    x4_share: float = 0.34  # share of steps trained at x4 (shared body, own tail)
    clean_fraction: float = 0.35
    eval_every: int = 500
    checkpoint_every: int = 250
    limit_images: int | None = None  # small runs (the smoke test)
    init: str | None = None  # start from these weights (fine-tuning), unless resuming


def _y(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma in [16, 235] of RGB in [0, 1] (the super-resolution convention)."""
    return 16.0 + rgb @ np.array([65.481, 128.553, 24.966], np.float32)


def psnr_y(out: np.ndarray, ref: np.ndarray, border: int) -> float:
    """PSNR on the 8-bit-rounded Y channel with ``border`` pixels cropped."""
    a = np.round(_y(np.clip(out, 0, 1)))
    b = np.round(_y(np.clip(ref, 0, 1)))
    if border:
        a, b = a[border:-border, border:-border], b[border:-border, border:-border]
    mse = float(np.mean((a - b) ** 2))
    return 10 * math.log10(255.0**2 / max(mse, 1e-10))


def run_torch(net: LumosSR, lr: np.ndarray, sigma: float, scale: int) -> np.ndarray:
    """Enlarge one float32 (h, w, 3) image with the torch net (evaluation helper)."""
    x = torch.from_numpy(np.ascontiguousarray(lr.transpose(2, 0, 1))[None])
    s = torch.full((1, 1, *lr.shape[:2]), float(sigma))
    with torch.no_grad():
        res = net(x, s, scale)[0].numpy().transpose(1, 2, 0)
    return np.clip(bicubic_up(lr, scale) + res, 0, 1)


@torch.no_grad()
def evaluate_sr(net: LumosSR, val: list[np.ndarray]) -> dict[str, float]:
    """Mean Y-PSNR gain over bicubic on centre crops of the validation images.

    Keys ``x2``, ``x4`` (clean, bicubic-shrunk input) and ``x2_noisy`` (Gaussian
    noise of 10/255 added to the shrunk input, its level given to the net).
    """
    rng = np.random.default_rng(0)
    gains: dict[str, list[float]] = {"x2": [], "x4": [], "x2_noisy": []}
    for img in val:
        h, w = img.shape[:2]
        side = min(192, h - h % 4, w - w % 4)
        y0, x0 = (h - side) // 2, (w - side) // 2
        hr = img[y0 : y0 + side, x0 : x0 + side].astype(np.float32) / 255
        for key, scale, noise in (("x2", 2, 0.0), ("x4", 4, 0.0), ("x2_noisy", 2, 10 / 255)):
            lr = pil_downscale(hr, scale)
            if noise:
                lr = lr + np.float32(noise) * rng.standard_normal(lr.shape, dtype=np.float32)
            lr = (np.round(np.clip(lr, 0, 1) * 255) / 255).astype(np.float32)
            out = run_torch(net, lr, noise, scale)
            base = np.clip(bicubic_up(lr, scale), 0, 1)
            gains[key].append(psnr_y(out, hr, scale) - psnr_y(base, hr, scale))
    return {k: float(np.mean(v)) for k, v in gains.items()}


def _score(v: dict[str, float]) -> float:
    return v["x2"] + 0.5 * v["x4"] + 0.5 * v["x2_noisy"]


def train_sr(cfg: SRConfig, sources: SRSources, *, log=print) -> Path:
    """Train (resuming from ``out_dir/last.pt``); returns the best EMA weights path."""
    start_run(cfg)
    net = LumosSR(cfg.width, cfg.depth)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    init_weights(cfg, net, log=log)

    def make_step(start: int):
        sampler = SRSampler(
            sources.train, patch=cfg.patch, clean_fraction=cfg.clean_fraction, seed=cfg.seed + start
        )
        scale_rng = np.random.default_rng(cfg.seed + 7919 * start)

        def loss_at(step: int) -> torch.Tensor:
            scale = 4 if scale_rng.random() < cfg.x4_share else 2
            lr, sigma, base, hr = (torch.from_numpy(a) for a in sampler.batch(cfg.batch, scale))
            return F.l1_loss(base + net(lr, sigma, scale), hr)

        return loss_at

    return fit(
        cfg,
        net,
        opt,
        make_step=make_step,
        evaluate=lambda model: evaluate_sr(model, sources.val),
        metrics=(
            Metric("x2", "val_x2_gain_db"),
            Metric("x4", "val_x4_gain_db"),
            Metric("x2_noisy", "val_x2_noisy_gain_db"),
        ),
        describe=lambda v: f"val gain x2 {v['x2']:.2f} x4 {v['x4']:.2f} x2n {v['x2_noisy']:.2f} dB",
        lr_at=lambda step: warmup_cosine(step, cfg.steps, cfg.lr, warmup=200, floor=0.02),
        score=_score,
        clip_grad=None,
        log=log,
    )


def export_sr(net: LumosSR, out_dir: Path) -> dict[int, Path]:
    """Write ``sr_x2.onnx`` / ``sr_x4.onnx`` (inputs ``lr``, ``sigma``; output ``residual``)."""
    paths = {}
    for key in net.tails:
        scale = int(key[1:])
        paths[scale] = to_onnx(
            LumosSRScale(net, scale),
            (torch.rand(1, 3, 32, 48), torch.rand(1, 1, 32, 48) * 0.05),
            out_dir / f"sr_{key}.onnx",
            inputs=["lr", "sigma"],
            outputs=["residual"],
            dynamic_axes={
                "lr": {2: "h", 3: "w"},
                "sigma": {2: "h", 3: "w"},
                "residual": {2: "H", 3: "W"},
            },
        )
    return paths


def parity_sr(net: LumosSR, paths: dict[int, Path], *, seed: int = 0) -> float:
    """Max abs difference between torch and ONNX Runtime on random inputs of odd sizes."""
    rng = np.random.default_rng(seed)
    net = net.eval()
    worst = 0.0
    for scale, path in paths.items():
        feeds = [
            {
                "lr": rng.random((1, 3, h, w), dtype=np.float32),
                "sigma": rng.random((1, 1, h, w), dtype=np.float32) * 0.1,
            }
            for h, w in [(17, 23), (40, 64)]
        ]
        worst = max(worst, onnx_parity(partial(net, scale=scale), path, feeds))
    return worst


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m lumos.train.sr", description=__doc__.splitlines()[0]
    )
    add_common_options(ap, SRConfig)
    ap.add_argument("--patch", type=int, default=SRConfig.patch)
    ap.add_argument("--width", type=int, default=SRConfig.width)
    ap.add_argument("--depth", type=int, default=SRConfig.depth)
    ap.add_argument("--init", default=None, help="EMA weights (.pt) to start from (fine-tune)")
    args = ap.parse_args(argv)
    cfg = SRConfig(
        **common_config(args, SRConfig),
        patch=args.patch,
        width=args.width,
        depth=args.depth,
        init=args.init,
    )
    out = Path(cfg.out_dir)
    if args.export_only:
        cfg = run_config(cfg, out)
    sources = load_sr_sources(Path(cfg.data_root), limit=cfg.limit_images)
    if not args.export_only:
        train_sr(cfg, sources)
    net = LumosSR(cfg.width, cfg.depth)
    net.load_state_dict(trained_weights(out, "best.pt"))
    net.eval()
    paths = export_sr(net, out / "onnx")
    record = {
        "config": asdict(cfg),
        **run_progress(out),
        "val_gain_over_bicubic_db": {
            k: round(v, 3) for k, v in evaluate_sr(net, sources.val).items()
        },
        "onnx_parity_max_abs": parity_sr(net, paths),
        "params": sum(p.numel() for p in net.parameters()),
        "params_per_scale": {
            k: sum(p.numel() for n, p in net.named_parameters() if not n.startswith("tails."))
            + sum(p.numel() for p in t.parameters())
            for k, t in net.tails.items()
        },
    }
    install = partial(install_files, list(paths.values()), out, PACKAGE_WEIGHTS)
    return finish_run(out, record, install if args.install else None)


if __name__ == "__main__":
    run_cli(main, "python -m lumos.train.sr")
