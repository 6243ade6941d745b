"""The over-exposure reading: a tiny regressor from :func:`over_features` to stops over.

Two kinds, both plain NumPy at run time, fitted by :mod:`lumos.overexposure._train`
(``scripts/train_overexposure.py``) and shipped as ``over_weights.json`` beside this
module with the record of the fit:

* ``ridge``: a linear model on standardised features;
* ``mlp``: one hidden layer of ReLU units on standardised features.

Both predict how many stops over the photo is (0 for a correct or an under-exposed
photo); the verdict (:func:`lumos.stages.exposure.over_exposure_verdict`) turns that
into a darkening with a dead zone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .._types import FloatImage
from ._features import FEATURE_NAMES, over_features

__all__ = ["WEIGHTS_PATH", "OverModel", "load_over_model", "over_stops"]

WEIGHTS_PATH = Path(__file__).resolve().parent / "over_weights.json"


@dataclass(frozen=True)
class OverModel:
    """Standardisation and layers of the regressor (``w1``/``b1`` empty for ridge)."""

    kind: str
    mean: np.ndarray
    scale: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: float

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Stops over for a (n, d) or (d,) feature array (may be slightly negative)."""
        z = (np.asarray(features, np.float64) - self.mean) / self.scale
        if self.kind == "mlp":
            z = np.maximum(z @ self.w1 + self.b1, 0.0)
        return z @ self.w2 + self.b2

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters."""
        return {
            "kind": self.kind,
            "features": list(FEATURE_NAMES),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "w1": self.w1.tolist(),
            "b1": self.b1.tolist(),
            "w2": self.w2.tolist(),
            "b2": float(self.b2),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> OverModel:
        if list(d["features"]) != list(FEATURE_NAMES):
            raise ValueError("over-exposure weights were fitted on other features")
        return cls(
            kind=str(d["kind"]),
            mean=np.asarray(d["mean"], np.float64),
            scale=np.asarray(d["scale"], np.float64),
            w1=np.asarray(d["w1"], np.float64),
            b1=np.asarray(d["b1"], np.float64),
            w2=np.asarray(d["w2"], np.float64),
            b2=float(d["b2"]),
        )


@lru_cache(maxsize=4)
def load_over_model(path: Path = WEIGHTS_PATH) -> OverModel:
    """The shipped model (cached)."""
    with open(path, encoding="utf-8") as f:
        return OverModel.from_dict(json.load(f)["model"])


def over_stops(rgb: FloatImage, model: OverModel | None = None) -> float:
    """How many stops over ``rgb`` (sRGB float, any size) reads, never below 0.

    >>> over_stops(np.full((16, 16, 3), 0.02, np.float32)) < 0.5
    True
    """
    m = load_over_model() if model is None else model
    return max(0.0, float(m.predict(over_features(rgb))))
