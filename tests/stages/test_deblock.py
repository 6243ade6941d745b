"""The compression clean-up before the gain (lumos.stages.deblock), on fixtures made here."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from lumos.analysis import jpeg_blockiness
from lumos.config import EnhanceOptions, TilingOptions
from lumos.eval import psnr
from lumos.eval.image_stats import blockiness
from lumos.pipeline import run_pipeline
from lumos.stages.deblock import (
    DEBLOCK_REACH,
    DEFAULT_STEP,
    DeblockPlan,
    dc_step,
    deblock_region,
    grid_phase,
    plan_deblock,
)

from .conftest import darken


def scene(h: int, w: int) -> np.ndarray:
    """A clean scene with nothing on an 8 px grid: gradients, a red patch, fine texture."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([0.5 + 0.3 * np.sin(xx / 13), 0.4 + 0.2 * np.cos(yy / 17), 0.35 + 0 * xx], -1)
    img[h // 5 + 3 : h // 2 + 1, w // 6 + 5 : w // 3 + 3] = (0.9, 0.2, 0.2)
    img[(xx // 5 + yy // 7) % 2 == 0] *= 0.9
    return np.clip(img * (0.3 + 0.7 * np.exp(-xx / w)[..., None]), 0, 1).astype(np.float32)


def jpeg(rgb: np.ndarray, quality: int) -> tuple[np.ndarray, float]:
    """``rgb`` through a 4:2:0 JPEG of ``quality`` (Pillow): (decoded, luma DC step / 8)."""
    buf = io.BytesIO()
    Image.fromarray(np.clip(rgb * 255 + 0.5, 0, 255).astype(np.uint8)).save(
        buf, "JPEG", quality=quality, subsampling=2
    )
    buf.seek(0)
    with Image.open(buf) as im:
        dc = im.quantization[0][0] / 8.0
        return np.asarray(im.convert("RGB")).astype(np.float32) / 255, dc


@pytest.fixture(scope="module")
def dark_pair() -> tuple[np.ndarray, np.ndarray]:
    """(clean dark scene, its JPEG at quality 30): a dark photo with visible blocks."""
    clean = darken(scene(160, 224), 0.04, 0.0)
    return clean, jpeg(clean, 30)[0]


def whole(img: np.ndarray) -> tuple[int, int, int, int]:
    return (0, img.shape[0], 0, img.shape[1])


def test_blocks_of_a_dark_jpeg_are_smoothed(dark_pair: tuple[np.ndarray, np.ndarray]) -> None:
    clean, blocky = dark_pair
    plan = plan_deblock(blocky, jpeg_blockiness(blocky), gain=16.0)
    assert plan.strength == 1.0 and plan.flats == 1.0
    out = deblock_region(blocky, plan, whole(blocky))
    before, after = blockiness(blocky), blockiness(out)
    assert before > 2.0 and after < 0.6 * before, (before, after)
    # Closer to the photo before compression, brightened as lumos would (x15).
    assert psnr(np.clip(out * 15, 0, 1), np.clip(clean * 15, 0, 1)) > psnr(
        np.clip(blocky * 15, 0, 1), np.clip(clean * 15, 0, 1)
    )


def test_clean_or_bright_photos_are_left_untouched(
    dark_pair: tuple[np.ndarray, np.ndarray],
) -> None:
    clean, blocky = dark_pair
    # A dark PNG (no blocks, not lossy), however much it is brightened.
    noisy = darken(scene(160, 224), 0.04, 0.01)
    assert not plan_deblock(noisy, jpeg_blockiness(noisy), gain=20.0).active
    assert not plan_deblock(clean, jpeg_blockiness(clean), gain=20.0).active
    # The blocky JPEG itself when hardly brightened (a well-exposed photo).
    assert not plan_deblock(blocky, jpeg_blockiness(blocky), gain=1.5).active
    off = DeblockPlan(strength=0.0, flats=0.0, blockiness=1.0, gain=1.0)
    assert deblock_region(noisy, off, whole(noisy)) is noisy
    assert deblock_region(noisy, None, whole(noisy)) is noisy


def test_a_well_exposed_jpeg_is_enhanced_as_before() -> None:
    photo = jpeg(scene(96, 128), 30)[0]
    res = run_pipeline(photo, EnhanceOptions(), lossy=True)
    assert res.stats["deblock"]["strength"] == 0.0 and res.stats["deblock"]["flats"] == 0.0
    assert res.plan.params["deblock"].active is False


def test_quantisation_step_and_grid_phase_are_read(dark_pair: tuple[np.ndarray, ...]) -> None:
    clean = dark_pair[0]
    for quality in (20, 40, 60):
        decoded, step = jpeg(clean * 1.5, quality)
        assert dc_step(decoded) == pytest.approx(step, abs=0.13), quality
    blocky = dark_pair[1]
    assert grid_phase(blocky) == (0, 0)
    # A crop of a JPEG: its grid starts 3 rows and 5 columns in.
    assert grid_phase(blocky[5:, 3:]) == (3, 5)
    assert dc_step(np.full((64, 64, 3), 0.3, np.float32)) == DEFAULT_STEP  # no lattice


@pytest.mark.parametrize("origin", [(0, 0), (5, 3)])
def test_tiles_agree_with_the_whole_photo(
    dark_pair: tuple[np.ndarray, np.ndarray], origin: tuple[int, int]
) -> None:
    """Tiles with the stage's halo get exactly the whole photo's result, on odd offsets
    and on a cropped JPEG's shifted grid."""
    blocky = dark_pair[1][origin[0] :, origin[1] :]
    plan = plan_deblock(blocky, jpeg_blockiness(blocky), gain=15.0)
    assert plan.phase == ((8 - origin[0]) % 8, (8 - origin[1]) % 8)
    full = deblock_region(blocky, plan, whole(blocky))
    h, w = blocky.shape[:2]
    for y0, x0 in ((0, 0), (37, 61), (64, 101)):
        core = (y0, min(h, y0 + 48), x0, min(w, x0 + 48))
        pad = (
            max(0, core[0] - DEBLOCK_REACH),
            min(h, core[1] + DEBLOCK_REACH),
            max(0, core[2] - DEBLOCK_REACH),
            min(w, core[3] + DEBLOCK_REACH),
        )
        tile = deblock_region(blocky[pad[0] : pad[1], pad[2] : pad[3]], plan, pad)
        got = tile[core[0] - pad[0] : core[1] - pad[0], core[2] - pad[2] : core[3] - pad[2]]
        want = full[core[0] : core[1], core[2] : core[3]]
        assert np.abs(got - want).max() < 1e-5, (y0, x0)


@pytest.mark.parametrize("model", ["lumosnet", "classical"])
def test_pipeline_tiles_are_seamless_with_deblocking(
    dark_pair: tuple[np.ndarray, np.ndarray], model: str
) -> None:
    blocky = dark_pair[1]
    one = run_pipeline(blocky, EnhanceOptions(model=model, tiling=TilingOptions(tile=0)))
    assert one.stats["deblock"]["strength"] > 0.5, one.stats["deblock"]
    tiled = run_pipeline(blocky, EnhanceOptions(model=model, tiling=TilingOptions(tile=64))).rgb
    assert np.abs(one.rgb - tiled).max() < 2e-3


def test_deblocking_lowers_the_blockiness_of_the_enhanced_photo(
    dark_pair: tuple[np.ndarray, np.ndarray],
) -> None:
    blocky = dark_pair[1]
    res = run_pipeline(blocky, EnhanceOptions(), lossy=True)
    off = DeblockPlan(strength=0.0, flats=0.0, blockiness=1.0, gain=1.0)
    plan = res.plan
    params = {**plan.params, "deblock": off}
    from lumos.models.lumosnet import LumosNetEnhancer

    without = LumosNetEnhancer().process_region(
        blocky, type(plan)(**{**plan.__dict__, "params": params}), whole(blocky)
    )
    assert blockiness(res.rgb) < 0.8 * blockiness(without.image)


def test_quantised_flats_do_not_band_when_brightened() -> None:
    """A dark gradient that spans two code values: a 2-step staircase in 8 bits. Brightened
    20x as it is, each step is a 20-code band edge; smoothed first, a gentle slope."""
    h, w = 64, 256
    ramp = np.linspace(10.0, 12.0, w, dtype=np.float32)  # codes
    dark = np.repeat((np.round(ramp) / 255)[None, :, None], h, axis=0).repeat(3, axis=2)
    # An 8-bit file with no JPEG blocks; lossy: its quantisation is the compression's.
    plan = plan_deblock(dark, jpeg_blockiness(dark), gain=20.0, lossy=True)
    assert plan.strength == 0.0 and plan.flats == 1.0
    out = deblock_region(dark, plan, whole(dark))
    truth = np.repeat((ramp / 255)[None, :, None], h, axis=0).repeat(3, axis=2)

    def worst_band(img: np.ndarray) -> float:
        """Largest step between neighbours after the gain, in codes."""
        return float(np.abs(np.diff(img[h // 2, :, 1] * 20 * 255)).max())

    assert worst_band(dark) > 19.0
    assert worst_band(out) < 0.25 * worst_band(dark), worst_band(out)
    # Nearer the gradient the staircase came from, and no brighter or darker.
    assert np.abs(out - truth).mean() < 0.7 * np.abs(dark - truth).mean()
    assert abs(float(out.mean() - dark.mean())) < 0.05 / 255
    # Texture spanning more than a few codes is not a flat: left as it is.
    rng = np.random.default_rng(0)
    noisy = np.clip(dark + rng.normal(0, 3 / 255, dark.shape).astype(np.float32), 0, 1)
    noisy = np.round(noisy * 255) / 255
    kept = deblock_region(noisy, plan, whole(noisy))

    def fine(img: np.ndarray) -> float:
        """The texture: what a 2 px blur takes away."""
        return float(np.std(img - cv2.GaussianBlur(img, (0, 0), 2.0)))

    assert fine(kept) > 0.95 * fine(noisy)


def test_flats_do_not_glow_around_a_bright_object() -> None:
    """A lamp (or the moon) on a flat black sky: the sky beside it is flat, but its mean
    must not reach into the lamp (a grey frame around it once brightened 20x)."""
    h, w = 160, 160
    yy, xx = np.mgrid[0:h, 0:w]
    sky = np.full((h, w), 3.0, np.float32)
    sky[(yy - 80) ** 2 + (xx - 80) ** 2 < 15**2] = 200.0
    dark = np.repeat((sky / 255)[..., None], 3, axis=2)
    plan = plan_deblock(dark, jpeg_blockiness(dark), gain=20.0, lossy=True)
    assert plan.flats == 1.0
    out = deblock_region(dark, plan, whole(dark))
    ring = ((yy - 80) ** 2 + (xx - 80) ** 2 > 17**2) & ((yy - 80) ** 2 + (xx - 80) ** 2 < 60**2)
    lifted = (out[..., 1] - dark[..., 1])[ring] * 255
    assert np.abs(lifted).max() < 0.05, np.abs(lifted).max()


def test_the_report_tells_of_the_deblocking(dark_pair: tuple[np.ndarray, np.ndarray]) -> None:
    from lumos.report import build_report

    u8 = np.clip(dark_pair[1] * 255 + 0.5, 0, 255).astype(np.uint8)
    r = build_report(u8, options={"model": "classical"}, with_sweep=False)
    what = r.stage("brightened").what
    assert "JPEG blockiness" in what and "strength 1.00" in what, what
    clean = np.clip(scene(96, 128) * 255 + 0.5, 0, 255).astype(np.uint8)
    plain = build_report(clean, options={"model": "classical"}, with_sweep=False)
    assert "blockiness" not in plain.stage("brightened").what


def test_without_blocks_the_result_is_bit_identical(monkeypatch: pytest.MonkeyPatch) -> None:
    """A well-exposed JPEG and a dark PNG: the stage's decision is off, and the output is
    exactly what the enhancers gave before it existed."""
    import lumos.models.lumosnet as lumosnet
    import lumos.stages.classical as classical

    photos = [(jpeg(scene(96, 128), 30)[0], True), (darken(scene(96, 128), 0.04, 0.01), False)]
    for model in ("lumosnet", "classical"):
        now = [run_pipeline(p, EnhanceOptions(model=model), lossy=lossy) for p, lossy in photos]
        assert all(not r.plan.params["deblock"].active for r in now)
        with monkeypatch.context() as mp:

            def off(image: np.ndarray, blockiness: float, gain: float, **_: bool) -> DeblockPlan:
                return DeblockPlan(strength=0.0, flats=0.0, blockiness=blockiness, gain=gain)

            mp.setattr(lumosnet, "plan_deblock", off)
            mp.setattr(classical, "plan_deblock", off)
            before = [run_pipeline(p, EnhanceOptions(model=model), lossy=ls) for p, ls in photos]
        for a, b in zip(now, before, strict=True):
            assert np.array_equal(a.rgb, b.rgb)
