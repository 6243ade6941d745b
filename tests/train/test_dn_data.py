"""LumosDN's training samples: run-time brightening, a target matched to it, aligned patches."""

from __future__ import annotations

import numpy as np
import pytest

from lumos.models import available_models
from lumos.train.dataset import Sources
from lumos.train.dn_data import DnSampler, match_brightness

pytestmark = pytest.mark.skipif(
    "lumosnet" not in available_models(), reason="needs the shipped LumosNet to brighten"
)


def _scene(seed: int, h: int = 72, w: int = 96) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([np.sin(xx / 7 + seed), np.cos(yy / 5), np.sin((xx + yy) / 9)], -1)
    img = img * 70 + 120 + rng.normal(0, 3, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def _sources() -> Sources:
    clean = [_scene(i) for i in range(3)]
    low = (clean[0].astype(np.float32) * 0.08).astype(np.uint8)
    return Sources(clean=clean, real_train=[(low, clean[0])], real_val=[])


def test_matched_target_takes_the_brightened_photos_brightness_and_keeps_its_detail() -> None:
    ref = _scene(1).astype(np.float32) / 255
    bright = np.clip(ref * np.float32(0.6) + np.float32(0.05), 0, 1)  # darker, flatter
    target = match_brightness(ref, bright)
    assert abs(float(target.mean() - bright.mean())) < 0.02
    # The detail is the reference's: correlated with it, not with a blur of it.
    hp = lambda x: x - x.mean(axis=(0, 1))  # noqa: E731
    corr = float(
        (hp(target) * hp(ref)).sum() / np.sqrt((hp(target) ** 2).sum() * (hp(ref) ** 2).sum())
    )
    assert corr > 0.95


def test_patches_cut_the_same_window_from_input_noise_map_and_target() -> None:
    sampler = DnSampler(_sources(), patch=32, pool=2, seed=0)
    bright, sigma, target = sampler.batch(6)
    assert bright.shape == target.shape == (6, 3, 32, 32) and sigma.shape == (6, 1, 32, 32)
    assert bright.dtype == sigma.dtype == target.dtype == np.float32
    assert (sigma >= 0).all()
    # Input and target are the same scene in the same orientation: strongly correlated.
    for b, t in zip(bright, target, strict=True):
        b, t = b - b.mean(), t - t.mean()
        assert float((b * t).sum() / np.sqrt((b**2).sum() * (t**2).sum())) > 0.5


def test_the_dark_photo_is_brightened_and_its_noise_map_follows_the_gain() -> None:
    sampler = DnSampler(_sources(), patch=32, pool=2, seed=1)
    real = sampler.real[0]
    assert real.bright.mean() > 3 * (sampler.sources.real_train[0][0].mean() / 255)
    identity = sampler.identity[0]
    # A clean, well-exposed photo is left at gain ~1: its noise map is its own small noise.
    assert float(identity.sigma.mean()) < float(real.sigma.mean())
    sampler.refresh(2)  # new synthetic examples replace old ones
    assert len(sampler.synthetic) == 2


def test_real_pairs_can_come_as_jpegs_of_their_dark_photo() -> None:
    plain = DnSampler(_sources(), patch=32, pool=2, seed=2)
    assert plain.real_jpegs == []
    sampler = DnSampler(_sources(), patch=32, pool=2, seed=2, real_jpeg=1.0, real_fraction=1.0)
    (png,), (jpg,) = sampler.real, sampler.real_jpegs
    # Same scene, same target, but the input went through JPEG: it differs a little.
    np.testing.assert_allclose(jpg.target.mean(), png.target.mean(), atol=0.02)
    assert 0 < float(np.abs(jpg.bright - png.bright).mean()) < 0.05
    assert sampler._pick() is jpg  # real_jpeg=1: always the JPEG copy


def test_a_dark_jpeg_is_deblocked_before_the_gain_as_at_run_time() -> None:
    from lumos.analysis import analyse
    from lumos.data import jpeg_roundtrip
    from lumos.models.lumosnet import LumosNetEnhancer, _brighten, brighten_whole
    from lumos.stages.deblock import deblock_region

    # Flat colours, a sharp patch and a fine checker: blocks show once compressed.
    yy, xx = np.mgrid[0:160, 0:224].astype(np.float32)
    clean = np.stack([0.5 + 0.3 * np.sin(xx / 13), 0.4 + 0.2 * np.cos(yy / 17), 0.35 + 0 * xx], -1)
    clean[35:81, 42:77] = (0.9, 0.2, 0.2)
    clean[(xx // 5 + yy // 7) % 2 == 0] *= 0.9
    dark = jpeg_roundtrip(clean * np.float32(0.04), 30)
    analysis = analyse(dark, lossy=True)
    enhancer = LumosNetEnhancer()
    plan = enhancer.prepare(dark, analysis, denoise=None, detail=None, brightness=None)
    deblock = plan.params["deblock"]
    assert deblock is not None and deblock.active  # its flat areas are smoothed at this gain
    region = (0, 160, 0, 224)
    bright, _, _ = brighten_whole(enhancer, dark, analysis)
    expected, _ = _brighten(deblock_region(dark, deblock, region), plan.params, region)
    undeblocked, _ = _brighten(dark, plan.params, region)
    np.testing.assert_allclose(bright, expected, atol=1e-6)
    assert np.abs(bright - undeblocked).max() > 1 / 255


def test_dark_jpeg_share_makes_low_quality_jpegs_the_analysis_knows_are_lossy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import lumos.train.dn_data as dn_data

    drawn: list[int | None] = []  # the JPEG quality of the photo darken() just made
    seen: list[tuple[int | None, bool]] = []
    darken, make_example = dn_data.darken, dn_data.make_example

    def spy_darken(clean, params, *, seed=0):
        drawn.append(params.jpeg_quality)
        return darken(clean, params, seed=seed)

    def spy_make(dark, ref, enhancer, *, lossy=False):
        if drawn:  # a synthetic photo (real pairs and clean photos are not darkened)
            seen.append((drawn.pop(), lossy))
        return make_example(dark, ref, enhancer, lossy=lossy)

    monkeypatch.setattr(dn_data, "darken", spy_darken)
    monkeypatch.setattr(dn_data, "make_example", spy_make)
    DnSampler(_sources(), patch=32, pool=6, seed=2, dark_jpeg=1.0)
    assert len(seen) == 6
    assert all(q is not None and 20 <= q <= 60 and lossy for q, lossy in seen)
