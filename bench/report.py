"""`make bench`: every method on every dataset -> docs/benchmarks.md, contact sheets, a plot.

Methods: the baselines (identity, gamma, CLAHE) and every lumos model that is
installed. Datasets (from ../shared/data, research-only, never copied into the
repo): LOL-v1 eval15 (the test), the LOL our485 subset (validation), DICM, LIME,
SCI unpaired (no references), CC15 real noise (denoising), and Kodak24 darkened
with synthetic sensor noise at three levels.

Usage: python bench/report.py [--data ../shared/data] [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from lumos.config import EnhanceOptions  # noqa: E402
from lumos.data import DarkenParams, darken  # noqa: E402
from lumos.errors import OptionError  # noqa: E402
from lumos.eval.audit import audit_pairs  # noqa: E402
from lumos.eval.baselines import BASELINES  # noqa: E402
from lumos.eval.harness import (  # noqa: E402
    Summary,
    evaluate,
    find_images,
    find_pairs,
    pipeline_method,
)
from lumos.io import read_image  # noqa: E402
from lumos.models import available_models  # noqa: E402

DOCS = REPO / "docs"
KODAK_LEVELS = {  # name -> (exposure, shot noise, read noise)
    "kodak24-dark-low-noise": (1 / 8, 5e-5, 5e-4),
    "kodak24-dark-mid-noise": (1 / 20, 3e-4, 1.5e-3),
    "kodak24-dark-high-noise": (1 / 50, 1e-3, 3e-3),
}

JPEG_QUALITY = 85


def lumos_method(model: str, **kw: float) -> Callable[[np.ndarray], np.ndarray]:
    options = EnhanceOptions(model=model, **kw)
    return pipeline_method(options)


def methods() -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    out: dict[str, Callable[[np.ndarray], np.ndarray]] = dict(BASELINES)
    for m in available_models():
        try:
            EnhanceOptions(model=m)
        except OptionError:
            continue  # needs a user-supplied checkpoint (e.g. the seed models)
        out[f"lumos {m}"] = lumos_method(m)
    return out


def datasets(data: Path, tmp: Path, quick: bool) -> dict[str, list[tuple[Path, Path | None]]]:
    lol = data / "lol_v1_eval15"
    sets: dict[str, list[tuple[Path, Path | None]]] = {
        "lol_v1_eval15": list(find_pairs(lol / "low", lol / "high")),
        "lol_v1_our485_subset": list(
            find_pairs(
                data / "lol_v1_our485_subset" / "low", data / "lol_v1_our485_subset" / "high"
            )
        ),
        "dicm": [(p, None) for p in find_images(data / "dicm")],
        "lime": [(p, None) for p in find_images(data / "lime")],
        "sci_lowlight_unpaired": [
            (p, None)
            for sub in ("easy", "medium", "difficult")
            for p in find_images(data / "sci_lowlight_unpaired" / sub)
        ],
        "cc15_real_noise": [
            (p, data / "cc15_real_noise" / "clean" / p.name.replace("_real", "_mean"))
            for p in find_images(data / "cc15_real_noise" / "noisy")
        ],
    }
    # Most photos users have are JPEGs: the same test pairs, the dark photo saved at quality 85.
    folder = tmp / "lol_v1_eval15-jpeg85"
    folder.mkdir()
    sets[folder.name] = []
    for low, high in sets["lol_v1_eval15"]:
        out = folder / f"{low.stem}.jpg"
        cv2.imwrite(str(out), cv2.imread(str(low)), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        sets[folder.name].append((out, high))
    for name, (exposure, shot, read) in KODAK_LEVELS.items():
        folder = tmp / name
        folder.mkdir()
        items = []
        for i, clean_path in enumerate(find_images(data / "kodak24")):
            clean = read_image(clean_path).rgb
            dark = darken(
                clean, DarkenParams(exposure=exposure, shot_noise=shot, read_noise=read), seed=i
            )
            out = folder / clean_path.name
            cv2.imwrite(str(out), (dark[..., ::-1] * 255 + 0.5).astype(np.uint8))
            items.append((out, clean_path))
        sets[name] = items
    if quick:
        sets = {k: v[:3] for k, v in sets.items()}
    return sets


def contact_sheet(
    rows: list[list[np.ndarray]], labels: list[str], path: Path, width: int = 240
) -> None:
    """Rows of images (input | methods... | reference), each resized to ``width``, with labels."""
    tiles = []
    for row in rows:
        cells = []
        for img in row:
            h = round(img.shape[0] * width / img.shape[1])
            cells.append(cv2.resize(img, (width, h), interpolation=cv2.INTER_AREA))
        hmax = max(c.shape[0] for c in cells)
        cells = [np.pad(c, ((0, hmax - c.shape[0]), (0, 0), (0, 0))) for c in cells]
        tiles.append(np.concatenate(cells, axis=1))
    sheet = np.concatenate(tiles, axis=0)
    header = np.full((28, sheet.shape[1], 3), 255, np.uint8)
    for i, label in enumerate(labels):
        cv2.putText(
            header,
            label,
            (i * width + 6, 20),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.5,
            (0, 0, 0),
            1,
            cv2.LINE_AA,
        )
    sheet_u8 = np.concatenate([header, (np.clip(sheet, 0, 1) * 255 + 0.5).astype(np.uint8)], 0)
    cv2.imwrite(str(path), sheet_u8[..., ::-1])


DENOISE_STEPS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)


def tradeoff_plot(
    items: list[tuple[Path, Path | None]], path: Path
) -> list[tuple[str, float, dict]]:
    """PSNR, NIQE and residual noise as --denoise goes from 0 to 2, for both lumos models."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = []
    for model in ("lumosnet", "classical"):
        for d in DENOISE_STEPS:
            s = evaluate(lumos_method(model, denoise=d), items)
            rows.append((model, d, s.mean))
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
    for ax, key, label in zip(
        axes,
        ("psnr", "niqe", "residual_noise"),
        ("PSNR dB (higher is better)", "NIQE (lower is better)", "residual noise /255"),
        strict=True,
    ):
        for model in ("lumosnet", "classical"):
            pts = [
                (d, m[key] * (255 if key == "residual_noise" else 1))
                for mo, d, m in rows
                if mo == model
            ]
            ax.plot([x for x, _ in pts], [y for _, y in pts], "o-", label=model)
        ax.axvline(1.0, color="0.6", lw=0.8, ls=":")  # 1: the measured noise; above: smoother
        ax.set_xlabel("--denoise")
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("Noise vs detail on LOL-v1 eval15 (--detail auto)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return rows


def fmt(v: float | None, spec: str) -> str:
    return "–" if v is None else format(v, spec)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--quick", action="store_true", help="3 images per dataset (a smoke run)")
    args = ap.parse_args()
    if not args.data.is_dir():
        raise SystemExit(f"bench: data folder {args.data} not found (it lives beside the repo)")
    DOCS.mkdir(exist_ok=True)
    t_start = time.time()
    meths = methods()
    results: dict[tuple[str, str], Summary] = {}
    saved: dict[str, Path] = {}
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        sets = datasets(args.data, tmp, args.quick)
        for dname, items in sets.items():
            for mname, fn in meths.items():
                out_dir = tmp / "out" / dname / mname.replace(" ", "_")
                results[(dname, mname)] = evaluate(
                    fn, items, save_to=out_dir, downstream=dname.startswith("lol")
                )
                saved[f"{dname}/{mname}"] = out_dir
                m = results[(dname, mname)].mean
                print(
                    f"{dname:26s} {mname:18s} PSNR {fmt(m.get('psnr'), '.2f')} "
                    f"NIQE {fmt(m.get('niqe'), '.2f')}",
                    flush=True,
                )
        # Contact sheets: input | each method | reference, a few images each.
        sheets = {}
        for dname, picks in (
            ("lol_v1_eval15", [1, 4, 8]),
            ("dicm", [3, 10, 40]),
            ("sci_lowlight_unpaired", [20, 25, 30]),
            ("kodak24-dark-high-noise", [2, 12]),
        ):
            items = sets[dname]
            rows = []
            for i in picks:
                if i >= len(items):
                    continue
                src, ref = items[i]
                row = [read_image(src).rgb]
                for mname in meths:
                    row.append(read_image(saved[f"{dname}/{mname}"] / f"{src.stem}.png").rgb)
                if ref is not None:
                    row.append(read_image(ref).rgb)
                rows.append(row)
            if rows:
                labels = ["input", *meths, *(["reference"] if items[0][1] is not None else [])]
                path = DOCS / f"contact_{dname}.png"
                contact_sheet(rows, labels, path)
                sheets[dname] = path.name
        trade = tradeoff_plot(sets["lol_v1_eval15"], DOCS / "tradeoff_denoise.png")
    audit_eval = audit_pairs(
        args.data / "lol_v1_eval15" / "low",
        args.data / "lol_v1_eval15" / "high",
        against=args.data / "lol_v1_our485_subset" / "high",
    )
    audit_sub = audit_pairs(
        args.data / "lol_v1_our485_subset" / "low", args.data / "lol_v1_our485_subset" / "high"
    )
    write_markdown(
        results, sets, sheets, trade, (audit_eval, audit_sub), time.time() - t_start, args.quick
    )
    print(f"wrote {DOCS / 'benchmarks.md'}")


def method_table(
    results: dict, meths: list[str], rows: list[tuple[str, str]], cell: Callable[[dict], str]
) -> list[str]:
    """A Markdown table: one row per (label, dataset), one column per method."""
    lines = ["| dataset | " + " | ".join(meths) + " |", "|---|" + "---|" * len(meths)]
    for label, dname in rows:
        cells = [cell(results[(dname, m)].mean) for m in meths]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def write_markdown(results, sets, sheets, trade, audits, seconds, quick) -> None:
    meths = sorted({m for _, m in results}, key=lambda m: (m.startswith("lumos"), m))
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`python bench/report.py`) on "
        f"{platform.machine()} with {os.cpu_count()} CPU cores, in {seconds / 60:.1f} min"
        + (" (QUICK: 3 images per dataset)" if quick else "")
        + ".",
        "Data: `../shared/data` (research-only; see its SOURCES.md). PSNR/SSIM are plain, "
        "on 8-bit RGB, without GT-mean rescaling; the GT-mean PSNR (output rescaled to the "
        "reference's mean, as some papers report) is shown separately and labelled.",
        "To score one configuration yourself: "
        "`lumos eval --pairs LOW HIGH [--model M --denoise X ...]`.",
        "",
        "## Paired sets: PSNR / SSIM (plain), GT-mean PSNR (labelled, comparison only)",
        "",
    ]
    paired = [(f"{d} ({len(items)})", d) for d, items in sets.items() if items[0][1] is not None]
    lines += method_table(
        results,
        meths,
        paired,
        lambda s: f"{s['psnr']:.2f} / {s['ssim']:.3f} (gt-mean {s['psnr_gt_mean']:.2f})",
    )
    lines += [
        "",
        "Published LOL-v1 eval15 PSNR without GT-mean, for reference: Retinexformer 25.2, "
        "MIRNet 24.1, HVI-CIDNet 23.8, LIME 16.8.",
        "",
        "LumosNet trains on 40 of the 50 `lol_v1_our485_subset` scenes, so its score there is "
        "mostly a training score; its held-out 10 and eval15 are in its model card.",
        f"`lol_v1_eval15-jpeg{JPEG_QUALITY}` is eval15 with each dark photo saved as a "
        f"quality-{JPEG_QUALITY} JPEG first, as most photos people have are.",
        "",
        "## No-reference scores on every set",
        "",
        "NIQE (lower is more natural) · residual noise (/255) · clipped % · colour cast (ΔE)",
        "",
    ]
    lines += method_table(
        results,
        meths,
        [(f"{d} ({len(items)})", d) for d, items in sets.items()],
        lambda s: (
            f"{fmt(s.get('niqe'), '.2f')} · {s['residual_noise'] * 255:.2f} · "
            f"{s['clipped_fraction'] * 100:.1f} · {s['colour_cast']:.1f}"
        ),
    )
    lines += [
        "",
        "## Downstream: does it help machines? SIFT + RANSAC homography inliers vs reference",
        "",
        "Matches between the enhanced low image and its reference should go up (the idea of",
        "exposure correction before 3-D reconstruction). Mean inliers per image: input -> output.",
        "",
    ]
    lines += method_table(
        results,
        meths,
        [(d, d) for d in sets if d.startswith("lol")],
        lambda s: f"{s.get('inliers_input', 0):.0f} → {s.get('inliers', 0):.0f}",
    )
    lines += [
        "",
        "## Speed (s per megapixel, on these small images; see bench/speed.py for 12 MP)",
        "",
    ]
    lines += method_table(
        results, meths, [(d, d) for d in sets], lambda s: f"{s['seconds_per_mp']:.3f}"
    )
    lines += [
        "",
        "## Noise vs detail: `--denoise` from 0 to 2 on LOL-v1 eval15",
        "",
        "1 removes the noise lumos measures; above 1 it smooths as if there were more.",
        "",
        "![trade-off](tradeoff_denoise.png)",
        "",
        "| model | --denoise | PSNR | NIQE | residual noise /255 |",
        "|---|---|---|---|---|",
    ]
    for model, d, m in trade:
        noise = m["residual_noise"] * 255
        lines.append(f"| {model} | {d:g} | {m['psnr']:.2f} | {m['niqe']:.2f} | {noise:.2f} |")
    lines += ["", "## Contact sheets (input | methods | reference)", ""]
    for dname, name in sheets.items():
        lines += [f"### {dname}", "", f"![{dname}]({name})", ""]
    lines += ["## Dataset audit (`lumos audit-pairs`)", ""]
    for title, rep in zip(
        ("lol_v1_eval15 (against our485 subset references)", "lol_v1_our485_subset"),
        audits,
        strict=True,
    ):
        lines.append(f"**{title}**: {len(rep.pairs)} pairs, findings: {rep.counts() or 'none'}")
        lines.append("")
        for f in rep.findings:
            lines.append(f"- `{f.kind}` {', '.join(f.files)}: {f.detail}")
        lines.append("")
    lines += [
        "## Seed architectures (MIRNet, ALEN) vs lumos' own",
        "",
        "Speed and memory at 0.24 and 1 MP: [seeds_bench.md](seeds_bench.md) (`bench/seeds.py`).",
    ]
    (DOCS / "benchmarks.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
