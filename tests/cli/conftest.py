"""Fixtures for CLI tests: small dark photos made in code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image


def dark_photo(h: int = 96, w: int = 128, seed: int = 0) -> np.ndarray:
    """A dim, noisy uint8 scene with edges and a bright spot."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 0.08 + 0.05 * np.sin(xx / 9.0)[..., None] * np.array([1.0, 0.8, 0.6])
    base[h // 4 : h // 2, w // 4 : w // 2] += 0.1
    base = base + 0.3 * np.exp(-((xx - w * 0.8) ** 2 + (yy - h * 0.3) ** 2) / 40.0)[..., None]
    noisy = base + rng.normal(0, 0.015, base.shape)
    return np.clip(noisy * 255 + 0.5, 0, 255).astype(np.uint8)


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "in" / "photo.jpg"
    path.parent.mkdir()
    Image.fromarray(dark_photo()).save(path, quality=92)
    return path
