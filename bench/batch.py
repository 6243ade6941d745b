"""Throughput of many photos: one process, `lumos enhance --jobs N`, and `lumos batch` on Dask.

The photos are the bundled sample resized to ``--megapixels`` with fresh noise
per copy (so no two are alike), written as JPEGs into a temporary folder. Each
way runs as a user would run it (the CLI in a fresh subprocess, wall time
includes start-up: Python imports and, for Dask, starting the local cluster),
into an empty output folder. Peak RSS is that of the largest process (for Dask:
the largest worker, which holds one photo at a time).

Usage: python bench/batch.py [--photos 24] [--megapixels 3] [--workers 1 2]
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from speed import make_input  # noqa: E402


def _run(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and the peak RSS (MB) of the largest process in the tree."""
    t0 = time.perf_counter()
    # `time -v`-like accounting without GNU time: the children's peak RSS.
    code = (
        "import resource, subprocess, sys, json;"
        "r = subprocess.run(sys.argv[1:]);"
        "print(json.dumps({'rc': r.returncode, "
        "'rss': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True
    )
    seconds = time.perf_counter() - t0
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["rc"] not in (0,):
        raise SystemExit(f"{' '.join(argv)} failed:\n{out.stderr}")
    return seconds, result["rss"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=24)
    ap.add_argument("--megapixels", type=float, default=3.0)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--model", default=None, help="enhancer (default: lumos' default)")
    args = ap.parse_args()

    lumos = str(Path(sys.executable).with_name("lumos"))
    model = [] if args.model is None else ["--model", args.model]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        for i in range(args.photos):
            make_input(args.megapixels, src / f"p{i:04d}.jpg", seed=i)
        ways: list[tuple[str, list[str]]] = []
        for n in args.workers:
            ways.append((f"`lumos enhance --jobs {n}`", ["enhance", str(src), "--jobs", str(n)]))
        for n in args.workers:
            ways.append(
                (f"`lumos batch --workers {n}` (Dask)", ["batch", str(src), "--workers", str(n)])
            )
        rows = []
        for k, (name, argv) in enumerate(ways):
            out = Path(tmp) / f"out{k}"
            seconds, rss = _run([lumos, *argv, "-o", str(out), "-q", *model])
            written = len(list(out.glob("*.jpg")))
            assert written == args.photos, f"{name}: {written} of {args.photos} written"
            mp = args.photos * args.megapixels
            rows.append((name, seconds, args.photos / seconds, mp / seconds, rss))
            print(f"{name}: {seconds:.1f} s", file=sys.stderr)

    print(f"\n{args.photos} photos of {args.megapixels:g} MP, {model or 'default model'}\n")
    print("| how | wall s | photos/s | MP/s | peak RSS of one process (MB) |")
    print("|---|---|---|---|---|")
    for name, s, pps, mps, rss in rows:
        print(f"| {name} | {s:.1f} | {pps:.2f} | {mps:.2f} | {rss:.0f} |")


if __name__ == "__main__":
    main()
