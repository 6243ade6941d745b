"""Downstream benchmark (issue 26, after the colon paper): does exposure correction help a
machine match one scene shot at two exposures?

Pairs are made at run time from clean photos training never saw (Set14 and McMaster):
``A`` is the photo 2 stops under, ``B`` the same photo 1.5 stops over (MSEC's model:
linear light times ``2**EV``, clipped, sRGB, JPEG q90) warped by a known, seeded random
homography (corners moved by up to 8% of the frame, reflected borders), so matching is
not trivial. On each pair, as it is (raw), after CLAHE (on L of Lab) and after lumos
(each enhancer, ``--exposure auto``; and ``darken`` on the bright photo, as a user who
knows it is over-exposed would run it): SIFT (and ORB) keypoints, ratio-test matches,
RANSAC inliers, and whether the homography is recovered within 3 px (mean corner error,
:func:`lumos.eval.downstream.corner_error`).

Usage: python bench/exposure_matching.py [--data ../shared/data] [--limit N]
       [--models classical,lumosnet] [--methods sift,orb]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

from exposure import expose, images  # noqa: E402

from lumos.config import EnhanceOptions  # noqa: E402
from lumos.eval.downstream import corner_error, match_homography  # noqa: E402
from lumos.io import read_image  # noqa: E402
from lumos.pipeline import run_pipeline  # noqa: E402

UNDER, OVER = -2.0, 1.5
JITTER = 0.08
"""Largest corner displacement of the random homography, as a share of the frame."""
WITHIN = 3.0
"""Mean corner error (px) under which a homography counts as recovered."""


def random_homography(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    src = np.float32([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]])
    dst = src + rng.uniform(-JITTER, JITTER, (4, 2)).astype(np.float32) * np.float32([w, h])
    return cv2.getPerspectiveTransform(src, dst.astype(np.float32))


def clahe(rgb: np.ndarray) -> np.ndarray:
    """CLAHE on L of Lab (clip 2, 8x8 tiles): the usual classical pre-processing."""
    u8 = (np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8)
    lab = cv2.cvtColor(u8, cv2.COLOR_RGB2LAB)
    lab[..., 0] = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(lab[..., 0])
    return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB).astype(np.float32) / 255.0


def lumos(rgb: np.ndarray, model: str, exposure: str = "auto") -> np.ndarray:
    return run_pipeline(rgb, EnhanceOptions(model=model, exposure=exposure), lossy=True).rgb


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--limit", type=int, default=None, help="clean photos per set")
    ap.add_argument("--models", default="classical,lumosnet")
    ap.add_argument("--methods", default="sift,orb")
    args = ap.parse_args()
    models = [m for m in args.models.split(",") if m]
    methods = [m for m in args.methods.split(",") if m]
    rng = np.random.default_rng(26)
    paths = [p for f in ("set14", "mcmaster") for p in images(args.data / f)[: args.limit]]
    variants = ["raw", "CLAHE"]
    for m in models:
        variants += [f"lumos {m}", f"lumos {m} (darken B)"]
    # variant -> method -> list of (inliers, recovered)
    scores = {v: {k: [] for k in methods} for v in variants}
    for p in paths:
        clean = read_image(p).rgb
        h, w = clean.shape[:2]
        true = random_homography(h, w, rng)
        a = expose(clean, UNDER)
        b_flat = expose(clean, OVER)
        b = cv2.warpPerspective(b_flat, true, (w, h), borderMode=cv2.BORDER_REFLECT_101)
        pairs = {"raw": (a, b), "CLAHE": (clahe(a), clahe(b))}
        for m in models:
            la = lumos(a, m)
            pairs[f"lumos {m}"] = (la, lumos(b, m))
            pairs[f"lumos {m} (darken B)"] = (la, lumos(b, m, "darken"))
        for v, (x, y) in pairs.items():
            for k in methods:
                res, est = match_homography(x, y, method=k)
                scores[v][k].append((res["inliers"], corner_error(est, true, (h, w)) <= WITHIN))
        print(f"<!-- {p.stem} done -->", file=sys.stderr, flush=True)
    n = len(paths)
    print(f"### Matching across exposures: EV {UNDER:+g} against EV {OVER:+g} warped, {n} pairs\n")
    print(
        "Set14 + McMaster. Per detector: mean RANSAC inliers, and pairs whose homography is "
        f"recovered within {WITHIN:g} px (mean corner error).\n"
    )
    cols = " | ".join(f"{k.upper()} inliers | {k.upper()} recovered" for k in methods)
    print(f"| input | {cols} |")
    print("|---|" + "---|---|" * len(methods))
    for v in variants:
        cells = []
        for k in methods:
            s = scores[v][k]
            cells.append(f"{np.mean([i for i, _ in s]):.0f} | {sum(r for _, r in s)}/{n}")
        print(f"| {v} | " + " | ".join(cells) + " |")
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
