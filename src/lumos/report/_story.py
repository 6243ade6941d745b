"""The report's words: what each stage did, for the model that ran and the numbers it gave.

The two enhancers brighten differently (:mod:`lumos.stages.classical`: one
Retinex gain for R, G and B from an illumination map, then an optional cast
removal and, for strongly brightened photos, softer contrast and saturation;
:mod:`lumos.models.lumosnet`: per-channel gains plus small offsets decided by a
network, no contrast or saturation step), and a photo may need no brightening
at all, or have so much noise that the sharpening stays gated off. So every
sentence here is chosen from :class:`Facts` of the run, never fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..stages.shadows import SHADOW_MAX_GAIN

__all__ = [
    "DARK_MEAN",
    "GATING_NOISE",
    "SHARPENED",
    "Facts",
    "detail_text",
    "flow_labels",
    "stage_text",
]

DARK_MEAN = 0.15
"""Mean luma below which a photo is called dark (LOL's low photos average 0.05-0.2)."""
SHARPENED = 0.02
"""A relative rise of edge steepness below this is "no visible sharpening"."""
GATING_NOISE = 4.0 / 255
"""Noise after the gain above which the sharpening's noise gate explains a small effect."""


def _l(x: float) -> str:
    return f"{x * 255:.0f}/255"


@dataclass(frozen=True)
class Facts:
    """What the words depend on, taken from the run and its measures.

    Attributes
    ----------
    model : str
        Enhancer that ran.
    learned_denoiser : bool
        LumosDN did the denoising (else the classical filters, or the model's own).
    dark_denoiser : bool
        With its weights for photos brightened a lot (else those for photos kept near
        their exposure).
    input_mean, output_mean : float
        Mean luma of the photo and of the result.
    gain : (p5, median, p95)
        Luma gain the brightening applied, or ``None`` for a model that does not say.
    noise_after : float
        Input noise times the median gain.
    detail : float
        Detail strength used.
    wb : (r, g, b) or None
        Classical cast-removal gains (``None`` or all 1: none).
    contrast, saturation : float
        Classical finishing factors (1: none).
    shadows : float or None
        How far the shadows were opened up (:mod:`lumos.stages.shadows`; 0: not at
        all, ``None``: the model has no such stage).
    shadows_auto : bool
        The shadow strength was lumos' own choice (the option was ``auto``).
    exposure : str or None
        The exposure verdict's line (:mod:`lumos.stages.exposure`), ``None`` for a
        model that makes none.
    exposure_label : str or None
        Its label (``under-exposed``, ``dark scene exposed for its highlights``, ...).
    darkening : str or None
        What the highlights stage did and why (:meth:`HighlightsPlan.why`,
        :mod:`lumos.stages.highlights`); ``None`` where no such stage ran.
    deblock : (strength, flats, blockiness, threshold) or None
        The compression clean-up before the gain (:mod:`lumos.stages.deblock`): the
        block filter's and the flats' strengths, the input's blockiness and the largest
        step across a block edge taken for an artefact (8-bit codes); ``None`` where it
        did not run.
    """

    model: str
    learned_denoiser: bool
    input_mean: float
    output_mean: float
    gain: tuple[float, float, float] | None
    noise_after: float
    detail: float
    wb: tuple[float, float, float] | None = None
    dark_denoiser: bool = False
    contrast: float = 1.0
    saturation: float = 1.0
    shadows: float | None = None
    shadows_auto: bool = True
    exposure: str | None = None
    exposure_label: str | None = None
    deblock: tuple[float, float, float, float] | None = None
    darkening: str | None = None

    @property
    def shadows_opened(self) -> bool:
        """Whether the shadow stage lifted anything (strength above 0)."""
        return self.shadows is not None and self.shadows > 0.0

    @property
    def brightened(self) -> bool:
        """Whether any pixel's gain differs from 1 (by more than 2 %)."""
        if self.gain is None:
            return abs(self.output_mean - self.input_mean) > 0.02 * max(self.input_mean, 1e-3)
        return self.gain[2] > 1.02 or self.gain[0] < 0.98

    @property
    def dark(self) -> bool:
        return self.input_mean < DARK_MEAN

    @property
    def cast_removed(self) -> bool:
        return self.wb is not None and any(abs(g - 1.0) > 0.005 for g in self.wb)

    @property
    def eased(self) -> bool:
        return self.contrast < 0.995 or self.saturation < 0.995


def _no_gain(f: Facts) -> str:
    if f.exposure_label == "dark scene exposed for its highlights":
        return (
            f"No brightening was needed: your photo is dark (mean {_l(f.input_mean)}) but "
            "exposed for its highlights, so its dark tones are taken as deliberate and the "
            "gain is 1 everywhere"
        )
    return (
        f"No brightening was needed: your photo is already bright enough (mean "
        f"{_l(f.input_mean)}), so the gain is 1 everywhere"
    )


def stage_text(key: str, f: Facts) -> tuple[str, str]:
    """Title and text of the stage ``key`` (``detail``: see :func:`detail_text`)."""
    if key == "input":
        if f.dark:
            what = "As decoded: dark, and the noise is hidden in the shadows."
        elif f.brightened:
            what = f"As decoded: on the dim side (mean {_l(f.input_mean)})."
        else:
            what = f"As decoded: already well exposed (mean {_l(f.input_mean)})."
        if f.exposure:
            what += f" Exposure verdict — {f.exposure}."
        if f.darkening:
            what += f" Over-exposure — {f.darkening}."
        return "Your photo", what
    if key == "exposure_map":
        return "0 · Exposure map", (
            "The gain each pixel's light was multiplied by to bring the highlights down "
            "(white: kept as it was, as clipped areas are; darker: brought down more). It "
            "follows an edge-aware base of the luminance, so texture inside a highlight "
            "keeps its contrast."
        )
    if key == "highlights":
        return "0 · Highlights brought down", (
            "In linear light, each pixel scaled by the gain of its edge-aware base "
            "(one ratio for R, G and B, so hues stay), along a curve that keeps white "
            f"white: {f.darkening or 'over-exposure corrected'}."
        )
    if key == "naive":
        ratio = f.output_mean / max(f.input_mean, 1e-4)
        what = (
            f"One gain for every pixel (×{ratio:.2f}), to the same mean brightness as lumos' "
            "result: what an exposure slider does."
        )
        if ratio > 1.1:
            what += " Noise is multiplied with the signal and becomes visible."
        elif ratio < 0.9:
            # Darkening (an over-exposed photo): what one gain does to white.
            what += " White turns grey with everything else; lumos keeps it white."
        else:
            what += " Here that is nearly your photo as it is."
        return "Plain brightening (for comparison)", what
    if key == "illumination":
        if f.model == "classical":
            what = (
                "How much light fell on each part of the scene, estimated from the brightest "
                "channel, max(R, G, B), smoothed edge-aware (a guided filter in the log "
                "domain). The tone curve turns it into each pixel's gain: dark areas of this "
                "map get the most."
            )
        elif f.model == "lumosnet":
            what = (
                "The light level the network's brightening implies: one over the luma gain it "
                "applied at each pixel (its gain maps are decided on a small copy of the photo "
                "and spread edge-aware over the full-resolution pixels). Dark areas of this map "
                "got the most gain."
            )
        else:
            what = "The model's estimate of the light on each part of the scene."
        if not f.brightened:
            what = _no_gain(f) + (
                ", and this map, one over the gain, is plain white."
                if f.model == "lumosnet"
                else "; this map is the light estimate the gain would follow."
            )
        return "1 · Illumination map", what
    if key == "brightened":
        if not f.brightened:
            return "2 · Brightened", _no_gain(f) + ": this is your photo unchanged."
        med = f" (median ×{f.gain[1]:.1f})" if f.gain is not None else ""
        if f.model == "classical":
            what = (
                f"Each pixel multiplied by the gain its illumination calls for{med}, from a "
                "tone curve fitted to the target brightness; R, G and B get the same gain, so "
                "colours keep their hue."
            )
            if f.cast_removed and f.wb is not None:
                r, g, b = f.wb
                what += (
                    f" Then a colour cast is removed (R ×{r:.2f}, G ×{g:.2f}, B ×{b:.2f}, each "
                    "pixel keeping its brightness)."
                )
        elif f.model == "lumosnet":
            what = (
                f"Each pixel multiplied by gains the network chose for it{med}, one per channel "
                "(R, G and B differ: the network corrects colour too), plus a small per-channel "
                "offset that lifts shadows crushed to black. Near-white pixels get one neutral "
                "gain, so lamps keep their hue."
            )
        else:
            what = f"The model's brightened photo{med}."
        if f.shadows_opened:
            what += " " + _shadows_text(f)
        if f.deblock is not None:
            what = _deblock_text(f.deblock) + " " + what
        return "2 · Brightened", what + " The noise is amplified too."
    if key == "denoised":
        if f.learned_denoiser:
            what = (
                "A small neural network (LumosDN), told how much noise to expect at each pixel "
                "(the measured input noise times that pixel's gain), removes the grain and "
                "keeps the structure it has learned to tell apart from it, colour noise included."
            )
            what += (
                " It ran with its weights for dark photos (trained on photos brightened as "
                "much as this one)."
                if f.dark_denoiser
                else " It ran with its weights for photos kept near their exposure (real "
                "camera grain, clean detail)."
            )
        else:
            what = (
                "Noise-matched smoothing: flat areas whose variation is about the size of the "
                "noise are averaged; edges, well above it, are kept. Colour noise is filtered "
                "hardest."
            )
        return "3 · Denoised", what
    raise KeyError(key)


def _deblock_text(deblock: tuple[float, float, float, float]) -> str:
    """The sentence on the compression clean-up that ran before the gain."""
    strength, flats, blockiness, threshold = deblock
    parts = []
    if strength > 0.0:
        parts.append(
            f"steps across the 8x8 grid up to about {threshold:.0f} codes, the size the "
            f"compression leaves (strength {strength:.2f}), became gentle slopes"
        )
    if flats > 0.0:
        parts.append("shadows quantised to a code or two were smoothed, so they do not band")
    return (
        f"First, before the gain could magnify them, the compression's traces in the dark "
        f"photo (JPEG blockiness {blockiness:.2f}; 1 is none) were cleaned: "
        + "; ".join(parts)
        + "."
    )


def _shadows_text(f: Facts) -> str:
    """The sentence on the shadows that were opened up (strength above 0)."""
    why = (
        "chosen by lumos, as part of the frame is in deep shadow and part in full light"
        if f.shadows_auto
        else "as you set it"
    )
    how = (
        "folded into the same gain table"
        if f.model == "classical"
        else "added to the network's gains and spread edge-aware"
    )
    return (
        f"Shadows were opened up too (strength {f.shadows or 0.0:.2f}, {why}): regions in deep "
        f"shadow get extra gain, up to ×{SHADOW_MAX_GAIN:g}, one amount per region ({how}), "
        "so texture inside keeps its contrast and the lit parts stay as they are."
    )


def detail_text(f: Facts, change: float | None, *, is_result: bool) -> tuple[str, str]:
    """Title and text of the detail step, from the measured change of edge steepness.

    ``change`` is the relative change from the denoised image (``None``: not
    measurable); ``is_result`` says the step's output is the final image.
    """
    pct = "" if change is None else f" (edge steepness {change * 100:+.0f}%)"
    if f.detail <= 0.0:
        title, what = "4 · Detail", "Detail strength 0: no sharpening."
    elif change is None:
        title = "4 · Detail"
        what = (
            f"Sharpening at strength {f.detail:.2f} boosts fine detail that stands clearly above "
            "the remaining noise, without halos (no edges here to measure it on)."
        )
    elif change >= SHARPENED:
        title = "4 · Detail restored"
        what = (
            "Fine detail that stands clearly above the remaining noise is boosted, without "
            f"halos{pct}."
        )
    elif f.noise_after >= GATING_NOISE:
        title = "4 · Detail (sharpening gated off)"
        what = (
            f"Sharpening at strength {f.detail:.2f} changed almost nothing here{pct}: it boosts "
            "only detail well above the noise the photo had after brightening (about "
            f"{f.noise_after * 255:.0f}/255), and nearly all of this photo's detail is below "
            "that, so the grain was not sharpened back. Edges stay as the denoiser left them."
        )
    else:
        title = "4 · Detail"
        what = (
            f"Sharpening at strength {f.detail:.2f} changed the edges only slightly here{pct}: "
            "it may not push a pixel past its neighbours' range (no halos)."
        )
    finish = []
    if f.eased:
        finish.append(
            f"As the photo was brightened a lot, contrast (×{f.contrast:.2f} around the target "
            f"brightness) and saturation (×{f.saturation:.2f}) are then eased slightly, which is "
            "why the result is a little flatter than the brightened image."
        )
    if f.brightened:
        finish.append("Values pushed above 90 % are rolled off instead of clipped.")
    if is_result:
        title += " = result"
    return title, " ".join([what, *finish])


def flow_labels(f: Facts) -> dict[str, str]:
    """Second lines of the workflow boxes Brighten, Denoise and Detail."""
    if f.model not in ("classical", "lumosnet"):
        return {"brighten": "by the model", "denoise": "by the model", "detail": "by the model"}
    brighten = {"classical": "Retinex gain", "lumosnet": "learned gains"}.get(f.model, "model")
    if not f.brightened:
        brighten = "none needed"
    denoise = "LumosDN net" if f.learned_denoiser else "noise-matched"
    return {"brighten": brighten, "denoise": denoise, "detail": "noise-gated"}
