"""The noise-versus-detail balance: the same crops at several denoise / detail settings.

Why this is exact and still fast: an enhancer makes every global decision in
``prepare`` and then treats each tile on its own (:mod:`lumos.enhancer`), so
running :meth:`~lumos.enhancer.Enhancer.process_region` on a crop plus
``plan.halo`` pixels of context gives exactly the pixels a full run at that
setting would produce there, at the cost of the crop alone. Only ``prepare``
sees the whole photo (on small proxies), once per setting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from .._types import FloatImage, Region
from ..analysis import Analysis
from ..enhancer import Enhancer, Plan
from ._measure import Edges, noise_sigma, sharpness, to_uint8
from ._model import SweepCell

__all__ = ["DENOISE_STEPS", "DETAIL_STEPS", "enhance_crop", "sweep"]

DENOISE_STEPS = (0.0, 0.5, 1.0, 1.5, 2.0)  # above 1: smoother than the measured noise asks
DETAIL_STEPS = (0.0, 0.5, 1.0)


def _aligned(lo: int, hi: int, size: int, align: int) -> tuple[int, int]:
    """Widen ``[lo, hi)`` to multiples of ``align`` inside ``[0, size]``."""
    if align <= 1:
        return lo, hi
    lo = (lo // align) * align
    hi = min(size, -(-hi // align) * align)
    return lo, hi


def enhance_crop(rgb: FloatImage, enhancer: Enhancer, plan: Plan, box: Region) -> FloatImage:
    """The enhancer's output on ``box`` of ``rgb``, as a full run would produce it.

    Parameters
    ----------
    rgb : (H, W, 3) float32 ndarray
        The whole input photo.
    enhancer : Enhancer
    plan : Plan
        From ``enhancer.prepare`` on the whole photo.
    box : (y0, y1, x0, x1)
        Full-resolution window.

    Returns
    -------
    (y1 - y0, x1 - x0, 3) float32 ndarray in [0, 1]
    """
    h, w = rgb.shape[:2]
    y0, y1, x0, x1 = box
    ry0, ry1 = _aligned(max(0, y0 - plan.halo), min(h, y1 + plan.halo), h, plan.align)
    rx0, rx1 = _aligned(max(0, x0 - plan.halo), min(w, x1 + plan.halo), w, plan.align)
    tile = np.ascontiguousarray(rgb[ry0:ry1, rx0:rx1])
    out = enhancer.process_region(tile, plan, (ry0, ry1, rx0, rx1)).image
    crop = out[y0 - ry0 : y1 - ry0, x0 - rx0 : x1 - rx0]
    return np.clip(crop, 0.0, 1.0).astype(np.float32, copy=False)


def sweep(
    rgb: FloatImage,
    analysis: Analysis,
    enhancer: Enhancer,
    *,
    flat_box: Region,
    edge_box: Region,
    chosen: tuple[float, float],
    brightness: float | None,
    shadows: float | None = None,
    denoise_steps: Sequence[float] = DENOISE_STEPS,
    detail_steps: Sequence[float] = DETAIL_STEPS,
) -> list[SweepCell]:
    """Enhance both crops over the grid ``denoise_steps`` x ``detail_steps``, plus ``chosen``.

    Parameters
    ----------
    rgb : (H, W, 3) float32 ndarray
        The whole input photo.
    analysis : Analysis
        Its analysis (shared by every setting).
    enhancer : Enhancer
    flat_box, edge_box : (y0, y1, x0, x1)
        The dark flat crop (noise is measured there) and the edge crop
        (sharpness is measured there).
    chosen : (denoise, detail)
        The strengths the real run used; measured too and marked ``chosen``.
    brightness : float or None
        The user's brightness option, so every cell is as bright as the result.
    shadows : float or None
        The user's shadows option, so every cell's shadows are opened up as the result's.

    Returns
    -------
    list of SweepCell
        Detail-major grid order, then the chosen setting last.
    """
    settings = [(dn, dt) for dt in detail_steps for dn in denoise_steps]
    settings.append((float(chosen[0]), float(chosen[1])))
    crops: list[tuple[FloatImage, FloatImage]] = []
    plans: dict[float, Plan] = {}
    for dn, dt in settings:
        if enhancer.name == "classical" and dn in plans:
            # The classical prepare uses ``detail`` only to store it in the plan, so
            # one prepare per denoise value serves the whole column (3x faster).
            plan = replace(plans[dn], detail=float(dt))
        else:
            plan = enhancer.prepare(
                rgb, analysis, denoise=dn, detail=dt, brightness=brightness, shadows=shadows
            )
            plans[dn] = plan
        crops.append(
            (
                enhance_crop(rgb, enhancer, plan, flat_box),
                enhance_crop(rgb, enhancer, plan, edge_box),
            )
        )
    # One set of edges for every cell: the structure of the chosen setting's crop,
    # which is the crop of the real result (a noisy cell would offer grain as edges).
    edges = Edges(crops[-1][1])
    return [
        SweepCell(
            denoise=float(dn),
            detail=float(dt),
            noise=noise_sigma(flat),
            sharpness=sharpness(edge, edges),
            flat=to_uint8(flat),
            edge=to_uint8(edge),
            chosen=i == len(settings) - 1,
        )
        for i, ((dn, dt), (flat, edge)) in enumerate(zip(settings, crops, strict=True))
    ]
