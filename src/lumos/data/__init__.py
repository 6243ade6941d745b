"""Synthetic low-light data: turn clean images into realistic dark, noisy ones."""

from __future__ import annotations

from .synth import DarkenParams, darken, linear_to_srgb, srgb_to_linear

__all__ = ["DarkenParams", "darken", "linear_to_srgb", "srgb_to_linear"]
