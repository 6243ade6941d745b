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

__all__ = [
    "histogram_png",
    "noise_map_png",
    "noise_map_title",
    "place_labels",
    "stages_png",
    "tradeoff_png",
]

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


def noise_map_title(report: ExplainReport) -> str:
    """The noise map's title, with the regions' real size (a small photo is one region)."""
    rows, cols = report.noise_map.shape
    if rows * cols == 1:
        what = f"noise of the whole photo ({report.width}×{report.height} px: one region)"
    else:
        what = f"noise per region of about {report.width / cols:.0f}×{report.height / rows:.0f} px"
    return f"{what}\n(black: too bright, too dark or too busy to measure)"


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
    ax.set_title(noise_map_title(report), fontsize=8)
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


_LABEL_OFFSETS = [(0, 6), (0, -12), (9, -3), (-9, -3), (0, 15), (0, -21), (17, 6), (-17, 6)]
"""Where a point's label may go (points from the point), in order of preference."""


Box = tuple[float, float, float, float]


def _overlaps(a: Box, b: Box) -> bool:
    return not (a[2] <= b[0] or a[0] >= b[2] or a[3] <= b[1] or a[1] >= b[3])


def place_labels(
    points: list[tuple[float, float, str]],
    avoid: list[tuple[float, float, float]] = (),  # type: ignore[assignment]
    scale: float = 1.0,
) -> list[tuple[float, float, str, tuple[int, int], Box]]:
    """Where to put the labels of points given in display pixels, none overlapping.

    Points within 3 px of each other share one label (``"1, 1.5"``); each label
    takes the first place in :data:`_LABEL_OFFSETS` (points; ``scale`` pixels per
    point) that overlaps no marker, no other label and none of ``avoid`` (other
    markers: x, y, radius in points), and is left out when none is free (the
    table beside the plot has every number). Returns (x, y, label, offset,
    box) per placed label, with the point's own pixel coordinates.
    """
    merged: list[tuple[float, float, list[str]]] = []
    for x, y, text in sorted(points, key=lambda p: (-p[1], p[0])):
        if math.isnan(x) or math.isnan(y):
            continue
        for qx, qy, texts in merged:
            if abs(qx - x) < 3 and abs(qy - y) < 3:
                if text not in texts:
                    texts.append(text)
                break
        else:
            merged.append((x, y, [text]))
    taken: list[Box] = [(x - 3, y - 3, x + 3, y + 3) for x, y, _ in merged]
    taken += [
        (x - r * scale, y - r * scale, x + r * scale, y + r * scale)
        for x, y, r in avoid
        if not (math.isnan(x) or math.isnan(y))
    ]
    placed = []
    for x, y, texts in merged:
        label = ", ".join(sorted(texts, key=float))
        w, h = (3.6 * len(label) + 2) * scale, 8.0 * scale
        for dx, dy in _LABEL_OFFSETS:
            # Text is centred on x and sits on its baseline, dy points above the point.
            cx, cy = x + dx * scale, y + dy * scale + h / 2 - 2 * scale
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            if not any(_overlaps(box, t) for t in taken):
                taken.append(box)
                placed.append((x, y, label, (dx, dy), box))
                break
    return placed


def _label_points(
    fig: Any,
    ax: Any,
    points: list[tuple[float, float, str]],
    avoid: list[tuple[float, float, float]],
) -> None:
    """Label points (data coordinates) without overlaps: see :func:`place_labels`."""
    if not points:
        return
    ax.margins(0.06, 0.12)  # room for the labels of the outermost points
    ax.autoscale_view()
    to_data = ax.transData.inverted().transform

    def px(x: float, y: float) -> tuple[float, float]:
        if math.isnan(x) or math.isnan(y):
            return (math.nan, math.nan)
        qx, qy = ax.transData.transform((x, y))
        return float(qx), float(qy)

    pts = [(*px(x, y), text) for x, y, text in points]
    marks = [(*px(x, y), r) for x, y, r in avoid]
    for x, y, label, offset, _ in place_labels(pts, marks, fig.dpi / 72.0):
        ax.annotate(
            label,
            tuple(to_data((x, y))),
            textcoords="offset points",
            xytext=offset,
            fontsize=6.5,
            ha="center",
            color="#555",
        )


def tradeoff_png(report: ExplainReport) -> bytes:
    """Residual noise against sharpness over the denoise x detail grid."""
    fig = _figure(6.4, 3.0)
    ax = fig.subplots()
    grid = [c for c in report.sweep if not c.chosen]
    shades = ["#9fb3d9", "#5b6b8c", "#1f2a44"]
    # Crops too small to hold an edge have no steepness: then the noise alone, on one line.
    no_edges = all(math.isnan(c.sharpness) for c in report.sweep)

    def steep(c: Any) -> float:
        return 0.0 if no_edges else c.sharpness

    points: list[tuple[float, float, str]] = []
    for i, dt in enumerate(report.sweep_detail):
        cells = sorted((c for c in grid if c.detail == dt), key=lambda c: c.denoise)
        xs = [c.noise * 255 for c in cells]
        ys = [steep(c) for c in cells]
        ax.plot(xs, ys, "o-", color=shades[i % len(shades)], ms=4, lw=1.3, label=f"detail {dt:g}")
        if dt == max(report.sweep_detail):
            # One line's points carry the denoise values (the others follow the same order):
            # labels of every line crowd together where strong denoising meets.
            points = [(x, yv, f"{c.denoise:g}") for c, x, yv in zip(cells, xs, ys, strict=True)]
    chosen = [c for c in report.sweep if c.chosen]
    for c in chosen:
        ax.plot(
            [c.noise * 255],
            [steep(c)],
            "*",
            color=_ACCENT,
            ms=14,
            label=f"lumos chose ({c.denoise:.2f}, {c.detail:.2f})",
        )
    _label_points(fig, ax, points, [(c.noise * 255, steep(c), 7.0) for c in chosen])
    ax.set_xlabel("residual noise in the flat crop (σ, /255)  ← cleaner", fontsize=8)
    if no_edges:
        ax.set_yticks([])
        ax.set_ylabel("edge steepness: no edges\nin crops this small", fontsize=8)
    else:
        ax.set_ylabel("edge steepness (gradient / edge height)", fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.set_title(
        f"numbers: denoise strength (on the detail {max(report.sweep_detail, default=1):g} line; "
        "the same order on the others)",
        fontsize=7.5,
        color="#555",
    )
    _style(ax)
    return _png(fig)
