"""Model cards: what the enhancer that ran is, and the parameters this run used.

A learned model ships its card next to its weights
(``lumos/models/weights/<name>/CARD.md`` and ``record.json``); the report shows
whatever is there. The classical pipeline has no weights, so its card is
written here, from the stage modules' own documentation, with the values the
run actually used taken from the plan.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ..enhancer import Plan
from ._markdown import image_refs
from ._model import ModelCard

__all__ = ["WEIGHTS_ROOT", "model_card"]

WEIGHTS_ROOT = Path(__file__).resolve().parent.parent / "models" / "weights"

_CLASSICAL_SUMMARY = (
    "No neural network: three small, explainable image-processing stages built on "
    "the guided filter, steered by the noise level lumos measures in your photo. "
    "Every global decision (brightness curve, illumination map, colour) is made once "
    "on small copies of the photo; the full-resolution work runs in tiles that "
    "agree exactly with a whole-frame run."
)

_CLASSICAL_STAGES = [
    (
        "Brighten (Retinex gain)",
        "The photo is treated as illumination times reflectance. The illumination is "
        "estimated from max(R, G, B), smoothed edge-aware by a guided filter in the log "
        "domain, so that a lamp's outline stays sharp. Each pixel is multiplied by the gain "
        "f(L)/L of an exposure-like tone curve, fitted so that the mean brightness hits the "
        "target; R, G and B get the same gain, so hues are kept. Nearly constant gain in "
        "the shadows keeps local contrast; highlights roll off instead of clipping. Where "
        "part of the frame is in deep shadow and part in full light (a backlit photo), the "
        "shadows are opened up too (shadows strength): up to 3x more gain for the darkest "
        "regions, a function of the same illumination folded into the gain table.",
    ),
    (
        "Denoise (noise-aware guided filter, luma/chroma)",
        "Brightening multiplies the noise together with the signal, so the noise expected "
        "at each pixel is the measured input noise times that pixel's gain. Luma is "
        "smoothed by a self-guided filter whose regularisation is matched to that noise: "
        "windows whose variance is about what noise alone gives are averaged, edges and "
        "texture well above it are kept. Colour noise (R-Y, B-Y) is filtered much "
        "harder, at a quarter of the resolution and guided by the luma, so colour stays "
        "inside object outlines; colour detail clearly above the noise is put back.",
    ),
    (
        "Detail (noise-gated unsharp mask)",
        "Band-pass detail (luma minus a small Gaussian blur) is boosted, but only where it "
        "stands above the noise still left after denoising (soft coring), so grain is not "
        "sharpened back. The result is clamped to the 3x3 neighbourhood's range plus a "
        "small margin: edges get crisper without bright or dark halos.",
    ),
]


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return [round(float(v), 4) for v in value.ravel()] if value.size <= 8 else None
    if isinstance(value, (float, np.floating)):
        return round(float(value), 4)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _shadows_parameter(plan: Plan) -> dict[str, Any]:
    """``{"shadows strength": ...}`` for a model with a shadow stage, else nothing."""
    shadows = plan.params.get("shadows")
    return {} if shadows is None else {"shadows strength": round(float(shadows), 4)}


def _classical_parameters(plan: Plan) -> dict[str, Any]:
    from ..stages import classical, denoise, detail

    p = plan.params
    out: dict[str, Any] = {
        "target brightness": round(plan.target_brightness, 4),
        "denoise strength": round(plan.denoise, 4),
        "detail strength": round(plan.detail, 4),
        **_shadows_parameter(plan),
        "tone curve k (shadow gain)": _jsonable(p.get("curve", {}).get("k")),
        "tone curve gamma": _jsonable(p.get("curve", {}).get("gamma")),
        "max gain": _jsonable(p.get("curve", {}).get("max_gain")),
        "illumination radius (proxy px)": p.get("illum_radius"),
        "white-balance gains (R, G, B)": _jsonable(p.get("wb")),
        "contrast": _jsonable(p.get("contrast")),
        "saturation": _jsonable(p.get("saturation")),
        "proxy long side (px)": classical.PROXY_SIDE,
        "luma filter radius (px)": denoise.LUMA_RADIUS,
        "chroma resolution": f"1/{denoise.CHROMA_SCALE}",
        "detail blur sigma (px)": detail.DETAIL_RADIUS,
        "tile halo (px)": plan.halo,
    }
    return {k: v for k, v in out.items() if v is not None}


def _weight_name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _card_images(text: str | None, folder: Path) -> dict[str, bytes]:
    """PNG pictures a card links to by a plain file name in its own folder."""
    images: dict[str, bytes] = {}
    for ref in image_refs(text or ""):
        path = folder / ref
        if "/" not in ref and ref.lower().endswith(".png") and path.is_file():
            images[ref] = path.read_bytes()
    return images


def _weights_card(name: str, folder: Path, plan: Plan) -> ModelCard:
    card_md = folder / "CARD.md"
    record_json = folder / "record.json"
    text = card_md.read_text(encoding="utf-8", errors="replace") if card_md.is_file() else None
    record: dict[str, Any] | None = None
    if record_json.is_file():
        try:
            loaded = json.loads(record_json.read_text(encoding="utf-8"))
            record = loaded if isinstance(loaded, dict) else {"record": loaded}
        except (OSError, ValueError):
            record = None
    files = sorted(folder.glob("*.onnx"))
    denoiser = plan.params.get("denoiser")
    if denoiser is not None and Path(denoiser).is_file():
        files.append(Path(denoiser))  # LumosDN ships in its own folder
    weight_files = [(_weight_name(f), f.stat().st_size) for f in files]
    size = sum(n for _, n in weight_files) or None
    summary = (
        f"A learned model, '{name}', run with ONNX Runtime; its card and training record "
        "ship with its weights and are shown below."
    )
    params = {
        "target brightness": round(plan.target_brightness, 4),
        "denoise strength": round(plan.denoise, 4),
        "detail strength": round(plan.detail, 4),
        **_shadows_parameter(plan),
        "tile halo (px)": plan.halo,
    }
    return ModelCard(
        name=name,
        summary=summary,
        parameters=params,
        card_markdown=text,
        card_images=_card_images(text, folder),
        record=record,
        size_bytes=size,
        weight_files=weight_files,
    )


def model_card(name: str, plan: Plan, *, weights_root: Path = WEIGHTS_ROOT) -> ModelCard:
    """The card of the enhancer ``name`` as used with ``plan``.

    Parameters
    ----------
    name : str
        Registry name of the enhancer that ran.
    plan : Plan
        Its plan for this photo (parameters actually used).
    weights_root : Path
        Where model folders live (a test seam).

    Returns
    -------
    ModelCard
        From ``CARD.md`` / ``record.json`` when the model ships them, else the
        classical pipeline's description.
    """
    folder = weights_root / name
    if name != "classical" and folder.is_dir():
        return _weights_card(name, folder, plan)
    if name == "classical":
        return ModelCard(
            name="classical",
            summary=_CLASSICAL_SUMMARY,
            stages=list(_CLASSICAL_STAGES),
            parameters=_classical_parameters(plan),
        )
    return ModelCard(
        name=name,
        summary=f"No card ships with '{name}'.",
        parameters={
            "denoise strength": plan.denoise,
            "detail strength": plan.detail,
            **_shadows_parameter(plan),
        },
    )
