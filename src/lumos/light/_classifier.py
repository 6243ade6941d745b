"""Logistic regression over :func:`light_features`, in NumPy only.

The weights are fitted by ``scripts/train_light.py`` and shipped as
``light_weights.json`` beside this module, together with the record of the fit
(data, split, held-out accuracy). Features are standardised with the training
mean and standard deviation stored in the same file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .._types import FloatImage
from ._features import FEATURE_NAMES, light_features

__all__ = [
    "WEIGHTS_PATH",
    "LightDecision",
    "LightModel",
    "classify_light",
    "fit_logistic",
    "load_model",
]

WEIGHTS_PATH = Path(__file__).resolve().parent / "light_weights.json"

Label = Literal["uniform", "uneven"]


@dataclass(frozen=True)
class LightDecision:
    """The classifier's verdict on one photo.

    Attributes
    ----------
    label : {"uniform", "uneven"}
        How the scene is lit.
    confidence : float
        Probability of ``label``, in [0.5, 1].
    p_uneven : float
        Probability of uneven light, in [0, 1].
    features : dict
        :data:`FEATURE_NAMES` -> value, for reports and debugging.
    """

    label: Label
    confidence: float
    p_uneven: float
    features: dict[str, float]


@dataclass(frozen=True)
class LightModel:
    """Standardisation and weights of the logistic regression."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def p_uneven(self, features: np.ndarray) -> np.ndarray:
        """Probability of uneven light for a (n, d) or (d,) feature array."""
        z = (np.asarray(features, np.float64) - self.mean) / self.scale
        logit = z @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(logit, -40.0, 40.0)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters."""
        return {
            "features": list(FEATURE_NAMES),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "weights": self.weights.tolist(),
            "bias": float(self.bias),
        }


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    *,
    l2: float = 1e-2,
    sample_weight: np.ndarray | None = None,
    iterations: int = 50,
) -> LightModel:
    """Fit L2-regularised logistic regression by Newton's method (IRLS).

    Parameters
    ----------
    x : (n, d) ndarray
        Features.
    y : (n,) ndarray
        1 for uneven, 0 for uniform.
    l2 : float
        Ridge penalty on the standardised weights (not the bias).
    sample_weight : (n,) ndarray, optional
        Per-example weights (e.g. to balance sources).
    iterations : int
        Newton steps; the problem is convex and converges in a handful.

    Returns
    -------
    LightModel
    """
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    n, d = x.shape
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((n, 1))])
    beta = np.zeros(d + 1)
    reg = np.full(d + 1, l2 * sw.sum())
    reg[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ beta, -40, 40)))
        grad = z.T @ (sw * (p - y)) + reg * beta
        hess = (z * (sw * p * (1 - p))[:, None]).T @ z + np.diag(reg) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return LightModel(mean=mean, scale=scale, weights=beta[:-1], bias=float(beta[-1]))


@lru_cache(maxsize=1)
def load_model(path: Path = WEIGHTS_PATH) -> LightModel:
    """Read the shipped weights (cached)."""
    data = json.loads(Path(path).read_text())
    if tuple(data["model"]["features"]) != FEATURE_NAMES:
        raise ValueError(f"{path}: features {data['model']['features']} != {FEATURE_NAMES}")
    m = data["model"]
    return LightModel(
        mean=np.asarray(m["mean"], np.float64),
        scale=np.asarray(m["scale"], np.float64),
        weights=np.asarray(m["weights"], np.float64),
        bias=float(m["bias"]),
    )


def classify_light(rgb: FloatImage, *, model: LightModel | None = None) -> LightDecision:
    """Is the scene lit uniformly or by local sources?

    Parameters
    ----------
    rgb : (H, W, 3) float32 ndarray
        sRGB in [0, 1].
    model : LightModel, optional
        Defaults to the shipped weights.

    Returns
    -------
    LightDecision

    Examples
    --------
    >>> classify_light(np.full((64, 64, 3), 0.05, np.float32)).label
    'uniform'
    """
    feats = light_features(rgb)
    m = load_model() if model is None else model
    p = float(m.p_uneven(feats))
    label: Label = "uneven" if p >= 0.5 else "uniform"
    conf = p if label == "uneven" else 1.0 - p
    named = {k: round(float(v), 5) for k, v in zip(FEATURE_NAMES, feats, strict=True)}
    if not math.isfinite(conf):  # pragma: no cover - features are always finite
        conf = 0.5
    return LightDecision(label=label, confidence=conf, p_uneven=p, features=named)
