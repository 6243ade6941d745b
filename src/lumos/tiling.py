"""Run a per-tile function over a full-resolution image with seamless blending.

Why tiles: the expensive stages work on small overlapping windows, so peak
working memory depends on the tile size, not on the photo's (a 24 MP photo needs
only its input and output buffers plus a few tiles in flight).

How the seams disappear: every tile is processed with ``halo`` pixels of extra
context on each side. Of its result we keep the core plus a margin of ``blend``
pixels (``blend <= halo / 2``) and cross-fade neighbouring tiles with linear
ramps across their common boundary. The ramps of two neighbours sum to one, so a
function whose output does not depend on the tile (the usual case when ``halo``
covers its footprint) is reproduced exactly, and one that differs slightly near
tile edges is faded rather than cut.

Enlarging functions (the upscaler) return arrays ``scale`` times the tile's
size; every input region then maps to the output region ``scale`` times it, and
the ramps are laid out on the output grid (``run_tiled(..., scale=2)``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ._types import FloatImage, ProgressFn, Region
from .enhancer import TileOutput

__all__ = ["STRIP_TILE_MAX", "Tile", "plan_tiles", "run_tiled"]

TileFn = Callable[[FloatImage, Region], TileOutput]
"""``fn(padded_tile, padded_region) -> TileOutput``; arrays the tile's size (or ``scale`` x it)."""


STRIP_TILE_MAX = 4096
"""Longest core of a tile of a thin strip (:func:`plan_tiles`); OpenCV's remap, which
samples the low-resolution maps, refuses more than 32767 px, and an upscaler makes 4x."""


@dataclass(frozen=True)
class Tile:
    """One tile: its core (what it owns) and the padded window it is computed on."""

    core: Region
    padded: Region
    keep: Region
    """The part of the padded result that is blended into the output."""


def _axis_spans(length: int, tile: int, align: int = 1) -> list[tuple[int, int]]:
    """Split ``[0, length)`` into near-equal cores of about ``tile`` pixels.

    Inner edges fall on multiples of ``align``.
    """
    if tile <= 0 or length <= tile:
        return [(0, length)]
    count = math.ceil(length / tile)
    inner = [round(i * length / count / align) * align for i in range(1, count)]
    edges = sorted({0, length, *(e for e in inner if 0 < e < length)})
    return list(itertools.pairwise(edges))


