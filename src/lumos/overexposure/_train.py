"""Training data and fitting for the over-exposure regressor (NumPy only).

The data are synthetic exposure errors made as MSEC made theirs (Afifi et al., CVPR
2021): a well-exposed photo decoded to linear light, times ``2**EV``, through a camera
tone curve (sRGB with a hard clip at white, or with a soft shoulder as cameras roll
their highlights off), optionally a little sensor noise and a JPEG save. The target is
``max(EV, 0)``: stops over, 0 for a correct photo and for an under-exposed one (the
other direction is the brightening verdict's business).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from .._types import FloatImage
from ..data.synth import jpeg_roundtrip, linear_to_srgb, srgb_to_linear
from ._features import over_features
from ._model import OverModel

__all__ = [
    "EV_OVER",
    "EV_UNDER",
    "Example",
    "average_mlps",
    "expose",
    "fit_mlp",
    "fit_ridge",
    "make_examples",
]

EV_OVER = (0.25, 2.5)
"""Range of the over-exposed draws, in stops (MSEC: +1, +1.5; the stage goes to 2.5)."""
EV_UNDER = (-2.0, -0.5)
"""Range of the under-exposed draws, read as "not over" (target 0)."""


@dataclass(frozen=True)
class Example:
    """One synthetic photo's features and what it is."""

    features: np.ndarray
    ev: float
    group: int


def expose(clean: FloatImage, ev: float, shoulder: float | None = None) -> FloatImage:
    """``clean`` with its light times ``2**ev``; clipped at white, or rolled off above
    linear ``shoulder`` (``t + (1 - t) tanh((v - t) / (1 - t))``: a camera's soft clip)."""
    lin = srgb_to_linear(clean) * np.float32(2.0**ev)
    if shoulder is not None:
        t = np.float32(shoulder)
        over = lin > t
        lin = np.where(over, t + (1 - t) * np.tanh((lin - t) / (1 - t)), lin)
    return linear_to_srgb(np.clip(lin, 0.0, 1.0))


def _variant(clean: FloatImage, ev: float, rng: np.random.Generator) -> FloatImage:
    shoulder = float(rng.uniform(0.6, 0.9)) if rng.random() < 0.5 else None
    out = expose(clean, ev, shoulder)
    if rng.random() < 0.3:  # a little sensor noise (cc15-like photos must read as correct)
        sigma = np.float32(rng.uniform(0.003, 0.02))
        out = np.clip(out + sigma * rng.standard_normal(out.shape, np.float32), 0.0, 1.0)
    if rng.random() < 0.7:
        out = jpeg_roundtrip(out, int(rng.integers(70, 96)))
    return out


def with_sky(clean: FloatImage, rng: np.random.Generator) -> FloatImage:
    """``clean`` against a bright, partly clipped sky: 15-65% of the frame, from the top
    or a side, replaced by a smooth near-white (or, 40% of the time, sunset or blue)
    gradient behind a wavy edge. A correct photo (a plane against an overcast sky, a
    backlit flower against a white one, a sunset): bright or white areas alone are no
    exposure error, the subject's tones tell."""
    h, w = clean.shape[:2]
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float32)
    side = int(rng.integers(0, 3))  # top, left, right
    u = (rows / h, cols / w, 1 - cols / w)[side]
    v = (cols / w, rows / h, rows / h)[side]
    frac = rng.uniform(0.15, 0.65)
    phase, amp = rng.uniform(0, 2 * np.pi), rng.uniform(0.0, 0.1)
    edge = frac + amp * np.sin(2 * np.pi * rng.uniform(0.5, 3) * v + phase)
    sky_mask = (u < edge).astype(np.float32)[..., None]
    tint = np.float32(1.0) - rng.uniform(0.0, 0.08, 3).astype(np.float32)
    if rng.random() < 0.4:  # a coloured sky: sunset or blue; bright but saturated
        warm = rng.random() < 0.5
        lo_hi = ((0.45, 0.85), (0.15, 0.6)) if warm else ((0.6, 0.85), (0.35, 0.7))
        tint = np.array([1.0, rng.uniform(*lo_hi[0]), rng.uniform(*lo_hi[1])], np.float32)
        tint = tint if warm else tint[::-1].copy()
    grad = 1.0 - rng.uniform(0.0, 0.12) * u
    sky = np.clip(grad[..., None] * tint[None, None, :] * np.float32(rng.uniform(1.0, 1.1)), 0, 1)
    return (sky_mask * sky + (1 - sky_mask) * clean).astype(np.float32)


def on_white(clean: FloatImage, rng: np.random.Generator) -> FloatImage:
    """``clean`` shrunk to 45-80% and set on a white page (a product shot, a document)."""
    h, w = clean.shape[:2]
    s = rng.uniform(0.45, 0.8)
    ch, cw = max(1, round(h * s)), max(1, round(w * s))
    small = cv2.resize(clean, (cw, ch), interpolation=cv2.INTER_AREA)
    page = np.full_like(clean, np.float32(rng.uniform(0.93, 1.0)))
    y0, x0 = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    page[y0 : y0 + ch, x0 : x0 + cw] = small
    return page


