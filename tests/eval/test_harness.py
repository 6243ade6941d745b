"""`lumos eval` and `lumos audit-pairs` through the CLI, on pairs made in code."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lumos.cli import main
from lumos.eval.metrics import psnr


def _pairs(root: Path, n: int = 3) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    low, high = root / "low", root / "high"
    low.mkdir(parents=True)
    high.mkdir(parents=True)
    yy, xx = np.mgrid[0:128, 0:160].astype(np.float32)
    for i in range(n):
        ref = np.stack([np.sin(xx / (6 + i)), np.cos(yy / 9), np.sin((xx + yy) / 11)], -1)
        ref = (ref * 0.3 + 0.5).astype(np.float32)
        dark = np.clip(ref * 0.12 + rng.normal(0, 0.004, ref.shape), 0, 1)
        Image.fromarray((ref * 255 + 0.5).astype(np.uint8)).save(high / f"{i}.png")
        Image.fromarray((dark * 255 + 0.5).astype(np.uint8)).save(low / f"{i}.png")
    return low, high


def test_eval_pairs_reports_plain_and_labelled_gt_mean(tmp_path: Path, capsys) -> None:
    low, high = _pairs(tmp_path)
    out_json = tmp_path / "scores.json"
    assert main(["eval", "--pairs", str(low), str(high), "--json", str(out_json)]) == 0
    text = capsys.readouterr().out
    assert "PSNR" in text and "gt-mean" in text and text.count(".png") == 3
    data = json.loads(out_json.read_text())
    mean = data["mean"]
    # Both scores are reported and sane (GT-mean rescaling usually, not always,
    # helps: matching means is not the least-squares scale).
    assert mean["psnr"] > 10 and mean["psnr_gt_mean"] > 15
    assert 0 < mean["ssim"] <= 1 and mean["seconds_per_mp"] > 0


def test_baseline_identity_scores_the_input(tmp_path: Path, capsys) -> None:
    low, high = _pairs(tmp_path, n=1)
    out_json = tmp_path / "s.json"
    assert (
        main(
            [
                "eval",
                "--pairs",
                str(low),
                str(high),
                "--baseline",
                "identity",
                "--no-niqe",
                "-q",
                "--json",
                str(out_json),
            ]
        )
        == 0
    )
    a = np.asarray(Image.open(low / "0.png"), np.float32) / 255
    b = np.asarray(Image.open(high / "0.png"), np.float32) / 255
    got = json.loads(out_json.read_text())["mean"]["psnr"]
    assert got == pytest.approx(psnr(a, b), abs=1e-6)


def test_lumos_beats_identity_on_dark_pairs(tmp_path: Path) -> None:
    low, high = _pairs(tmp_path)
    scores = {}
    for extra in ([], ["--baseline", "identity"]):
        j = tmp_path / f"{len(extra)}.json"
        assert (
            main(
                [
                    "eval",
                    "--pairs",
                    str(low),
                    str(high),
                    "--no-niqe",
                    "-q",
                    "--json",
                    str(j),
                    *extra,
                ]
            )
            == 0
        )
        scores[len(extra)] = json.loads(j.read_text())["mean"]["psnr"]
    assert scores[0] > scores[2] + 5


def test_eval_unpaired_and_missing_folder(tmp_path: Path, capsys) -> None:
    low, _ = _pairs(tmp_path, n=2)
    assert main(["eval", "--unpaired", str(low), "--downstream"]) == 0
    assert "mean" in capsys.readouterr().out
    assert main(["eval", "--unpaired", str(tmp_path / "nope")]) == 1
    assert "no such folder" in capsys.readouterr().err


def test_audit_pairs_command(tmp_path: Path, capsys) -> None:
    low, high = _pairs(tmp_path)
    assert main(["audit-pairs", str(low), str(high), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "findings" in report
