"""LumosSR training end to end on tiny in-code images: steps -> resume -> ONNX -> parity."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="needs the 'train' extra (torch==2.13.0)")


def _images(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:96, 0:112].astype(np.float32)
    out = []
    for _ in range(n):
        f = rng.uniform(2, 8, 3)
        img = np.stack([np.sin(xx / f[0]), np.cos(yy / f[1]), np.sin((xx + yy) / f[2])], -1)
        out.append((img * 90 + 120).astype(np.uint8))
    return out


def test_degradations_report_the_noise_they_add() -> None:
    from lumos.train.sr_data import degrade

    rng = np.random.default_rng(0)
    hr = _images(1, 0)[0][:64, :64].astype(np.float32) / 255
    for _ in range(20):
        lr, sigma = degrade(hr, 2, rng)
        assert lr.shape == (32, 32, 3) and lr.dtype == np.float32
        assert 0.0 <= sigma < 0.3


def test_short_run_resumes_and_exports_onnx_with_parity(tmp_path: Path) -> None:
    from lumos.train.sr import SRConfig, export_sr, parity_sr, train_sr
    from lumos.train.sr_arch import LumosSR
    from lumos.train.sr_data import SRSources

    sources = SRSources(train=_images(3, 0), val=_images(1, 1))
    cfg = SRConfig(out_dir=str(tmp_path / "run"), steps=3, batch=2, patch=16, eval_every=3,
                   checkpoint_every=3)  # fmt: skip
    train_sr(cfg, sources, log=lambda *a, **k: None)
    cfg = SRConfig(**{**cfg.__dict__, "steps": 5})
    best = train_sr(cfg, sources, log=lambda *a, **k: None)  # resumes at step 3
    ckpt = torch.load(tmp_path / "run" / "last.pt", weights_only=False)
    assert ckpt["step"] == 5
    rows = (tmp_path / "run" / "log.csv").read_text().splitlines()
    assert rows[0].startswith("step,loss") and rows[-1].startswith("5,")
    assert json.loads((tmp_path / "run" / "config.json").read_text())["steps"] == 5

    net = LumosSR(cfg.width, cfg.depth)
    net.load_state_dict(torch.load(best, weights_only=True))
    paths = export_sr(net, tmp_path / "onnx")
    assert sorted(paths) == [2, 4]
    assert parity_sr(net, paths) < 1e-3
