"""A photo from a lossy file (JPEG, HEIC) is read as such by every door, blocks or not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import lumos
from lumos.analysis import analyse, compression_note, noise_map
from lumos.analysis._noise import JPEG_NOISE_FLOOR
from lumos.cli import info
from lumos.config import EnhanceOptions
from lumos.eval.harness import evaluate, pipeline_method
from lumos.io import read_image


def _clean_dark_scene() -> np.ndarray:
    """A dark photo with little noise (0.3/255), as uint8."""
    yy, xx = np.mgrid[0:192, 0:256].astype(np.float32)
    base = 0.05 + 0.02 * np.sin(xx / 30) * np.cos(yy / 40)
    rng = np.random.default_rng(0)
    rgb = np.stack([base * 1.1, base, base * 0.8], -1) + rng.normal(0, 0.3 / 255, (192, 256, 3))
    return np.round(np.clip(rgb, 0, 1) * 255).astype(np.uint8)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """The same pixels as a PNG and as a quality-100 JPEG (no blocks to see)."""
    pixels = _clean_dark_scene()
    Image.fromarray(pixels).save(tmp_path / "a.png")
    Image.fromarray(pixels).save(tmp_path / "a.jpg", quality=100)
    return tmp_path / "a.png", tmp_path / "a.jpg"


def test_the_format_says_whether_the_file_was_lossy(files) -> None:
    png, jpg = files
    assert read_image(jpg).meta.lossy and not read_image(png).meta.lossy


def test_a_lossy_dark_photo_reads_at_least_the_prior_without_visible_blocks(files) -> None:
    _, jpg = files
    rgb = read_image(jpg).rgb
    plain, lossy = analyse(rgb), analyse(rgb, lossy=True)
    assert plain.jpeg_blockiness < 1.1  # nothing in the pixels says JPEG
    assert plain.noise_sigma < 0.6 * JPEG_NOISE_FLOOR
    assert lossy.noise_sigma == pytest.approx(JPEG_NOISE_FLOOR)
    assert compression_note(lossy.jpeg_blockiness, lossy.lossy).startswith("lossy file")
    # The explain report's map agrees with the reading.
    assert np.min(noise_map(rgb, block=64, lossy=True)) >= JPEG_NOISE_FLOOR * 0.999
    assert np.min(noise_map(rgb, block=64)) < 0.6 * JPEG_NOISE_FLOOR
    # A well-exposed lossy photo keeps its own reading.
    bright = np.clip(rgb * 8, 0, 1)
    assert analyse(bright, lossy=True).noise_sigma == analyse(bright).noise_sigma


def test_every_door_reads_a_jpeg_file_as_lossy(files) -> None:
    png, jpg = files
    assert lumos.analyse_image(jpg).noise_sigma == pytest.approx(JPEG_NOISE_FLOOR)
    assert lumos.analyse_image(png).noise_sigma < 0.6 * JPEG_NOISE_FLOOR
    shown = info.describe(jpg)
    assert shown["analysis"]["lossy"] is True
    assert shown["analysis"]["noise_sigma"] == pytest.approx(JPEG_NOISE_FLOOR, abs=1e-5)
    assert "lossy file" in shown["compression"]
    # lumos enhance and lumos eval run the pipeline on it as told.
    assert lumos.enhance(jpg).stats["denoise"] > lumos.enhance(png).stats["denoise"]
    seen: list[bool] = []
    method = pipeline_method(EnhanceOptions())

    def spy(rgb, *, lossy=False):
        seen.append(lossy)
        return method(rgb, lossy=lossy)

    spy.takes_lossy = True
    evaluate(spy, [(jpg, None), (png, None)], with_niqe=False)
    assert seen == [True, False]
