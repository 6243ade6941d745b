"""Synthetic low-light data: turn clean images into realistic dark, noisy ones."""

from __future__ import annotations

from .synth import (
    DarkenParams,
    add_sensor_noise,
    darken,
    jpeg_roundtrip,
    light_field,
    linear_to_srgb,
    sample_params,
    srgb_to_linear,
)

__all__ = [
    "DarkenParams",
    "add_sensor_noise",
    "darken",
    "jpeg_roundtrip",
    "light_field",
    "linear_to_srgb",
    "sample_params",
    "srgb_to_linear",
]
