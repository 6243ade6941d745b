"""Audit a paired low-light dataset before trusting scores computed on it.

PSNR/SSIM against a reference mean something only if the pairs are sound: a
reference shifted by a few pixels costs several dB whatever the method, an
odd exposure ratio makes one pair dominate the mean, and a scene shared by
the train and test folders inflates test scores. :func:`audit_pairs` checks
a ``low/`` + ``high/`` folder pair (paired by file stem) for:

``unreadable``       a file with an image suffix that cannot be decoded
``duplicate_stem``   two files in one folder share a stem (``1.png``, ``1.jpg``)
``missing_partner``  a low file without a high one, or the reverse
``size_mismatch``    the two images of a pair differ in size
``misaligned``       phase correlation finds a shift above 1.5 px
``exposure_outlier`` the high/low linear-luminance ratio is far from the others'
``near_duplicate``   two references show the same scene (thumbnail correlation)
``shared_scene``     a reference matches an image of the ``against`` folder

Findings are facts about the data, not errors: the audit itself fails only
when a folder cannot be listed.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .._types import PathLike
from ..errors import InputError, LumosError
from ..io import SUPPORTED_SUFFIXES, read_image
from .image_stats import linear_luminance, luma

__all__ = ["AuditReport", "Finding", "PairStats", "audit_pairs"]

THUMB_SIZE = (48, 32)  # (width, height) of the scene thumbnails
_MAD_TO_SIGMA = 1.4826  # scales the median absolute deviation to a Gaussian's sigma
_MIN_LOG_SPREAD = 0.05  # ratios within ~5 % of each other never count as outliers
_ALIGN_BLUR = 1.5  # pre-blur so that amplified noise does not dominate the phase spectrum
_EPS = 1e-6


@dataclass(frozen=True)
class Finding:
    """One thing worth knowing about the dataset.

    Attributes
    ----------
    kind : str
        One of the kinds listed in the module docstring.
    files : tuple of str
        The files concerned (one or two paths).
    detail : str
        A readable explanation.
    value : float or None
        The measured quantity (shift in px, log ratio, correlation), if any.
    """

    kind: str
    files: tuple[str, ...]
    detail: str
    value: float | None = None


@dataclass(frozen=True)
class PairStats:
    """Measurements of one readable pair (shift is ``nan`` when sizes differ)."""

    stem: str
    low: str
    high: str
    shift_x: float
    shift_y: float
    shift: float
    response: float
    exposure_ratio: float


@dataclass
class AuditReport:
    """Everything :func:`audit_pairs` found."""

    low_dir: str
    high_dir: str
    against: str | None
    n_low: int
    n_high: int
    n_against: int = 0
    pairs: list[PairStats] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Number of findings of each kind, in order of first appearance."""
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.kind] = out.get(f.kind, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``nan`` becomes ``None``)."""
        d = asdict(self)
        for p in d["pairs"]:
            for k, v in p.items():
                if isinstance(v, float) and not math.isfinite(v):
                    p[k] = None
        d["counts"] = self.counts()
        return d


def _natural_key(name: str) -> list[tuple[int, int | str]]:
    return [(0, int(t)) if t.isdigit() else (1, t) for t in re.split(r"(\d+)", name) if t]


def _list_images(folder: Path, findings: list[Finding]) -> dict[str, Path]:
    if not folder.is_dir():
        raise InputError("not a folder (expected a folder of images)", path=folder)
    try:
        files = [
            p
            for p in folder.iterdir()
            if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in SUPPORTED_SUFFIXES
        ]
    except OSError as exc:
        raise InputError(f"cannot list the folder: {exc.strerror or exc}", path=folder) from exc
    by_stem: dict[str, Path] = {}
    for p in sorted(files, key=lambda p: _natural_key(p.name)):
        if p.stem in by_stem:
            findings.append(
                Finding("duplicate_stem", (str(by_stem[p.stem]), str(p)), "same stem; first kept")
            )
            continue
        by_stem[p.stem] = p
    return by_stem


def _read(path: Path, findings: list[Finding]) -> np.ndarray | None:
    try:
        return read_image(path).rgb
    except LumosError as exc:
        findings.append(Finding("unreadable", (str(path),), exc.message))
        return None


def _thumbnail(rgb: np.ndarray) -> np.ndarray:
    """Zero-mean, unit-norm 48x32 grey thumbnail: dot products are correlations."""
    t = cv2.resize(luma(rgb), THUMB_SIZE, interpolation=cv2.INTER_AREA).ravel()
    t = t - t.mean()
    norm = float(np.linalg.norm(t))
    return t / norm if norm > _EPS else np.zeros_like(t)


def _match_histogram(src: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Map ``src`` so that its histogram matches ``ref``'s (rank-preserving)."""
    _, inverse, counts = np.unique(src.ravel(), return_inverse=True, return_counts=True)
    ref_values, ref_counts = np.unique(ref.ravel(), return_counts=True)
    quantiles = np.cumsum(counts) / src.size
    ref_quantiles = np.cumsum(ref_counts) / ref.size
    return np.interp(quantiles, ref_quantiles, ref_values)[inverse].reshape(src.shape)


