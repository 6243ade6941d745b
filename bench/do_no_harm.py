"""`make bench` (part): does lumos leave alone what needs no fix, and fix what does?

One table, every method on every kind of photo, with the untouched photo (identity)
as a row: a default that scores below it on photos that did not need the fix is a
defect. Sets (from ../shared/data, research-only, never copied into the repo; the
synthetic ones are made at run time with fixed seeds):

* ``lol_v1_eval15``: the LOL test (never trained or tuned on);
* ``lol_val``: the 10 held-out scenes of our LOL subset;
* ``cc15``: 15 real high-ISO photos, correctly exposed, against the mean of ~500 shots;
* ``kodak24``: clean, well-exposed photos against themselves (>= 40 dB: invisible);
* ``kodak24-camera``: Kodak24 through a real camera's noise at its own exposure
  (:func:`lumos.data.camera.camera_noise`; the denoiser never trained on Kodak);
* ``kodak24-dark-jpeg``: Kodak24 darkened 1/15 with camera noise, saved as JPEG
  quality 20-60 with 4:2:0 chroma (a messaging app's dark photo); GT-mean PSNR is
  the fairer column there (the reference is at the original brightness);
* ``kodak24-camera-nr``: as ``kodak24-camera``, with cameras that reduce noise in
  camera (coarse luma grain, calm colour), as real camera JPEGs are (cc15).

Then Set5 x2 through ``lumos enhance --scale 2`` against bicubic and LumosSR alone
(Y-PSNR, the SR convention): the enhancement pass must not damage a clean photo.

Usage: python bench/do_no_harm.py [--data ../shared/data] [--quick] [--json out.json]
       [--before rows.json]   (adds rows measured by this script on an earlier commit)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

from sr import pil_bicubic_up, read_rgb, score_y, shrink  # noqa: E402

from lumos.config import EnhanceOptions  # noqa: E402
from lumos.data import DarkenParams, darken  # noqa: E402
from lumos.eval.baselines import BASELINES  # noqa: E402
from lumos.eval.harness import evaluate, find_images, find_pairs, pipeline_method  # noqa: E402
from lumos.pipeline import run_pipeline  # noqa: E402
from lumos.stages.upscale import upscale_image  # noqa: E402

VAL_LOL = ("5", "97", "188", "342", "490", "573", "637", "684", "739", "787")
"""The held-out scenes of ``lol_v1_our485_subset`` (as ``lumos.train.dataset.VAL_LOL``)."""
COLUMNS = ("psnr", "ssim", "psnr_gt_mean", "niqe", "s_per_mp")


def _save(path: Path, rgb: np.ndarray, **kw) -> Path:
    Image.fromarray(np.clip(rgb * 255 + 0.5, 0, 255).astype(np.uint8)).save(path, **kw)
    return path


def datasets(data: Path, tmp: Path, quick: bool) -> dict[str, list[tuple[Path, Path | None]]]:
    n = 3 if quick else None
    lol = data / "lol_v1_eval15"
    sub = data / "lol_v1_our485_subset"
    cc = data / "cc15_real_noise"
    sets = {
        "lol_v1_eval15": find_pairs(lol / "low", lol / "high")[:n],
        "lol_val": [p for p in find_pairs(sub / "low", sub / "high") if p[0].stem in VAL_LOL][:n],
        "cc15": [
            (p, cc / "clean" / p.name.replace("_real", "_mean")) for p in find_images(cc / "noisy")
        ][:n],
        "kodak24": [(p, p) for p in find_images(data / "kodak24")][:n],
    }
    # Imported here: the camera model is new, and --before runs this file on older commits.
    from lumos.data.camera import camera_noise, sample_camera

    rng = np.random.default_rng(11)
    nr_rng = np.random.default_rng(12)  # its own stream: the sets above stay as they were
    cam_dir, jpg_dir, nr_dir = tmp / "camera", tmp / "dark_jpeg", tmp / "camera_nr"
    for d in (cam_dir, jpg_dir, nr_dir, tmp / "ref", tmp / "ref_nr"):
        d.mkdir(parents=True, exist_ok=True)
    cam_items, jpg_items, nr_items = [], [], []
    for i, p in enumerate(find_images(data / "kodak24")[:n]):
        clean = read_rgb(p).astype(np.float32) / 255
        try:
            camera = sample_camera(rng, jpeg_probability=0.5, grain=False)
        except TypeError:  # a commit before in-camera noise reduction (--before rows)
            camera = sample_camera(rng, jpeg_probability=0.5)
        noisy, ref = camera_noise(clean, camera, seed=i)
        cam_items.append(
            (_save(cam_dir / f"{p.stem}.png", noisy), _save(tmp / "ref" / f"{p.stem}.png", ref))
        )
        # Cameras that reduce noise in camera (coarse grain, calm colour), as real JPEGs are.
        camera = sample_camera(nr_rng, jpeg_probability=0.5)
        if getattr(camera, "luma_grain", None) is not None:
            noisy, ref = camera_noise(clean, camera, seed=100 + i)
            nr_items.append(
                (
                    _save(nr_dir / f"{p.stem}.png", noisy),
                    _save(tmp / "ref_nr" / f"{p.stem}.png", ref),
                )
            )
        params = DarkenParams(exposure=1 / 15, shot_noise=3e-4, read_noise=1.5e-3, seed=i)
        dark = darken(clean, params, seed=i)
        q = int(rng.integers(20, 61))
        jpg = _save(jpg_dir / f"{p.stem}.jpg", dark, quality=q, subsampling=2)
        jpg_items.append((jpg, p))
    sets["kodak24-camera"] = cam_items
    sets["kodak24-dark-jpeg"] = jpg_items
    if nr_items:
        sets["kodak24-camera-nr"] = nr_items
    return sets


def methods(models: list[str]) -> dict[str, Callable]:
    out: dict[str, Callable] = {"identity": BASELINES["identity"]}
    for m in models:
        out[f"lumos {m}"] = pipeline_method(EnhanceOptions(model=m))
    return out


def set5_x2(data: Path, quick: bool) -> dict[str, float]:
    """Mean Y-PSNR of Set5 x2: bicubic, LumosSR alone, and the whole ``enhance --scale 2``."""
    scores: dict[str, list[float]] = {}
    for f in sorted((data / "set5").iterdir())[: 2 if quick else None]:
        hr = read_rgb(f)
        h, w = hr.shape[:2]
        hr = hr[: h - h % 2, : w - w % 2]
        lr, ref = shrink(hr, 2), hr.astype(np.float32) / 255
        outs = {
            "bicubic": pil_bicubic_up(lr, 2),
            "LumosSR alone": upscale_image(lr, scale=2, noise_sigma=0.0, method="learned"),
            "lumos enhance --scale 2": run_pipeline(lr, EnhanceOptions(scale=2)).rgb,
        }
        for k, v in outs.items():
            scores.setdefault(k, []).append(score_y(v, ref, 2)[0])
    return {k: float(np.mean(v)) for k, v in scores.items()}


def fmt(v: float | None, spec: str = ".2f") -> str:
    return "-" if v is None or not np.isfinite(v) else format(v, spec)


def table(rows: dict[str, dict[str, dict[str, float]]], sets: list[str]) -> str:
    lines = [
        "| set | method | PSNR | SSIM | GT-mean PSNR (labelled) | NIQE | s/MP |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in sets:
        for method, per_set in rows.items():
            m = per_set.get(s)
            if m is None:
                continue
            lines.append(
                f"| {s} | {method} | {fmt(m.get('psnr'))} | {fmt(m.get('ssim'), '.3f')} | "
                f"{fmt(m.get('psnr_gt_mean'))} | {fmt(m.get('niqe'))} | "
                f"{fmt(m.get('s_per_mp'))} |"
            )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--quick", action="store_true", help="3 images per set (a smoke run)")
    ap.add_argument("--models", default="classical,lumosnet")
    ap.add_argument("--label", default="", help="suffix for the method names (e.g. a commit)")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON")
    ap.add_argument("--before", type=Path, help="rows (JSON) measured on an earlier commit")
    args = ap.parse_args()
    if not args.data.is_dir():
        raise SystemExit(f"bench: data folder {args.data} not found (it lives beside the repo)")
    t0 = time.time()
    rows: dict[str, dict[str, dict[str, float]]] = {}
    if args.before:
        rows.update(json.loads(args.before.read_text())["rows"])
    with tempfile.TemporaryDirectory() as tmp_s:
        sets = datasets(args.data, Path(tmp_s), args.quick)
        for mname, fn in methods(args.models.split(",")).items():
            label = f"{mname} {args.label}".strip() if mname != "identity" else mname
            for sname, items in sets.items():
                summary = evaluate(fn, items, with_niqe=True)
                m = summary.mean
                mp = sum(s.megapixels for s in summary.scores)
                secs = sum(s.seconds for s in summary.scores)
                rows.setdefault(label, {})[sname] = {
                    **{k: m.get(k) for k in COLUMNS if k in m},
                    "s_per_mp": secs / mp if mp else None,
                }
                print(f"{sname:18s} {label:28s} PSNR {fmt(m.get('psnr'))}", flush=True)
    sr = set5_x2(args.data, args.quick)
    print()
    print(f"## Do no harm: every kind of photo ({time.time() - t0:.0f} s)\n")
    print(table(rows, list(sets)))
    print("\nSet5 x2, Y-PSNR (dB), clean input:\n")
    print("| method | Y-PSNR | vs bicubic |\n|---|---|---|")
    for k, v in sr.items():
        print(f"| {k} | {v:.2f} | {v - sr['bicubic']:+.2f} |")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "set5_x2": sr}, indent=1))


if __name__ == "__main__":
    main()
