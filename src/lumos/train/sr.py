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
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(asdict(cfg), indent=2))
    net = LumosSR(cfg.width, cfg.depth)
    ema = LumosSR(cfg.width, cfg.depth)
    ema.load_state_dict(net.state_dict())
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    start, elapsed, best = 0, 0.0, -math.inf
    ckpt_path = out / "last.pt"
    if ckpt_path.exists():
        ckpt = load_checkpoint(ckpt_path, net, ema, opt)
        start, elapsed, best = ckpt["step"], ckpt.get("elapsed", 0.0), ckpt.get("best", best)
        log(f"resumed at step {start}")
    elif cfg.init:
        state = torch.load(cfg.init, weights_only=True)
        net.load_state_dict(state)
        ema.load_state_dict(state)
        log(f"initialised from {cfg.init}")
    sampler = SRSampler(
        sources.train, patch=cfg.patch, clean_fraction=cfg.clean_fraction, seed=cfg.seed + start
    )
    scale_rng = np.random.default_rng(cfg.seed + 7919 * start)

    def lr_at(step: int) -> float:
        return warmup_cosine(step, cfg.steps, cfg.lr, warmup=200, floor=0.02)

    log_file = out / "log.csv"
    new_log = not log_file.exists()
    with log_file.open("a", newline="") as fh:
        writer = csv.writer(fh)
        if new_log:
            writer.writerow(
                [
                    "step",
                    "loss",
                    "val_x2_gain_db",
                    "val_x4_gain_db",
                    "val_x2_noisy_gain_db",
                    "lr",
                    "elapsed_s",
                ]
            )
        t0 = time.perf_counter()
        running = 0.0
        for step in range(start, cfg.steps):
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            scale = 4 if scale_rng.random() < cfg.x4_share else 2
            lr, sigma, base, hr = (torch.from_numpy(a) for a in sampler.batch(cfg.batch, scale))
            loss = F.l1_loss(base + net(lr, sigma, scale), hr)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            ema_update(ema, net, cfg.ema)
            value = loss.item()
            running = 0.98 * running + 0.02 * value if step > start else value
            done = step + 1
            last = done == cfg.steps
            val = None
            if done % cfg.eval_every == 0 or last:
                val = evaluate_sr(ema, sources.val)
                if _score(val) > best:
                    best = _score(val)
                    torch.save(ema.state_dict(), out / "best.pt")
            if done % 50 == 0 or last or val is not None:
                now = elapsed + time.perf_counter() - t0
                v = val or {"x2": math.nan, "x4": math.nan, "x2_noisy": math.nan}
                writer.writerow(
                    [
                        done,
                        f"{running:.5f}",
                        f"{v['x2']:.3f}",
                        f"{v['x4']:.3f}",
                        f"{v['x2_noisy']:.3f}",
                        f"{lr_at(step):.2e}",
                        f"{now:.0f}",
                    ]
                )
                fh.flush()
                log(
                    f"step {done}/{cfg.steps} loss {running:.4f} val gain x2 {v['x2']:.2f} "
                    f"x4 {v['x4']:.2f} x2n {v['x2_noisy']:.2f} dB {now:.0f}s",
                    flush=True,
                )
            if done % cfg.checkpoint_every == 0 or last:
                now = elapsed + time.perf_counter() - t0
                save_checkpoint(ckpt_path, net, ema, opt, step=done, elapsed=now, best=best)
    if not (out / "best.pt").exists():
        torch.save(ema.state_dict(), out / "best.pt")
    return out / "best.pt"


