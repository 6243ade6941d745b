"""The classical pipeline end to end: tiles agree with the whole frame, no seams."""

from __future__ import annotations

import numpy as np
import pytest

from lumos.config import EnhanceOptions, TilingOptions
from lumos.data import DarkenParams, darken
from lumos.pipeline import run_pipeline


def _scene(h: int, w: int) -> np.ndarray:
    """A clean scene with edges, texture, a bright lamp and a dark corner."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([0.5 + 0.3 * np.sin(xx / 13), 0.4 + 0.2 * np.cos(yy / 17), 0.35 + 0 * xx], -1)
    img[h // 5 : h // 2, w // 6 : w // 3] = (0.9, 0.2, 0.2)
    img[(xx // 8 + yy // 8) % 2 == 0] *= 0.8
    lamp = np.exp(-((xx - 0.75 * w) ** 2 + (yy - 0.3 * h) ** 2) / (2 * (0.05 * w) ** 2))
    return np.clip(img * (0.3 + 0.7 * np.exp(-xx / w)[..., None]) + lamp[..., None], 0, 1)


def test_tiled_matches_whole_frame_without_seams() -> None:
    h, w = 700, 900
    dark = darken(_scene(h, w).astype(np.float32), DarkenParams(exposure=1 / 12), seed=1)
    whole = run_pipeline(dark, EnhanceOptions(tiling=TilingOptions(tile=0))).rgb
    tiled_opts = EnhanceOptions(tiling=TilingOptions(tile=256))
    tiled = run_pipeline(dark, tiled_opts, workers=2).rgb
    assert tiled.dtype == np.float32 and tiled.shape == dark.shape
    diff = np.abs(tiled - whole)
    assert diff.mean() < 1 / 255, diff.mean()
    # No seam: along the tile borders the difference is no larger than elsewhere.
    border_cols = [round(i * w / 4) for i in range(1, 4)]
    at_border = diff[:, [c + d for c in border_cols for d in (-1, 0)]].mean()
    assert at_border < 2 / 255, at_border
    # And no step in the output across a border beyond the image's own gradient.
    step = np.abs(tiled[:, border_cols] - tiled[:, [c - 1 for c in border_cols]]).mean()
    typical = np.abs(np.diff(tiled, axis=1)).mean()
    assert step < 2 * typical + 1 / 255


def test_brightens_a_dark_photo_without_blowing_the_lamp() -> None:
    clean = _scene(300, 400).astype(np.float32)
    dark = darken(clean, DarkenParams(exposure=1 / 15), seed=2)
    out = run_pipeline(dark, EnhanceOptions()).rgb
    assert out.mean() > 2.5 * dark.mean()
    clipped = (out >= 0.995).all(axis=2).mean()
    assert clipped < 0.02


def test_well_exposed_photo_stays_nearly_unchanged() -> None:
    clean = _scene(300, 400).astype(np.float32)
    rng = np.random.default_rng(0)
    normal = np.clip(clean * 0.9 + 0.05 + rng.normal(0, 0.003, clean.shape), 0, 1).astype(
        np.float32
    )
    out = run_pipeline(normal, EnhanceOptions()).rgb
    mse = float(np.mean((out - normal) ** 2))
    assert 10 * np.log10(1 / mse) > 30


def test_highlights_roll_off_instead_of_clipping() -> None:
    from lumos.stages.classical import _protect_highlights

    pushed = np.linspace(0.0, 1.6, 161, dtype=np.float32)[None, :, None].repeat(3, axis=2)
    dark_input = np.zeros_like(pushed)
    out = _protect_highlights(pushed, dark_input)[0, :, 0]
    assert np.all(np.diff(out) > 0)  # monotonic: no banding, no inversion
    assert out.max() < 1.0 and np.allclose(out[:90], pushed[0, :90, 0])  # untouched below 0.9
    # A well-exposed photo's own highlights are never darkened.
    same = _protect_highlights(np.full((1, 1, 3), 0.98, np.float32), np.full((1, 1, 3), 0.98))
    assert np.allclose(same, 0.98)


class _Stop(Exception):
    pass


def test_cancel_is_asked_between_the_tiles_of_every_pass() -> None:
    # The server stops requests that timed out or were abandoned through this hook; the
    # enlargement pass never asked it, so an x2 or x4 request ran on to its end.
    dark = darken(_scene(160, 192).astype(np.float32), DarkenParams(exposure=1 / 12), seed=1)
    opts = EnhanceOptions(model="classical", scale=2, tiling=TilingOptions(tile=64))
    enhance_tiles: list[int] = []
    checks: list[int] = []
    run_pipeline(
        dark,
        opts,
        progress=lambda done, _: enhance_tiles.append(done),
        cancel=lambda: checks.append(1),
    )
    assert len(checks) > len(enhance_tiles) + 1  # asked in the enlargement too
    last = len(checks)

    def stop_at_the_last_check() -> None:
        checks.append(1)
        if len(checks) == 2 * last:
            raise _Stop

    with pytest.raises(_Stop):
        run_pipeline(dark, opts, cancel=stop_at_the_last_check)


def test_enlarge_progress_counts_the_enlargement_tiles_on_their_own() -> None:
    # The server's progress_id reports the enlargement as a stage of its own.
    dark = darken(_scene(160, 192).astype(np.float32), DarkenParams(exposure=1 / 12), seed=1)
    opts = EnhanceOptions(model="classical", scale=2, tiling=TilingOptions(tile=64))
    enhance: list[tuple[int, int]] = []
    enlarge: list[tuple[int, int]] = []
    run_pipeline(
        dark,
        opts,
        progress=lambda d, t: enhance.append((d, t)),
        enlarge_progress=lambda d, t: enlarge.append((d, t)),
    )
    assert enhance and enhance[-1][0] == enhance[-1][1]
    assert len(enlarge) > 1 and enlarge[-1][0] == enlarge[-1][1]
    assert [d for d, _ in enlarge] == sorted(d for d, _ in enlarge)
    # Without an enlargement there is nothing to tell.
    enlarge.clear()
    run_pipeline(dark, EnhanceOptions(model="classical"), enlarge_progress=enlarge.append)
    assert enlarge == []
