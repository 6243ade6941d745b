"""Memory soak of ``lumos serve`` (a benchmark, not a test): is memory given back when idle?

Starts the server in a subprocess, reads its RSS once started and warmed up (one
small request), sends a burst of large uploads (default 4 of 12 MP, two at a
time), then waits idle and reads the RSS again. It prints start, peak and idle
RSS and exits 1 when the idle RSS stays more than ``--slack`` MB above the
warmed-up start.

    python bench/soak.py [--requests 4] [--megapixels 12] [--idle 5] [--slack 300]
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from load import _peak_rss_mb, serving


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _photo(megapixels: float) -> bytes:
    """A dark, noisy JPEG of about ``megapixels`` (4:3)."""
    w = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    h = int(w * 3 / 4)
    rng = np.random.default_rng(1)
    x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    base = 12 + 25 * x + 10 * np.sin(y * 40)
    rgb = base[..., None] * np.array([1.0, 0.9, 0.8], np.float32)
    rgb += rng.normal(0, 5, (h, w, 3)).astype(np.float32)
    buf = io.BytesIO()
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=4)
    ap.add_argument("--megapixels", type=float, default=12.0)
    ap.add_argument("--concurrency", type=int, default=2, help="server --concurrency")
    ap.add_argument("--idle", type=float, default=5.0, help="seconds idle before the reading")
    ap.add_argument("--slack", type=float, default=300.0, help="MB above the start allowed")
    args = ap.parse_args()

    options = ("--concurrency", str(args.concurrency), "--queue", str(args.requests))
    with serving(*options) as (proc, url):
        small = _photo(0.3)
        httpx.post(f"{url}/v1/enhance", files={"file": ("warm.jpg", small)}, timeout=120)
        time.sleep(1.0)
        start = _rss_mb(proc.pid)
        data = _photo(args.megapixels)

        def one(i: int) -> tuple[int, float]:
            t0 = time.perf_counter()
            r = httpx.post(f"{url}/v1/enhance", files={"file": (f"p{i}.jpg", data)}, timeout=900)
            return r.status_code, time.perf_counter() - t0

        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.requests) as pool:
            results = list(pool.map(one, range(args.requests)))
        wall = time.perf_counter() - t0
        peak = _peak_rss_mb(proc.pid)
        time.sleep(args.idle)
        idle = _rss_mb(proc.pid)

    codes = sorted({c for c, _ in results})
    print(f"burst       {args.requests} x {args.megapixels:g} MP, {wall:.1f} s, status {codes}")
    print(f"latency     {', '.join(f'{t:.1f}' for _, t in results)} s")
    print(f"RSS start   {start:.0f} MB (warmed up)")
    print(f"RSS peak    {peak:.0f} MB")
    print(f"RSS idle    {idle:.0f} MB after {args.idle:g} s idle ({idle - start:+.0f} MB)")
    return 0 if codes == [200] and idle - start <= args.slack else 1


if __name__ == "__main__":
    sys.exit(main())
