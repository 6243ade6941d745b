"""Training crops for LumosNE: clean images with noise of a known level added.

Camera noise as it reaches a JPEG is not the white noise of textbooks. Each
crop gets a noise field drawn to cover what cameras and phones deliver:

* a level from almost none to very grainy (0.2/255 .. 25/255 at mid-grey,
  log-uniform), growing with the signal (shot noise) by a random share;
* spatial correlation, as demosaicing and in-camera noise reduction leave it:
  white, or blurred by a Gaussian of 0.4-1.4 px, or re-interpolated from a
  Bayer mosaic (then rescaled: the level drawn is the level delivered), or
  the noise of a whole simulated camera (:func:`lumos.data.camera.camera_noise`:
  shot and read noise on the mosaic, demosaiced, white-balanced, colour-mixed,
  tone-mapped, reduced in camera), rescaled to the level drawn. Without it the
  net read real camera JPEGs (cc15) at 0.69 of their level crop by crop;
* colour: per-channel levels (blue and red noisier than green, as after white
  balance) and a random share common to the three channels (luma noise);
* content: the crop is darkened first in about half of the draws (exposure
  1/50 .. 1, in linear light), since dark photos are what lumos reads most;
* the noisy crop is clipped, quantised to 8 bits and, in 40% of draws, JPEG
  compressed (quality 70-98), which takes out the finest part of the noise.

The target is the standard deviation of the luma of the noise as it was
before JPEG (after clipping and quantisation): the level the denoiser should
be told (on held-out LOL photos saved as JPEG, telling it the PNG's level was
worth 0.3-1.3 dB). Clean images carry some grain of their own; the sampler
halves it by downscaling most sources first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .._color import LUMA
from ..data import jpeg_roundtrip, linear_to_srgb, srgb_to_linear
from ..data.camera import camera_noise, sample_camera
from .dataset import _read_rgb

__all__ = [
    "NE_CLEAN_SETS",
    "NE_VAL_SETS",
    "NeSampler",
    "NoiseDraw",
    "draw_noise",
    "load_ne_images",
    "noisy_crop",
    "validation_crops",
]

NE_CLEAN_SETS = ("kodak24", "cbsd68", "mcmaster")
NE_VAL_SETS = ("set14", "set5")
LEVEL_RANGE = (0.2 / 255, 25.0 / 255)
_BAYER_OFFSETS = ((0, 0), (0, 1), (1, 0), (1, 1))


def load_ne_images(
    data_root: Path, sets: tuple[str, ...], *, limit: int | None = None
) -> list[np.ndarray]:
    """uint8 RGB images of the folders ``sets`` below ``data_root`` (a missing folder
    is skipped; none at all is an error)."""
    images: list[np.ndarray] = []
    for name in sets:
        if not (data_root / name).is_dir():
            continue
        files = sorted(
            p
            for p in (data_root / name).iterdir()
            if p.suffix.lower() in (".png", ".bmp", ".tif", ".jpg")
        )
        images += [_read_rgb(p) for p in files[:limit]]
    if not images:
        raise FileNotFoundError(f"no images of {sets} under {data_root}")
    return images


@dataclass(frozen=True)
class NoiseDraw:
    """One noise field's parameters (see the module docstring)."""

    level: float
    shot_share: float
    correlation: str  # "white", "blur", "bayer" or "camera"
    blur: float
    channel_scale: tuple[float, float, float]
    common_share: float
    exposure: float
    jpeg_quality: int | None


def draw_noise(rng: np.random.Generator) -> NoiseDraw:
    """One random noise field's parameters, from the ranges of the module docstring."""
    lo, hi = np.log(LEVEL_RANGE[0]), np.log(LEVEL_RANGE[1])
    u = rng.random()
    correlation = "white" if u < 0.2 else "blur" if u < 0.45 else "bayer" if u < 0.65 else "camera"
    return NoiseDraw(
        level=float(np.exp(rng.uniform(lo, hi))),
        shot_share=float(rng.uniform(0.0, 1.0)),
        correlation=correlation,
        blur=float(rng.uniform(0.4, 1.4)),
        channel_scale=(float(rng.uniform(0.8, 1.6)), 1.0, float(rng.uniform(0.8, 1.8))),
        common_share=float(rng.uniform(0.0, 0.8)),
        exposure=float(np.exp(rng.uniform(np.log(1 / 50), 0.0))) if rng.random() < 0.5 else 1.0,
        jpeg_quality=int(rng.integers(70, 99)) if rng.random() < 0.4 else None,
    )


