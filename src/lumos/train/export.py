"""ONNX export of the trained networks, and the torch vs ONNX Runtime parity check.

All three nets use the TorchScript exporter (``dynamo=False``): they are plain
conv nets without control flow, it needs no extra package (the
torch.export-based one needs onnxscript), and the parity check guards the
result. Its deprecation warning, and its note that the reflect-padding slices
cannot be constant-folded (harmless: they stay as runtime ops), are silenced
here only.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .archs import GlobalNet

__all__ = ["export_onnx", "onnx_parity", "parity", "to_onnx"]


def to_onnx(
    net: nn.Module,
    example: tuple[torch.Tensor, ...],
    path: Path,
    *,
    inputs: list[str],
    outputs: list[str],
    dynamic_axes: dict[str, dict[int, str]],
) -> Path:
    """Export ``net`` (in eval mode) to ``path`` with opset 17; returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message="Constant folding", category=UserWarning)
        torch.onnx.export(
            net.eval(),
            example,
            str(path),
            input_names=inputs,
            output_names=outputs,
            dynamic_axes=dynamic_axes,
            opset_version=17,
            dynamo=False,
        )
    return path


def onnx_parity(
    torch_fn: Callable[..., torch.Tensor], path: Path, feeds: Iterable[dict[str, np.ndarray]]
) -> float:
    """Max abs difference between ``torch_fn`` and the ONNX file over ``feeds``.

    Each feed maps the ONNX input names to arrays, in ``torch_fn``'s argument order.
    """
    from ..models._onnx import import_onnxruntime

    session = import_onnxruntime().InferenceSession(str(path), providers=["CPUExecutionProvider"])
    worst = 0.0
    for feed in feeds:
        with torch.no_grad():
            ref = torch_fn(*(torch.from_numpy(a) for a in feed.values())).numpy()
        got = session.run(None, feed)[0]
        worst = max(worst, float(np.abs(ref - got).max()))
    return worst


def export_onnx(net: GlobalNet, out_dir: Path) -> Path:
    """Write LumosNet's ``global.onnx`` with dynamic height and width; returns its path."""
    return to_onnx(
        net,
        (torch.rand(1, 3, 64, 96),),
        out_dir / "global.onnx",
        inputs=["proxy"],
        outputs=["coeffs"],
        dynamic_axes={"proxy": {2: "h", 3: "w"}, "coeffs": {2: "h2", 3: "w2"}},
    )


def parity(net: GlobalNet, path: Path, *, seed: int = 0) -> float:
    """LumosNet's parity on random proxies of odd-ish sizes."""
    rng = np.random.default_rng(seed)
    sizes = [(40, 56), (75, 101), (128, 96), (384, 512)]
    feeds = [{"proxy": rng.random((1, 3, h, w), dtype=np.float32)} for h, w in sizes]
    return onnx_parity(net.eval(), path, feeds)
