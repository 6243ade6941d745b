"""Tiling: cores cover the image once, blending is exact for local functions."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from lumos.enhancer import TileOutput
from lumos.tiling import plan_tiles, run_tiled


def _image(h: int, w: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.random((h, w, 3), dtype=np.float32)


@pytest.mark.parametrize(
    ("h", "w", "tile"),
    [(1, 1, 64), (65, 130, 64), (300, 257, 100), (512, 512, 0), (3, 5000, 64), (900, 7, 64)],
)
def test_cores_cover_every_pixel_once(h: int, w: int, tile: int) -> None:
    count = np.zeros((h, w), np.int32)
    for t in plan_tiles(h, w, tile=tile, halo=16):
        y0, y1, x0, x1 = t.core
        count[y0:y1, x0:x1] += 1
        py0, py1, px0, px1 = t.padded
        assert 0 <= py0 <= y0 and y1 <= py1 <= h and 0 <= px0 <= x0 and x1 <= px1 <= w
    assert np.all(count == 1)


def _blur(tile: np.ndarray, region: tuple[int, int, int, int]) -> TileOutput:
    out = cv2.GaussianBlur(tile, (0, 0), 2.0, borderType=cv2.BORDER_REFLECT)
    return TileOutput(out, {"grey": out.mean(axis=2)})


@pytest.mark.parametrize("workers", [1, 2])
def test_local_function_is_reproduced_exactly(workers: int) -> None:
    img = _image(300, 431)
    whole = _blur(img, (0, 300, 0, 431))
    tiled = run_tiled(_blur, img, tile=96, halo=32, keep_intermediates=True, workers=workers)
    assert tiled.image.dtype == np.float32 and tiled.image.shape == img.shape
    np.testing.assert_allclose(tiled.image, whole.image, atol=1e-5)
    np.testing.assert_allclose(tiled.intermediates["grey"], whole.intermediates["grey"], atol=1e-5)


def test_tile_dependent_function_is_faded_not_cut() -> None:
    # Each tile adds its own offset: without blending this makes visible steps.
    img = np.full((256, 256, 3), 0.5, np.float32)

    def offset(tile: np.ndarray, region: tuple[int, int, int, int]) -> TileOutput:
        return TileOutput(tile + 0.01 * ((region[0] + region[2]) % 7))

    out = run_tiled(offset, img, tile=64, halo=32).image
    step = np.abs(np.diff(out[..., 0], axis=1)).max()
    # Offsets differ by at most 0.06 between tiles; blending spreads any jump
    # over 2 * blend = 32 pixels instead of one.
    assert step <= 0.06 / 32 + 1e-6


def test_progress_is_reported_per_tile() -> None:
    calls: list[tuple[int, int]] = []
    run_tiled(_blur, _image(200, 200), tile=64, halo=8, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (len(calls), len(calls)) and len(calls) == 16


def test_aligned_tiles_start_on_even_pixels() -> None:
    tiles = plan_tiles(301, 517, tile=100, halo=13, align=2)
    for t in tiles:
        for start in (t.core[0], t.core[2], t.padded[0], t.padded[2]):
            assert start % 2 == 0
    count = np.zeros((301, 517), np.int32)
    for t in tiles:
        count[t.core[0] : t.core[1], t.core[2] : t.core[3]] += 1
    assert np.all(count == 1)


def test_a_thin_strip_gets_tiles_of_a_tiles_area() -> None:
    """1 x 512 tiles made a 1 x 1,600,000 px strip 3125 tiles, each with its fixed cost."""
    from lumos.tiling import STRIP_TILE_MAX

    tiles = plan_tiles(1, 1_600_000, tile=512, halo=40)
    assert len(tiles) == -(-1_600_000 // STRIP_TILE_MAX)
    assert len(plan_tiles(1_600_000, 2, tile=512, halo=40)) == len(tiles)  # either way up
    # A photo whose sides both reach a tile is tiled as before.
    assert [t.core for t in plan_tiles(600, 1100, tile=512, halo=8)][:2] == [
        (0, 300, 0, 367),
        (0, 300, 367, 733),
    ]