def export_sr(net: LumosSR, out_dir: Path) -> dict[int, Path]:
    """Write ``sr_x2.onnx`` / ``sr_x4.onnx`` (inputs ``lr``, ``sigma``; output ``residual``).

    The TorchScript exporter (``dynamo=False``), as for LumosNet: a plain conv
    net, no extra package needed, and :func:`parity_sr` guards the result.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    net = net.eval()
    paths = {}
    for key in net.tails:
        scale = int(key[1:])
        path = out_dir / f"sr_{key}.onnx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            torch.onnx.export(
                LumosSRScale(net, scale).eval(),
                (torch.rand(1, 3, 32, 48), torch.rand(1, 1, 32, 48) * 0.05),
                str(path),
                input_names=["lr", "sigma"],
                output_names=["residual"],
                dynamic_axes={
                    "lr": {2: "h", 3: "w"},
                    "sigma": {2: "h", 3: "w"},
                    "residual": {2: "H", 3: "W"},
                },
                opset_version=17,
                dynamo=False,
            )
        paths[scale] = path
    return paths


def parity_sr(net: LumosSR, paths: dict[int, Path], *, seed: int = 0) -> float:
    """Max abs difference between torch and ONNX Runtime on random inputs of odd sizes."""
    import onnxruntime as ort

    rng = np.random.default_rng(seed)
    net = net.eval()
    worst = 0.0
    for scale, path in paths.items():
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        for h, w in [(17, 23), (40, 64)]:
            lr = rng.random((1, 3, h, w), dtype=np.float32)
            sigma = rng.random((1, 1, h, w), dtype=np.float32) * 0.1
            with torch.no_grad():
                ref = net(torch.from_numpy(lr), torch.from_numpy(sigma), scale).numpy()
            got = sess.run(None, {"lr": lr, "sigma": sigma})[0]
            worst = max(worst, float(np.abs(ref - got).max()))
    return worst


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m lumos.train.sr", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--data", default=SRConfig.data_root, help="folder with the datasets")
    ap.add_argument("--out", default=SRConfig.out_dir, help="run folder (checkpoints, log)")
    ap.add_argument("--steps", type=int, default=SRConfig.steps)
    ap.add_argument("--batch", type=int, default=SRConfig.batch)
    ap.add_argument("--patch", type=int, default=SRConfig.patch)
    ap.add_argument("--width", type=int, default=SRConfig.width)
    ap.add_argument("--depth", type=int, default=SRConfig.depth)
    ap.add_argument("--seed", type=int, default=SRConfig.seed)
    ap.add_argument("--threads", type=int, default=SRConfig.threads)
    ap.add_argument("--eval-every", type=int, default=SRConfig.eval_every)
    ap.add_argument("--limit-images", type=int, default=None, help="use few images (smoke test)")
    ap.add_argument("--lr", type=float, default=SRConfig.lr)
    ap.add_argument("--init", default=None, help="EMA weights (.pt) to start from (fine-tune)")
    ap.add_argument("--export-only", action="store_true", help="skip training; export --out")
    ap.add_argument("--install", action="store_true", help="copy the ONNX files into the package")
    args = ap.parse_args(argv)
    cfg = SRConfig(
        data_root=args.data,
        out_dir=args.out,
        steps=args.steps,
        batch=args.batch,
        patch=args.patch,
        width=args.width,
        depth=args.depth,
        seed=args.seed,
        threads=args.threads,
        eval_every=args.eval_every,
        checkpoint_every=min(SRConfig.checkpoint_every, args.steps),
        limit_images=args.limit_images,
        lr=args.lr,
        init=args.init,
    )
    out = Path(cfg.out_dir)
    if args.export_only:
        cfg = run_config(cfg, out)
    sources = load_sr_sources(Path(cfg.data_root), limit=cfg.limit_images)
    weights = out / "best.pt" if args.export_only else train_sr(cfg, sources)
    net = LumosSR(cfg.width, cfg.depth)
    if weights.exists():
        net.load_state_dict(torch.load(weights, weights_only=True))
    else:  # a run stopped before its first evaluation: its last EMA weights
        net.load_state_dict(torch.load(out / "last.pt", weights_only=False)["ema"])
    net.eval()
    paths = export_sr(net, out / "onnx")
    diff = parity_sr(net, paths)
    ckpt = torch.load(out / "last.pt", weights_only=False) if (out / "last.pt").exists() else {}
    record = {
        "config": asdict(cfg),
        "steps_done": ckpt.get("step"),
        "train_wall_s": round(ckpt.get("elapsed", 0.0)),
        "val_gain_over_bicubic_db": {
            k: round(v, 3) for k, v in evaluate_sr(net, sources.val).items()
        },
        "onnx_parity_max_abs": diff,
        "params": sum(p.numel() for p in net.parameters()),
        "params_per_scale": {
            k: sum(p.numel() for n, p in net.named_parameters() if not n.startswith("tails."))
            + sum(p.numel() for p in t.parameters())
            for k, t in net.tails.items()
        },
    }
    (out / "record.json").write_text(json.dumps(record, indent=2))
    print(json.dumps(record, indent=2))
    if diff > 1e-3:
        print(f"parity check failed: {diff}", file=sys.stderr)
        return 1
    if args.install:
        PACKAGE_WEIGHTS.mkdir(parents=True, exist_ok=True)
        for p in paths.values():
            shutil.copy2(p, PACKAGE_WEIGHTS / p.name)
        for name in ("record.json", "log.csv"):
            shutil.copy2(out / name, PACKAGE_WEIGHTS / name)
        print(f"installed into {PACKAGE_WEIGHTS}")
    return 0


if __name__ == "__main__":
    run_cli(main, "python -m lumos.train.sr")
