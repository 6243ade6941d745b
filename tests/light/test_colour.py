"""The colour step keeps luminance and removes a strong cast."""

from __future__ import annotations

import numpy as np

from lumos.stages.classical import _LUMA, apply_colour, cast_gains


def test_apply_colour_keeps_each_pixels_luma() -> None:
    rng = np.random.default_rng(1)
    img = rng.uniform(0.05, 0.9, (32, 32, 3)).astype(np.float32)
    out = apply_colour(img, np.array([1.2, 1.0, 0.7], np.float32))
    np.testing.assert_allclose(out @ _LUMA, img @ _LUMA, rtol=1e-4, atol=1e-5)
    assert not np.allclose(out, img)


def test_identity_gains_change_nothing() -> None:
    img = np.full((4, 4, 3), 0.3, np.float32)
    assert apply_colour(img, np.ones(3, np.float32)) is img


def test_orange_cast_is_reduced() -> None:
    rng = np.random.default_rng(2)
    grey = rng.uniform(0.1, 0.9, (64, 64, 1)).astype(np.float32) * np.ones(3, np.float32)
    cast = np.clip(grey * np.array([1.3, 1.0, 0.7], np.float32), 0, 1)
    g = cast_gains(cast, strength=1.0, threshold=0.06)
    assert g[0] < 1.0 < g[2]
    fixed = apply_colour(cast, g)
    ratio = lambda x: float(x[..., 0].mean() / x[..., 2].mean())  # noqa: E731
    assert ratio(fixed) < ratio(cast)
