"""The explain report as data: every number and every picture the HTML shows.

:func:`lumos.report.build_report` fills these dataclasses; :func:`lumos.report.render_html`
only formats them. Keeping the two apart means a test (or another front end, e.g.
the server) can check the numbers without parsing HTML, and rendering needs no
access to the photo any more.

Images are stored ready for display: uint8 RGB ``(h, w, 3)`` (or ``(h, w)`` for a
grey map), already downscaled where the report says so. Noise and intensities
are in [0, 1] units like everywhere in lumos; the HTML shows them as x/255.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "CropPair",
    "ExplainReport",
    "ModelCard",
    "StageMeasure",
    "SweepCell",
]


@dataclass(frozen=True)
class StageMeasure:
    """What one image of the chain measures like, on the full-resolution pixels.

    Attributes
    ----------
    key : str
        ``"input"``, ``"naive"``, ``"illumination"``, ``"brightened"``, ``"denoised"``,
        ``"detail"`` or ``"output"``.
    title : str
        Heading shown in the report.
    what : str
        One or two sentences: what this stage did and why.
    mean_luminance : float
        Mean Rec.709 luma.
    noise_sigma : float
        Visible luma noise std, fine grain and blotches alike
        (:func:`lumos.report._measure.noise_sigma`); ``nan`` for maps.
    noise_to_signal : float
        ``noise_sigma / mean_luminance``: comparable across brightness changes.
    sharpness : float
        Edge steepness over the result's edges (gradient across / edge height;
        independent of brightness and contrast, not biased by noise); ``nan`` for maps.
    edge_gradient : float
        Mean luma gradient across the same edges (per pixel).
    image : ndarray or None
        Display copy (uint8).
    """

    key: str
    title: str
    what: str
    mean_luminance: float
    noise_sigma: float
    noise_to_signal: float
    sharpness: float
    edge_gradient: float
    image: np.ndarray | None = field(default=None, repr=False)


@dataclass(frozen=True)
class CropPair:
    """One automatically chosen 100% crop, before and after.

    Attributes
    ----------
    kind : {"dark_flat", "edge"}
        Why it was chosen: darkest low-gradient window, or highest-gradient window.
    box : tuple of 4 ints
        ``(y0, y1, x0, x1)`` in full-resolution pixels.
    naive, brightened, output : ndarray
        uint8 crops: the input times one gain to the output's mean (what a
        simple "brightness" slider does), lumos after brightening only, and the
        final result.
    naive_noise, brightened_noise, output_noise : float
        Luma noise std in the crop.
    naive_sharpness, output_sharpness : float
        Edge steepness over the crop's edges (see :mod:`lumos.report._measure`).
    input_mean : float
        Mean luma of the crop in the photo as decoded.
    """

    kind: str
    box: tuple[int, int, int, int]
    naive: np.ndarray = field(repr=False)
    brightened: np.ndarray = field(repr=False)
    output: np.ndarray = field(repr=False)
    naive_noise: float
    brightened_noise: float
    output_noise: float
    naive_sharpness: float
    output_sharpness: float
    input_mean: float = float("nan")


@dataclass(frozen=True)
class SweepCell:
    """The crops at one ``(denoise, detail)`` setting, with what they measure.

    ``noise`` is measured on the dark flat crop, ``sharpness`` on the edge crop,
    both on the full-resolution pixels the pipeline would produce there.
    """

    denoise: float
    detail: float
    noise: float
    sharpness: float
    flat: np.ndarray = field(repr=False)
    edge: np.ndarray = field(repr=False)
    chosen: bool = False


@dataclass(frozen=True)
class ModelCard:
    """What the report says about an enhancer.

    Attributes
    ----------
    name : str
        Registry name (``"classical"``, ``"lumosnet"``).
    summary : str
        One paragraph.
    stages : list of (title, text) tuples
        What each stage does (classical pipeline).
    parameters : dict
        Values this run used (curve, radii, strengths).
    card_markdown : str or None
        The model's ``CARD.md`` when one ships with its weights.
    card_images : dict
        Pictures the card links to that ship beside it (file name -> PNG bytes).
    record : dict or None
        The model's ``record.json`` (training data, metrics) when present.
    size_bytes : int or None
        Size of all the weight files the run used.
    weight_files : list of (name, bytes) tuples
        Those files, e.g. the brightening members and the denoiser.
    """

    name: str
    summary: str
    stages: list[tuple[str, str]] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    card_markdown: str | None = None
    card_images: dict[str, bytes] = field(default_factory=dict, repr=False)
    record: dict[str, Any] | None = None
    size_bytes: int | None = None
    weight_files: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class ExplainReport:
    """Everything the explain report shows for one photo.

    Attributes
    ----------
    source : str
        File name, or ``"<array>"``.
    width, height : int
        Full-resolution size.
    model : str
        Enhancer that ran.
    analysis : dict
        :meth:`lumos.analysis.Analysis.to_dict` of the input: the same numbers
        ``lumos info`` prints.
    options : dict
        What the user asked for (``None`` = auto).
    denoise, detail, target_brightness : float
        The strengths the enhancer actually used (``plan``).
    noise_after_gain : float
        Input noise times the median brightening gain: what the auto strengths
        are chosen from.
    auto_reason : str
        One sentence: why these strengths.
    input_exposure, output_exposure : dict
        :func:`lumos.eval.image_stats.exposure_stats` of input and output, on a
        strided sample of at most ~0.5 MP.
    histogram_in, histogram_out : ndarray
        64-bin luma histograms (fractions of pixels) of input and output.
    noise_map : ndarray
        Per-region luma noise std of the input (:func:`lumos.analysis.noise_map`).
    noise_block : int
        Region size of ``noise_map`` in pixels.
    stages : list of StageMeasure
        Input, naive gain, each stage, output; with display images.
    crops : list of CropPair
    sweep : list of SweepCell
        Denoise x detail grid on the two crops.
    sweep_denoise, sweep_detail : tuple of floats
        The grid's axes.
    card : ModelCard
    timings : dict
        Seconds: pipeline steps (``analyse``, ``prepare``, ``enhance``) and the
        report's own work (``measure``, ``sweep``, ``total``).
    display_scale : float
        Display size / full size of the stage images (1 = not downscaled).
    brightened : bool
        Whether the enhancer changed any pixel's brightness (a well-exposed photo
        is left as it is).
    shadows : float or None
        How far the enhancer opened up the shadows (:mod:`lumos.stages.shadows`;
        0: left as they are), as ``stats["shadows"]``; ``None`` for a model
        without that stage.
    flow : dict
        Second lines of the workflow's Brighten / Denoise / Detail boxes, as the
        model that ran does them.
    """

    source: str
    width: int
    height: int
    model: str
    analysis: dict[str, Any]
    options: dict[str, Any]
    denoise: float
    detail: float
    target_brightness: float
    noise_after_gain: float
    auto_reason: str
    input_exposure: dict[str, float]
    output_exposure: dict[str, float]
    histogram_in: np.ndarray = field(repr=False)
    histogram_out: np.ndarray = field(repr=False)
    noise_map: np.ndarray = field(repr=False)
    noise_block: int = 64
    stages: list[StageMeasure] = field(default_factory=list)
    crops: list[CropPair] = field(default_factory=list)
    sweep: list[SweepCell] = field(default_factory=list)
    sweep_denoise: tuple[float, ...] = ()
    sweep_detail: tuple[float, ...] = ()
    card: ModelCard | None = None
    timings: dict[str, float] = field(default_factory=dict)
    display_scale: float = 1.0
    brightened: bool = True
    shadows: float | None = None
    flow: dict[str, str] = field(
        default_factory=lambda: {
            "brighten": "Retinex gain",
            "denoise": "noise-matched",
            "detail": "noise-gated",
        }
    )

    def stage(self, key: str) -> StageMeasure:
        """The :class:`StageMeasure` called ``key``."""
        for s in self.stages:
            if s.key == key:
                return s
        raise KeyError(f"no stage {key!r}; have {[s.key for s in self.stages]}")

    def numbers(self) -> dict[str, Any]:
        """JSON-ready summary of the numbers (no images): for tests and tools."""
        return {
            "source": self.source,
            "width": self.width,
            "height": self.height,
            "model": self.model,
            "analysis": self.analysis,
            "options": self.options,
            "denoise": round(self.denoise, 4),
            "detail": round(self.detail, 4),
            "target_brightness": round(self.target_brightness, 4),
            "shadows": None if self.shadows is None else round(self.shadows, 4),
            "noise_after_gain": round(self.noise_after_gain, 5),
            "stages": {
                s.key: {
                    "mean_luminance": round(s.mean_luminance, 4),
                    "noise_sigma": round(s.noise_sigma, 5),
                    "noise_to_signal": round(s.noise_to_signal, 4),
                    "sharpness": round(s.sharpness, 4),
                    "edge_gradient": round(s.edge_gradient, 5),
                }
                for s in self.stages
            },
            "crops": {
                c.kind: {
                    "box": list(c.box),
                    "naive_noise": round(c.naive_noise, 5),
                    "brightened_noise": round(c.brightened_noise, 5),
                    "output_noise": round(c.output_noise, 5),
                    "naive_sharpness": round(c.naive_sharpness, 5),
                    "output_sharpness": round(c.output_sharpness, 5),
                }
                for c in self.crops
            },
            "sweep": [
                {
                    "denoise": c.denoise,
                    "detail": c.detail,
                    "noise": round(c.noise, 5),
                    "sharpness": round(c.sharpness, 5),
                    "chosen": c.chosen,
                }
                for c in self.sweep
            ],
            "timings_s": {k: round(v, 4) for k, v in self.timings.items()},
        }
