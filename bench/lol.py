"""PSNR / SSIM of the classical enhancer on a LOL-style paired folder.

The folder holds ``low/`` and ``high/`` with the same file names. Each low image
is enhanced whole-frame (``analyse`` + ``ClassicalEnhancer``), and compared with
its reference: plain PSNR and SSIM (no GT-mean rescaling; ``--gt-mean`` adds
that column, labelled, for comparison with papers that report it).

Usage: python bench/lol.py [FOLDER] [--out DIR] [--gt-mean] [--denoise X] [--detail X]
       [--brightness X]
Default FOLDER: ../shared/data/lol_v1_eval15 relative to the repository.
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

from lumos.analysis import analyse  # noqa: E402
from lumos.eval import gt_mean_psnr, psnr, ssim  # noqa: E402
from lumos.stages import ClassicalEnhancer  # noqa: E402

DEFAULT = REPO.parent / "shared" / "data" / "lol_v1_eval15"
EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")


def read_rgb(path: Path) -> np.ndarray:
    """An 8-bit image file as RGB float32 in [0, 1]."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise SystemExit(f"cannot read {path}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0


def enhance(
    rgb: np.ndarray,
    *,
    denoise: float | None = None,
    detail: float | None = None,
    brightness: float | None = None,
) -> np.ndarray:
    """Whole-frame classical enhancement."""
    enh = ClassicalEnhancer()
    plan = enh.prepare(rgb, analyse(rgb), denoise=denoise, detail=detail, brightness=brightness)
    h, w = rgb.shape[:2]
    return np.clip(enh.process_region(rgb, plan, (0, h, 0, w)).image, 0.0, 1.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--out", type=Path, help="write enhanced PNGs here")
    ap.add_argument("--gt-mean", action="store_true", help="also report GT-mean PSNR")
    ap.add_argument("--denoise", type=float)
    ap.add_argument("--detail", type=float)
    ap.add_argument("--brightness", type=float)
    args = ap.parse_args(argv)

    low_dir, high_dir = args.folder / "low", args.folder / "high"
    names = sorted(p.name for p in low_dir.iterdir() if p.suffix.lower() in EXTS)
    if not names:
        raise SystemExit(f"no images in {low_dir}")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    header = f"{'image':<16}{'PSNR':>8}{'SSIM':>8}"
    if args.gt_mean:
        header += f"{'GTmean-PSNR':>13}"
    print(header)
    rows = []
    t_total = 0.0
    for name in names:
        low = read_rgb(low_dir / name)
        ref = read_rgb(high_dir / name)
        t0 = time.perf_counter()
        out = enhance(low, denoise=args.denoise, detail=args.detail, brightness=args.brightness)
        t_total += time.perf_counter() - t0
        row = [psnr(out, ref), ssim(out, ref)]
        if args.gt_mean:
            row.append(gt_mean_psnr(out, ref))
        rows.append(row)
        print(
            f"{name:<16}"
            + "".join(f"{v:>8.3f}" if i < 2 else f"{v:>13.3f}" for i, v in enumerate(row))
        )
        if args.out:
            u8 = np.clip(out * 255.0 + 0.5, 0, 255).astype(np.uint8)
            cv2.imwrite(str(args.out / (Path(name).stem + ".png")), u8[..., ::-1])
    mean = np.mean(rows, axis=0)
    print(
        f"{'mean':<16}"
        + "".join(f"{v:>8.3f}" if i < 2 else f"{v:>13.3f}" for i, v in enumerate(mean))
    )
    print(f"{len(names)} images, {t_total / len(names) * 1000:.0f} ms/image enhance")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
