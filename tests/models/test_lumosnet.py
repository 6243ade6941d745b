"""LumosNet at inference: edge-aware slicing, well-exposed photos, highlights, tiles."""

from __future__ import annotations

import numpy as np
import pytest

from lumos.config import EnhanceOptions, TilingOptions
from lumos.models import available_models
from lumos.models.lumosnet import GUIDE_EPS, _slice
from lumos.pipeline import run_pipeline

pytestmark = pytest.mark.skipif(
    "lumosnet" not in available_models(), reason="LumosNet weights are not installed"
)


def _grid(a: float, b: float, level: float, shape=(4, 4)) -> np.ndarray:
    grid = np.zeros((*shape, 7), np.float32)
    grid[..., :3], grid[..., 3:6], grid[..., 6] = a, b, level
    return grid


def test_slice_of_a_uniform_grid_is_its_affine_map() -> None:
    guide = np.log(np.linspace(0.01, 1, 40 * 30, dtype=np.float32).reshape(30, 40) + GUIDE_EPS)
    out = _slice(_grid(-0.3, 1.2, -2.0), guide, (0, 30, 0, 40), (30, 40))
    np.testing.assert_allclose(out, (-0.3 * guide + 1.2)[..., None].repeat(3, -1), atol=1e-5)


def test_offsets_are_sliced_with_the_gain_and_spare_white_pixels() -> None:
    from lumos.models.lumosnet import _apply_gain

    grid = np.concatenate([_grid(0.0, np.log(2.0), -2.0), np.zeros((4, 4, 3), np.float32)], -1)
    grid[..., 7:] = [0.04, 0.02, 0.0]
    guide = np.full((16, 24), -2.0, np.float32)
    maps = _slice(grid, guide, (0, 16, 0, 24), (16, 24))
    assert maps.shape == (16, 24, 6)
    offsets = np.broadcast_to(np.float32([0.04, 0.02, 0.0]), (16, 24, 3))
    np.testing.assert_allclose(maps[..., 3:], offsets, atol=1e-6)

    img = np.full((16, 24, 3), 0.1, np.float32)
    img[:, 12:] = 1.0  # white: neutral gain, no offset (it stays white, not tinted)
    out, gain = _apply_gain(img, grid, (0, 16, 0, 24), (16, 24), 0.0)
    expected = np.broadcast_to(np.float32([0.24, 0.22, 0.2]), (16, 6, 3))
    np.testing.assert_allclose(out[:, :6], expected, atol=1e-5)
    np.testing.assert_allclose(gain[:, :6], 2.0, rtol=1e-5)
    assert np.ptp(out[:, 18:], axis=-1).max() < 1e-6


def test_a_dark_pixel_beside_a_lamp_cell_keeps_the_dark_gain() -> None:
    # Left column of cells: a lamp (bright mean, gain 1); the rest: dark (gain e^2).
    grid = _grid(0.0, 2.0, np.log(0.02))
    grid[:, 0, 3:6], grid[:, 0, 6] = 0.0, np.log(0.9)
    guide = np.full((32, 32), np.log(0.02 + GUIDE_EPS), np.float32)  # all pixels dark
    out = _slice(grid, guide, (0, 32, 0, 32), (32, 32))
    # Column 6 sits between the lamp cell and a dark cell: bilinear would give
    # a gain well below e^2 there, the edge-aware slice keeps it.
    assert out[:, 6].min() > 1.95
    assert out[:, 4].min() > 1.95  # even at the lamp cell's own centre


def test_a_dark_pixel_beside_a_cell_half_lamp_half_wall_keeps_most_of_the_wall_gain() -> None:
    # Left column: cells straddling a lamp's edge, whose mean luminance (0.08) is
    # neither the lamp's nor the wall's (0.026); their map gives the wall gain 1.
    grid = _grid(0.0, 2.0, np.log(0.026 + GUIDE_EPS))
    grid[:, 0, 3:6], grid[:, 0, 6] = 0.0, np.log(0.08 + GUIDE_EPS)
    guide = np.full((32, 32), np.log(0.026 + GUIDE_EPS), np.float32)
    out = _slice(grid, guide, (0, 32, 0, 32), (32, 32))
    # Column 8: half-way between the straddling cells' centres and the wall's.
    assert out[:, 8, :3].min() > 1.8  # with a range scale of 0.6: 1.5


