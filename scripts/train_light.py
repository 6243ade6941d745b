"""Fit the uniform/uneven light classifier and write ``src/lumos/light/light_weights.json``.

Data
----
* Real photos labelled by eye (``src/lumos/light/labels_real.csv``: source,
  file relative to the data root, label, one-line reason). The images are not
  in the repository; pass their root with ``--data`` (research-only sets:
  DICM, LIME, SCI unpaired, LOL v1 lows).
* Synthetic photos labelled by the data engine: clean images (Kodak24, CBSD68,
  McMaster) darkened with the camera model of :mod:`lumos.data.synth` (its
  ``sample_params`` exposures, noise levels and casts) under a uniform light
  field, or under one of its gradient / spotlights / vignette fields widened
  to 5-10 stops (p95/p5 in linear light) - the label follows from the field.

Split
-----
Fixed and reproducible: within each real source, every third photo in sorted
order is held out; photos that appear in two sets (four SCI "medium" frames
are LOL frames) always stay in training. For synthetic data every third clean
image is held out, with all of its variants. The held-out accuracy, overall
and per source, is stored in the weights file's ``record``.

Usage::

    python scripts/train_light.py --data /path/to/data [--out FILE]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from pathlib import Path

import cv2
import numpy as np

from lumos.data.synth import (
    add_sensor_noise,
    light_field,
    linear_to_srgb,
    sample_params,
    srgb_to_linear,
)
from lumos.light import FEATURE_NAMES, fit_logistic, light_features
from lumos.light._classifier import WEIGHTS_PATH

LABELS = Path(__file__).resolve().parents[1] / "src" / "lumos" / "light" / "labels_real.csv"
CLEAN_SETS = ("kodak24", "cbsd68", "mcmaster")
VARIANTS = 4  # per clean image: 2 uniform, 2 uneven
SEED = 20240611
# SCI "medium" frames that are LOL frames: never let a copy sit on both sides of the split.
ALWAYS_TRAIN = {
    "sci_lowlight_unpaired/medium/00001.png",
    "lol_v1_eval15/low/1.png",
    "sci_lowlight_unpaired/medium/00051.png",
    "lol_v1_our485_subset/low/50.png",
    "sci_lowlight_unpaired/medium/00079.png",
    "lol_v1_our485_subset/low/79.png",
    "sci_lowlight_unpaired/medium/00091.png",
    "lol_v1_our485_subset/low/91.png",
}


def _read(path: Path, side: int = 768) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise SystemExit(f"cannot read {path}")
    h, w = bgr.shape[:2]
    s = min(1.0, side / max(h, w))
    if s < 1.0:
        bgr = cv2.resize(bgr, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    return (bgr[..., ::-1].astype(np.float32) / 255.0).copy()


def real_examples(root: Path) -> list[dict]:
    with LABELS.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_source: dict[str, list[dict]] = {}
    for r in rows:
        by_source.setdefault(r["source"], []).append(r)
    out = []
    for source, items in by_source.items():
        for i, r in enumerate(sorted(items, key=lambda r: r["file"])):
            test = i % 3 == 2 and r["file"] not in ALWAYS_TRAIN
            feats = light_features(_read(root / r["file"]))
            out.append(
                {
                    "source": source,
                    "name": r["file"],
                    "y": int(r["label"] == "uneven"),
                    "test": test,
                    "x": feats,
                }
            )
    return out


def _field(h: int, w: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """An uneven light field of 5-10 stops (p95/p5, linear light) and its span.

    The engine's fields top out near 4 stops at full strength, milder than a
    lamp at night (8-10 stops); raising one to a power keeps its layout and
    widens its range to what real uneven scenes show.
    """
    kind = ("gradient", "spotlights", "vignette")[int(rng.integers(0, 3))]
    base = light_field(h, w, kind, 1.0, seed=int(rng.integers(0, 2**31 - 1)))
    lo, hi = np.percentile(base, [5.0, 95.0])
    stops = float(np.log2(hi / lo))
    target = float(rng.uniform(5.0, 10.0))
    field = base ** np.float32(target / max(stops, 0.5))
    field /= field.mean()
    lo, hi = np.percentile(field, [5.0, 95.0])
    return field.astype(np.float32), float(np.log2(hi / lo))


def _darken(clean: np.ndarray, field: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The engine's camera model (linear light, Poisson-Gaussian noise, 8 bit) with ``field``."""
    params = sample_params(rng, uneven_probability=0.0)
    cast = np.asarray(params.color_cast, np.float32)
    signal = srgb_to_linear(clean) * (np.float32(params.exposure) * field)[..., None] * cast
    noisy = add_sensor_noise(signal, params, rng)
    return (np.round(linear_to_srgb(noisy) * 255.0) / 255.0).astype(np.float32)


