"""A short training run end to end: data -> steps -> checkpoint -> resume -> ONNX -> enhancer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

torch = pytest.importorskip("torch", reason="needs the 'train' extra (torch==2.13.0)")


def _fake_data_root(root: Path) -> Path:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:96, 0:128].astype(np.float32)
    for i, name in enumerate(["kodak24", "cbsd68", "mcmaster"]):
        (root / name).mkdir(parents=True)
        img = np.stack([np.sin(xx / (5 + i)), np.cos(yy / 7), np.sin((xx + yy) / 9)], -1)
        Image.fromarray((img * 90 + 120).astype(np.uint8)).save(root / name / f"{i}.png")
    for sub in ("low", "high"):
        (root / "lol_v1_our485_subset" / sub).mkdir(parents=True)
    for stem in ("12", "97"):  # 97 is in the validation list
        high = rng.integers(60, 200, (96, 128, 3)).astype(np.uint8)
        low = (high.astype(np.float32) * 0.1).astype(np.uint8)
        Image.fromarray(high).save(root / "lol_v1_our485_subset" / "high" / f"{stem}.png")
        Image.fromarray(low).save(root / "lol_v1_our485_subset" / "low" / f"{stem}.png")
    return root


def test_short_training_run_exports_a_working_model(tmp_path: Path) -> None:
    from lumos.models.lumosnet import LumosNetEnhancer
    from lumos.train.__main__ import main

    data = _fake_data_root(tmp_path / "data")
    out = tmp_path / "run"
    argv = [
        "--data",
        str(data),
        "--out",
        str(out),
        "--steps",
        "4",
        "--batch",
        "2",
        "--size",
        "32",
        "--threads",
        "1",
        "--eval-every",
        "2",
    ]
    assert main(argv) == 0
    log = (out / "log.csv").read_text().splitlines()
    assert log[0].startswith("step,loss") and log[-1].startswith("4,")
    record = json.loads((out / "record.json").read_text())
    assert record["onnx_parity_max_abs"] < 1e-3
    assert set(record["val_our485_heldout_proxy"]) == {"psnr", "brightness_error"}
    # Resume: more steps continue from the checkpoint instead of starting over.
    assert main([*argv[:5], "6", *argv[6:]]) == 0
    assert (out / "log.csv").read_text().splitlines()[-1].startswith("6,")

    from lumos.analysis import analyse

    enh = LumosNetEnhancer(out / "onnx")
    dark = np.full((50, 70, 3), 0.05, np.float32)
    plan = enh.prepare(dark, analyse(dark), denoise=None, detail=None, brightness=0.4)
    res = enh.process_region(dark, plan, (0, 50, 0, 70), keep_intermediates=True)
    assert res.image.shape == dark.shape and res.image.dtype == np.float32
    assert res.image.mean() > dark.mean()
    assert set(res.intermediates) >= {"illumination", "brightened", "denoised"}

    # Seamless tiles: aligned tiles of the learned model agree with one whole-frame call.
    from lumos.tiling import run_tiled

    rng = np.random.default_rng(1)
    photo = np.clip(0.08 + 0.03 * rng.standard_normal((150, 203, 3)), 0, 1).astype(np.float32)
    plan = enh.prepare(photo, analyse(photo), denoise=None, detail=None, brightness=None)

    def fn(tile, region):
        return enh.process_region(tile, plan, region)

    whole = fn(photo, (0, 150, 0, 203)).image
    tiled = run_tiled(fn, photo, tile=64, halo=plan.halo, align=plan.align, workers=2).image
    assert np.abs(tiled - whole).mean() < 1 / 255


def test_offsets_fine_tune_starts_from_a_run_and_exports_nine_maps(tmp_path: Path) -> None:
    import onnxruntime as ort

    from lumos.analysis import analyse
    from lumos.models.lumosnet import LumosNetEnhancer
    from lumos.train.__main__ import main

    data = _fake_data_root(tmp_path / "data")
    common = ["--data", str(data), "--batch", "2", "--size", "32", "--eval-every", "2"]
    assert main([*common, "--out", str(tmp_path / "base"), "--steps", "3"]) == 0
    out = tmp_path / "off"
    argv = [*common, "--out", str(out), "--steps", "2", "--offsets", "--lr", "5e-4"]
    assert main([*argv, "--init-from", str(tmp_path / "base")]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["offsets"] is True and config["init_from"] == str(tmp_path / "base")
    record = json.loads((out / "record.json").read_text())
    assert record["base_run"]["config"]["steps"] == 3 and record["base_run"]["config"]["seed"] == 0
    steps = [line.split(",")[0] for line in (out / "log_with_base.csv").read_text().splitlines()]
    assert steps == ["step", "2", "3", "5"]  # the base run's rows, then the fine-tune's (2 -> 5)
    session = ort.InferenceSession(str(out / "onnx" / "global.onnx"))
    coeffs = session.run(None, {"proxy": np.full((1, 3, 40, 56), 0.05, np.float32)})[0]
    assert coeffs.shape[1] == 9 and np.abs(coeffs[:, 6:]).max() <= 0.2

    # A 9-map member and a 6-map member average into one ensemble.
    (tmp_path / "ens").mkdir()
    for name in ("base", "off"):
        (tmp_path / "ens" / f"global_{name}.onnx").write_bytes(
            (tmp_path / name / "onnx" / "global.onnx").read_bytes()
        )
    enh = LumosNetEnhancer(tmp_path / "ens")
    dark = np.full((50, 70, 3), 0.05, np.float32)
    plan = enh.prepare(dark, analyse(dark), denoise=None, detail=None, brightness=0.4)
    assert plan.params["grid"].shape[-1] == 10
    assert enh.process_region(dark, plan, (0, 50, 0, 70)).image.mean() > dark.mean()

    with pytest.raises(FileNotFoundError, match="no trained weights"):
        main([*common, "--out", str(tmp_path / "x"), "--offsets", "--init-from", str(tmp_path)])


def test_install_member_adds_and_replaces_members(tmp_path: Path) -> None:
    from lumos.train.__main__ import install_member

    onnx, log = tmp_path / "global.onnx", tmp_path / "log.csv"
    onnx.write_bytes(b"onnx")
    log.write_text("step,loss\n")
    folder = tmp_path / "weights"
    install_member(onnx, log, {"psnr": 1}, "seed1", folder)
    install_member(onnx, log, {"psnr": 2}, "seed0", folder)
    install_member(onnx, log, {"psnr": 3}, "seed1", folder)
    record = json.loads((folder / "record.json").read_text())
    assert record["members"] == {"seed0": {"psnr": 2}, "seed1": {"psnr": 3}}
    assert sorted(p.name for p in folder.glob("global_*.onnx")) == [
        "global_seed0.onnx",
        "global_seed1.onnx",
    ]


def test_real_pairs_keeps_the_first_training_pairs_only(tmp_path: Path) -> None:
    from lumos.train.dataset import load_sources

    data = _fake_data_root(tmp_path / "data")
    every = load_sources(data)
    none = load_sources(data, real_pairs=0)
    assert len(every.real_train) == 1 and len(none.real_train) == 0
    assert len(none.clean) == len(every.clean) - 1  # its reference left the clean set too
    assert len(none.real_val) == len(every.real_val) == 1  # validation is never cut


def test_short_denoiser_training_run_exports_a_working_model(tmp_path: Path) -> None:
    from lumos.analysis import analyse
    from lumos.models.lumosnet import LumosNetEnhancer
    from lumos.tiling import run_tiled
    from lumos.train.dn import main

    data = _fake_data_root(tmp_path / "data")
    (data / "set14").mkdir()  # the camera-noise validation photos
    Image.open(data / "kodak24" / "0.png").save(data / "set14" / "a.png")
    out = tmp_path / "dn"
    argv = ["--data", str(data), "--out", str(out), "--steps", "4", "--batch", "2"]
    argv += ["--patch", "32", "--pool", "4", "--eval-every", "2", "--camera-fraction", "1"]
    argv += ["--dark-jpeg", "0.5"]
    assert main(argv) == 0
    log = (out / "log.csv").read_text().splitlines()
    assert log[0].startswith("step,loss") and log[-1].startswith("4,")
    for column in ("val_camera_psnr", "val_jpeg_psnr"):  # both validation sets were scored
        assert np.isfinite(float(log[-1].split(",")[log[0].split(",").index(column)]))
    record = json.loads((out / "record.json").read_text())
    assert record["onnx_parity_max_abs"] < 1e-3
    assert set(record["val_heldout_lol_crops"]) == {"psnr", "input_psnr"}
    assert main([*argv[:5], "6", *argv[6:]]) == 0  # resumes from the checkpoint
    assert (out / "log.csv").read_text().splitlines()[-1].startswith("6,")

    # The exported net finishes LumosNet's tiles seamlessly (aligned tiles = whole frame).
    enh = LumosNetEnhancer(denoiser=out / "onnx" / "denoiser.onnx", dark_denoiser=None)
    rng = np.random.default_rng(1)
    photo = np.clip(0.08 + 0.03 * rng.standard_normal((150, 203, 3)), 0, 1).astype(np.float32)
    plan = enh.prepare(photo, analyse(photo), denoise=None, detail=None, brightness=None)
    assert plan.align == 4 and plan.params["denoiser"] is not None

    def fn(tile, region):
        return enh.process_region(tile, plan, region)

    whole = fn(photo, (0, 150, 0, 203)).image
    tiled = run_tiled(fn, photo, tile=64, halo=plan.halo, align=plan.align, workers=2).image
    assert np.abs(tiled - whole).max() < 1e-3


def test_short_noise_reader_training_run_exports_a_working_model(tmp_path: Path) -> None:
    from lumos.models.noise_level import learned_noise_level
    from lumos.train.ne import main

    data = _fake_data_root(tmp_path / "data")
    (data / "set14").mkdir()
    Image.open(data / "kodak24" / "0.png").save(data / "set14" / "a.png")
    out = tmp_path / "ne"
    argv = ["--data", str(data), "--out", str(out), "--steps", "4", "--batch", "2"]
    argv += ["--crop", "32", "--eval-every", "2"]
    assert main(argv) == 0
    log = (out / "log.csv").read_text().splitlines()
    assert log[0].startswith("step,loss,val_log_error") and log[-1].startswith("4,")
    record = json.loads((out / "record.json").read_text())
    assert record["onnx_parity_max_abs"] < 1e-3
    assert record["val_synthetic_set14_set5"]["log_error"] >= 0
    assert main([*argv[:5], "6", *argv[6:]]) == 0  # resumes from the checkpoint
    assert (out / "log.csv").read_text().splitlines()[-1].startswith("6,")

    # The exported net reads a photo of any size (not a crop's multiple) through ORT.
    rng = np.random.default_rng(0)
    base = np.full((70, 90, 3), 0.4, np.float32)
    levels = [
        learned_noise_level(
            base + rng.normal(0, s, base.shape).astype(np.float32),
            out / "onnx" / "noise_level.onnx",
        )
        for s in (0.0, 0.05)
    ]
    assert all(v is not None and v > 0 for v in levels)


@pytest.mark.parametrize(
    "module", ["lumos.train", "lumos.train.dn", "lumos.train.sr", "lumos.train.ne"]
)
def test_a_missing_data_folder_is_one_line_and_exit_2(tmp_path: Path, module: str) -> None:
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-m", module, "--data", str(tmp_path / "nope"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope" in lines[0] and "Traceback" not in run.stderr
