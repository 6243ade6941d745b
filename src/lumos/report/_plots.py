"""The report's charts, drawn with matplotlib and returned as PNG bytes.

matplotlib is an optional dependency (the ``report`` extra) and is imported only
here, lazily. Figures are built with :class:`matplotlib.figure.Figure` and its
Agg canvas directly, never through ``pyplot``: no global state, no GUI backend,
safe to call from a server thread.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np

from ..errors import MissingExtraError
from ._model import ExplainReport

__all__ = ["histogram_png", "noise_map_png", "stages_png", "tradeoff_png"]

_IN, _OUT, _ACCENT = "#5b6b8c", "#e08a1e", "#c0392b"
_DPI = 110


def _figure(width: float, height: float) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingExtraError("the explain report", "report") from None
    fig = Figure(figsize=(width, height), dpi=_DPI)
    fig.patch.set_facecolor("white")
    return fig


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", pad_inches=0.08)
    return buf.getvalue()


def _style(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)


def histogram_png(report: ExplainReport) -> bytes:
    """Luma histograms of the input and the result, with their means."""
    fig = _figure(6.4, 2.5)
    ax = fig.subplots()
    n = len(report.histogram_in)
    edges = np.linspace(0, 255, n + 1)
    width = edges[1] - edges[0]
    ax.bar(
        edges[:-1],
        report.histogram_in * 100,
        width=width,
        align="edge",
        color=_IN,
        alpha=0.85,
        label="your photo",
    )
    ax.bar(
        edges[:-1],
        report.histogram_out * 100,
        width=width,
        align="edge",
        color=_OUT,
        alpha=0.55,
        label="result",
    )
    for mean, colour in (
        (report.analysis["mean_luminance"], _IN),
        (report.stage("output").mean_luminance, _OUT),
    ):
        ax.axvline(mean * 255, color=colour, lw=1.5, ls="--")
    ax.set_xlim(0, 255)
    ax.set_xlabel("brightness (luma, 0-255)", fontsize=9)
    ax.set_ylabel("% of pixels", fontsize=9)
    ax.legend(fontsize=8, frameon=False)
    _style(ax)
    return _png(fig)


def noise_map_png(report: ExplainReport) -> bytes:
    """Heat map of the per-region noise level of the input."""
    nmap = report.noise_map * 255.0
    aspect = report.height / max(report.width, 1)
    fig = _figure(5.6, max(1.6, min(5.6, 4.6 * aspect)))
    ax = fig.subplots()
    valid = nmap[nmap > 0]
    vmax = float(np.percentile(valid, 99)) if valid.size else 1.0
    im = ax.imshow(
        nmap,
        cmap="inferno",
        vmin=0.0,
        vmax=max(vmax, 1e-3),
        extent=(0, report.width, report.height, 0),
        interpolation="nearest",
    )
    cb = fig.colorbar(im, ax=ax, fraction=0.035, pad=0.02)
    cb.set_label("noise σ (/255)", fontsize=8)
    cb.ax.tick_params(labelsize=7)
    ax.set_title(
        f"noise per {report.noise_block}×{report.noise_block} px region\n"
        "(black: too bright, too dark or too busy to measure)",
        fontsize=8,
    )
    ax.tick_params(labelsize=7)
    return _png(fig)


def stages_png(report: ExplainReport) -> bytes:
    """Noise-to-signal and edge contrast of each image in the chain."""
    rows = [s for s in report.stages if not math.isnan(s.noise_sigma)]
    labels = [s.title.split("·")[-1].strip().replace(" (for comparison)", "") for s in rows]
    fig = _figure(6.4, 2.6)
    ax1, ax2 = fig.subplots(1, 2)
    y = np.arange(len(rows))
    colours = [_OUT if s.key == "output" else _IN for s in rows]
    ax1.barh(y, [s.noise_to_signal * 100 for s in rows], color=colours)
    ax1.set_title("noise / brightness (%)  lower = cleaner", fontsize=8)
    ax2.barh(y, [s.sharpness for s in rows], color=colours)
    ax2.set_title("edge steepness  higher = crisper", fontsize=8)
    for ax in (ax1, ax2):
        ax.set_yticks(y, labels if ax is ax1 else [""] * len(rows), fontsize=8)
        ax.invert_yaxis()
        _style(ax)
    return _png(fig)


def tradeoff_png(report: ExplainReport) -> bytes:
    """Residual noise against sharpness over the denoise x detail grid."""
    fig = _figure(6.4, 3.0)
    ax = fig.subplots()
    grid = [c for c in report.sweep if not c.chosen]
    shades = ["#9fb3d9", "#5b6b8c", "#1f2a44"]
    for i, dt in enumerate(report.sweep_detail):
        cells = sorted((c for c in grid if c.detail == dt), key=lambda c: c.denoise)
        xs = [c.noise * 255 for c in cells]
        ys = [c.sharpness for c in cells]
        ax.plot(xs, ys, "o-", color=shades[i % len(shades)], ms=4, lw=1.3, label=f"detail {dt:g}")
        for c, x, yv in zip(cells, xs, ys, strict=True):
            ax.annotate(
                f"{c.denoise:g}",
                (x, yv),
                textcoords="offset points",
                xytext=(0, 5),
                fontsize=6.5,
                ha="center",
                color="#555",
            )
    for c in report.sweep:
        if c.chosen:
            ax.plot(
                [c.noise * 255],
                [c.sharpness],
                "*",
                color=_ACCENT,
                ms=14,
                label=f"lumos chose ({c.denoise:.2f}, {c.detail:.2f})",
            )
    ax.set_xlabel("residual noise in the dark flat crop (σ, /255)  ← cleaner", fontsize=8)
    ax.set_ylabel("edge steepness (gradient / edge height)", fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    ax.set_title("numbers at points: denoise strength", fontsize=7.5, color="#555")
    _style(ax)
    return _png(fig)
