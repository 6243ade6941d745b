"""``report=true``: the explain report, when the optional ``lumos.report`` module exists.

``lumos.report`` is developed separately; the server looks for it at request
time (not import time) so the API works with or without it, and answers 501
with a clear message when it is missing or has no HTML renderer yet.

Two shapes of ``lumos.report`` are understood:

* ``build_report(image, *, options=EnhanceOptions) -> ExplainReport`` plus
  ``render_html(report) -> str`` (build, then render);
* a single ``render_html(image, **options) -> str``.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from types import ModuleType
from typing import Any

from .processing import EnhanceParams

__all__ = ["ReportUnavailableError", "render_report", "report_function"]

_NAMES = ("render_html", "render_report", "to_html")


class ReportUnavailableError(Exception):
    """The explain report is not part of this installation (becomes 501)."""


def _module() -> ModuleType:
    try:
        found = importlib.util.find_spec("lumos.report") is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise ReportUnavailableError("the explain report is not available in this lumos version")
    try:
        return importlib.import_module("lumos.report")
    except ImportError as exc:  # e.g. it needs matplotlib (the 'bench' extra)
        raise ReportUnavailableError(f"the explain report cannot be loaded: {exc}") from None


def report_function() -> Callable[..., Any]:
    """The HTML renderer of ``lumos.report``; raises :class:`ReportUnavailableError`."""
    module = _module()
    for name in _NAMES:
        fn = getattr(module, name, None)
        if callable(fn):
            return fn
    raise ReportUnavailableError("lumos.report has no HTML renderer (render_html) yet")


def render_report(
    src: Path,
    params: EnhanceParams,
    source_name: str | None = None,
    cancel: Callable[[], None] | None = None,
) -> str:
    """Render the explain report of ``src`` as HTML (runs in a worker thread).

    ``source_name`` is the upload's name: the report shows it, not the server's
    generated file name (``input``). ``cancel`` stops the work between tiles
    (a request that timed out or whose client has gone).
    """
    render = report_function()
    build = getattr(_module(), "build_report", None)
    if callable(build):
        extra = {"cancel": cancel} if "cancel" in inspect.signature(build).parameters else {}
        report = build(src, options=params.options, **extra)
        if source_name and hasattr(report, "source"):
            report.source = source_name
        html = render(report)
    else:
        options = asdict(params.options)
        options.pop("tiling", None)
        accepted = inspect.signature(render).parameters
        takes_any = any(p.kind is p.VAR_KEYWORD for p in accepted.values())
        html = render(src, **{k: v for k, v in options.items() if takes_any or k in accepted})
    return html if isinstance(html, str) else str(html)
