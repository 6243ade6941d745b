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
import csv
import json
import math
import shutil
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ._checkpoint import (
    ema_update,
    load_checkpoint,
    run_cli,
    run_config,
    save_checkpoint,
    warmup_cosine,
)
from .dn_arch import ALIGN, LumosDN
from .dn_data import DnExample, DnSampler, load_dn_sources, validation_examples

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
    eval_every: int = 250
    checkpoint_every: int = 250
    limit_images: int | None = None  # small runs (the smoke test)


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
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(asdict(cfg), indent=2))
    net = LumosDN(cfg.width, cfg.low_width, cfg.low_depth)
    ema = LumosDN(cfg.width, cfg.low_width, cfg.low_depth)
    ema.load_state_dict(net.state_dict())
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    start, elapsed, best = 0, 0.0, -math.inf
    ckpt_path = out / "last.pt"
    if ckpt_path.exists():
        ckpt = load_checkpoint(ckpt_path, net, ema, opt)
        start, elapsed, best = ckpt["step"], ckpt.get("elapsed", 0.0), ckpt.get("best", best)
        log(f"resumed at step {start}")
    sources = load_dn_sources(Path(cfg.data_root), limit=cfg.limit_images)
    sampler = DnSampler(
        sources,
        patch=cfg.patch,
        pool=cfg.pool,
        real_fraction=cfg.real_fraction,
        clean_fraction=cfg.clean_fraction,
        seed=cfg.seed + start,
    )
    val = validation_examples(sources, sampler.enhancer)
    log(f"pool ready: {len(sampler.real)} real, {len(sampler.synthetic)} synthetic", flush=True)

    def lr_at(step: int) -> float:
        return warmup_cosine(step, cfg.steps, cfg.lr, warmup=200, floor=0.02)

    log_file = out / "log.csv"
    new_log = not log_file.exists()
    with log_file.open("a", newline="") as fh:
        writer = csv.writer(fh)
        if new_log:
            writer.writerow(["step", "loss", "val_psnr", "val_input_psnr", "lr", "elapsed_s"])
        t0 = time.perf_counter()
        running = 0.0
        for step in range(start, cfg.steps):
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            if step % cfg.refresh_every == 0:
                sampler.refresh()
            bright, sigma, target = (torch.from_numpy(a) for a in sampler.batch(cfg.batch))
            loss = F.l1_loss(net(bright, sigma), target)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            ema_update(ema, net, cfg.ema)
            value = loss.item()
            running = 0.98 * running + 0.02 * value if step > start else value
            done = step + 1
            last = done == cfg.steps
            v = None
            if done % cfg.eval_every == 0 or last:
                v = evaluate_dn(ema, val)
                if v["psnr"] > best or math.isnan(v["psnr"]):
                    best = v["psnr"]
                    torch.save(ema.state_dict(), out / "best.pt")
            if done % 50 == 0 or last or v is not None:
                now = elapsed + time.perf_counter() - t0
                v = v or {"psnr": math.nan, "input_psnr": math.nan}
                writer.writerow(
                    [
                        done,
                        f"{running:.5f}",
                        f"{v['psnr']:.3f}",
                        f"{v['input_psnr']:.3f}",
                        f"{lr_at(step):.2e}",
                        f"{now:.0f}",
                    ]
                )
                fh.flush()
                log(
                    f"step {done}/{cfg.steps} loss {running:.4f} val {v['psnr']:.2f} dB "
                    f"(input {v['input_psnr']:.2f}) {now:.0f}s",
                    flush=True,
                )
            if done % cfg.checkpoint_every == 0 or last:
                now = elapsed + time.perf_counter() - t0
                save_checkpoint(ckpt_path, net, ema, opt, step=done, elapsed=now, best=best)
    if not (out / "best.pt").exists():
        torch.save(ema.state_dict(), out / "best.pt")
    return out / "best.pt"


