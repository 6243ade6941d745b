"""Shadows: backlit photos get their shadows opened up; other photos are left as they are."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lumos.config import EnhanceOptions, TilingOptions
from lumos.errors import OptionError
from lumos.models import available_models
from lumos.pipeline import run_pipeline
from lumos.stages.shadows import (
    SHADOW_DARK,
    SHADOW_MAX_GAIN,
    SHADOW_STRENGTH,
    SHADOW_TARGET,
    auto_shadow_strength,
    backlight_evidence,
    shadow_illumination,
    shadow_log_gain,
    shadow_strength,
)

MODELS = [m for m in ("classical", "lumosnet") if m in available_models()]


def _backlit(h: int = 120, w: int = 160, seed: int = 0) -> np.ndarray:
    """Bright textured sky over the top half, a textured foreground in deep shade below."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    texture = 1.0 + 0.3 * np.sin(xx / 3.0) * np.cos(yy / 4.0)
    img = np.empty((h, w, 3), np.float32)
    img[: h // 2] = np.float32([0.75, 0.8, 0.9]) * texture[: h // 2, :, None]
    img[h // 2 :] = np.float32([0.05, 0.04, 0.03]) * texture[h // 2 :, :, None]
    img += rng.normal(0, 0.002, img.shape).astype(np.float32)
    return np.clip(img, 0, 1)


def test_lift_is_zero_in_the_light_and_grows_bounded_into_the_shade() -> None:
    light = np.float32([0.001, 0.01, 0.05, 0.12, 0.3, SHADOW_TARGET, 0.6, 1.0])
    lift = shadow_log_gain(light, 0.6)
    assert np.all(lift[light >= SHADOW_TARGET] == 0)
    assert np.all(np.diff(lift) <= 0)  # darker gets more
    assert lift.max() == pytest.approx(math.log(SHADOW_MAX_GAIN))
    # (target / L) ** strength below the cap
    assert lift[4] == pytest.approx(0.6 * math.log(SHADOW_TARGET / 0.3), rel=1e-5)
    assert not shadow_log_gain(light, 0.0).any()


def test_auto_strength_needs_both_deep_shadow_and_full_light() -> None:
    dark = np.full((40, 60), 0.03, np.float32)  # a dark scene, nothing lit
    bright = np.full((40, 60), 0.8, np.float32)
    backlit = bright.copy()
    backlit[20:] = 0.03
    assert auto_shadow_strength(dark) == 0.0
    assert auto_shadow_strength(bright) == 0.0
    assert auto_shadow_strength(backlit) == pytest.approx(SHADOW_STRENGTH)
    small_shade = bright.copy()
    small_shade[:2, :2] = 0.03  # a dark corner, not a shadow worth opening
    assert auto_shadow_strength(small_shade) == 0.0


def test_the_users_strength_wins_and_auto_steps_back_where_brightening_works() -> None:
    backlit = np.full((40, 60), 0.8, np.float32)
    backlit[20:] = 0.03
    assert shadow_strength(backlit, 0.25, need=1.0) == 0.25
    assert shadow_strength(backlit, None, need=1.0) == 0.0
    assert shadow_strength(backlit, None, need=0.5) == pytest.approx(0.5 * SHADOW_STRENGTH)


def test_illumination_keeps_the_edge_and_smooths_texture_in_the_shade() -> None:
    light = shadow_illumination(_backlit())
    sky, shade = light[5:50], light[70:]
    assert sky.min() > 0.5
    assert shade.max() < SHADOW_DARK
    # the foreground's +-30% texture is reflectance, not light: mostly smoothed away
    texture = _backlit()[70:].max(axis=2)
    assert shade.std() / shade.mean() < 0.5 * texture.std() / texture.mean()


@pytest.mark.parametrize("model", MODELS)
def test_a_backlit_photo_gets_its_shadows_opened_and_its_sky_kept(model: str) -> None:
    img = _backlit()
    auto = run_pipeline(img, EnhanceOptions(model=model))
    off = run_pipeline(img, EnhanceOptions(model=model, shadows=0.0))
    assert auto.stats["shadows"] > 0.3
    assert off.stats["shadows"] == 0.0
    shade_auto, shade_off = auto.rgb[75:, 10:-10], off.rgb[75:, 10:-10]
    assert shade_auto.mean() > 1.5 * shade_off.mean()
    assert shade_off.mean() < 1.3 * img[75:, 10:-10].mean()  # off: as before
    # the sky away from the horizon is untouched
    assert np.abs(auto.rgb[:45] - off.rgb[:45]).mean() < 2 / 255
    # the texture in the shade keeps its contrast (a gain per region, not per pixel)
    luma = shade_auto.mean(axis=2)
    src = img[75:, 10:-10].mean(axis=2)
    assert luma.std() / luma.mean() > 0.7 * src.std() / src.mean()


@pytest.mark.parametrize("model", MODELS)
def test_stronger_shadows_option_lifts_more(model: str) -> None:
    img = _backlit()
    means = [
        float(run_pipeline(img, EnhanceOptions(model=model, shadows=s)).rgb[75:].mean())
        for s in (0.0, 0.5, 1.0)
    ]
    assert means[0] < means[1] < means[2]


@pytest.mark.parametrize("model", MODELS)
def test_dark_and_well_exposed_photos_get_no_auto_shadows(model: str) -> None:
    dark = np.clip(_backlit() * 0.08, 0, 1)  # a night scene: brightening's job
    yy, xx = np.mgrid[0:96, 0:128].astype(np.float32)
    good = np.stack([0.5 + 0.3 * np.sin(xx / 9), 0.45 + 0.3 * np.cos(yy / 7), 0.4 + 0 * xx], -1)
    for img in (dark, good.astype(np.float32)):
        assert run_pipeline(img, EnhanceOptions(model=model)).stats["shadows"] == 0.0


@pytest.mark.parametrize("model", MODELS)
def test_tiles_stay_seamless_with_shadows(model: str) -> None:
    img = _backlit(150, 210, seed=1)
    whole = run_pipeline(img, EnhanceOptions(model=model, tiling=TilingOptions(tile=0))).rgb
    tiled = run_pipeline(img, EnhanceOptions(model=model, tiling=TilingOptions(tile=64))).rgb
    assert np.abs(whole - tiled).max() < 2e-3


@pytest.mark.parametrize("bad", [-0.1, 1.5, "a lot", True])
def test_a_bad_strength_is_refused(bad: object) -> None:
    with pytest.raises(OptionError, match="shadows"):
        EnhanceOptions(model="classical", shadows=bad)  # type: ignore[arg-type]


def test_minus_zero_is_reported_as_zero() -> None:
    """``--shadows -0`` is accepted as 0; stats and the report said "-0.0" / "shadows -0"."""
    out = run_pipeline(_backlit(), EnhanceOptions(model="classical", shadows=-0.0, denoise=-0.0))
    assert math.copysign(1.0, out.stats["shadows"]) == 1.0
    assert math.copysign(1.0, out.stats["denoise"]) == 1.0


def test_the_cli_refuses_a_bad_strength_in_one_line(capsys) -> None:
    from lumos.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["enhance", "x.jpg", "--shadows", "2"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--shadows: must be between 0 and 1, got 2" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("model", MODELS)
def test_shadows_do_not_depend_on_the_brightening_strategy(model: str) -> None:
    """--light picks how the brightening works; the shadows stage runs the same way."""
    img = _backlit()
    for light in ("uniform", "uneven"):
        set_ = run_pipeline(img, EnhanceOptions(model=model, light=light, shadows=0.8))
        off = run_pipeline(img, EnhanceOptions(model=model, light=light, shadows=0.0))
        assert set_.stats["shadows"] == pytest.approx(0.8)
        assert set_.rgb[75:].mean() > 1.5 * off.rgb[75:].mean()
        auto = run_pipeline(img, EnhanceOptions(model=model, light=light))
        assert auto.stats["shadows"] > 0.3


@pytest.mark.parametrize("model", MODELS)
def test_the_shadows_option_moves_the_shadows_not_the_sky_at_a_set_brightness(
    model: str,
) -> None:
    """The page sends the auto brightness back with every preview: moving the shadows
    slider must then open the shadows and leave the lit part as it is."""
    img = _backlit()
    auto = run_pipeline(img, EnhanceOptions(model=model))
    target = auto.stats["target_brightness"]
    same = run_pipeline(img, EnhanceOptions(model=model, brightness=target))
    np.testing.assert_allclose(same.rgb, auto.rgb, atol=1 / 255)  # auto sent back: auto
    runs = [
        run_pipeline(img, EnhanceOptions(model=model, brightness=target, shadows=s))
        for s in (0.0, 0.3, 1.0)
    ]
    sky = [float(r.rgb[:45].mean()) for r in runs]
    assert max(sky) - min(sky) < 2 / 255
    shade = [float(r.rgb[75:].mean()) for r in runs]
    assert shade[0] * 1.5 < shade[1] < shade[2]


def test_backlight_evidence_tells_a_thing_in_the_dark_from_a_dark_thing() -> None:
    backlit = _backlit() * np.float32(0.8)  # pale sky above, shaded ground below, unclipped
    light = shadow_illumination(backlit)
    assert backlight_evidence(backlit, light) == pytest.approx(1.0)
    # The same frame upside down: a dark backdrop or dark hair above a lit subject,
    # nothing clipped. A dark thing, not a shadow: its blacks stay.
    dark_above = np.ascontiguousarray(backlit[::-1])
    assert backlight_evidence(dark_above, shadow_illumination(dark_above)) == 0.0
    assert auto_shadow_strength(shadow_illumination(dark_above), dark_above) == 0.0
    assert auto_shadow_strength(shadow_illumination(dark_above)) == pytest.approx(SHADOW_STRENGTH)
    # ...unless the light clipped, as a window the camera could not hold does.
    window = dark_above.copy()
    window[:20, :40] = 1.0
    assert backlight_evidence(window, shadow_illumination(window)) == pytest.approx(1.0)
    # A sunlit colourful thing above a dark one is not a light source.
    colourful = backlit.copy()
    colourful[: backlit.shape[0] // 2] = np.float32([0.9, 0.2, 0.05])
    assert backlight_evidence(colourful, shadow_illumination(colourful)) == 0.0


def test_auto_keeps_a_dark_backdrop_above_a_lit_subject_black() -> None:
    dark_above = np.ascontiguousarray(_backlit()[::-1] * np.float32(0.8))
    for model in MODELS:
        result = run_pipeline(dark_above, EnhanceOptions(model=model, denoise=0.0, detail=0.0))
        assert result.stats["shadows"] == 0.0, model
