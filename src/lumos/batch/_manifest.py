"""The batch record: one JSON line per run and per file, in the output folder.

A batch of thousands of photos is stopped and resumed (a laptop closed, a
cluster pre-empted), so what was done must be on disk as it happens, not at the
end. Each finished file appends one line and flushes it; a crash loses at most
the line being written, and a half-written last line is ignored when read.
The settings of each run are recorded too, so a resumed run can refuse to mix
results made with different settings in one folder.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from ..config import EnhanceOptions
from ..errors import OptionError
from ._file import FileReport

__all__ = ["MANIFEST_NAME", "Manifest", "check_resume", "settings_of"]

MANIFEST_NAME = "lumos_batch.jsonl"

# Settings that do not change the pixels written (tiling is seamless; the
# size limit only refuses files).
_NOT_RESULT_SETTINGS = ("tiling", "max_megapixels")


def settings_of(options: EnhanceOptions, *, fmt: str | None, quality: int) -> dict[str, Any]:
    """The settings that decide an output's pixels, as JSON-ready values."""
    d = {k: v for k, v in asdict(options).items() if k not in _NOT_RESULT_SETTINGS}
    d = {k: str(v) if isinstance(v, Path) else v for k, v in d.items()}
    d["format"] = fmt
    d["quality"] = quality
    return d


class Manifest:
    """Appends run and file records to ``folder/lumos_batch.jsonl``."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / MANIFEST_NAME
        self._fh: TextIO | None = None

    def last_settings(self) -> dict[str, Any] | None:
        """The settings of the latest run recorded here, or None."""
        settings = None
        for record in self._records():
            if record.get("kind") == "run":
                settings = record.get("settings")
        return settings

    def _records(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        records = []
        with self.path.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    continue  # a line cut short by a crash
        return records

    def start_run(self, settings: dict[str, Any], engine: dict[str, Any], files: int) -> None:
        """Open the record for appending and write this run's header line."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("a", encoding="utf-8")
        self._write(
            {
                "kind": "run",
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "files": files,
                "engine": engine,
                "settings": settings,
            }
        )

    def record(self, report: FileReport) -> None:
        """One finished file (written or failed)."""
        self._write(
            {
                "kind": "file",
                "source": str(report.source),
                "output": None if report.output is None else str(report.output),
                "ok": report.error is None,
                "error": report.error,
                "seconds": round(report.seconds, 3),
                "stats": report.stats,
            }
        )

    def _write(self, record: dict[str, Any]) -> None:
        assert self._fh is not None, "start_run() first"
        self._fh.write(json.dumps(record, default=str) + "\n")
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def check_resume(manifest: Manifest, settings: dict[str, Any], resuming: bool) -> None:
    """Refuse to finish a folder with settings other than those it was started with.

    Otherwise one folder would silently hold photos enhanced two ways.
    """
    before = manifest.last_settings()
    if not resuming or before is None or before == settings:
        return
    changed = sorted(k for k in set(before) | set(settings) if before.get(k) != settings.get(k))
    what = ", ".join(f"{k} {_shown(before.get(k))} -> {_shown(settings.get(k))}" for k in changed)
    raise OptionError(
        f"{manifest.path.parent} holds results made with other settings ({what}); "
        "use --overwrite to redo them, or another output folder"
    )


def _shown(value: Any) -> str:
    return "auto" if value is None else str(value)
