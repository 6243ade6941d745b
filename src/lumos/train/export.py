"""Export the trained networks to ONNX and check torch vs ONNX Runtime parity."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch

from .archs import LumosNet

__all__ = ["export_onnx", "parity"]


def export_onnx(net: LumosNet, out_dir: Path) -> tuple[Path, Path]:
    """Write ``global.onnx`` and ``local.onnx`` with dynamic heights and widths.

    Uses the TorchScript exporter (``dynamo=False``): these are plain conv nets
    without control flow, it needs no extra package (the torch.export-based one
    needs onnxscript), and the parity check below guards the result. Its
    deprecation warning is silenced here only.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return _export(net, out_dir)


def _export(net: LumosNet, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    net = net.eval()
    g_path, l_path = out_dir / "global.onnx", out_dir / "local.onnx"
    torch.onnx.export(
        net.global_net,
        (torch.rand(1, 3, 64, 96),),
        str(g_path),
        input_names=["proxy"],
        output_names=["coeffs"],
        dynamic_axes={"proxy": {2: "h", 3: "w"}, "coeffs": {2: "h2", 3: "w2"}},
        opset_version=17,
        dynamo=False,
    )
    torch.onnx.export(
        net.local_net,
        (torch.rand(1, 3, 64, 96), torch.rand(1, 1, 64, 96)),
        str(l_path),
        input_names=["bright", "sigma"],
        output_names=["refined"],
        dynamic_axes={
            "bright": {2: "h", 3: "w"},
            "sigma": {2: "h", 3: "w"},
            "refined": {2: "h", 3: "w"},
        },
        opset_version=17,
        dynamo=False,
    )
    return g_path, l_path


def parity(net: LumosNet, g_path: Path, l_path: Path, *, seed: int = 0) -> float:
    """Max abs difference between torch and ONNX Runtime on random inputs of odd-ish sizes."""
    import onnxruntime as ort

    rng = np.random.default_rng(seed)
    net = net.eval()
    worst = 0.0
    g = ort.InferenceSession(str(g_path), providers=["CPUExecutionProvider"])
    loc = ort.InferenceSession(str(l_path), providers=["CPUExecutionProvider"])
    for h, w in [(40, 56), (75, 101), (128, 96)]:
        proxy = rng.random((1, 3, h, w), dtype=np.float32)
        with torch.no_grad():
            ref = net.global_net(torch.from_numpy(proxy)).numpy()
        got = g.run(None, {"proxy": proxy})[0]
        worst = max(worst, float(np.abs(ref - got).max()))
    for h, w in [(64, 64), (96, 130)]:
        bright = rng.random((1, 3, h, w), dtype=np.float32)
        sigma = rng.random((1, 1, h, w), dtype=np.float32) * 0.1
        with torch.no_grad():
            ref = net.local_net(torch.from_numpy(bright), torch.from_numpy(sigma)).numpy()
        got = loc.run(None, {"bright": bright, "sigma": sigma})[0]
        worst = max(worst, float(np.abs(ref - got).max()))
    return worst
