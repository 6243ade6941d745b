"""Dataset audit: pairing, sizes, alignment, exposure ratios, duplicate scenes, CLI."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from lumos.errors import InputError
from lumos.eval.audit import audit_pairs

EXPOSURE = 1 / 20


def scene(seed: int, h: int = 136, w: int = 200) -> np.ndarray:
    """A textured RGB scene in [0, 1]: multi-scale blobs plus rectangles."""
    rng = np.random.default_rng(seed)
    img = np.zeros((h, w))
    for scale in (3, 8, 20):
        small = rng.random((h // scale + 2, w // scale + 2))
        img += cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)[:h, :w]
    img = (img - img.min()) / (img.max() - img.min())
    for _ in range(8):
        y, x = rng.integers(0, h - 20), rng.integers(0, w - 20)
        img[y : y + 20, x : x + 20] = rng.random()
    return np.clip(np.stack([img, 0.2 + 0.6 * img, 1 - img], axis=-1), 0, 1)


def darken(img: np.ndarray, exposure: float = EXPOSURE, seed: int = 0) -> np.ndarray:
    """Cut the light in linear space and add a little sensor noise."""
    lin = np.where(img <= 0.04045, img / 12.92, ((img + 0.055) / 1.055) ** 2.4) * exposure
    lin = lin + np.random.default_rng(seed).normal(0, 0.0005, lin.shape)
    lin = np.clip(lin, 0, 1)
    return np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)


def save(path: Path, img: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)).save(path)
    return path


def make_pair(root: Path, stem: str, seed: int, *, shift: int = 0, exposure: float = EXPOSURE):
    """A reference and its dark copy; the low one is cut 'shift' px further right and down."""
    big = scene(seed, 136 + 8, 200 + 8)
    high = big[4 : 4 + 136, 4 : 4 + 200]
    low = big[4 + shift : 4 + shift + 136, 4 + shift : 4 + shift + 200]
    save(root / "high" / f"{stem}.png", high)
    save(root / "low" / f"{stem}.png", darken(low, exposure, seed))
    return high


def kinds(report, kind: str) -> list[tuple[str, ...]]:
    return [tuple(Path(f).name for f in x.files) for x in report.findings if x.kind == kind]


def test_clean_dataset_has_no_findings(tmp_path: Path) -> None:
    for i in range(4):
        make_pair(tmp_path, str(i), seed=i)
    report = audit_pairs(tmp_path / "low", tmp_path / "high")
    assert report.findings == []
    assert len(report.pairs) == 4
    assert all(p.shift < 0.5 for p in report.pairs)
    assert all(15 < p.exposure_ratio < 25 for p in report.pairs)


def test_shifted_darkened_pair_is_misaligned_aligned_one_is_not(tmp_path: Path) -> None:
    make_pair(tmp_path, "aligned", seed=1)
    make_pair(tmp_path, "moved", seed=2, shift=4)
    report = audit_pairs(tmp_path / "low", tmp_path / "high")
    assert kinds(report, "misaligned") == [("moved.png", "moved.png")]
    moved = next(p for p in report.pairs if p.stem == "moved")
    assert moved.shift == pytest.approx(4 * 2**0.5, abs=0.5)


def test_size_mismatch_and_missing_partner(tmp_path: Path) -> None:
    make_pair(tmp_path, "ok", seed=1)
    save(tmp_path / "high" / "big.png", scene(2))
    save(tmp_path / "low" / "big.png", darken(scene(2, 100, 150)))
    save(tmp_path / "low" / "orphan.png", darken(scene(3)))
    save(tmp_path / "high" / "lonely.png", scene(4))
    report = audit_pairs(tmp_path / "low", tmp_path / "high")
    assert kinds(report, "size_mismatch") == [("big.png", "big.png")]
    assert sorted(kinds(report, "missing_partner")) == [("lonely.png",), ("orphan.png",)]
    assert report.n_low == 3 and report.n_high == 3


def test_unreadable_file_is_a_finding(tmp_path: Path) -> None:
    make_pair(tmp_path, "ok", seed=1)
    (tmp_path / "low" / "bad.png").write_bytes(b"not a png")
    save(tmp_path / "high" / "bad.png", scene(5))
    report = audit_pairs(tmp_path / "low", tmp_path / "high")
    assert kinds(report, "unreadable") == [("bad.png",)]


def test_exposure_outlier_among_eight(tmp_path: Path) -> None:
    exposures = [1 / 18, 1 / 20, 1 / 22, 1 / 19, 1 / 21, 1 / 20, 1 / 17, 1 / 2]
    for i, e in enumerate(exposures):
        make_pair(tmp_path, f"p{i}", seed=10 + i, exposure=e)
    report = audit_pairs(tmp_path / "low", tmp_path / "high")
    assert kinds(report, "exposure_outlier") == [("p7.png", "p7.png")]


def test_duplicate_scene_within_and_across_folders(tmp_path: Path) -> None:
    for i in range(3):
        make_pair(tmp_path / "test", str(i), seed=20 + i)
    # Another exposure of scene 0 in the same folder: the same reference.
    make_pair(tmp_path / "test", "0b", seed=20, exposure=1 / 40)
    # The training folder holds a brighter, slightly cropped copy of scene 1.
    copy = np.clip(scene(21, 144, 208)[4:-4, 5:-5] * 1.2, 0, 1)
    save(tmp_path / "train" / "high" / "t1.png", copy)
    save(tmp_path / "train" / "high" / "t9.png", scene(99))
    report = audit_pairs(
        tmp_path / "test" / "low", tmp_path / "test" / "high", against=tmp_path / "train" / "high"
    )
    assert kinds(report, "near_duplicate") == [("0.png", "0b.png")]
    assert kinds(report, "shared_scene") == [("1.png", "t1.png")]
    assert report.n_against == 2
    dups = [f for f in report.findings if f.kind in ("near_duplicate", "shared_scene")]
    assert all(f.value is not None and f.value > 0.9 for f in dups)


def test_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "high").mkdir()
    with pytest.raises(InputError, match="not a folder"):
        audit_pairs(tmp_path / "low", tmp_path / "high")


def _cli(argv: list[str]) -> argparse.Namespace:
    from lumos.cli.audit import add_parser

    parser = argparse.ArgumentParser(prog="lumos")
    add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["audit-pairs", *argv])


def test_cli_prints_table_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    make_pair(tmp_path, "a", seed=1)
    make_pair(tmp_path, "b", seed=2, shift=4)
    args = _cli([str(tmp_path / "low"), str(tmp_path / "high")])
    assert args.run(args) == 1  # findings: a script can stop before benchmarking
    out = capsys.readouterr().out
    assert "misaligned" in out and "low/b.png" in out
    assert out.strip().splitlines()[-1].startswith("2 pairs")
    assert "1 misaligned" in out


def test_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    make_pair(tmp_path, "a", seed=1)
    save(tmp_path / "high" / "b.png", scene(2))
    args = _cli([str(tmp_path / "low"), str(tmp_path / "high"), "--json"])
    assert args.run(args) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["counts"] == {"missing_partner": 1}
    assert data["pairs"][0]["stem"] == "a"


def test_cli_exit_0_when_clean(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    make_pair(tmp_path, "a", seed=1)
    args = _cli([str(tmp_path / "low"), str(tmp_path / "high")])
    assert args.run(args) == 0
    assert capsys.readouterr().out.strip().endswith(": no findings")


def test_cli_empty_path_is_a_usage_error(tmp_path: Path) -> None:
    for argv in (["", ""], [str(tmp_path), ""], [str(tmp_path), str(tmp_path), "--against", ""]):
        with pytest.raises(SystemExit) as exc:
            _cli(argv)
        assert exc.value.code == 2


def test_cli_bad_threshold_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        _cli([str(tmp_path), str(tmp_path), "--duplicate-threshold", "1.5"])
    assert exc.value.code == 2
