"""Write CARD.md for the installed LumosNet weights from their training record.

Reads ``src/lumos/models/weights/lumosnet/{record.json,log_*.csv}``, measures the
installed model with the project's harness - LOL-v1 eval15 (measured only, never
used for training or selection), the held-out our485 scenes, well-exposed
Kodak24 (should come out unchanged) and the real noisy photos of cc15 - plots
the training curves, and writes ``CARD.md`` and ``loss.png`` beside the weights.

Usage: python scripts/model_card.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from lumos.analysis import analyse  # noqa: E402
from lumos.config import EnhanceOptions  # noqa: E402
from lumos.eval.harness import evaluate, find_images, find_pairs, pipeline_method  # noqa: E402
from lumos.models.denoiser import DN_WEIGHTS  # noqa: E402
from lumos.models.lumosnet import WEIGHTS_DIR, LumosNetEnhancer  # noqa: E402
from lumos.tiling import run_tiled  # noqa: E402
from lumos.train.dataset import VAL_LOL  # noqa: E402

MODELS = ("lumosnet", "lumosnet-filters", "classical")
"""``lumosnet-filters``: LumosNet's brightening finished by the classical filters
instead of the learned denoiser (what shipped before LumosDN)."""
HEADER = (
    "| model | eval15 PSNR | eval15 SSIM | eval15 GT-mean PSNR (labelled) | eval15 NIQE "
    "| our485 held-out PSNR | SSIM | Kodak24 vs itself PSNR | cc15 real noise PSNR "
    "| s/MP (0.24 MP) |\n" + "|---" * 10 + "|"
)


def _plot(logs: dict[str, list[dict]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 3, figsize=(12, 3))
    for name, log in logs.items():
        ax[0].plot([int(r["step"]) for r in log], [float(r["loss"]) for r in log], label=name)
        val = [
            (int(r["step"]), float(r["val_psnr"]), float(r["val_brightness_error"]))
            for r in log
            if r["val_psnr"] != "nan"
        ]
        if val:
            s, p, e = zip(*val, strict=True)
            ax[1].plot(s, p, "o-", ms=3, label=name)
            ax[2].plot(s, e, "o-", ms=3, label=name)
    ax[0].legend(fontsize=8)
    ax[0].set_title("training loss (EMA of batches)", fontsize=10)
    ax[1].set_title("held-out our485 proxy PSNR (dB)", fontsize=10)
    ax[2].set_title("held-out |mean brightness error|", fontsize=10)
    for a in ax:
        a.set_xlabel("step")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _phases(base: dict, tuned: dict) -> str:
    """How the two training phases of a fine-tuned member differ (for the card)."""
    return (
        f"Two phases: {base['steps']} steps without offsets at lr {base['lr']}, then "
        f"{tuned['steps']} steps with them at lr {tuned['lr']} (the offsets start at zero, "
        "so the second phase starts from the first one's net). On the held-out scenes "
        "(seed 0, whole pipeline) the second phase was worth 22.51 -> 23.14 dB without "
        "offsets and 23.32 dB with them at 2000 steps, 23.63 dB with them at 4000."
    )


def _method(model: str):
    if model == "lumosnet-filters":
        enh = LumosNetEnhancer(denoiser=None)

        def run(rgb):
            plan = enh.prepare(rgb, analyse(rgb), denoise=None, detail=None, brightness=None)
            out = run_tiled(
                lambda t, r: enh.process_region(t, plan, r),
                rgb,
                tile=512,
                halo=plan.halo,
                align=plan.align,
                workers=2,
            ).image
            return out.clip(0.0, 1.0)

        return run
    opts = EnhanceOptions(model=model)
    return pipeline_method(opts)


def _measure(data: Path) -> dict[str, dict[str, dict[str, float]]]:
    lol, sub = data / "lol_v1_eval15", data / "lol_v1_our485_subset"
    sets = {
        "eval15": list(find_pairs(lol / "low", lol / "high")),
        "val": [p for p in find_pairs(sub / "low", sub / "high") if p[0].stem in VAL_LOL],
        "kodak": [(p, p) for p in find_images(data / "kodak24")],
        # cc15 names its pairs <camera>_real / <camera>_mean.
        "cc15": [
            (p, data / "cc15_real_noise" / "clean" / p.name.replace("_real", "_mean"))
            for p in find_images(data / "cc15_real_noise" / "noisy")
        ],
    }
    out: dict[str, dict[str, dict[str, float]]] = {}
    for model in MODELS:
        out[model] = {}
        for name, items in sets.items():
            out[model][name] = evaluate(_method(model), items, with_niqe=name == "eval15").mean
            print(model, name, {k: round(v, 3) for k, v in out[model][name].items()}, flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = ap.parse_args()
    members = json.loads((WEIGHTS_DIR / "record.json").read_text())["members"]
    logs = {}
    for name in members:
        with (WEIGHTS_DIR / f"log_{name}.csv").open() as fh:
            logs[name] = list(csv.DictReader(fh))
    _plot(logs, WEIGHTS_DIR / "loss.png")
    records = list(members.values())
    cfg = records[0]["config"]
    seeds = " ".join(str(r["config"]["seed"]) for r in records)
    size_kb = sum(p.stat().st_size for p in WEIGHTS_DIR.glob("global_*.onnx")) / 1e3
    params = sum(r["params"] for r in records)
    parity = max(r["onnx_parity_max_abs"] for r in records)
    member_rows = "\n".join(
        f"| {name} | {r['config']['seed']} | {logs[name][-1]['step']} "
        f"| {float(logs[name][-1]['elapsed_s']) / 60:.0f} min "
        f"| {r['val_our485_heldout_proxy']['psnr']:.2f} |"
        for name, r in members.items()
    )
    # The paragraph below describes LumosDN's first training (its dark-photo weights);
    # the two shipped weight sets and how they were made are its own card's.
    dn = json.loads((REPO / "checkpoints" / "dn" / "record.json").read_text())
    dn_cfg = dn["config"]
    m = _measure(args.data)
    rows = "\n".join(
        f"| {name} | {r['eval15']['psnr']:.2f} | {r['eval15']['ssim']:.3f} "
        f"| {r['eval15']['psnr_gt_mean']:.2f} | {r['eval15']['niqe']:.2f} "
        f"| {r['val']['psnr']:.2f} | {r['val']['ssim']:.3f} "
        f"| {r['kodak']['psnr']:.2f} | {r['cc15']['psnr']:.2f} "
        f"| {r['eval15']['seconds_per_mp']:.2f} |"
        for name, r in m.items()
    )
    # The members are fine-tunes (with offsets) of base runs; older records have no base.
    base = (records[0].get("base_run") or {}).get("config") or cfg
    tuned = base is not cfg
    run_cmd = (
        f"for s in {seeds}; do python -m lumos.train --data ../shared/data "
        f"--out runs/lumosnet_s$s --seed $s --steps {base['steps']} "
        f"--threads {base['threads']}"
    )
    if tuned:
        run_cmd += (
            f"; python -m lumos.train --data ../shared/data --out runs/lumosnet_off_s$s "
            f"--seed $s --offsets --init-from runs/lumosnet_s$s --steps {cfg['steps']} "
            f"--lr {cfg['lr']} --threads {cfg['threads']}"
        )
    run_cmd += " --install; done"
    dn_params = dn["params"]
    card = f"""# LumosNet model card

