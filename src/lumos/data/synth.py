"""A camera-like degradation model, in NumPy only: clean photo -> dark, noisy photo.

Why this order: a camera collects light (linear), the sensor adds noise to the
collected signal, and only then the camera applies its tone curve and JPEG. So
a clean sRGB image is first taken back to linear light; the exposure is cut,
optionally by a spatially varying *light field* (lamps, spotlights, vignetting:
uneven light must be learnt too); sensor noise is added in linear light - shot
noise with variance proportional to the signal (Poisson, in its Gaussian
approximation) plus signal-independent read noise, with per-channel gains since
a Bayer sensor collects more green; an optional colour cast models a wrong white
balance under tungsten or sodium light; the tone curve and 8-bit quantisation
(or a JPEG round trip) are applied again.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .._types import FloatImage, FloatMap

__all__ = [
    "DarkenParams",
    "add_sensor_noise",
    "darken",
    "light_field",
    "linear_to_srgb",
    "sample_params",
    "save_8bit",
    "srgb_to_linear",
]

LIGHT_KINDS = ("uniform", "gradient", "spotlights", "vignette")


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
        Multiplier on linear light, e.g. 1/20 (the mean of the light field).
    shot_noise : float
        Variance of the shot noise per unit of linear signal (after exposure).
    read_noise : float
        Standard deviation of the signal-independent noise, in linear units.
    channel_gain : tuple of float
        Relative sensitivity of R, G, B: noise is worse in weaker channels.
    light : str
        Light field kind: uniform, gradient, spotlights or vignette.
    light_strength : float
        How far the light field departs from uniform, in [0, 1].
    color_cast : tuple of float
        Per-channel multipliers in linear light (1, 1, 1 = none).
    jpeg_quality : int or None
        Round-trip through JPEG at this quality, or 8-bit PNG-like quantisation.
    seed : int
        Seed of the light field's random layout.
    noise_blur : float
        Spatial correlation of the noise, as demosaicing and in-camera noise
        reduction leave it: the std (pixels) of a Gaussian the noise field is
        blurred by before it is scaled to its level (0: white noise).
    """

    exposure: float = 1 / 15
    shot_noise: float = 2e-4
    read_noise: float = 1.5e-3
    channel_gain: tuple[float, float, float] = (0.7, 1.0, 0.6)
    light: str = "uniform"
    light_strength: float = 0.0
    color_cast: tuple[float, float, float] = (1.0, 1.0, 1.0)
    jpeg_quality: int | None = None
    seed: int = 0
    noise_blur: float = 0.0

    def __post_init__(self) -> None:
        if self.light not in LIGHT_KINDS:
            raise ValueError(f"light must be one of {LIGHT_KINDS}, got {self.light!r}")
        if not 0 < self.exposure <= 1:
            raise ValueError(f"exposure must be in (0, 1], got {self.exposure}")


