"""Training pairs: synthetic dark photos made from clean images, plus real LOL pairs.

The real pairs of ``lol_v1_our485_subset`` are split by file name into train and
validation (a fixed list below). ``lol_v1_eval15`` is the test set and is never
read here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..analysis import estimate_noise
from ..data import darken, sample_params
from ..models.lumosnet import make_proxy

__all__ = ["VAL_LOL", "PairSampler", "Sources", "load_sources", "make_proxy"]

# 10 of the 50 real LOL training scenes, held out for validation.
VAL_LOL = ("5", "97", "188", "342", "490", "573", "637", "684", "739", "787")
CLEAN_SETS = ("kodak24", "cbsd68", "mcmaster")


def _read_rgb(path: Path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise OSError(f"cannot read {path}")
    return img[..., ::-1].copy()  # uint8 RGB


@dataclass
class Sources:
    """Images in memory as uint8 RGB."""

    clean: list[np.ndarray]
    real_train: list[tuple[np.ndarray, np.ndarray]]
    real_val: list[tuple[str, np.ndarray, np.ndarray]]


def load_sources(data_root: Path, *, limit: int | None = None) -> Sources:
    """Read the clean sets and the LOL subset below ``data_root`` (``../shared/data``)."""
    clean: list[np.ndarray] = []
    for name in CLEAN_SETS:
        files = sorted(
            p
            for p in (data_root / name).iterdir()
            if p.suffix.lower() in (".png", ".tif", ".bmp", ".jpg")
        )
        clean += [_read_rgb(p) for p in files[:limit]]
    lol = data_root / "lol_v1_our485_subset"
    real_train, real_val = [], []
    for p in sorted((lol / "low").glob("*.png"))[: None if limit is None else 2 * limit]:
        low, high = _read_rgb(p), _read_rgb(lol / "high" / p.name)
        if p.stem in VAL_LOL:
            real_val.append((p.stem, low, high))
        else:
            real_train.append((low, high))
            clean.append(high)  # a reference is also a clean image to darken anew
    if not clean:
        raise FileNotFoundError(f"no training images under {data_root}")
    return Sources(clean, real_train, real_val)


class PairSampler:
    """Draws random (dark, proxy, sigma, target) training samples.

    Parameters
    ----------
    sources : Sources
    patch : int
        Side of the square training patch (even).
    real_fraction : float
        Share of samples that are real LOL pairs (the rest synthetic).
    scene_fraction : float
        Share of samples that show a whole image resized to the patch, so the
        global network also learns scene-level decisions.
    seed : int
    """

    def __init__(
        self,
        sources: Sources,
        *,
        patch: int = 160,
        real_fraction: float = 0.3,
        scene_fraction: float = 0.25,
        seed: int = 0,
    ) -> None:
        self.sources = sources
        self.patch = patch
        self.real_fraction = real_fraction if sources.real_train else 0.0
        self.scene_fraction = scene_fraction
        self.rng = np.random.default_rng(seed)

    def _crop(self, *images: np.ndarray) -> list[np.ndarray]:
        rng, p = self.rng, self.patch
        h, w = images[0].shape[:2]
        if rng.random() < self.scene_fraction:
            return [cv2.resize(im, (p, p), interpolation=cv2.INTER_AREA) for im in images]
        scale = rng.uniform(max(p / min(h, w), 0.5), 1.0)
        if scale < 0.999:
            size = (max(p, round(w * scale)), max(p, round(h * scale)))
            images = tuple(cv2.resize(im, size, interpolation=cv2.INTER_AREA) for im in images)
            h, w = images[0].shape[:2]
        y, x = int(rng.integers(0, h - p + 1)), int(rng.integers(0, w - p + 1))
        out = [im[y : y + p, x : x + p] for im in images]
        k = int(rng.integers(0, 4))
        flip = rng.random() < 0.5
        out = [np.rot90(im, k) for im in out]
        if flip:
            out = [im[:, ::-1] for im in out]
        return [np.ascontiguousarray(im) for im in out]

    def sample(self) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
        """One sample: dark (p,p,3), proxy, sigma of the dark input, target (p,p,3); float32."""
        rng = self.rng
        if rng.random() < self.real_fraction:
            low, high = self.sources.real_train[int(rng.integers(len(self.sources.real_train)))]
            dark_u8, target_u8 = self._crop(low, high)
            dark = dark_u8.astype(np.float32) / 255
        else:
            clean = self.sources.clean[int(rng.integers(len(self.sources.clean)))]
            (target_u8,) = self._crop(clean)
            params = sample_params(rng)
            dark = darken(target_u8.astype(np.float32) / 255, params, seed=int(rng.integers(2**31)))
        target = target_u8.astype(np.float32) / 255
        sigma = float(estimate_noise(dark)[0])
        return dark, make_proxy(dark), sigma, target

    def batch(self, size: int) -> tuple[np.ndarray, ...]:
        """A batch in NCHW float32: dark, proxy, sigma (N,), target."""
        samples = [self.sample() for _ in range(size)]
        dark, proxy, sigma, target = zip(*samples, strict=True)

        def nchw(xs: tuple[np.ndarray, ...]) -> np.ndarray:
            return np.ascontiguousarray(np.stack(xs).transpose(0, 3, 1, 2))

        return nchw(dark), nchw(proxy), np.asarray(sigma, np.float32), nchw(target)
