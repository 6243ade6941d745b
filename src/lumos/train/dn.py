"""``python -m lumos.train.dn``: train LumosDN (the learned denoiser), export ONNX, record.

Examples
--------
A run (resumable: run the same command again to continue from ``last.pt``)::

    nohup nice -n 10 python -m lumos.train.dn --data ../shared/data --out runs/dn \\
        --steps 6000 > runs/train_dn.log 2>&1 &

Export the best EMA checkpoint of a run into the package::

    python -m lumos.train.dn --export-only --out runs/dn --install
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

from ..models.lumosnet import LumosNetEnhancer
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
from .dn_arch import ALIGN, LumosDN
from .dn_data import (
    DnExample,
    DnSampler,
    camera_validation_examples,
    dark_jpeg_validation_examples,
    load_dn_sources,
    validation_examples,
)
from .export import onnx_parity, to_onnx

__all__ = ["DnConfig", "evaluate_dn", "export_dn", "main", "parity_dn", "train_dn"]

PACKAGE_WEIGHTS = Path(__file__).resolve().parents[1] / "models" / "weights" / "denoiser"


@dataclass(frozen=True)
class DnConfig:
    """Everything that defines a training run; saved beside its checkpoints."""

    data_root: str = "../shared/data"
    out_dir: str = "runs/dn"
    steps: int = 6000
    batch: int = 16
    patch: int = 128
    lr: float = 1e-3
    ema: float = 0.998
    seed: int = 0
    threads: int = 1
    width: int = 48
    low_width: int = 64
    low_depth: int = 3
    pool: int = 160
    refresh_every: int = 2  # steps per freshly darkened example
    real_fraction: float = 0.35
    clean_fraction: float = 0.1
    correlated_noise: float = 0.0  # share of synthetic photos with correlated noise
    real_jpeg: float = 0.0  # share of real pairs drawn with their dark photo as a JPEG
    camera_fraction: float = 0.0  # share of synthetic photos through a real camera's noise
    camera_exposed: float = 0.5  # share of those at their own exposure (nothing to brighten)
    dark_jpeg: float = 0.0  # share of synthetic photos darkened and saved as JPEG of quality 20-60
    eval_every: int = 250
    checkpoint_every: int = 250
    limit_images: int | None = None  # small runs (the smoke test)
    init: str | None = None  # start from these weights (fine-tuning), unless resuming


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((np.clip(a, 0, 1) - b) ** 2))
    return 10 * math.log10(1.0 / max(mse, 1e-10))


def run_torch(net: LumosDN, bright: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Denoise one float32 (H, W, 3) image (H, W multiples of ALIGN) with the torch net."""
    x = torch.from_numpy(np.ascontiguousarray(bright.transpose(2, 0, 1))[None])
    s = torch.from_numpy(np.ascontiguousarray(sigma)[None, None])
    with torch.no_grad():
        return net(x, s)[0].numpy().transpose(1, 2, 0)


@torch.no_grad()
def evaluate_dn(
    net: LumosDN, val: list[tuple[str, DnExample]], side: int = 256
) -> dict[str, float]:
    """Mean PSNR on centre crops of the held-out scenes: the net's and the noisy input's."""
    net = net.eval()
    ours, noisy = [], []
    for _, ex in val:
        h, w = ex.sigma.shape
        s = min(side, h - h % ALIGN, w - w % ALIGN)
        y0, x0 = (h - s) // 2 // ALIGN * ALIGN, (w - s) // 2 // ALIGN * ALIGN
        crop = (slice(y0, y0 + s), slice(x0, x0 + s))
        out = run_torch(net, ex.bright[crop], ex.sigma[crop])
        ours.append(_psnr(out, ex.target[crop]))
        noisy.append(_psnr(ex.bright[crop], ex.target[crop]))
    net.train()
    if not ours:
        return {"psnr": math.nan, "input_psnr": math.nan}
    return {"psnr": float(np.mean(ours)), "input_psnr": float(np.mean(noisy))}


