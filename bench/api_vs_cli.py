"""One 12 MP photo through ``lumos enhance`` and through ``POST /v1/enhance`` (a benchmark).

Both in fresh processes on the same machine, the same photo and default settings;
the CLI's time is the whole command (start-up included), the API's is one request
to a warmed-up server. Prints both and their ratio.

    python bench/api_vs_cli.py [--megapixels 12] [--repeat 2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from load import serving
from soak import _photo


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--megapixels", type=float, default=12.0)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    data = _photo(args.megapixels)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "night.jpg"
        src.write_bytes(data)
        cli = []
        for i in range(args.repeat):
            t0 = time.perf_counter()
            cmd = [sys.executable, "-m", "lumos", "enhance", str(src), "-o", f"{tmp}/o{i}", "-q"]
            subprocess.run(cmd, check=True)
            cli.append(time.perf_counter() - t0)
        api = []
        with serving() as (_, url):
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                r = httpx.post(
                    f"{url}/v1/enhance", files={"file": ("night.jpg", data)}, timeout=600
                )
                api.append(time.perf_counter() - t0)
                assert r.status_code == 200, r.text
    print(f"photo  {args.megapixels:g} MP JPEG, {len(data) / 1e6:.1f} MB")
    print(f"CLI    {', '.join(f'{t:.1f}' for t in cli)} s (whole command)")
    print(f"API    {', '.join(f'{t:.1f}' for t in api)} s (one request, server warm)")
    print(f"ratio  {min(api) / min(cli):.2f} (best API / best CLI)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