def _phase_shift(low: np.ndarray, high: np.ndarray) -> tuple[float, float, float]:
    """Shift (x, y) of ``low`` relative to ``high`` and the correlation peak's height.

    The low image is first given the reference's histogram: phase correlation
    compares structure, and a dark, noisy image would otherwise be matched
    mostly on its noise. The Hanning window stops the image borders from
    looking like a strong edge at shift zero.
    """
    lo = _match_histogram(luma(low), luma(high))
    hi = luma(high)
    lo = cv2.GaussianBlur(lo, (0, 0), _ALIGN_BLUR)
    hi = cv2.GaussianBlur(hi, (0, 0), _ALIGN_BLUR)
    window = cv2.createHanningWindow((hi.shape[1], hi.shape[0]), cv2.CV_64F)
    (dx, dy), response = cv2.phaseCorrelate(hi, lo, window)
    return float(dx), float(dy), float(response)


def _exposure_outliers(pairs: list[PairStats], n_mads: float) -> list[Finding]:
    if len(pairs) < 3:
        return []  # no meaningful "usual" ratio to compare with
    logs = np.log([p.exposure_ratio for p in pairs])
    median = float(np.median(logs))
    spread = max(_MAD_TO_SIGMA * float(np.median(np.abs(logs - median))), _MIN_LOG_SPREAD)
    out = []
    lo, hi = math.exp(median - n_mads * spread), math.exp(median + n_mads * spread)
    for p, lr in zip(pairs, logs, strict=True):
        if abs(lr - median) > n_mads * spread:
            out.append(
                Finding(
                    "exposure_outlier",
                    (p.low, p.high),
                    f"high/low linear luminance x{p.exposure_ratio:.1f}; "
                    f"median x{math.exp(median):.1f}, allowed x{lo:.1f}..x{hi:.1f}",
                    float(lr - median),
                )
            )
    return out


def _duplicates(
    thumbs_a: list[tuple[Path, np.ndarray]],
    thumbs_b: list[tuple[Path, np.ndarray]] | None,
    threshold: float,
) -> list[Finding]:
    within = thumbs_b is None
    other = thumbs_a if thumbs_b is None else thumbs_b
    if not thumbs_a or not other:
        return []
    corr = np.stack([t for _, t in thumbs_a]) @ np.stack([t for _, t in other]).T
    out = []
    for i, j in zip(*np.nonzero(corr > threshold), strict=True):
        pa, pb = thumbs_a[i][0], other[j][0]
        if (within and j <= i) or pa.resolve() == pb.resolve():
            continue
        kind, where = ("near_duplicate", "same folder") if within else ("shared_scene", "across")
        detail = f"thumbnail correlation {corr[i, j]:.3f} > {threshold:g} ({where})"
        out.append(Finding(kind, (str(pa), str(pb)), detail, float(corr[i, j])))
    return out


