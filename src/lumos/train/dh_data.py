"""LumosDH's training samples: synthetic haze over clean photos, at the proxy's scale.

The scattering model ``I = J * t + A * (1 - t)`` with ``t = exp(-beta * d)``
makes a hazy photo of any clean one, given a depth ``d``. Clean sets have no
depth, so ``d`` is drawn as a mix of three kinds of layout:

* a smooth random field (a coarse random grid, bicubic): haze banks, uneven fog;
* a ground plane: depth growing toward the top of the frame (with a random tilt),
  what most outdoor photos look like;
* object layers: a random mix of the photo's own blurred colour channels, so that
  depth jumps where the colour does (objects at different distances differ in
  colour); without it every depth edge would be invisible in the photo and the
  net would never learn to follow edges, which real scenes (and SOTS) have.

``beta`` spans light mist to dense fog, the airlight is grey to tinted (sand,
smog, dusk), sometimes uneven across the frame. Then a camera: the noise model
of :mod:`lumos.data.camera` (mosaic, demosaic, in-camera noise reduction, JPEG),
plain Gaussian noise with a JPEG, or just 8 bits. A share of samples has no haze
at all (``t = 1``): the net must learn to leave a clear photo alone.

Everything happens at the proxy's scale (the photo shrunk to a long side of
about 384 px, as :mod:`lumos.models.dehazer` sees it), on crops of ``patch`` px.

Sources: ``cbsd68``, ``mcmaster`` and the LOL normal-light references
(``high/`` of ``lol_v1_our485_subset`` and ``_more``). Never Kodak24 (the
synthetic benchmark of ``bench/dehaze.py``), SOTS or the real hazy photos (both
benchmarks only), nor LOL eval15. Held out for validation: every 10th file of
the two clean sets and the LOL scenes of :data:`lumos.train.dataset.VAL_LOL` and
``VAL_LOL_MORE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..data import jpeg_roundtrip
from ..data.camera import camera_noise, sample_camera
from .dataset import VAL_LOL, VAL_LOL_MORE

__all__ = [
    "DH_SETS",
    "DhSample",
    "DhSampler",
    "DhSources",
    "depth_field",
    "hazy_sample",
    "load_dh_sources",
    "validation_samples",
]

DH_SETS = (
    "cbsd68",
    "mcmaster",
    "lol_v1_our485_subset/high",
    "lol_v1_our485_more/high",
)
PROXY_RANGE = (256, 448)
"""Long side the clean photo is shrunk to before cropping (the proxy is 384 px)."""
CLEAR_SHARE = 0.12
"""Share of samples with no haze (``t = 1``)."""
_EXTS = (".png", ".tif", ".bmp", ".jpg", ".webp")


@dataclass
class DhSources:
    """Clean photos as uint8 RGB: for training and held out."""

    train: list[np.ndarray]
    val: list[np.ndarray]


@dataclass
class DhSample:
    """One training pair at the proxy's scale (float32; (H, W, 3) images, (H, W) map)."""

    hazy: np.ndarray
    clean: np.ndarray
    t: np.ndarray
    airlight: np.ndarray  # (3,) the mean airlight colour
    has_haze: bool


def _read(path: Path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise OSError(f"cannot read {path}")
    return np.ascontiguousarray(img[..., ::-1])


def load_dh_sources(data_root: Path, *, limit: int | None = None) -> DhSources:
    """Read :data:`DH_SETS` below ``data_root`` (a missing folder is skipped)."""
    held = set(VAL_LOL) | set(VAL_LOL_MORE)
    train: list[np.ndarray] = []
    val: list[np.ndarray] = []
    for name in DH_SETS:
        folder = data_root / name
        if not folder.is_dir():
            continue
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in _EXTS)[:limit]
        for i, path in enumerate(files):
            is_val = path.stem in held if "lol" in name else i % 10 == 9
            (val if is_val else train).append(_read(path))
    if not train:
        raise FileNotFoundError(f"no training images under {data_root}")
    return DhSources(train, val)


def _norm(x: np.ndarray) -> np.ndarray:
    lo, hi = float(x.min()), float(x.max())
    return ((x - lo) / max(hi - lo, 1e-6)).astype(np.float32)


