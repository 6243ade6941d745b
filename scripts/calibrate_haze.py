"""Calibrate the haze verdict (:mod:`lumos.analysis._haze`): confusion counts per set.

Measures the haze density of every photo of the hazy sets (real hazy photos,
SOTS-indoor hazy) and of the clear ones (SOTS-indoor clear, Kodak24, CBSD68) and
the dark ones (DICM, LIME, SCI, LOL eval15: dark, mostly clear), and prints a
markdown table of how many the verdict calls hazy at :data:`HAZY_AT`, plus the
highest densities of each set (where the line could go).

Usage: python scripts/calibrate_haze.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from lumos.analysis import HAZY_AT, make_proxy, measure_haze  # noqa: E402
from lumos.io import read_image  # noqa: E402

SETS = (
    ("haze_real_unpaired", "haze_real_unpaired", True),
    ("SOTS indoor hazy", "haze_sots_indoor/hazy", True),
    ("SOTS indoor clear", "haze_sots_indoor/clear", False),
    ("Kodak24", "kodak24", False),
    ("CBSD68", "cbsd68", False),
    ("DICM (dark)", "dicm", False),
    ("LIME (dark)", "lime", False),
    ("SCI (dark)", "sci_lowlight_unpaired", False),
    ("LOL eval15 low (dark)", "lol_v1_eval15/low", False),
)
EXTS = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}


def densities(folder: Path) -> list[tuple[str, float]]:
    """(name, haze density) of every image under ``folder``."""
    out = []
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in EXTS):
        rgb = read_image(path).rgb
        out.append((path.name, measure_haze(make_proxy(rgb)).density))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = ap.parse_args()
    print(f"| set | photos | hazy (density >= {HAZY_AT}) | should be | highest densities |")
    print("|---|---|---|---|---|")
    for label, sub, hazy in SETS:
        folder = args.data / sub
        if not folder.is_dir():
            print(f"| {label} | missing | | | |")
            continue
        d = densities(folder)
        called = sum(v >= HAZY_AT for _, v in d)
        top = ", ".join(f"{v:.2f}" for v in sorted((v for _, v in d), reverse=True)[:4])
        want = "hazy" if hazy else "clear"
        print(f"| {label} | {len(d)} | {called} | {want} | {top} |")
        if hazy:
            missed = [n for n, v in d if v < HAZY_AT]
            print(f"|  missed | | {len(missed)} | | {', '.join(missed)} |")
        mean = float(np.mean([v for _, v in d]))
        print(f"|  mean density | | | | {mean:.3f} |")


if __name__ == "__main__":
    main()
