"""Build LumosDN's two shipped weight sets from two trained checkpoints.

LumosDN ships as two nets of one architecture (``lumos.models.denoiser``):

* ``denoiser_dark.onnx``, for photos brightened a lot: the first LumosDN
  (``checkpoints/dn/best.pt``), trained on dark photos brightened by LumosNet;
* ``denoiser.onnx``, for photos kept near their exposure: a *weight-space blend*
  ("model soup", as in WiSE-FT, Wortsman et al. 2022) of its camera fine-tune
  (``checkpoints/dn_cam/best.pt``) and that first net, ``(1 - w) * camera + w * first``.
  The fine-tune starts from the first net, so the two lie in one basin and every
  blend is a working net; the blend keeps most of what the fine-tune learned on
  clean and synthetic camera photos and less of its timidity on real camera grain.

Each export is checked against torch (ONNX Runtime parity) and the record beside
the weights gets a ``soup`` section naming both inputs and ``w``.

Usage::

    python scripts/denoiser_soup.py --camera checkpoints/dn_cam/best.pt \\
        --first checkpoints/dn/best.pt --weight 0.3 --install
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import torch  # noqa: E402

from lumos.models.denoiser import DN_DARK_WEIGHTS, DN_WEIGHTS  # noqa: E402
from lumos.train.dn import export_dn, parity_dn  # noqa: E402
from lumos.train.dn_arch import LumosDN  # noqa: E402


def blend(camera: dict, first: dict, weight: float) -> dict:
    """``(1 - weight) * camera + weight * first``, tensor by tensor (integer buffers
    are the camera net's)."""
    if camera.keys() != first.keys():
        raise SystemExit("denoiser_soup: the two checkpoints are not the same architecture")
    return {
        k: (1 - weight) * v + weight * first[k] if v.is_floating_point() else v
        for k, v in camera.items()
    }


def _named(path: Path) -> str:
    """``path`` relative to the repository where it lies inside it (for the record)."""
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def build(camera_pt: Path, first_pt: Path, weight: float, out_dir: Path) -> dict:
    """Write ``denoiser.onnx`` (the blend) and ``denoiser_dark.onnx`` (the first net) into
    ``out_dir``; returns the record's ``soup`` section."""
    # The architecture is the camera run's (the blend needs both alike: checked in blend).
    arch = json.loads((camera_pt.parent / "config.json").read_text())
    camera = torch.load(camera_pt, map_location="cpu")
    first = torch.load(first_pt, map_location="cpu")
    section: dict = {"camera": _named(camera_pt), "first": _named(first_pt), "weight": weight}
    for name, state in (
        ("denoiser.onnx", blend(camera, first, weight)),
        ("denoiser_dark.onnx", first),
    ):
        net = LumosDN(arch["width"], arch["low_width"], arch["low_depth"])
        net.load_state_dict(state)
        net.eval()
        path = export_dn(net, out_dir / name)
        section[f"{name} parity"] = parity_dn(net, path)
    return section


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--camera", type=Path, default=REPO / "checkpoints" / "dn_cam" / "best.pt")
    ap.add_argument("--first", type=Path, default=REPO / "checkpoints" / "dn" / "best.pt")
    ap.add_argument("--weight", type=float, default=0.3, help="share of the first net (0-1)")
    ap.add_argument("--out", type=Path, help="folder for the two ONNX files (default: a temp)")
    ap.add_argument("--install", action="store_true", help="write them into the package")
    args = ap.parse_args()
    if not 0.0 <= args.weight <= 1.0:
        raise SystemExit("denoiser_soup: --weight must be within 0..1")
    out = DN_WEIGHTS.parent if args.install else (args.out or Path(tempfile.mkdtemp()))
    out.mkdir(parents=True, exist_ok=True)
    section = build(args.camera, args.first, args.weight, out)
    if args.install:
        record_path = out / "record.json"
        record = json.loads(record_path.read_text()) if record_path.is_file() else {}
        record["soup"] = section
        record_path.write_text(json.dumps(record, indent=2))
    print(json.dumps(section, indent=1))
    print(f"wrote {out / DN_WEIGHTS.name} and {out / DN_DARK_WEIGHTS.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