def export_dn(net: LumosDN, path: Path) -> Path:
    """Write ``denoiser.onnx`` (inputs ``rgb``, ``sigma``; output ``denoised``).

    The TorchScript exporter (``dynamo=False``), as for the other nets; :func:`parity_dn`
    guards the result.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            net.eval(),
            (torch.rand(1, 3, 32, 48), torch.rand(1, 1, 32, 48) * 0.05),
            str(path),
            input_names=["rgb", "sigma"],
            output_names=["denoised"],
            dynamic_axes={
                "rgb": {2: "h", 3: "w"},
                "sigma": {2: "h", 3: "w"},
                "denoised": {2: "h", 3: "w"},
            },
            opset_version=17,
            dynamo=False,
        )
    return path


def parity_dn(net: LumosDN, path: Path, *, seed: int = 0) -> float:
    """Max abs difference between torch and ONNX Runtime on random inputs."""
    import onnxruntime as ort

    rng = np.random.default_rng(seed)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    worst = 0.0
    for h, w in [(16, 24), (64, 96)]:
        rgb = rng.random((1, 3, h, w), dtype=np.float32)
        sigma = rng.random((1, 1, h, w), dtype=np.float32) * 0.1
        with torch.no_grad():
            ref = net.eval()(torch.from_numpy(rgb), torch.from_numpy(sigma)).numpy()
        got = sess.run(None, {"rgb": rgb, "sigma": sigma})[0]
        worst = max(worst, float(np.abs(ref - got).max()))
    return worst


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m lumos.train.dn", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--data", default=DnConfig.data_root, help="folder with the datasets")
    ap.add_argument("--out", default=DnConfig.out_dir, help="run folder (checkpoints, log)")
    ap.add_argument("--steps", type=int, default=DnConfig.steps)
    ap.add_argument("--batch", type=int, default=DnConfig.batch)
    ap.add_argument("--patch", type=int, default=DnConfig.patch)
    ap.add_argument("--width", type=int, default=DnConfig.width)
    ap.add_argument("--low-width", type=int, default=DnConfig.low_width)
    ap.add_argument("--low-depth", type=int, default=DnConfig.low_depth)
    ap.add_argument("--pool", type=int, default=DnConfig.pool)
    ap.add_argument("--seed", type=int, default=DnConfig.seed)
    ap.add_argument("--threads", type=int, default=DnConfig.threads)
    ap.add_argument("--eval-every", type=int, default=DnConfig.eval_every)
    ap.add_argument("--limit-images", type=int, default=None, help="use few images (smoke test)")
    ap.add_argument("--lr", type=float, default=DnConfig.lr)
    ap.add_argument("--export-only", action="store_true", help="skip training; export --out")
    ap.add_argument("--install", action="store_true", help="copy the ONNX file into the package")
    args = ap.parse_args(argv)
    cfg = DnConfig(
        data_root=args.data,
        out_dir=args.out,
        steps=args.steps,
        batch=args.batch,
        patch=args.patch,
        width=args.width,
        low_width=args.low_width,
        low_depth=args.low_depth,
        pool=args.pool,
        seed=args.seed,
        threads=args.threads,
        eval_every=args.eval_every,
        checkpoint_every=min(DnConfig.checkpoint_every, args.steps),
        limit_images=args.limit_images,
        lr=args.lr,
    )
    out = Path(cfg.out_dir)
    if args.export_only:
        cfg = run_config(cfg, out)
    weights = out / "best.pt" if args.export_only else train_dn(cfg)
    net = LumosDN(cfg.width, cfg.low_width, cfg.low_depth)
    net.load_state_dict(torch.load(weights, weights_only=True))
    net.eval()
    path = export_dn(net, out / "onnx" / "denoiser.onnx")
    diff = parity_dn(net, path)
    ckpt = torch.load(out / "last.pt", weights_only=False) if (out / "last.pt").exists() else {}
    sources = load_dn_sources(Path(cfg.data_root), limit=cfg.limit_images)
    from ..models.lumosnet import LumosNetEnhancer

    val = evaluate_dn(net, validation_examples(sources, LumosNetEnhancer()))
    record = {
        "config": asdict(cfg),
        "steps_done": ckpt.get("step"),
        "train_wall_s": round(ckpt.get("elapsed", 0.0)),
        "val_heldout_lol_crops": {k: round(v, 3) for k, v in val.items()},
        "onnx_parity_max_abs": diff,
        "params": sum(p.numel() for p in net.parameters()),
    }
    (out / "record.json").write_text(json.dumps(record, indent=2))
    print(json.dumps(record, indent=2))
    if diff > 1e-3:
        print(f"parity check failed: {diff}", file=sys.stderr)
        return 1
    if args.install:
        PACKAGE_WEIGHTS.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, PACKAGE_WEIGHTS / path.name)
        for name in ("record.json", "log.csv"):
            shutil.copy2(out / name, PACKAGE_WEIGHTS / name)
        print(f"installed into {PACKAGE_WEIGHTS}")
    return 0


if __name__ == "__main__":
    run_cli(main, "python -m lumos.train.dn")