def light_field(height: int, width: int, kind: str, strength: float, *, seed: int = 0) -> FloatMap:
    """A smooth illumination multiplier with mean 1, shape (height, width).

    ``uniform`` is all ones; the others mix ones with a normalised pattern by
    ``strength`` so that ``strength=0`` is uniform and ``strength=1`` is the full
    pattern (bright pools next to near-black corners).
    """
    if kind == "uniform" or strength <= 0:
        return np.ones((height, width), np.float32)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    yy /= max(height, width)
    xx /= max(height, width)
    if kind == "gradient":
        angle = rng.uniform(0, 2 * np.pi)
        t = np.cos(angle) * xx + np.sin(angle) * yy
        t = (t - t.min()) / (np.ptp(t) + 1e-6)
        pattern = 0.03 + t**2
    elif kind == "spotlights":
        pattern = np.full((height, width), 0.02, np.float32)
        for _ in range(int(rng.integers(1, 4))):
            cy, cx = (
                rng.uniform(0, height / max(height, width)),
                rng.uniform(0, width / max(height, width)),
            )
            r = rng.uniform(0.08, 0.3)
            pattern += rng.uniform(0.5, 1.0) * np.exp(
                -((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r)
            )
    else:  # vignette
        cy, cx = 0.5 * height / max(height, width), 0.5 * width / max(height, width)
        d2 = ((xx - cx) ** 2 + (yy - cy) ** 2) / (cx * cx + cy * cy)
        pattern = np.clip(1.0 - d2, 0.02, 1.0) ** 2
    pattern = pattern.astype(np.float32) / np.float32(pattern.mean())
    out = (1.0 - strength) + strength * pattern
    return (out / out.mean()).astype(np.float32)


def add_sensor_noise(
    linear: FloatImage, params: DarkenParams, rng: np.random.Generator
) -> FloatImage:
    """Add Poisson-Gaussian noise to a linear-light image (values may leave [0, 1]).

    The variance at a pixel of signal ``s`` in channel ``c`` is
    ``shot_noise * s / gain[c] + read_noise**2``; with ``noise_blur`` the field
    is spatially correlated but keeps that variance.
    """
    gain = np.asarray(params.channel_gain, dtype=np.float32)
    variance = params.shot_noise * np.maximum(linear, 0.0) / gain + params.read_noise**2
    field = rng.standard_normal(linear.shape, dtype=np.float32)
    if params.noise_blur > 0:
        field = cv2.GaussianBlur(field, (0, 0), params.noise_blur, borderType=cv2.BORDER_REFLECT)
        field /= field.std(axis=(0, 1)) + np.float32(1e-8)
    noise = field * np.sqrt(variance)
    return (linear + noise).astype(np.float32)


def jpeg_roundtrip(srgb: FloatImage, quality: int) -> FloatImage:
    """``srgb`` (float RGB in [0, 1]) saved as a JPEG of ``quality`` and decoded again."""
    u8 = np.clip(srgb * 255.0 + 0.5, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", u8[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    dec = cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1]
    return dec.astype(np.float32) / np.float32(255.0)


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
    h, w = clean.shape[:2]
    light = light_field(h, w, params.light, params.light_strength, seed=params.seed)
    cast = np.asarray(params.color_cast, dtype=np.float32)
    signal = srgb_to_linear(clean) * (np.float32(params.exposure) * light)[..., None] * cast
    noisy = add_sensor_noise(signal, params, rng)
    return save_8bit(linear_to_srgb(noisy), params.jpeg_quality)


def save_8bit(srgb: FloatImage, jpeg_quality: int | None) -> FloatImage:
    """``srgb`` as a camera's file would hold it: a JPEG of ``jpeg_quality`` decoded
    again, or 8-bit levels (``None``)."""
    if jpeg_quality is not None:
        return jpeg_roundtrip(srgb, jpeg_quality)
    return (np.round(np.clip(srgb, 0.0, 1.0) * 255.0) / 255.0).astype(np.float32)


def sample_params(
    rng: np.random.Generator,
    *,
    uneven_probability: float = 0.5,
    correlated_probability: float = 0.0,
) -> DarkenParams:
    """Draw a random, realistic dark-photo degradation (for training data).

    Exposure 1/8 .. 1/100 (log-uniform); noise from clean-ish to phone-at-night;
    uneven light with probability ``uneven_probability``; a mild colour cast one
    time in three; JPEG at quality 60..95 half of the time; noise correlated
    by a blur of 0.4..1.2 px with probability ``correlated_probability`` (drawn
    last, and only when asked for, so that runs without it draw as before).
    """
    exposure = float(np.exp(rng.uniform(np.log(1 / 100), np.log(1 / 8))))
    # Fewer photons at a shorter exposure already raise the relative noise
    # (shot SNR = sqrt(signal / shot_noise)), so the noise parameters are drawn
    # independently of the exposure.
    shot = float(np.exp(rng.uniform(np.log(1e-5), np.log(1e-3))))
    read = float(np.exp(rng.uniform(np.log(2e-4), np.log(2e-3))))
    gains = (float(rng.uniform(0.5, 0.9)), 1.0, float(rng.uniform(0.4, 0.8)))
    if rng.random() < uneven_probability:
        light = str(rng.choice(LIGHT_KINDS[1:]))
        strength = float(rng.uniform(0.5, 1.0))
    else:
        light, strength = "uniform", 0.0
    cast = (1.0, 1.0, 1.0)
    if rng.random() < 1 / 3:
        warm = float(rng.uniform(-0.25, 0.35))  # > 0: tungsten-orange, < 0: bluish
        cast = (1.0 + warm, 1.0, 1.0 - warm)
    jpeg = int(rng.integers(60, 96)) if rng.random() < 0.5 else None
    blur = 0.0
    if correlated_probability > 0 and rng.random() < correlated_probability:
        blur = float(rng.uniform(0.4, 1.2))
    return DarkenParams(
        exposure=exposure,
        shot_noise=shot,
        read_noise=read,
        channel_gain=gains,
        light=light,
        light_strength=strength,
        color_cast=cast,
        jpeg_quality=jpeg,
        seed=int(rng.integers(0, 2**31 - 1)),
        noise_blur=blur,
    )
