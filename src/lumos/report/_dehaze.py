"""The explain report's dehaze cards: the transmission map and the dehazed photo.

Shown only when the run dehazed (``--dehaze`` above 0, or ``auto`` on a photo the
haze verdict called hazy): the cards say what was measured (haze density, airlight,
strength) and cite the method: He, Sun and Tang's dark channel prior, or LumosDH, the
learned dehazer (``--dehazer``), which reads the same two things with a small network.
"""

from __future__ import annotations

from dataclasses import replace

from ..analysis import HAZY_AT
from ..enhancer import Plan
from ..stages.dehaze import T_MIN, DehazePlan
from ._model import StageMeasure

__all__ = ["DEHAZE_KEYS", "DEHAZE_PAPERS", "tell_dehaze"]

DEHAZE_KEYS = ("transmission", "dehazed")
"""Intermediates of the dehaze stage, in the order the report shows them (before brightening)."""
DEHAZE_PAPERS = (
    "K. He, J. Sun, X. Tang, Single image haze removal using dark channel prior, CVPR 2009",
    "K. He, J. Sun, X. Tang, Guided image filtering, TPAMI 35(6), 2013",
    "K. He, J. Sun, Fast guided filter, arXiv:1505.00996, 2015",
)


LEARNED_SOURCE = (
    "LumosDH, a small network of this project that reads the transmission and the airlight "
    "on a 384-px copy, trained on synthetic haze over clean photos (lumos.train.dh)"
)


def _texts(dplan: DehazePlan) -> dict[str, tuple[str, str]]:
    r, g, b = (float(v) for v in dplan.airlight)
    if dplan.auto:
        why = (
            f"the haze verdict measured a density of {dplan.density:.2f} (hazy from "
            f"{HAZY_AT:.2f}), so auto dehazed at strength {dplan.strength:.2f}"
        )
    else:
        why = f"dehazed at the strength you chose, {dplan.strength:.2f}"
    cite = "; ".join(DEHAZE_PAPERS)
    if dplan.method == "learned":
        source = f"estimated by {LEARNED_SOURCE}"
        cite = "; ".join(DEHAZE_PAPERS[1:])
        air = "as the network read it"
    else:
        source = (
            "from the dark channel prior: in clear photos nearly every patch holds a "
            "near-black pixel, so whatever lifts that floor is haze"
        )
        air = "the mean of the haziest 0.1% of a small copy"
    return {
        "transmission": (
            "0 · Haze: transmission map",
            "How much of the scene's light reaches the camera through the haze at each pixel "
            f"(white: all of it; dark: mostly haze), {source}. Refined edge-aware by a "
            f"guided filter, never below {T_MIN:g}, blended "
            f"toward 1 by the strength: {why}. References: {cite}.",
        ),
        "dehazed": (
            "0 · Haze removed",
            f"The airlight, the colour of the haze (R {r:.2f}, G {g:.2f}, B {b:.2f}, {air}), "
            "is taken away where the map says, and what is "
            "left is divided by the transmission: J = (I - A) / t + A. That also multiplies "
            "the noise by 1/t, and the denoiser is told so. Brightening starts from here.",
        ),
    }


def tell_dehaze(stages: list[StageMeasure], plan: Plan) -> list[StageMeasure]:
    """Titles and texts of the dehaze cards (other stages are returned as they are)."""
    dplan = plan.params.get("dehaze")
    if not isinstance(dplan, DehazePlan) or not dplan.active:
        return stages
    texts = _texts(dplan)
    return [
        replace(s, title=texts[s.key][0], what=texts[s.key][1]) if s.key in texts else s
        for s in stages
    ]
