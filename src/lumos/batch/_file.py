"""One file, start to finish: read, enhance, write; every expected failure becomes a report.

This is the unit of work of ``lumos enhance`` and of every batch engine: it
never raises for a bad photo, so one corrupt file cannot stop a folder.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..config import EnhanceOptions
from ..errors import LumosError, OutputError
from ..io import DecodedImage, read_image, write_image
from ..pipeline import run_pipeline
from ._plan import Job

__all__ = ["FileReport", "TileProgress", "enhance_file", "report_path"]


@dataclass(frozen=True)
class FileReport:
    """Outcome of one file: ``output`` and ``stats`` when it worked, ``error`` when not."""

    source: Path
    output: Path | None
    error: str | None
    seconds: float
    stats: dict[str, Any] | None = None

    @property
    def megapixels(self) -> float:
        """Size of the enhanced image (0 when it failed)."""
        if not self.stats:
            return 0.0
        return self.stats["width"] * self.stats["height"] / 1e6


class TileProgress(Protocol):
    """What shows the progress of one large photo's tiles (a terminal bar)."""

    def update(self, done: int, total: int | None = None) -> None: ...

    def clear(self) -> None: ...


def report_path(output: Path) -> Path:
    """Where ``enhance_file(..., report=True)`` writes the explain report of ``output``."""
    return output.with_name(f"{output.stem}_explain.html")


def enhance_file(
    job: Job,
    options: EnhanceOptions,
    *,
    fmt: str | None,
    quality: int,
    overwrite: bool,
    workers: int | None,
    tile_progress: Callable[[Path, float], TileProgress | None] | None = None,
    report: bool = False,
) -> FileReport:
    """Read, enhance and write ``job``; an expected failure becomes ``FileReport.error``.

    ``tile_progress(source, megapixels)`` may return a progress display for the
    tiles of this photo (or None for none); ``report`` also writes the explain
    report beside the output.
    """
    t0 = time.perf_counter()
    bar: TileProgress | None = None
    try:
        decoded = read_image(job.source, max_megapixels=options.max_megapixels)
        if tile_progress is not None:
            bar = tile_progress(job.source, decoded.rgb.shape[0] * decoded.rgb.shape[1] / 1e6)
        result = run_pipeline(
            decoded.rgb,
            options,
            alpha=decoded.alpha,
            lossy=decoded.meta.lossy,
            workers=workers,
            progress=None if bar is None else bar.update,
        )
        out = DecodedImage(rgb=result.rgb, alpha=result.alpha, meta=decoded.meta)
        try:
            job.output.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # named: the bare reason ("File exists") reads as the photo's
            reason = f"cannot create output folder: {exc.strerror or exc}"
            raise OutputError(reason, path=job.output.parent) from None
        write_image(out, job.output, format=fmt, quality=quality, overwrite=overwrite)
        if report:
            from ..report import build_report, write_report

            html = report_path(job.output)
            write_report(build_report(job.source, options=options), html, overwrite=overwrite)
        return FileReport(job.source, job.output, None, time.perf_counter() - t0, result.stats)
    except LumosError as exc:
        # About the photo: its name is already on the line. About another file (the
        # --weights of a model, say): name that one.
        about_photo = exc.path is None or exc.path == job.source
        reason = exc.message if about_photo else str(exc)
        return FileReport(job.source, None, reason, time.perf_counter() - t0)
    except MemoryError:
        return FileReport(
            job.source, None, "out of memory; try a smaller --tile", time.perf_counter() - t0
        )
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return FileReport(job.source, None, reason, time.perf_counter() - t0)
    finally:
        if bar is not None:
            bar.clear()
