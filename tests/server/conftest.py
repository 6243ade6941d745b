"""Fixtures for the HTTP server tests: apps with chosen limits and images made in code."""

from __future__ import annotations

import functools
import io
import struct
import warnings
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="needs the 'server' extra")
pytest.importorskip("python_multipart", reason="needs the 'server' extra")

from PIL import Image, ImageCms

with warnings.catch_warnings():
    # Starlette >= 1.x warns that its TestClient prefers `httpx2`; plain httpx still works.
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

from lumos.server import ServerSettings, create_app

CAMERA = "LumosCam 1"


def dark_rgb(h: int = 96, w: int = 128, seed: int = 0) -> np.ndarray:
    """A dark, noisy RGB photo stand-in (gradient + noise, mean about 25/255)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = 10 + 30 * (x / w) + 10 * (y / h)
    rgb = base[..., None] * np.array([1.0, 0.9, 0.8]) + rng.normal(0, 4, (h, w, 3))
    return np.clip(rgb, 0, 255).astype(np.uint8)


def exif_bytes() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Lumos"
    exif[0x0110] = CAMERA
    return exif.tobytes()


@functools.cache
def icc_bytes() -> bytes:
    # One profile per test session: LittleCMS stamps each new profile with the
    # current time, so two made a second apart differ (a test comparing the
    # uploaded profile with a freshly made one failed now and then).
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def encode(fmt: str, arr: np.ndarray | None = None, **kw: object) -> bytes:
    """An image file in ``fmt`` with EXIF and an ICC profile."""
    buf = io.BytesIO()
    image = Image.fromarray(dark_rgb() if arr is None else arr)
    image.save(buf, format=fmt, exif=exif_bytes(), icc_profile=icc_bytes(), **kw)
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_bomb(width: int = 50000, height: int = 50000) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` (2.5 GP): a decompression bomb."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


@pytest.fixture
def jpeg() -> bytes:
    return encode("JPEG", quality=92)


@pytest.fixture
def png() -> bytes:
    return encode("PNG")


@pytest.fixture
def make_client(tmp_path) -> Callable[..., contextmanager]:  # type: ignore[type-arg]
    """``with make_client(concurrency=1) as client:`` an app with those settings.

    The app's private working folder goes under ``tmp_path`` so tests can check it.
    """

    @contextmanager
    def factory(raise_server_exceptions: bool = True, **settings: object) -> Iterator[TestClient]:
        settings.setdefault("temp_dir", tmp_path)
        app = create_app(ServerSettings(**settings))  # type: ignore[arg-type]
        with TestClient(app, raise_server_exceptions=raise_server_exceptions) as client:
            yield client

    return factory


@pytest.fixture
def client(make_client) -> Iterator[TestClient]:
    with make_client() as c:
        yield c


def state_of(client: TestClient):  # type: ignore[no-untyped-def]
    """The app's :class:`lumos.server.app.ServerState`."""
    return client.app.state.lumos  # type: ignore[attr-defined]


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def mean_luma(image: Image.Image) -> float:
    return float(np.asarray(image.convert("L"), dtype=np.float32).mean())
