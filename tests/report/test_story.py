"""The report says what the model that ran did, in words that follow the measured numbers."""

from __future__ import annotations

import re
from itertools import combinations

import cv2
import numpy as np
import pytest

from lumos.data import DarkenParams, darken
from lumos.report import ExplainReport, build_report, render_html
from lumos.report import _measure as m
from lumos.report._html import _mp
from lumos.report._markdown import markdown_to_html
from lumos.report._plots import noise_map_title, place_labels

from .conftest import dark_scene, scene


def _u8(img: np.ndarray) -> np.ndarray:
    return np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def very_dark() -> ExplainReport:
    """Very dark and very noisy: after the gain the noise is above nearly all detail."""
    dark = darken(scene(), DarkenParams(exposure=1 / 40, shot_noise=2e-3, read_noise=0.01), seed=0)
    return build_report(_u8(dark), options={"model": "lumosnet"}, with_sweep=False)


@pytest.fixture(scope="module")
def well_exposed() -> ExplainReport:
    return build_report(_u8(scene()), options={"model": "lumosnet"}, with_sweep=False)


def _texts(r: ExplainReport) -> str:
    return " ".join(f"{s.title}. {s.what}" for s in r.stages)


def test_lumosnet_is_described_as_lumosnet(report: ExplainReport) -> None:
    if report.model != "lumosnet":
        pytest.skip("the default model is not LumosNet")
    words = _texts(report)
    assert "per channel" in report.stage("brightened").what
    assert "offset" in report.stage("brightened").what
    assert "one over the luma gain" in report.stage("illumination").what
    for classical_only in ("same gain", "brightest channel", "contrast", "saturation"):
        assert classical_only not in words
    assert report.flow["brighten"] == "learned gains"
    assert "Retinex gain" not in render_html(report)  # the workflow box


def test_classical_is_described_as_classical() -> None:
    r = build_report(dark_scene(), options={"model": "classical"}, with_sweep=False)
    assert "brightest channel" in r.stage("illumination").what
    assert "same gain" in r.stage("brightened").what
    assert r.flow["brighten"] == "Retinex gain"
    # Contrast and saturation are eased only when the plan says so, with its values.
    assert ("contrast (×" in _texts(r)) == (r.card.parameters["contrast"] < 1)


def test_well_exposed_photo_is_not_called_dark(well_exposed: ExplainReport) -> None:
    r = well_exposed
    html = render_html(r)
    assert not r.brightened and r.analysis["mean_luminance"] > 0.3
    assert "well exposed" in r.stage("input").what
    for dark_words in ("dark end", "hidden in the shadows", "A dark, flat area"):
        assert dark_words not in html
    assert "No brightening was needed" in r.stage("illumination").what
    assert "No brightening was needed" in r.stage("brightened").what
    assert "none needed" in html and "How lumos enhanced" in html
    # No relative change of a near-zero base: the clean photo's noise before the denoiser.
    assert not re.search(r"[+-]\d{4,}%", html)


def test_detail_text_follows_the_numbers(very_dark: ExplainReport) -> None:
    r = very_dark
    den, out = r.stage("denoised"), r.stage("output")
    change = (out.sharpness - den.sharpness) / den.sharpness
    assert abs(change) < 0.02  # the noise gate kept the sharpening off
    assert "gated off" in out.title and "boosted" not in out.what
    html = render_html(r)
    assert "wins the steepness back" not in html
    assert "its noise gate left this photo" in html
    # The real auto range of detail is 0.1..0.6 (stages/classical.py), not "their range".
    assert "kept within 0.1..0.6: 0.10" in r.auto_reason
    assert "both clipped" not in r.auto_reason


def test_noise_measure_sees_blotches() -> None:
    rng = np.random.default_rng(0)
    blotches = cv2.GaussianBlur(rng.normal(0, 1, (192, 256, 3)).astype(np.float32), (0, 0), 2.0)
    blotches *= 0.03 / blotches.std()
    img = np.float32(0.4) + blotches
    true = float(m.luma(blotches).std())
    assert m.fine_noise(img) < 0.2 * true  # the pixel-scale reading misses it
    # Around an 8-px trend a little of 2-px blotches' variance is trend: about 0.9 of the std.
    assert m.noise_sigma(img) == pytest.approx(0.9 * true, rel=0.1)
    white = np.float32(0.4) + rng.normal(0, 0.02, img.shape).astype(np.float32)
    assert m.noise_sigma(white) == pytest.approx(m.fine_noise(white), rel=0.1)


def test_sharpness_is_not_fooled_by_noise() -> None:
    clean = cv2.GaussianBlur(scene(384, 512) * 0.8 + 0.1, (0, 0), 0.8)
    edges = m.Edges(clean)
    base = m.sharpness(clean, edges)
    rng = np.random.default_rng(1)
    noisy = np.clip(clean + rng.normal(0, 30 / 255, clean.shape).astype(np.float32), 0, 1)
    assert m.sharpness(noisy, edges) == pytest.approx(base, rel=0.05)
    assert m.sharpness(clean * np.float32(0.3), edges) == pytest.approx(base, rel=1e-3)
    assert m.sharpness(cv2.GaussianBlur(clean, (0, 0), 1.5), edges) < 0.9 * base
    y = m.luma(clean)
    sharper = clean + (y - cv2.GaussianBlur(y, (0, 0), 1.2))[..., None]
    assert m.sharpness(sharper, edges) > 1.05 * base
    assert np.isnan(m.sharpness(clean, m.Edges(np.full((64, 64), 0.5, np.float32))))


