"""Super-resolution benchmark of ``--scale``: Set5/Set14, and low-light Kodak with ground truth.

Tables (Markdown, printed):

1. **Set5 / Set14, clean** - the standard test: each image is shrunk with an
   antialiased bicubic filter (Pillow, as MATLAB's ``imresize``) and enlarged
   again; PSNR and SSIM on the 8-bit Y channel (BT.601) with ``scale`` pixels of
   border cropped. Methods: bicubic (Pillow), the classical upscaler (Lanczos +
   noise-gated sharpening) and the learned LumosSR; at x4 also LumosSR x2 run
   twice.
2. **Set5 / Set14, noisy** - the same with Gaussian noise (std 10/255) added to
   the shrunk image; the upscalers get the level lumos measures on it
   (:func:`lumos.analysis.estimate_noise`, as ``--scale`` does).
3. **Low-light Kodak24** - each clean Kodak photo is the ground truth. It is
   shrunk by the scale, darkened and given camera noise (:func:`lumos.data.darken`,
   fixed parameters, a seed per image), then enhanced by lumos and enlarged back:
   ``enhance + bicubic``, ``--scale`` with the classical upscaler, ``--scale``
   with LumosSR. Scored against the original: PSNR, GT-mean PSNR (labelled;
   exposure taken from the reference) and NIQE (lower is more natural).
   Kodak24 is not used to train LumosSR.

Crops of the low-light case and of Set14 are written to ``docs/`` with ``--crops``.

Usage: python bench/sr.py [--data ../shared/data] [--scales 2 4] [--crops]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from lumos.analysis import estimate_noise  # noqa: E402
from lumos.config import EnhanceOptions  # noqa: E402
from lumos.data import DarkenParams, darken  # noqa: E402
from lumos.eval import gt_mean_psnr, psnr, ssim  # noqa: E402
from lumos.eval.niqe import niqe  # noqa: E402
from lumos.pipeline import run_pipeline  # noqa: E402
from lumos.stages.upscale import upscale_image  # noqa: E402

DATA = REPO.parent / "shared" / "data"
DOCS = REPO / "docs"
NOISE = 10 / 255
LOWLIGHT = {
    "dim": DarkenParams(exposure=1 / 8, shot_noise=1e-4, read_noise=8e-4),
    "dark": DarkenParams(exposure=1 / 12, shot_noise=3e-4, read_noise=1.5e-3),
}
"""Low-light cases: a dim room and a dark one (phone-like shot and read noise), 8-bit PNG."""


def read_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def shrink(hr_u8: np.ndarray, scale: int) -> np.ndarray:
    """Antialiased bicubic downscale of a uint8 image (the SR test convention); float32."""
    h, w = hr_u8.shape[:2]
    small = Image.fromarray(hr_u8).resize((w // scale, h // scale), Image.Resampling.BICUBIC)
    return np.asarray(small).astype(np.float32) / 255


def pil_bicubic_up(lr: np.ndarray, scale: int) -> np.ndarray:
    u8 = np.clip(lr * 255 + 0.5, 0, 255).astype(np.uint8)
    h, w = u8.shape[:2]
    big = Image.fromarray(u8).resize((w * scale, h * scale), Image.Resampling.BICUBIC)
    return np.asarray(big).astype(np.float32) / 255


def y_u8(rgb: np.ndarray) -> np.ndarray:
    rgb = np.clip(np.round(np.clip(rgb, 0, 1) * 255) / 255, 0, 1)
    y = 16.0 + rgb @ np.array([65.481, 128.553, 24.966])
    return np.round(y).astype(np.uint8)


def score_y(out: np.ndarray, ref: np.ndarray, border: int) -> tuple[float, float]:
    a, b = y_u8(out), y_u8(ref)
    a, b = a[border:-border, border:-border], b[border:-border, border:-border]
    return psnr(a, b), ssim(a, b)


def _methods(scale: int, sigma: float) -> dict:
    """Upscalers; ``sigma`` (0 = clean) is replaced by the level lumos measures on the input."""
    level = (lambda lr: estimate_noise(lr)[0]) if sigma else (lambda lr: 0.0)
    m = {
        "bicubic": lambda lr: pil_bicubic_up(lr, scale),
        "classical": lambda lr: upscale_image(lr, scale=scale, noise_sigma=level(lr),
                                              method="classical"),
        "LumosSR": lambda lr: upscale_image(lr, scale=scale, noise_sigma=level(lr),
                                            method="learned"),
    }  # fmt: skip
    if scale == 4 and not sigma:
        m["LumosSR x2 twice"] = lambda lr: upscale_image(
            upscale_image(lr, scale=2, method="learned"), scale=2, method="learned"
        )
    return m


def sr_table(data: Path, scales: list[int], sigma: float) -> tuple[str, dict]:
    rng = np.random.default_rng(0)
    sets = {name: sorted((data / name).iterdir()) for name in ("set5", "set14")}
    lines = ["| set | scale | method | PSNR-Y dB | SSIM-Y | gain vs bicubic dB |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    results: dict = {}
    for scale in scales:
        for name, files in sets.items():
            scores: dict[str, list[tuple[float, float]]] = {}
            for f in files:
                hr = read_rgb(f)
                h, w = hr.shape[:2]
                hr = hr[: h - h % scale, : w - w % scale]
                lr = shrink(hr, scale)
                if sigma:
                    lr = lr + np.float32(sigma) * rng.standard_normal(lr.shape, dtype=np.float32)
                    lr = (np.round(np.clip(lr, 0, 1) * 255) / 255).astype(np.float32)
                ref = hr.astype(np.float32) / 255
                for method, fn in _methods(scale, sigma).items():
                    scores.setdefault(method, []).append(score_y(fn(lr), ref, scale))
            base = np.mean([s[0] for s in scores["bicubic"]])
            for method, s in scores.items():
                p, q = float(np.mean([v[0] for v in s])), float(np.mean([v[1] for v in s]))
                results[(name, scale, method)] = (p, q)
                lines.append(f"| {name} | x{scale} | {method} | {p:.2f} | {q:.4f} | "
                             f"{p - base:+.2f} |")  # fmt: skip
    return "\n".join(lines), results


def _enhance(dark: np.ndarray, scale: int, upscaler: str) -> np.ndarray:
    opts = EnhanceOptions(scale=scale, upscaler=upscaler)
    return run_pipeline(dark, opts).rgb


def lowlight(data: Path, scale: int, level: str, crops: bool) -> str:
    files = sorted((data / "kodak24").glob("*.png"))
    methods = {
        "enhance + bicubic": lambda d: pil_bicubic_up(_enhance(d, 1, "auto"), scale),
        "enhance --scale (classical)": lambda d: _enhance(d, scale, "classical"),
        "enhance --scale (LumosSR)": lambda d: _enhance(d, scale, "learned"),
    }
    acc: dict[str, list[tuple[float, float, float]]] = {m: [] for m in methods}
    secs: dict[str, float] = dict.fromkeys(methods, 0.0)
    picked = []
    for i, f in enumerate(files):
        hr_u8 = read_rgb(f)
        h, w = hr_u8.shape[:2]
        hr_u8 = hr_u8[: h - h % scale, : w - w % scale]
        ref = hr_u8.astype(np.float32) / 255
        dark = darken(shrink(hr_u8, scale), LOWLIGHT[level], seed=1000 + i)
        outs = {}
        for m, fn in methods.items():
            t0 = time.perf_counter()
            out = fn(dark)
            secs[m] += time.perf_counter() - t0
            acc[m].append((psnr(out, ref), gt_mean_psnr(out, ref), niqe(out)))
            outs[m] = out
        if crops and f.stem in ("kodim05", "kodim13", "kodim23"):
            picked.append((f.stem, dark, outs, ref))
    p = LOWLIGHT[level]
    lines = [f"Low-light Kodak24 at x{scale}, {level} ({len(files)} images; input "
             f"{ref.shape[1] // scale}x{ref.shape[0] // scale}; exposure 1/{1 / p.exposure:.0f}, "
             f"shot noise {p.shot_noise:g}, read noise {p.read_noise:g})", "",
             "| method | PSNR dB | GT-mean PSNR dB (labelled) | NIQE | s/image |",
             "|---|---|---|---|---|"]  # fmt: skip
    for m, v in acc.items():
        a = np.array(v)
        lines.append(f"| {m} | {a[:, 0].mean():.2f} | {a[:, 1].mean():.2f} | "
                     f"{a[:, 2].mean():.2f} | {secs[m] / len(files):.2f} |")  # fmt: skip
    if picked:
        save_crops(picked, scale, DOCS / f"sr_crops_kodak_{level}_x{scale}.png")
    return "\n".join(lines)


def _label(tile: np.ndarray, text: str) -> np.ndarray:
    out = np.ascontiguousarray(tile.copy())
    cv2.rectangle(out, (0, 0), (out.shape[1], 18), (0, 0, 0), -1)
    cv2.putText(out, text, (4, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (255, 255, 255), 1,
                cv2.LINE_AA)  # fmt: skip
    return out


def _crop(img: np.ndarray, y: int, x: int, size: int) -> np.ndarray:
    c = np.clip(img[y : y + size, x : x + size] * 255 + 0.5, 0, 255).astype(np.uint8)
    return cv2.resize(c, (192, 192), interpolation=cv2.INTER_NEAREST)


def save_crops(picked: list, scale: int, path: Path) -> None:
    """One row per photo: the dark input (nearest, brightened x4 for display), methods, truth."""
    rows = []
    size = 96
    for stem, dark, outs, ref in picked:
        # The crop with the most detail in the truth (largest luma variance on a grid).
        y_best, x_best, best = 0, 0, -1.0
        h, w = ref.shape[:2]
        for y in range(0, h - size, size // 2):
            for x in range(0, w - size, size // 2):
                v = float(ref[y : y + size, x : x + size].std())
                if v > best:
                    y_best, x_best, best = y, x, v
        y, x = y_best, x_best
        shown = np.clip(np.repeat(np.repeat(dark, scale, 0), scale, 1) * 4, 0, 1)
        tiles = [_label(_crop(shown, y, x, size), f"{stem} input x4 light")]
        for m, out in outs.items():
            tiles.append(_label(_crop(out, y, x, size), m.replace("enhance ", "")))
        tiles.append(_label(_crop(ref, y, x, size), "ground truth"))
        rows.append(np.concatenate(tiles, axis=1))
    grid = np.concatenate(rows, axis=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(grid).save(path, optimize=True)
    print(f"wrote {path.relative_to(REPO)}", file=sys.stderr)


def set14_crops(data: Path, scale: int, path: Path) -> None:
    """Clean and noisy x``scale`` crops of Set14 images: bicubic, classical, LumosSR, truth."""
    rng = np.random.default_rng(1)
    rows = []
    for stem, (y, x), sigma in (("comic", (60, 60), 0.0), ("zebra", (120, 200), 0.0),
                                ("lenna", (220, 220), NOISE)):  # fmt: skip
        hr = read_rgb(next((data / "set14").glob(f"{stem}.*")))
        h, w = hr.shape[:2]
        hr = hr[: h - h % scale, : w - w % scale]
        lr = shrink(hr, scale)
        if sigma:
            lr = lr + np.float32(sigma) * rng.standard_normal(lr.shape, dtype=np.float32)
            lr = (np.round(np.clip(lr, 0, 1) * 255) / 255).astype(np.float32)
        ref = hr.astype(np.float32) / 255
        note = f" noisy {round(sigma * 255)}/255" if sigma else ""
        tiles = [_label(_crop(fn(lr), y, x, 96), f"{stem}{note} {m}")
                 for m, fn in _methods(scale, sigma).items() if "twice" not in m]  # fmt: skip
        tiles.append(_label(_crop(ref, y, x, 96), "ground truth"))
        rows.append(np.concatenate(tiles, axis=1))
    Image.fromarray(np.concatenate(rows, axis=0)).save(path, optimize=True)
    print(f"wrote {path.relative_to(REPO)}", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--scales", type=int, nargs="+", default=[2, 4], choices=(2, 4))
    ap.add_argument("--crops", action="store_true", help="write docs/sr_crops_*.png")
    ap.add_argument("--skip-lowlight", action="store_true")
    args = ap.parse_args()
    table, _ = sr_table(args.data, args.scales, 0.0)
    print("### Set5 / Set14, clean (bicubic-shrunk input)\n")
    print(table, flush=True)
    table, _ = sr_table(args.data, args.scales, NOISE)
    print(f"\n### Set5 / Set14, noisy (Gaussian std {round(NOISE * 255)}/255 after shrinking)\n")
    print(table, flush=True)
    if args.crops:
        for s in args.scales:
            set14_crops(args.data, s, DOCS / f"sr_crops_set14_x{s}.png")
    if not args.skip_lowlight:
        for s in args.scales:
            for level in LOWLIGHT:
                print("\n### " + lowlight(args.data, s, level, args.crops), flush=True)


if __name__ == "__main__":
    main()
