"""LumosNet at inference: ONNX Runtime, whole-photo decisions once, tiles for the rest.

``prepare`` runs the global network on a small proxy of the photo and keeps its
coefficient maps; ``process_region`` samples those maps at the tile's
full-resolution positions, brightens the tile, and runs the local network on it
(see :mod:`lumos.train.archs` for why it is split this way). The weights ship in
``lumos/models/weights/lumosnet/`` with their training record; nothing is
downloaded.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np

from .._color import LUMA as _LUMA
from .._types import FloatImage, Region
from ..analysis import Analysis
from ..enhancer import Plan, TileOutput
from ..errors import ModelError
from ..stages._filters import sample_lowres
from ..stages.classical import auto_strengths
from ..stages.detail import footprint as detail_footprint
from ..stages.detail import sharpen_luma

__all__ = ["WEIGHTS_DIR", "LumosNetEnhancer", "make_proxy"]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights" / "lumosnet"
PROXY_FACTOR = 4
PROXY_MAX_SIDE = 512
LOG_GAIN_MIN, LOG_GAIN_MAX = -1.0, 5.0
# The local network's receptive field is 12 px, the detail stage's a few more;
# the rest is room for the cross-fade.
_HALO = 24 + detail_footprint()
_RESIDUAL_NOISE = 0.35  # share of the noise assumed left after the network (gates sharpening)


def make_proxy(image: np.ndarray) -> np.ndarray:
    """The global network's input (same rule as in training: 1/4 size, long side <= 512)."""
    h, w = image.shape[:2]
    scale = min(1.0 / PROXY_FACTOR, PROXY_MAX_SIDE / max(h, w))
    ph, pw = max(8, round(h * scale)), max(8, round(w * scale))
    return cv2.resize(image, (pw, ph), interpolation=cv2.INTER_AREA)


class _Sessions:
    """Lazily created, shared ONNX Runtime sessions (thread-safe to run)."""

    _lock = threading.Lock()
    _cache: ClassVar[dict[Path, tuple[Any, Any]]] = {}

    @classmethod
    def get(cls, folder: Path) -> tuple[Any, Any]:
        with cls._lock:
            if folder not in cls._cache:
                try:
                    import onnxruntime as ort
                except ImportError as exc:  # pragma: no cover - a core dependency
                    raise ModelError(f"onnxruntime is not installed: {exc}") from None
                opts = ort.SessionOptions()
                # Tiles run in parallel threads; one ORT thread each avoids oversubscription.
                opts.intra_op_num_threads = 1
                opts.inter_op_num_threads = 1
                try:
                    sessions = tuple(
                        ort.InferenceSession(
                            str(folder / name), opts, providers=["CPUExecutionProvider"]
                        )
                        for name in ("global.onnx", "local.onnx")
                    )
                except Exception as exc:
                    raise ModelError(f"cannot load LumosNet weights from {folder}: {exc}") from None
                cls._cache[folder] = sessions  # type: ignore[assignment]
            return cls._cache[folder]


class LumosNetEnhancer:
    """The learned enhancer (``--model lumosnet``)."""

    name = "lumosnet"
    # Each ONNX Runtime call uses one thread; tiles run in parallel, one per core.
    tile_workers = None

    def __init__(self, weights: Path = WEIGHTS_DIR) -> None:
        self.weights = Path(weights)
        if not (self.weights / "global.onnx").is_file():
            raise ModelError(f"LumosNet weights not found in {self.weights}")

    def prepare(
        self,
        image: FloatImage,
        analysis: Analysis,
        *,
        denoise: float | None,
        detail: float | None,
        brightness: float | None,
    ) -> Plan:
        g_sess, _ = _Sessions.get(self.weights)
        proxy = make_proxy(image)
        coeffs = g_sess.run(None, {"proxy": proxy.transpose(2, 0, 1)[None].copy()})[0][0]
        coeffs = np.ascontiguousarray(coeffs.transpose(1, 2, 0))  # (h2, w2, 6)
        predicted = self._mean_after_gain(proxy, coeffs)
        if brightness is not None:
            # Shift every log-gain by one constant until the proxy hits the target:
            # a global exposure change on top of the network's local decisions.
            for _ in range(4):
                coeffs[..., 3:] += np.log(brightness / max(predicted, 1e-4)) * 1.2
                predicted = self._mean_after_gain(proxy, coeffs)
        strength = 0.5 if denoise is None else float(denoise)
        if detail is None:
            # Same rule as the classical pipeline: less sharpening the noisier the result.
            gain = float(np.exp(coeffs[..., 3:].mean()))
            detail = auto_strengths(float(analysis.noise_sigma) * gain)[1]
        return Plan(
            halo=_HALO,
            align=2,
            denoise=strength,
            detail=float(detail),
            target_brightness=predicted,
            params={
                "coeffs": coeffs,
                "full_shape": image.shape[:2],
                "sigma": float(analysis.noise_sigma),
            },
        )

    @staticmethod
    def _mean_after_gain(proxy: np.ndarray, coeffs: np.ndarray) -> float:
        full = sample_lowres(coeffs, (0, proxy.shape[0], 0, proxy.shape[1]), proxy.shape[:2])
        bright, _ = _apply_gain(proxy, full)
        return float((bright @ _LUMA).mean())

    def process_region(
        self,
        tile: FloatImage,
        plan: Plan,
        region: Region,
        *,
        keep_intermediates: bool = False,
    ) -> TileOutput:
        _, l_sess = _Sessions.get(self.weights)
        p = plan.params
        maps = sample_lowres(p["coeffs"], region, p["full_shape"])
        bright, gain = _apply_gain(tile, maps)
        # The FFDNet-style knob: the network denoises as much as the map says.
        # denoise=0.5 is the trained operating point (the measured noise).
        sigma_map = gain.mean(axis=2) * np.float32(p["sigma"] * 2.0 * plan.denoise)
        h, w = tile.shape[:2]
        ph, pw = h % 2, w % 2  # odd sizes occur only at the image's bottom/right edge
        b_in = np.pad(bright, ((0, ph), (0, pw), (0, 0)), mode="reflect") if ph or pw else bright
        s_in = np.pad(sigma_map, ((0, ph), (0, pw)), mode="reflect") if ph or pw else sigma_map
        refined = l_sess.run(
            None,
            {
                "bright": b_in.transpose(2, 0, 1)[None].copy(),
                "sigma": s_in[None, None].astype(np.float32),
            },
        )[0][0].transpose(1, 2, 0)[:h, :w]
        refined = np.ascontiguousarray(refined, dtype=np.float32)
        out = refined
        if plan.detail > 0:
            y = refined @ _LUMA
            residual = sigma_map * np.float32(_RESIDUAL_NOISE / max(2.0 * plan.denoise, 1e-3))
            y_sharp = sharpen_luma(y, residual, amount=plan.detail)
            out = np.clip(refined + (y_sharp - y)[..., None], 0.0, 1.0).astype(np.float32)
        inter: dict[str, np.ndarray] = {}
        if keep_intermediates:
            inter = {
                "illumination": (1.0 / gain.mean(axis=2)).astype(np.float32),
                "brightened": bright,
                "denoised": refined,
                "detail": out,
            }
        return TileOutput(image=out, intermediates=inter)


def _apply_gain(image: np.ndarray, maps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    guide = image @ _LUMA
    log_gain = maps[..., :3] * guide[..., None] + maps[..., 3:]
    gain = np.exp(np.clip(log_gain, LOG_GAIN_MIN, LOG_GAIN_MAX)).astype(np.float32)
    return np.clip(image * gain, 0.0, 1.0).astype(np.float32), gain
