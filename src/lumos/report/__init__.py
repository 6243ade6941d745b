"""The explain report: how lumos made *your* dark photo brighter, cleaner and sharper.

::

    from lumos.report import build_report, write_report
    report = build_report("night.jpg", options={"denoise": 0.8})
    report.numbers()                      # every measured number, JSON-ready
    write_report(report, "night_report.html")

:func:`build_report` runs the pipeline once with every stage kept, and measures
noise, sharpness and brightness at each step on the full-resolution pixels;
:func:`render_html` turns the result into one self-contained HTML page (inline
CSS, ``data:`` URI images, no script, nothing loaded from the network). The
charts need matplotlib: ``pip install 'lumos[report]'``.
"""

from __future__ import annotations

from ._build import DISPLAY_SIDE, build_report
from ._html import render_html
from ._model import CropPair, ExplainReport, ModelCard, StageMeasure, SweepCell
from ._write import write_report

__all__ = [
    "DISPLAY_SIDE",
    "CropPair",
    "ExplainReport",
    "ModelCard",
    "StageMeasure",
    "SweepCell",
    "build_report",
    "render_html",
    "write_report",
]