def synthetic_examples(root: Path, rng: np.random.Generator) -> list[dict]:
    out = []
    files = [f for s in CLEAN_SETS for f in sorted((root / s).glob("*")) if f.is_file()]
    for i, f in enumerate(files):
        clean = _read(f, side=512)
        h, w = clean.shape[:2]
        for v in range(VARIANTS):
            if v % 2:
                field, stops = _field(h, w, rng)
            else:
                field, stops = np.ones((h, w), np.float32), 0.0
            dark = _darken(clean, field, rng)
            out.append(
                {
                    "source": "synthetic",
                    "name": f"{f.parent.name}/{f.name}#{v}",
                    "y": v % 2,
                    "test": i % 3 == 2,
                    "x": light_features(dark),
                    "stops": stops,
                }
            )
    return out


def accuracy(model, examples: list[dict]) -> dict[str, dict[str, float]]:
    res: dict[str, dict[str, float]] = {}
    groups: dict[str, list[dict]] = {"all": examples}
    for e in examples:
        groups.setdefault(e["source"], []).append(e)
    for name, items in groups.items():
        x = np.stack([e["x"] for e in items])
        y = np.array([e["y"] for e in items])
        pred = (model.p_uneven(x) >= 0.5).astype(int)
        res[name] = {
            "n": len(items),
            "accuracy": round(float((pred == y).mean()), 4),
            "uneven": int(y.sum()),
        }
    return res


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True, help="root of the data sets")
    p.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    p.add_argument("--l2", type=float, default=1e-2)
    args = p.parse_args(argv)
    rng = np.random.default_rng(SEED)
    examples = real_examples(args.data) + synthetic_examples(args.data, rng)
    train = [e for e in examples if not e["test"]]
    test = [e for e in examples if e["test"]]
    n_real = sum(e["source"] != "synthetic" for e in train)
    n_syn = len(train) - n_real
    # Real photos are what users bring: synthetic data gets half their total weight.
    w = np.array(
        [1.0 if e["source"] != "synthetic" else 0.5 * n_real / max(n_syn, 1) for e in train]
    )
    x = np.stack([e["x"] for e in train])
    y = np.array([e["y"] for e in train])
    model = fit_logistic(x, y, l2=args.l2, sample_weight=w)
    record = {
        "date": dt.date.today().isoformat(),
        "script": "scripts/train_light.py",
        "seed": SEED,
        "l2": args.l2,
        "labels": "src/lumos/light/labels_real.csv (labelled by eye, one reason per photo)",
        "clean_sets": list(CLEAN_SETS),
        "variants_per_clean_image": VARIANTS,
        "split": "every third photo per source (sorted) and every third clean image held out",
        "train": accuracy(model, train),
        "test": accuracy(model, test),
    }
    args.out.write_text(json.dumps({"model": model.to_dict(), "record": record}, indent=1) + "\n")
    print(json.dumps(record["test"], indent=1))
    print(
        "weights:",
        dict(zip(FEATURE_NAMES, np.round(model.weights, 3), strict=True)),
        "bias",
        round(model.bias, 3),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
