"""Shadows in the report: the strength used is listed with the other settings, and told."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from _scenes import backlit_photo
from lumos.cli import main
from lumos.cli.info import describe
from lumos.report import ExplainReport, build_report, render_html

OPENED = "Shadows were opened up"


@pytest.fixture(scope="module", params=["lumosnet", "classical"])
def backlit(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A backlit photo, its report with auto shadows, and what ``lumos info`` says of it."""
    path = tmp_path_factory.mktemp("backlit") / "garden.png"
    Image.fromarray(backlit_photo(192, 256)).save(path)
    model = request.param
    report = build_report(path, options={"model": model}, with_sweep=False)
    return report, describe(path, models=(model,))["would_use_by_model"][model]


def test_auto_shadows_are_listed_with_the_settings_used(backlit) -> None:
    r, would = backlit
    assert r.shadows is not None and r.shadows > 0
    assert round(r.shadows, 4) == would["shadows"]  # the number lumos info prints
    assert r.options["shadows"] is None  # asked: auto
    assert r.numbers()["shadows"] == round(r.shadows, 4)
    assert r.card is not None and r.card.parameters["shadows strength"] == round(r.shadows, 4)
    html = render_html(r)
    assert html.count(f"shadows {r.shadows:.2f}") >= 2  # the header's chips, the workflow


def test_the_brightening_says_the_shadows_were_opened_up(backlit) -> None:
    r, _ = backlit
    what = r.stage("brightened").what
    assert OPENED in what and f"strength {r.shadows:.2f}" in what
    assert "chosen by lumos" in what and "deep shadow" in what
    # The photo's mean needs no brightening, but its shadows were lifted: not "unchanged".
    assert r.brightened and "unchanged" not in what and r.flow["brighten"] != "none needed"


def test_shadows_left_alone_are_not_told(report: ExplainReport) -> None:
    assert report.shadows == 0.0  # a dark photo: the brightening's own job
    assert OPENED not in " ".join(s.what for s in report.stages)
    assert "shadows 0.00" in render_html(report)


def test_chosen_shadows_reach_the_text_and_the_sweep() -> None:
    photo = backlit_photo(192, 256, seed=1)
    r = build_report(photo, options={"shadows": 0.9, "denoise": 0.5, "detail": 0.5})
    assert r.options["shadows"] == 0.9 and r.shadows == pytest.approx(0.9)
    assert "as you set it" in r.stage("brightened").what
    # The chosen cell is the very crop of the full run: its shadows opened up as much.
    (chosen,) = [c for c in r.sweep if c.chosen]
    crops = {c.kind: c for c in r.crops}
    assert np.abs(chosen.flat.astype(int) - crops["dark_flat"].output.astype(int)).max() <= 1
    assert np.abs(chosen.edge.astype(int) - crops["edge"].output.astype(int)).max() <= 1
    off = build_report(photo, options={"shadows": 0}, with_sweep=False)
    assert off.shadows == 0.0 and OPENED not in off.stage("brightened").what


def test_explain_takes_shadows(tmp_path: Path) -> None:
    photo = tmp_path / "garden.png"
    Image.fromarray(backlit_photo(192, 256)).save(photo)
    target = tmp_path / "r.html"
    args = ["explain", str(photo), "-o", str(target), "--shadows", "0.7", "-q"]
    assert main(args) == 0
    html = target.read_text(encoding="utf-8")
    assert "shadows 0.70" in html and "as you set it" in html
