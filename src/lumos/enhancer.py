"""The contract between the pipeline and an enhancer (classical now, learned models later).

An enhancer works in two steps so that full-resolution photos can run in tiles
with bounded memory and still look as if processed whole:

1. :meth:`Enhancer.prepare` looks at the whole image once (usually a small
   proxy of it) and makes every *global* decision: brightness curve, low-res
   illumination map, noise level, strengths. The result is a :class:`Plan`.
2. :meth:`Enhancer.process_region` enhances one tile. It may only use the tile's
   pixels, the plan, and the tile's position ``region`` in the full image; so
   overlapping tiles agree and can be blended without seams. ``plan.halo`` says
   how many pixels of context a tile needs on each side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ._types import FloatImage, Region
from .analysis import Analysis

__all__ = ["STAGE_NAMES", "Enhancer", "FrontStage", "Plan", "TileOutput"]

STAGE_NAMES = ("illumination", "brightened", "denoised", "detail")
"""Intermediates an enhancer can return for the explain report, in pipeline order."""


@dataclass(frozen=True)
class Plan:
    """Global decisions of one run; immutable so that tiles can run concurrently.

    Attributes
    ----------
    halo : int
        Context in pixels a tile needs on each side for an exact result.
    align : int
        Tile edges fall on multiples of this (e.g. 2 for a network that works
        on pixel-unshuffled 2x2 blocks).
    denoise : float
        Denoise strength actually used, in [0, 1].
    detail : float
        Detail strength actually used, in [0, 1].
    target_brightness : float
        Mean brightness aimed for.
    params : dict
        Enhancer-specific values (curve parameters, low-res maps, ...). ``"sigma"``,
        where an enhancer keeps the input's noise std there, may reach
        ``process_region`` as a per-pixel (h, w) map of the tile instead of a number:
        dehazing in front (:class:`lumos.stages.dehaze.Dehazed`) multiplies the noise by 1/t.
    """

    halo: int
    denoise: float
    detail: float
    target_brightness: float
    params: dict[str, Any] = field(default_factory=dict)
    align: int = 1


@dataclass
class TileOutput:
    """Result of one tile: the final pixels plus, on request, stage intermediates.

    ``intermediates`` maps a name of :data:`STAGE_NAMES` to an (h, w, 3) or (h, w)
    float32 array of the same height and width as ``image``.
    """

    image: FloatImage
    intermediates: dict[str, Any] = field(default_factory=dict)


class Enhancer(Protocol):
    """What the pipeline needs of an enhancer.

    ``tile_workers`` is how many tiles to run at once (``None``: one per core);
    an enhancer whose filters are already multi-threaded says 1.
    """

    name: str
    tile_workers: int | None

    def prepare(
        self,
        image: FloatImage,
        analysis: Analysis,
        *,
        denoise: float | None,
        detail: float | None,
        brightness: float | None,
        shadows: float | None = None,
    ) -> Plan: ...

    def process_region(
        self,
        tile: FloatImage,
        plan: Plan,
        region: Region,
        *,
        keep_intermediates: bool = False,
    ) -> TileOutput: ...


class FrontStage:
    """Base of an enhancer with a stage in front of it (dehazing, highlights): it wraps
    the inner enhancer and carries its name and tile workers, so that the pipeline and
    the doors see the enhancer the user chose."""

    def __init__(self, inner: Enhancer) -> None:
        self.inner = inner
        # getattr: stand-ins for an enhancer (tests) need not carry these.
        self.name: str = getattr(inner, "name", "")
        self.tile_workers: int | None = getattr(inner, "tile_workers", None)
