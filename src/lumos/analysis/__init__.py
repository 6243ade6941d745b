"""Analyse a photo: how dark, how noisy, uniform or uneven light.

Public: :class:`Analysis`, :func:`analyse`, :func:`estimate_noise`,
:func:`jpeg_blockiness`, :func:`noise_map`, :func:`make_proxy`, :func:`compression_note`.
"""

from __future__ import annotations

from ._analyse import Analysis, analyse, compression_note, make_proxy
from ._noise import estimate_noise, jpeg_blockiness, noise_map

__all__ = [
    "Analysis",
    "analyse",
    "compression_note",
    "estimate_noise",
    "jpeg_blockiness",
    "make_proxy",
    "noise_map",
]
