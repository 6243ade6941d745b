"""Exposure benchmark (``--exposure``, issue 26): markdown tables on stdout.

1. A synthetic exposure set made at run time, as MSEC made theirs, from clean photos
   training never saw (Set14 and McMaster): sRGB decoded to linear light, scaled by
   ``2**EV`` for EV -1.5, -1, 0, +1, +1.5 with clipping at white, sRGB again, JPEG q90.
   PSNR / SSIM against the clean photo per EV for: identity, two global baselines (a
   gamma fitted to bring the mean luma to 0.46, and histogram equalisation of luma),
   each lumos enhancer as it is (``--exposure auto``), before over-exposure
   correction (``--exposure brighten``) and told to darken (``--exposure darken``, EV >= 0:
   the highlights stage alone, without the verdict). The EV 0 row is the do-no-harm check: it also
   gives PSNR of each output against its own input and how many photos came out
   bit-identical to brighten-only.
2. The real photos of ``exposure_errors_real`` (MSEC's 1-1.5 stops over/under, Flickr):
   the verdict (its strength and the learned reading of stops over), the stops darkened,
   mean brightness and clipped share before and after.

``--sheet PATH`` writes a contact sheet of the real photos (input | classical |
lumosnet). ``--limit N`` takes the first N clean photos of each set (quick runs).

Usage: python bench/exposure.py [--data ../shared/data] [--models classical,lumosnet]
       [--limit N] [--real-side PX] [--sheet PATH] [--skip-real] [--skip-synthetic]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from lumos.analysis import analyse, make_proxy  # noqa: E402
from lumos.config import EnhanceOptions  # noqa: E402
from lumos.data.synth import jpeg_roundtrip  # noqa: E402
from lumos.eval import psnr, ssim  # noqa: E402
from lumos.io import read_image  # noqa: E402
from lumos.pipeline import run_pipeline  # noqa: E402
from lumos.stages.exposure import over_exposure_verdict  # noqa: E402
from lumos.stages.highlights import linear_to_srgb, srgb_to_linear  # noqa: E402

EXTS = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}
EVS = (-1.5, -1.0, 0.0, 1.0, 1.5)
LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)
GAMMA_TARGET = 0.46
"""Mean luma the gamma baseline aims at (the highlights stage's own target)."""


def images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in EXTS)


def expose(clean: np.ndarray, ev: float) -> np.ndarray:
    """MSEC's synthetic exposure error: linear light times 2**ev, clipped, sRGB, JPEG q90."""
    lin = np.clip(srgb_to_linear(clean) * np.float32(2.0**ev), 0.0, 1.0)
    return jpeg_roundtrip(linear_to_srgb(lin), 90)


def gamma_fit(rgb: np.ndarray) -> np.ndarray:
    """The global baseline: one power curve bringing the mean luma to :data:`GAMMA_TARGET`."""
    m = float(np.clip((make_proxy(rgb) @ LUMA).mean(), 1e-3, 0.999))
    g = math.log(GAMMA_TARGET) / math.log(m)
    return np.clip(rgb, 0.0, 1.0) ** np.float32(g)


def hist_eq(rgb: np.ndarray) -> np.ndarray:
    """The other global baseline: histogram equalisation of luma (YCrCb), chroma kept."""
    u8 = (np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8)
    ycc = cv2.cvtColor(u8, cv2.COLOR_RGB2YCrCb)
    ycc[..., 0] = cv2.equalizeHist(ycc[..., 0])
    return cv2.cvtColor(ycc, cv2.COLOR_YCrCb2RGB).astype(np.float32) / 255.0


def run(rgb: np.ndarray, model: str, exposure: str = "auto", lossy: bool = True):  # type: ignore[no-untyped-def]
    return run_pipeline(rgb, EnhanceOptions(model=model, exposure=exposure), lossy=lossy)


def _fmt(v: float) -> str:
    return "inf" if math.isinf(v) else f"{v:.2f}"


