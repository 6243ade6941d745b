"""Render an :class:`ExplainReport` as one self-contained HTML page.

Everything is inline: CSS in a ``<style>`` element, pictures as ``data:`` URIs,
the workflow as inline SVG; there is no script and no external reference, so the
file can be mailed, archived or opened offline and shows the same thing.
Every string that comes from outside lumos (the file name, a model card) is
HTML-escaped.
"""

from __future__ import annotations

import json
import math
from html import escape

from .. import __version__
from ..analysis import compression_note
from . import _plots
from ._background import BACKGROUND_HTML, REFERENCES
from ._css import CSS
from ._images import jpeg_uri, png_uri
from ._markdown import markdown_to_html
from ._measure import NOISE_VISIBLE
from ._model import ExplainReport, ModelCard, StageMeasure, SweepCell
from ._story import DARK_MEAN, GATING_NOISE, SHARPENED

__all__ = ["render_html"]


def _l(x: float) -> str:
    """A [0, 1] level as x/255."""
    return f"{x * 255:.0f}/255"


def _n(x: float) -> str:
    """A noise std as x/255 with two decimals."""
    return "–" if math.isnan(x) else f"{x * 255:.2f}/255"


def _s(x: float) -> str:
    """An edge steepness, or a dash where there were no edges to measure."""
    return "–" if math.isnan(x) else f"{x:.3f}"


