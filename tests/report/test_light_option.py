"""A forced ``--light`` reaches every part of the report, the sweep included."""

from __future__ import annotations

import numpy as np

from lumos.report import build_report, render_html

from .conftest import dark_scene


def _edge_crops(r):
    (chosen,) = [c for c in r.sweep if c.chosen]
    edge = next(c for c in r.crops if c.kind == "edge")
    return chosen.edge.astype(int), edge.output.astype(int)


def test_sweep_follows_forced_light() -> None:
    photo = dark_scene(seed=2)
    measured = build_report(photo, with_sweep=False).analysis["light"]
    forced = "uneven" if measured == "uniform" else "uniform"
    r = build_report(photo, options={"light": forced, "denoise": 0.5, "detail": 0.5})
    # The chosen cell is the very crop of the full (forced) run: same strategy.
    chosen, output = _edge_crops(r)
    assert np.abs(chosen - output).max() <= 1
    assert r.options["light"] == forced and r.analysis["light"] == measured
    html = render_html(r)
    assert f"routed {forced} by --light" in html and "forced by --light" in html


def test_forced_light_changes_the_sweep() -> None:
    photo = dark_scene(seed=2)
    opts = {"denoise": 0.5, "detail": 0.5}
    a = build_report(photo, options={**opts, "light": "uniform"})
    b = build_report(photo, options={**opts, "light": "uneven"})
    # Same settings, different brightening strategy: the flat crops differ somewhere.
    assert any(not np.array_equal(x.flat, y.flat) for x, y in zip(a.sweep, b.sweep, strict=True))