def make_examples(
    cleans: Sequence[FloatImage],
    rng: np.random.Generator,
    *,
    n_over: int = 5,
    n_under: int = 2,
    n_zero: int = 2,
    hard: bool = True,
    group_offset: int = 0,
) -> list[Example]:
    """Per clean photo: itself untouched, ``n_zero`` re-rendered at EV 0, ``n_over``
    draws over (uniform over :data:`EV_OVER`) and ``n_under`` under; with ``hard``, the
    photo under a white sky (:func:`with_sky`) and on a white page (:func:`on_white`),
    each once at EV 0 and once over: the correct bright photos a global reading
    mistakes for over-exposed ones."""
    out: list[Example] = []
    for i, clean in enumerate(cleans):
        g = group_offset + i
        out.append(Example(over_features(clean), 0.0, g))
        evs = (
            [0.0] * n_zero
            + list(rng.uniform(*EV_OVER, n_over))
            + list(rng.uniform(*EV_UNDER, n_under))
        )
        for ev in evs:
            out.append(Example(over_features(_variant(clean, float(ev), rng)), float(ev), g))
        if hard:
            for comp in (with_sky(clean, rng), on_white(clean, rng)):
                for ev in (0.0, float(rng.uniform(*EV_OVER))):
                    out.append(Example(over_features(_variant(comp, ev, rng)), ev, g))
    return out


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    return mean, np.where(scale > 1e-8, scale, 1.0)


def fit_ridge(
    x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, w: np.ndarray | None = None
) -> OverModel:
    """Weighted ridge regression on standardised features (closed form)."""
    mean, scale = _standardise(x)
    z = (x - mean) / scale
    w = np.ones(len(y)) if w is None else w
    za = np.hstack([z, np.ones((len(y), 1))])
    reg = l2 * np.eye(za.shape[1])
    reg[-1, -1] = 0.0  # no penalty on the bias
    coef = np.linalg.solve(za.T @ (za * w[:, None]) + reg, za.T @ (w * y))
    empty = np.zeros((0,))
    return OverModel(
        "ridge", mean, scale, empty.reshape(len(mean), 0), empty, coef[:-1], float(coef[-1])
    )


def fit_mlp(
    x: np.ndarray,
    y: np.ndarray,
    *,
    hidden: int = 32,
    l2: float = 1e-3,
    steps: int = 3000,
    lr: float = 3e-3,
    seed: int = 0,
    w: np.ndarray | None = None,
) -> OverModel:
    """One hidden ReLU layer, weighted squared error, full-batch Adam (small data)."""
    rng = np.random.default_rng(seed)
    mean, scale = _standardise(x)
    z = (x - mean) / scale
    n, d = z.shape
    w = np.ones(n) if w is None else w / w.mean()
    params = [
        rng.standard_normal((d, hidden)) * np.sqrt(2.0 / d),
        np.zeros(hidden),
        rng.standard_normal(hidden) * np.sqrt(1.0 / hidden),
        np.array(float(y.mean())),
    ]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    b1_, b2_ = 0.9, 0.999
    for t in range(1, steps + 1):
        w1, b1, w2, b2 = params
        h_pre = z @ w1 + b1
        h = np.maximum(h_pre, 0.0)
        err = (h @ w2 + b2 - y) * w / n
        g_w2 = h.T @ err + l2 * w2
        g_b2 = np.array(err.sum())
        g_h = np.outer(err, w2) * (h_pre > 0)
        g_w1 = z.T @ g_h + l2 * w1
        g_b1 = g_h.sum(axis=0)
        for i, g in enumerate((g_w1, g_b1, g_w2, g_b2)):
            m[i] = b1_ * m[i] + (1 - b1_) * g
            v[i] = b2_ * v[i] + (1 - b2_) * g * g
            mh, vh = m[i] / (1 - b1_**t), v[i] / (1 - b2_**t)
            params[i] = params[i] - lr * mh / (np.sqrt(vh) + 1e-8)
    w1, b1, w2, b2 = params
    return OverModel("mlp", mean, scale, w1, b1, w2, float(b2))


def average_mlps(models: Sequence[OverModel]) -> OverModel:
    """One MLP whose output is the mean of ``models``' (fitted on the same data, so the
    same standardisation): their hidden units side by side, output weights divided."""
    k = len(models)
    first = models[0]
    return OverModel(
        "mlp",
        first.mean,
        first.scale,
        np.hstack([m.w1 for m in models]),
        np.concatenate([m.b1 for m in models]),
        np.concatenate([m.w2 for m in models]) / k,
        float(np.mean([m.b2 for m in models])),
    )
