"""The classical pipeline as small stages: brighten, denoise, detail.

Each stage module is a flat list of plain functions on float32 arrays;
:class:`ClassicalEnhancer` (in :mod:`lumos.stages.classical`) strings them
together behind the :class:`lumos.enhancer.Enhancer` contract.
"""

from __future__ import annotations

from .classical import ClassicalEnhancer

__all__ = ["ClassicalEnhancer"]