def test_large_photos_slice_on_2x2_blocks_close_to_every_pixel(monkeypatch) -> None:
    import lumos.models.lumosnet as ln

    rng = np.random.default_rng(4)
    grid = np.concatenate([_grid(0.0, 0.0, 0.0, (6, 8)), np.zeros((6, 8, 3), np.float32)], -1)
    # Smooth maps, as the network's are (cell-to-cell jumps would make kinks at cell borders).
    yy, xx = np.mgrid[0:6, 0:8].astype(np.float32)
    grid[..., :3] = (-0.2 + 0.1 * np.sin(xx / 2))[..., None]
    wave = [1.2 + 0.3 * np.cos(yy / 3 + c) * np.sin(xx / 4) for c in range(3)]
    grid[..., 3:6] = np.stack(wave, -1)
    grid[..., 7:] = rng.uniform(0.0, 0.05, (6, 8, 3))
    img = np.clip(rng.normal(0.05, 0.01, (121, 163, 3)), 0, 1).astype(np.float32)
    img[30:70, 40:90] = 0.9  # a lamp: sharp edges are where the two differ most
    grid[..., 6] = ln._cell_guide(img, (6, 8))  # each cell's mean log luminance, as at run time
    whole = (0, 121, 0, 163)
    sigma = 2.5  # >= COARSE_SLICE_SIGMA: 2x2 blocks
    coarse, _ = ln._apply_gain(img, grid, whole, (121, 163), sigma)
    # A tile (odd start, odd size) gets what the whole frame gets, away from its border.
    region = (21, 100, 37, 142)
    tile, _ = ln._apply_gain(img[21:100, 37:142], grid, region, (121, 163), sigma)
    inner = np.abs(tile[8:-8, 8:-8] - coarse[29:92, 45:134])
    assert inner.max() < 2e-3
    monkeypatch.setattr(ln, "COARSE_SLICE_SIGMA", 1e9)
    exact, _ = ln._apply_gain(img, grid, whole, (121, 163), sigma)
    diff = np.abs(coarse - exact)
    assert diff.mean() < 0.5 / 255
    # Within a hair but near the lamp's hard edge, where the maps change within a pixel
    # (measured on a real 8 MP night photo: 0.05% of pixels over 4/255, mean 0.03/255).
    near_edge = np.zeros(img.shape[:2], bool)
    near_edge[18:82, 28:102] = True
    near_edge[42:58, 52:78] = False
    assert diff[~near_edge].max() < 1 / 255


def test_well_exposed_photo_is_left_alone() -> None:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:96, 0:128].astype(np.float32)
    img = np.stack([0.5 + 0.3 * np.sin(xx / 9), 0.45 + 0.3 * np.cos(yy / 7), 0.4 + 0 * xx], -1)
    img = np.clip(img + rng.normal(0, 0.01, img.shape), 0, 1).astype(np.float32)
    out = run_pipeline(img, EnhanceOptions(model="lumosnet")).rgb
    assert np.abs(out - img).mean() < 0.02


def test_a_lamps_white_core_stays_white_and_the_room_gets_brighter() -> None:
    img = np.full((96, 128, 3), 0.03, np.float32)
    img[:, :, 0] += 0.01  # a warm dark room
    img[30:50, 50:70] = 1.0
    out = run_pipeline(img, EnhanceOptions(model="lumosnet")).rgb
    assert out[35:45, 55:65].min() > 0.95  # white, not tinted
    assert out[70:90, 10:40].mean() > 3 * img[70:90, 10:40].mean()


def test_a_white_object_on_a_dark_background_keeps_a_white_rim() -> None:
    """Its edge pixels are white too: no grey outline (it was 0.76 at a corner)."""
    ramp = np.tile(np.linspace(0.0, 0.1, 300, dtype=np.float32), (200, 1))
    img = np.stack([ramp] * 3, -1)
    img[60:140, 100:200] = 1.0
    out = run_pipeline(img, EnhanceOptions(model="lumosnet")).rgb
    assert out[60:140, 100:200].min() > 0.97


