"""Uniform or uneven light: features and a small learned classifier.

Public: :func:`classify_light`, :class:`LightDecision`, :func:`light_features`,
:data:`FEATURE_NAMES`, the two model kinds (:class:`StumpModel`, :class:`LightModel`)
and their fitting functions. How the classifier was trained and how the real
photos were labelled: ``scripts/train_light.py`` and ``labels_real.csv`` here.
"""

from __future__ import annotations

from ._classifier import (
    LightDecision,
    LightModel,
    StumpModel,
    classify_light,
    fit_logistic,
    fit_stumps,
    load_model,
)
from ._features import FEATURE_NAMES, light_features

__all__ = [
    "FEATURE_NAMES",
    "LightDecision",
    "LightModel",
    "StumpModel",
    "classify_light",
    "fit_logistic",
    "fit_stumps",
    "light_features",
    "load_model",
]