Weights: an ensemble of {len(records)} networks trained alike with seeds {seeds}
(`global_seed*.onnx`, {size_kb:.0f} kB, {params:,} parameters in all); their
coefficient maps are averaged. Each was exported from the EMA weights of its
run with a torch-vs-ONNX Runtime parity check (max abs difference {parity:.2e}).

## What it is
A small network of the project's own design (`src/lumos/train/archs.py`) that
sees a 1/4-size proxy of the whole photo (long side 128-160 px) and predicts, on
a coarse grid, an affine map from the photo's *log* luminance to per-channel
log-gains: a local tone curve `out = e^B * Y^(1+A)` per cell, with colour,
plus a small per-channel offset added after the gain (|D| <= 0.2), which lifts
shadows the camera crushed to black (a gain cannot: on the held-out LOL scenes a
per-image fit `reference = a * ours + d` showed d of 0.02-0.05, worth 1.2 dB).
It is applied at full resolution, guided by each pixel's own luminance, and
the grid is sliced edge-aware (each of the four cells around a pixel weighted
by how close the pixel's luminance is to the cell's: a lamp's cell does not
darken the dark wall beside it), so the gain follows edges and costs a few
operations per pixel. The brightened photo is then denoised by **LumosDN**, a
second small network ({dn_params:,} parameters, `src/lumos/train/dn_arch.py`,
`../denoiser/`), told as FFDNet is how much noise to expect at each pixel: the
measured input noise (the larger of a statistical reading and that of LumosNE, a
small network that reads a camera's blotchy grain: `../noise/CARD.md`) times the
gain that pixel received. It works on 2x2 blocks
at half resolution with a quarter-resolution level for context and predicts a
residual; then the project's noise-gated sharpening runs. `--denoise` keeps a
share of the grain (1 = the net's full result, 0 = none removed; auto
min(1, 0.5 + 50·σ′), σ′ the noise after the gain: on a clean photo the net's own
small changes would outweigh the noise it removes; above 1, up to 2, the
net is told of that many times the measured noise, for a smoother result), `--detail`
sharpens as in the classical pipeline, and
`--brightness` shifts the network's exposure while keeping its local decisions.

Around the network, at inference (`src/lumos/models/lumosnet.py`): each member
sees the proxy upright and turned by 90, 180 and 270 degrees and the maps are
averaged, so a photo's orientation does not change the result; a photo
with mean luma above 0.20 fades the maps toward gain 1 (none above 0.30), so
a well-exposed photo is left alone; near-white pixels get one neutral gain that
cannot clip them (a lamp's white core stays white); near-black pixels (brightest
channel under 4/255) come out grey, since their colour is JPEG rounding and noise
(lifted night skies came out olive); a backlit photo's shadows are opened up by
the shadows stage (`--shadows`, added to the maps); and in auto mode the mean
brightness is not left more than 0.12 below the classical auto target (the
network, taught by LOL, kept many real night photos too dark).

The network learns what a fixed tone curve gets wrong: how bright and what
colour a scene should become (on the 50 LOL training scenes a fixed curve with
the *reference's* mean brightness scores 23.5 dB, with one fixed target 19.4 dB).

## Training data of the brightening network (whole scenes at proxy scale)
* Real pairs: 40 of the 50 scenes of `lol_v1_our485_subset` ({cfg["real_fraction"]:.0%} of samples).
* Good photos left alone: clean images as their own target ({cfg["identity_fraction"]:.0%}).
* Synthetic dark photos made by `lumos.data` from clean images (Kodak24, CBSD68,
  McMaster and the 40 LOL references): exposure 1/8..1/100, Poisson-Gaussian
  sensor noise in linear light, uneven light fields, colour casts, JPEG (the rest).
* Lamps: {cfg.get("light_source_fraction", 0):.0%} of the dark samples get 1-3 glowing lamps
  painted into input and target alike, so a bright object is not read as light
  falling on the scene (the first version drew dark rings around lamps).
* Held out for validation: our485 scenes {", ".join(VAL_LOL)}.
* Never seen: `lol_v1_eval15` (the test set; the audit shows it shares no scene
  with the training subset).

## Run
`{run_cmd}`
(`make train` reproduces it from scratch; each run resumes from its `last.pt` if
stopped). Batch {cfg["batch"]} scenes of {cfg["size"]}x{cfg["size"]}, AdamW with
warm-up and cosine decay, EMA {cfg["ema"]}, {cfg["threads"]} CPU thread per run,
runs sharing a 2-core machine with other jobs. {_phases(base, cfg) if tuned else ""}

| member | seed | steps | wall time | held-out our485 proxy PSNR |
|---|---|---|---|---|
{member_rows}

![training curves](loss.png)

## The denoiser (LumosDN)
Trained on patches of {dn_cfg["patch"]} px of photos brightened by the shipped
LumosNet itself (the run-time code, so it sees exactly what it will be given):
the 40 LOL training pairs ({dn_cfg["real_fraction"]:.0%} of patches), synthetic dark
photos from CBSD68, McMaster and the LOL references (`lumos.data`, redrawn as
training goes) and clean photos as their own target ({dn_cfg["clean_fraction"]:.0%}).
The target is the reference at the brightness LumosNet chose (times a smooth,
per-channel ratio), so the net removes noise and keeps detail but never
restyles a photo. Noise map: the run-time estimate times the gain. L1 loss, Adam
lr {dn_cfg["lr"]}, batch {dn_cfg["batch"]}, {dn["steps_done"]} steps, EMA {dn_cfg["ema"]},
{dn["train_wall_s"] / 60:.0f} min on one core (seed {dn_cfg["seed"]}); best EMA
checkpoint on the held-out LOL crops: {dn["val_heldout_lol_crops"]["psnr"]:.2f} dB
against the matched reference (noisy input {dn["val_heldout_lol_crops"]["input_psnr"]:.2f} dB).
ONNX parity {dn["onnx_parity_max_abs"]:.1e}. Reproduce:
`python -m lumos.train.dn --data ../shared/data --out runs/dn --steps {dn_cfg["steps"]}
--batch {dn_cfg["batch"]} --patch {dn_cfg["patch"]} --width {dn_cfg["width"]} --install`.
Chosen on those held-out crops among four runs of 6000 steps: width 32 (27.26 dB),
width 32 with a deeper quarter-size level (27.28), width 32 with a third level at
1/8 size (27.22 at 4000 steps, stopped) and width 48 (27.48, shipped: on the whole
held-out photos 23.08 dB / 0.812 against 23.05 / 0.797 for width 32; ~1 s more at 12 MP).
That net runs on photos brightened 2x or more; the others get a weight blend of it and
its fine-tune on real-camera noise (`../denoiser/CARD.md`).

## Metrics (measured with the project's harness; plain PSNR/SSIM, no GT-mean)
{HEADER}
{rows}

Published eval15 PSNR without GT-mean: Retinexformer 25.2, MIRNet 24.1, HVI-CIDNet 23.8, LIME 16.8.
Kodak24 and cc15 are not dark: they measure whether a photo that needs little
is left nearly alone. Speed and memory at 3 and 12 MP: `docs/speed.md`
(`bench/speed.py --model lumosnet`).

## Limits
Trained on CPU in about an hour per member, on 40 real pairs plus synthetic scenes.
`lumosnet-filters` above is the same brightening finished by the classical
filters (what shipped before LumosDN). Faint dark rims can remain right around very bright
lamps and lit buildings. Brightness follows LOL's taste within the floor above:
night scenes with visible lights stay darker than `--model classical` makes
them (set `--brightness` to override). Dark areas of night JPEGs whose camera left
them tinted by a code value or two (a black backdrop, a city's night sky) come out with
a dull olive or brown tint, as LOL's colour taste keeps dark colour (DICM 12, 20;
`docs/design/lumosnet.md`). Judge it on your photos with `lumos eval --unpaired` and
the contact sheets in `docs/benchmarks.md`.
"""
    (WEIGHTS_DIR / "CARD.md").write_text(card)
    dn_card = DN_WEIGHTS.parent / "CARD.md"
    if not dn_card.is_file():  # it has sections of its own (its fine-tune, the blend): keep them
        dn_card.write_text(
            "# LumosDN model card\n\nLumosDN ships as LumosNet's finishing stage; its card is "
            "the\nsection *The denoiser (LumosDN)* of `../lumosnet/CARD.md`. Training record:\n"
            "`record.json`, `log.csv` (this folder).\n"
        )
    print(card)


if __name__ == "__main__":
    main()