def test_a_large_photo_is_judged_at_the_scale_the_network_learned() -> None:
    """The same scene at 640 px and at 2560 px gets the same brightness (the network
    sees both at its training scale; a 512-px proxy of the large one chose another)."""
    import cv2

    from lumos.analysis import analyse
    from lumos.models.lumosnet import (
        PROXY_MAX_SIDE,
        PROXY_MIN_SIDE,
        LumosNetEnhancer,
        make_proxy,
    )

    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:120, 0:160].astype(np.float32)
    scene = np.stack(
        [0.05 + 0.03 * np.sin(xx / 6), 0.04 + 0.03 * np.cos(yy / 5), 0.03 + 0 * xx], -1
    )
    scene[20:50, 90:140] = rng.uniform(0.0, 0.15, 3)  # a few objects
    scene[70:110, 10:60] = 0.01
    small = cv2.resize(scene, (640, 480), interpolation=cv2.INTER_LINEAR)
    large = cv2.resize(scene, (2560, 1920), interpolation=cv2.INTER_LINEAR)
    assert make_proxy(small).shape == make_proxy(large).shape == (120, PROXY_MAX_SIDE, 3)
    # A thumbnail is enlarged to the training scale, a LOL-size photo keeps its 1/4 size.
    assert make_proxy(np.zeros((150, 200, 3), np.float32)).shape == (96, PROXY_MIN_SIDE, 3)
    assert make_proxy(np.zeros((400, 600, 3), np.float32)).shape == (100, 150, 3)
    enh = LumosNetEnhancer()
    plans = [
        enh.prepare(img, analyse(img), denoise=None, detail=None, brightness=None)
        for img in (small, large)
    ]
    assert plans[0].target_brightness == pytest.approx(plans[1].target_brightness, rel=0.02)
    # The guide keeps its blur in full-size pixels: 0.4 pixels of a 1/4-size proxy <= 512 px.
    assert plans[0].params["guide_sigma"] == pytest.approx(1.6)
    assert plans[1].params["guide_sigma"] == pytest.approx(0.4 * 2560 / 512)


def test_a_rotated_photo_gets_the_same_brightening() -> None:
    """The network sees the proxy in four orientations, so turning the photo changes nothing."""
    from lumos.analysis import analyse
    from lumos.models.lumosnet import LumosNetEnhancer

    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:120, 0:200].astype(np.float32)
    img = np.stack([0.04 + 0.03 * np.sin(xx / 9), 0.05 + 0.02 * np.cos(yy / 7), 0.03 + 0 * xx], -1)
    img[10:50, 20:80] = rng.uniform(0.0, 0.2, 3)  # something in the top left only
    enh = LumosNetEnhancer()
    plans = [
        enh.prepare(x, analyse(x), denoise=None, detail=None, brightness=None)
        for x in (img, np.ascontiguousarray(np.rot90(img)))
    ]
    assert plans[0].target_brightness == pytest.approx(plans[1].target_brightness, rel=1e-3)
    grids = [plans[0].params["grid"], np.rot90(plans[1].params["grid"], -1)]
    np.testing.assert_allclose(grids[0][..., :6], grids[1][..., :6], atol=2e-3)


def test_tiles_are_seamless() -> None:
    rng = np.random.default_rng(1)
    img = np.clip(rng.normal(0.06, 0.02, (150, 210, 3)), 0, 1).astype(np.float32)
    img[40:60, 100:130] = 0.8
    whole = run_pipeline(img, EnhanceOptions(model="lumosnet", tiling=TilingOptions(tile=0))).rgb
    tiled = run_pipeline(img, EnhanceOptions(model="lumosnet", tiling=TilingOptions(tile=64))).rgb
    assert np.abs(whole - tiled).max() < 2e-3