def _img(uri: str, alt: str, cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<img{c} src="{uri}" alt="{escape(alt)}">'


def _mp(width: int, height: int) -> str:
    """Megapixels to a precision the photo's size needs (a thumbnail is not "0.0 MP")."""
    mp = width * height / 1e6
    if mp >= 0.1:
        return f"{mp:.1f} MP"
    if mp >= 0.01:
        return f"{mp:.2f} MP"
    return f"{width * height:,} pixels"


def _delta(before: float, after: float, *, lower_is_better: bool, meaningful: bool = True) -> str:
    """Change from the previous step: relative when ``before`` is a meaningful base.

    A relative change of a near-zero quantity (a clean photo's noise before a
    denoiser adds a trace of its own) is a huge, meaningless percentage; then
    the previous value is shown instead.
    """
    if before < 0 or math.isnan(before) or math.isnan(after):
        return ""
    if not meaningful or before == 0:
        return f' <span class="delta">(was {before * 100:.2f}%)</span>'
    change = (after - before) / before * 100
    good = (change < 0) == lower_is_better
    cls = "delta-good" if good else "delta-bad"
    return f' <span class="{cls}">({change:+.0f}%)</span>'


def _header(r: ExplainReport) -> str:
    src, out = r.stage("input"), r.stage("output")
    assert src.image is not None and out.image is not None
    chips = [
        f"{r.width}×{r.height} ({_mp(r.width, r.height)})",
        f"model: {r.model}",
        f"denoise {r.denoise:.2f}",
        f"detail {r.detail:.2f}",
        f"brightness {_l(r.analysis['mean_luminance'])} → {_l(r.stage('output').mean_luminance)}",
        *_shadows_line(r),
        f"report built in {r.timings.get('total', 0.0):.1f} s",
    ]
    return f"""
<header class="top"><div class="inner">
<h1>How lumos {"brightened" if r.brightened else "enhanced"} “{escape(r.source)}”</h1>
<p>What lumos measured in your photo, what each step did, and why it chose these settings.</p>
<div class="chips">{"".join(f"<span>{escape(c)}</span>" for c in chips)}</div>
</div></header>
<main>
<div class="hero">
<figure>{_img(jpeg_uri(src.image), "your photo")}<figcaption><b>Your photo</b> ·
mean brightness {_l(src.mean_luminance)}, noise {_n(src.noise_sigma)}
(noise/brightness {src.noise_to_signal * 100:.2f}%)</figcaption></figure>
<figure>{_img(jpeg_uri(out.image), "result")}<figcaption><b>lumos result</b> ·
mean brightness {_l(out.mean_luminance)}, noise {_n(out.noise_sigma)}
(noise/brightness {out.noise_to_signal * 100:.2f}%)</figcaption></figure>
</div>"""


def _confidence(a: dict, forced: str) -> str:
    if forced == "auto":
        return f"{a['light_confidence']:.0%} confident"
    return f"forced by --light (the classifier said {a['light']}, {a['light_confidence']:.0%})"


def _analysis(r: ExplainReport) -> str:
    a = r.analysis
    forced = r.options.get("light", "auto")
    light = a["light"] if forced == "auto" else forced
    light_text = (
        "light falls fairly evenly across the scene, so one global brightening curve fits"
        if light == "uniform"
        else "light comes from local sources (lamps, windows): dark areas stay darker so the "
        "scene still reads as night, and their gain is capped lower"
    )
    if r.model == "lumosnet" and forced == "auto":
        light_text = (
            f"light looks {'even' if light == 'uniform' else 'uneven'}; the learned model "
            "decides itself how locally to brighten (it learned uneven light from examples), "
            "and only a forced --light uniform makes it use one global curve"
        )
    rows = [
        ("brightness (mean / median)", f"{_l(a['mean_luminance'])} / {_l(a['median_luminance'])}"),
        ("1 % .. 99 %", f"{a['p01'] * 255:.0f} .. {a['p99'] * 255:.0f}"),
        ("dark pixels (< 5 %)", f"{a['dark_fraction'] * 100:.1f}%"),
        ("clipped pixels", f"{a['clipped_fraction'] * 100:.2f}%"),
        ("low light", "yes" if a["is_low_light"] else "no"),
        ("noise σ (luma)", f"{a['noise_sigma'] * 255:.2f}/255"),
        ("noise σ (R, G, B)", ", ".join(f"{v * 255:.2f}" for v in a["noise_sigma_rgb"])),
        ("compression", compression_note(a["jpeg_blockiness"], a["lossy"])),
        (
            "light",
            f"{a['light']} (confidence {a['light_confidence']:.0%}, score "
            f"{a['uneven_score']:.2f})"
            + ("" if forced == "auto" else f"; routed {forced} by --light"),
        ),
        ("mean linear luminance", f"{r.input_exposure['mean_linear_luminance']:.4f}"),
        ("crushed black (≤ 2/255)", f"{r.input_exposure['crushed_fraction'] * 100:.1f}%"),
    ]
    table = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows)
    return f"""
<h2>1 · What lumos measured</h2>
<p class="lead">The same numbers <code>lumos info</code> prints for this photo.</p>
<div class="grid2">
<div class="card"><p class="verdict">{escape(light.capitalize())} light,
{_confidence(a, forced)}: {escape(light_text)}.</p>
<table class="kv">{table}</table></div>
<figure>{_img(png_uri(_plots.histogram_png(r)), "brightness histogram")}
<figcaption><b>Brightness histogram.</b> {escape(_histogram_words(r))} (dashed lines:
means).</figcaption></figure>
</div>
<div class="grid2" style="margin-top:14px">
<figure>{_img(png_uri(_plots.noise_map_png(r)), "noise map")}</figure>
<div class="card"><h3>Noise map of your photo</h3><p>The noise level lumos measures in each
region on the full-resolution pixels (the spread of flat, unclipped pixels, or a small
network's reading of the region where it finds more: a camera's grain is blotchy, which
the spread misses): {_n(a["noise_sigma"])} overall. {escape(_noise_map_words(r))}</p></div>
</div>"""


def _histogram_words(r: ExplainReport) -> str:
    a, b = r.analysis["mean_luminance"], r.stage("output").mean_luminance
    if not r.brightened:
        return (
            f"Your photo already spans the range (mean {_l(a)}); lumos left its brightness as it is"
        )
    if a < DARK_MEAN:
        return f"Your photo is packed into the dark end (mean {_l(a)}); the result spreads it out"
    return f"The result moves your photo's brightness from a mean of {_l(a)} to {_l(b)}"


def _noise_map_words(r: ExplainReport) -> str:
    if not r.brightened:
        return (
            "No brightening was needed, so this noise is not amplified; the denoiser still "
            "works from it region by region."
        )
    return (
        "Brightening multiplies it by the local gain, so dark regions that get the most gain "
        "end up the noisiest. That is why the denoiser works from a per-pixel noise map "
        "(measured noise times gain) rather than from one number."
    )


