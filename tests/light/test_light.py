"""The light classifier, its shipped weights and labels, and routing in the pipeline."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from lumos.config import EnhanceOptions, TilingOptions
from lumos.errors import OptionError
from lumos.light import (
    FEATURE_NAMES,
    StumpModel,
    classify_light,
    fit_logistic,
    fit_stumps,
    light_features,
    load_model,
)
from lumos.light._classifier import WEIGHTS_PATH
from lumos.pipeline import run_pipeline
from lumos.stages.classical import UNIFORM_LOCALITY

LABELS = Path(__file__).resolve().parents[2] / "src" / "lumos" / "light" / "labels_real.csv"


def _room(level: float, h: int = 240, w: int = 320) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    tex = 0.8 + 0.2 * np.sin(xx / 7.0) * np.cos(yy / 9.0)
    return np.clip(np.stack([tex * 0.9, tex, tex * 0.8], -1) * level, 0, 1).astype(np.float32)


def _street_lamp(h: int = 300, w: int = 400) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = _room(0.015, h, w)
    pool = np.exp(-((xx - 0.3 * w) ** 2 + (yy - 0.7 * h) ** 2) / (2 * (0.12 * w) ** 2))
    img = img + 0.4 * pool[..., None]
    img[((xx - 0.3 * w) ** 2 + (yy - 0.2 * h) ** 2) < (0.04 * w) ** 2] = 1.0
    return np.clip(img, 0, 1).astype(np.float32)


def test_features_have_the_documented_names_and_are_finite() -> None:
    f = light_features(_street_lamp())
    assert f.shape == (len(FEATURE_NAMES),)
    assert np.all(np.isfinite(f))


def test_flat_frame_spans_no_stops() -> None:
    f = dict(zip(FEATURE_NAMES, light_features(np.full((64, 64, 3), 0.2, np.float32)), strict=True))
    assert f["spread"] == pytest.approx(0.0, abs=1e-6)
    assert f["grid_std"] == pytest.approx(0.0, abs=1e-6)
    assert f["bimodality"] == 0.0


@pytest.mark.parametrize("shape", [(1, 1, 3), (1, 40, 3), (40, 1, 3), (3, 5, 3)])
def test_tiny_and_one_pixel_wide_images_give_finite_features(shape: tuple[int, ...]) -> None:
    img = np.random.default_rng(0).random(shape, dtype=np.float32) * 0.3
    assert np.all(np.isfinite(light_features(img)))
    assert classify_light(img).label in ("uniform", "uneven")


def test_features_reject_a_grey_image() -> None:
    with pytest.raises(ValueError, match="expected an"):
        light_features(np.zeros((8, 8), np.float32))


def test_dark_even_room_is_uniform_and_lamp_scene_is_uneven() -> None:
    assert classify_light(_room(0.04)).label == "uniform"
    d = classify_light(_street_lamp())
    assert d.label == "uneven"
    assert 0.5 <= d.confidence <= 1.0
    assert set(d.features) == set(FEATURE_NAMES)


def test_fit_logistic_separates_separable_data() -> None:
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(-2, 1, (50, 3)), rng.normal(2, 1, (50, 3))])
    y = np.r_[np.zeros(50), np.ones(50)]
    m = fit_logistic(x, y, l2=1e-3)
    assert ((m.p_uneven(x) >= 0.5) == y).mean() > 0.95
    assert m.weights.shape == (3,)


def test_fit_stumps_learns_a_threshold_a_line_cannot() -> None:
    # Uneven when feature 0 is far from zero on either side: no single linear cut.
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (300, 2))
    y = (np.abs(x[:, 0]) > 1.0).astype(float)
    m = fit_stumps(x, y, rounds=60, learning_rate=0.3)
    assert ((m.p_uneven(x) >= 0.5) == y).mean() > 0.95
    assert set(m.feature.tolist()) <= {0, 1}
    assert m.p_uneven(x[0]).shape == ()


def test_stump_model_round_trips_through_json(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(0, 1, (80, len(FEATURE_NAMES)))
    y = (x[:, 3] > 0).astype(float)
    m = fit_stumps(x, y, rounds=10)
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"model": m.to_dict(), "record": {}}))
    back = load_model.__wrapped__(path)
    assert isinstance(back, StumpModel)
    np.testing.assert_allclose(back.p_uneven(x), m.p_uneven(x))


def test_shipped_weights_carry_their_fitting_record() -> None:
    data = json.loads(WEIGHTS_PATH.read_text())
    assert tuple(data["model"]["features"]) == FEATURE_NAMES
    rec = data["record"]
    test = rec["test"]
    assert {"all", "real", "dicm", "lime", "sci", "lol", "synthetic"} <= set(test)
    assert test["all"]["accuracy"] >= 0.8
    (cm_uniform, cm_uneven) = test["all"]["confusion"]
    assert sum(cm_uniform) + sum(cm_uneven) == test["all"]["n"]
    # The shipped configuration is the cross-validation winner, chosen on training data.
    assert rec["chosen"] in rec["cv_results"]
    best = max(r["cv_balanced"] for r in rec["cv_results"].values())
    assert rec["cv_results"][rec["chosen"]]["cv_balanced"] == best


def test_classification_is_deterministic_on_an_analysis_proxy() -> None:
    # (Its speed is measured by bench/speed.py, as part of "analyse", not here.)
    img = _street_lamp(384, 512)
    first = classify_light(img)
    assert all(classify_light(img) == first for _ in range(3))
    assert np.isfinite(light_features(img)).all()


def test_real_labels_are_complete_and_explained() -> None:
    with LABELS.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) > 150
    assert {r["label"] for r in rows} == {"uniform", "uneven"}
    assert all(r["reason"].strip() for r in rows)
    assert len({r["file"] for r in rows}) == len(rows)


def test_light_option_is_validated() -> None:
    with pytest.raises(OptionError, match="light must be one of"):
        EnhanceOptions(light="sideways")


@pytest.mark.parametrize("light", ["uniform", "uneven"])
def test_forced_light_routes_the_classical_strategy(light: str) -> None:
    opts = EnhanceOptions(model="classical", light=light, tiling=TilingOptions(tile=0))
    res = run_pipeline(_street_lamp(120, 160), opts)
    assert res.plan.params["light"] == light
    assert res.plan.params["locality"] == (1.0 if light == "uneven" else UNIFORM_LOCALITY)
    # The measurement itself is still reported, not the override.
    assert res.analysis.light == "uneven"


def test_uniform_strategy_is_closer_to_a_global_curve() -> None:
    # The illumination map is blended towards the pixel's own brightness
    # (A = 1, B = 0: one global curve) by 1 - UNIFORM_LOCALITY.
    img = _room(0.05, 96, 128)
    ab = {}
    for light in ("uniform", "uneven"):
        opts = EnhanceOptions(model="classical", light=light, detail=0.0, denoise=0.0)
        ab[light] = run_pipeline(img, opts).plan.params["illum_ab"]
    expected_a = UNIFORM_LOCALITY * ab["uneven"][..., 0] + (1 - UNIFORM_LOCALITY)
    np.testing.assert_allclose(ab["uniform"][..., 0], expected_a, atol=1e-5)
    np.testing.assert_allclose(
        ab["uniform"][..., 1], UNIFORM_LOCALITY * ab["uneven"][..., 1], atol=1e-5
    )


def test_cli_parses_light_and_weights() -> None:
    import argparse

    from lumos.cli.enhance import add_pipeline_options, options_from_args

    p = argparse.ArgumentParser()
    add_pipeline_options(p)
    opts = options_from_args(p.parse_args(["--light", "uneven"]))
    assert opts.light == "uneven" and opts.weights is None
    with pytest.raises(SystemExit):
        p.parse_args(["--light", "bright"])
