"""Training samples for LumosDN: photos brightened exactly as at run time, and clean targets.

The denoiser works on what LumosNet's brightening hands it, so its inputs are
made by that very code (:class:`lumos.models.lumosnet.LumosNetEnhancer`, the
shipped weights): a dark photo is analysed, its noise estimated, its gain
planned and applied at full resolution. The noise map fed to the net is the
run-time one too (the estimator's reading times each pixel's gain), so the net
learns what the estimator's number means on real noise - it reads
demosaiced, JPEG-blurred noise low (see docs/benchmarks.md), and a net shown
the noise itself can learn that.

Three kinds of photos:

* real LOL pairs (``lol_v1_our485_subset``, the 40 training scenes; the 10
  held-out ones are the validation set, as for LumosNet);
* synthetic dark photos from clean images (:func:`lumos.data.darken`: exposure,
  Poisson-Gaussian sensor noise in linear light, uneven light, casts, JPEG), a
  share of them saved as a low-quality JPEG (quality 20-60, as video frames and
  messaging apps leave dark photos: blocks the gain would turn into tiles);
* photos through a real camera's noise (:func:`lumos.data.camera.camera_noise`:
  noise added on the Bayer mosaic, then demosaiced, white-balanced, colour-mixed,
  tone-mapped and saved as a JPEG), a share at the photo's own exposure (nothing to
  brighten: the noise of a well-exposed high-ISO photo) and the rest darkened;
* clean photos as their own target, so that a good photo keeps its detail.

The target is the reference *at the brightness LumosNet chose*: the
reference times a smooth per-channel ratio (Gaussian of :data:`MATCH_SIGMA`
pixels) of the brightened photo to it. How bright and what colour is
LumosNet's decision; this net is only asked to remove noise and keep detail,
and it cannot learn to restyle a photo.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from ..analysis import analyse
from ..data import darken, jpeg_roundtrip, sample_params
from ..data.camera import camera_noise, sample_camera
from ..models.lumosnet import LumosNetEnhancer, brighten_whole
from .dataset import Sources, load_sources

__all__ = [
    "CAMERA_VAL_SET",
    "DN_CLEAN_SETS",
    "DnExample",
    "DnSampler",
    "camera_validation_examples",
    "dark_jpeg_validation_examples",
    "load_dn_sources",
    "make_example",
    "match_brightness",
    "validation_examples",
]

DN_CLEAN_SETS = ("cbsd68", "mcmaster")
"""Clean sources (plus the LOL training references). Kodak24 is kept out: it is the
ground truth of the synthetic low-light benchmark."""
MATCH_SIGMA = 12.0
_EPS = np.float32(0.02)


@dataclass
class DnExample:
    """One whole photo ready for cropping: float32 arrays of the same height and width."""

    bright: np.ndarray  # (H, W, 3) brightened input
    sigma: np.ndarray  # (H, W) expected noise std of ``bright``
    target: np.ndarray  # (H, W, 3) reference at the brightened photo's brightness


def load_dn_sources(data_root: Path, *, limit: int | None = None) -> Sources:
    """The clean sets of :data:`DN_CLEAN_SETS` and the LOL subset below ``data_root``."""
    return load_sources(data_root, limit=limit, clean_sets=DN_CLEAN_SETS)


def match_brightness(reference: np.ndarray, bright: np.ndarray) -> np.ndarray:
    """``reference`` times the smooth per-channel ratio of ``bright`` to it."""

    def smooth(x: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(x, (0, 0), MATCH_SIGMA, borderType=cv2.BORDER_REFLECT) + _EPS

    ratio = smooth(bright) / smooth(reference)
    return np.clip(reference * ratio, 0.0, 1.0).astype(np.float32)


LOW_JPEG_QUALITY = (20, 61)
"""JPEG qualities (low, high exclusive) of the low-quality dark photos (``dark_jpeg``)."""


def make_example(
    dark: np.ndarray, reference: np.ndarray, enhancer: LumosNetEnhancer, *, lossy: bool = False
) -> DnExample:
    """Brighten ``dark`` as ``lumos enhance`` would; pair it with ``reference`` matched to it.

    ``lossy``: ``dark`` was decoded from a JPEG (the run-time analysis is told so by the
    file type; it then expects noise hidden under the compression and deblocks)."""
    analysis = analyse(dark, lossy=lossy)
    bright, gain, sigma = brighten_whole(enhancer, dark, analysis)
    del gain
    return DnExample(bright, sigma, match_brightness(reference, bright))


class DnSampler:
    """A pool of whole examples, refreshed as training goes, cut into random patches.

    Making an example costs a noise estimate and a LumosNet plan (~0.1-0.3 s),
    a patch a slice: so the pool is built once, and :meth:`refresh` replaces a
    few synthetic examples with freshly darkened ones (new noise, new exposure)
    every few steps.
    """

    def __init__(
        self,
        sources: Sources,
        *,
        patch: int = 96,
        pool: int = 160,
        real_fraction: float = 0.35,
        clean_fraction: float = 0.1,
        seed: int = 0,
        enhancer: LumosNetEnhancer | None = None,
        correlated_noise: float = 0.0,
        real_jpeg: float = 0.0,
        camera_fraction: float = 0.0,
        camera_exposed: float = 0.5,
        dark_jpeg: float = 0.0,
    ) -> None:
        self.sources = sources
        self.dark_jpeg = dark_jpeg
        self.correlated_noise = correlated_noise
        self.camera_fraction = camera_fraction
        self.camera_exposed = camera_exposed
        self.patch = patch
        self.rng = np.random.default_rng(seed)
        self.enhancer = enhancer or LumosNetEnhancer()
        self.real = [
            make_example(_f32(low), _f32(high), self.enhancer) for low, high in sources.real_train
        ]
        # Most photos people have are JPEGs: their dark areas come with blocks and
        # ringing that brightening amplifies. A real pair is drawn this often as
        # its dark photo saved as a JPEG of quality 70-95 (one copy per pair).
        self.real_jpeg = real_jpeg if self.real else 0.0
        self.real_jpegs = [
            make_example(
                jpeg_roundtrip(_f32(low), int(self.rng.integers(70, 96))),
                _f32(high),
                self.enhancer,
                lossy=True,
            )
            for low, high in (sources.real_train if self.real_jpeg > 0 else [])
        ]
        self.clean_fraction = clean_fraction
        self.real_fraction = real_fraction if self.real else 0.0
        self.synthetic = [self._synthetic() for _ in range(pool)]
        self.identity = [self._identity() for _ in range(max(4, pool // 8))]

    def _synthetic(self) -> DnExample:
        clean = _f32(self.sources.clean[int(self.rng.integers(len(self.sources.clean)))])
        low_jpeg = self.dark_jpeg > 0 and self.rng.random() < self.dark_jpeg
        if not low_jpeg and self.camera_fraction > 0 and self.rng.random() < self.camera_fraction:
            return self._camera(clean)
        params = sample_params(self.rng, correlated_probability=self.correlated_noise)
        if low_jpeg:
            params = replace(params, jpeg_quality=int(self.rng.integers(*LOW_JPEG_QUALITY)))
        dark = darken(clean, params, seed=int(self.rng.integers(2**31)))
        return make_example(dark, clean, self.enhancer, lossy=params.jpeg_quality is not None)

    def _camera(self, clean: np.ndarray) -> DnExample:
        """``clean`` through a random real camera: at its own exposure (0.6-1.2x, so
        mostly nothing to brighten) with probability ``camera_exposed``, else darkened
        (1/100-1/8, as :func:`lumos.data.sample_params`) and brightened as at run time."""
        exposed = self.rng.random() < self.camera_exposed
        cam = sample_camera(self.rng, exposure=(0.6, 1.2) if exposed else (1 / 100, 1 / 8))
        noisy, rendered = camera_noise(clean, cam, seed=int(self.rng.integers(2**31)))
        h, w = noisy.shape[:2]
        # A darkened shot's target is the photo at its own exposure, matched to the
        # brightness LumosNet chooses, as for the other dark photos.
        reference = rendered if exposed else clean[:h, :w]
        return make_example(noisy, reference, self.enhancer, lossy=cam.jpeg_quality is not None)

    def _identity(self) -> DnExample:
        clean = _f32(self.sources.clean[int(self.rng.integers(len(self.sources.clean)))])
        return make_example(clean, clean, self.enhancer)

    def refresh(self, count: int = 1) -> None:
        """Replace ``count`` random synthetic examples with new ones."""
        for _ in range(count):
            self.synthetic[int(self.rng.integers(len(self.synthetic)))] = self._synthetic()

    def _pick(self) -> DnExample:
        u = self.rng.random()
        if u < self.real_fraction:
            jpeg = self.real_jpegs and self.rng.random() < self.real_jpeg
            pool = self.real_jpegs if jpeg else self.real
        elif u < self.real_fraction + self.clean_fraction:
            pool = self.identity
        else:
            pool = self.synthetic
        return pool[int(self.rng.integers(len(pool)))]

    def sample(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One patch: (bright (P,P,3), sigma (P,P), target (P,P,3))."""
        ex = self._pick()
        h, w = ex.sigma.shape
        p = min(self.patch, h - h % 4, w - w % 4)
        y, x = int(self.rng.integers(0, h - p + 1)), int(self.rng.integers(0, w - p + 1))
        arrays = [a[y : y + p, x : x + p] for a in (ex.bright, ex.sigma, ex.target)]
        k, flip = int(self.rng.integers(4)), bool(self.rng.random() < 0.5)
        out = []
        for a in arrays:
            a = np.rot90(a, k)
            out.append(np.ascontiguousarray(a[:, ::-1] if flip else a))
        return out[0], out[1], out[2]

    def batch(self, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """NCHW float32: bright (B,3,P,P), sigma (B,1,P,P), target (B,3,P,P)."""
        parts = [self.sample() for _ in range(size)]
        side = min(b.shape[0] for b, _, _ in parts)
        bright = np.stack([b[:side, :side] for b, _, _ in parts]).transpose(0, 3, 1, 2)
        sigma = np.stack([s[:side, :side] for _, s, _ in parts])[:, None]
        target = np.stack([t[:side, :side] for _, _, t in parts]).transpose(0, 3, 1, 2)
        return (
            np.ascontiguousarray(bright),
            np.ascontiguousarray(sigma),
            np.ascontiguousarray(target),
        )


def validation_examples(
    sources: Sources, enhancer: LumosNetEnhancer
) -> list[tuple[str, DnExample]]:
    """The held-out LOL scenes, brightened as at run time."""
    return [
        (name, make_example(_f32(low), _f32(high), enhancer))
        for name, low, high in sources.real_val
    ]


CAMERA_VAL_SET = "set14"
"""Clean photos for the camera-noise validation: never in the denoiser's training data."""


def camera_validation_examples(
    data_root: Path, enhancer: LumosNetEnhancer, *, limit: int | None = None, seed: int = 7
) -> list[tuple[str, DnExample]]:
    """Set14 through random real cameras at their own exposure (fixed seeds): how well
    the net removes a well-exposed photo's real-camera noise, on photos it never saw."""
    from .dataset import _read_rgb

    folder = data_root / CAMERA_VAL_SET
    if not folder.is_dir():
        return []
    rng = np.random.default_rng(seed)
    out = []
    for p in sorted(folder.iterdir())[:limit]:
        if p.suffix.lower() not in (".png", ".bmp", ".jpg", ".tif"):
            continue
        clean = _f32(_read_rgb(p))
        cam = sample_camera(rng, exposure=(0.6, 1.2))
        noisy, rendered = camera_noise(clean, cam, seed=int(rng.integers(2**31)))
        out.append(
            (p.stem, make_example(noisy, rendered, enhancer, lossy=cam.jpeg_quality is not None))
        )
    return out


def dark_jpeg_validation_examples(
    data_root: Path, enhancer: LumosNetEnhancer, *, limit: int | None = None, seed: int = 9
) -> list[tuple[str, DnExample]]:
    """Set14 darkened 1/15 with sensor noise and saved as a JPEG of quality 20-60 (fixed
    seeds), as ``bench/do_no_harm.py`` makes its Kodak24 dark-JPEG set: dark, compressed
    photos on images the net never trains on."""
    from ..data import DarkenParams
    from .dataset import _read_rgb

    folder = data_root / CAMERA_VAL_SET
    if not folder.is_dir():
        return []
    rng = np.random.default_rng(seed)
    out = []
    for i, p in enumerate(sorted(folder.iterdir())[:limit]):
        if p.suffix.lower() not in (".png", ".bmp", ".jpg", ".tif"):
            continue
        clean = _f32(_read_rgb(p))
        quality = int(rng.integers(*LOW_JPEG_QUALITY))
        params = DarkenParams(
            exposure=1 / 15, shot_noise=3e-4, read_noise=1.5e-3, jpeg_quality=quality, seed=i
        )
        dark = darken(clean, params, seed=i)
        out.append((p.stem, make_example(dark, clean, enhancer, lossy=True)))
    return out


def _f32(u8: np.ndarray) -> np.ndarray:
    return u8.astype(np.float32) / np.float32(255)