def audit_pairs(
    low_dir: PathLike,
    high_dir: PathLike,
    *,
    against: PathLike | None = None,
    shift_threshold: float = 1.5,
    duplicate_threshold: float = 0.9,
    outlier_mads: float = 3.0,
) -> AuditReport:
    """Check a paired low/high dataset for problems that would bias its scores.

    Parameters
    ----------
    low_dir, high_dir : path-like
        Folders of low-light inputs and their references, paired by file stem.
    against : path-like, optional
        Another folder of references (e.g. the training set's ``high``): any
        reference of ``high_dir`` showing one of its scenes is flagged.
    shift_threshold : float
        Flag pairs whose estimated shift exceeds this many pixels.
    duplicate_threshold : float
        Thumbnail correlation above which two references are the same scene.
    outlier_mads : float
        Flag exposure ratios further than this many (scaled) MADs from the
        median, in log space.

    Returns
    -------
    AuditReport
        Per-pair measurements and the list of findings.

    Raises
    ------
    InputError
        A folder does not exist or cannot be listed.

    Notes
    -----
    The exposure ratio is the mean linear luminance of the reference over the
    low image's; it is compared in log space, where halving and doubling are
    symmetric. The MAD is scaled by 1.4826 to estimate a standard deviation,
    with a floor of 0.05 (5 %) so that near-identical ratios are not flagged
    for rounding differences. Near-duplicates compare normalised 48x32 grey
    thumbnails of the references: correlation is insensitive to exposure and
    small shifts, but not to a different view of the scene.
    """
    low_dir, high_dir = Path(low_dir), Path(high_dir)
    findings: list[Finding] = []
    lows = _list_images(low_dir, findings)
    highs = _list_images(high_dir, findings)
    report = AuditReport(
        str(low_dir),
        str(high_dir),
        None if against is None else str(against),
        len(lows),
        len(highs),
    )
    stems = sorted(set(lows) | set(highs), key=_natural_key)
    thumbs: list[tuple[Path, np.ndarray]] = []
    for stem in stems:
        lp, hp = lows.get(stem), highs.get(stem)
        if lp is None or hp is None:
            here, there = (hp, low_dir) if lp is None else (lp, high_dir)
            findings.append(Finding("missing_partner", (str(here),), f"no '{stem}.*' in {there}"))
        low = None if lp is None else _read(lp, findings)
        high = None if hp is None else _read(hp, findings)
        if high is not None:
            thumbs.append((hp, _thumbnail(high)))
        if low is None or high is None:
            continue
        dx = dy = response = math.nan
        if low.shape != high.shape:
            findings.append(
                Finding(
                    "size_mismatch",
                    (str(lp), str(hp)),
                    f"low {low.shape[1]}x{low.shape[0]}, high {high.shape[1]}x{high.shape[0]}",
                )
            )
        else:
            dx, dy, response = _phase_shift(low, high)
        ratio = (float(linear_luminance(high).mean()) + _EPS) / (
            float(linear_luminance(low).mean()) + _EPS
        )
        pair = PairStats(stem, str(lp), str(hp), dx, dy, math.hypot(dx, dy), response, ratio)
        report.pairs.append(pair)
        if pair.shift > shift_threshold:
            findings.append(
                Finding(
                    "misaligned",
                    (str(lp), str(hp)),
                    f"shift ({dx:+.1f}, {dy:+.1f}) px, |shift| {pair.shift:.1f} > "
                    f"{shift_threshold:g}, response {response:.3f}",
                    pair.shift,
                )
            )
    findings.extend(_exposure_outliers(report.pairs, outlier_mads))
    findings.extend(_duplicates(thumbs, None, duplicate_threshold))
    if against is not None:
        other_findings: list[Finding] = []
        others = _list_images(Path(against), other_findings)
        other_thumbs = []
        for p in others.values():
            img = _read(p, other_findings)
            if img is not None:
                other_thumbs.append((p, _thumbnail(img)))
        report.n_against = len(other_thumbs)
        findings.extend(f for f in other_findings if f.kind == "unreadable")
        findings.extend(_duplicates(thumbs, other_thumbs, duplicate_threshold))
    report.findings = findings
    return report
