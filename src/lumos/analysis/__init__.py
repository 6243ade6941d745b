"""Analyse a photo: how dark, how noisy, uniform or uneven light.

Public: :class:`Analysis`, :func:`analyse`, :func:`estimate_noise`,
:func:`jpeg_blockiness`, :func:`noise_map`, :func:`make_proxy`, :func:`compression_note`,
:func:`measure_haze` (is there haze?), :func:`tone_statistics` (the tone fields alone).
"""

from __future__ import annotations

from ._analyse import Analysis, analyse, compression_note, make_proxy, tone_statistics
from ._haze import HAZY_AT, HazeReading, dark_channel, measure_haze
from ._noise import estimate_noise, jpeg_blockiness, noise_map

__all__ = [
    "HAZY_AT",
    "Analysis",
    "HazeReading",
    "analyse",
    "compression_note",
    "dark_channel",
    "estimate_noise",
    "jpeg_blockiness",
    "make_proxy",
    "measure_haze",
    "noise_map",
    "tone_statistics",
]
