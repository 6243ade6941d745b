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
  field, or under an uneven one - the label follows from the field. Uneven
  fields are the engine's gradient / spotlights / vignette, plus two made
  here after what the real uneven photos show: *backlight* (a bright sky or
  window beyond a wavy, mostly sharp boundary, the rest in shade) and *lamps*
  (1-5 small sources with inverse-square fall-off, their glowing cores added
  as emitted light that clips). Every field is widened or narrowed to 4-10
  stops (p95/p5 in linear light), the range real uneven scenes span.

Split
-----
Fixed and reproducible: within each real source, every third photo in sorted
order is held out; photos that appear in two sets (four SCI "medium" frames
are LOL frames) always stay in training. For synthetic data every third clean
image is held out, with all of its variants.

Model selection
---------------
Only the training split is used: grouped k-fold cross-validation (variants of
one clean image, and near-duplicate real photos - 32 x 32 grey thumbnails
correlating above 0.9 - stay in one fold), repeated with three fold
assignments, over a small grid of models (logistic regression and boosted
stumps, on the first eight features or on all of them, with the synthetic
examples weighing half or as much as the real ones in total). The
configuration with the best *balanced* CV accuracy - the mean of the real and
the synthetic accuracy, since the pooled figure is mostly synthetic - is
refitted on the whole training split and scored once on the held-out split.
CV table, held-out accuracy overall and per source, and confusion matrices go
into the weights file's ``record``.

Usage::

    python scripts/train_light.py --data /path/to/data [--out FILE] [--cv-only]
                                  [--baseline OLD_WEIGHTS.json]
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
from lumos.light import FEATURE_NAMES, fit_logistic, fit_stumps, light_features
from lumos.light._classifier import WEIGHTS_PATH, LightModel

LABELS = Path(__file__).resolve().parents[1] / "src" / "lumos" / "light" / "labels_real.csv"
CLEAN_SETS = ("kodak24", "cbsd68", "mcmaster")
VARIANTS = 6  # per clean image: 3 uniform, 3 uneven
FIELD_KINDS = ("gradient", "spotlights", "vignette", "backlight", "lamps")
STOPS = (4.0, 10.0)  # span of the uneven fields, p95/p5 in linear light
FOLDS, CV_REPEATS = 5, 3
N_BASE = 8  # the first eight features: the previous model's inputs
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
            img = _read(root / r["file"])
            out.append(
                {
                    "source": source,
                    "name": r["file"],
                    "y": int(r["label"] == "uneven"),
                    "test": test,
                    "x": light_features(img),
                    "thumb": _thumb(img),
                }
            )
    _group_near_duplicates(out)
    return out


def _thumb(rgb: np.ndarray) -> np.ndarray:
    grey = cv2.resize(rgb.mean(axis=2), (32, 32), interpolation=cv2.INTER_AREA).ravel()
    return (grey - grey.mean()) / (grey.std() + 1e-6)


