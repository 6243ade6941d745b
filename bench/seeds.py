"""Speed (s/MP) and peak RSS of the seed architectures (random weights) vs classical.

Each (model, size) runs in a fresh process so that peak RSS (``ru_maxrss``) is
that run's own. Random weights cost the same time as trained ones.

    python bench/seeds.py [--sizes 0.24 1.0]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = r"""
import json, resource, sys, time
import numpy as np
from lumos.config import EnhanceOptions
from lumos.pipeline import run_pipeline
model, mp, weights = sys.argv[1], float(sys.argv[2]), sys.argv[3] or None
w = int(round((mp * 1e6 * 4 / 3) ** 0.5)); h = int(round(mp * 1e6 / w))
rgb = (np.random.default_rng(0).random((h, w, 3), dtype=np.float32) * 0.2)
opts = EnhanceOptions(model=model, weights=weights)
run_pipeline(rgb[:64, :64].copy(), opts)  # warm-up: load weights, first-call costs
t = time.perf_counter(); run_pipeline(rgb, opts); dt = time.perf_counter() - t
print(json.dumps({"model": model, "mp": round(h * w / 1e6, 3), "seconds": round(dt, 2),
                  "s_per_mp": round(dt / (h * w / 1e6), 2),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
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
    return {"classical": "", "mirnet": str(folder / "mirnet.pth"), "alen": str(folder)}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", type=float, nargs="+", default=[0.24, 1.0])
    p.add_argument("--models", nargs="+", default=["classical", "alen", "mirnet"])
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        weights = _checkpoints(Path(tmp))
        for mp in args.sizes:
            for model in args.models:
                out = subprocess.run(
                    [sys.executable, "-c", _CHILD, model, str(mp), weights[model]],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                print(json.dumps(json.loads(out.stdout.strip().splitlines()[-1])), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