def test_brightness_option_reaches_the_target() -> None:
    img = np.full((64, 96, 3), 0.05, np.float32)
    img[:, 48:] = 0.02
    for target in (0.3, 0.5, 0.75):
        res = run_pipeline(img, EnhanceOptions(model="lumosnet", brightness=target))
        assert float(res.rgb.mean()) == pytest.approx(target, abs=0.04)


def test_an_ensemble_averages_its_members(tmp_path) -> None:
    import shutil

    from lumos.analysis import analyse
    from lumos.models.lumosnet import WEIGHTS_DIR, LumosNetEnhancer

    first = sorted(WEIGHTS_DIR.glob("global*.onnx"))[0]
    shutil.copy2(first, tmp_path / "global_a.onnx")
    shutil.copy2(first, tmp_path / "global_b.onnx")
    img = np.full((64, 96, 3), 0.05, np.float32)
    img[:, 48:] = 0.02
    one = LumosNetEnhancer(tmp_path)  # two identical members = one member
    assert len(one.members) == 2
    kw = {"denoise": None, "detail": None, "brightness": None}
    a = one.prepare(img, analyse(img), **kw).target_brightness
    (tmp_path / "global_b.onnx").unlink()
    b = LumosNetEnhancer(tmp_path).prepare(img, analyse(img), **kw).target_brightness
    assert a == pytest.approx(b, abs=1e-5)


def test_missing_weights_are_a_clear_error(tmp_path) -> None:
    from lumos.errors import ModelError
    from lumos.models.lumosnet import LumosNetEnhancer

    with pytest.raises(ModelError, match="not found"):
        LumosNetEnhancer(tmp_path)


def test_a_near_black_sky_is_lifted_grey_not_olive() -> None:
    """Crushed night-sky pixels (R = G = 0.7/255, B = 0.1/255) carry no colour: they come
    out neutral, while a dim but coloured area keeps its hue."""
    img = np.empty((96, 128, 3), np.float32)
    img[:48] = np.float32([0.7, 0.7, 0.1]) / 255  # black sky, blue crushed by the camera
    img[48:] = np.float32([12, 8, 4]) / 255  # a dim, warm street
    img[60:70, 60:70] = 0.9  # a lamp
    out = run_pipeline(img, EnhanceOptions(model="lumosnet")).rgb
    sky = out[5:35].reshape(-1, 3).mean(0)
    assert sky.mean() > 2 / 255  # lifted (the network's choice) ...
    assert np.ptp(sky) < 1.5 / 255  # ... but grey
    street = out[80:, 5:40].reshape(-1, 3).mean(0)
    assert street[0] > street[1] > street[2]  # still warm


def test_a_thin_strip_keeps_a_small_guide_blur() -> None:
    """The guide blur (and the tiles' halo) followed the long side alone: 1 x 400,000 px
    had a 312 px blur and a 1 kpx halo around every 512 px tile, quadratic time."""
    from lumos.analysis import analyse
    from lumos.models.lumosnet import LumosNetEnhancer

    rng = np.random.default_rng(0)
    strip = (rng.random((2, 400_000, 3)) * 0.1).astype(np.float32)
    plan = LumosNetEnhancer().prepare(
        strip, analyse(strip), denoise=None, detail=None, brightness=None
    )
    assert plan.params["guide_sigma"] == pytest.approx(1.6)  # as a 2048 px photo's
    assert plan.halo < 100


def test_onnxruntime_telemetry_is_off_before_any_session(monkeypatch) -> None:
    """ONNX Runtime records usage events unless told not to; lumos promises privacy."""
    import onnxruntime as ort

    from lumos.models import _onnx
    from lumos.models.lumosnet import WEIGHTS_DIR

    calls: list[str] = []
    real_session = ort.InferenceSession
    monkeypatch.setattr(ort, "disable_telemetry_events", lambda: calls.append("off"))
    monkeypatch.setattr(
        ort, "InferenceSession", lambda *a, **k: calls.append("session") or real_session(*a, **k)
    )
    monkeypatch.setattr(_onnx, "_cache", {})
    member = sorted(WEIGHTS_DIR.glob("global*.onnx"))[0]
    _onnx.onnx_session(member, "the LumosNet weights")
    assert calls == ["off", "session"]
