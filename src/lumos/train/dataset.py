"""Training scenes: synthetic dark photos made from clean images, real LOL pairs, good photos.

The real pairs of ``lol_v1_our485_subset`` are split by file name into train and
validation (a fixed list below). ``lol_v1_our485_more`` adds 138 pairs, one from each
of 138 scene clusters that share no scene with the subset or eval15 (lossless WebP),
110 for training and 28 held out. ``lol_v1_eval15`` is the test set and is never read here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..data import darken, sample_params
from ..models.lumosnet import make_proxy

__all__ = [
    "VAL_LOL",
    "VAL_LOL_MORE",
    "SceneSampler",
    "Sources",
    "add_light_sources",
    "load_sources",
    "make_proxy",
]

# 10 of the 50 real LOL training scenes, held out for validation.
VAL_LOL = ("5", "97", "188", "342", "490", "573", "637", "684", "739", "787")
# and 28 of the 138 more (every fifth in number order from the third; each its own scene
# cluster): ten scenes alone judged brightness too noisily to compare training sets.
VAL_LOL_MORE = (
    "25", "67", "99", "127", "157", "191", "204", "225", "244", "265", "469", "485", "495",
    "501", "507", "523", "540", "562", "578", "598", "620", "658", "682", "698", "716",
    "735", "757", "773",
)  # fmt: skip
CLEAN_SETS = ("kodak24", "cbsd68", "mcmaster")
REAL_SETS = ("lol_v1_our485_subset", "lol_v1_our485_more")
"""The real LOL pair folders, in the order their training pairs are taken."""


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


def load_sources(
    data_root: Path,
    *,
    limit: int | None = None,
    real_pairs: int | None = None,
    clean_sets: tuple[str, ...] = CLEAN_SETS,
) -> Sources:
    """Read the clean sets and the real LOL pairs below ``data_root`` (``../shared/data``).

    ``real_pairs`` keeps only the first N training pairs (the subset's 40, then the
    more set's, each in name order; the others' references also leave the clean
    set): how much do more real pairs help? A missing folder is skipped.
    The training references join ``clean_sets`` as clean images.
    """
    clean: list[np.ndarray] = []
    for name in clean_sets:
        files = sorted(
            p
            for p in (data_root / name).iterdir()
            if p.suffix.lower() in (".png", ".tif", ".bmp", ".jpg")
        )
        clean += [_read_rgb(p) for p in files[:limit]]
    real_train, real_val = [], []
    for low_path in _real_pair_files(data_root, limit):
        low = _read_rgb(low_path)
        high = _read_rgb(low_path.parent.parent / "high" / low_path.name)
        held_out = VAL_LOL if low_path.parent.parent.name == REAL_SETS[0] else VAL_LOL_MORE
        if low_path.stem in held_out:
            real_val.append((low_path.stem, low, high))
        elif real_pairs is None or len(real_train) < real_pairs:
            real_train.append((low, high))
            clean.append(high)  # a reference is also a clean image to darken anew
    if not clean:
        raise FileNotFoundError(f"no training images under {data_root}")
    return Sources(clean, real_train, real_val)


def _real_pair_files(data_root: Path, limit: int | None) -> list[Path]:
    """The low images of the real pairs: the subset's, then the more set's, each in
    name order (``limit`` pairs of each at most, for smoke tests)."""
    files: list[Path] = []
    for name in REAL_SETS:
        low_dir = data_root / name / "low"
        if not low_dir.is_dir():
            continue
        found = sorted(p for p in low_dir.iterdir() if p.suffix.lower() in (".png", ".webp"))
        files += found[: None if limit is None else 2 * limit]
    return files


class SceneSampler:
    """Draws whole-scene training samples at the global network's proxy scale.

    The network decides brightness and colour for a whole photo, so it trains
    on whole scenes (a random 60-100% crop, resized to ``size`` x ``size``
    like the proxy it sees at inference), not on patches. Three kinds:

    * real LOL pairs (``real_fraction``): the low image and its reference;
    * synthetic dark photos made by :mod:`lumos.data` from clean images
      (darkened and noised at full resolution, then area-resized like a proxy,
      so the proxy's noise is the real one averaged);
    * identity samples (``identity_fraction``): a clean, well-exposed image
      whose target is itself, so that a good photo is left alone.

    A share (``light_source_fraction``) of the dark samples also gets light
    sources painted into both the input and the target (see
    :func:`add_light_sources`).

    Parameters
    ----------
    sources : Sources
    size : int
        Side of the square proxy.
    real_fraction, identity_fraction : float
        Shares of the samples; the rest are synthetic.
    light_source_fraction : float
        Share of the non-identity samples that get light sources.
    seed : int
    """

    def __init__(
        self,
        sources: Sources,
        *,
        size: int = 128,
        real_fraction: float = 0.5,
        identity_fraction: float = 0.15,
        light_source_fraction: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.sources = sources
        self.size = size
        self.real_fraction = real_fraction if sources.real_train else 0.0
        self.identity_fraction = identity_fraction
        self.light_source_fraction = light_source_fraction
        self.rng = np.random.default_rng(seed)

    def _crop(self, *images: np.ndarray) -> tuple[slice, slice]:
        h, w = images[0].shape[:2]
        s = self.rng.uniform(0.6, 1.0)
        ch, cw = max(8, int(h * s)), max(8, int(w * s))
        y, x = int(self.rng.integers(0, h - ch + 1)), int(self.rng.integers(0, w - cw + 1))
        return slice(y, y + ch), slice(x, x + cw)

    def _to_proxy(self, image: np.ndarray, flip: bool) -> np.ndarray:
        out = cv2.resize(image, (self.size, self.size), interpolation=cv2.INTER_AREA)
        return np.ascontiguousarray(out[:, ::-1] if flip else out)

    def sample(self) -> tuple[np.ndarray, np.ndarray]:
        """One (dark proxy, target proxy) pair, float32 (size, size, 3)."""
        rng = self.rng
        u = rng.random()
        if u < self.real_fraction:
            low, high = self.sources.real_train[int(rng.integers(len(self.sources.real_train)))]
            ys, xs = self._crop(low)
            dark = low[ys, xs].astype(np.float32) / 255
            target = high[ys, xs].astype(np.float32) / 255
        else:
            clean = self.sources.clean[int(rng.integers(len(self.sources.clean)))]
            ys, xs = self._crop(clean)
            target = clean[ys, xs].astype(np.float32) / 255
            if u < self.real_fraction + self.identity_fraction:
                dark = target
            else:
                params = sample_params(rng)
                dark = darken(target, params, seed=int(rng.integers(2**31)))
        flip = bool(rng.random() < 0.5)
        dark, target = self._to_proxy(dark, flip), self._to_proxy(target, flip)
        if dark is not target and rng.random() < self.light_source_fraction:
            dark, target = add_light_sources(dark, target, rng)
        return dark, target

    def batch(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """A batch in NCHW float32: dark proxies, target proxies."""
        dark, target = zip(*(self.sample() for _ in range(size)), strict=True)
        return _nchw(dark), _nchw(target)


def _nchw(xs: tuple[np.ndarray, ...]) -> np.ndarray:
    return np.ascontiguousarray(np.stack(xs).transpose(0, 3, 1, 2))


def add_light_sources(
    dark: np.ndarray, target: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Paint 1-3 glowing lamps into both images, identically.

    A lamp in a night photo is bright in the dark input and stays as it is in
    the result; what is around it is brightened like the rest of the scene.
    Without such samples the network read every bright object as light
    falling on the scene, gave the dark surroundings less gain (a dark ring
    around lamps and lit buildings) and tinted the lamp's white core.
    """
    h, w = dark.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dark, target = dark.copy(), target.copy()
    for _ in range(int(rng.integers(1, 4))):
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        ry, rx = rng.uniform(0.02, 0.15) * h, rng.uniform(0.02, 0.15) * w
        r = np.sqrt(((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2)
        body = np.clip(1.5 - r, 0.0, 1.0)  # soft-edged ellipse
        core = np.clip(2.0 - 2.5 * r, 0.0, 1.0)  # its white-hot centre
        glow = np.exp(-((r / rng.uniform(2.0, 5.0)) ** 2)) * rng.uniform(0.0, 0.25)
        # Mostly warm lamps (tungsten, sodium), sometimes white or coloured.
        kind = rng.random()
        if kind < 0.6:
            colour = np.array([1.0, rng.uniform(0.45, 0.9), rng.uniform(0.1, 0.6)], np.float32)
        elif kind < 0.85:
            colour = np.full(3, rng.uniform(0.85, 1.0), np.float32)
        else:
            colour = rng.uniform(0.2, 1.0, 3).astype(np.float32)
            colour /= colour.max()
        lamp = colour * (1 - core[..., None]) + core[..., None]
        for img in (dark, target):
            img += glow[..., None] * colour
            img *= 1 - body[..., None]
            img += body[..., None] * lamp
            np.clip(img, 0.0, 1.0, out=img)
    return dark, target