def test_weights_include_the_denoiser(report: ExplainReport) -> None:
    from lumos.models.denoiser import DN_WEIGHTS, denoiser_available
    from lumos.models.lumosnet import WEIGHTS_DIR

    if report.model != "lumosnet" or not denoiser_available():
        pytest.skip("the default model is not LumosNet with its learned denoiser")
    files = [*WEIGHTS_DIR.glob("*.onnx"), DN_WEIGHTS]
    assert report.card.size_bytes == sum(f.stat().st_size for f in files)
    assert "denoiser/" in render_html(report)


def test_model_card_is_rendered(report: ExplainReport) -> None:
    if not report.card.card_markdown:
        pytest.skip("no card ships with the default model")
    html = render_html(report)
    assert '<pre class="card-md"># ' not in html and "![" not in html
    assert "](loss.png)" not in html  # embedded as data (or left out), never a broken link
    assert "<summary>Model card</summary>" in html
    record = html.index("<summary>Training record")
    assert html.rfind("<details", 0, record) > html.rfind("<details open", 0, record)  # collapsed


def test_markdown_subset() -> None:
    md = (
        "# Card\n\nSome *words* and **bold** with `code <x>`,\na [link](http://x.org).\n\n"
        "* one\n* two\n  continued\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "![curves](loss.png)\n![other](gone.png)\n\n```\nraw <b>\n```\n"
    )
    html = markdown_to_html(md, images={"loss.png": "data:image/png;base64,AA=="})
    assert html.startswith("<h3>Card</h3><p>Some <i>words</i> and <b>bold</b>")
    assert "<code>code &lt;x&gt;</code>" in html and "a link." in html and "http" not in html
    assert "<ul><li>one</li><li>two continued</li></ul>" in html
    assert "<table" in html and "<th>a</th>" in html and "<td>2</td>" in html
    assert 'src="data:image/png;base64,AA=="' in html and "gone.png" not in html
    assert "<pre>raw &lt;b&gt;</pre>" in html


def test_small_photo_is_sized_honestly() -> None:
    assert (_mp(40, 30), _mp(640, 480), _mp(200, 100)) == ("1,200 pixels", "0.3 MP", "0.02 MP")
    r = build_report(dark_scene()[:30, :40], with_sweep=False)
    assert "whole photo" in noise_map_title(r) and "64" not in noise_map_title(r)


def test_plot_labels_do_not_overlap() -> None:
    # Denoise 1, 1.5 and 2 of three detail lines, a few pixels apart (the audit's overlap).
    points = [
        (100 + dx, 200 - 4 * i + dy, f"{dn:g}")
        for i, dn in enumerate((1.0, 1.5, 2.0))
        for dx, dy in ((0, 0), (1, 6), (2, 12))
    ]
    placed = place_labels(points, [(100, 200, 7.0)], scale=110 / 72)
    assert placed
    for a, b in combinations(placed, 2):
        ba, bb = a[4], b[4]
        assert ba[2] <= bb[0] or ba[0] >= bb[2] or ba[3] <= bb[1] or ba[1] >= bb[3]


def test_the_report_gives_the_exposure_verdict(
    very_dark: ExplainReport, well_exposed: ExplainReport
) -> None:
    assert "Exposure verdict — under-exposed" in _texts(very_dark)
    text = _texts(well_exposed)
    assert "Exposure verdict — " in text and "brightening 0%" in text
    # A dark scene exposed for its highlights is told as such, not as "bright enough".
    from lumos.report._story import Facts, stage_text

    facts = Facts(
        model="lumosnet",
        learned_denoiser=True,
        input_mean=0.2,
        output_mean=0.2,
        gain=(1.0, 1.0, 1.0),
        noise_after=0.005,
        detail=0.0,
        exposure_label="dark scene exposed for its highlights",
    )
    assert "deliberate" in stage_text("brightened", facts)[1]


def test_edge_height_works_past_opencv_remap_limit() -> None:
    """A 12 MP photo has more than 32767 edge pixels; cv2.remap refused such a row."""
    import cv2

    from lumos.report._measure import EDGE_REACH, Edges

    rng = np.random.default_rng(0)
    img = cv2.resize(
        rng.random((400, 400), np.float32), (2000, 2000), interpolation=cv2.INTER_NEAREST
    )
    edges = Edges(img)
    assert len(edges) > 32767
    height = edges.height(img)
    assert height.shape == (len(edges),) and np.isfinite(height).all()
    # The same values as OpenCV's bilinear sampling, on a slice it still accepts.
    s = cv2.GaussianBlur(img, (0, 0), 1.0)
    n = 5000
    d = np.float32(EDGE_REACH)

    def at(sign: float) -> np.ndarray:
        mx = (edges.x[:n] + sign * d * edges.ux[:n]).astype(np.float32)[None]
        my = (edges.y[:n] + sign * d * edges.uy[:n]).astype(np.float32)[None]
        return cv2.remap(s, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)[0]

    np.testing.assert_allclose(height[:n], at(1.0) - at(-1.0), atol=2e-3)
