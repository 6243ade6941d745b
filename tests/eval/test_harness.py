"""`lumos eval` and `lumos audit-pairs` through the CLI, on pairs made in code."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import lumos.cli.evaluate
from lumos.cli import main
from lumos.errors import InputError
from lumos.eval.harness import evaluate
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


def test_eval_reports_the_references_brightness_beside_the_outputs(tmp_path: Path, capsys) -> None:
    # A miss in brightness shows as two different means, not only as a lower PSNR.
    low, high = _pairs(tmp_path, n=1)
    out_json = tmp_path / "s.json"
    args = ["eval", "--pairs", str(low), str(high), "--baseline", "identity", "--no-niqe"]
    assert main([*args, "--json", str(out_json)]) == 0
    header = capsys.readouterr().out.splitlines()[0].split()
    assert header[header.index("mean") + 1] == "ref"
    image = json.loads(out_json.read_text())["images"][0]
    luma = np.array([0.2126, 0.7152, 0.0722], np.float32)
    for key, folder in (("mean_luminance", low), ("reference_luminance", high)):
        rgb = np.asarray(Image.open(folder / "0.png"), np.float32) / 255
        assert image[key] == pytest.approx(float((rgb @ luma).mean()), abs=1e-4)
    assert image["reference_luminance"] > 3 * image["mean_luminance"]
    # Unpaired photos have no reference: the cell is empty, not zero.
    assert main(["eval", "--unpaired", str(low), "--baseline", "identity", "--no-niqe"]) == 0
    row = capsys.readouterr().out.splitlines()[1].split()
    assert row[header.index("ref")] == "-"


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
    # The three synthetic scenes are alike: findings, so exit 1 (the report still printed).
    assert main(["audit-pairs", str(low), str(high), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["counts"] == {"near_duplicate": 3}


def _small(path: Path, h: int = 24, w: int = 32, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(5, 60, (h, w, 3), dtype=np.uint8)).save(path)
    return path


def _folders(tmp_path: Path) -> tuple[Path, Path]:
    low, high = tmp_path / "low", tmp_path / "high"
    low.mkdir()
    high.mkdir()
    for name in ("a", "b", "c"):
        _small(low / f"{name}.png")
        _small(high / f"{name}.png", seed=1)
    _small(high / "b.png", h=20)  # size mismatch
    (high / "c.png").write_text("not a photo")  # unreadable
    return low, high


def test_eval_bad_pairs_fail_alone(tmp_path: Path, capsys) -> None:
    low, high = _folders(tmp_path)
    out_json = tmp_path / "s.json"
    argv = ["eval", "--pairs", str(low), str(high), "--baseline", "identity", "--no-niqe"]
    assert main([*argv, "--json", str(out_json)]) == 1  # like enhance: the rest is scored
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("lumos: ") for line in err), err
    assert "b.png: size 32x24 differs from its reference b.png (32x20)" in err[0]
    assert "c.png: not an image" in err[1] and "internal error" not in captured.err
    assert "a.png" in captured.out and "1 images (2 failed, not in the means)" in captured.out
    data = json.loads(out_json.read_text())
    assert len(data["images"]) == 1 and len(data["failures"]) == 2
    # The library raises instead, unless asked to go on: a benchmark never silently
    # scores fewer images.
    with pytest.raises(InputError, match="differs from its reference"):
        evaluate(lambda x: x, [(low / "b.png", high / "b.png")], with_niqe=False)


def test_eval_outputs_are_checked_before_scoring(tmp_path: Path, capsys, monkeypatch) -> None:
    low = tmp_path / "low"
    low.mkdir()
    photo = _small(low / "a.png")
    before = photo.read_bytes()
    monkeypatch.setattr(lumos.cli.evaluate, "evaluate", lambda *a, **k: pytest.fail("scored"))
    base = ["eval", "--unpaired", str(low), "--baseline", "identity"]
    assert main([*base, "--json", str(tmp_path / "missing" / "x.json")]) == 1
    assert "output folder" in capsys.readouterr().err
    assert main([*base, "--json", str(photo)]) == 1
    assert "would overwrite an input" in capsys.readouterr().err
    assert main([*base, "--save", str(low)]) == 1  # low/a.png would be replaced
    assert "would overwrite the input" in capsys.readouterr().err
    existing = tmp_path / "file"
    existing.write_text("keep")
    assert main([*base, "--save", str(existing)]) == 2
    err = capsys.readouterr().err
    assert "exists and is not a folder" in err and len(err.strip().splitlines()) == 1
    assert photo.read_bytes() == before and existing.read_text() == "keep"
    # A --save folder that cannot be made or written to: refused now, not once per photo
    # after each was scored.
    assert main([*base, "--save", str(existing / "sub")]) == 1
    assert f"{existing} is not a writable folder" in capsys.readouterr().err
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != locked and real_access(p, mode))
    for save in (locked, locked / "new"):  # root may write anywhere: as if it were read-only
        assert main([*base, "--save", str(save)]) == 1
        err = capsys.readouterr().err
        assert err == f"lumos: --save {save}: {locked} is not a writable folder\n"


def test_eval_never_silently_drops_a_photo_that_shares_a_stem(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    # a.jpg beside a.png: pairing by stem kept one and scored the other nowhere, and
    # --save wrote both to a.png, the second over the first.
    low, high, save = tmp_path / "low", tmp_path / "high", tmp_path / "save"
    low.mkdir()
    high.mkdir()
    for folder in (low, high):
        _small(folder / "a.png")
    Image.open(low / "a.png").save(low / "a.jpg")
    monkeypatch.setattr(lumos.cli.evaluate, "evaluate", lambda *a, **k: pytest.fail("scored"))
    assert main(["eval", "--pairs", str(low), str(high), "--baseline", "identity"]) == 1
    err = capsys.readouterr().err
    assert "same stem cannot be paired: a.jpg, a.png" in err and err.count("\n") == 1
    assert main(["eval", "--unpaired", str(low), "--save", str(save), "--baseline", "gamma"]) == 1
    err = capsys.readouterr().err
    assert "would write both a.jpg and a.png to" in err and err.count("\n") == 1
    assert not save.exists()


def test_eval_empty_path_is_a_usage_error(capsys) -> None:
    for argv in (["--unpaired", ""], ["--pairs", "", ""]):
        with pytest.raises(SystemExit) as exc:
            main(["eval", *argv])
        assert exc.value.code == 2
        assert "empty path" in capsys.readouterr().err


def test_eval_table_columns_never_run_together(tmp_path: Path, capsys) -> None:
    low = tmp_path / "low"
    low.mkdir()
    _small(low / "a.png")
    argv = ["eval", "--unpaired", str(low), "--baseline", "identity", "--no-niqe"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    header, rows = lines[0], lines[1:3]
    for row in rows:
        # Empty columns ("-") stand alone and every cell ends where its title ends.
        assert len(row.split()) == len(header.split())
        assert len(row) == len(header)
        assert "-" in row.split()


def test_eval_downstream_enhance_both_matches_two_exposures(tmp_path: Path, capsys) -> None:
    from lumos.stages.highlights import linear_to_srgb, srgb_to_linear

    rng = np.random.default_rng(1)
    under, over = tmp_path / "under", tmp_path / "over"
    under.mkdir()
    over.mkdir()
    blocks = rng.random((12, 12, 3)).repeat(16, 0).repeat(16, 1)
    clean = (0.03 + 0.87 * (blocks + 0.15 * rng.random((192, 192, 3))) / 1.15).astype(np.float32)
    lin = srgb_to_linear(clean)
    for folder, ev in ((under, -2.0), (over, 2.0)):
        img = linear_to_srgb(np.clip(lin * np.float32(2.0**ev), 0, 1))
        Image.fromarray((img * 255 + 0.5).astype(np.uint8)).save(folder / "a.png")
    j = tmp_path / "s.json"
    argv = ["eval", "--pairs", str(under), str(over), "--downstream", "--no-niqe", "-q"]
    assert main([*argv, "--enhance-both", "--model", "classical", "--json", str(j)]) == 0
    both = json.loads(j.read_text())["mean"]
    assert both["inliers"] > 0 and both["inliers_input"] >= 0
    capsys.readouterr()
    assert main(["eval", "--unpaired", str(under), "--enhance-both"]) == 2
    err = capsys.readouterr().err
    assert "--enhance-both needs --downstream and --pairs" in err and err.count("\n") == 1
