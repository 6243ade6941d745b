"""Simple reference methods for the benchmark: what any photo tool can do.

They show what lumos adds over the obvious: ``identity`` (do nothing), ``gamma``
(one global curve that brings the mean to mid-grey) and ``clahe`` (local
histogram equalisation of lightness, a classic 'auto-enhance').
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from .._color import LUMA
from .._types import FloatImage
from ..errors import OptionError

__all__ = ["BASELINES", "clahe", "gamma_curve", "get_baseline", "identity"]


def identity(rgb: FloatImage) -> FloatImage:
    """The input, unchanged."""
    return rgb


def gamma_curve(rgb: FloatImage, *, target: float = 0.45) -> FloatImage:
    """One global power curve ``x ** g`` with ``g`` chosen so the mean luma becomes ``target``."""
    luma = rgb @ LUMA
    mean = float(np.clip(luma.mean(), 1e-4, 0.99))
    g = np.log(target) / np.log(mean)
    return np.power(np.clip(rgb, 0, 1), np.float32(g)).astype(np.float32)


def clahe(rgb: FloatImage, *, clip: float = 2.0, grid: int = 8) -> FloatImage:
    """Contrast-limited adaptive histogram equalisation on L of Lab (8-bit)."""
    u8 = np.clip(rgb * 255 + 0.5, 0, 255).astype(np.uint8)
    lab = cv2.cvtColor(u8, cv2.COLOR_RGB2LAB)
    eq = cv2.createCLAHE(clipLimit=clip, tileGridSize=(grid, grid))
    lab[..., 0] = eq.apply(lab[..., 0])
    return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB).astype(np.float32) / 255.0


BASELINES: dict[str, Callable[[FloatImage], FloatImage]] = {
    "identity": identity,
    "gamma": gamma_curve,
    "clahe": clahe,
}


def get_baseline(name: str) -> Callable[[FloatImage], FloatImage]:
    """A baseline by name (``OptionError`` for an unknown one)."""
    try:
        return BASELINES[name]
    except KeyError:
        raise OptionError(
            f"unknown baseline {name!r}; choose one of: {', '.join(BASELINES)}"
        ) from None