def synthetic(data: Path, models: list[str], limit: int | None) -> None:
    cleans: list[tuple[str, np.ndarray]] = []
    for folder in ("set14", "mcmaster"):
        paths = images(data / folder)[:limit]
        cleans += [(f"{folder}/{p.stem}", read_image(p).rgb) for p in paths]
    methods = ["identity", "gamma fit", "hist. eq."]
    for m in models:
        methods += [f"{m} (brighten only)", m, f"{m} (darken)"]
    # per EV, per method: lists of (psnr, ssim)
    scores: dict[float, dict[str, list[tuple[float, float]]]] = {
        ev: {m: [] for m in methods} for ev in EVS
    }
    harm: dict[str, list[float]] = {m: [] for m in methods}
    identical: dict[str, int] = {m: 0 for m in models}
    darkened: dict[float, dict[str, int]] = {ev: {m: 0 for m in models} for ev in EVS}
    t0 = time.perf_counter()
    for name, clean in cleans:
        for ev in EVS:
            deg = expose(clean, ev)
            outs = {"identity": deg, "gamma fit": gamma_fit(deg), "hist. eq.": hist_eq(deg)}
            for m in models:
                if ev >= 0.0:  # forced darkening: the stage alone, where the verdict is not asked
                    outs[f"{m} (darken)"] = run(deg, m, "darken").rgb
                res = run(deg, m)
                outs[m] = res.rgb
                if res.stats["exposure"]["darkened"]:
                    darkened[ev][m] += 1
                    outs[f"{m} (brighten only)"] = run(deg, m, "brighten").rgb
                else:  # bit-identical by design (tests/stages/test_highlights.py)
                    outs[f"{m} (brighten only)"] = res.rgb
                    if ev == 0.0:
                        identical[m] += 1
            for meth, out in outs.items():
                scores[ev][meth].append((psnr(out, clean), ssim(out, clean)))
                if ev == 0.0:
                    harm[meth].append(psnr(out, deg))
        print(f"<!-- {name} done, {time.perf_counter() - t0:.0f} s -->", file=sys.stderr)
    n = len(cleans)
    print(f"### Synthetic exposure errors: Set14 + McMaster, {n} clean photos\n")
    print("PSNR (dB) / SSIM against the clean photo, mean over the photos.\n")
    print("| EV | " + " | ".join(methods) + " |")
    print("|---|" + "---|" * len(methods))
    for ev in EVS:
        cells = []
        for meth in methods:
            s = scores[ev][meth]
            if not s:
                cells.append("")
                continue
            cells.append(f"{np.mean([a for a, _ in s]):.2f} / {np.mean([b for _, b in s]):.3f}")
        print(f"| {ev:+.1f} | " + " | ".join(cells) + " |")
    print()
    print("Photos the highlights stage darkened (`--exposure auto`), per EV:\n")
    print("| EV | " + " | ".join(models) + " |")
    print("|---|" + "---|" * len(models))
    for ev in EVS:
        print(f"| {ev:+.1f} | " + " | ".join(f"{darkened[ev][m]}/{n}" for m in models) + " |")
    print()
    print("Do no harm (EV 0): PSNR of each output against its own input (median; inf = ")
    print("unchanged), and photos bit-identical to `--exposure brighten`:\n")
    print("| method | PSNR vs input (median) | PSNR vs input (min) | identical to brighten-only |")
    print("|---|---|---|---|")
    for meth in methods:
        v = harm[meth]
        ident = f"{identical[meth]}/{n}" if meth in identical else ""
        print(f"| {meth} | {_fmt(float(np.median(v)))} | {_fmt(float(np.min(v)))} | {ident} |")
    print()


def _stats(rgb: np.ndarray) -> tuple[float, float]:
    """Mean brightness (8-bit luma) and share of pixels with a channel at 255."""
    sub = rgb[::2, ::2]
    return float((sub @ LUMA).mean() * 255), float(np.mean(sub.max(axis=2) >= 254.5 / 255))


