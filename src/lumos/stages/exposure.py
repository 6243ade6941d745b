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
over-exposed, for the highlights stage (:mod:`lumos.stages.highlights`). Global
statistics cannot tell a photo one stop over from a bright, correct one (Kodak's beach,
mean 0.665, sits among MSEC's 1.5-stop errors), so the reading is learned: a small
regressor (:mod:`lumos.overexposure`) reads how many stops over the photo is from the
shape of its tones (histograms in sRGB and in stops, the brightest channel, saturation
by brightness, highlight texture, clipping, percentiles), trained on synthetic MSEC-style
errors of CBSD68 and LOL references. Its reading is the darkening, in stops, behind:

* a **dead zone** (:data:`OVER_DEAD_ZONE`): under 1 stop nothing happens, ramping to
  the full reading at 1.3 (correct photos of the held-out split read up to about 1);
* **lifted blacks** (:data:`OVER_BLACKS`, 5th percentile of luma): a photo that keeps
  real blacks (a slide's black text, a sunset's silhouettes) is not over-exposed;
* **clipping** (:data:`OVER_CLIPPED`): an error of a stop or more clips something; a
  pale, unclipped photo is a pale subject;
* **a lifted subject** (:data:`OVER_SUBJECT`, the median luma of what is not clipped):
  over-exposure lifts the subject with the rest, a correct photo against a blown sky
  keeps it in the middle tones.

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
    "OVER_DEAD_ZONE",
    "OVER_SUBJECT",
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


OVER_DEAD_ZONE = (1.0, 1.3)
"""Stops over (the learned reading) over which the darkening ramps in. Below the first
nothing is darkened: the held-out correct photos of the training sources read up to
about 1 stop (:data:`lumos.overexposure.WEIGHTS_PATH`'s record), and a photo half a stop
over is a matter of taste."""
OVER_BLACKS = (0.03, 0.06)
"""5th percentile of luma over which the blacks count as lifted: a photo that keeps
real blacks (black text on a white slide, the shadows of a sunset) is not over-exposed
however white the rest; over-exposure lifts the darkest tones with the others."""
OVER_SUBJECT = (0.45, 0.55)
"""Median luma of the unclipped pixels (``Analysis.unclipped_median``) over which the
subject counts as lifted. One stop over takes a mid-grey from 0.46 to 0.62 (sRGB); the
real over-exposed photos we have keep what is not blown at 0.48-0.84, while a correct
photo against a blown sky (a backlit flower in DICM: 0.42) or a sunset (0.18) keeps it
lower."""
OVER_CLIPPED = (0.005, 0.02)
"""Share of the frame with a channel at the white point over which clipping counts: an
error of a stop or more clips the brightest part of any ordinary photo, a pale but
unclipped photo (a grey wall in soft light) is a pale subject."""


@dataclass(frozen=True)
class OverExposure:
    """The over-exposure verdict, with the numbers behind it.

    Attributes
    ----------
    strength : float
        In [0, 1]: 0 leaves the highlights alone, 1 corrects fully.
    label : str
        ``over-exposed``, ``partly over-exposed`` or ``not over-exposed``.
    stops : float
        How many stops over the learned regressor reads the photo
        (:attr:`lumos.analysis.Analysis.over_stops`).
    ev : float
        The darkening it asks for, in stops: ``strength * stops``.
    unclipped_median : float
        Median luma of what is not blown (:attr:`lumos.analysis.Analysis.unclipped_median`).
    mean_luminance, p05, clipped_fraction, highlight_headroom : float
        The measurements beside it (see :class:`lumos.analysis.Analysis`).
    """

    strength: float
    label: str
    mean_luminance: float
    p05: float
    clipped_fraction: float
    highlight_headroom: float
    stops: float = 0.0
    ev: float = 0.0
    unclipped_median: float = 0.5

    def text(self) -> str:
        """One line for people (``lumos info``, the explain report)."""
        lo, hi = OVER_DEAD_ZONE
        if self.stops <= lo:
            why = f"inside the {lo:.1f}-stop dead zone"
        elif self.p05 < OVER_BLACKS[1] and self.strength < 1.0:
            why = "but it keeps real blacks"
        elif self.clipped_fraction < OVER_CLIPPED[1] and self.strength < 1.0:
            why = "but little of it is clipped"
        elif self.unclipped_median < OVER_SUBJECT[1] and self.strength < 1.0:
            why = f"but what is not blown stays at {self.unclipped_median:.2f}"
        elif self.stops < hi:
            why = f"on the {lo:.1f}-{hi:.1f}-stop ramp out of the dead zone"
        else:
            why = f"past the {lo:.1f}-{hi:.1f}-stop dead zone"
        return (
            f"{self.label}: reads {self.stops:.2f} stops over (learned), {why}; mean luma "
            f"{self.mean_luminance:.3f}, darkest 5% at {self.p05:.3f}, "
            f"{100 * self.clipped_fraction:.1f}% clipped; darkening {100 * self.strength:.0f}%"
            f" ({self.ev:.2f} stops)"
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "strength": round(self.strength, 4),
            "label": self.label,
            "stops_over": round(self.stops, 4),
            "ev": round(self.ev, 4),
            "unclipped_median": round(self.unclipped_median, 4),
            "p05": round(self.p05, 4),
            "clipped_fraction": round(self.clipped_fraction, 4),
            "highlight_headroom": round(self.highlight_headroom, 4),
        }


def over_exposure_verdict(analysis: Analysis) -> OverExposure:
    """How strongly ``analysis``'s photo reads as over-exposed (module docstring).

    Examples
    --------
    >>> from lumos.analysis import analyse
    >>> over_exposure_verdict(analyse(np.full((32, 32, 3), 0.5, np.float32))).strength
    0.0
    """
    stops = float(analysis.over_stops)
    strength = (
        ramp(stops, OVER_DEAD_ZONE)
        * ramp(float(analysis.p05), OVER_BLACKS)
        * ramp(float(analysis.clipped_fraction), OVER_CLIPPED)
        * ramp(float(analysis.unclipped_median), OVER_SUBJECT)
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
        float(analysis.mean_luminance),
        float(analysis.p05),
        float(analysis.clipped_fraction),
        float(analysis.highlight_headroom),
        stops,
        strength * stops,
        float(analysis.unclipped_median),
    )