def _box(x: int, title: str, lines: list[str], *, accent: bool = False) -> str:
    fill = "#fff4e3" if accent else "#ffffff"
    stroke = "#e08a1e" if accent else "#9aa3b5"
    text = "".join(
        f'<text x="{x + 78}" y="{76 + 17 * i}" font-size="11.5" fill="#5d6475" '
        f'text-anchor="middle">{escape(t)}</text>'
        for i, t in enumerate(lines)
    )
    return (
        f'<rect x="{x}" y="22" width="156" height="104" rx="10" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="1.6"/>'
        f'<text x="{x + 78}" y="50" font-size="15" font-weight="700" fill="#1d2230" '
        f'text-anchor="middle">{escape(title)}</text>{text}'
    )


def _routed_light(r: ExplainReport) -> str:
    forced = r.options.get("light", "auto")
    return r.analysis["light"] if forced == "auto" else f"{forced} (forced)"


def _shadows_line(r: ExplainReport) -> list[str]:
    """The Brighten box's line on the shadows, for a model that has the stage."""
    return [] if r.shadows is None else [f"shadows {r.shadows:.2f}"]


def _workflow(r: ExplainReport) -> str:
    a = r.analysis
    learned = r.model != "classical"
    model = f"{r.model} (learned, ONNX)" if learned else "classical (no neural network)"
    boxes = [
        ("Input", [f"{r.width}×{r.height}", f"mean {_l(a['mean_luminance'])}"]),
        ("Analyse", [f"noise {_n(a['noise_sigma'])}", f"{_routed_light(r)} light"]),
        ("Brighten", [r.flow["brighten"], f"target {_l(r.target_brightness)}", *_shadows_line(r)]),
        ("Denoise", [r.flow["denoise"], f"strength {r.denoise:.2f}"]),
        ("Detail", [r.flow["detail"], f"strength {r.detail:.2f}"]),
        ("Output", [f"mean {_l(r.stage('output').mean_luminance)}", r.source[:22]]),
    ]
    parts = []
    for i, (title, lines) in enumerate(boxes):
        x = 8 + i * 196
        parts.append(_box(x, title, lines, accent=2 <= i <= 4))
        if i < len(boxes) - 1:
            parts.append(
                f'<line x1="{x + 158}" y1="74" x2="{x + 192}" y2="74" stroke="#5d6475" '
                'stroke-width="2" marker-end="url(#arr)"/>'
            )
    svg = (
        '<svg viewBox="0 0 1180 160" width="100%" role="img" aria-label="workflow">'
        '<defs><marker id="arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#5d6475"/></marker>'
        f"</defs>{''.join(parts)}"
        f'<text x="598" y="150" font-size="12.5" fill="#e08a1e" text-anchor="middle">'
        f"brighten · denoise · detail: model {escape(model)}</text></svg>"
    )
    return f"""
<h2>2 · The workflow</h2>
<p class="lead">Global decisions are made once on small copies of the photo; the
full-resolution work runs in tiles that match a whole-frame run exactly.</p>
<div class="card flow">{svg}</div>"""


def _stage_card(s: StageMeasure, prev: StageMeasure | None) -> str:
    assert s.image is not None
    if math.isnan(s.noise_sigma):
        nums = f"mean {_l(s.mean_luminance)}"
    else:
        nts = f"{s.noise_to_signal * 100:.2f}%"
        ec = _s(s.sharpness)
        if prev is not None and not math.isnan(prev.noise_sigma):
            nts += _delta(
                prev.noise_to_signal,
                s.noise_to_signal,
                lower_is_better=True,
                meaningful=prev.noise_sigma >= NOISE_VISIBLE,
            )
            if not math.isnan(s.sharpness):
                ec += _delta(prev.sharpness, s.sharpness, lower_is_better=False)
        grad = (
            ""
            if math.isnan(s.edge_gradient)
            else f" · edge gradient {s.edge_gradient * 255:.1f}/255 per px"
        )
        nums = (
            f"brightness {_l(s.mean_luminance)} · noise {_n(s.noise_sigma)}<br>"
            f"noise/brightness {nts}<br>edge steepness {ec}{grad}"
        )
    uri = jpeg_uri(s.image, quality=82)
    return (
        f'<figure class="stage">{_img(uri, s.title)}<figcaption><b>{escape(s.title)}</b>. '
        f'{escape(s.what)}<div class="m">{nums}</div></figcaption></figure>'
    )


