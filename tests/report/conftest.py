"""Fixtures for report tests: a dark, noisy photo drawn and darkened in code."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from lumos.data import DarkenParams, darken


def scene(h: int = 192, w: int = 256) -> np.ndarray:
    """A clean float32 scene: a flat wall, a dark floor, shapes with hard edges, fine stripes."""
    img = np.empty((h, w, 3), np.float32)
    img[:] = (0.62, 0.58, 0.5)  # wall
    img[h * 2 // 3 :] = (0.35, 0.22, 0.12)  # floor
    cv2.rectangle(img, (20, 20), (90, 110), (0.15, 0.3, 0.75), -1)
    cv2.circle(img, (170, 70), 35, (0.85, 0.2, 0.15), -1)
    for x in range(110, 240, 6):  # fine texture the denoiser must keep
        cv2.line(img, (x, 120), (x, 150), (0.1, 0.1, 0.1), 1)
    for i, y in enumerate(range(160, 190, 5)):  # thin bright bars on the dark floor
        cv2.rectangle(img, (30 + 8 * i, y), (90 + 8 * i, y + 1), (0.9, 0.9, 0.85), -1)
    return img


def dark_scene(seed: int = 0) -> np.ndarray:
    """The scene as a dim, noisy 8-bit photo (uint8, RGB)."""
    dark = darken(scene(), DarkenParams(exposure=1 / 12, shot_noise=4e-4), seed=seed)
    return np.clip(dark * 255 + 0.5, 0, 255).astype(np.uint8)


@pytest.fixture(scope="session")
def dark_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dark scene saved losslessly, so a file and an array give the same pixels."""
    path = tmp_path_factory.mktemp("photo") / "dark scene.png"
    Image.fromarray(dark_scene()).save(path)
    return path


@pytest.fixture(scope="session")
def report(dark_png: Path):
    from lumos.report import build_report

    return build_report(dark_png)
