"""The exposure verdict: does this photo need brightening, and how much of it?

Leaving a photo alone is the first thing an enhancer must get right. Two kinds of
photo look dark on average and must keep their tones:

* a **dark scene exposed correctly**: a black cat, a still life on a dark cloth, a
  stage. The camera exposed for the highlights, so a good share of the frame still
  reaches the upper half of the range, and the blacks are deliberate;
* a **dim but well-exposed** photo: scenes with large dark areas average 0.2-0.3 in
  luma even when nothing is wrong.

An **under-exposed** photo has almost nothing in the upper half of the range: LOL's
dark photos (the darkest 40 of our 50 scenes have no pixel whose brightest channel
reaches 0.5) and most of DICM's, LIME's and SCI's night shots (lamps aside).

So the verdict fades the brightening out over a window of mean luma, and moves that
window down, toward :data:`EXPOSED_WINDOW`, the more the photo shows it was exposed
for its highlights: a good share of the frame in the upper half of the range, or blacks
that the exposure did not crush. Measured on the photos we have
(mean luma, share of the frame at or over 0.5 in its brightest channel):

* cc15 real-noise photos (correctly exposed, the reference keeps their tones): the
  three darkest are (0.200, 20%), (0.229, 23%) and (0.231, 1%). The old fade
  (0.20-0.30 by the mean alone) brightened them 1.5-3x, which cost 6-20 dB each;
* LOL's under-exposed photos: 46 of 50 under 0.15 mean, all with under 8% bright;
  the two at 0.20-0.21 (7% and 6% bright) want 1.3-1.8x;
* night photos with lamps (DICM, LIME, SCI): mean 0.02-0.17 with 0-23% bright.

Over-exposure
-------------
:func:`over_exposure_verdict` is the other direction: how strongly a photo reads as
over-exposed, for the highlights stage (:mod:`lumos.stages.highlights`). Three signs
must all be there, each a ramp in [0, 1], multiplied:

* a **high mean** (:data:`OVER_MEAN`): Kodak24's brightest photos (a white-sky
  aeroplane 0.674, a bright beach 0.665), cc15 (up to 0.57) and Set5 (up to 0.55) stay
  under 0.68, where the window starts, so none of them is ever touched; MSEC's
  1-1.5 stops over and the washed-out Flickr photos read 0.73-0.94;
* **lifted blacks** (:data:`OVER_BLACKS`, 5th percentile of luma): a bright but correct
  photo keeps dark detail (the Set14 slide with its black text: 0.004, Kodak's
  aeroplane: 0.11), an over-exposed one lifts it with the rest (0.20-0.75);
* **clipping** (:data:`OVER_CLIPPED`, share with a channel at the white point): an
  exposure error clips; a pale but unclipped photo (McMaster 4: mean 0.77, 0.2%
  clipped) is a pale subject.

Photos 1-1.5 stops over with a mean under 0.68 (MSEC a2682, a4747) are missed: no
global statistic we tried told them from Kodak's bright photos, and leaving a photo
alone is the floor.

Kept apart: the shadows stage (:mod:`lumos.stages.shadows`) still steps back on the
mean alone, as before; it is for backlit photos, which this verdict leaves alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..analysis import Analysis
from ._ramp import ramp

__all__ = [
    "BLACK_LEVEL",
    "BRIGHT_SHARE_FULL",
    "EXPOSED_WINDOW",
    "OVER_BLACKS",
    "OVER_CLIPPED",
    "OVER_MEAN",
    "ExposureVerdict",
    "OverExposure",
    "exposure_verdict",
    "over_exposure_verdict",
]

EXPOSED_WINDOW = (0.10, 0.20)
"""The fade window (mean luma) for a photo plainly exposed for its highlights: an
enhancer's own window moves toward it as the evidence grows (never up)."""
BRIGHT_SHARE_FULL = 0.20
"""Share of the frame at or over half range from which a photo counts as exposed for its
highlights (cc15's darkest correctly exposed photos: 20% and 23%; LOL's dark ones: 0-7%).
The evidence grows with the square of the share, so a few lamps or a 7% patch of light
(LOL's 342, which wants 1.8x) hardly move the window."""
BLACK_LEVEL = (0.02, 0.06)
"""1st percentile of luma over which the blacks count as lifted, from none to full
evidence. Under-exposure crushes a photo's darkest parts toward 0 (LOL's low photos:
0.009-0.017); cc15's correctly exposed dark ones keep them at 0.045-0.085."""


