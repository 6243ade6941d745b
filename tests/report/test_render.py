"""The report renders in a real browser, offline (skipped where chromium is not installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lumos.report import ExplainReport, write_report

CHROMIUM = "/usr/bin/chromium"


@pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"{CHROMIUM} not installed (apt-get install chromium) - headless render test skipped",
)
def test_headless_chromium_renders_the_report(report: ExplainReport, tmp_path: Path) -> None:
    html = write_report(report, tmp_path / "report.html")
    shot = tmp_path / "shot.png"
    profile = tmp_path / "profile"
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        html.resolve().as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    shutil.rmtree(profile, ignore_errors=True)
    assert shot.is_file(), proc.stderr.decode(errors="replace")[-2000:]
    with Image.open(shot) as im:
        px = np.asarray(im.convert("RGB"), np.float32)
    assert px.shape[:2] == (2000, 1280)
    # Not blank: the dark header, the photos and the text make a varied page.
    assert px.std() > 20
    top = px[:120].mean()
    assert top < 100  # the dark title bar rendered (CSS applied)
    assert len(np.unique(px[150:700].reshape(-1, 3)[::7], axis=0)) > 500  # the photos drew
