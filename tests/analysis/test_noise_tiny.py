"""Photos too small to measure noise in still go through."""

from __future__ import annotations

import numpy as np
import pytest

from lumos.analysis import estimate_noise
from lumos.config import EnhanceOptions
from lumos.pipeline import run_pipeline


@pytest.mark.parametrize("shape", [(1, 1, 3), (2, 5, 3), (7, 1, 3)])
def test_tiny_images_are_clean_and_enhance(shape: tuple[int, int, int]) -> None:
    img = np.full(shape, 0.05, np.float32)
    assert estimate_noise(img) == (0.0, (0.0, 0.0, 0.0))
    for model in ("classical", "lumosnet"):
        out = run_pipeline(img, EnhanceOptions(model=model)).rgb
        assert out.shape == shape and np.isfinite(out).all()
