"""NIQE: a no-reference "naturalness" score for photos without a reference.

NIQE (Mittal, Soundararajan & Bovik, 2013) [1]_ measures how far the local
statistics of a photo are from those of pristine natural photos. It needs no
reference and no training on distorted images, which makes it usable on the
unpaired low-light sets (DICM, LIME, ...) where PSNR/SSIM cannot be computed.
Lower is more natural.

How it works (all on the luma, 0..255 scale):

1. MSCN coefficients: subtract a local mean and divide by a local standard
   deviation, both with a 7x7 Gaussian window (sigma 7/6). For natural photos
   their histogram is close to a generalised Gaussian (GGD); distortions change
   its shape: blur makes it peakier, noise makes it more Gaussian.
2. The image is cut into 96x96 patches. Each patch gives 18 features: the GGD
   shape and variance of its MSCN values and, for each of the four neighbour
   products (horizontal, vertical, both diagonals), an asymmetric GGD (AGGD)
   shape, mean, left and right variance. The same is repeated on the image
   downscaled by 2 (bicubic, 48x48 patches): 36 features per patch.
3. A multivariate Gaussian (MVG) is fitted to the features of the sharpest
   patches (sharpness >= 0.75 of the image's sharpest) of many clean photos:
   that is the pristine model, shipped as ``niqe_params.npz`` and fitted by
   ``scripts/fit_niqe.py``.
4. A test photo's patches (all of them) give a second MVG; the score is
   ``sqrt((mu1 - mu2)^T pinv((S1 + S2) / 2) (mu1 - mu2))``.

The shipped model is fitted on Kodak24 (500x500 crops), CBSD68 and McMaster,
so absolute values differ from MATLAB NIQE's published model; compare scores
computed with the same model only.

References
----------
.. [1] A. Mittal, R. Soundararajan and A. C. Bovik, "Making a 'completely
   blind' image quality analyzer", IEEE Signal Processing Letters 20(3),
   pp. 209-212, 2013.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from .._types import PathLike
from ..errors import InputError

__all__ = [
    "DEFAULT_PARAMS_PATH",
    "PATCH_SIZE",
    "SHARPNESS_FRACTION",
    "NiqeModel",
    "fit_aggd",
    "fit_ggd",
    "fit_niqe_model",
    "load_niqe_model",
    "niqe",
    "niqe_features",
]

PATCH_SIZE = 96
"""Side of the square patches at full scale (48 at half scale)."""

SHARPNESS_FRACTION = 0.75
"""A patch is pristine if its sharpness is at least this fraction of the image's sharpest."""

DEFAULT_PARAMS_PATH = Path(__file__).with_name("niqe_params.npz")

_WINDOW_SIZE = 7
_WINDOW_SIGMA = 7.0 / 6.0
_MSCN_C = 1.0  # keeps the division stable in flat regions (luma on the 0..255 scale)
_SHAPE_GRID = np.arange(0.2, 10.0, 0.001)
_DEGENERATE_GGD = (float(_SHAPE_GRID[0]), 0.0)  # a flat patch: as unnatural as it gets
_DEGENERATE_AGGD = (float(_SHAPE_GRID[0]), 0.0, 0.0, 0.0)
_TINY = 1e-10


@dataclass(frozen=True)
class NiqeModel:
    """The pristine multivariate Gaussian.

    Attributes
    ----------
    mu : (36,) ndarray
        Mean feature vector of the pristine patches.
    cov : (36, 36) ndarray
        Their covariance.
    meta : dict
        Provenance: sources, patch size, image and patch counts.
    """

    mu: np.ndarray
    cov: np.ndarray
    meta: dict[str, object] = field(default_factory=dict)

    def save(self, path: PathLike) -> None:
        """Write the model as ``.npz`` (no pickles: strings are stored as arrays)."""
        extra = {f"meta_{k}": np.asarray(v) for k, v in self.meta.items()}
        np.savez(path, mu=self.mu, cov=self.cov, **extra)


@lru_cache(maxsize=1)
def _shape_tables() -> tuple[np.ndarray, np.ndarray]:
    """rho(a) = G(1/a)G(3/a)/G(2/a)^2 for the GGD and its inverse for the AGGD, on the grid."""
    lg = np.vectorize(math.lgamma)
    a = _SHAPE_GRID
    log_rho = lg(1.0 / a) + lg(3.0 / a) - 2.0 * lg(2.0 / a)
    rho = np.exp(log_rho)
    return rho, 1.0 / rho


