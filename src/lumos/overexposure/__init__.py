"""Over-exposure: features and a small learned regressor of how many stops over a photo is.

Public: :func:`over_features`, :data:`FEATURE_NAMES`, :func:`over_stops`,
:class:`OverModel`, :func:`load_over_model`. How it was trained:
``scripts/train_overexposure.py`` and the ``record`` in ``over_weights.json``.
"""

from __future__ import annotations

from ._features import FEATURE_NAMES, FEATURE_SIDE, over_features
from ._model import WEIGHTS_PATH, OverModel, load_over_model, over_stops

__all__ = [
    "FEATURE_NAMES",
    "FEATURE_SIDE",
    "WEIGHTS_PATH",
    "OverModel",
    "load_over_model",
    "over_features",
    "over_stops",
]
