"""Speed (s/MP) and peak RSS of the seed architectures (random weights) vs lumos' own.

Each (model, size) runs in a fresh process so that its peak RSS is that run's
own. It is read from ``VmHWM`` in ``/proc/self/status``, not ``ru_maxrss``: Linux
carries ``ru_maxrss`` across ``exec``, so a child started from this parent (which
has torch loaded to write the checkpoints) would report at least the parent's peak.
Random weights cost the same time as trained ones; lumos' own models
(``classical``, ``lumosnet``) run with what ships in the package. With
``--repeat N`` the timed run is repeated in the same process and the fastest
kept (the machine may be shared; the minimum is the least disturbed run).

    python bench/seeds.py [--sizes 0.24 1.0] [--models classical lumosnet alen mirnet]
                          [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = r"""
import json, sys, time
import numpy as np
from lumos.config import EnhanceOptions
from lumos.pipeline import run_pipeline
def hwm_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
model, mp, weights, repeat = sys.argv[1], float(sys.argv[2]), sys.argv[3] or None, int(sys.argv[4])
w = int(round((mp * 1e6 * 4 / 3) ** 0.5)); h = int(round(mp * 1e6 / w))
rgb = (np.random.default_rng(0).random((h, w, 3), dtype=np.float32) * 0.2)
opts = EnhanceOptions(model=model, weights=weights)
base_mb = hwm_mb()  # interpreter, imports and the input image
run_pipeline(rgb[:64, :64].copy(), opts)  # warm-up: load weights, first-call costs
times = []
for _ in range(repeat):
    t = time.perf_counter(); run_pipeline(rgb, opts); times.append(time.perf_counter() - t)
dt = min(times)
print(json.dumps({"model": model, "mp": round(h * w / 1e6, 3), "seconds": round(dt, 2),
                  "s_per_mp": round(dt / (h * w / 1e6), 2),
                  "peak_rss_mb": round(hwm_mb()),
                  "before_run_mb": round(base_mb)}))
"""


def _checkpoints(folder: Path) -> dict[str, str]:
    import torch

    from lumos.models.seeds import _alen_arch as alen
    from lumos.models.seeds._mirnet_arch import MIRNet

    torch.save({"model_state_dict": MIRNet().state_dict()}, folder / "mirnet.pth")
    for name, build in (
        ("CLASSIFICATION", alen.SLCFormer),
        ("LOCAL", alen.ScNet),
        ("GLOBAL", alen.GlobalEnhancement),
        ("COLOR", alen.McNet),
    ):
        torch.save(build().state_dict(), folder / f"{name}.pt")
    return {
        "classical": "",
        "lumosnet": "",
        "mirnet": str(folder / "mirnet.pth"),
        "alen": str(folder),
    }


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", type=float, nargs="+", default=[0.24, 1.0])
    p.add_argument("--models", nargs="+", default=["classical", "lumosnet", "alen", "mirnet"])
    p.add_argument("--repeat", type=int, default=1, help="timed runs per process (best kept)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        weights = _checkpoints(Path(tmp))
        for mp in args.sizes:
            for model in args.models:
                out = subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        _CHILD,
                        model,
                        str(mp),
                        weights[model],
                        str(args.repeat),
                    ],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if out.returncode != 0:
                    tail = (out.stderr.strip().splitlines() or ["no output"])[-1]
                    print(json.dumps({"model": model, "mp": mp, "error": tail}), flush=True)
                    continue
                print(json.dumps(json.loads(out.stdout.strip().splitlines()[-1])), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