def _group_near_duplicates(examples: list[dict], threshold: float = 0.9) -> None:
    """Give near-duplicate photos (thumbnail correlation > threshold) one CV group."""
    thumbs = np.stack([e.pop("thumb") for e in examples])
    corr = thumbs @ thumbs.T / thumbs.shape[1]
    parent = list(range(len(examples)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(np.triu(corr > threshold, 1)), strict=True):
        parent[root(int(j))] = root(int(i))
    for i, e in enumerate(examples):
        e["group"] = "real:" + examples[root(i)]["name"]


def _backlight(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """A bright sky or window beyond a wavy boundary; the rest of the scene in its shade."""
    if rng.random() < 0.3:  # a window at one side: build it sideways
        return _backlight(w, h, rng).T.copy()
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    line = np.full(w, rng.uniform(0.25, 0.7) * h, np.float32)
    for k in range(3):
        amp = rng.uniform(0.0, 0.1) * h
        line += amp * np.sin(2 * np.pi * (k + 1) * xx[0] / w + rng.uniform(0, 2 * np.pi))
    soft = rng.uniform(0.003, 0.04) * max(h, w)  # silhouettes are sharp, haze is soft
    beyond = 1.0 / (1.0 + np.exp(np.clip((yy - line[None, :]) / soft, -50, 50)))
    shade = 0.05 + 0.05 * yy / h  # the near side is lit a little by the sky itself
    return (shade + beyond * (1.0 + 0.5 * (1.0 - yy / h))).astype(np.float32)


def _lamps(h: int, w: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Small sources with inverse-square fall-off, and their glowing cores (emitted light)."""
    side = float(max(h, w))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32) / side
    field = np.full((h, w), rng.uniform(0.005, 0.03), np.float32)
    emit = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(1, 6))):
        cy, cx = rng.uniform(0, h / side), rng.uniform(0, w / side)
        d2 = (xx - cx) ** 2 + (yy - cy) ** 2
        r = rng.uniform(0.03, 0.15)
        field += rng.uniform(0.3, 1.0) / (1.0 + d2 / (r * r))
        core = rng.uniform(0.004, 0.02)
        emit += rng.uniform(1.0, 8.0) * np.exp(-d2 / (2 * core * core))
    return field, emit


def _field(h: int, w: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, str]:
    """An uneven light field of :data:`STOPS` (p95/p5, linear light), emitted light, kind.

    The engine's fields top out near 4 stops at full strength, milder than a
    lamp at night (8-10 stops); raising one to a power keeps its layout and
    sets its range to what real uneven scenes show.
    """
    kind = FIELD_KINDS[int(rng.integers(0, len(FIELD_KINDS)))]
    emit = np.zeros((h, w), np.float32)
    if kind == "backlight":
        base = _backlight(h, w, rng)
    elif kind == "lamps":
        base, emit = _lamps(h, w, rng)
    else:
        base = light_field(h, w, kind, 1.0, seed=int(rng.integers(0, 2**31 - 1)))
    lo, hi = np.percentile(base, [5.0, 95.0])
    stops = float(np.log2(hi / lo))
    target = float(rng.uniform(*STOPS))
    field = base ** np.float32(target / max(stops, 0.5))
    field /= field.mean()
    return field.astype(np.float32), emit, kind


def _darken(
    clean: np.ndarray, field: np.ndarray, emit: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """The engine's camera model (linear light, Poisson-Gaussian noise, 8 bit) with ``field``.

    ``emit`` is light sent straight to the camera (lamp cores), added after
    the scene's reflectance; it clips like a real lamp.
    """
    params = sample_params(rng, uneven_probability=0.0)
    cast = np.asarray(params.color_cast, np.float32)
    signal = srgb_to_linear(clean) * (np.float32(params.exposure) * field)[..., None] * cast
    signal = signal + (emit[..., None] * np.float32([1.0, 0.85, 0.6]))
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
                field, emit, kind = _field(h, w, rng)
            else:
                field, emit, kind = np.ones((h, w), np.float32), np.zeros((h, w), np.float32), ""
            dark = _darken(clean, field, emit, rng)
            out.append(
                {
                    "source": "synthetic",
                    "name": f"{f.parent.name}/{f.name}#{v}",
                    "y": v % 2,
                    "test": i % 3 == 2,
                    "x": light_features(dark),
                    "group": f"synthetic:{f.parent.name}/{f.name}",
                    "kind": kind or "uniform",
                }
            )
    return out


def _weights(examples: list[dict], syn_share: float) -> np.ndarray:
    """Per-example weights: all synthetic examples together weigh ``syn_share`` x the real ones."""
    n_real = sum(e["source"] != "synthetic" for e in examples)
    n_syn = len(examples) - n_real
    w_syn = syn_share * n_real / max(n_syn, 1)
    return np.array([1.0 if e["source"] != "synthetic" else w_syn for e in examples])


def candidates() -> dict[str, dict]:
    """The model grid searched by cross-validation (name -> settings)."""
    grid: dict[str, dict] = {}
    for syn in (0.5, 1.0):
        for cols in ("base", "all"):
            for l2 in (1e-3, 1e-2, 1e-1):
                grid[f"logistic/{cols}/l2={l2:g}/syn={syn:g}"] = {
                    "kind": "logistic",
                    "cols": cols,
                    "l2": l2,
                    "syn_share": syn,
                }
            for rounds in (50, 100, 200, 400):
                for l2 in (1.0, 10.0):
                    grid[f"stumps/{cols}/rounds={rounds}/l2={l2:g}/syn={syn:g}"] = {
                        "kind": "stumps",
                        "cols": cols,
                        "rounds": rounds,
                        "l2": l2,
                        "syn_share": syn,
                    }
    return grid


def _columns(cfg: dict) -> np.ndarray:
    return np.arange(N_BASE if cfg["cols"] == "base" else len(FEATURE_NAMES))


def fit(cfg: dict, examples: list[dict]):
    """Fit one grid configuration; returns a model over *all* features (unused ones inert)."""
    x = np.stack([e["x"] for e in examples])
    y = np.array([e["y"] for e in examples])
    w = _weights(examples, cfg["syn_share"])
    cols = _columns(cfg)
    if cfg["kind"] == "logistic":
        m = fit_logistic(x[:, cols], y, l2=cfg["l2"], sample_weight=w)
        if len(cols) == len(FEATURE_NAMES):
            return m
        # Pad to every feature with zero weight, so the model reads light_features() as is.
        d = len(FEATURE_NAMES)
        mean, scale, weights = np.zeros(d), np.ones(d), np.zeros(d)
        mean[cols], scale[cols], weights[cols] = m.mean, m.scale, m.weights
        return type(m)(mean=mean, scale=scale, weights=weights, bias=m.bias)
    m = fit_stumps(x[:, cols], y, rounds=cfg["rounds"], l2=cfg["l2"], sample_weight=w)
    return type(m)(
        feature=cols[m.feature], threshold=m.threshold, left=m.left, right=m.right, bias=m.bias
    )


def _folds(examples: list[dict], seed: int) -> np.ndarray:
    groups = sorted({e["group"] for e in examples})
    order = np.random.default_rng(seed).permutation(len(groups))
    fold_of = {groups[g]: i % FOLDS for i, g in enumerate(order)}
    return np.array([fold_of[e["group"]] for e in examples])


def cross_validate(examples: list[dict], grid: dict[str, dict]) -> dict[str, dict]:
    """Grouped k-fold accuracy of every configuration, on ``examples`` only."""
    y = np.array([e["y"] for e in examples])
    real = np.array([e["source"] != "synthetic" for e in examples])
    x = np.stack([e["x"] for e in examples])
    out: dict[str, dict] = {}
    for name, cfg in grid.items():
        accs, real_accs, syn_accs = [], [], []
        for rep in range(CV_REPEATS):
            fold = _folds(examples, SEED + rep)
            pred = np.zeros(len(examples), int)
            for k in range(FOLDS):
                tr = [e for e, f in zip(examples, fold, strict=True) if f != k]
                model = fit(cfg, tr)
                pred[fold == k] = model.p_uneven(x[fold == k]) >= 0.5
            accs.append(float((pred == y).mean()))
            real_accs.append(float((pred[real] == y[real]).mean()))
            syn_accs.append(float((pred[~real] == y[~real]).mean()))
        out[name] = {
            # Real and synthetic count equally: the pooled figure is mostly synthetic.
            "cv_balanced": round(float(np.mean(real_accs) + np.mean(syn_accs)) / 2, 4),
            "cv_accuracy": round(float(np.mean(accs)), 4),
            "cv_accuracy_sd": round(float(np.std(accs)), 4),
            "cv_real_accuracy": round(float(np.mean(real_accs)), 4),
            "cv_synthetic_accuracy": round(float(np.mean(syn_accs)), 4),
        }
        print(f"{name:36s} {out[name]}", flush=True)
    return out


def confusion(model, examples: list[dict]) -> dict[str, list[list[int]]]:
    """Rows: true uniform, uneven; columns: predicted uniform, uneven."""
    x = np.stack([e["x"] for e in examples])
    y = np.array([e["y"] for e in examples])
    pred = (model.p_uneven(x) >= 0.5).astype(int)
    return [[int(((y == t) & (pred == p)).sum()) for p in (0, 1)] for t in (0, 1)]


def accuracy(model, examples: list[dict]) -> dict[str, dict]:
    res: dict[str, dict] = {}
    groups: dict[str, list[dict]] = {"all": examples}
    groups["real"] = [e for e in examples if e["source"] != "synthetic"]
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
            "confusion": confusion(model, items),
        }
    return res


class _Columns:
    """A model over some of :data:`FEATURE_NAMES` (an older weights file), fed all of them."""

    def __init__(self, model, names: list[str]) -> None:
        self.model = model
        self.cols = np.array([FEATURE_NAMES.index(n) for n in names])

    def p_uneven(self, x: np.ndarray) -> np.ndarray:
        return self.model.p_uneven(np.asarray(x)[..., self.cols])


def load_baseline(path: Path) -> _Columns:
    """A previously shipped weights file, to score on today's split for comparison."""
    m = json.loads(path.read_text())["model"]
    if m.get("kind", "logistic") != "logistic":
        raise SystemExit(f"{path}: only logistic baselines are supported")
    model = LightModel(
        mean=np.asarray(m["mean"]),
        scale=np.asarray(m["scale"]),
        weights=np.asarray(m["weights"]),
        bias=float(m["bias"]),
    )
    return _Columns(model, list(m["features"]))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True, help="root of the data sets")
    p.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    p.add_argument(
        "--cv-only",
        action="store_true",
        help="cross-validate on the training split and stop (the held-out split is not scored)",
    )
    p.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="an earlier weights file (logistic) to score on the same held-out split",
    )
    args = p.parse_args(argv)
    rng = np.random.default_rng(SEED)
    examples = real_examples(args.data) + synthetic_examples(args.data, rng)
    train = [e for e in examples if not e["test"]]
    test = [e for e in examples if e["test"]]
    grid = candidates()
    cv = cross_validate(train, grid)
    # Best balanced CV accuracy (mean of real and synthetic); ties go to the
    # earlier (simpler) entry of the grid.
    chosen = max(grid, key=lambda k: (cv[k]["cv_balanced"], -list(grid).index(k)))
    print("chosen:", chosen, cv[chosen])
    if args.cv_only:
        return 0
    model = fit(grid[chosen], train)
    record = {
        "date": dt.date.today().isoformat(),
        "script": "scripts/train_light.py",
        "seed": SEED,
        "labels": "src/lumos/light/labels_real.csv (labelled by eye, one reason per photo)",
        "clean_sets": list(CLEAN_SETS),
        "variants_per_clean_image": VARIANTS,
        "uneven_fields": list(FIELD_KINDS),
        "uneven_stops": list(STOPS),
        "split": "every third photo per source (sorted) and every third clean image held out",
        "cv": f"{FOLDS}-fold grouped, {CV_REPEATS} repeats, training split only; "
        "chosen by cv_balanced (mean of real and synthetic CV accuracy)",
        "chosen": chosen,
        "cv_results": cv,
        "train": accuracy(model, train),
        "test": accuracy(model, test),
        "confusion_layout": "rows true uniform/uneven, columns predicted uniform/uneven",
    }
    if args.baseline is not None:
        record["baseline"] = {
            "weights": str(args.baseline),
            "test": accuracy(load_baseline(args.baseline), test),
        }
    args.out.write_text(json.dumps({"model": model.to_dict(), "record": record}, indent=1) + "\n")
    print(json.dumps({k: {kk: vv for kk, vv in v.items()} for k, v in record["test"].items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
