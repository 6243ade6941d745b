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


def clear_photo(h: int = 120, w: int = 160, seed: int = 0) -> np.ndarray:
    """A clear daylight float32 photo: coloured blocks with dark gaps and shadows, so
    that almost every patch holds a near-black pixel (the dark channel prior holds)."""
    rng = np.random.default_rng(seed)
    cells = rng.random((h // 8 + 1, w // 8 + 1, 3)).astype(np.float32)
    cells[..., rng.integers(0, 3)] *= 0.2  # no grey blocks: one channel of each is low
    img = np.repeat(np.repeat(cells, 8, axis=0), 8, axis=1)[:h, :w]
    img = img * (0.3 + 0.7 * rng.random((h, w, 1)).astype(np.float32) ** 0.5)
    img[::8] *= 0.05  # dark gaps between the blocks (shadows)
    img[:, ::8] *= 0.05
    img[: h // 6] = (0.62, 0.74, 0.92)  # a clear sky
    return np.clip(img, 0.0, 1.0).astype(np.float32)


def depth_field(h: int, w: int) -> np.ndarray:
    """A smooth depth in [0.3, 1.2] (far at the top, near at the bottom, with a bump)
    under a sky (the top sixth, as :func:`clear_photo`) at depth 5."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = 0.3 + 0.7 * (1.0 - yy / h) + 0.2 * np.sin(xx / w * np.pi)
    d[: h // 6] = 5.0
    return d


def hazy_photo(
    clean: np.ndarray, beta: float = 1.5, airlight: tuple[float, float, float] = (0.85, 0.86, 0.88)
) -> np.ndarray:
    """``clean`` seen through haze: ``I = J * t + A * (1 - t)``, ``t = exp(-beta * depth)``."""
    t = np.exp(-beta * depth_field(*clean.shape[:2]))[..., None]
    a = np.asarray(airlight, np.float32)
    return np.clip(clean * t + a * (1.0 - t), 0.0, 1.0).astype(np.float32)


def over_photo(size: int = 96) -> np.ndarray:
    """A textured uint8 photo two stops over (MSEC's model: linear light x4, clipped)."""
    from lumos.stages.highlights import linear_to_srgb, srgb_to_linear

    rng = np.random.default_rng(0)
    blocks = rng.random((size // 16, size // 16, 3)).repeat(16, 0).repeat(16, 1)
    clean = 0.03 + 0.87 * (blocks + 0.15 * rng.random((size, size, 3))) / 1.15
    over = linear_to_srgb(np.clip(srgb_to_linear(clean) * 4.0, 0, 1))
    return (over * 255 + 0.5).astype(np.uint8)
