"""Evaluation helpers: full-reference metrics for benchmarks."""

from __future__ import annotations

from .metrics import gt_mean_psnr, psnr, ssim, to_uint8

__all__ = ["gt_mean_psnr", "psnr", "ssim", "to_uint8"]
