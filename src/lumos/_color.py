"""Colour constants shared across lumos."""

from __future__ import annotations

import numpy as np

__all__ = ["LUMA"]

LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
"""Rec.709 luma weights of R, G, B: ``luma = rgb @ LUMA``."""
