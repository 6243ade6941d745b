"""Analyse a photo: how dark, how noisy, uniform or uneven light.

Public: :class:`Analysis`, :func:`analyse`, :func:`estimate_noise`, :func:`noise_map`,
:func:`make_proxy`.
"""

from __future__ import annotations

from ._analyse import Analysis, analyse, make_proxy
from ._noise import estimate_noise, noise_map

__all__ = ["Analysis", "analyse", "estimate_noise", "make_proxy", "noise_map"]
