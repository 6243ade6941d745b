"""The learned over-exposure reading: features, shipped weights, verdict, trainer."""

from __future__ import annotations

import numpy as np
import pytest

from _scenes import clear_photo
from lumos.analysis import analyse
from lumos.overexposure import FEATURE_NAMES, load_over_model, over_features, over_stops
from lumos.overexposure._model import OverModel
from lumos.overexposure._train import (
    average_mlps,
    expose,
    fit_mlp,
    fit_ridge,
    make_examples,
    on_white,
    with_sky,
)
from lumos.stages.exposure import OVER_DEAD_ZONE, over_exposure_verdict


def _photo(seed: int = 0) -> np.ndarray:
    return clear_photo(120, 160, seed=seed)


def _blocks(seed: int = 0, size: int = 128) -> np.ndarray:
    """A well-exposed textured photo without deep blacks: blocks of colour, fine texture."""
    rng = np.random.default_rng(seed)
    blocks = rng.random((size // 16, size // 16, 3)).repeat(16, 0).repeat(16, 1)
    texture = 0.15 * rng.random((size, size, 3))
    return (0.03 + 0.87 * (blocks + texture) / 1.15).astype(np.float32)


def test_features_are_named_and_finite() -> None:
    f = over_features(_photo())
    assert f.shape == (len(FEATURE_NAMES),) and np.all(np.isfinite(f))
    # Any size: a large photo is shrunk first, a tiny one is measured as it is.
    assert over_features(np.full((3, 5, 3), 0.5, np.float32)).shape == f.shape


def test_shipped_weights_load_and_round_trip() -> None:
    m = load_over_model()
    again = OverModel.from_dict(m.to_dict())
    x = np.stack([over_features(_photo(s)) for s in range(2)])
    np.testing.assert_allclose(again.predict(x), m.predict(x))


def test_reading_grows_with_the_exposure() -> None:
    clean = _photo(1)
    readings = [over_stops(expose(clean, ev)) for ev in (-1.5, 0.0, 1.5, 2.5)]
    assert readings[0] < OVER_DEAD_ZONE[0] and readings[1] < OVER_DEAD_ZONE[0]
    assert readings[2] > OVER_DEAD_ZONE[0] and readings[3] > readings[1] + 1.0


def test_verdict_reads_plus_1_5_as_over_and_the_photo_itself_not() -> None:
    clean = _blocks(2)
    over = over_exposure_verdict(analyse(expose(clean, 1.5)))
    assert over.strength > 0.0 and over.label != "not over-exposed"
    assert 0.0 < over.ev <= over.stops and "stops over (learned)" in over.text()
    kept = over_exposure_verdict(analyse(clean))
    assert kept.strength == 0.0 and kept.ev == 0.0 and kept.label == "not over-exposed"
    assert over_exposure_verdict(analyse(expose(clean, -1.5))).strength == 0.0
    # The same error on a photo that keeps real blacks (dark gaps between its blocks)
    # reads over but is left alone: the blacks say the exposure did not lift everything.
    gaps = over_exposure_verdict(analyse(expose(_photo(2), 1.5)))
    assert gaps.stops > OVER_DEAD_ZONE[0] and gaps.strength == 0.0
    assert "real blacks" in gaps.text()


def test_trainer_short_version() -> None:
    rng = np.random.default_rng(0)
    cleans = [_photo(s) for s in range(3)]
    sky, page = with_sky(cleans[0], rng), on_white(cleans[0], rng)
    assert sky.shape == page.shape == cleans[0].shape and sky[0].mean() > 0.8
    ex = make_examples(cleans, rng, n_over=2, n_under=1, n_zero=1)
    assert len(ex) == 3 * (1 + 4 + 4)
    x = np.stack([e.features for e in ex])
    y = np.maximum([e.ev for e in ex], 0.0)
    ridge = fit_ridge(x, y, l2=1.0)
    members = [fit_mlp(x, y, hidden=4, steps=200, seed=s) for s in range(2)]
    both = average_mlps(members)
    np.testing.assert_allclose(
        both.predict(x), np.mean([m.predict(x) for m in members], axis=0), atol=1e-9
    )
    # Fitted on its own data, the ridge reading must order over above not-over.
    p = ridge.predict(x)
    assert p[y > 1.0].mean() > p[y == 0.0].mean() + 0.5


@pytest.mark.parametrize("ev", [0.0, 1.0])
def test_expose_keeps_the_range(ev: float) -> None:
    out = expose(_photo(), ev, shoulder=0.8)
    assert out.dtype == np.float32 and out.min() >= 0.0 and out.max() <= 1.0


def test_stats_and_why_state_the_reading() -> None:
    from lumos.config import EnhanceOptions
    from lumos.pipeline import run_pipeline

    over = expose(_blocks(3, 96), 1.5)
    ex = run_pipeline(over, EnhanceOptions(model="classical")).stats["exposure"]
    assert ex["darkened"] and ex["over"]["stops_over"] > OVER_DEAD_ZONE[0]
    assert ex["darken_ev"] == pytest.approx(ex["over"]["ev"], abs=1e-3)
    assert "stops over (learned)" in ex["why"]
    assert run_pipeline(_blocks(3, 96), EnhanceOptions(model="classical")).stats["exposure"][
        "over"
    ]["ev"] == pytest.approx(0.0)


def test_training_script_fits_and_scores_in_code_data() -> None:
    """The script's short version without the shared data: its fit and score on in-code
    photos (one ridge, one MLP ensemble of tiny members)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "train_overexposure.py"
    spec = importlib.util.spec_from_file_location("train_overexposure", path)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    rng = np.random.default_rng(1)
    ex = make_examples([_blocks(s, 64) for s in range(4)], rng, n_over=2, n_under=1, n_zero=1)
    x, y = script.arrays(ex)
    script.ENSEMBLE = 2  # members of the averaged MLP: two tiny ones here
    for kind, hp in (("ridge", {"l2": 1.0}), ("mlp", {"hidden": 4, "l2": 1e-2})):
        model = script.fit(kind, hp, x, y, 0)
        s = script.score(model, x, y)
        assert 0.0 <= s["false_over_dead_zone"] <= 1.0 and np.isfinite(s["mae_stops"])
