"""Write CARD.md for the installed LumosNet weights from their training record.

Reads ``src/lumos/models/weights/lumosnet/{record.json,log.csv}``, measures the
installed ONNX model with the project's harness (LOL-v1 eval15 - measured only,
never used for training or selection - and the held-out our485 scenes), plots
the loss curve, and writes ``CARD.md`` and ``loss.png`` beside the weights.

Usage: python scripts/model_card.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from lumos.config import EnhanceOptions  # noqa: E402
from lumos.eval.harness import evaluate, find_pairs  # noqa: E402
from lumos.models.lumosnet import WEIGHTS_DIR  # noqa: E402
from lumos.pipeline import run_pipeline  # noqa: E402
from lumos.train.dataset import VAL_LOL  # noqa: E402


def _plot(log: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [int(r["step"]) for r in log]
    loss = [float(r["loss"]) for r in log]
    val = [(int(r["step"]), float(r["val_psnr"])) for r in log if r["val_psnr"] != "nan"]
    fig, ax = plt.subplots(1, 2, figsize=(9, 3))
    ax[0].plot(steps, loss)
    ax[0].set_title("training loss (EMA of batches)", fontsize=10)
    ax[0].set_xlabel("step")
    if val:
        ax[1].plot(*zip(*val, strict=True), "o-")
    ax[1].set_title("held-out our485 PSNR (dB)", fontsize=10)
    ax[1].set_xlabel("step")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = ap.parse_args()
    record = json.loads((WEIGHTS_DIR / "record.json").read_text())
    with (WEIGHTS_DIR / "log.csv").open() as fh:
        log = list(csv.DictReader(fh))
    _plot(log, WEIGHTS_DIR / "loss.png")
    cfg = record["config"]
    size_kb = sum((WEIGHTS_DIR / n).stat().st_size for n in ("global.onnx", "local.onnx")) / 1e3

    def method(model: str):
        opts = EnhanceOptions(model=model)
        return lambda rgb: run_pipeline(rgb, opts).rgb

    lol = args.data / "lol_v1_eval15"
    sub = args.data / "lol_v1_our485_subset"
    val_items = [p for p in find_pairs(sub / "low", sub / "high") if p[0].stem in VAL_LOL]
    rows = []
    with tempfile.TemporaryDirectory():
        for model in ("lumosnet", "classical"):
            e15 = evaluate(method(model), list(find_pairs(lol / "low", lol / "high"))).mean
            val = evaluate(method(model), val_items).mean
            rows.append((model, e15, val))
    table = "\n".join(
        f"| {m} | {e['psnr']:.2f} | {e['ssim']:.3f} | {e['psnr_gt_mean']:.2f} | {e['niqe']:.2f} "
        f"| {v['psnr']:.2f} | {v['ssim']:.3f} | {e['seconds_per_mp']:.3f} |"
        for m, e, v in rows
    )
    last = log[-1]
    run_cmd = (
        f"python -m lumos.train --data ../shared/data --out {cfg['out_dir']} "
        f"--steps {cfg['steps']} --threads {cfg['threads']}"
    )
    header = (
        "| model | eval15 PSNR | eval15 SSIM | eval15 GT-mean PSNR (labelled) | eval15 NIQE "
        "| our485 held-out PSNR | SSIM | s/MP (0.24 MP) |"
    )
    (_, net_e15, _), (_, cls_e15, _) = rows
    if net_e15["ssim"] < cls_e15["ssim"] or net_e15["niqe"] > cls_e15["niqe"]:
        status = (
            "**Experimental, not the default.** Its PSNR is "
            f"{net_e15['psnr'] - cls_e15['psnr']:+.2f} dB against the classical pipeline, but "
            f"its outputs keep more noise (SSIM {net_e15['ssim']:.3f} vs {cls_e15['ssim']:.3f}, "
            f"NIQE {net_e15['niqe']:.2f} vs {cls_e15['niqe']:.2f}): the local denoising net is "
            "too small and too briefly trained for LOL's real noise. Try it: `--model lumosnet`."
        )
    else:
        status = "Better than the classical pipeline on every eval15 measure above."
    card = f"""# LumosNet model card

Weights: `global.onnx` + `local.onnx` ({size_kb:.0f} kB together;
{record["params"]["global"]:,} + {record["params"]["local"]:,} parameters), exported from the
EMA weights of the run below with a torch-vs-ONNX Runtime parity check (max abs
difference {record["onnx_parity_max_abs"]:.2e}).

## What it is
Two small networks of the project's own design (`src/lumos/train/archs.py`):
a *global* net that sees a 1/4-size proxy of the whole photo and predicts, on a
coarse grid, an affine map from the photo's luminance to per-channel log-gains
(brightening and colour, edge-aware through the full-resolution luminance), and a
*local* FFDNet-style net that denoises the brightened image at half resolution
(pixel-unshuffled) given a noise-level map (measured noise x local gain).
`--denoise` scales that map; `--detail` adds the project's noise-gated sharpening.

## Training data
* Synthetic pairs made by `lumos.data` from clean images: Kodak24, CBSD68,
  McMaster and the references of 40 LOL our485-subset scenes - exposure 1/8..1/100,
  Poisson-Gaussian sensor noise in linear light, uneven light fields (gradients,
  spotlights, vignetting), colour casts, JPEG.
* Real pairs: 40 of the 50 scenes of `lol_v1_our485_subset` ({cfg["real_fraction"]:.0%} of samples).
* Held out for validation: our485 scenes {", ".join(VAL_LOL)}.
* Never seen: `lol_v1_eval15` (the test set; the audit shows it shares no scene
  with the training subset).

## Run
`{run_cmd}`
(`make train` reproduces it from scratch; it resumes from `last.pt` if stopped).
Seed {cfg["seed"]}, batch {cfg["batch"]}, patch {cfg["patch"]}, AdamW lr {cfg["lr"]} with
cosine decay, EMA {cfg["ema"]}. Steps done: {last["step"]}; wall time
{float(last["elapsed_s"]) / 60:.0f} min on {cfg["threads"]} CPU thread(s).

![loss](loss.png)

## Metrics (measured with `lumos eval`; plain PSNR/SSIM, no GT-mean)
{header}
|---|---|---|---|---|---|---|---|
{table}

Published eval15 PSNR without GT-mean: Retinexformer 25.2, MIRNet 24.1, HVI-CIDNet 23.8, LIME 16.8.

## Status and limits
{status}
Trained on CPU for under an hour on few real pairs. Speed and memory at 3 and
12 MP: `docs/speed.md` (`bench/speed.py --model lumosnet`). Judge it on your photos
with `lumos eval --unpaired` and the contact sheets in `docs/benchmarks.md`.
"""
    (WEIGHTS_DIR / "CARD.md").write_text(card)
    print(card)


if __name__ == "__main__":
    main()
