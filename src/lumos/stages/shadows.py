"""Shadows: lift the dark parts of a photo whose light is uneven (backlit, half in shade).

A photo can be bright on average and still have a third of its frame crushed
into shadow: people under a tree against the sky, a facade against the clouds,
a room against its window. The brightening stages leave such a photo alone
(its mean says it is well exposed), so the shadows stay black.

This stage measures the light that fell on each region, as the brightening
stage does (``max(R, G, B)`` smoothed edge-aware in the log domain, Retinex
style), and gives each dark region a log-gain

    ``strength * max(0, log(SHADOW_TARGET) - log L)``, at most ``log(SHADOW_MAX_GAIN)``,

one number per region: texture inside the shadow keeps its contrast, and the
boundary with the lit part follows its edge (the caller applies the map
edge-aware). How strongly depends on how much of the frame is in shadow
(:func:`auto_shadow_strength`): a studio portrait with a black backdrop in a
corner, or a well-exposed landscape, is left as it is. And whether the dark is a
shadow at all (:func:`backlight_evidence`): dark hair over a lit face, a black bird
among sunlit leaves or a still life's dark backdrop are dark things, not things in the
dark, and a photo of them keeps its blacks.
"""

from __future__ import annotations

import numpy as np

from .._color import channel_max
from .._types import FloatImage, FloatMap
from ._filters import guided_coefficients
from ._ramp import ramp

__all__ = [
    "SHADOW_DARK",
    "SHADOW_MAX_GAIN",
    "SHADOW_TARGET",
    "auto_shadow_strength",
    "backlight_evidence",
    "shadow_illumination",
    "shadow_log_gain",
    "shadow_strength",
]

SHADOW_DARK = 0.12
"""Illumination (brightest channel, smoothed) under which a region counts as in shadow."""
SHADOW_TARGET = 0.35
"""Illumination up to which a shadow's gain reaches (at strength 1); brighter is untouched."""
SHADOW_MAX_GAIN = 3.0
"""Most a shadow is multiplied by: beyond that JPEG blocks and noise come up with it."""
SHADOW_FRACTION = (0.08, 0.25)
"""Share of the frame in shadow over which auto strength ramps from 0 to full."""
SHADOW_STRENGTH = 0.6
"""Auto strength when the shadow covers a large share of the frame."""
SHADOW_LIT = 0.6
"""Illumination over which a region counts as in full light."""
LIT_FRACTION = (0.02, 0.08)
"""Share of the frame in full light over which auto strength ramps from 0 to full."""
LIGHT_ABOVE = (0.0, 0.2)
"""How far (share of the frame's height) the lit part's centre lies above the shadow's
over which the backlight evidence ramps in: sky over shaded ground."""
CLIPPED = (0.01, 0.03)
"""Share of the frame at the white point over which the backlight evidence ramps in: a
window or a sky the camera could not hold while the shadows went dark."""
CLIP_LEVEL = 0.98
"""Brightest channel at or over which a pixel counts as clipped."""
COLOURFUL_LIGHT = (0.5, 0.7)
"""Mean saturation of the lit part over which the evidence fades out: a light source
(sky, window, lamp, sunset) is pale next to a sunlit coloured thing (a toucan's beak,
leaves)."""
_LOG_EPS = 0.01
_EDGE_EPS = 0.25
"""Log-domain variance below which variation is texture, not light (as the brightening stage)."""


def shadow_illumination(rgb: FloatImage) -> FloatMap:
    """Light that fell on each pixel of a (small) photo: ``max(R, G, B)``, smoothed edge-aware.

    The guided filter runs on the log, so an edge means a ratio of light (sky
    against a shaded wall) and survives, while texture within the shadow is
    smoothed away. The radius is a twentieth of the long side.
    """
    g = np.log(channel_max(rgb) + np.float32(_LOG_EPS)).astype(np.float32)
    radius = max(1, round(max(g.shape) / 20))
    a, b = guided_coefficients(g, g, radius=radius, eps=_EDGE_EPS)
    return np.exp(a * g + b).astype(np.float32) - np.float32(_LOG_EPS)


