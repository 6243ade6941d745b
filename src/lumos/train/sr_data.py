"""Training samples for LumosSR: clean high-resolution patches and degraded low-resolution ones.

A plain super-resolution net learns "bicubic-shrunk -> sharp" and, shown a real
photo, sharpens its noise and JPEG blocks into fake texture. So most samples go
through a camera-like chain instead, in the manner of Real-ESRGAN's
"second-order" degradations (two rounds, because real photos were often
resized and recompressed after capture):

1. optical blur: isotropic or anisotropic Gaussian at high resolution;
2. downsampling by the scale with area, bilinear or bicubic (antialiased) filters;
3. noise: Gaussian (colour or grey) or the camera model of :mod:`lumos.data`
   (Poisson-Gaussian in linear light, weaker blue/red channels);
4. JPEG at quality 40..95;
5. sometimes a second, milder round of blur, noise and JPEG at low resolution.

The *same* blur and resampling run on a noise-free copy, so the noise level fed
to the net is the standard deviation of the noise actually present in its input
(before JPEG), not a guess. A share of samples is clean (bicubic-shrunk only,
noise level 0) so that the net stays a proper super-resolution net when told
there is no noise.

The clean sources are ``cbsd68``, ``mcmaster`` and the references of
``lol_v1_our485_subset``. ``kodak24`` is kept out: it is the ground truth of the
low-light evaluation in ``bench/sr.py``; ``set5`` and ``set14`` are test sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ..data import (
    DarkenParams,
    add_sensor_noise,
    jpeg_roundtrip,
    linear_to_srgb,
    srgb_to_linear,
)

__all__ = [
    "SR_SETS",
    "SRSampler",
    "SRSources",
    "bicubic_up",
    "degrade",
    "load_sr_sources",
    "pil_downscale",
]

SR_SETS = ("cbsd68", "mcmaster", "lol_v1_our485_subset/high")
VAL_PER_SET = 2  # the last files of each set (sorted by name) are held out for validation

_PIL_FILTERS = {
    "area": Image.Resampling.BOX,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
}


def pil_downscale(img: np.ndarray, scale: int, kind: str = "bicubic") -> np.ndarray:
    """Shrink a float32 (H, W, 3) image by an integer factor with an antialiased filter.

    Pillow's filters widen with the factor (like MATLAB's ``imresize``), the
    usual way super-resolution test images are made.
    """
    h, w = img.shape[:2]
    size = (w // scale, h // scale)
    chans = [
        np.asarray(Image.fromarray(img[..., c]).resize(size, _PIL_FILTERS[kind]), np.float32)
        for c in range(img.shape[2])
    ]
    return np.stack(chans, axis=-1)


def bicubic_up(img: np.ndarray, scale: int) -> np.ndarray:
    """The base the net adds its residual to (the same call as at run time)."""
    h, w = img.shape[:2]
    return cv2.resize(img, (w * scale, h * scale), interpolation=cv2.INTER_CUBIC)


def _gauss_kernel(rng: np.random.Generator, sigma_max: float) -> np.ndarray:
    """A random isotropic (60%) or anisotropic Gaussian kernel, normalised."""
    s1 = rng.uniform(0.2, sigma_max)
    s2 = s1 if rng.random() < 0.6 else rng.uniform(0.2, sigma_max)
    theta = rng.uniform(0, np.pi)
    radius = int(np.ceil(3 * max(s1, s2)))
    yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1].astype(np.float32)
    c, s = np.cos(theta), np.sin(theta)
    u, v = c * xx + s * yy, -s * xx + c * yy
    k = np.exp(-0.5 * ((u / s1) ** 2 + (v / s2) ** 2))
    return (k / k.sum()).astype(np.float32)


def _blur(img: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    return cv2.filter2D(img, -1, kernel, borderType=cv2.BORDER_REFLECT_101)


def _noise(img: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Add Gaussian or camera-model noise; ``strength`` in (0, 1] scales its level."""
    if rng.random() < 0.5:
        sigma = rng.uniform(1.0, 25.0) / 255 * strength
        if rng.random() < 0.3:  # grey noise: same in all channels
            n = rng.standard_normal(img.shape[:2], dtype=np.float32)[..., None]
        else:
            n = rng.standard_normal(img.shape, dtype=np.float32)
        return img + np.float32(sigma) * n
    params = DarkenParams(
        exposure=1.0,
        shot_noise=float(np.exp(rng.uniform(np.log(2e-5), np.log(3e-3)))) * strength**2,
        read_noise=float(np.exp(rng.uniform(np.log(1e-4), np.log(3e-3)))) * strength,
        channel_gain=(float(rng.uniform(0.5, 0.9)), 1.0, float(rng.uniform(0.4, 0.8))),
    )
    lin = add_sensor_noise(srgb_to_linear(np.clip(img, 0, 1)), params, rng)
    # Below zero the sRGB curve is undefined: keep the linear excursion there.
    return np.where(lin < 0, lin * 12.92, linear_to_srgb(lin)).astype(np.float32)