def train_dn(cfg: DnConfig, *, log=print) -> Path:
    """Train (resuming from ``out_dir/last.pt``); returns the best EMA weights path."""
    start_run(cfg)
    net = LumosDN(cfg.width, cfg.low_width, cfg.low_depth)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    init_weights(cfg, net, log=log)
    sources = load_dn_sources(Path(cfg.data_root), limit=cfg.limit_images)
    enhancer = LumosNetEnhancer()  # the shipped brightening makes the inputs
    val = validation_examples(sources, enhancer)
    # Real-camera noise on photos the net never trains on (only with that data: a run
    # without it is scored on LOL alone, as before).
    cam_val = (
        camera_validation_examples(Path(cfg.data_root), enhancer, limit=cfg.limit_images)
        if cfg.camera_fraction > 0
        else []
    )
    # Dark low-quality JPEGs of photos it never trains on (only when it trains on them).
    jpeg_val = (
        dark_jpeg_validation_examples(Path(cfg.data_root), enhancer, limit=cfg.limit_images)
        if cfg.dark_jpeg > 0
        else []
    )

    def evaluate(model: LumosDN) -> dict[str, float]:
        out = evaluate_dn(model, val)
        for key, examples in (("camera_psnr", cam_val), ("jpeg_psnr", jpeg_val)):
            out[key] = evaluate_dn(model, examples)["psnr"] if examples else math.nan
        return out

    def score(v: dict[str, float]) -> float:
        # Each set counts alike: the LOL scenes (dark, brightened), the camera set and
        # the dark JPEGs, where a run has them.
        extra = (v.get("camera_psnr", math.nan), v.get("jpeg_psnr", math.nan))
        return v["psnr"] + sum(0.0 if math.isnan(x) else x for x in extra)

    def make_step(start: int):
        sampler = DnSampler(
            sources,
            patch=cfg.patch,
            pool=cfg.pool,
            real_fraction=cfg.real_fraction,
            clean_fraction=cfg.clean_fraction,
            seed=cfg.seed + start,
            enhancer=enhancer,
            correlated_noise=cfg.correlated_noise,
            real_jpeg=cfg.real_jpeg,
            camera_fraction=cfg.camera_fraction,
            camera_exposed=cfg.camera_exposed,
            dark_jpeg=cfg.dark_jpeg,
        )
        log(f"pool ready: {len(sampler.real)} real, {len(sampler.synthetic)} synthetic", flush=True)

        def loss_at(step: int) -> torch.Tensor:
            if step % cfg.refresh_every == 0:
                sampler.refresh()
            bright, sigma, target = (torch.from_numpy(a) for a in sampler.batch(cfg.batch))
            return F.l1_loss(net(bright, sigma), target)

        return loss_at

    return fit(
        cfg,
        net,
        opt,
        make_step=make_step,
        evaluate=evaluate,
        metrics=(
            Metric("psnr", "val_psnr"),
            Metric("input_psnr", "val_input_psnr"),
            Metric("camera_psnr", "val_camera_psnr"),
            Metric("jpeg_psnr", "val_jpeg_psnr"),
        ),
        describe=lambda v: (
            f"val {v['psnr']:.2f} dB (input {v['input_psnr']:.2f}), camera {v['camera_psnr']:.2f}"
            f", dark JPEG {v['jpeg_psnr']:.2f}"
        ),
        lr_at=lambda step: warmup_cosine(step, cfg.steps, cfg.lr, warmup=200, floor=0.02),
        score=score,
        log=log,
    )


def export_dn(net: LumosDN, path: Path) -> Path:
    """Write ``denoiser.onnx`` (inputs ``rgb``, ``sigma``; output ``denoised``)."""
    axes = {2: "h", 3: "w"}
    return to_onnx(
        net,
        (torch.rand(1, 3, 32, 48), torch.rand(1, 1, 32, 48) * 0.05),
        path,
        inputs=["rgb", "sigma"],
        outputs=["denoised"],
        dynamic_axes={"rgb": axes, "sigma": axes, "denoised": axes},
    )


