"""``python -m lumos.train``: train LumosNet, export ONNX, write the training record.

Examples
--------
Full run (what ``make train`` does; resumable: run again to continue)::

    python -m lumos.train --data ../shared/data --out runs/lumosnet --steps 6000

Then teach it the additive offsets (a fine-tune from that run; see archs.GlobalNet)::

    python -m lumos.train --data ../shared/data --out runs/lumosnet_off --offsets \
        --init-from runs/lumosnet --steps 2000 --lr 5e-4

Export a run's EMA weights into the package::

    python -m lumos.train --export-only --out runs/lumosnet
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
from dataclasses import asdict
from pathlib import Path

from ._checkpoint import run_cli, run_config
from ._runner import add_common_options, common_config, finish_run
from .archs import GlobalNet
from .dataset import load_sources
from .export import export_onnx, parity
from .loop import TrainConfig, ema_weights, evaluate, train

PACKAGE_WEIGHTS = Path(__file__).resolve().parents[1] / "models" / "weights" / "lumosnet"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lumos.train", description=__doc__.splitlines()[0])
    add_common_options(ap, TrainConfig)
    ap.add_argument("--size", type=int, default=TrainConfig.size, help="proxy side in training")
    ap.add_argument("--width", type=int, default=TrainConfig.width)
    ap.add_argument("--offsets", action="store_true", help="also predict additive offsets")
    ap.add_argument(
        "--init-from", default=None, help="start from this run folder's EMA weights (fine-tune)"
    )
    ap.add_argument(
        "--real-pairs", type=int, default=None, help="use only the first N real LOL training pairs"
    )
    args = ap.parse_args(argv)

    cfg = TrainConfig(
        **common_config(args, TrainConfig),
        size=args.size,
        width=args.width,
        offsets=args.offsets,
        init_from=args.init_from,
        real_pairs=args.real_pairs,
    )
    out = Path(cfg.out_dir)
    if args.export_only:
        cfg = run_config(cfg, out)
    sources = load_sources(Path(cfg.data_root), limit=cfg.limit_images, real_pairs=cfg.real_pairs)
    if not args.export_only:
        train(cfg, sources)
    net = GlobalNet(cfg.width, offsets=cfg.offsets)
    net.load_state_dict(ema_weights(out))
    net.eval()
    onnx_path = export_onnx(net, out / "onnx")
    val = evaluate(net, sources.real_val)
    record = {
        "config": asdict(cfg),
        "val_our485_heldout_proxy": {k: round(v, 4) for k, v in val.items()},
        "onnx_parity_max_abs": parity(net, onnx_path),
        "params": sum(p.numel() for p in net.parameters()),
    }
    log = out / "log.csv"
    if cfg.init_from:
        # A fine-tune: its record and log carry the run it started from.
        base = Path(cfg.init_from)
        record["base_run"] = {
            "out_dir": cfg.init_from,
            "config": json.loads((base / "config.json").read_text())
            if (base / "config.json").is_file()
            else None,
        }
        log = joined_log(base / "log.csv", log, out / "log_with_base.csv")

    def install() -> str:
        install_member(onnx_path, log, record, f"seed{cfg.seed}", PACKAGE_WEIGHTS)
        return f"installed into {PACKAGE_WEIGHTS} as member seed{cfg.seed}"

    return finish_run(out, record, install if args.install else None)


def joined_log(base: Path, fine_tune: Path, out: Path) -> Path:
    """One training log for a fine-tuned net: its base run's rows, then the fine-tune's,
    whose steps and wall time continue from where the base run ended."""
    if not base.is_file():
        return fine_tune
    with base.open() as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    last_step, last_s = (int(body[-1][0]), float(body[-1][-1])) if body else (0, 0.0)
    with fine_tune.open() as fh:
        tuned = list(csv.reader(fh))[1:]
    for row in tuned:
        row[0] = str(int(row[0]) + last_step)
        row[-1] = f"{float(row[-1]) + last_s:.0f}"
    with out.open("w", newline="") as fh:
        csv.writer(fh).writerows([header, *body, *tuned])
    return out


def install_member(onnx_path: Path, log: Path, record: dict, name: str, folder: Path) -> None:
    """Add (or replace) one ensemble member in the package's weights folder.

    The shipped model is the average of members trained alike with different
    seeds: ``global_<name>.onnx`` and ``log_<name>.csv`` each, and one
    ``record.json`` holding every member's record under ``members``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(onnx_path, folder / f"global_{name}.onnx")
    shutil.copy2(log, folder / f"log_{name}.csv")
    combined_path = folder / "record.json"
    combined = {"members": {}}
    if combined_path.is_file():
        loaded = json.loads(combined_path.read_text())
        if isinstance(loaded.get("members"), dict):
            combined = loaded
    combined["members"][name] = record
    combined["members"] = dict(sorted(combined["members"].items()))
    combined_path.write_text(json.dumps(combined, indent=2))


if __name__ == "__main__":
    run_cli(main, "python -m lumos.train")
