"""Dark, compressed photos: does lumos brighten the JPEG blocks into tiles?

The set is made at run time from clean photos (nothing is committed): each one
is darkened with camera noise (:func:`lumos.data.darken`: exposure 1/30-1/10,
shot and read noise, grain correlated over about a pixel as demosaicing leaves
it) and saved as a JPEG of quality 20-60 with 4:2:0 chroma (Pillow,
``subsampling=2``), as a messaging app or a cheap phone would; each photo draws its
own exposure and quality from a fixed seed. The target is the clean photo.

Methods: the untouched dark JPEG (identity), ``classical``, and ``lumosnet`` with
the compression stage (:mod:`lumos.stages.deblock`) off ("before") and on
("after"); ``classical`` is shown both ways too. Scores: PSNR, GT-mean PSNR
(labelled: the output scaled to the reference's mean grey, so brightness choice
does not count), the output's blockiness on the 8 px grid
(:func:`lumos.eval.image_stats.blockiness`: 1 = no grid; the clean photos read
about 1.0) and seconds per megapixel of the whole pipeline.

Usage: python bench/compressed.py [--data ../shared/data] [--set kodak24] [--limit N]
                                 [--exposure 0.0333 0.1] [--quality 20 60]
(``--exposure 0.01 0.02``: the darker frames, gains of 10-25x, where the flats count.)
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import lumos.models.lumosnet as _lumosnet  # noqa: E402
import lumos.stages.classical as _classical  # noqa: E402
from lumos.config import EnhanceOptions  # noqa: E402
from lumos.data import DarkenParams, darken  # noqa: E402
from lumos.eval import gt_mean_psnr, psnr  # noqa: E402
from lumos.eval.image_stats import blockiness  # noqa: E402
from lumos.pipeline import run_pipeline  # noqa: E402
from lumos.stages.deblock import DeblockPlan  # noqa: E402

DATA = REPO.parent / "shared" / "data"
EXPOSURE = (1 / 30, 1 / 10)
QUALITY = (20, 60)


def read_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB")).astype(np.float32) / 255


def jpeg_420(rgb: np.ndarray, quality: int) -> np.ndarray:
    """``rgb`` saved as a baseline JPEG with 4:2:0 chroma and decoded again (Pillow)."""
    u8 = np.clip(rgb * 255 + 0.5, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(u8).save(buf, "JPEG", quality=int(quality), subsampling=2)
    buf.seek(0)
    with Image.open(buf) as im:
        return np.asarray(im.convert("RGB")).astype(np.float32) / 255


def compressed_dark(
    clean: np.ndarray,
    seed: int,
    exposures: tuple[float, float] = EXPOSURE,
    qualities: tuple[int, int] = QUALITY,
) -> tuple[np.ndarray, float, int]:
    """One dark JPEG of ``clean``: (decoded image, exposure, quality), fixed by ``seed``."""
    rng = np.random.default_rng(seed)
    exposure = float(np.exp(rng.uniform(np.log(exposures[0]), np.log(exposures[1]))))
    quality = int(rng.integers(qualities[0], qualities[1] + 1))
    params = DarkenParams(exposure=exposure, shot_noise=2e-4, read_noise=1.5e-3, noise_blur=0.8)
    dark = darken(clean, params, seed=seed)
    return jpeg_420(dark, quality), exposure, quality


def build_set(
    data: Path,
    name: str,
    limit: int | None,
    exposures: tuple[float, float] = EXPOSURE,
    qualities: tuple[int, int] = QUALITY,
) -> Iterator[tuple[str, np.ndarray, np.ndarray, float, int]]:
    """(name, dark JPEG, clean target, exposure, quality) per photo of ``data / name``."""
    files = sorted(p for p in (data / name).iterdir() if p.suffix.lower() in {".png", ".tif"})
    for i, f in enumerate(files[:limit]):
        clean = read_rgb(f)
        dark, exposure, quality = compressed_dark(clean, 1000 + i, exposures, qualities)
        yield f.stem, dark, clean, exposure, quality


def _off(image, blockiness, gain, *, lossy=False) -> DeblockPlan:
    return DeblockPlan(strength=0.0, flats=0.0, blockiness=float(blockiness), gain=float(gain))


@contextmanager
def deblock_off() -> Iterator[None]:
    """The enhancers as they were before the compression stage: its plan always off."""
    saved = _lumosnet.plan_deblock, _classical.plan_deblock
    _lumosnet.plan_deblock = _classical.plan_deblock = _off
    try:
        yield
    finally:
        _lumosnet.plan_deblock, _classical.plan_deblock = saved


def _runner(model: str, deblock: bool) -> Callable[[np.ndarray], tuple[np.ndarray, dict]]:
    def run(dark: np.ndarray) -> tuple[np.ndarray, dict]:
        opts = EnhanceOptions(model=model)
        if deblock:
            res = run_pipeline(dark, opts, lossy=True)
        else:
            with deblock_off():
                res = run_pipeline(dark, opts, lossy=True)
        return res.rgb, res.plan.params.get("deblock").to_dict()

    return run


METHODS: dict[str, Callable[[np.ndarray], tuple[np.ndarray, dict]]] = {
    "identity": lambda dark: (dark, {}),
    "classical, deblock off": _runner("classical", False),
    "classical": _runner("classical", True),
    "lumosnet before (deblock off)": _runner("lumosnet", False),
    "lumosnet after (deblock on)": _runner("lumosnet", True),
}


def evaluate(
    data: Path,
    name: str,
    limit: int | None,
    methods: list[str],
    exposures: tuple[float, float] = EXPOSURE,
    qualities: tuple[int, int] = QUALITY,
) -> str:
    rows: dict[str, list[tuple[float, float, float, float]]] = {m: [] for m in methods}
    ref_block: list[float] = []
    decisions = []
    for stem, dark, clean, exposure, quality in build_set(data, name, limit, exposures, qualities):
        ref_block.append(blockiness(clean))
        mp = dark.shape[0] * dark.shape[1] / 1e6
        for m in methods:
            t0 = time.perf_counter()
            out, decision = METHODS[m](dark)
            dt = (time.perf_counter() - t0) / mp
            rows[m].append((psnr(out, clean), gt_mean_psnr(out, clean), blockiness(out), dt))
            if m == "lumosnet after (deblock on)":
                decisions.append((stem, exposure, quality, decision))
    lines = [
        f"{name}: {len(ref_block)} photos, exposure 1/{1 / exposures[0]:.0f}-1/"
        f"{1 / exposures[1]:.0f}, JPEG q{qualities[0]}-{qualities[1]} 4:2:0; blockiness of the "
        "clean targets "
        f"{np.mean(ref_block):.3f}",
        "",
        "| method | PSNR dB | GT-mean PSNR dB (labelled) | blockiness (1 = none) | s/MP |",
        "|---|---|---|---|---|",
    ]
    for m in methods:
        v = np.mean(rows[m], axis=0)
        lines.append(f"| {m} | {v[0]:.2f} | {v[1]:.2f} | {v[2]:.3f} | {v[3]:.2f} |")
    if decisions:
        s = [d["strength"] for *_, d in decisions]
        b = [d["blockiness"] for *_, d in decisions]
        g = [d["gain"] for *_, d in decisions]
        lines += [
            "",
            f"deblock strength {np.mean(s):.2f} (min {np.min(s):.2f}), input blockiness "
            f"{np.mean(b):.2f} ({np.min(b):.2f}-{np.max(b):.2f}), median gain "
            f"{np.mean(g):.1f} ({np.min(g):.1f}-{np.max(g):.1f})",
        ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--set", default="kodak24", help="a folder of clean PNG/TIFF photos")
    ap.add_argument("--limit", type=int, default=None, help="first N photos only")
    ap.add_argument("--methods", nargs="*", default=list(METHODS), choices=list(METHODS))
    ap.add_argument("--exposure", type=float, nargs=2, default=list(EXPOSURE), metavar=("LO", "HI"))
    ap.add_argument("--quality", type=int, nargs=2, default=list(QUALITY), metavar=("LO", "HI"))
    args = ap.parse_args()
    exposures, qualities = tuple(args.exposure), tuple(args.quality)
    print(evaluate(args.data, args.set, args.limit, args.methods, exposures, qualities))


if __name__ == "__main__":
    main()
