"""LumosSR at inference: ONNX Runtime sessions of the learned upscaler.

The network (:mod:`lumos.train.sr_arch`) takes a low-resolution tile and its
noise-level map and returns the residual to add to a bicubic enlargement
(``cv2.resize(INTER_CUBIC)``, the call used in training). One file per scale,
``sr_x2.onnx`` and ``sr_x4.onnx``, shipped in ``lumos/models/weights/sr/`` with
their training record and model card; nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._onnx import onnx_session

__all__ = ["SR_HALO", "SR_WEIGHTS_DIR", "sr_available", "sr_residual"]

SR_WEIGHTS_DIR = Path(__file__).resolve().parent / "weights" / "sr"
SR_HALO = 6
"""Receptive-field radius of the net in low-resolution pixels (six 3x3 convolutions)."""


def _path(scale: int, folder: Path = SR_WEIGHTS_DIR) -> Path:
    return folder / f"sr_x{scale}.onnx"


def sr_available(scale: int, folder: Path = SR_WEIGHTS_DIR) -> bool:
    """Whether the learned upscaler for ``scale`` is installed."""
    return _path(scale, folder).is_file()


def sr_residual(
    tile: np.ndarray, sigma: np.ndarray, scale: int, *, folder: Path = SR_WEIGHTS_DIR
) -> np.ndarray:
    """The net's correction of a bicubic enlargement of ``tile``.

    Parameters
    ----------
    tile : (h, w, 3) float32 ndarray
        RGB in [0, 1].
    sigma : (h, w) float32 ndarray
        Noise level to assume at each pixel (std, [0, 1] units).
    scale : {2, 4}

    Returns
    -------
    (h * scale, w * scale, 3) float32 ndarray
    """
    session = onnx_session(_path(scale, folder), "the upscaler")
    lr = np.ascontiguousarray(tile.transpose(2, 0, 1)[None], dtype=np.float32)
    sg = np.ascontiguousarray(sigma[None, None], dtype=np.float32)
    out = session.run(None, {"lr": lr, "sigma": sg})[0]
    return np.ascontiguousarray(out[0].transpose(1, 2, 0))