@dataclass(frozen=True)
class ExposureVerdict:
    """What the brightening decided, with the numbers behind it.

    Attributes
    ----------
    need : float
        How much to brighten, in [0, 1]: 0 keeps the photo's tones, 1 brightens fully.
    label : str
        ``under-exposed``, ``partly under-exposed``, ``dark scene exposed for its
        highlights`` or ``well exposed``.
    window : (float, float)
        The mean-luma fade used: need 1 at or below the first, 0 at or above the second.
    mean_luminance, bright_fraction : float
        The measurements it was decided on.
    """

    need: float
    label: str
    window: tuple[float, float]
    mean_luminance: float
    bright_fraction: float

    def text(self) -> str:
        """One line for people (``lumos info``, the explain report)."""
        lo, hi = self.window
        return (
            f"{self.label}: mean luma {self.mean_luminance:.3f}, "
            f"{100 * self.bright_fraction:.0f}% of the frame over half range; "
            f"brightening {100 * self.need:.0f}% (fades out between mean {lo:.2f} and {hi:.2f})"
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "need": round(self.need, 4),
            "label": self.label,
            "window": [round(self.window[0], 4), round(self.window[1], 4)],
            "bright_fraction": round(self.bright_fraction, 4),
        }


def exposure_verdict(analysis: Analysis, fade: tuple[float, float]) -> ExposureVerdict:
    """How much ``analysis``'s photo needs brightening, for an enhancer whose fade window
    (of mean luma, for a frame with nothing bright) is ``fade``.

    Examples
    --------
    >>> from lumos.analysis import analyse
    >>> dark = analyse(np.full((32, 32, 3), 0.03, np.float32))
    >>> exposure_verdict(dark, (0.20, 0.30)).label
    'under-exposed'
    """
    m = float(analysis.mean_luminance)
    share = float(analysis.bright_fraction)
    by_share = float(np.clip(share / BRIGHT_SHARE_FULL, 0.0, 1.0)) ** 2
    by_blacks = ramp(float(analysis.p01), BLACK_LEVEL)
    t = max(by_share, by_blacks)
    lo = min(fade[0], fade[0] + t * (EXPOSED_WINDOW[0] - fade[0]))
    hi = min(fade[1], fade[1] + t * (EXPOSED_WINDOW[1] - fade[1]))
    need = float(np.clip((hi - m) / (hi - lo), 0.0, 1.0))
    if need >= 1.0:
        label = "under-exposed"
    elif need > 0.0:
        label = "partly under-exposed"
    elif m < fade[1]:
        label = "dark scene exposed for its highlights"
    else:
        label = "well exposed"
    return ExposureVerdict(need, label, (lo, hi), m, share)


OVER_MEAN = (0.68, 0.78)
"""Mean luma over which the over-exposure evidence ramps in (Kodak24's brightest: 0.674)."""
OVER_BLACKS = (0.15, 0.30)
"""5th percentile of luma over which the blacks count as lifted by the exposure."""
OVER_CLIPPED = (0.005, 0.02)
"""Share of the frame at the white point over which clipping counts as an exposure error."""


@dataclass(frozen=True)
class OverExposure:
    """The over-exposure verdict, with the numbers behind it.

    Attributes
    ----------
    strength : float
        In [0, 1]: 0 leaves the highlights alone, 1 corrects fully.
    label : str
        ``over-exposed``, ``partly over-exposed`` or ``not over-exposed``.
    mean_luminance, p05, clipped_fraction, highlight_headroom : float
        The measurements it was decided on (see :class:`lumos.analysis.Analysis`).
    """

    strength: float
    label: str
    mean_luminance: float
    p05: float
    clipped_fraction: float
    highlight_headroom: float

    def text(self) -> str:
        """One line for people (``lumos info``, the explain report)."""
        return (
            f"{self.label}: mean luma {self.mean_luminance:.3f}, darkest 5% at "
            f"{self.p05:.3f}, {100 * self.clipped_fraction:.1f}% clipped, highlight "
            f"headroom {self.highlight_headroom:.3f}; darkening {100 * self.strength:.0f}%"
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "strength": round(self.strength, 4),
            "label": self.label,
            "p05": round(self.p05, 4),
            "clipped_fraction": round(self.clipped_fraction, 4),
            "highlight_headroom": round(self.highlight_headroom, 4),
        }


def over_exposure_verdict(analysis: Analysis) -> OverExposure:
    """How strongly ``analysis``'s photo reads as over-exposed (module docstring).

    Examples
    --------
    >>> from lumos.analysis import analyse
    >>> washed = np.full((32, 32, 3), 0.9, np.float32); washed[:4] = 1.0
    >>> over_exposure_verdict(analyse(washed)).label
    'over-exposed'
    >>> over_exposure_verdict(analyse(np.full((32, 32, 3), 0.5, np.float32))).strength
    0.0
    """
    m = float(analysis.mean_luminance)
    strength = (
        ramp(m, OVER_MEAN)
        * ramp(float(analysis.p05), OVER_BLACKS)
        * ramp(float(analysis.clipped_fraction), OVER_CLIPPED)
    )
    if strength >= 1.0:
        label = "over-exposed"
    elif strength > 0.0:
        label = "partly over-exposed"
    else:
        label = "not over-exposed"
    return OverExposure(
        strength,
        label,
        m,
        float(analysis.p05),
        float(analysis.clipped_fraction),
        float(analysis.highlight_headroom),
    )
