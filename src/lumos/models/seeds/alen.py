"""``--model alen --weights DIR``: ALEN (xingyumex/ALEN) from its published weights.

``DIR`` holds the four files of the project's ``Models/`` folder:
``CLASSIFICATION.pt`` (SLCFormer), ``LOCAL.pt`` (ScNet), ``GLOBAL.pt``
(GlobalEnhancement) and ``COLOR.pt`` (McNet), each a bare state dict.

What runs (the project's ``inference.py``)
------------------------------------------
1. The classifier sees a 224 x 224, ImageNet-normalised copy of the photo and
   says uniform (0) or uneven (1) light. This is the one global decision, made
   in :meth:`ALENEnhancer.prepare` (the original resizes with torchvision's
   bilinear ``Resize``; here an area resize of the float image, which differs
   by a fraction of an 8-bit step).
2. Uneven: the HSV value channel goes through ScNet, hue and saturation are
   kept; the result is blended ``1.0 * luminance + 0.1 * McNet(rgb)``.
   Uniform: ``0.9 * GlobalEnhancement(rgb) + 0.4 * McNet(rgb)``. Both clipped.

Tiling: ScNet, McNet and GlobalEnhancement have no global pooling and
receptive fields of 4 to 14 pixels, so tiles with a 16-pixel halo reproduce
the whole-frame result exactly (zero padding only at the photo's true edges,
as in a whole-frame run). ``--light`` does not steer ALEN: it has its own
classifier, which is the point of the method.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..._types import FloatImage, Region
from ...analysis import Analysis
from ...enhancer import Plan, TileOutput
from ...errors import ModelError
from ._load import load_into, require_torch
from .mirnet import run_network

__all__ = ["FILES", "HALO", "ALENEnhancer"]

FILES = {
    "classifier": "CLASSIFICATION.pt",
    "local": "LOCAL.pt",
    "global": "GLOBAL.pt",
    "color": "COLOR.pt",
}
HALO = 16
"""Covers the deepest path: ScNet (4) + McNet (10) in the global branch."""
BLENDS = {"uneven": (1.0, 0.1), "uniform": (0.9, 0.4)}
"""(luminance weight, colour weight) per branch, from the original inference script."""
_IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)


class _Branch:
    """``net(x)`` for one branch, on RGB in (1, 3, h, w)."""

    def __init__(self, net: Any, *, value_only: bool) -> None:
        self.net, self.value_only = net, value_only

    def __call__(self, x: Any) -> Any:
        if not self.value_only:
            return self.net(x)
        from ._alen_arch import hsv_value_scale

        return hsv_value_scale(x, self.net(x.amax(dim=1, keepdim=True)))


class ALENEnhancer:
    """ALEN: a light classifier routing to a local or a global enhancer, plus colour."""

    name = "alen"
    tile_workers = 1

    def __init__(self, weights: str | Path) -> None:
        require_torch()
        from ._alen_arch import GlobalEnhancement, McNet, ScNet, SLCFormer

        folder = Path(weights)
        if not folder.is_dir():
            raise ModelError(
                "--weights for alen must be the folder with " + ", ".join(FILES.values()),
                path=folder,
            )
        self.weights = folder
        self.classifier = load_into(SLCFormer(), folder / FILES["classifier"])
        self.local = load_into(ScNet(), folder / FILES["local"])
        self.global_ = load_into(GlobalEnhancement(), folder / FILES["global"])
        self.color = load_into(McNet(), folder / FILES["color"])

    def classify(self, image: FloatImage) -> tuple[str, float]:
        """ALEN's own verdict: ("uniform" | "uneven", probability of it)."""
        torch = require_torch()
        small = cv2.resize(image, (224, 224), interpolation=cv2.INTER_AREA)
        x = (small - _IMAGENET_MEAN) / _IMAGENET_STD
        t = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None]
        with torch.inference_mode():
            p = torch.softmax(self.classifier(t), dim=1)[0].numpy()
        label = "uneven" if p[1] > p[0] else "uniform"
        return label, float(p.max())

    def prepare(
        self,
        image: FloatImage,
        analysis: Analysis,
        *,
        denoise: float | None,
        detail: float | None,
        brightness: float | None,
        shadows: float | None = None,
    ) -> Plan:
        """Run the classifier once; strength options are ignored (the networks decide)."""
        label, conf = self.classify(image)
        return Plan(
            halo=HALO,
            denoise=0.0,
            detail=0.0,
            target_brightness=float(analysis.mean_luminance),
            params={"branch": label, "confidence": conf},
        )

    def process_region(
        self,
        tile: FloatImage,
        plan: Plan,
        region: Region,
        *,
        keep_intermediates: bool = False,
    ) -> TileOutput:
        """Luminance branch and colour network on one tile, blended as in the original."""
        branch = plan.params["branch"]
        net = (
            _Branch(self.local, value_only=True)
            if branch == "uneven"
            else _Branch(self.global_, value_only=False)
        )
        lum = run_network(net, tile, multiple=1)
        col = run_network(self.color, tile, multiple=1)
        w_lum, w_col = BLENDS[branch]
        out = np.clip(w_lum * lum + w_col * col, 0.0, 1.0).astype(np.float32)
        inter: dict[str, np.ndarray] = {}
        if keep_intermediates:
            inter = {"brightened": np.clip(lum, 0.0, 1.0), "detail": out}
        return TileOutput(image=out, intermediates=inter)