def _change(before: float, after: float) -> float | None:
    """Relative change, or ``None`` where either side was not measurable."""
    if math.isnan(before) or math.isnan(after) or before <= 0:
        return None
    return (after - before) / before


def _chain_words(r: ExplainReport) -> str:
    """What the chain's numbers say, step by step (only steps that ran)."""
    by = {s.key: s for s in r.stages}
    src, naive = by["input"], by["naive"]
    words = [
        f"Plain brightening takes noise/brightness from {src.noise_to_signal * 100:.2f}% to "
        f"{naive.noise_to_signal * 100:.2f}% and edge steepness from {_s(src.sharpness)} to "
        f"{_s(naive.sharpness)}: a gain scales noise and edges with the picture."
    ]
    den = by.get("denoised")
    fin = by.get("detail", r.stages[-1])
    before = by.get("brightened", naive)
    if den is not None:
        dn_change = _change(before.sharpness, den.sharpness)
        words.append(
            f"Denoising takes noise/brightness from {before.noise_to_signal * 100:.2f}% to "
            f"{den.noise_to_signal * 100:.2f}%"
            + ("." if dn_change is None else f", and edge steepness {dn_change * 100:+.0f}%.")
        )
        change = _change(den.sharpness, fin.sharpness)
        if change is None:
            pass
        elif r.detail <= 0:
            words.append("No sharpening was asked for (detail 0).")
        elif change >= SHARPENED:
            words.append(f"The detail step makes the edges steeper ({change * 100:+.0f}%).")
        else:
            words.append(
                f"The detail step changes edge steepness by {change * 100:+.0f}%: its noise "
                "gate left this photo's detail almost untouched."
                if r.noise_after_gain >= GATING_NOISE
                else f"The detail step changes edge steepness by only {change * 100:+.0f}%."
            )
    return " ".join(words)


def _stages(r: ExplainReport) -> str:
    cards = []
    prev: StageMeasure | None = None
    for s in r.stages:
        compare = prev if s.key in ("denoised", "detail", "output") else None
        cards.append(_stage_card(s, compare))
        if s.key in ("brightened", "denoised", "detail"):
            prev = s
    return f"""
<h2>3 · Each step, measured</h2>
<p class="lead">Numbers are measured on the full-resolution pixels. <i>Noise</i> is the
variation around the picture's smooth shading in its quietest areas, fine grain and blotches
alike (so it can read higher than the pixel-scale noise of section 1, the number
<code>lumos info</code> prints and the denoiser is told). Brightening multiplies the noise
with the picture, so compare <i>noise/brightness</i> across steps. <i>Edge steepness</i> is
the gradient across the result's edges divided by their height (about one over their width in
pixels), measured along each edge's direction so that noise does not count as steepness:
brightening does not change it, blurring lowers it, sharpening raises it. Percentages: change
from the previous step.</p>
<div class="stages">{"".join(cards)}</div>
<figure style="margin-top:14px">{_img(png_uri(_plots.stages_png(r)), "stage measures")}
<figcaption><b>Noise and edges through the chain.</b> {escape(_chain_words(r))}
</figcaption></figure>"""


def _crop_figure(img, title: str, noise: float, sharp: float | None) -> str:
    style = f' style="max-width:{2 * img.shape[1]}px"'
    uri = jpeg_uri(img, quality=92, full_chroma=True)
    edges = "local gain, not denoised" if sharp is None else f"edge steepness {_s(sharp)}"
    return (
        f'<figure class="crop"><img src="{uri}" alt="{escape(title)}"{style}>'
        f"<figcaption><b>{escape(title)}</b><br>brightness {_l(img.mean() / 255)} · noise "
        f"{_n(noise)} · {edges}</figcaption>"
        "</figure>"
    )


_LOCAL_GAIN_NOTE = (
    " lumos lifts dark areas more than a single gain does, so compare noise together with "
    "brightness."
)