def _unit_field(shape: tuple[int, int], draw: NoiseDraw, rng: np.random.Generator) -> np.ndarray:
    """Zero-mean noise of unit std per channel, with the draw's correlation."""
    h, w = shape
    common = rng.standard_normal((h, w, 1), dtype=np.float32)
    own = rng.standard_normal((h, w, 3), dtype=np.float32)
    c = draw.common_share
    field = np.sqrt(c) * common + np.sqrt(1.0 - c) * own
    if draw.correlation == "blur":
        field = cv2.GaussianBlur(field, (0, 0), draw.blur, borderType=cv2.BORDER_REFLECT)
    elif draw.correlation == "bayer":
        # Keep one channel per pixel (RGGB) and interpolate the missing ones bilinearly.
        mosaic = np.zeros_like(field)
        keep = {0: [(0, 0)], 1: [(0, 1), (1, 0)], 2: [(1, 1)]}
        for ch, offsets in keep.items():
            for dy, dx in offsets:
                mosaic[dy::2, dx::2, ch] = field[dy::2, dx::2, ch]
        kernel_rb = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], np.float32) / 4
        kernel_g = np.array([[0, 1, 0], [1, 4, 1], [0, 1, 0]], np.float32) / 4
        field = np.stack(
            [
                cv2.filter2D(mosaic[..., ch], -1, kernel_g if ch == 1 else kernel_rb)
                for ch in range(3)
            ],
            axis=-1,
        )
    field -= field.mean(axis=(0, 1))
    return field / (field.std(axis=(0, 1)) + 1e-8)


def _camera_field(base: np.ndarray, level: float, rng: np.random.Generator) -> np.ndarray:
    """A random camera's noise on ``base`` (even sides), scaled so its luma std is ``level``:
    its structure (grain, colour, growth with the signal) is the camera's, its level the draw's."""
    cam = sample_camera(rng, jpeg_probability=0.0)
    noisy, clean = camera_noise(base, cam, seed=int(rng.integers(2**31)))
    field = noisy - clean
    luma_std = float((field @ LUMA).std())
    return (field * np.float32(level / max(luma_std, 1e-6))).astype(np.float32)


def noisy_crop(
    clean: np.ndarray, draw: NoiseDraw, rng: np.random.Generator
) -> tuple[np.ndarray, float]:
    """``clean`` (float RGB in [0, 1]) with the draw's noise: (noisy crop, luma noise std)."""
    base = clean
    if draw.exposure < 1.0:
        base = linear_to_srgb(srgb_to_linear(clean) * np.float32(draw.exposure))
    if draw.correlation == "camera":
        field = _camera_field(base, draw.level, rng)
    else:
        # Level at each pixel: a constant part and a part growing with the signal.
        grey = np.clip(base, 0.0, 1.0) / 0.5
        std = draw.level * np.sqrt((1.0 - draw.shot_share) + draw.shot_share * grey)
        std = std * np.asarray(draw.channel_scale, np.float32)
        field = std.astype(np.float32) * _unit_field(clean.shape[:2], draw, rng)
    noisy = base + field
    noisy = np.round(np.clip(noisy, 0.0, 1.0) * 255.0) / np.float32(255.0)
    sigma = float(((noisy - base) @ LUMA).std())
    if draw.jpeg_quality is not None:
        noisy = jpeg_roundtrip(noisy, draw.jpeg_quality)
    return noisy.astype(np.float32), sigma


class NeSampler:
    """Random noisy crops of random (often downscaled) clean images."""

    def __init__(self, images: list[np.ndarray], *, crop: int = 96, seed: int = 0) -> None:
        self.images = images
        self.crop = crop
        self.rng = np.random.default_rng(seed)

    def _clean_crop(self) -> np.ndarray:
        img = self.images[int(self.rng.integers(len(self.images)))]
        if self.rng.random() < 0.7:  # halve the source's own grain (and vary the texture scale)
            f = float(self.rng.uniform(0.4, 0.8))
            img = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        h, w = img.shape[:2]
        c = min(self.crop, h, w) // 4 * 4
        y, x = int(self.rng.integers(0, h - c + 1)), int(self.rng.integers(0, w - c + 1))
        crop = img[y : y + c, x : x + c]
        crop = np.rot90(crop, int(self.rng.integers(4)))
        return np.ascontiguousarray(crop).astype(np.float32) / np.float32(255.0)

    def sample(self) -> tuple[np.ndarray, float]:
        return noisy_crop(self._clean_crop(), draw_noise(self.rng), self.rng)

    def batch(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """(noisy (B, 3, C, C), sigma (B,)) as float32."""
        parts = [self.sample() for _ in range(size)]
        side = min(p.shape[0] for p, _ in parts)
        x = np.stack([p[:side, :side] for p, _ in parts]).transpose(0, 3, 1, 2)
        return np.ascontiguousarray(x), np.array([s for _, s in parts], np.float32)


def validation_crops(
    images: list[np.ndarray], *, per_image: int = 8, crop: int = 96, seed: int = 1234
) -> tuple[np.ndarray, np.ndarray]:
    """A fixed set of noisy crops of the validation images: (x (N,3,C,C), sigma (N,))."""
    sampler = NeSampler(images, crop=crop, seed=seed)
    xs, ss = [], []
    for i in range(len(images) * per_image):
        sampler.images = [images[i % len(images)]]
        x, s = sampler.sample()
        if x.shape[0] == crop:
            xs.append(x)
            ss.append(s)
    return np.stack(xs).transpose(0, 3, 1, 2).copy(), np.array(ss, np.float32)
