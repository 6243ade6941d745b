"""scripts/denoiser_soup.py: LumosDN's two weight sets from two checkpoints, end to end."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")


def _script():
    path = Path(__file__).resolve().parents[2] / "scripts" / "denoiser_soup.py"
    spec = importlib.util.spec_from_file_location("denoiser_soup", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_blend_and_export_of_two_tiny_checkpoints(tmp_path: Path) -> None:
    import onnxruntime as ort

    from lumos.train.dn_arch import LumosDN

    soup = _script()
    arch = {"width": 8, "low_width": 8, "low_depth": 1}
    paths = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        run = tmp_path / f"run{seed}"
        run.mkdir()
        (run / "config.json").write_text(json.dumps(arch))
        torch.save(LumosDN(**arch).state_dict(), run / "best.pt")
        paths.append(run / "best.pt")
    a, b = (torch.load(p) for p in paths)
    mixed = soup.blend(a, b, 0.3)
    key = next(k for k, v in a.items() if v.is_floating_point())
    torch.testing.assert_close(mixed[key], 0.7 * a[key] + 0.3 * b[key])

    section = soup.build(paths[0], paths[1], 0.3, tmp_path / "out")
    assert section["weight"] == 0.3
    assert section["denoiser.onnx parity"] < 1e-4 and section["denoiser_dark.onnx parity"] < 1e-4
    # The dark-photo file is the second net itself; the other is neither of the two.
    x = np.random.default_rng(0).random((1, 3, 16, 16), dtype=np.float32)
    s = np.full((1, 1, 16, 16), 0.05, np.float32)
    outs = {}
    for name in ("denoiser.onnx", "denoiser_dark.onnx"):
        sess = ort.InferenceSession(str(tmp_path / "out" / name))
        outs[name] = sess.run(None, {"rgb": x, "sigma": s})[0]
    net = LumosDN(**arch)
    net.load_state_dict(b)
    with torch.no_grad():
        want = net.eval()(torch.from_numpy(x), torch.from_numpy(s)).numpy()
    np.testing.assert_allclose(outs["denoiser_dark.onnx"], want, atol=1e-4)
    assert np.abs(outs["denoiser.onnx"] - want).max() > 1e-4
