"""Dehazing benchmark (``--dehaze``): markdown tables on stdout.

1. SOTS-indoor, 3 pairs: PSNR / SSIM of the hazy photo (identity), of the
   dark channel prior (:mod:`lumos.stages.dehaze`) and of the learned dehazer
   (LumosDH, :mod:`lumos.models.dehazer`) at full strength and auto.
2. Synthetic haze made at run time from Kodak24 (clean photos):
   ``I = J * t + A * (1 - t)``, ``t = exp(-beta * d)`` with a smooth random depth
   field ``d`` (a few random cells, bicubic, plus a ground-plane gradient), random
   ``beta`` and a slightly tinted airlight ``A``; seeded, so every run makes the same set.
3. Dark and hazy: the synthetic set darkened 8x in linear light with camera-like
   noise, enhanced whole: no dehazing, dehazing before brightening (what lumos does),
   and dehazing the brightened result (the alternative), against the clean photo.
4. The 27 real hazy photos: haze density (:func:`lumos.analysis.measure_haze`) and
   NIQE (:mod:`lumos.eval.niqe`, lower is more natural) before and after.
5. Kodak24 with ``--dehaze auto`` against ``--dehaze 0`` (what dehazing changes on
   clear photos; the target is >= 40 dB) and against the photo itself.

``--sheet DIR`` writes before/after contact sheets of the real photos and 100% crops.

Every table has a row (or column) per dehazer: ``DCP`` and ``learned`` (the learned
one where its weights are installed).

Usage: python bench/dehaze.py [--data ../shared/data] [--models classical,lumosnet]
       [--sheet /tmp/dehaze] [--skip-dark]
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

from lumos.analysis import analyse, make_proxy, measure_haze  # noqa: E402
from lumos.config import EnhanceOptions  # noqa: E402
from lumos.eval import gt_mean_psnr, psnr, ssim  # noqa: E402
from lumos.eval.niqe import niqe  # noqa: E402
from lumos.io import read_image  # noqa: E402
from lumos.models.dehazer import dehazer_available  # noqa: E402
from lumos.pipeline import run_pipeline  # noqa: E402
from lumos.stages.dehaze import dehaze_image, plan_dehaze, resolve_strength  # noqa: E402

EXTS = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}
DARKEN = 1 / 8
"""Exposure of the dark-and-hazy set, in linear light."""
NOISE = (0.004, 0.0004)
"""Read noise std and shot-noise coefficient (linear light) of the dark-and-hazy set."""


def images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in EXTS)


def rgb_of(path: Path) -> np.ndarray:
    return read_image(path).rgb


METHODS = {"DCP": "dcp", "learned": "learned"}
"""Row label -> ``--dehazer`` value."""


def methods() -> dict[str, str]:
    """The dehazers to compare: DCP, and the learned one where it is installed."""
    return {k: v for k, v in METHODS.items() if v == "dcp" or dehazer_available()}


def dcp(rgb: np.ndarray, strength: float | None, method: str = "dcp") -> tuple[np.ndarray, float]:
    """The dehazing stage alone, as ``--dehaze`` would run it (``None``: auto)."""
    a = analyse(rgb)
    s, auto = resolve_strength(strength, a)
    plan = plan_dehaze(
        rgb, s, auto=auto, density=a.haze_density, noise=a.noise_sigma, method=method
    )
    return dehaze_image(rgb, plan), s


def hazy_version(clean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Synthetic haze by the scattering model over a smooth random depth field."""
    h, w = clean.shape[:2]
    cells = rng.random((3, 4)).astype(np.float32)
    d = cv2.resize(cells, (w, h), interpolation=cv2.INTER_CUBIC)
    d = (d - d.min()) / max(float(d.max() - d.min()), 1e-6)
    ground = np.linspace(1.0, 0.0, h, dtype=np.float32)[:, None]  # far at the top
    d = 0.2 + 0.8 * (0.5 * d + 0.5 * ground)
    beta = rng.uniform(0.6, 1.6)
    t = np.exp(-beta * d)[..., None]
    grey = rng.uniform(0.75, 0.95)
    airlight = np.clip(grey + rng.normal(0.0, 0.03, 3), 0.0, 1.0).astype(np.float32)
    return np.clip(clean * t + airlight * (1.0 - t), 0.0, 1.0).astype(np.float32)


def _linear(x: np.ndarray) -> np.ndarray:
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def _srgb(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)


