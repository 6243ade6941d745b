"""Mixed frames (issue 26, item 3): a bright window in a dark room. Markdown on stdout.

Each held-out CBSD68 photo (every third in sorted order: the over-exposure regressor
never trained on them) gets a soft-edged "window" (the top-left 40% x 50%) pushed
+2 EV and a "room" (the right half and the bottom 40%, outside the window) pushed
-2 EV, in linear light, clipped, sRGB, JPEG q90. PSNR against the clean photo over the
whole frame, the window and the room, for the input and each variant (``model`` or
``model:exposure``, e.g. ``lumosnet:darken``), and how many were darkened.

``model+local:EV`` is an experiment, not a lumos option: the highlights stage's gain for
``EV`` stops, applied only where its base (linear luminance) is bright, through a soft
mask from 0 at :data:`LOCAL_MASK` [0] to 1 at [1], in front of the enhancer.

Usage: python bench/exposure_mixed.py [--data ../shared/data]
       [--variants identity,lumosnet,classical,lumosnet:darken,lumosnet+local:1.5]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from dataclasses import replace  # noqa: E402

from lumos.analysis import analyse  # noqa: E402
from lumos.config import EnhanceOptions  # noqa: E402
from lumos.data.synth import jpeg_roundtrip  # noqa: E402
from lumos.eval import psnr  # noqa: E402
from lumos.io import read_image  # noqa: E402
from lumos.pipeline import run_pipeline  # noqa: E402
from lumos.stages import highlights as hl  # noqa: E402
from lumos.stages._filters import sample_lowres  # noqa: E402
from lumos.stages.highlights import linear_to_srgb, srgb_to_linear  # noqa: E402

EV_WINDOW, EV_ROOM = 2.0, -2.0
LOCAL_MASK = (0.2, 0.6)
"""Base luminance (linear) over which the experimental local darkening fades in."""


def ev_map(h: int, w: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-pixel EV, and the window and room masks (where each is at full strength)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    win = ((xx < 0.4 * w) & (yy < 0.5 * h)).astype(np.float32)
    room = ((xx > 0.5 * w) | (yy > 0.6 * h)).astype(np.float32)
    k = max(3, round(0.03 * max(h, w))) | 1
    win, room = cv2.GaussianBlur(win, (k, k), 0), cv2.GaussianBlur(room, (k, k), 0)
    ev = EV_WINDOW * win + EV_ROOM * room * (1 - win)
    return ev, win > 0.5, (room > 0.5) & (win < 0.5)


def mixed(clean: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ev, win, room = ev_map(*clean.shape[:2])
    lin = np.clip(srgb_to_linear(clean) * (2.0**ev)[..., None].astype(np.float32), 0, 1)
    return jpeg_roundtrip(linear_to_srgb(lin), 90), win, room


def local_darken(rgb: np.ndarray, ev: float) -> np.ndarray:
    """The experiment: the stage's gain for ``ev`` stops, masked to the bright base."""
    plan = replace(hl.plan_highlights(rgb, analyse(rgb), "darken"), ev=float(ev))
    h, w = rgb.shape[:2]
    assert plan.coeffs is not None
    lin = srgb_to_linear(rgb)
    g = hl._log_luma(lin)
    ab = sample_lowres(plan.coeffs, (0, h, 0, w), plan.shape)
    base = np.clip(np.exp(ab[..., 0] * g + ab[..., 1]) - np.float32(1e-3), 1e-6, 1.0)
    _, gain = hl.darken_region(rgb, plan, (0, h, 0, w))
    mask = np.clip((base - LOCAL_MASK[0]) / (LOCAL_MASK[1] - LOCAL_MASK[0]), 0.0, 1.0)
    return linear_to_srgb(lin * (1 + mask * (gain - 1))[..., None])


def region_psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    return 10 * math.log10(1 / max(float(((a - b) ** 2)[mask].mean()), 1e-10))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--variants", default="identity,lumosnet,classical,lumosnet:darken")
    args = ap.parse_args()
    variants = [v for v in args.variants.split(",") if v]
    paths = sorted((args.data / "cbsd68").iterdir())
    held = [p for i, p in enumerate(paths) if i % 3 == 2]
    rows: dict[str, list[tuple[float, float, float, bool]]] = {v: [] for v in variants}
    for p in held:
        clean = read_image(p).rgb
        deg, win, room = mixed(clean)
        for v in variants:
            darkened = False
            if v == "identity":
                out = deg
            elif "+local:" in v:
                model, _, ev = v.partition("+local:")
                local = local_darken(deg, float(ev))
                out = run_pipeline(local, EnhanceOptions(model=model), lossy=True).rgb
                darkened = True
            else:
                model, _, mode = v.partition(":")
                opts = EnhanceOptions(model=model, exposure=mode or "auto")
                res = run_pipeline(deg, opts, lossy=True)
                out, darkened = res.rgb, bool(res.stats["exposure"]["darkened"])
            scores = (psnr(out, clean), region_psnr(out, clean, win), region_psnr(out, clean, room))
            rows[v].append((*scores, darkened))
    print(f"### Mixed frames: window +{EV_WINDOW:g} EV, room {EV_ROOM:g} EV, {len(held)} photos\n")
    print("Held-out CBSD68. PSNR (dB) against the clean photo, mean over the photos.\n")
    print("| variant | whole frame | window | room | darkened |")
    print("|---|---|---|---|---|")
    for v, r in rows.items():
        a = np.array([x[:3] for x in r])
        n = sum(x[3] for x in r)
        print(
            f"| {v} | {a[:, 0].mean():.2f} | {a[:, 1].mean():.2f} | {a[:, 2].mean():.2f} "
            f"| {n}/{len(r)} |"
        )
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
