"""A camera-like degradation model, in NumPy only.

A clean sRGB image is taken back to linear light, its exposure is cut, and
sensor noise is added where a sensor adds it - in linear light, before the tone
curve: shot noise with variance proportional to the signal (Poisson, here in its
Gaussian approximation) plus signal-independent read noise, with per-channel
gains (the green channel of a Bayer sensor collects more light). Then the
camera's tone curve is applied again and the result is quantised to 8 bits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._types import FloatImage

__all__ = ["DarkenParams", "darken", "linear_to_srgb", "srgb_to_linear"]


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    """Inverse sRGB transfer function (IEC 61966-2-1)."""
    x = np.asarray(x, dtype=np.float32)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    """sRGB transfer function (IEC 61966-2-1); input clipped to [0, 1]."""
    x = np.clip(np.asarray(x, dtype=np.float32), 0.0, 1.0)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * x ** (1 / 2.4) - 0.055).astype(np.float32)


@dataclass(frozen=True)
class DarkenParams:
    """Parameters of one synthetic dark exposure.

    Attributes
    ----------
    exposure : float
        Multiplier on linear light, e.g. 1/20.
    shot_noise : float
        Variance of the shot noise per unit of linear signal (after exposure).
    read_noise : float
        Standard deviation of the signal-independent noise, in linear units.
    channel_gain : tuple of float
        Relative sensitivity of R, G, B: noise is worse in weaker channels.
    """

    exposure: float = 1 / 15
    shot_noise: float = 2e-4
    read_noise: float = 1.5e-3
    channel_gain: tuple[float, float, float] = (0.7, 1.0, 0.6)


def darken(clean: FloatImage, params: DarkenParams, *, seed: int = 0) -> FloatImage:
    """Simulate a dark, noisy photo of ``clean``.

    Parameters
    ----------
    clean : (H, W, 3) float32 ndarray
        sRGB in [0, 1].
    params : DarkenParams
    seed : int
        Makes the noise reproducible.

    Returns
    -------
    (H, W, 3) float32 ndarray
        sRGB in [0, 1], quantised to 8-bit levels.

    Examples
    --------
    >>> img = np.full((8, 8, 3), 0.5, dtype=np.float32)
    >>> dark = darken(img, DarkenParams(exposure=0.1))
    >>> bool(dark.mean() < 0.25)
    True
    """
    rng = np.random.default_rng(seed)
    signal = srgb_to_linear(clean) * np.float32(params.exposure)
    gain = np.asarray(params.channel_gain, dtype=np.float32)
    # A weaker channel collects fewer photons, so the camera amplifies it more:
    # relative shot noise grows as 1/sqrt(gain).
    variance = params.shot_noise * signal / gain + params.read_noise**2
    noisy = signal + rng.standard_normal(signal.shape, dtype=np.float32) * np.sqrt(variance)
    out = linear_to_srgb(noisy)
    return (np.round(out * 255.0) / 255.0).astype(np.float32)