def parity_dn(net: LumosDN, path: Path, *, seed: int = 0) -> float:
    """Max abs difference between torch and ONNX Runtime on random inputs."""
    rng = np.random.default_rng(seed)
    feeds = [
        {
            "rgb": rng.random((1, 3, h, w), dtype=np.float32),
            "sigma": rng.random((1, 1, h, w), dtype=np.float32) * 0.1,
        }
        for h, w in [(16, 24), (64, 96)]
    ]
    return onnx_parity(net.eval(), path, feeds)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m lumos.train.dn", description=__doc__.splitlines()[0]
    )
    add_common_options(ap, DnConfig)
    ap.add_argument("--patch", type=int, default=DnConfig.patch)
    ap.add_argument("--width", type=int, default=DnConfig.width)
    ap.add_argument("--low-width", type=int, default=DnConfig.low_width)
    ap.add_argument("--low-depth", type=int, default=DnConfig.low_depth)
    ap.add_argument("--pool", type=int, default=DnConfig.pool)
    ap.add_argument(
        "--correlated-noise",
        type=float,
        default=DnConfig.correlated_noise,
        help="share of synthetic photos whose noise is spatially correlated (0-1)",
    )
    ap.add_argument(
        "--real-jpeg",
        type=float,
        default=DnConfig.real_jpeg,
        help="share of real pairs drawn with their dark photo saved as a JPEG (0-1)",
    )
    ap.add_argument(
        "--camera-fraction",
        type=float,
        default=DnConfig.camera_fraction,
        help="share of synthetic photos made by the real-camera noise model (0-1)",
    )
    ap.add_argument(
        "--camera-exposed",
        type=float,
        default=DnConfig.camera_exposed,
        help="share of those left at their own exposure, nothing to brighten (0-1)",
    )
    ap.add_argument(
        "--dark-jpeg",
        type=float,
        default=DnConfig.dark_jpeg,
        help="share of synthetic photos darkened and saved as a JPEG of quality 20-60 (0-1)",
    )
    ap.add_argument("--init", default=None, help="EMA weights (.pt) to start from (fine-tune)")
    args = ap.parse_args(argv)
    cfg = DnConfig(
        **common_config(args, DnConfig),
        patch=args.patch,
        width=args.width,
        low_width=args.low_width,
        low_depth=args.low_depth,
        pool=args.pool,
        correlated_noise=args.correlated_noise,
        real_jpeg=args.real_jpeg,
        camera_fraction=args.camera_fraction,
        camera_exposed=args.camera_exposed,
        dark_jpeg=args.dark_jpeg,
        init=args.init,
    )
    out = Path(cfg.out_dir)
    if args.export_only:
        cfg = run_config(cfg, out)
    else:
        train_dn(cfg)
    net = LumosDN(cfg.width, cfg.low_width, cfg.low_depth)
    net.load_state_dict(trained_weights(out, "best.pt"))
    net.eval()
    path = export_dn(net, out / "onnx" / "denoiser.onnx")
    sources = load_dn_sources(Path(cfg.data_root), limit=cfg.limit_images)
    val = evaluate_dn(net, validation_examples(sources, LumosNetEnhancer()))
    record = {
        "config": asdict(cfg),
        **run_progress(out),
        "val_heldout_lol_crops": {k: round(v, 3) for k, v in val.items()},
        "onnx_parity_max_abs": parity_dn(net, path),
        "params": sum(p.numel() for p in net.parameters()),
    }
    install = partial(install_files, [path], out, PACKAGE_WEIGHTS)
    return finish_run(out, record, install if args.install else None)


if __name__ == "__main__":
    run_cli(main, "python -m lumos.train.dn")