def darken(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A night exposure of ``rgb``: DARKEN in linear light, read and shot noise, 8-bit."""
    lin = _linear(rgb.astype(np.float64)) * DARKEN
    read, shot = NOISE
    lin = lin + rng.normal(0.0, 1.0, lin.shape) * np.sqrt(read**2 + shot * lin)
    return (np.round(_srgb(lin) * 255) / 255).astype(np.float32)


def row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def sots(data: Path) -> None:
    print("\n### SOTS indoor (3 pairs)\n")
    print(row("method", "PSNR (dB)", "SSIM"))
    print(row("---", "---", "---"))
    pairs = [
        (p, data / "haze_sots_indoor/clear" / (p.stem.split("_")[0] + ".png"))
        for p in images(data / "haze_sots_indoor/hazy")
    ]
    results: dict[str, list[tuple[float, float]]] = {"identity": []}
    for hazy_p, clear_p in pairs:
        hazy, clear = rgb_of(hazy_p), rgb_of(clear_p)
        results["identity"].append((psnr(hazy, clear), ssim(hazy, clear)))
        for label, method in methods().items():
            for tag, s in (("(1)", 1.0), ("auto", None)):
                out, _ = dcp(hazy, s, method)
                results.setdefault(f"{label} {tag}", []).append(
                    (psnr(out, clear), ssim(out, clear))
                )
    for name, vals in results.items():
        v = np.array(vals)
        print(row(name, f"{v[:, 0].mean():.2f}", f"{v[:, 1].mean():.3f}"))


def synthetic(data: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    print("\n### Synthetic haze on Kodak24 (24 photos, seed 27)\n")
    rng = np.random.default_rng(27)
    pairs = [(hazy_version(c, rng), c) for c in (rgb_of(p) for p in images(data / "kodak24"))]
    print(row("method", "PSNR (dB)", "SSIM", "called hazy"))
    print(row("---", "---", "---", "---"))
    called = sum(analyse(h).hazy for h, _ in pairs)
    runs = [("identity", "dcp", 0.0)]
    for label, method in methods().items():
        runs += [(f"{label} (1)", method, 1.0), (f"{label} auto", method, None)]
    for name, method, s in runs:
        vals = []
        for hazy, clean in pairs:
            out = hazy if s == 0.0 else dcp(hazy, s, method)[0]
            vals.append((psnr(out, clean), ssim(out, clean)))
        v = np.array(vals)
        tag = f"{called}/{len(pairs)}" if s is None else ""
        print(row(name, f"{v[:, 0].mean():.2f}", f"{v[:, 1].mean():.3f}", tag))
    return pairs


def dark_and_hazy(pairs: list[tuple[np.ndarray, np.ndarray]], models: list[str]) -> None:
    print(f"\n### Dark and hazy (the synthetic set darkened {1 / DARKEN:g}x, noisy): order\n")
    print("PSNR / GT-mean PSNR (labelled: exposure matched to the reference) / SSIM\n")
    print(
        row(
            "model",
            "dehazer",
            "no dehaze",
            "dehaze, then brighten",
            "brighten, then dehaze",
            "called hazy (dark)",
        )
    )
    print(row("---", "---", "---", "---", "---", "---"))
    rng = np.random.default_rng(8)
    dark = [(darken(h, rng), c) for h, c in pairs]
    called = sum(analyse(d).hazy for d, _ in dark)
    none: dict[str, str] = {}
    for model in models:
        for label, method in methods().items():
            cols = []
            for variant in ("none", "before", "after"):
                if variant == "none" and model in none:
                    cols.append(none[model])  # the same run whatever the dehazer
                    continue
                vals = []
                for d, clean in dark:
                    opts = EnhanceOptions(
                        model=model,
                        dehaze=1.0 if variant == "before" else 0.0,
                        dehazer=method,
                    )
                    out = run_pipeline(d, opts).rgb
                    if variant == "after":
                        out, _ = dcp(out, 1.0, method)
                    vals.append((psnr(out, clean), gt_mean_psnr(out, clean), ssim(out, clean)))
                v = np.array(vals).mean(axis=0)
                cols.append(f"{v[0]:.2f} / {v[1]:.2f} / {v[2]:.3f}")
                if variant == "none":
                    none[model] = cols[-1]
            print(row(model, label, *cols, f"{called}/{len(dark)}"))


def real(data: Path, sheet: Path | None) -> None:
    print("\n### Real hazy photos (27, no reference)\n")
    print(row("output", "haze density (mean)", "NIQE (mean)", "called hazy"))
    print(row("---", "---", "---", "---"))
    photos = images(data / "haze_real_unpaired")
    if sheet is not None:
        sheet.mkdir(parents=True, exist_ok=True)
    rows: dict[str, list[tuple[float, float, bool]]] = {}
    thumbs: list[np.ndarray] = []
    for p in photos:
        rgb = rgb_of(p)
        outs = {"input": rgb}
        for label, method in methods().items():
            outs[f"{label} auto"] = dcp(rgb, None, method)[0]
            outs[f"{label} (1)"] = dcp(rgb, 1.0, method)[0]
        for name, out in outs.items():
            small = make_proxy(out, 1024)  # NIQE on at most 1024 px: cheap, and sizes alike
            h = measure_haze(make_proxy(out))
            rows.setdefault(name, []).append((h.density, niqe(small), h.hazy))
        if sheet is not None:  # input, then each dehazer at strength 1
            thumbs.append(
                np.hstack([_thumb(out) for name, out in outs.items() if "auto" not in name])
            )
            _save(
                sheet / f"{p.stem}.png", np.hstack([v for k, v in outs.items() if "auto" not in k])
            )
    for name, vals in rows.items():
        v = np.array([(a, b) for a, b, _ in vals])
        n = sum(c for *_, c in vals)
        print(row(name, f"{v[:, 0].mean():.3f}", f"{v[:, 1].mean():.2f}", f"{n}/{len(vals)}"))
    if sheet is not None:
        for i in range(0, len(thumbs), 9):
            _save(sheet / f"real_{i // 9}.png", np.vstack(thumbs[i : i + 9]))


def kodak_auto(data: Path, models: list[str]) -> None:
    print("\n### Kodak24 with --dehaze auto (clear photos: nothing should happen)\n")
    print(
        row("model", "auto vs --dehaze 0 (dB, min)", "auto vs the photo (dB, mean)", "called hazy")
    )
    print(row("---", "---", "---", "---"))
    photos = [rgb_of(p) for p in images(data / "kodak24")]
    called = sum(analyse(x).hazy for x in photos)
    for model in models:
        same, itself = [], []
        for x in photos:
            auto = run_pipeline(x, EnhanceOptions(model=model)).rgb
            off = run_pipeline(x, EnhanceOptions(model=model, dehaze=0.0)).rgb
            same.append(np.inf if np.array_equal(auto, off) else psnr(auto, off))
            itself.append(psnr(auto, x))
        print(row(model, f"{min(same):.2f}", f"{np.mean(itself):.2f}", f"{called}/{len(photos)}"))


def speed(data: Path, megapixels: float = 12.0) -> None:
    """What dehazing adds to a run: planning (proxy, airlight, coefficients, the dehazed
    copy the enhancer plans on) and the per-tile work, on a photo enlarged to 12 MP."""
    from lumos.stages.dehaze import Dehazed, dehaze_region

    print(f"\n### Cost at {megapixels:g} MP (this machine, shared)\n")
    rng = np.random.default_rng(1)
    small = hazy_version(rgb_of(images(data / "kodak24")[0]), rng)
    h = int(np.sqrt(megapixels * 1e6 * 2 / 3))
    big = cv2.resize(small, (h * 3 // 2, h), interpolation=cv2.INTER_CUBIC).clip(0, 1)
    a = analyse(big)

    class _Plain:  # the enhancer's own work left out: only what Dehazed adds
        name, tile_workers = "plain", 1

        def prepare(self, image, analysis, **kw):  # type: ignore[no-untyped-def]
            from lumos.enhancer import Plan

            return Plan(halo=0, denoise=0.0, detail=0.0, target_brightness=0.4)

    mp = big.shape[0] * big.shape[1] / 1e6
    print(row("dehazer", "part", "seconds", "s/MP"))
    print(row("---", "---", "---", "---"))
    for label, method in methods().items():
        Dehazed(_Plain(), 1.0, method).prepare(  # warm-up: ONNX session, caches
            small, analyse(small), denoise=None, detail=None, brightness=None
        )
        t0 = time.perf_counter()
        plan = Dehazed(_Plain(), 1.0, method).prepare(
            big, a, denoise=None, detail=None, brightness=None
        )
        t_plan = time.perf_counter() - t0
        dplan = plan.params["dehaze"]
        t0 = time.perf_counter()
        for y0 in range(0, big.shape[0], 512):
            for x0 in range(0, big.shape[1], 512):
                y1, x1 = min(y0 + 512, big.shape[0]), min(x0 + 512, big.shape[1])
                dehaze_region(big[y0:y1, x0:x1], dplan, (y0, y1, x0, x1))
        t_tiles = time.perf_counter() - t0
        for name, t in (
            ("plan (once)", t_plan),
            ("tiles (512 px)", t_tiles),
            ("total", t_plan + t_tiles),
        ):
            print(row(label, name, f"{t:.2f}", f"{t / mp:.3f}"))


def _thumb(rgb: np.ndarray, side: int = 320) -> np.ndarray:
    h, w = rgb.shape[:2]
    s = side / max(h, w)
    small = cv2.resize(rgb, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    canvas = np.ones((side, side, 3), np.float32)
    canvas[: small.shape[0], : small.shape[1]] = small
    return canvas


def _save(path: Path, rgb: np.ndarray) -> None:
    bgr = cv2.cvtColor((np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8), cv2.COLOR_RGB2BGR)
    cv2.imwrite(str(path), bgr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--models", default="classical,lumosnet")
    ap.add_argument("--sheet", type=Path, default=None, help="write contact sheets here")
    ap.add_argument("--skip-dark", action="store_true", help="skip the dark-and-hazy table")
    ap.add_argument("--speed", action="store_true", help="only time dehazing at 12 MP")
    args = ap.parse_args()
    models = [m for m in args.models.split(",") if m]
    t0 = time.perf_counter()
    if args.speed:
        speed(args.data)
        return
    sots(args.data)
    pairs = synthetic(args.data)
    if not args.skip_dark:
        dark_and_hazy(pairs, models)
    real(args.data, args.sheet)
    kodak_auto(args.data, models)
    speed(args.data)
    print(f"\n({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
