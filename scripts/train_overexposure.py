"""Fit the over-exposure regressor and write ``src/lumos/overexposure/over_weights.json``.

Data
----
Well-exposed photos only, made into synthetic exposure errors at run time
(:mod:`lumos.overexposure._train`): CBSD68 (68) and the LOL v1 ``high/`` references
(``lol_v1_our485_subset`` and ``lol_v1_our485_more``, 188 indoor photos). Never
Set14 or McMaster (``bench/exposure.py`` builds its test set from them), nor
``exposure_errors_real`` (the real benchmark), Kodak24, cc15, Set5 or LOL eval15 (the
do-no-harm sets).

Split
-----
In each source, in sorted order, every third photo is held out (with all its
variants). Model selection (ridge or a one-layer MLP, a small grid) is on the
held-out part's mean absolute error in stops and on how many +1 / +1.5 EV variants
read over the dead zone that the held-out EV <= 0 photos allow; the chosen model is
refitted on the training part only (the held-out CBSD68 photos stay a do-no-harm set).

Usage::

    python scripts/train_overexposure.py [--data ../shared/data] [--out FILE]
                                         [--quick] [--seed 26]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from lumos.analysis import make_proxy  # noqa: E402
from lumos.io import read_image  # noqa: E402
from lumos.overexposure import FEATURE_NAMES, WEIGHTS_PATH  # noqa: E402
from lumos.overexposure._model import OverModel  # noqa: E402
from lumos.overexposure._train import (  # noqa: E402
    Example,
    average_mlps,
    fit_mlp,
    fit_ridge,
    make_examples,
)
from lumos.stages.exposure import OVER_DEAD_ZONE  # noqa: E402

SOURCES = ("cbsd68", "lol_v1_our485_subset/high", "lol_v1_our485_more/high")
EXTS = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}
GRID: tuple[tuple[str, dict[str, float]], ...] = (
    ("ridge", {"l2": 30.0}),
    ("mlp", {"hidden": 16, "l2": 1e-2}),
    ("mlp", {"hidden": 32, "l2": 1e-2}),
    ("mlp", {"hidden": 32, "l2": 3e-2}),
)
ENSEMBLE = 5
"""MLPs (seeds) averaged into one (their hidden layers side by side): steadier on photos
unlike the training data than any one of them."""


def load(data: Path, limit: int | None) -> tuple[list[np.ndarray], list[np.ndarray], list[str]]:
    train, held, names = [], [], []
    for src in SOURCES:
        paths = sorted(p for p in (data / src).iterdir() if p.suffix.lower() in EXTS)[:limit]
        for i, p in enumerate(paths):
            # The analysis proxy (512 px), as the verdict sees a photo at run time.
            img = make_proxy(read_image(p).rgb)
            (held if i % 3 == 2 else train).append(img)
            if i % 3 == 2:
                names.append(f"{src}/{p.name}")
    return train, held, names


def arrays(ex: list[Example]) -> tuple[np.ndarray, np.ndarray]:
    return np.stack([e.features for e in ex]), np.array([e.ev for e in ex])


def fit(kind: str, hp: dict[str, float], x: np.ndarray, y: np.ndarray, seed: int) -> OverModel:
    target = np.maximum(y, 0.0)
    # Correct and under-exposed photos weigh double: a false darkening costs more than a
    # missed one (leaving a photo alone is the floor).
    w = np.where(y <= 0.0, 2.0, 1.0)
    if kind == "ridge":
        return fit_ridge(x, target, l2=hp["l2"], w=w)
    members = [
        fit_mlp(x, target, hidden=int(hp["hidden"]), l2=hp["l2"], seed=seed + k, w=w)
        for k in range(ENSEMBLE)
    ]
    return average_mlps(members)


def score(model: OverModel, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    pred = np.maximum(model.predict(x), 0.0)
    target = np.maximum(y, 0.0)
    zero = y <= 0.0
    bar = float(np.percentile(pred[zero], 99))  # a dead zone with 1% false alarms here
    out = {
        "mae_stops": float(np.abs(pred - target).mean()),
        "mae_over": float(np.abs(pred - target)[~zero].mean()),
        "max_pred_ev_le_0": float(pred[zero].max()),
        "p99_pred_ev_le_0": float(np.percentile(pred[zero], 99)),
    }
    for lo, hi in ((0.75, 1.25), (1.25, 1.75), (1.75, 2.5)):
        band = (y >= lo) & (y < hi)
        out[f"caught_{lo}-{hi}_over_p99"] = float(np.mean(pred[band] > bar)) if band.any() else 0.0
    # At the shipped dead zone's start (lumos.stages.exposure.OVER_DEAD_ZONE), ignoring
    # the blacks check: the share of held-out EV <= 0 and of EV +1 / +1.5 over it.
    at = OVER_DEAD_ZONE[0]
    out["false_over_dead_zone"] = float(np.mean(pred[zero] > at))
    for lo, hi in ((0.75, 1.25), (1.25, 1.75)):
        band = (y >= lo) & (y < hi)
        out[f"caught_{lo}-{hi}_over_dead_zone"] = float(np.mean(pred[band] > at))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    ap.add_argument("--seed", type=int, default=26)
    ap.add_argument("--quick", action="store_true", help="6 photos per source, small grid")
    ap.add_argument("--cache", type=Path, default=None, help="features .npz to reuse/write")
    ap.add_argument("--grid", default=None, help="comma-separated GRID indices to try")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    if args.cache is not None and args.cache.exists():
        z = np.load(args.cache)
        xt, yt, xv, yv = z["xt"], z["yt"], z["xv"], z["yv"]
        n_train, n_held = int(z["n_train"]), int(z["n_held"])
    else:
        train, held, _ = load(args.data, 6 if args.quick else None)
        n_train, n_held = len(train), len(held)
        xt, yt = arrays(make_examples(train, rng))
        xv, yv = arrays(make_examples(held, rng, group_offset=10_000))
        if args.cache is not None:
            np.savez(args.cache, xt=xt, yt=yt, xv=xv, yv=yv, n_train=n_train, n_held=n_held)
    print(f"train {n_train} photos, {len(yt)} examples; held out {n_held}, {len(yv)}")
    grid = GRID[:2] if args.quick else GRID
    if args.grid:
        grid = tuple(GRID[int(i)] for i in args.grid.split(","))
    results, fitted = [], []
    for kind, hp in grid:
        m = fit(kind, hp, xt, yt, args.seed)
        s = score(m, xv, yv)
        fitted.append(m)
        results.append({"kind": kind, **hp, **{k: round(v, 4) for k, v in s.items()}})
        print(json.dumps(results[-1]))
    # Most +1 / +1.5 EV photos caught over the held-out 1%-false-alarm bar, then MAE.
    i_best = max(
        range(len(results)),
        key=lambda i: (
            results[i]["caught_0.75-1.25_over_p99"] + results[i]["caught_1.25-1.75_over_p99"],
            -results[i]["mae_stops"],
        ),
    )
    best, model = results[i_best], fitted[i_best]  # fitted on the training part only
    record = {
        "trained": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "script": "scripts/train_overexposure.py "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "seed": args.seed,
        "data": list(SOURCES),
        "split": "every third photo of each source (sorted) held out, with its variants",
        "photos": {"train": n_train, "held_out": n_held},
        "examples": {"train": len(yt), "held_out": len(yv)},
        "variants": "per photo: itself, 2 re-rendered at EV 0, 5 over (EV 0.25-2.5), "
        "2 under (EV -2 to -0.5), against a bright sky (top or side, 15-65% of the frame, "
        "40% coloured) and on a white page, each at EV 0 and over; "
        "hard clip or soft shoulder, noise 30%, JPEG 70-95 70%",
        "grid": results,
        "chosen": best,
        "held_out_score": score(model, xv, yv),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"model": model.to_dict(), "record": record}, f, indent=1)
    print(f"wrote {args.out} ({best['kind']}, {len(FEATURE_NAMES)} features)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
