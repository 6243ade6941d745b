"""Load test of ``lumos serve`` (a benchmark, not a test).

Starts the server in a subprocess on a free loopback port, fires N concurrent
uploads of a ~1 MP JPEG and reports successes, 503s, other failures, p50/p95
latency and the server's peak RSS (``VmHWM``). Every request must succeed or
be refused with 503; anything else makes the script exit 1.

    python bench/load.py [--requests 50] [--concurrency 2] [--queue 8]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
from PIL import Image

HOST = "127.0.0.1"  # loopback only
# `lumos serve` through its own module, so the benchmark runs even where the
# subcommand is not yet registered in `lumos.cli`.
_SERVE = (
    "import argparse, sys; from lumos.cli import serve; p = argparse.ArgumentParser(); "
    "serve.add_parser(p.add_subparsers()); a = p.parse_args(sys.argv[1:]); sys.exit(a.run(a))"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _photo(w: int = 1152, h: int = 864) -> bytes:
    """A ~1 MP dark, noisy JPEG."""
    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:h, 0:w]
    base = 12 + 25 * (x / w) + 10 * np.sin(y / 40.0)
    rgb = base[..., None] * np.array([1.0, 0.9, 0.8]) + rng.normal(0, 5, (h, w, 3))
    buf = io.BytesIO()
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _wait_ready(url: str, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("server did not start in time")


@contextlib.contextmanager
def serving(*options: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """``lumos serve`` on a free loopback port with ``options`` (``--concurrency 2`` ...),
    ready to answer: yields the process and its URL; stops it on leaving (killed if it
    has not ended 15 s after SIGTERM)."""
    port = _free_port()
    url = f"http://{HOST}:{port}"
    cmd = [sys.executable, "-c", _SERVE, "serve", "--host", HOST, "--port", str(port), *options]
    # Its output is not read: a pipe nobody empties would stall a server that logs a lot.
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_ready(url, proc)
        yield proc, url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--concurrency", type=int, default=2, help="server --concurrency")
    ap.add_argument("--queue", type=int, default=8, help="server --queue")
    ap.add_argument("--total-timeout", type=float, default=300.0, help="seconds for all requests")
    args = ap.parse_args()

    options = ("--concurrency", str(args.concurrency), "--queue", str(args.queue))
    with serving(*options) as (proc, url):
        data = _photo()
        deadline = time.monotonic() + args.total_timeout

        def one(i: int) -> tuple[int, float]:
            t0 = time.perf_counter()
            left = max(1.0, deadline - time.monotonic())
            try:
                r = httpx.post(
                    f"{url}/v1/enhance", files={"file": (f"p{i}.jpg", data)}, timeout=left
                )
                if r.status_code == 200:
                    Image.open(io.BytesIO(r.content)).verify()
                return r.status_code, time.perf_counter() - t0
            except httpx.HTTPError as exc:
                print(f"request {i}: {type(exc).__name__}: {exc}", file=sys.stderr)
                return -1, time.perf_counter() - t0

        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.requests) as pool:
            results = list(pool.map(one, range(args.requests)))
        wall = time.perf_counter() - t0
        rss = _peak_rss_mb(proc.pid)

    ok = [t for c, t in results if c == 200]
    busy = [t for c, t in results if c == 503]
    other = [(c, t) for c, t in results if c not in (200, 503)]
    lat = np.array(ok) if ok else np.array([np.nan])
    cpus = os.cpu_count()
    print(f"server      --concurrency {args.concurrency} --queue {args.queue}  ({cpus} CPUs)")
    print(f"image       {len(data) / 1e3:.0f} kB JPEG, 1152x864 (1.0 MP)")
    print(f"requests    {args.requests} at once, {wall:.1f} s in all")
    print(f"successes   {len(ok)}")
    print(f"503 busy    {len(busy)}  (answered in {max(busy, default=0) * 1e3:.0f} ms or less)")
    print(f"other       {len(other)}  {sorted({c for c, _ in other})}")
    print(
        f"latency     p50 {np.percentile(lat, 50):.2f} s, p95 {np.percentile(lat, 95):.2f} s (200s)"
    )
    print(f"peak RSS    {rss:.0f} MB (server VmHWM)")
    return 1 if other else 0


if __name__ == "__main__":
    sys.exit(main())