def _crops(r: ExplainReport) -> str:
    out = []
    for c in r.crops:
        y0, y1, x0, x1 = c.box
        if c.kind == "dark_flat":
            name = "A dark, flat area" if c.input_mean < DARK_MEAN else "A flat area"
            name += (
                f" (your photo: mean {_l(c.input_mean)})" if not math.isnan(c.input_mean) else ""
            )
        else:
            name = {"edge": "An area full of edges"}.get(c.kind, c.kind)
        out.append(
            f"<h3>{escape(name)} (pixels {x0}–{x1} × {y0}–{y1})</h3>"
            '<div class="crops">'
            + _crop_figure(c.naive, "plain brightening", c.naive_noise, c.naive_sharpness)
            + _crop_figure(c.brightened, "lumos, brightened only", c.brightened_noise, None)
            + _crop_figure(c.output, "lumos result", c.output_noise, c.output_sharpness)
            + "</div>"
        )
    return f"""
<h2>4 · Up close: 100 % crops</h2>
<p class="lead">Chosen automatically: the flattest area in the darker half of the photo (where
noise shows most once brightened) and the area with the strongest edges. Shown at 200 %,
pixels not smoothed.{_LOCAL_GAIN_NOTE if r.brightened else ""}</p>
{"".join(out)}"""


def _cell(c: SweepCell, img, label: str) -> str:
    cls = ' class="chosen"' if c.chosen else ""
    uri = jpeg_uri(img, quality=90, full_chroma=True)
    return (
        f"<figure{cls}>{_img(uri, label)}<figcaption>{escape(label)}<br>noise "
        f"{c.noise * 255:.2f} · edges {_s(c.sharpness)}</figcaption></figure>"
    )


def _nearest(values: tuple[float, ...], x: float) -> float:
    return min(values, key=lambda v: abs(v - x))


def _balance(r: ExplainReport) -> str:
    if not r.sweep:
        return ""
    chosen = next(c for c in r.sweep if c.chosen)
    dt_row = _nearest(r.sweep_detail, chosen.detail)
    dn_col = _nearest(r.sweep_denoise, chosen.denoise)
    grid = [c for c in r.sweep if not c.chosen]
    dn_strip = [c for c in grid if c.detail == dt_row] + [chosen]
    dt_strip = [c for c in grid if c.denoise == dn_col] + [chosen]
    s1 = "".join(
        _cell(c, c.flat, "lumos chose" if c.chosen else f"denoise {c.denoise:g}") for c in dn_strip
    )
    s2 = "".join(
        _cell(c, c.edge, "lumos chose" if c.chosen else f"detail {c.detail:g}") for c in dt_strip
    )
    rows = "".join(
        f"<tr{' class=hl' if c.chosen else ''}><td>{'lumos chose' if c.chosen else ''}</td>"
        f"<td>{c.denoise:.2f}</td><td>{c.detail:.2f}</td><td>{c.noise * 255:.2f}</td>"
        f"<td>{_s(c.sharpness)}</td></tr>"
        for c in r.sweep
    )
    dn_lo, dn_hi = r.sweep_denoise[0], r.sweep_denoise[-1]
    edges = [c.sharpness for c in dt_strip if not math.isnan(c.sharpness)]
    dt_note = ""
    if edges and max(edges) - min(edges) <= 0.01 * max(edges):
        why = (
            ": the sharpening boosts only detail well above the noise the photo had after "
            f"brightening (about {r.noise_after_gain * 255:.0f}/255), and this crop has none, so "
            "it stays gated off"
            if r.noise_after_gain >= GATING_NOISE
            else ""
        )
        dt_note = (
            '<p class="lead">The detail strength makes no measurable difference here (edge '
            f"steepness {min(edges):.3f} to {max(edges):.3f}){why}.</p>"
        )
    return f"""
<h2>5 · The balance between noise and detail</h2>
<p class="lead">Denoising removes noise but also fine texture; sharpening restores edges but
also grain. These crops were enhanced with the very same plan as your photo, only the two
strengths changed. Noise is measured in the flat crop, sharpness in the edge crop.</p>
<div class="reason">{escape(r.auto_reason)}</div>
<div class="grid2" style="margin-top:14px">
<figure>{_img(png_uri(_plots.tradeoff_png(r)), "noise vs sharpness")}
<figcaption><b>Every setting, measured.</b> Right = noisier, up = sharper. Each line is one
detail strength; along it, denoise goes from {dn_lo:g} (right) to
{dn_hi:g} (left; above 1 lumos smooths as if there were more noise than
it measured).</figcaption></figure>
<div class="card"><table class="nums"><tr><th></th><th>denoise</th><th>detail</th>
<th>noise (/255)</th><th>edge steepness</th></tr>{rows}</table></div>
</div>
<h3>Denoise {dn_lo:g} → {dn_hi:g} (detail {dt_row:g}), flat crop</h3>
<div class="strip">{s1}</div>
<h3>Detail 0 → 1 (denoise {dn_col:g}), edge crop</h3>{dt_note}<div class="strip">{s2}</div>"""


