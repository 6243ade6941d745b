"""Fit the pristine NIQE model shipped as ``src/lumos/eval/niqe_params.npz``.

Usage (from the repository root)::

    .venv/bin/python scripts/fit_niqe.py                 # ../shared/data, all images
    .venv/bin/python scripts/fit_niqe.py --data DIR --limit 40 --seed 1 -o model.npz

The pristine images are the clean sets Kodak24 (500x500 crops), CBSD68 and
McMaster under ``DATA``. For each image, the 96x96 patches whose sharpness is
at least 0.75 of the image's sharpest are kept (see :mod:`lumos.eval.niqe`);
their 36 features give the mean and covariance. The fit itself is
deterministic; ``--seed`` only picks the subset when ``--limit`` is given.

Shipped model (``python scripts/fit_niqe.py``, all images, no limit):
110 images (24 kodak24 + 68 cbsd68 + 18 mcmaster), 521 pristine patches
(of 2070 patches in all), about 3 s on a laptop CPU.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from lumos.eval.niqe import DEFAULT_PARAMS_PATH, PATCH_SIZE, fit_niqe_model
from lumos.io import SUPPORTED_SUFFIXES, read_image

SOURCES = ("kodak24", "cbsd68", "mcmaster")


def _images(data: Path, limit: int | None, seed: int) -> list[Path]:
    paths: list[Path] = []
    for name in SOURCES:
        folder = data / name
        if not folder.is_dir():
            sys.exit(f"fit_niqe: missing folder {folder}")
        paths += sorted(p for p in folder.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
    if limit is not None and limit < len(paths):
        pick = np.random.default_rng(seed).choice(len(paths), size=limit, replace=False)
        paths = [paths[i] for i in sorted(pick)]
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="data root")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_PARAMS_PATH)
    parser.add_argument("--limit", type=int, default=None, help="use a random subset of N images")
    parser.add_argument("--seed", type=int, default=0, help="seed of the --limit subset")
    args = parser.parse_args(argv)

    paths = _images(args.data, args.limit, args.seed)
    counts = {name: sum(p.parent.name == name for p in paths) for name in SOURCES}
    model = fit_niqe_model(
        (read_image(p).rgb for p in paths),
        meta={
            "sources": ",".join(f"{k}:{v}" for k, v in counts.items()),
            "seed": args.seed if args.limit is not None else -1,
        },
    )
    model.save(args.output)
    print(f"images   {model.meta['n_images']} ({', '.join(f'{k} {v}' for k, v in counts.items())})")
    print(f"patches  {model.meta['n_patches']} pristine {PATCH_SIZE}x{PATCH_SIZE} patches")
    print(f"seed     {args.seed if args.limit is not None else 'not used (all images)'}")
    print(f"wrote    {args.output} ({args.output.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
