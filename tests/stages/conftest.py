"""Synthetic scenes for the stage tests (no files needed)."""

from __future__ import annotations

import numpy as np


def scene(h: int, w: int) -> np.ndarray:
    """A clean, well-lit scene: gradients, a red patch, checker texture, a lamp."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([0.5 + 0.3 * np.sin(xx / 13), 0.4 + 0.2 * np.cos(yy / 17), 0.35 + 0 * xx], -1)
    img[h // 5 : h // 2, w // 6 : w // 3] = (0.9, 0.2, 0.2)
    img[(xx // 8 + yy // 8) % 2 == 0] *= 0.8
    lamp = np.exp(-((xx - 0.75 * w) ** 2 + (yy - 0.3 * h) ** 2) / (2 * (0.05 * w) ** 2))
    out = img * (0.3 + 0.7 * np.exp(-xx / w)[..., None]) + lamp[..., None]
    return np.clip(out, 0, 1).astype(np.float32)


def darken(clean: np.ndarray, factor: float, sigma: float, seed: int = 0) -> np.ndarray:
    """Scale down in linear light, add noise, re-encode (a crude dark phone shot)."""
    rng = np.random.default_rng(seed)
    lin = clean.astype(np.float32) ** 2.2 * factor
    enc = lin ** (1 / 2.2) + rng.normal(0, sigma, clean.shape)
    return np.clip(enc, 0, 1).astype(np.float32)
