"""Small classifiers over :func:`light_features`, in NumPy only.

Two model kinds, both fitted by ``scripts/train_light.py`` (which picks one by
cross-validation on its training split) and shipped as ``light_weights.json``
beside this module, together with the record of the fit (data, split,
cross-validation, held-out accuracy, confusion matrix):

* :class:`StumpModel` - gradient-boosted decision stumps (an additive model:
  one step function per round, each on one feature). Steps handle thresholds
  and saturating features that a linear model cannot, and the sum stays cheap
  (one comparison per stump).
* :class:`LightModel` - L2-regularised logistic regression on standardised
  features.
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
    "StumpModel",
    "classify_light",
    "fit_logistic",
    "fit_stumps",
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
            "kind": "logistic",
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


@dataclass(frozen=True)
class StumpModel:
    """Gradient-boosted stumps: ``logit = bias + sum_k (left_k if x[f_k] <= t_k else right_k)``.

    The learning rate is already folded into ``left`` and ``right``.
    """

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    bias: float

    def logit(self, features: np.ndarray) -> np.ndarray:
        """Summed stump outputs for a (n, d) or (d,) feature array."""
        x = np.asarray(features, np.float64)
        cols = x[..., self.feature]  # (..., n_stumps)
        return self.bias + np.where(cols <= self.threshold, self.left, self.right).sum(axis=-1)

    def p_uneven(self, features: np.ndarray) -> np.ndarray:
        """Probability of uneven light for a (n, d) or (d,) feature array."""
        return 1.0 / (1.0 + np.exp(-np.clip(self.logit(features), -40.0, 40.0)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters."""
        return {
            "kind": "stumps",
            "features": list(FEATURE_NAMES),
            "feature": self.feature.tolist(),
            "threshold": self.threshold.tolist(),
            "left": self.left.tolist(),
            "right": self.right.tolist(),
            "bias": float(self.bias),
        }


def fit_stumps(
    x: np.ndarray,
    y: np.ndarray,
    *,
    rounds: int = 100,
    learning_rate: float = 0.1,
    l2: float = 1.0,
    thresholds: int = 32,
    min_weight: float = 1.0,
    sample_weight: np.ndarray | None = None,
) -> StumpModel:
    """Fit gradient-boosted stumps to the logistic loss (Newton steps, as XGBoost).

    Parameters
    ----------
    x : (n, d) ndarray
        Features.
    y : (n,) ndarray
        1 for uneven, 0 for uniform.
    rounds : int
        Number of stumps.
    learning_rate : float
        Shrinkage of each stump's output.
    l2 : float
        Ridge penalty on each leaf value (in units of summed sample weight).
    thresholds : int
        Candidate split points per feature: inner quantiles of the training values.
    min_weight : float
        Smallest summed sample weight allowed on either side of a split.
    sample_weight : (n,) ndarray, optional
        Per-example weights.

    Returns
    -------
    StumpModel
    """
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    n, d = x.shape
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)
    p0 = float(np.clip((sw * y).sum() / sw.sum(), 1e-3, 1 - 1e-3))
    bias = math.log(p0 / (1.0 - p0))
    qs = np.linspace(0.0, 1.0, thresholds + 2)[1:-1]
    cuts = [np.unique(np.quantile(x[:, j], qs)) for j in range(d)]
    # Bin b of a sample for feature j: it lies left of cut k exactly when b <= k.
    bins = [np.searchsorted(cuts[j], x[:, j], side="left") for j in range(d)]
    z = np.full(n, bias)
    feats, ths, lefts, rights = [], [], [], []
    for _ in range(rounds):
        p = 1.0 / (1.0 + np.exp(-z))
        g, h = sw * (p - y), sw * p * (1.0 - p)
        best = (0.0, -1, 0.0, 0.0, 0.0)
        for j in range(d):
            m = len(cuts[j])
            if m == 0:
                continue
            gl = np.cumsum(np.bincount(bins[j], g, minlength=m + 1))[:m]
            hl = np.cumsum(np.bincount(bins[j], h, minlength=m + 1))[:m]
            wl = np.cumsum(np.bincount(bins[j], sw, minlength=m + 1))[:m]
            gr, hr, wr = g.sum() - gl, h.sum() - hl, sw.sum() - wl
            gain = gl**2 / (hl + l2) + gr**2 / (hr + l2) - g.sum() ** 2 / (h.sum() + l2)
            gain[(wl < min_weight) | (wr < min_weight)] = -np.inf
            k = int(np.argmax(gain))
            if gain[k] > best[0]:
                best = (
                    float(gain[k]),
                    j,
                    float(cuts[j][k]),
                    -gl[k] / (hl[k] + l2),
                    -gr[k] / (hr[k] + l2),
                )
        _, j, t, vl, vr = best
        if j < 0:
            break
        vl, vr = learning_rate * vl, learning_rate * vr
        z += np.where(x[:, j] <= t, vl, vr)
        feats.append(j), ths.append(t), lefts.append(vl), rights.append(vr)
    return StumpModel(
        feature=np.asarray(feats, np.int64),
        threshold=np.asarray(ths, np.float64),
        left=np.asarray(lefts, np.float64),
        right=np.asarray(rights, np.float64),
        bias=bias,
    )


Model = LightModel | StumpModel


@lru_cache(maxsize=1)
def load_model(path: Path = WEIGHTS_PATH) -> Model:
    """Read the shipped weights (cached)."""
    data = json.loads(Path(path).read_text())
    m = data["model"]
    if tuple(m["features"]) != FEATURE_NAMES:
        raise ValueError(f"{path}: features {m['features']} != {FEATURE_NAMES}")
    if m.get("kind", "logistic") == "stumps":
        return StumpModel(
            feature=np.asarray(m["feature"], np.int64),
            threshold=np.asarray(m["threshold"], np.float64),
            left=np.asarray(m["left"], np.float64),
            right=np.asarray(m["right"], np.float64),
            bias=float(m["bias"]),
        )
    return LightModel(
        mean=np.asarray(m["mean"], np.float64),
        scale=np.asarray(m["scale"], np.float64),
        weights=np.asarray(m["weights"], np.float64),
        bias=float(m["bias"]),
    )


def classify_light(rgb: FloatImage, *, model: Model | None = None) -> LightDecision:
    """Is the scene lit uniformly or by local sources?

    Parameters
    ----------
    rgb : (H, W, 3) float32 ndarray
        sRGB in [0, 1].
    model : LightModel or StumpModel, optional
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
