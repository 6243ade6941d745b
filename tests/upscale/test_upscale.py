"""``--scale``: the upscalers, seamless tiles at an output scale, options and size guards."""

from __future__ import annotations

import numpy as np
import pytest

from lumos.config import EnhanceOptions, TilingOptions
from lumos.enhancer import TileOutput
from lumos.errors import ImageTooLargeError, OptionError
from lumos.models.sr import sr_available
from lumos.pipeline import run_pipeline
from lumos.stages.upscale import upscale_image
from lumos.tiling import run_tiled

METHODS = ["classical", pytest.param("learned", marks=pytest.mark.skipif(
    not sr_available(2), reason="LumosSR weights not installed"))]  # fmt: skip


def _scene(h: int = 90, w: int = 120, seed: int = 0, noise: float = 0.0) -> np.ndarray:
    """Edges, a gradient and fine stripes; values in [0, 1]."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack(
        [0.2 + 0.6 * (xx > w / 2), 0.5 + 0.3 * np.sin(xx / 2.5), 0.2 + 0.6 * yy / h], axis=-1
    )
    img = img + noise * rng.standard_normal(img.shape)
    return np.clip(img, 0, 1).astype(np.float32)


def test_run_tiled_places_enlarged_tiles_on_the_output_grid() -> None:
    img = _scene(70, 95)

    def nearest(tile: np.ndarray, region: tuple[int, int, int, int]) -> TileOutput:
        big = np.repeat(np.repeat(tile, 3, axis=0), 3, axis=1)
        return TileOutput(image=big, intermediates={"small": tile[..., 0]})

    whole = np.repeat(np.repeat(img, 3, axis=0), 3, axis=1)
    out = run_tiled(nearest, img, tile=32, halo=6, scale=3, keep_intermediates=True)
    assert out.image.shape == (210, 285, 3)
    np.testing.assert_allclose(out.image, whole, atol=1e-6)
    # Arrays at the tile's own size are assembled at the input's size.
    np.testing.assert_allclose(out.intermediates["small"], img[..., 0], atol=1e-6)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("scale", [2, 4])
def test_upscalers_enlarge_in_range(method: str, scale: int) -> None:
    img = _scene()
    out = upscale_image(img, scale=scale, method=method)
    assert out.shape == (90 * scale, 120 * scale, 3) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    # Close to the image it enlarges (block means agree).
    blocks = out.reshape(90, scale, 120, scale, 3).mean(axis=(1, 3))
    assert np.abs(blocks - img).mean() < 0.03


def test_classical_upscaler_does_not_ring() -> None:
    step = np.zeros((40, 40, 3), np.float32)
    step[:, 20:] = 0.8
    out = upscale_image(step, scale=4, method="classical", detail=1.0)
    assert out.min() >= 0.0 and out.max() <= 0.8 + 0.011  # the sharpener's overshoot margin


@pytest.mark.parametrize("method", METHODS)
def test_tiled_equals_whole_frame(method: str) -> None:
    img = _scene(150, 170, noise=0.03)
    outs = []
    for tile in (0, 64):
        opts = EnhanceOptions(scale=2, upscaler=method, tiling=TilingOptions(tile=tile))
        outs.append(run_pipeline(img, opts, workers=2).rgb)
    assert outs[0].shape == (300, 340, 3)
    assert np.abs(outs[0] - outs[1]).max() < 2e-3


@pytest.mark.skipif(not sr_available(2), reason="LumosSR weights not installed")
def test_denoise_steers_the_learned_upscaler() -> None:
    noisy = _scene(64, 64, seed=1, noise=0.05)
    rough = upscale_image(noisy, scale=2, noise_sigma=0.05, denoise=0.0, method="learned")
    smooth = upscale_image(noisy, scale=2, noise_sigma=0.05, denoise=1.0, method="learned")

    def wiggle(x: np.ndarray) -> float:
        return float(np.abs(np.diff(x[:, :, 2], axis=0)).mean())  # the blue ramp: smooth in truth

    assert wiggle(smooth) < 0.8 * wiggle(rough)


@pytest.mark.skipif(
    not (sr_available(2) and sr_available(4)), reason="LumosSR weights not installed"
)
@pytest.mark.parametrize("scale", [2, 4])
@pytest.mark.parametrize("level", [17 / 255, 0.5, 1.0])
def test_learned_upscaler_leaves_no_frame_at_the_border(scale: int, level: float) -> None:
    # The net's zero padding at the image's edge used to paint a coloured frame
    # (up to 6/255 at x2; 10-23/255 around a 17/255 grey at x4).
    flat = np.full((24, 40, 3), level, np.float32)
    out = upscale_image(flat, scale=scale, method="learned")
    assert np.abs(out - level).max() < 1 / 255


def test_alpha_and_stats_follow_the_scale() -> None:
    img = _scene(40, 50)
    alpha = np.full((40, 50), 0.5, np.float32)
    res = run_pipeline(img, EnhanceOptions(scale=2, upscaler="classical"), alpha=alpha)
    assert res.rgb.shape == (80, 100, 3) and res.alpha is not None
    assert res.alpha.shape == (80, 100)
    assert (res.stats["width"], res.stats["height"]) == (100, 80)
    assert "upscale" in res.timings


@pytest.mark.parametrize("bad", [3, 0, "2", 2.0, True])
def test_bad_scale_is_an_option_error(bad: object) -> None:
    with pytest.raises(OptionError, match=r"^scale must be 1, 2 or 4"):
        EnhanceOptions(scale=bad)  # type: ignore[arg-type]


def test_bad_upscaler_is_an_option_error() -> None:
    with pytest.raises(OptionError, match=r"^upscaler must be one of"):
        EnhanceOptions(upscaler="esrgan")


def test_output_megapixels_are_guarded() -> None:
    img = _scene(100, 100)
    opts = EnhanceOptions(scale=4, max_megapixels=0.1)
    with pytest.raises(ImageTooLargeError, match="--scale 4 would make 400x400"):
        run_pipeline(img, opts)


def test_python_api_scale() -> None:
    import lumos

    arr = (_scene(30, 40) * 60).astype(np.uint8)
    out = lumos.enhance(arr, scale=2, upscaler="classical")
    assert out.image.shape == (60, 80, 3) and out.image.dtype == np.uint8


def test_noise_map_is_measured_on_the_result_and_steered_by_denoise() -> None:
    from lumos.stages.upscale import prepare_upscale

    clean = _scene(96, 128)
    noisy = np.clip(clean + 0.03 * np.random.default_rng(2).standard_normal(clean.shape), 0, 1)
    noisy = noisy.astype(np.float32)
    plans = {
        dn: prepare_upscale(clean, noisy, scale=2, denoise=dn, detail=0.5, method="classical")
        for dn in (0.0, 0.5, 1.0)
    }
    residual = plans[0.5].noise_low[..., 0]
    assert 0.015 < float(np.median(residual)) < 0.05  # about the 0.03 that was added
    np.testing.assert_allclose(plans[0.5].noise_low[..., 1], residual, rtol=1e-5)
    np.testing.assert_allclose(plans[1.0].noise_low[..., 1], 2 * residual, rtol=1e-5)
    assert float(plans[0.0].noise_low[..., 1].max()) == 0.0
    calm = prepare_upscale(clean, clean, scale=2, denoise=0.5, detail=0.5, method="classical")
    assert float(np.median(calm.noise_low[..., 0])) < 0.2 * float(np.median(residual))
