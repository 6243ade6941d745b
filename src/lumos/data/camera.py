"""A real camera's noise, in NumPy and OpenCV: "unprocess" an sRGB photo, add noise on the
Bayer mosaic, and develop it again.

Why not add noise to the sRGB pixels (:func:`lumos.data.darken`)? Because that is not
where a camera's noise is born. A sensor counts photons on a colour-filter mosaic (one
colour per photosite): shot noise (variance proportional to the signal) and read noise
(a floor) are independent *per photosite*. The camera then

1. demosaics, interpolating two of the three colours at every pixel from its
   neighbours: the noise becomes spatially correlated (grain 2-3 px wide) and each
   pixel's missing colours share noise with its neighbours';
2. white-balances (red and blue multiplied by ~1.5-2.5: their noise too);
3. applies a colour-correction matrix (camera RGB -> sRGB), whose large off-diagonal
   terms mix the channels' noise into *colour blotches*;
4. applies a tone curve and gamma, which lift the shadows' noise most;
5. reduces noise in camera (most JPEG cameras and raw converters do): fine grain is
   smoothed away more than coarse grain, and colour noise much more than luma noise,
   so what is left is blotchier than the demosaic alone makes it;
6. saves a JPEG, which smooths the finest grain and keeps the blotches.

A denoiser that only saw pixel-independent Gaussian noise reads such a photo's
blotches as texture and its grain as too weak (measured: LumosDN, trained on that
noise, gained +1.2 dB on cc15 real photos where a real-noise denoiser gains 2-3 dB).

The inverse steps follow Brooks et al., "Unprocessing Images for Learned Raw
Denoising" (CVPR 2019): invert the tone curve and gamma, the colour matrix and
the white balance, keep one colour per photosite. The noise model follows their
shot/read relation (log read variance grows linearly with log shot gain, as measured
over many cameras), and CBDNet's observation that in-camera processing is what
makes real noise signal-dependent and correlated. The clean reference is the same
mosaic developed the same way without noise: real noisy/clean pairs (cc15 averages
~500 developed shots) have the demosaicing's softness in the reference as well.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .._types import FloatImage
from .synth import linear_to_srgb, save_8bit, srgb_to_linear

__all__ = [
    "CameraParams",
    "camera_noise",
    "coarsen_noise",
    "develop",
    "mosaic",
    "render",
    "sample_camera",
    "unprocess",
]

_DEMOSAIC = {
    "bilinear": cv2.COLOR_BayerRGGB2RGB,
    "edge_aware": cv2.COLOR_BayerRGGB2RGB_EA,
}
_WHITE = 65535.0  # demosaicing runs on 16-bit mosaics (OpenCV's bilinear and EA take 16U)


@dataclass(frozen=True)
class CameraParams:
    """One simulated camera and shot.

    Attributes
    ----------
    rgb_to_cam : (3, 3) tuple
        Linear sRGB -> camera RGB (rows sum to 1, so grey stays grey); the camera's
        colour matrix is its inverse.
    wb_gains : (r, b)
        White-balance gains the camera applies to red and blue (green is 1).
    shot : float
        Shot-noise variance per unit of linear signal on the mosaic (0..1 full well).
    read : float
        Read-noise standard deviation on the mosaic, linear units.
    exposure : float
        Multiplier on linear light before the noise (1 = the photo's own exposure;
        below 1 a darker shot of the same scene, whose noise then weighs more).
    tone_curve : bool
        Whether the camera applies an S-shaped tone curve after the gamma
        (Brooks et al.'s smoothstep), which lifts shadow noise further.
    demosaic : str
        ``bilinear`` or ``edge_aware``: how wide and how anisotropic the grain is.
    luma_grain, chroma_grain : float
        Gaussian sigma (px) of the in-camera noise reduction's effect on the luma and
        the colour part of the noise (0 = none). The noise keeps its level and gets
        coarser: measured on real camera JPEGs (Canon 5D III, Nikon D600/D800) the
        luma noise of neighbouring pixels correlates 0.47-0.64, where a bilinear
        demosaic alone gives 0.3-0.45 and an edge-aware one 0.1-0.3.
    jpeg_quality : int or None
        The camera's JPEG, or ``None`` for a lossless (8-bit) file.
    """

    rgb_to_cam: tuple[tuple[float, float, float], ...] = (
        (0.80, 0.15, 0.05),
        (0.10, 0.80, 0.10),
        (0.05, 0.25, 0.70),
    )
    wb_gains: tuple[float, float] = (2.0, 1.7)
    shot: float = 2e-3
    read: float = 3e-3
    exposure: float = 1.0
    tone_curve: bool = False
    demosaic: str = "bilinear"
    luma_grain: float = 0.0
    chroma_grain: float = 0.0
    jpeg_quality: int | None = None

    def __post_init__(self) -> None:
        if self.demosaic not in _DEMOSAIC:
            raise ValueError(f"demosaic must be one of {tuple(_DEMOSAIC)}, got {self.demosaic!r}")
        if not 0 < self.exposure <= 4:
            raise ValueError(f"exposure must be in (0, 4], got {self.exposure}")
        if not (0 <= self.luma_grain <= 4 and 0 <= self.chroma_grain <= 4):
            raise ValueError("luma_grain and chroma_grain must be in [0, 4] px")


def _smoothstep_inverse(y: np.ndarray) -> np.ndarray:
    y = np.clip(y, 0.0, 1.0)
    return (0.5 - np.sin(np.arcsin(1.0 - 2.0 * y) / 3.0)).astype(np.float32)


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return (3.0 * x * x - 2.0 * x * x * x).astype(np.float32)


def unprocess(srgb: FloatImage, params: CameraParams) -> np.ndarray:
    """sRGB (H, W, 3) -> the camera's linear RGB before white balance, (H, W, 3) float32.

    The white-balance inverse is soft near white (Brooks et al.): dividing a clipped
    highlight by the gain would make a coloured highlight the camera never recorded.
    """
    x = _smoothstep_inverse(srgb) if params.tone_curve else np.clip(srgb, 0.0, 1.0)
    lin = srgb_to_linear(x)
    cam = lin @ np.asarray(params.rgb_to_cam, np.float32).T
    r, b = params.wb_gains
    gains = np.array([1.0 / r, 1.0, 1.0 / b], np.float32)
    grey = np.clip(cam.mean(axis=-1, keepdims=True), 0.0, 1.0)
    # Near white the inverse gain fades to 1 (a saturated photosite stays saturated).
    knee = np.clip((grey - 0.9) / 0.1, 0.0, 1.0) ** 2
    inv = (1.0 - knee) * gains + knee * 1.0
    return np.clip(cam * inv, 0.0, 1.0).astype(np.float32)


def mosaic(cam: np.ndarray) -> np.ndarray:
    """Keep one colour per photosite, RGGB: (H, W, 3) -> (H, W). H and W must be even."""
    h, w = cam.shape[:2]
    if h % 2 or w % 2:
        raise ValueError(f"mosaic needs even sides, got {w}x{h}")
    out = np.empty((h, w), np.float32)
    out[0::2, 0::2] = cam[0::2, 0::2, 0]
    out[0::2, 1::2] = cam[0::2, 1::2, 1]
    out[1::2, 0::2] = cam[1::2, 0::2, 1]
    out[1::2, 1::2] = cam[1::2, 1::2, 2]
    return out


def develop(raw: np.ndarray, params: CameraParams) -> FloatImage:
    """The camera's processing: Bayer mosaic (H, W), linear, -> sRGB (H, W, 3) in [0, 1]."""
    u16 = np.clip(np.round(raw * _WHITE), 0, _WHITE).astype(np.uint16)
    cam = cv2.cvtColor(u16, _DEMOSAIC[params.demosaic]).astype(np.float32) / np.float32(_WHITE)
    return render(cam, params)


def render(cam: np.ndarray, params: CameraParams) -> FloatImage:
    """The camera's processing after demosaicing: camera RGB (H, W, 3) -> sRGB in [0, 1]."""
    r, b = params.wb_gains
    cam = cam * np.array([r, 1.0, b], np.float32)
    rgb = cam @ np.linalg.inv(np.asarray(params.rgb_to_cam, np.float64)).astype(np.float32).T
    out = linear_to_srgb(np.clip(rgb, 0.0, 1.0))
    if params.tone_curve:
        out = _smoothstep(out)
    return out.astype(np.float32)


def camera_noise(
    srgb: FloatImage, params: CameraParams, *, seed: int = 0
) -> tuple[FloatImage, FloatImage]:
    """Simulate a real camera's shot of ``srgb``: returns (noisy, clean), sRGB float32.

    ``clean`` is ``srgb`` at the shot's exposure, developed without a mosaic (so at
    ``exposure`` 1 it is ``srgb`` itself, to rounding). ``noisy`` is ``clean`` plus
    the camera's noise: the difference between the mosaic developed with and without
    the sensor noise, so it is demosaiced, white-balanced, colour-mixed and
    tone-mapped as a real camera's, then saved (8-bit or JPEG). The photo itself is
    not demosaiced again: clean sets are sharp to the pixel (Kodak, CBSD68), and a
    second demosaicing would alias their detail into false colour that no real
    camera's photo of that scene shows (kodim05 through a bilinear demosaic: 22.7 dB
    against itself). Odd sides lose their last row/column (the mosaic needs even sides).

    Examples
    --------
    >>> img = np.full((16, 16, 3), 0.5, np.float32)
    >>> noisy, clean = camera_noise(img, CameraParams(), seed=1)
    >>> noisy.shape, bool(np.abs(clean - 0.5).max() < 1e-3)
    ((16, 16, 3), True)
    """
    h, w = srgb.shape[:2]
    srgb = srgb[: h - h % 2, : w - w % 2]
    cam = unprocess(srgb, params) * np.float32(params.exposure)
    clean = srgb if params.exposure == 1.0 else render(cam, params)
    raw = mosaic(cam)
    rng = np.random.default_rng(seed)
    variance = params.shot * np.maximum(raw, 0.0) + params.read**2
    noisy_raw = raw + rng.standard_normal(raw.shape, dtype=np.float32) * np.sqrt(variance)
    noise = develop(noisy_raw, params) - develop(raw, params)
    noise = coarsen_noise(noise, params.luma_grain, params.chroma_grain)
    noisy = save_8bit(np.clip(clean + noise, 0.0, 1.0), params.jpeg_quality)
    return noisy, np.ascontiguousarray(clean, np.float32)


def coarsen_noise(noise: np.ndarray, luma_sigma: float, chroma_sigma: float) -> np.ndarray:
    """In-camera noise reduction's effect on a noise field (H, W, 3). Its luma (the mean
    of the channels) is Gaussian-smoothed and scaled back to its own standard deviation:
    the level stays, the finest grain goes. Its colour part (the rest) is smoothed and
    keeps what the smoothing leaves: cameras remove colour noise far harder than luma
    noise (on the real camera JPEGs above, colour noise is 0.6-1.4x the luma noise,
    where the colour matrix alone makes it 1.2-2.4x). A sigma of 0 leaves that part."""
    if luma_sigma <= 0 and chroma_sigma <= 0:
        return noise
    luma = noise.mean(axis=-1, keepdims=True)
    chroma = noise - luma
    if luma_sigma > 0:
        before = float(luma.std())
        luma = _blur(luma, luma_sigma)
        after = float(luma.std())
        luma = luma * np.float32(before / after if after > 0 else 0.0)
    if chroma_sigma > 0:
        chroma = _blur(chroma, chroma_sigma)
    return (luma + chroma).astype(np.float32)


def _blur(field: np.ndarray, sigma: float) -> np.ndarray:
    out = cv2.GaussianBlur(field, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    return out.reshape(field.shape)


def _random_rgb_to_cam(rng: np.random.Generator) -> np.ndarray:
    """A plausible camera's colour response: strong diagonal, crosstalk mostly to green.

    Real xyz->cam matrices give sRGB colour matrices with diagonals of about 1.4-2.0
    and negative off-diagonals (the camera's filters overlap); this draws the inverse
    side, rows summing to 1 so that white balance alone keeps grey neutral.
    """
    m = np.eye(3, dtype=np.float64)
    m[0, 1], m[0, 2] = rng.uniform(0.10, 0.35), rng.uniform(0.0, 0.10)
    m[1, 0], m[1, 2] = rng.uniform(0.05, 0.20), rng.uniform(0.05, 0.20)
    m[2, 0], m[2, 1] = rng.uniform(0.0, 0.10), rng.uniform(0.15, 0.40)
    return m / m.sum(axis=1, keepdims=True)


def sample_camera(
    rng: np.random.Generator,
    *,
    exposure: tuple[float, float] = (1.0, 1.0),
    jpeg_probability: float = 0.6,
    grain: bool = True,
) -> CameraParams:
    """Draw a camera and shot: noise from a clean base ISO to a phone at night.

    The shot-noise gain is log-uniform over 1e-4 .. 1e-2 (per unit of full well); the
    read noise follows it as Brooks et al. measured across cameras (log read variance
    about 2.18 x log shot gain + 1.2, with scatter). ``exposure`` is a log-uniform
    range of the exposure multiplier (a darker shot of the same scene). ``grain=False``
    draws no in-camera noise reduction (and no random numbers for it: benchmark sets
    made before it existed stay the same).
    """
    log_shot = rng.uniform(np.log(1e-4), np.log(1e-2))
    log_read_var = 2.18 * log_shot + 1.20 + rng.normal(0.0, 0.26)
    lo, hi = exposure
    exp = float(np.exp(rng.uniform(np.log(lo), np.log(hi)))) if hi > lo else float(lo)
    return CameraParams(
        rgb_to_cam=tuple(tuple(float(v) for v in row) for row in _random_rgb_to_cam(rng)),
        wb_gains=(float(rng.uniform(1.6, 2.4)), float(rng.uniform(1.3, 2.0))),
        shot=float(np.exp(log_shot)),
        read=float(np.sqrt(np.exp(log_read_var))),
        exposure=exp,
        tone_curve=bool(rng.random() < 0.5),
        demosaic=str(rng.choice(list(_DEMOSAIC))),
        jpeg_quality=int(rng.integers(75, 98)) if rng.random() < jpeg_probability else None,
        **(_sample_grain(rng) if grain else {}),
    )


def _sample_grain(rng: np.random.Generator) -> dict[str, float]:
    """In-camera noise reduction: none for a third of the cameras (raw developed
    plainly), else luma grain 0.3-1.2 px and colour grain 0.5-2.5 px (colour noise is
    smoothed harder than luma by every camera pipeline)."""
    if rng.random() < 1 / 3:
        return {"luma_grain": 0.0, "chroma_grain": 0.0}
    return {
        "luma_grain": float(rng.uniform(0.3, 1.2)),
        "chroma_grain": float(rng.uniform(0.5, 2.5)),
    }