def auto_shadow_strength(illumination: FloatMap, rgb: FloatImage | None = None) -> float:
    """Strength in [0, :data:`SHADOW_STRENGTH`]: how much of the frame is in shadow,
    beside how much is in full light, times the :func:`backlight_evidence` of ``rgb``
    (the photo ``illumination`` was measured on) when it is given.

    Both must be there: the light is uneven. A dark frame with nothing lit is a
    dark object or a dark scene (a colour chart's black card, a night sky), not a
    shadow to open up.
    """
    dark = float((illumination < SHADOW_DARK).mean())
    lit = float((illumination > SHADOW_LIT).mean())
    strength = SHADOW_STRENGTH * ramp(dark, SHADOW_FRACTION) * ramp(lit, LIT_FRACTION)
    if rgb is not None and strength > 0.0:
        strength *= backlight_evidence(rgb, illumination)
    return strength


def backlight_evidence(rgb: FloatImage, illumination: FloatMap) -> float:
    """How much a photo with dark and lit parts looks backlit, in [0, 1].

    Retinex cannot tell a dark thing from a thing in the dark by its pixels, but the
    frame's layout can. A backlit photo's light is a source the camera exposed
    against: it lies above the shadow (sky over shaded ground: :data:`LIGHT_ABOVE`)
    or it clipped (a window, a sun: :data:`CLIPPED`), and it is pale, not a
    colourful sunlit thing (:data:`COLOURFUL_LIGHT`). Measured on the 160-px proxy:
    dark hair over a face (Set5 head), a dark backdrop above a still life (cc15
    5dmark3 1) and a black toucan among bright leaves score 0, while most backlit
    DICM photos (sky over shade, windows) keep their full strength.
    """
    dark = illumination < SHADOW_DARK
    lit = illumination > SHADOW_LIT
    if not dark.any() or not lit.any():
        return 0.0
    rows = np.arange(illumination.shape[0], dtype=np.float32)[:, None] / illumination.shape[0]
    rows = np.broadcast_to(rows, illumination.shape)
    above = float(rows[dark].mean() - rows[lit].mean())
    brightest = channel_max(rgb)
    clipped = float((brightest >= CLIP_LEVEL).mean())
    saturation = (brightest - rgb.min(axis=-1)) / (brightest + np.float32(1e-3))
    colourful = ramp(float(saturation[lit].mean()), COLOURFUL_LIGHT)
    return max(ramp(above, LIGHT_ABOVE), ramp(clipped, CLIPPED)) * (1.0 - colourful)


def shadow_log_gain(illumination: FloatMap, strength: float) -> FloatMap:
    """Log-gain per pixel of ``illumination``: 0 where lit, up to ``log(SHADOW_MAX_GAIN)``."""
    lift = np.log(np.float32(SHADOW_TARGET)) - np.log(np.maximum(illumination, np.float32(1e-3)))
    lift = np.float32(strength) * np.maximum(lift, 0.0)
    return np.minimum(lift, np.float32(np.log(SHADOW_MAX_GAIN))).astype(np.float32)


def shadow_strength(
    illumination: FloatMap, requested: float | None, need: float, rgb: FloatImage | None = None
) -> float:
    """The strength to use: the user's (``requested``, in [0, 1]) or the auto one.

    Auto is :func:`auto_shadow_strength` times ``1 - need``, ``need`` being how
    much the brightening stage itself lifts the photo (1 for a dark photo, 0 for
    a well-exposed one): a dark photo's shadows are the brightening's to judge
    (a night scene keeps its dark sky), a bright one's are this stage's. ``rgb``, the
    photo the illumination was measured on, lets auto weigh the backlight evidence.
    """
    if requested is not None:
        return float(requested)
    return (1.0 - float(need)) * auto_shadow_strength(illumination, rgb)
