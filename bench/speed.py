"""Speed and memory of `lumos enhance`, file to file, at several photo sizes.

Each size runs in a fresh subprocess so that its peak RSS is its own. The input
is the bundled sample, resized to the size and given fresh sensor-like noise,
saved as a JPEG; the timing covers read, analyse, enhance and write, as a user
would see it.

Usage: python bench/speed.py [--sizes 0.24 3 12 24] [--model classical] [--repeat 1]
                            [--scale 1|2|4] [--upscaler auto|learned|classical]
Prints a Markdown table; with ``--scale`` the sizes are the *input* sizes and an
``upscale s`` column shows the enlargement's share of ``enhance s``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "src" / "lumos" / "samples" / "dark_room.jpg"

_CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from lumos.config import EnhanceOptions
from lumos.io import read_image, write_image, DecodedImage
from lumos.pipeline import run_pipeline
t_import = time.perf_counter() - t0
src, dst, model = sys.argv[1], sys.argv[2], sys.argv[3]
scale, upscaler = int(sys.argv[4]), sys.argv[5]
t0 = time.perf_counter()
img = read_image(src)
t_read = time.perf_counter() - t0
t0 = time.perf_counter()
opts = EnhanceOptions(model=model, scale=scale, upscaler=upscaler)
res = run_pipeline(img.rgb, opts, alpha=img.alpha)
t_enh = time.perf_counter() - t0
t0 = time.perf_counter()
write_image(DecodedImage(res.rgb, res.alpha, img.meta), dst, overwrite=True)
t_write = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"read": t_read, "enhance": t_enh, "write": t_write, "rss_mb": rss,
                  "import": t_import, "timings": res.timings}))
"""


def make_input(megapixels: float, path: Path, seed: int = 0) -> tuple[int, int]:
    base = cv2.imread(str(SAMPLE))
    h0, w0 = base.shape[:2]
    scale = (megapixels * 1e6 / (h0 * w0)) ** 0.5
    w, h = round(w0 * scale), round(h0 * scale)
    img = cv2.resize(base, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    rng = np.random.default_rng(seed)
    img += rng.normal(0, 3.0, img.shape).astype(np.float32)
    cv2.imwrite(str(path), np.clip(img, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 92])
    return w, h


def run_one(src: Path, dst: Path, model: str, scale: int = 1, upscaler: str = "auto") -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(src), str(dst), model, str(scale), upscaler],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[0.24, 3, 12, 24])
    ap.add_argument("--model", default="classical")
    ap.add_argument("--repeat", type=int, default=1, help="runs per size; the fastest is shown")
    ap.add_argument("--scale", type=int, choices=(1, 2, 4), default=1, help="enlarge x2 or x4")
    ap.add_argument("--upscaler", default="auto", choices=("auto", "learned", "classical"))
    args = ap.parse_args()

    sr = args.scale > 1
    title = f"model={args.model}" + (f", scale={args.scale}, upscaler={args.upscaler}" * sr)
    print(f"lumos speed benchmark: {title}, {os.cpu_count()} CPU cores\n")
    extra = " out MP | upscale s |" if sr else ""
    print(f"| size | MP |{extra} read s | enhance s | write s | total s | s/MP | peak RSS MB |")
    print("|---|---|" + "---|---|" * sr + "---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for mp in args.sizes:
            src = Path(tmp) / f"in_{mp}.jpg"
            w, h = make_input(mp, src)
            runs = [
                run_one(src, Path(tmp) / f"out_{mp}.jpg", args.model, args.scale, args.upscaler)
                for _ in range(args.repeat)
            ]
            best = min(runs, key=lambda r: r["read"] + r["enhance"] + r["write"])
            total = best["read"] + best["enhance"] + best["write"]
            real_mp = w * h / 1e6
            cols = ""
            if sr:
                up = best["timings"].get("upscale", 0.0)
                cols = f" {real_mp * args.scale**2:.2f} | {up:.2f} |"
            print(
                f"| {w}x{h} | {real_mp:.2f} |{cols} {best['read']:.2f} | {best['enhance']:.2f} | "
                f"{best['write']:.2f} | {total:.2f} | {total / real_mp:.3f} | "
                f"{max(r['rss_mb'] for r in runs):.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
