"""`lumos enhance`: naming rules, safety rules, options, exit codes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lumos.cli import main

from .conftest import dark_photo


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_writes_beside_input_without_outdir(photo: Path, capsys: pytest.CaptureFixture) -> None:
    before = _sha(photo)
    assert main(["enhance", str(photo)]) == 0
    out = photo.with_name("photo_lumos.jpg")
    assert out.is_file()
    assert _sha(photo) == before  # input untouched
    with Image.open(out) as im:
        assert im.format == "JPEG" and im.size == (128, 96)
        assert np.asarray(im).mean() > np.asarray(Image.open(photo)).mean() + 20
    assert "1 of 1 enhanced" in capsys.readouterr().out


def test_outdir_keeps_stem_and_format(photo: Path, tmp_path: Path) -> None:
    outdir = tmp_path / "results"
    assert main(["enhance", str(photo), "-o", str(outdir), "--quiet"]) == 0
    assert (outdir / "photo.jpg").is_file()


def test_format_option_changes_container(photo: Path, tmp_path: Path) -> None:
    assert main(["enhance", str(photo), "-o", str(tmp_path / "o"), "--format", "png", "-q"]) == 0
    with Image.open(tmp_path / "o" / "photo.png") as im:
        assert im.format == "PNG"


def test_refuses_existing_output_unless_overwrite(
    photo: Path, capsys: pytest.CaptureFixture
) -> None:
    out = photo.with_name("photo_lumos.jpg")
    out.write_bytes(b"keep me")
    assert main(["enhance", str(photo), "-q"]) == 1
    assert out.read_bytes() == b"keep me"
    assert "--overwrite" in capsys.readouterr().err
    assert main(["enhance", str(photo), "-q", "--overwrite"]) == 0
    assert out.read_bytes() != b"keep me"


def test_never_overwrites_an_input(photo: Path, capsys: pytest.CaptureFixture) -> None:
    before = _sha(photo)
    # -o pointing at the input's own folder would write onto the input itself.
    assert main(["enhance", str(photo), "-o", str(photo.parent), "--overwrite", "-q"]) == 1
    assert _sha(photo) == before
    assert "overwrite an input" in capsys.readouterr().err


def test_folder_recursive_mirrors_subfolders(tmp_path: Path) -> None:
    src = tmp_path / "album"
    (src / "day2").mkdir(parents=True)
    Image.fromarray(dark_photo(seed=1)).save(src / "a.png")
    Image.fromarray(dark_photo(seed=2)).save(src / "day2" / "b.png")
    (src / "notes.txt").write_text("not a photo")
    out = tmp_path / "out"
    assert main(["enhance", str(src), "-o", str(out), "-q"]) == 0
    assert sorted(p.name for p in out.rglob("*.png")) == ["a.png"]
    assert main(["enhance", str(src), "-o", str(out), "-q", "--recursive", "--overwrite"]) == 0
    assert (out / "day2" / "b.png").is_file()


def test_folder_skips_own_outputs(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    Image.fromarray(dark_photo()).save(tmp_path / "x.png")
    assert main(["enhance", str(tmp_path), "-q"]) == 0
    assert main(["enhance", str(tmp_path), "-q", "--overwrite"]) == 0
    assert not (tmp_path / "x_lumos_lumos.png").exists()


def test_options_reach_the_pipeline(photo: Path, tmp_path: Path) -> None:
    dim, bright = tmp_path / "dim", tmp_path / "bright"
    assert main(["enhance", str(photo), "-o", str(dim), "--brightness", "0.2", "-q"]) == 0
    assert main(["enhance", str(photo), "-o", str(bright), "--brightness", "0.6", "-q"]) == 0
    m_dim = np.asarray(Image.open(dim / "photo.jpg"), np.float32).mean()
    m_bright = np.asarray(Image.open(bright / "photo.jpg"), np.float32).mean()
    assert m_bright > m_dim + 30


def test_jobs_process_every_file(tmp_path: Path) -> None:
    for i in range(3):
        Image.fromarray(dark_photo(seed=i)).save(tmp_path / f"p{i}.png")
    out = tmp_path / "out"
    assert main(["enhance", str(tmp_path), "-o", str(out), "--jobs", "2", "-q"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["p0.png", "p1.png", "p2.png"]


def test_version_and_help(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and "lumos 0." in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["enhance", "--help"])
    assert exc.value.code == 0 and "examples:" in capsys.readouterr().out


def test_info_reports_measurements(photo: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["info", str(photo)]) == 0
    text = capsys.readouterr().out
    for word in ("brightness", "noise", "light", "128 x 96", "lumos would"):
        assert word in text
    assert main(["info", str(photo), "--json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["width"] == 128 and 0 < data["analysis"]["mean_luminance"] < 0.3
