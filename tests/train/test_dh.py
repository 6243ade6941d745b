"""LumosDH's trainer: a short run end to end, its data, and the ONNX export's parity."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

torch = pytest.importorskip("torch", reason="needs the 'train' extra (torch==2.13.0)")


def _photo(i: int, h: int = 96, w: int = 128) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([np.sin(xx / (5 + i)), np.cos(yy / 7), np.sin((xx + yy) / (9 + i))], -1)
    img[h // 3 : h // 2, w // 4 : w // 2] = -0.9  # a dark object: the dark channel has a floor
    return np.clip(img * 90 + 120, 0, 255).astype(np.uint8)


def _fake_data_root(root: Path) -> Path:
    for name, count in (("cbsd68", 10), ("mcmaster", 2)):  # cbsd68's 10th is held out
        (root / name).mkdir(parents=True)
        for i in range(count):
            Image.fromarray(_photo(i)).save(root / name / f"{i:02d}.png")
    return root


def test_short_training_run_exports_a_model_that_matches_torch(tmp_path: Path) -> None:
    from lumos.models.dehazer import estimate_haze
    from lumos.train.dh import main

    data = _fake_data_root(tmp_path / "data")
    out = tmp_path / "run"
    argv = ["--data", str(data), "--out", str(out), "--steps", "4", "--batch", "2"]
    argv += ["--patch", "64", "--eval-every", "2", "--width", "8", "--mid", "8", "--low", "8"]
    assert main(argv) == 0
    log = (out / "log.csv").read_text().splitlines()
    assert log[0].startswith("step,loss") and log[-1].startswith("4,")
    record = json.loads((out / "record.json").read_text())
    assert record["onnx_parity_max_abs"] < 1e-4
    assert set(record["val_heldout_synthetic_proxies"]) == {"psnr", "input_psnr", "clear_psnr"}
    # Resume: more steps continue from the checkpoint instead of starting over.
    assert main([*argv[:5], "6", *argv[6:]]) == 0
    assert (out / "log.csv").read_text().splitlines()[-1].startswith("6,")
    # The exported file runs at inference on a proxy of any size.
    proxy = np.random.default_rng(0).random((45, 71, 3), dtype=np.float32)
    est = estimate_haze(proxy, path=out / "onnx" / "dehaze.onnx")
    assert est.transmission.shape == (45, 71) and est.airlight.shape == (3,)
    assert est.transmission.min() > 0.0 and est.transmission.max() <= 1.0


def test_onnx_export_matches_torch_on_odd_sizes(tmp_path: Path) -> None:
    from lumos.models._onnx import import_onnxruntime
    from lumos.train.dh import export_dh
    from lumos.train.dh_arch import LumosDH

    torch.manual_seed(0)
    net = LumosDH(8, 8, 16, 1).eval()
    path = export_dh(net, tmp_path / "dehaze.onnx")
    session = import_onnxruntime().InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for h, w in ((24, 40), (72, 128)):
        x = np.random.default_rng(h).random((1, 3, h, w), dtype=np.float32)
        t, a = session.run(None, {"rgb": x})
        with torch.no_grad():
            rt, ra = net(torch.from_numpy(x))
        assert t.shape == (1, 1, h, w)
        np.testing.assert_allclose(t, rt.numpy(), atol=1e-5)
        np.testing.assert_allclose(a, ra.numpy(), atol=1e-5)


def test_synthetic_haze_follows_the_scattering_model() -> None:
    from lumos.train.dh_data import depth_field, hazy_sample

    rng = np.random.default_rng(3)
    clean = _photo(1).astype(np.float32) / 255
    d = depth_field(clean, rng)
    assert d.shape == clean.shape[:2] and d.min() >= 0.0 and d.max() <= 1.0
    s = hazy_sample(clean, rng, haze=True)
    assert s.has_haze and float(s.t.min()) >= 0.08 and float(s.t.max()) < 1.0
    # Haze lifts the darkest pixels toward the airlight.
    assert s.hazy.min(axis=2).mean() > clean.min(axis=2).mean() + 0.05
    clear = hazy_sample(clean, rng, haze=False)
    assert (clear.t == 1.0).all() and not clear.has_haze
    assert np.abs(clear.hazy - clear.clean).mean() < 0.03  # only the camera's noise