def plan_tiles(height: int, width: int, *, tile: int, halo: int, align: int = 1) -> list[Tile]:
    """Lay out tiles covering a ``height`` x ``width`` image.

    Parameters
    ----------
    height, width : int
        Image size in pixels.
    tile : int
        Target core size; ``0`` means one tile for the whole image.
    halo : int
        Context pixels added on each side of a core (clipped at the image border).
    align : int
        Inner tile edges and padded starts fall on multiples of ``align``.

    Returns
    -------
    list of Tile
        Row-major order.

    Examples
    --------
    >>> [t.core for t in plan_tiles(100, 150, tile=64, halo=8)][:2]
    [(0, 50, 0, 50), (0, 50, 50, 100)]
    """
    halo = -(-halo // align) * align  # round up so padded starts stay aligned
    blend = halo // 2
    tile_h = tile_w = tile
    if tile > 0 and min(height, width) < tile:
        # A strip thinner than a tile: tiles of a tile's area, not of its side. Each
        # tile costs a fixed overhead (several network calls), and a 1 x 1,600,000 px
        # strip in 1 x 512 tiles spent its time on 3125 of them.
        long_tile = max(tile, min(STRIP_TILE_MAX, tile * tile // max(1, min(height, width))))
        if height < width:
            tile_w = long_tile
        else:
            tile_h = long_tile
    tiles = []
    for y0, y1 in _axis_spans(height, tile_h, align):
        for x0, x1 in _axis_spans(width, tile_w, align):
            padded = (
                max(0, y0 - halo),
                min(height, y1 + halo),
                max(0, x0 - halo),
                min(width, x1 + halo),
            )
            keep = (
                max(0, y0 - blend),
                min(height, y1 + blend),
                max(0, x0 - blend),
                min(width, x1 + blend),
            )
            tiles.append(Tile(core=(y0, y1, x0, x1), padded=padded, keep=keep))
    return tiles


def _ramp(
    start: int, stop: int, core_start: int, core_stop: int, length: int, blend: int
) -> np.ndarray:
    """1-D weights over ``[start, stop)``: linear fades across interior core boundaries.

    A fade spans ``[core_start - blend, core_start + blend)``; the neighbour's
    fade over the same pixels is its mirror image, so the two sum to exactly one.
    """
    pos = np.arange(start, stop, dtype=np.float32) + 0.5
    w = np.ones(stop - start, dtype=np.float32)
    if blend > 0:
        if core_start > 0:
            w *= np.clip((pos - (core_start - blend)) / (2 * blend), 0.0, 1.0)
        if core_stop < length:
            w *= np.clip(((core_stop + blend) - pos) / (2 * blend), 0.0, 1.0)
    return w


def _iter_results(
    fn: TileFn, image: FloatImage, tiles: list[Tile], workers: int
) -> Iterator[tuple[Tile, TileOutput]]:
    def run(t: Tile) -> TileOutput:
        y0, y1, x0, x1 = t.padded
        return fn(image[y0:y1, x0:x1], t.padded)

    if workers <= 1 or len(tiles) == 1:
        for t in tiles:
            yield t, run(t)
        return
    # Threads, not processes: OpenCV and NumPy release the GIL in the heavy calls,
    # and threads share the input without copying. At most 2*workers tiles are
    # in flight, which keeps memory bounded.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending = []
        it = iter(tiles)
        for t in it:
            pending.append((t, pool.submit(run, t)))
            if len(pending) >= 2 * workers:
                t0, fut = pending.pop(0)
                yield t0, fut.result()
        for t0, fut in pending:
            yield t0, fut.result()


def run_tiled(
    fn: TileFn,
    image: FloatImage,
    *,
    tile: int,
    halo: int,
    align: int = 1,
    keep_intermediates: bool = False,
    workers: int = 1,
    progress: ProgressFn | None = None,
    scale: int = 1,
) -> TileOutput:
    """Apply ``fn`` tile by tile and blend the results into full-size arrays.

    Parameters
    ----------
    fn : callable
        ``fn(padded_tile, padded_region) -> TileOutput``; the output arrays have the
        tile's height and width.
    image : (H, W, 3) float32 ndarray
        The whole image.
    tile : int
        Core tile size in pixels; ``0`` processes the whole image in one call.
    halo : int
        Context each tile needs; the blend margin is ``halo // 2``.
    align : int
        Tile edges fall on multiples of ``align``.
    keep_intermediates : bool
        Also assemble ``TileOutput.intermediates`` into full-size arrays.
    workers : int
        Tiles processed concurrently (threads).
    progress : callable, optional
        ``progress(done, total)`` after each tile.
    scale : int
        Size factor of ``fn``'s final image over its input tile (1, or 2 and 4
        for an upscaler). Each returned array may be at the tile's size or
        ``scale`` times it; it is assembled at the matching full size.

    Returns
    -------
    TileOutput
        Full-size final image and, on request, full-size intermediates.
    """
    height, width = image.shape[:2]
    tiles = plan_tiles(height, width, tile=tile, halo=halo, align=align)
    blend = (-(-halo // align) * align) // 2
    total = len(tiles)
    if total == 1:
        out = fn(image, (0, height, 0, width))
        if progress is not None:
            progress(1, 1)
        return out

    acc: dict[str, np.ndarray] = {}
    factor_of: dict[str, int] = {}
    weights: dict[int, np.ndarray] = {}
    for done, (t, res) in enumerate(_iter_results(fn, image, tiles, workers), start=1):
        arrays = {"image": res.image}
        if keep_intermediates:
            arrays.update(res.intermediates)
        padded_h = t.padded[1] - t.padded[0]
        blended: set[int] = set()
        for name, arr in arrays.items():
            f = 1 if arr.shape[0] == padded_h else scale
            if arr.shape[0] != padded_h * f:
                raise ValueError(
                    f"tile output {name!r} has height {arr.shape[0]}; "
                    f"expected {padded_h} or {padded_h * scale}"
                )
            py0, _, px0, _ = (v * f for v in t.padded)
            ky0, ky1, kx0, kx1 = (v * f for v in t.keep)
            wy = _ramp(ky0, ky1, t.core[0] * f, t.core[1] * f, height * f, blend * f)
            wx = _ramp(kx0, kx1, t.core[2] * f, t.core[3] * f, width * f, blend * f)
            w2 = wy[:, None] * wx[None, :]
            if f not in weights:
                weights[f] = np.zeros((height * f, width * f), dtype=np.float32)
            if f not in blended:
                weights[f][ky0:ky1, kx0:kx1] += w2
                blended.add(f)
            part = arr[ky0 - py0 : ky1 - py0, kx0 - px0 : kx1 - px0]
            if name not in acc:
                acc[name] = np.zeros((height * f, width * f, *arr.shape[2:]), dtype=np.float32)
                factor_of[name] = f
            w = w2 if part.ndim == 2 else w2[:, :, None]
            acc[name][ky0:ky1, kx0:kx1] += part * w
        if progress is not None:
            progress(done, total)

    # The weights already sum to one everywhere; dividing guards against rounding.
    for weight in weights.values():
        np.maximum(weight, 1e-6, out=weight)
    for name, arr in acc.items():
        weight = weights[factor_of[name]]
        if arr.ndim == 3:
            arr /= weight[:, :, None]
        else:
            arr /= weight
    final = acc.pop("image")
    return TileOutput(image=final, intermediates=acc)