def fit_ggd(x: np.ndarray) -> tuple[float, float]:
    """Fit a zero-mean generalised Gaussian by moment matching.

    Parameters
    ----------
    x : ndarray
        Samples (any shape).

    Returns
    -------
    shape, variance : float
        ``shape`` is 2 for a Gaussian, 1 for a Laplacian; searched on a grid
        0.2..10 in steps of 0.001. All-zero input gives ``(0.2, 0.0)``.

    Notes
    -----
    For a GGD, ``E[x^2] / E[|x|]^2 = G(1/a) G(3/a) / G(2/a)^2``, a monotonic
    function of the shape ``a``; the closest grid value wins.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    var = float(np.mean(x * x))
    mean_abs = float(np.mean(np.abs(x)))
    if var < _TINY or mean_abs < _TINY:
        return _DEGENERATE_GGD
    rho, _ = _shape_tables()
    shape = _SHAPE_GRID[np.argmin(np.abs(rho - var / mean_abs**2))]
    return float(shape), var


def fit_aggd(x: np.ndarray) -> tuple[float, float, float, float]:
    """Fit an asymmetric generalised Gaussian by moment matching.

    Parameters
    ----------
    x : ndarray
        Samples (any shape).

    Returns
    -------
    shape, mean, left_var, right_var : float
        The shared shape, the distribution's mean, and the variances of the
        negative and positive halves. Input without both signs gives
        ``(0.2, 0, 0, 0)``.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    left, right = x[x < 0], x[x > 0]
    if left.size == 0 or right.size == 0:
        return _DEGENERATE_AGGD
    sigma_l = math.sqrt(float(np.mean(left * left)))
    sigma_r = math.sqrt(float(np.mean(right * right)))
    mean_sq = float(np.mean(x * x))
    if sigma_l < _TINY or sigma_r < _TINY or mean_sq < _TINY:
        return _DEGENERATE_AGGD
    g = sigma_l / sigma_r
    r_hat = float(np.mean(np.abs(x))) ** 2 / mean_sq
    # Unbias r_hat for the asymmetry, then match G(2/a)^2 / (G(1/a) G(3/a)).
    big_r = r_hat * (g**3 + 1.0) * (g + 1.0) / (g**2 + 1.0) ** 2
    _, inv_rho = _shape_tables()
    shape = float(_SHAPE_GRID[np.argmin(np.abs(inv_rho - big_r))])
    ratio = math.exp(math.lgamma(2.0 / shape) - math.lgamma(1.0 / shape))
    scale = math.exp(0.5 * (math.lgamma(1.0 / shape) - math.lgamma(3.0 / shape)))
    mean = (sigma_r - sigma_l) * scale * ratio
    return shape, mean, sigma_l**2, sigma_r**2


