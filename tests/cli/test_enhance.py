"""`lumos enhance`: naming rules, safety rules, options, exit codes."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import lumos.cli.enhance
from lumos.batch import enhance_file
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


def test_output_file_name_for_one_photo(photo: Path, tmp_path: Path, capsys) -> None:
    # "-o bright.png" made a folder called bright.png/ holding photo.jpg.
    target = tmp_path / "new" / "bright.png"
    assert main(["enhance", str(photo), "-o", str(target), "-q"]) == 0
    assert target.is_file() and not (target / "photo.jpg").exists()
    with Image.open(target) as im:
        assert im.format == "PNG"  # the name's suffix says the format
    before = _sha(target)
    assert main(["enhance", str(photo), "-o", str(target)]) == 0  # exists: kept, skipped
    assert "skipped" in capsys.readouterr().out and _sha(target) == before
    second = photo.with_name("second.jpg")
    second.write_bytes(photo.read_bytes())
    refused = {
        (str(photo), str(second)): "a file name takes one photo",
        (str(photo.parent),): "a file name takes one photo",
        (str(photo), "--format", "jpg"): "is a .png file but --format says jpg",
    }
    for argv, reason in refused.items():
        assert main(["enhance", *argv, "-o", str(target)]) == 2
        assert reason in capsys.readouterr().err
    assert main(["enhance", str(photo), "-o", str(tmp_path / "x.heic")]) == 2
    assert "cannot write .heic files" in capsys.readouterr().err
    # -o x.gif made a folder x.gif/: a format lumos does not know is still a file name.
    assert main(["enhance", str(photo), "-o", str(tmp_path / "x.gif")]) == 2
    assert "cannot write .gif files" in capsys.readouterr().err
    assert not (tmp_path / "x.gif").exists()
    assert main(["enhance", str(photo), "-o", str(photo), "--overwrite"]) == 1  # never the input
    assert "would overwrite an input" in capsys.readouterr().err


def test_format_option_changes_container(photo: Path, tmp_path: Path) -> None:
    assert main(["enhance", str(photo), "-o", str(tmp_path / "o"), "--format", "png", "-q"]) == 0
    with Image.open(tmp_path / "o" / "photo.png") as im:
        assert im.format == "PNG"


def test_existing_output_is_kept_and_skipped_unless_overwrite(
    photo: Path, capsys: pytest.CaptureFixture
) -> None:
    out = photo.with_name("photo_lumos.jpg")
    out.write_bytes(b"keep me")
    assert main(["enhance", str(photo)]) == 0  # skipped is not failed
    assert out.read_bytes() == b"keep me"
    printed = capsys.readouterr()
    assert printed.err == ""
    assert "skipped (exists; --overwrite to replace)" in printed.out
    assert "0 of 1 enhanced, 1 skipped" in printed.out and "failed" not in printed.out
    assert main(["enhance", str(photo), "-q", "--overwrite"]) == 0
    assert out.read_bytes() != b"keep me"


def test_rerun_on_a_folder_skips_what_is_done(tmp_path: Path, capsys) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(2):
        Image.fromarray(dark_photo(24, 32, seed=i)).save(src / f"p{i}.png")
    out = tmp_path / "out"
    assert main(["enhance", str(src), "-o", str(out), "--model", "classical", "-q"]) == 0
    Image.fromarray(dark_photo(24, 32, seed=5)).save(src / "new.png")
    (src / "bad.png").write_text("not a photo")
    capsys.readouterr()
    assert main(["enhance", str(src), "-o", str(out), "--model", "classical"]) == 1  # bad.png
    printed = capsys.readouterr()
    assert printed.out.count("skipped (exists") == 2
    assert "1 of 4 enhanced, 2 skipped (output exists; --overwrite to replace), 1 failed" in (
        printed.out
    )
    assert printed.err.count("lumos: ") == 1 and "bad.png" in printed.err


def test_no_empty_output_folders_when_every_file_fails(tmp_path: Path, capsys) -> None:
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "bad.jpg").write_text("not a photo")
    (src / "sub" / "bad2.png").write_text("not a photo either")
    out = tmp_path / "new" / "out"
    assert main(["enhance", str(src), "-o", str(out), "-r", "-q"]) == 1
    assert not (tmp_path / "new").exists()
    # A folder that existed before stays, of course; and one whose photo worked is kept.
    Image.fromarray(dark_photo(24, 32)).save(src / "good.png")
    out.mkdir(parents=True)
    assert main(["enhance", str(src), "-o", str(out), "-r", "--model", "classical", "-q"]) == 1
    assert sorted(p.name for p in out.iterdir()) == ["good.png"]


@pytest.mark.parametrize(
    "argv",
    [
        ["enhance", ""],
        ["enhance", "PHOTO", "-o", ""],
        ["batch", "", "-o", "out"],
        ["info", ""],  # was ".: is a folder, not an image file", exit 1
        ["explain", ""],
    ],
)
def test_empty_path_is_a_usage_error(photo: Path, capsys, argv: list[str]) -> None:
    # Path("") is ".": an empty argument would enhance the whole working folder.
    argv = [str(photo) if a == "PHOTO" else a for a in argv]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "empty path" in err and err.startswith("lumos: ")
    assert not photo.with_name("photo_lumos.jpg").exists()


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


def test_a_subfolder_that_cannot_be_made_is_named(tmp_path: Path, capsys) -> None:
    # out/day2 is a file: the photo's line said only "File exists", as if of the photo.
    src, out = tmp_path / "album", tmp_path / "out"
    (src / "day2").mkdir(parents=True)
    Image.fromarray(dark_photo(48, 64)).save(src / "day2" / "b.png")
    out.mkdir()
    (out / "day2").write_text("a file where the subfolder goes")
    assert main(["enhance", str(src), "-o", str(out), "-r", "--model", "classical", "-q"]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"lumos: {src / 'day2' / 'b.png'}: {out / 'day2'}: cannot create output folder: "
        "File exists\n"
    )


def test_an_output_name_too_long_fails_that_photo_only(tmp_path: Path, capsys) -> None:
    # <stem>_lumos.png past the file system's 255 bytes stopped the whole folder with
    # "internal error: OSError: [Errno 36] File name too long", before any photo.
    src = tmp_path / "album"
    src.mkdir()
    Image.fromarray(dark_photo(24, 32)).save(src / f"{'a' * 248}.png")
    Image.fromarray(dark_photo(24, 32)).save(src / "b.png")
    assert main(["enhance", str(src), "--model", "classical", "-q"]) == 1
    err = capsys.readouterr().err
    assert err.endswith("_lumos.png: File name too long\n") and err.count("\n") == 1
    assert (src / "b_lumos.png").is_file()


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


def test_denoise_reaches_above_one(photo: Path, tmp_path: Path) -> None:
    # 0..2: above 1 is "smoother than the measured noise asks", not a usage error.
    out = tmp_path / "smooth"
    assert main(["enhance", str(photo), "-o", str(out), "--denoise", "2", "-q"]) == 0
    assert (out / "photo.jpg").is_file()


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


def test_metadata_orientation_and_profile_survive(tmp_path: Path) -> None:
    from PIL import ImageCms

    src = tmp_path / "phone.jpg"
    stored = np.ascontiguousarray(np.rot90(dark_photo(96, 128), k=1))  # stored sideways
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    exif[0x0112] = 6
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.fromarray(stored).save(src, exif=exif.tobytes(), icc_profile=icc, dpi=(240, 240))
    assert main(["enhance", str(src), "-q"]) == 0
    with Image.open(tmp_path / "phone_lumos.jpg") as out:
        assert out.size == (128, 96)  # upright: the orientation was applied
        assert out.getexif()[0x0112] == 1 and out.getexif()[0x010F] == "TestCam"
        assert out.info["icc_profile"] == icc
        assert tuple(round(v) for v in out.info["dpi"]) == (240, 240)


def test_sixteen_bit_stays_sixteen_bit(tmp_path: Path) -> None:
    import cv2

    src = tmp_path / "scan.png"
    img16 = (dark_photo().astype(np.uint16) * 257)[..., ::-1]
    cv2.imwrite(str(src), img16)
    assert main(["enhance", str(src), "-q"]) == 0
    out = cv2.imread(str(tmp_path / "scan_lumos.png"), cv2.IMREAD_UNCHANGED)
    assert out.dtype == np.uint16 and out.shape == img16.shape
    # Real 16-bit output: values that no 8-bit image could produce.
    assert np.any(out % 257 != 0)


def test_alpha_and_grey_are_carried_through(tmp_path: Path) -> None:
    rgba = np.dstack([dark_photo(), np.full((96, 128), 77, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "logo.png")
    Image.fromarray(dark_photo()[..., 1], "L").save(tmp_path / "grey.png")
    assert main(["enhance", str(tmp_path / "logo.png"), str(tmp_path / "grey.png"), "-q"]) == 0
    with Image.open(tmp_path / "logo_lumos.png") as out:
        assert out.mode == "RGBA"
        assert np.all(np.asarray(out)[..., 3] == 77)
    with Image.open(tmp_path / "grey_lumos.png") as out:
        assert out.mode == "L"


def test_enhance_with_report(photo: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the report needs the 'report' extra")
    out = tmp_path / "o"
    assert main(["enhance", str(photo), "-o", str(out), "--report", "-q"]) == 0
    html = (out / "photo_explain.html").read_text()
    assert html.startswith("<!DOCTYPE html>") or "<html" in html[:200]
    assert "data:image/" in html


def test_two_photos_that_would_share_a_report_are_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    # a.jpg and a.png (RAW + JPEG, say) have outputs of their own but one
    # a_explain.html: the second photo was written, then failed on its report, and
    # the next run skipped it (its output exists) and never made that report.
    pytest.importorskip("matplotlib", reason="the report needs the 'report' extra")
    shoot, out = tmp_path / "shoot", tmp_path / "o"
    shoot.mkdir()
    Image.fromarray(dark_photo(48, 64)).save(shoot / "a.jpg")
    Image.fromarray(dark_photo(48, 64, seed=1)).save(shoot / "a.png")
    argv = ["enhance", str(shoot), "-o", str(out), "--report", "--model", "classical", "-q"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a.png: report" in err and "already the report of" in err
    assert sorted(p.name for p in out.iterdir()) == ["a.jpg", "a_explain.html"]


def test_report_without_its_extra_is_a_usage_error_before_any_work(
    photo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if lumos[report] were missing
    out = tmp_path / "o"
    assert main(["enhance", str(photo), "-o", str(out), "--report", "-q"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'lumos[report]'" in err
    assert not out.exists()  # refused before the photo was enhanced


def test_shipped_learned_model_runs(photo: Path, tmp_path: Path) -> None:
    from lumos.models import available_models

    if "lumosnet" not in available_models():
        pytest.skip("LumosNet weights are not installed")
    out = tmp_path / "o"
    assert main(["enhance", str(photo), "-o", str(out), "--model", "lumosnet", "-q"]) == 0
    with Image.open(out / "photo.jpg") as im:
        assert np.asarray(im).mean() > np.asarray(Image.open(photo)).mean() + 20


_SLOW_FAKE = """
import time
from lumos.batch import FileReport