def depth_field(clean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A plausible relative depth in [0, 1] for ``clean`` (H, W, 3): see the module docstring."""
    h, w = clean.shape[:2]
    gh, gw = int(rng.integers(2, 6)), int(rng.integers(2, 6))
    smooth = _norm(cv2.resize(rng.random((gh, gw)).astype(np.float32), (w, h), cv2.INTER_CUBIC))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.normal(0.0, 0.35)  # mostly far at the top
    ground = _norm(-(yy / h) * np.cos(angle) + (xx / w) * np.sin(angle))
    sigma = float(rng.uniform(1.0, 4.0))
    blurred = cv2.GaussianBlur(clean, (0, 0), sigma)
    layers = _norm(np.tensordot(blurred, rng.normal(0.0, 1.0, 3).astype(np.float32), 1))
    weights = rng.dirichlet((1.0, 1.5, 1.0))
    d = _norm(weights[0] * smooth + weights[1] * ground + weights[2] * layers)
    near = rng.uniform(0.05, 0.5)
    far = rng.uniform(near + 0.2, 1.0)
    return (near + (far - near) * d).astype(np.float32)


def _airlight(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """(H, W, 3) airlight: grey or tinted, sometimes brighter toward one side."""
    grey = rng.uniform(0.6, 1.0)
    tint = rng.normal(0.0, 0.03, 3)
    if rng.random() < 0.3:  # coloured: sand, smog, dusk, blue mist
        tint += rng.normal(0.0, 0.08, 3)
    a = np.clip(grey + tint, 0.3, 1.0).astype(np.float32)
    field = np.ones((h, w, 1), np.float32)
    if rng.random() < 0.3:  # uneven: brighter toward the light
        ramp = np.linspace(-1.0, 1.0, h if rng.random() < 0.7 else w, dtype=np.float32)
        ramp = ramp[:, None] if ramp.size == h else ramp[None, :]
        field = (1.0 + rng.uniform(-0.12, 0.12) * np.broadcast_to(ramp, (h, w)))[..., None]
    return np.clip(a * field, 0.0, 1.0).astype(np.float32)


def _camera(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A camera's noise and file: its model, Gaussian noise and JPEG, or 8 bits only."""
    u = rng.random()
    if u < 0.4:
        noisy, _ = camera_noise(img, sample_camera(rng), seed=int(rng.integers(1 << 31)))
        return noisy
    if u < 0.7:
        noisy = img + rng.normal(0.0, rng.uniform(0.002, 0.02), img.shape).astype(np.float32)
        return jpeg_roundtrip(np.clip(noisy, 0.0, 1.0), int(rng.integers(60, 98)))
    return (np.round(np.clip(img, 0.0, 1.0) * 255.0) / 255.0).astype(np.float32)


def hazy_sample(
    clean: np.ndarray, rng: np.random.Generator, *, haze: bool | None = None
) -> DhSample:
    """Haze ``clean`` (float32 (H, W, 3) in [0, 1], H and W even) by the scattering model."""
    h, w = clean.shape[:2]
    haze = bool(rng.random() >= CLEAR_SHARE) if haze is None else haze
    a = _airlight(rng, h, w)
    if haze:
        beta = float(np.exp(rng.uniform(np.log(0.5), np.log(4.0))))
        t = np.clip(np.exp(-beta * depth_field(clean, rng)), 0.08, 1.0).astype(np.float32)
    else:
        t = np.ones((h, w), np.float32)
    hazy = clean * t[..., None] + a * (1.0 - t[..., None])
    hazy = _camera(np.clip(hazy, 0.0, 1.0).astype(np.float32), rng)
    mean_a = a.reshape(-1, 3).mean(axis=0).astype(np.float32)
    return DhSample(
        hazy[:h, :w],
        clean[: hazy.shape[0], : hazy.shape[1]],
        t[: hazy.shape[0], : hazy.shape[1]],
        mean_a,
        haze,
    )


def _at_proxy_scale(img: np.ndarray, rng: np.random.Generator, patch: int) -> np.ndarray:
    """``img`` (uint8) as float32, shrunk to a random proxy size, at least ``patch`` a side."""
    h, w = img.shape[:2]
    side = rng.uniform(*PROXY_RANGE)
    s = max(side / max(h, w), patch / min(h, w))
    size = (max(patch, round(w * s)), max(patch, round(h * s)))
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    out = cv2.resize(img, size, interpolation=interp).astype(np.float32) / 255.0
    return np.clip(out, 0.0, 1.0)


class DhSampler:
    """Fresh hazy crops of the training photos, batch by batch (seeded)."""

    def __init__(self, sources: DhSources, *, patch: int, seed: int) -> None:
        self.sources = sources
        self.patch = patch
        self.rng = np.random.default_rng(seed)

    def sample(self) -> DhSample:
        img = self.sources.train[int(self.rng.integers(len(self.sources.train)))]
        img = _at_proxy_scale(img, self.rng, self.patch)
        p = self.patch
        y0 = int(self.rng.integers(img.shape[0] - p + 1))
        x0 = int(self.rng.integers(img.shape[1] - p + 1))
        crop = img[y0 : y0 + p, x0 : x0 + p]
        if self.rng.random() < 0.5:
            crop = crop[:, ::-1]
        return hazy_sample(np.ascontiguousarray(crop), self.rng)

    def batch(self, size: int) -> dict[str, np.ndarray]:
        """NCHW float32 arrays: ``hazy``, ``clean``, ``t`` (N, 1, H, W), ``airlight`` (N, 3),
        ``has_haze`` (N,)."""
        samples = [self.sample() for _ in range(size)]
        nchw = lambda xs: np.ascontiguousarray(np.stack(xs).transpose(0, 3, 1, 2))  # noqa: E731
        return {
            "hazy": nchw([s.hazy for s in samples]),
            "clean": nchw([s.clean for s in samples]),
            "t": np.stack([s.t for s in samples])[:, None],
            "airlight": np.stack([s.airlight for s in samples]),
            "has_haze": np.array([s.has_haze for s in samples], np.float32),
        }


def validation_samples(sources: DhSources, *, side: int = 384, seed: int = 5) -> list[DhSample]:
    """The held-out photos at proxy size (long side ``side``, sides even), hazed once (seeded;
    every sixth one left clear)."""
    rng = np.random.default_rng(seed)
    out = []
    for i, img in enumerate(sources.val):
        h, w = img.shape[:2]
        s = side / max(h, w)
        size = (round(w * s) // 8 * 8, round(h * s) // 8 * 8)
        clean = cv2.resize(img, size, interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
        out.append(hazy_sample(clean, rng, haze=i % 6 != 5))
    return out