def real(data: Path, models: list[str], side: int, sheet: Path | None) -> None:
    paths = images(data / "exposure_errors_real")
    print(f"### Real exposure errors: exposure_errors_real, {len(paths)} photos\n")
    side_note = f"downscaled to {side} px on the long side" if side else "at full size"
    print(f"Mean brightness (/255) and clipped share (a channel at 255), {side_note}.\n")
    head = " | ".join(f"{m}: stops down, mean, clipped" for m in models)
    print(f"| photo | kind | verdict (strength; stops over read) | input: mean, clipped | {head} |")
    print("|---|---|---|---|" + "---|" * len(models))
    rows = []
    totals: dict[str, list[float]] = {}
    for p in paths:
        dec = read_image(p)
        rgb = dec.rgb
        if side and max(rgb.shape[:2]) > side:
            s = side / max(rgb.shape[:2])
            size = (round(rgb.shape[1] * s), round(rgb.shape[0] * s))
            rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        stem = p.stem
        kind = "over (MSEC)" if "_P1" in stem else "under (MSEC)" if "_N1" in stem else "Flickr"
        v = over_exposure_verdict(analyse(rgb, lossy=dec.meta.lossy))
        m_in, c_in = _stats(rgb)
        cells, outs = [], [rgb]
        for m in models:
            res = run(rgb, m, lossy=dec.meta.lossy)
            ev = res.stats["exposure"]["darken_ev"]
            m_out, c_out = _stats(res.rgb)
            cells.append(f"{ev:.2f}, {m_out:.0f}, {100 * c_out:.1f}%")
            outs.append(res.rgb)
            if v.strength > 0:
                totals.setdefault(m, []).append(m_out)
                totals.setdefault(f"{m} clipped", []).append(c_out)
        if v.strength > 0:
            totals.setdefault("input", []).append(m_in)
            totals.setdefault("input clipped", []).append(c_in)
        short = stem if len(stem) <= 28 else stem[:26] + "…"
        print(
            f"| {short} | {kind} | {v.label} ({v.strength:.2f}; {v.stops:.2f}) | {m_in:.0f}, "
            f"{100 * c_in:.1f}% | " + " | ".join(cells) + " |",
            flush=True,
        )
        rows.append((short, outs))
    if totals:
        k = len(totals["input"])
        print(
            f"\nThe {k} photos called over-exposed: mean brightness {np.mean(totals['input']):.0f}"
            f" -> "
            + ", ".join(f"{m} {np.mean(totals[m]):.0f}" for m in models)
            + f"; clipped {100 * np.mean(totals['input clipped']):.1f}% -> "
            + ", ".join(f"{m} {100 * np.mean(totals[f'{m} clipped']):.1f}%" for m in models)
        )
    print()
    if sheet is not None:
        write_sheet(rows, ["input", *models], sheet)


def write_sheet(rows: list[tuple[str, list[np.ndarray]]], labels: list[str], path: Path) -> None:
    """Two photos per row, each as input | one column per model, 150 px high."""
    h = 150
    strips = []
    for name, outs in rows:
        tiles = []
        for lab, img in zip(labels, outs, strict=True):
            w = round(img.shape[1] * h / img.shape[0])
            t = cv2.resize(np.clip(img, 0, 1), (w, h), interpolation=cv2.INTER_AREA)
            t = (t * 255 + 0.5).astype(np.uint8).copy()
            text = f"{name[:22]} {lab}" if lab == "input" else lab
            cv2.putText(t, text, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 3)
            cv2.putText(t, text, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 0), 1)
            tiles.append(t)
        strips.append(np.hstack(tiles))
    width = max(s.shape[1] for s in strips)
    strips = [np.pad(s, ((0, 4), (0, width - s.shape[1] + 8), (0, 0))) for s in strips]
    if len(strips) % 2:
        strips.append(np.zeros_like(strips[0]))
    rows2 = [np.hstack(strips[i : i + 2]) for i in range(0, len(strips), 2)]
    sheet = np.vstack(rows2)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), sheet[..., ::-1])
    print(f"<!-- contact sheet: {path} -->", file=sys.stderr)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--models", default="classical,lumosnet")
    ap.add_argument("--limit", type=int, default=None, help="clean photos per set (quick runs)")
    ap.add_argument("--real-side", type=int, default=0, help="downscale real photos (0: full)")
    ap.add_argument("--sheet", type=Path, default=None, help="write a contact sheet PNG here")
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--skip-synthetic", action="store_true")
    args = ap.parse_args()
    models = [m for m in args.models.split(",") if m]
    if not args.skip_synthetic:
        synthetic(args.data, models, args.limit)
    if not args.skip_real:
        real(args.data, models, args.real_side, args.sheet)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
