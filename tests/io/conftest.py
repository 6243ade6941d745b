"""Shared helpers for the lumos.io tests: every image is made in code."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image, ImageCms


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def srgb_icc() -> bytes:
    """A real ICC profile (sRGB, made by LittleCMS)."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.fixture
def make_exif() -> Callable[..., bytes]:
    """``make_exif(orientation=6, make="Canon")`` -> raw EXIF bytes."""

    def make(orientation: int | None = None, make: str = "LumosCam", model: str = "M1") -> bytes:
        exif = Image.Exif()
        exif[0x010F] = make
        exif[0x0110] = model
        if orientation is not None:
            exif[0x0112] = orientation
        exif.get_ifd(0x8769)[0x8827] = 3200  # ISO, in the Exif sub-IFD
        return exif.tobytes()

    return make


@pytest.fixture
def gradient() -> Callable[..., np.ndarray]:
    """An asymmetric test picture, so that any flip or turn shows."""

    def make(h: int = 24, w: int = 36, channels: int = 3, dtype: type = np.uint8) -> np.ndarray:
        top = np.iinfo(dtype).max
        y, x = np.mgrid[0:h, 0:w]
        planes = [x * top // (w - 1), y * top // (h - 1), (x * y) * top // ((h - 1) * (w - 1))]
        planes.append(np.full((h, w), top * 3 // 4))
        arr = np.stack(planes[:channels], axis=-1).astype(dtype)
        return arr[..., 0] if channels == 1 else arr

    return make
