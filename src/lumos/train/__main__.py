"""``python -m lumos.train``: train LumosNet, export ONNX, write the training record.

Examples
--------
Full run (what ``make train`` does; resumable: run again to continue)::

    python -m lumos.train --data ../shared/data --out runs/lumosnet --steps 6000

Export a run's EMA weights into the package::

    python -m lumos.train --export-only --out runs/lumosnet
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import asdict
from pathlib import Path

import torch

from .archs import GlobalNet
from .dataset import load_sources
from .export import export_onnx, parity
from .loop import TrainConfig, evaluate, train

PACKAGE_WEIGHTS = Path(__file__).resolve().parents[1] / "models" / "weights" / "lumosnet"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lumos.train", description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=TrainConfig.data_root, help="folder with the datasets")
    ap.add_argument("--out", default=TrainConfig.out_dir, help="run folder (checkpoints, log)")
    ap.add_argument("--steps", type=int, default=TrainConfig.steps)
    ap.add_argument("--batch", type=int, default=TrainConfig.batch)
    ap.add_argument("--size", type=int, default=TrainConfig.size, help="proxy side in training")
    ap.add_argument("--threads", type=int, default=TrainConfig.threads)
    ap.add_argument("--seed", type=int, default=TrainConfig.seed)
    ap.add_argument("--eval-every", type=int, default=TrainConfig.eval_every)
    ap.add_argument("--width", type=int, default=TrainConfig.width)
    ap.add_argument("--limit-images", type=int, default=None, help="use few images (smoke test)")
    ap.add_argument("--export-only", action="store_true", help="skip training; export --out")
    ap.add_argument("--install", action="store_true", help="copy the ONNX files into the package")
    args = ap.parse_args(argv)

    cfg = TrainConfig(
        data_root=args.data,
        out_dir=args.out,
        steps=args.steps,
        batch=args.batch,
        size=args.size,
        threads=args.threads,
        seed=args.seed,
        eval_every=args.eval_every,
        width=args.width,
        checkpoint_every=min(TrainConfig.checkpoint_every, args.steps),
        limit_images=args.limit_images,
    )
    out = Path(cfg.out_dir)
    if args.export_only and (out / "config.json").is_file():
        # The architecture is the run's own, whatever the defaults are now.
        saved = json.loads((out / "config.json").read_text())
        cfg = TrainConfig(**{**saved, "data_root": cfg.data_root, "out_dir": cfg.out_dir})
    sources = load_sources(Path(cfg.data_root), limit=cfg.limit_images)
    if args.export_only:
        weights = out / "ema.pt"
    else:
        weights = train(cfg, sources)
    net = GlobalNet(cfg.width)
    if not weights.exists() and (out / "last.pt").exists():
        # A run stopped early: export the EMA weights of its last checkpoint.
        net.load_state_dict(torch.load(out / "last.pt", weights_only=False)["ema"])
    else:
        net.load_state_dict(torch.load(weights, weights_only=True))
    net.eval()
    onnx_path = export_onnx(net, out / "onnx")
    diff = parity(net, onnx_path)
    val = evaluate(net, sources.real_val)
    record = {
        "config": asdict(cfg),
        "val_our485_heldout_proxy": {k: round(v, 4) for k, v in val.items()},
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
        shutil.copy2(onnx_path, PACKAGE_WEIGHTS / onnx_path.name)
        shutil.copy2(out / "record.json", PACKAGE_WEIGHTS / "record.json")
        shutil.copy2(out / "log.csv", PACKAGE_WEIGHTS / "log.csv")
        print(f"installed into {PACKAGE_WEIGHTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