def _luma255(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 3:
        y = image[..., 0] * 0.299 + image[..., 1] * 0.587 + image[..., 2] * 0.114
    elif image.ndim == 2:
        y = image
    else:
        raise InputError(f"NIQE needs an RGB (H, W, 3) or grey (H, W) image, got {image.shape}")
    return np.clip(y.astype(np.float64), 0.0, 1.0) * 255.0


def _mscn(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """MSCN coefficients and the local standard deviation (used as sharpness)."""
    win = (_WINDOW_SIZE, _WINDOW_SIZE)
    mu = cv2.GaussianBlur(y, win, _WINDOW_SIGMA, borderType=cv2.BORDER_REPLICATE)
    var = cv2.GaussianBlur(y * y, win, _WINDOW_SIGMA, borderType=cv2.BORDER_REPLICATE) - mu * mu
    sigma = np.sqrt(np.abs(var))
    return (y - mu) / (sigma + _MSCN_C), sigma


def _block_features(m: np.ndarray) -> list[float]:
    """The 18 features of one patch of MSCN coefficients."""
    feats = list(fit_ggd(m))
    # Neighbour products within the patch (no wrap-around): H, V, D1, D2.
    products = (
        m[:, :-1] * m[:, 1:],
        m[:-1, :] * m[1:, :],
        m[:-1, :-1] * m[1:, 1:],
        m[:-1, 1:] * m[1:, :-1],
    )
    for p in products:
        feats.extend(fit_aggd(p))
    return feats


def _downscale2(y: np.ndarray) -> np.ndarray:
    # Pillow's bicubic widens its kernel when shrinking (anti-aliased, like MATLAB's imresize).
    h, w = y.shape
    small = Image.fromarray(y.astype(np.float32)).resize((w // 2, h // 2), Image.Resampling.BICUBIC)
    return np.asarray(small, dtype=np.float64)


def _patch_features(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Features (n, 36) of every whole patch and each patch's sharpness (n,)."""
    y = _luma255(image)
    h, w = y.shape
    p = PATCH_SIZE
    if h < p or w < p:
        raise InputError(f"NIQE needs at least {p}x{p} pixels, got {h}x{w}")
    rows, cols = h // p, w // p
    y = y[: rows * p, : cols * p]  # whole patches only, as in the paper
    feats = np.empty((rows * cols, 36))
    sharpness = np.empty(rows * cols)
    for scale, img in enumerate((y, _downscale2(y))):
        m, sigma = _mscn(img)
        s = p >> scale
        for i in range(rows):
            for j in range(cols):
                k = i * cols + j
                block = (slice(i * s, (i + 1) * s), slice(j * s, (j + 1) * s))
                feats[k, scale * 18 : (scale + 1) * 18] = _block_features(m[block])
                if scale == 0:
                    sharpness[k] = float(np.mean(sigma[block]))
    return feats, sharpness


def niqe_features(image: np.ndarray, *, pristine: bool = False) -> np.ndarray:
    """The 36 NIQE features of each 96x96 patch of an image.

    Parameters
    ----------
    image : (H, W, 3) or (H, W) ndarray
        RGB or grey, float in [0, 1]; at least 96x96.
    pristine : bool
        Keep only the patches whose sharpness (mean local standard deviation)
        is at least 0.75 of the sharpest patch's, as when fitting the model.

    Returns
    -------
    (n, 36) ndarray
        One row per patch, in row-major patch order.

    Raises
    ------
    InputError
        The image is smaller than 96x96 or not (H, W[, 3]).
    """
    feats, sharpness = _patch_features(image)
    if pristine:
        feats = feats[sharpness >= SHARPNESS_FRACTION * sharpness.max()]
    return feats


def fit_niqe_model(images: Iterable[np.ndarray], *, meta: dict | None = None) -> NiqeModel:
    """Fit the pristine MVG to the sharpest patches of clean images.

    Parameters
    ----------
    images : iterable of ndarray
        Clean photos, RGB float in [0, 1], each at least 96x96.
    meta : dict, optional
        Provenance stored with the model; ``n_images`` and ``n_patches`` are added.

    Returns
    -------
    NiqeModel
    """
    rows = [niqe_features(img, pristine=True) for img in images]
    if not rows:
        raise InputError("no images to fit the NIQE model on")
    feats = np.concatenate(rows)
    if feats.shape[0] < 2:
        raise InputError("need at least 2 pristine patches to fit the NIQE model")
    info = dict(meta or {})
    info.update(n_images=len(rows), n_patches=int(feats.shape[0]), patch_size=PATCH_SIZE)
    info.setdefault("sharpness_fraction", SHARPNESS_FRACTION)
    return NiqeModel(mu=feats.mean(axis=0), cov=np.cov(feats, rowvar=False), meta=info)


@lru_cache(maxsize=4)
def _load_cached(path: str) -> NiqeModel:
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = {k[5:]: data[k].tolist() for k in data.files if k.startswith("meta_")}
            return NiqeModel(mu=np.array(data["mu"]), cov=np.array(data["cov"]), meta=meta)
    except (OSError, KeyError, ValueError) as exc:
        raise InputError(f"cannot load the NIQE model: {exc}", path=path) from exc


def load_niqe_model(path: PathLike | None = None) -> NiqeModel:
    """Load a pristine model written by :meth:`NiqeModel.save` (default: the shipped one)."""
    return _load_cached(str(Path(path) if path is not None else DEFAULT_PARAMS_PATH))


def niqe(rgb: np.ndarray, params: NiqeModel | PathLike | None = None) -> float:
    """NIQE score of a photo: lower is more natural.

    Parameters
    ----------
    rgb : (H, W, 3) ndarray
        RGB float in [0, 1] (a grey (H, W) array is accepted too). At least
        96x96; only whole 96x96 patches from the top-left are used.
    params : NiqeModel or path-like, optional
        The pristine model; default: the shipped ``niqe_params.npz``.

    Returns
    -------
    float
        Distance between the pristine MVG and the image's MVG. Typical clean
        photos score about 3-5 with the shipped model; noise or blur raise it.

    Raises
    ------
    InputError
        The image is smaller than 96x96 (too small for one patch; pad it or
        measure a larger version), or the model file cannot be loaded.

    Notes
    -----
    An image with a single patch (96..191 pixels on a side) has no patch
    covariance; its covariance is taken as zero, so only the pristine
    covariance weighs the distance. Deterministic: no random sampling.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> img = rng.random((128, 128, 3)).astype(np.float32)
    >>> niqe(img) > 0
    True
    """
    model = params if isinstance(params, NiqeModel) else load_niqe_model(params)
    feats = niqe_features(rgb)
    mu = feats.mean(axis=0)
    cov = np.cov(feats, rowvar=False) if feats.shape[0] > 1 else np.zeros_like(model.cov)
    diff = model.mu - mu
    dist2 = float(diff @ np.linalg.pinv((model.cov + cov) / 2.0) @ diff)
    return math.sqrt(max(dist2, 0.0))
