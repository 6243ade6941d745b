"""Synthetic photos shared by the test packages (no files needed).

Importable as ``_scenes`` from any test: pytest puts ``tests/`` on the path for the
test packages below it.
"""

from __future__ import annotations

import numpy as np


def backlit_photo(h: int = 96, w: int = 128, seed: int = 0) -> np.ndarray:
    """A backlit uint8 photo: a bright sky over a garden in deep shadow, with a tree
    against the sky, a bench and a fence in the shade (auto shadows open it up)."""
    rng = np.random.default_rng(seed)
    rgb = np.empty((h, w, 3), np.float32)
    rgb[:] = (217, 224, 235)  # sky
    rgb[h // 2 :] = (13, 10, 9)  # ground in shadow
    rgb[h // 4 :, w // 6 : w // 3] = (15, 13, 10)  # a tree against the sky
    rgb[h // 2 + h // 10 : h // 2 + h // 5, w // 2 : w // 2 + w // 4] = (23, 18, 13)  # a bench
    rgb[h * 5 // 8 : h * 7 // 8, w * 3 // 4 : w - 4 : 6] = (28, 23, 18)  # a fence
    return np.clip(rgb + rng.normal(0, 2.5, rgb.shape), 0, 255).astype(np.uint8)