def _quantise(img: np.ndarray) -> np.ndarray:
    return (np.round(np.clip(img, 0, 1) * 255) / 255).astype(np.float32)


def degrade(
    hr: np.ndarray, scale: int, rng: np.random.Generator, *, clean_fraction: float = 0.35
) -> tuple[np.ndarray, float]:
    """Make the low-resolution input of a high-resolution float32 patch.

    Returns ``(lr, sigma)``: ``lr`` of shape (H/scale, W/scale, 3), quantised to
    8 bits, and the standard deviation of the noise it contains.
    """
    if rng.random() < clean_fraction:
        return _quantise(pil_downscale(hr, scale, "bicubic")), 0.0
    clean = hr
    if rng.random() < 0.8:
        clean = _blur(clean, _gauss_kernel(rng, 0.6 + 0.5 * scale))
    kind = str(rng.choice(["area", "bilinear", "bicubic"], p=[0.3, 0.2, 0.5]))
    clean = pil_downscale(clean, scale, kind)
    noisy = _noise(clean, rng, 1.0) if rng.random() < 0.85 else clean
    if rng.random() < 0.3:  # second order, at low resolution, milder
        if rng.random() < 0.6:
            k = _gauss_kernel(rng, 0.9)
            clean, noisy = _blur(clean, k), _blur(noisy, k)
        if rng.random() < 0.6:
            noisy = _noise(noisy, rng, 0.4)
        sigma = float(np.std(noisy - clean))
        if rng.random() < 0.5:
            noisy = jpeg_roundtrip(noisy, int(rng.integers(40, 96)))
        else:
            noisy = _quantise(noisy)
        if rng.random() < 0.5:
            noisy = jpeg_roundtrip(noisy, int(rng.integers(60, 96)))
    else:
        sigma = float(np.std(noisy - clean))
        noisy = jpeg_roundtrip(noisy, int(rng.integers(40, 96))) if rng.random() < 0.4 else noisy
    return _quantise(noisy), sigma


def _read_rgb(path: Path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise OSError(f"cannot read {path}")
    return img[..., ::-1].copy()


@dataclass
class SRSources:
    """uint8 RGB images in memory: training and validation."""

    train: list[np.ndarray]
    val: list[np.ndarray]


def load_sr_sources(data_root: Path, *, limit: int | None = None) -> SRSources:
    """Read :data:`SR_SETS` below ``data_root``; the last files of each set validate."""
    train, val = [], []
    for name in SR_SETS:
        folder = data_root / name
        if not folder.is_dir():
            continue
        files = sorted(
            p for p in folder.iterdir() if p.suffix.lower() in (".png", ".tif", ".bmp", ".jpg")
        )
        imgs = [_read_rgb(p) for p in files[: None if limit is None else limit + VAL_PER_SET]]
        train += imgs[:-VAL_PER_SET]
        val += imgs[-VAL_PER_SET:]
    if not train:
        raise FileNotFoundError(f"no training images under {data_root}")
    return SRSources(train, val)


class SRSampler:
    """Draws batches of (lr, sigma, base, hr) for one scale.

    ``lr`` is (N, 3, p, p), ``sigma`` (N, 1, p, p) the noise-level map, ``base``
    the bicubic enlargement of ``lr`` and ``hr`` the target, both
    (N, 3, p*scale, p*scale); all float32.
    """

    def __init__(
        self, images: list[np.ndarray], *, patch: int = 40, clean_fraction: float = 0.35, seed=0
    ) -> None:
        self.images = images
        self.patch = patch
        self.clean_fraction = clean_fraction
        self.rng = np.random.default_rng(seed)

    def _crop(self, scale: int) -> np.ndarray:
        rng = self.rng
        img = self.images[int(rng.integers(len(self.images)))]
        side = self.patch * scale
        h, w = img.shape[:2]
        # Mild random zoom-out for variety of texture scales (never upsample a source).
        z = rng.uniform(max(side / min(h, w), 0.6), 1.0)
        if z < 0.99:
            img = cv2.resize(img, (round(w * z), round(h * z)), interpolation=cv2.INTER_AREA)
            h, w = img.shape[:2]
        y, x = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
        out = np.rot90(img[y : y + side, x : x + side], int(rng.integers(0, 4)))
        if rng.random() < 0.5:
            out = out[:, ::-1]
        return np.ascontiguousarray(out).astype(np.float32) / 255

    def batch(self, size: int, scale: int) -> tuple[np.ndarray, ...]:
        lrs, sigmas, bases, hrs = [], [], [], []
        for _ in range(size):
            hr = self._crop(scale)
            lr, sigma = degrade(hr, scale, self.rng, clean_fraction=self.clean_fraction)
            lrs.append(lr)
            sigmas.append(np.full((*lr.shape[:2], 1), sigma, np.float32))
            bases.append(bicubic_up(lr, scale))
            hrs.append(hr)

        def nchw(xs: list[np.ndarray]) -> np.ndarray:
            return np.ascontiguousarray(np.stack(xs).transpose(0, 3, 1, 2))

        return nchw(lrs), nchw(sigmas), nchw(bases), nchw(hrs)
