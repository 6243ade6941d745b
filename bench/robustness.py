"""Does a score measured on small PNGs hold for the photos people have?

The paired benchmarks are LOL photos: 600 x 400 PNGs. Users bring 12 MP JPEGs
and the odd thumbnail. This runs the held-out our485 scenes (never trained on)
through the whole pipeline as they are and changed the two ways real photos
differ, and prints PSNR / SSIM against the references:

* size: the low photo resized (cubic up, area down) by 0.5, 2 and 4; the output
  is resized back to the reference's size before scoring;
* JPEG: the low photo saved as a JPEG of quality 95, 85 and 75 first;
* HEIC (phones' default; with the ``heic`` extra): saved as HEIC of quality 80
  and 50 (libheif's scale; a dark LOL photo takes 3.8 and 0.5 bits per pixel,
  against 1.0 as a quality-85 JPEG).

Usage: python bench/robustness.py [--data ../shared/data] [--model lumosnet]
Writes the table to standard output (``make bench`` keeps it in docs/robustness.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from lumos.config import EnhanceOptions  # noqa: E402
from lumos.data import jpeg_roundtrip  # noqa: E402
from lumos.eval import psnr, ssim  # noqa: E402
from lumos.pipeline import run_pipeline  # noqa: E402
from lumos.train.dataset import VAL_LOL  # noqa: E402

SCALES = (0.5, 1.0, 2.0, 4.0)
QUALITIES = (95, 85, 75)
HEIC_QUALITIES = (80, 50)


def heic_roundtrip(rgb: np.ndarray, quality: int) -> np.ndarray:
    """``rgb`` saved as a HEIC of ``quality`` and decoded again (needs pillow-heif)."""
    import io

    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    Image.fromarray(np.round(np.clip(rgb, 0.0, 1.0) * 255).astype(np.uint8)).save(
        buf, format="HEIF", quality=quality
    )
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"), np.float32) / 255.0


def _heic_available() -> bool:
    try:
        import pillow_heif  # noqa: F401
    except ImportError:
        return False
    return True


def _read_u8(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise SystemExit(f"cannot read {path}")
    return bgr


def _to_rgb(bgr: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0


def _resize(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    up = size[0] > rgb.shape[1]
    out = cv2.resize(rgb, size, interpolation=cv2.INTER_CUBIC if up else cv2.INTER_AREA)
    return np.clip(out, 0.0, 1.0)


def score(
    pairs,
    options: EnhanceOptions,
    *,
    scale: float = 1.0,
    quality: int | None = None,
    heic: int | None = None,
):
    """Mean PSNR / SSIM of the pipeline's outputs against the references."""
    psnrs, ssims = [], []
    for low_path, high_path in pairs:
        low, ref = _to_rgb(_read_u8(low_path)), _to_rgb(_read_u8(high_path))
        if quality is not None:
            low = jpeg_roundtrip(low, quality)
        if heic is not None:
            low = heic_roundtrip(low, heic)
        h, w = low.shape[:2]
        if scale != 1.0:
            low = _resize(low, (round(w * scale), round(h * scale)))
            # The reference at the same size, for the half-size photos: they have lost detail.
            if scale < 1.0:
                ref = _resize(ref, (low.shape[1], low.shape[0]))
        # As `lumos enhance` does for a JPEG or HEIC file (ImageMeta.lossy).
        lossy = quality is not None or heic is not None
        out = run_pipeline(low, options, lossy=lossy).rgb
        if scale > 1.0:
            out = _resize(out, (w, h))
        out = np.round(np.clip(out, 0.0, 1.0) * 255) / 255
        psnrs.append(psnr(out, ref))
        ssims.append(ssim(out, ref))
    return float(np.mean(psnrs)), float(np.mean(ssims))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--model", default="lumosnet")
    args = ap.parse_args()
    folder = args.data / "lol_v1_our485_subset"
    pairs = [(folder / "low" / f"{n}.png", folder / "high" / f"{n}.png") for n in VAL_LOL]
    if not all(p.is_file() and q.is_file() for p, q in pairs):
        raise SystemExit(f"the held-out our485 scenes are not under {folder}")
    options = EnhanceOptions(model=args.model)
    t0 = time.time()
    rows = [(f"size x{s:g}", *score(pairs, options, scale=s)) for s in SCALES]
    rows += [(f"JPEG quality {q}", *score(pairs, options, quality=q)) for q in QUALITIES]
    if _heic_available():
        rows += [(f"HEIC quality {q}", *score(pairs, options, heic=q)) for q in HEIC_QUALITIES]
    print(f"# Robustness: {len(pairs)} held-out our485 scenes, model={args.model}")
    print()
    print(f"`python bench/robustness.py`, {time.time() - t0:.0f} s. Plain PSNR / SSIM.")
    print()
    print("| low photo | PSNR | SSIM |")
    print("|---|---|---|")
    for name, p, s in rows:
        print(f"| {name} | {p:.2f} | {s:.3f} |")


if __name__ == "__main__":
    main()
