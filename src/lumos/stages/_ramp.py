"""The linear ramp the stages' auto decisions are made of."""

from __future__ import annotations

import numpy as np


def ramp(value: float, span: tuple[float, float]) -> float:
    """0 at or below ``span[0]``, 1 at or above ``span[1]``, linear between."""
    lo, hi = span
    return float(np.clip((value - lo) / (hi - lo), 0.0, 1.0))