def enhance_file(job, options, **kw):
    (job.source.parent / "started").mkdir(exist_ok=True)
    (job.source.parent / "started" / job.source.name).touch()
    time.sleep(0.7)  # long enough that none finishes before Ctrl-C is handled
    job.output.parent.mkdir(parents=True, exist_ok=True)
    job.output.write_bytes(b"done")
    return FileReport(job.source, job.output, None, 0.7)
"""

_RUN_PATCHED = """
import sys
import lumos.cli.enhance
import slowfake
lumos.cli.enhance.enhance_file = slowfake.enhance_file
sys.exit(lumos.cli.main(sys.argv[1:]))
"""


def test_ctrl_c_stops_a_jobs_run_without_a_traceback(tmp_path: Path) -> None:
    # A terminal's Ctrl-C reaches the whole process group. The run must stop: the
    # photos not started are dropped (they were all enhanced before the exit), and
    # no worker prints a KeyboardInterrupt traceback.
    (tmp_path / "slowfake.py").write_text(_SLOW_FAKE)
    (tmp_path / "run.py").write_text(_RUN_PATCHED)
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    for i in range(12):
        Image.fromarray(dark_photo(h=8, w=8, seed=i)).save(shoot / f"p{i:02d}.png")
    argv = [str(shoot), "-o", str(tmp_path / "out"), "--jobs", "2", "-q"]
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, str(tmp_path / "run.py"), "enhance", *argv],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    started = shoot / "started"
    deadline = time.monotonic() + 60
    while not (started.is_dir() and any(started.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, (
        f"finished before Ctrl-C: {proc.stderr.read() if proc.stderr else ''}"
    )
    assert any(started.iterdir()), "no photo started within 60 s"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err and err.strip() == "lumos: interrupted"
    # The two running, and at most the three the pool had already handed to its workers.
    assert len(list(started.iterdir())) <= 5


def test_a_reader_that_goes_away_stops_the_run_quietly(tmp_path: Path) -> None:
    # `lumos enhance photos/ | head -1`: the next line printed hit a closed pipe, and
    # that read "lumos: internal error: BrokenPipeError ... (set LUMOS_DEBUG=1 ...)".
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    for i in range(2):
        Image.fromarray(dark_photo(24, 32, seed=i)).save(shoot / f"p{i}.png")
    argv = [str(shoot), "-o", str(tmp_path / "out"), "--model", "classical"]
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-m", "lumos", "enhance", *argv],
        stdout=write_end,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    os.close(write_end)
    os.close(read_end)  # gone before lumos has even started: its first line hits a closed pipe
    _, err = proc.communicate(timeout=60)
    assert err == b"" and proc.returncode == 141  # as if killed by SIGPIPE


def _dies_on_boom(job, options, **kw):  # type: ignore[no-untyped-def]
    """enhance_file, but the process dies (as the OOM killer kills it) on boom.png."""
    if job.source.name == "boom.png":
        os._exit(1)
    time.sleep(0.5)  # boom.png goes first: the others are still running or queued
    return enhance_file(job, options, **kw)


def test_a_jobs_worker_that_dies_fails_photos_not_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # It was "lumos: internal error: BrokenProcessPool: ..." naming no photo.
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    for name in ("boom.png", "p1.png", "p2.png"):
        Image.fromarray(dark_photo(24, 32)).save(shoot / name)
    monkeypatch.setattr(lumos.cli.enhance, "enhance_file", _dies_on_boom)
    argv = ["enhance", str(shoot), "-o", str(tmp_path / "o"), "--jobs", "2", "--model", "classical"]
    assert main(argv) == 1
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert "internal error" not in captured.err and err
    assert all(
        line.endswith("worker process died (out of memory?); run again to resume") for line in err
    )
    assert any(line.startswith(f"lumos: {shoot / 'boom.png'}: ") for line in err)
    # Those not finished when the pool broke (here, all three) fail, each named.
    assert f"of 3 enhanced, {len(err)} failed" in captured.out