def _weights_words(card: ModelCard) -> str:
    """Total size of the weights the run used, then per folder (brightening, denoiser, ...)."""
    total = f"{(card.size_bytes or 0) / 1e6:.2f} MB"
    folders: dict[str, list[int]] = {}
    for name, size in card.weight_files:
        folders.setdefault(name.rsplit("/", 1)[0], []).append(size)
    if len(folders) < 2:
        return total
    each = "; ".join(
        f"{folder}/: {len(sizes)} file{'s' if len(sizes) > 1 else ''}, {sum(sizes) / 1e6:.2f} MB"
        for folder, sizes in folders.items()
    )
    return f"{total} in all ({each})"


def _card(card: ModelCard | None) -> str:
    if card is None:
        return ""
    parts = [f"<p>{escape(card.summary)}</p>"]
    for title, text in card.stages:
        parts.append(f"<h3>{escape(title)}</h3><p>{escape(text)}</p>")
    if card.size_bytes:
        parts.append(f"<p>Weights: {escape(_weights_words(card))}.</p>")
    if card.parameters:
        rows = "".join(
            f"<tr><td>{escape(str(k))}</td><td>{escape(str(v))}</td></tr>"
            for k, v in card.parameters.items()
        )
        parts.append(f'<h3>Parameters used for this photo</h3><table class="kv">{rows}</table>')
    if card.card_markdown:
        images = {ref: png_uri(data) for ref, data in card.card_images.items()}
        parts.append(
            '<details open class="card-md"><summary>Model card</summary>'
            f"{markdown_to_html(card.card_markdown, images=images)}</details>"
        )
    if card.record:
        rec = json.dumps(card.record, indent=2, default=str)
        parts.append(
            '<details class="card-md"><summary>Training record (record.json, '
            f'{len(rec.splitlines())} lines)</summary><pre class="card-md">{escape(rec)}</pre>'
            "</details>"
        )
    return f"""
<h2>6 · The model: {escape(card.name)}</h2>
<div class="card">{"".join(parts)}</div>"""


def _background() -> str:
    refs = "".join(f"<li>{escape(text)}</li>" for _, text in REFERENCES)
    return f"""
<h2>7 · Background</h2>
<div class="card">{BACKGROUND_HTML}<h3>References</h3><ol class="refs">{refs}</ol></div>"""


def _footer(r: ExplainReport) -> str:
    t = ", ".join(f"{k} {v:.2f} s" for k, v in r.timings.items())
    return f"""
<footer>Made by lumos {escape(__version__)} · times: {escape(t)} · stage images shown at
{r.display_scale:.0%} of full size; all numbers and crops use full resolution.</footer>
</main>"""


def render_html(report: ExplainReport) -> str:
    """The report as one self-contained HTML document.

    Parameters
    ----------
    report : ExplainReport
        From :func:`lumos.report.build_report`.

    Returns
    -------
    str
        HTML with inline CSS and ``data:`` URI images; no script, no network.

    Raises
    ------
    MissingExtraError
        If matplotlib (the ``report`` extra) is not installed.
    """
    body = (
        _header(report)
        + _analysis(report)
        + _workflow(report)
        + _stages(report)
        + _crops(report)
        + _balance(report)
        + _card(report.card)
        + _background()
        + _footer(report)
    )
    title = f"lumos explain: {report.source}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"{body}</body></html>\n"
    )
