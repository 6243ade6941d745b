"""Export the trained network to ONNX and check torch vs ONNX Runtime parity."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch

from .archs import GlobalNet

__all__ = ["export_onnx", "parity"]


def export_onnx(net: GlobalNet, out_dir: Path) -> Path:
    """Write ``global.onnx`` with dynamic height and width; returns its path.

    Uses the TorchScript exporter (``dynamo=False``): this is a plain conv net
    without control flow, it needs no extra package (the torch.export-based one
    needs onnxscript), and the parity check below guards the result. Its
    deprecation warning, and its note that the reflect-padding slices cannot be
    constant-folded (harmless: they stay as runtime ops), are silenced here only.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "global.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message="Constant folding", category=UserWarning)
        torch.onnx.export(
            net.eval(),
            (torch.rand(1, 3, 64, 96),),
            str(path),
            input_names=["proxy"],
            output_names=["coeffs"],
            dynamic_axes={"proxy": {2: "h", 3: "w"}, "coeffs": {2: "h2", 3: "w2"}},
            opset_version=17,
            dynamo=False,
        )
    return path


def parity(net: GlobalNet, path: Path, *, seed: int = 0) -> float:
    """Max abs difference between torch and ONNX Runtime on random inputs of odd-ish sizes."""
    import onnxruntime as ort

    rng = np.random.default_rng(seed)
    net = net.eval()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    worst = 0.0
    for h, w in [(40, 56), (75, 101), (128, 96), (384, 512)]:
        proxy = rng.random((1, 3, h, w), dtype=np.float32)
        with torch.no_grad():
            ref = net(torch.from_numpy(proxy)).numpy()
        got = session.run(None, {"proxy": proxy})[0]
        worst = max(worst, float(np.abs(ref - got).max()))
    return worst
