"""Render the bundled demo photo: a synthetic room at night, darkened with sensor noise.

The scene is drawn from scratch here (shapes, gradients, textures, text), so the
sample is the project's own work and free of third-party licences. It is then
degraded with :func:`lumos.data.darken` and saved as a JPEG with EXIF (camera
make, orientation 6 = "rotate 90° clockwise to view"), an sRGB ICC profile and
300 dpi - so the demo exercises metadata handling too.

Usage: python scripts/make_sample.py [OUT.jpg]
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageCms

from lumos.data import DarkenParams, darken

W, H = 1600, 1200


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    n = rng.standard_normal(shape).astype(np.float32)
    n = cv2.GaussianBlur(n, (0, 0), sigma)
    return n / (n.std() + 1e-6)


def render_scene(seed: int = 7) -> np.ndarray:
    """A clean, well-exposed sRGB float32 scene of a room with a lamp and a window."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    img = np.zeros((H, W, 3), np.float32)
    # Wall: warm plaster with a soft texture; floor: wood planks with grain.
    wall = np.array([0.78, 0.70, 0.58], np.float32)
    img[:] = wall * (0.92 + 0.04 * _smooth_noise(rng, (H, W), 3))[..., None]
    floor_y = int(H * 0.72)
    grain = 0.5 + 0.5 * np.sin(xx / 7.0 + 3 * _smooth_noise(rng, (H, W), 25))
    plank = ((xx // 160) % 2).astype(np.float32) * 0.05
    wood = np.stack([0.55 + 0.1 * grain, 0.36 + 0.07 * grain, 0.22 + 0.04 * grain], -1)
    img[floor_y:] = (wood + plank[..., None])[floor_y:]
    # Window with a night sky and distant lights (small bright points).
    wx0, wy0, wx1, wy1 = 980, 150, 1450, 620
    sky = np.linspace(0.10, 0.28, wy1 - wy0, dtype=np.float32)[:, None, None]
    img[wy0:wy1, wx0:wx1] = sky * np.array([0.5, 0.6, 1.0], np.float32)
    for _ in range(40):
        cx, cy = rng.integers(wx0 + 10, wx1 - 10), rng.integers(wy0 + 200, wy1 - 10)
        cv2.circle(img, (int(cx), int(cy)), int(rng.integers(2, 5)), (1.0, 0.85, 0.5), -1)
    cv2.rectangle(img, (wx0, wy0), (wx1, wy1), (0.95, 0.95, 0.92), 14)
    cv2.line(img, ((wx0 + wx1) // 2, wy0), ((wx0 + wx1) // 2, wy1), (0.95, 0.95, 0.92), 10)
    # Bookshelf with coloured spines and titles.
    sx0, sy0, sx1, sy1 = 90, 180, 620, floor_y
    cv2.rectangle(img, (sx0, sy0), (sx1, sy1), (0.35, 0.22, 0.13), -1)
    for shelf in range(4):
        top = sy0 + 20 + shelf * 150
        x = sx0 + 15
        while x < sx1 - 40:
            w = int(rng.integers(18, 42))
            h = int(rng.integers(90, 128))
            color = tuple(float(c) for c in rng.uniform(0.15, 0.9, 3))
            cv2.rectangle(img, (x, top + 128 - h), (x + w - 3, top + 128), color, -1)
            cv2.line(img, (x + 4, top + 140 - h), (x + 4, top + 120), (0.95, 0.9, 0.7), 1)
            x += w
        cv2.rectangle(img, (sx0, top + 128), (sx1, top + 142), (0.45, 0.3, 0.18), -1)
    # Lamp: shade and a warm glow, the bright light source that must not blow out.
    cv2.line(img, (650, 1000), (650, 560), (0.15, 0.15, 0.15), 10)
    pts = np.array([[580, 560], [720, 560], [690, 440], [610, 440]], np.int32)
    glow = np.exp(-(((xx - 650) ** 2 + (yy - 500) ** 2) / (2 * 260.0**2)))
    img *= (1.0 + 0.35 * glow)[..., None]
    cv2.fillConvexPoly(img, pts, (1.0, 0.93, 0.75))
    # Sofa with woven fabric.
    fab = 0.5 + 0.25 * np.sin(xx / 2.5) * np.sin(yy / 2.5) + 0.1 * _smooth_noise(rng, (H, W), 1)
    sofa = np.stack([0.25 * fab + 0.10, 0.35 * fab + 0.18, 0.55 * fab + 0.25], -1)
    mask = np.zeros((H, W), np.uint8)
    cv2.rectangle(mask, (660, 640), (1500, 980), 1, -1)
    cv2.ellipse(mask, (700, 760), (70, 150), 0, 0, 360, 1, -1)
    cv2.ellipse(mask, (1460, 760), (70, 150), 0, 0, 360, 1, -1)
    img[mask > 0] = sofa[mask > 0]
    # A framed poster with text - fine detail for the sharpening stage.
    cv2.rectangle(img, (745, 200), (965, 520), (0.9, 0.88, 0.8), -1)
    cv2.rectangle(img, (745, 200), (965, 520), (0.1, 0.1, 0.1), 6)
    # OpenCV draws text on 8-bit images only: draw an ink mask and blend it in.
    ink = np.zeros((H, W), np.uint8)
    cv2.putText(ink, "LUMOS", (767, 300), cv2.FONT_HERSHEY_DUPLEX, 1.5, 255, 3, cv2.LINE_AA)
    title = ink.astype(np.float32)[..., None] / 255
    img[:] = img * (1 - title) + title * np.array([0.7, 0.1, 0.1], np.float32)
    ink[:] = 0
    for i in range(9):
        cv2.putText(
            ink,
            "night light " * 2,
            (763, 340 + 20 * i),
            cv2.FONT_HERSHEY_PLAIN,
            0.8,
            255,
            1,
            cv2.LINE_AA,
        )
    body = ink.astype(np.float32)[..., None] / 255
    img[:] = img * (1 - body) + body * np.array([0.15, 0.15, 0.2], np.float32)
    cv2.circle(img, (855, 470), 30, (0.2, 0.5, 0.3), -1)
    # Light fall-off: the room is lit by the lamp in the middle -> uneven light.
    falloff = 0.3 + 0.7 * np.exp(-(((xx - 650) ** 2 + (yy - 500) ** 2) / (2 * 900.0**2)))
    img *= falloff[..., None]
    img = cv2.GaussianBlur(img, (0, 0), 0.7)  # a lens is never perfectly sharp
    return np.clip(img, 0, 1)


def main(out: Path) -> None:
    clean = render_scene()
    dark = darken(clean, DarkenParams(exposure=1 / 14, shot_noise=3e-4, read_noise=1.2e-3), seed=3)
    u8 = (dark * 255 + 0.5).astype(np.uint8)
    # Store the pixels rotated 90 degrees counter-clockwise with orientation 6,
    # as phones do for portrait shots; a viewer (and lumos) turns them back.
    stored = np.ascontiguousarray(np.rot90(u8, k=1))
    pil = Image.fromarray(stored)
    exif = Image.Exif()
    exif[0x010F] = "lumos"  # Make
    exif[0x0110] = "synthetic night scene"  # Model
    exif[0x0112] = 6  # Orientation
    exif[0x0131] = "scripts/make_sample.py"  # Software
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buf = io.BytesIO()
    pil.save(buf, "JPEG", quality=90, exif=exif.tobytes(), icc_profile=icc, dpi=(300, 300))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buf.getvalue())
    print(f"wrote {out} ({len(buf.getvalue()) / 1e3:.0f} kB)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("src/lumos/samples/dark_room.jpg"))
