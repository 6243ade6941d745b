"""The batch record: one JSON line per run and per file, in the output folder.

A batch of thousands of photos is stopped and resumed (a laptop closed, a
cluster pre-empted), so what was done must be on disk as it happens, not at the
end. Each finished file appends one line and flushes it; a crash loses at most
the line being written: a torn last line is skipped when read (with one
warning), and the next run starts on a fresh line.

The record is what a resumed run trusts, not the files on disk: a photo counts
as done only when its output exists *and* its line says it was made with the
current settings (:func:`resume`). An output without such a line (written while
a run was being stopped, say) is made again, and one made with other settings
is refused, so one folder never mixes two looks.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

from ..config import EnhanceOptions
from ..errors import LumosError, OptionError
from ._file import FileReport
from ._plan import BatchPlan, Failure, Job

__all__ = ["MANIFEST_NAME", "Manifest", "Resume", "resume", "settings_of"]

MANIFEST_NAME = "lumos_batch.jsonl"

log = logging.getLogger(__name__)

# Settings that do not change the pixels written (tiling is seamless; the
# size limit only refuses files).
_NOT_RESULT_SETTINGS = ("tiling", "max_megapixels")


def settings_of(options: EnhanceOptions, *, fmt: str | None, quality: int) -> dict[str, Any]:
    """The settings that decide an output's pixels, as JSON-ready values."""
    d = {k: v for k, v in asdict(options).items() if k not in _NOT_RESULT_SETTINGS}
    d["format"] = fmt
    d["quality"] = quality
    # As they read back from the record (Paths as strings, tuples as lists), so
    # that a comparison with a recorded run is like with like.
    return json.loads(json.dumps(d, default=str))


def _as_now(settings: Any) -> Any:
    """Recorded run settings with every option they lack at its default.

    A record written before an option existed (``shadows``, say) ran with what is
    now that option's default, so a resumed run with the default is the same run,
    not "other settings" (which would refuse the folder, naming no difference).
    """
    if not isinstance(settings, dict):
        return settings
    defaults = settings_of(EnhanceOptions(), fmt=None, quality=0)
    missing = {k: v for k, v in defaults.items() if k not in settings}
    missing.pop("format", None)
    missing.pop("quality", None)
    return {**missing, **settings} if missing else settings


@dataclass(frozen=True)
class _Run:
    """One run line: its place among the runs, and what it was started with."""

    number: int
    settings: dict[str, Any] | None
    overwrite: bool
    started: str
    t: float | None  # time.time() at its start (absent in records of older versions)
    finished: bool


@dataclass(frozen=True)
class _Made:
    """The latest line that says an output was written."""

    run: int  # number of its run
    settings: dict[str, Any] | None  # None: unknown (its run line was lost)


@dataclass(frozen=True)
class _History:
    runs: list[_Run]
    made: dict[str, _Made]  # output name (relative to the folder, posix) -> latest write


class Manifest:
    """Appends run and file records to ``folder/lumos_batch.jsonl``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / MANIFEST_NAME
        self._fh: TextIO | None = None
        self._lines: list[dict[str, Any] | None] | None = None

    # -- reading ------------------------------------------------------------

    def _read(self) -> list[dict[str, Any] | None]:
        """Every line parsed, ``None`` for one that is not JSON; read once."""
        if self._lines is not None:
            return self._lines
        lines: list[dict[str, Any] | None] = []
        try:
            text = self.path.read_bytes().decode("utf-8", errors="replace")
        except (FileNotFoundError, NotADirectoryError):
            text = ""
        except OSError as exc:
            raise LumosError(
                f"cannot read the batch record: {exc.strerror or exc}", path=self.path
            ) from None
        for raw in text.splitlines():
            if not raw.strip():
                continue
            try:
                value = json.loads(raw)
            except json.JSONDecodeError:
                value = None
            lines.append(value if isinstance(value, dict) else None)
        if lines and lines[-1] is None and not text.endswith("\n"):
            log.warning("%s: last line cut short (a run was killed?); ignored", self.path)
        self._lines = lines
        return lines

    def records(self) -> list[dict[str, Any]]:
        """The lines that could be read, in order."""
        return [r for r in self._read() if r is not None]

    def last_settings(self) -> dict[str, Any] | None:
        """The settings of the latest run recorded here, or None."""
        settings = None
        for record in self.records():
            if record.get("kind") == "run":
                settings = record.get("settings")
        return settings

    def _name(self, output: str | Path) -> str | None:
        """An output's path relative to this folder, as the record keys it."""
        try:  # no file system call for the usual case: the output was named from -o
            return Path(output).relative_to(self.folder).as_posix()
        except ValueError:
            pass
        try:
            rel = Path(output).resolve().relative_to(self.folder.resolve())
        except (ValueError, OSError):
            return None
        return rel.as_posix()

    def _history(self) -> _History:
        runs: list[dict[str, Any]] = []
        made: dict[str, _Made] = {}
        settings: dict[str, Any] | None = None
        for record in self._read():
            if record is None:
                # A line lost mid-file (a torn line that an older lumos appended
                # to) may have been a run line: the settings of the lines after it
                # are unknown until the next run line.
                settings = None
                continue
            kind = record.get("kind")
            if kind == "run":
                settings = _as_now(record.get("settings"))
                runs.append(
                    {
                        "number": len(runs),
                        "settings": settings,
                        "overwrite": bool(record.get("overwrite", False)),
                        "started": str(record.get("started", "")),
                        "t": record.get("t"),
                        "finished": False,
                    }
                )
            elif kind == "end" and runs:
                runs[-1]["finished"] = True
            elif kind == "file" and record.get("ok") and runs:
                name = record.get("name")
                if name is None and record.get("output"):
                    name = self._name(record["output"])  # a line of an older lumos
                if name is not None:
                    made[name] = _Made(len(runs) - 1, settings)
        return _History([_Run(**r) for r in runs], made)

    def recorded_outputs(self) -> set[Path]:
        """Resolved paths of every output this record says was written here."""
        base = self.folder.resolve()
        return {base / name for name in self._history().made}

    # -- writing ------------------------------------------------------------

    def start_run(
        self,
        settings: dict[str, Any],
        engine: dict[str, Any],
        files: int,
        *,
        overwrite: bool = False,
    ) -> None:
        """Open the record for appending and write this run's header line."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        torn = self.path.is_file() and not _ends_with_newline(self.path)
        try:
            self._fh = self.path.open("a", encoding="utf-8")
        except OSError as exc:  # an output folder that is not writable: before any photo
            raise LumosError(
                f"cannot write the batch record: {exc.strerror or exc}", path=self.path
            ) from None
        if torn:  # the last run was killed mid-line: never glue this run's header to it
            self._fh.write("\n")
        self._write(
            {
                "kind": "run",
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "t": round(time.time(), 3),
                "files": files,
                "overwrite": overwrite,
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
                "name": None if report.output is None else self._name(report.output),
                "ok": report.error is None,
                "error": report.error,
                "seconds": round(report.seconds, 3),
                "stats": report.stats,
            }
        )

    def record_failure(self, failure: Failure) -> None:
        """An input refused before any work (its output name taken, say)."""
        self.record(FileReport(Path(failure.source), None, failure.reason, 0.0))

    def end_run(self, written: int, failed: int) -> None:
        """This run went through all its files (a stopped run has no end line)."""
        self._write({"kind": "end", "written": written, "failed": failed})

    def _write(self, record: dict[str, Any]) -> None:
        assert self._fh is not None, "start_run() first"
        self._fh.write(json.dumps(record, default=str) + "\n")
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        if fh.tell() == 0:
            return True
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


@dataclass(frozen=True)
class Resume:
    """What a run into a folder with a record does with each planned photo."""

    todo: list[Job]  # to enhance: outputs not there yet, then those made again
    done: list[Job]  # output recorded with these settings: skipped
    unrecorded: list[Job]  # output on disk without a record line: made again
    replaced: list[Job]  # --overwrite: made again
    continues: str | None  # start time of the stopped --overwrite run this one resumes

    @property
    def writes_over(self) -> bool:
        """Whether some outputs on disk are replaced (the writes need ``overwrite``)."""
        return bool(self.unrecorded or self.replaced)


def resume(
    manifest: Manifest, plan: BatchPlan, settings: dict[str, Any], *, overwrite: bool
) -> Resume:
    """Sort a plan's photos by what the folder's record says about their outputs.

    ``plan`` must come from ``plan_batch(..., overwrite=False)``, so that
    ``plan.done`` holds the outputs on disk. Of those, a photo is done when the
    latest line written for its output has ``settings`` (and, with ``overwrite``,
    was written since the stopped ``--overwrite`` run with these settings that
    this one continues: running the same command again resumes it). An output on
    disk without a line is made again. Without ``overwrite``, raises
    :class:`~lumos.errors.OptionError` when outputs were made with other
    settings, or when the folder has outputs but no record.
    """
    history = manifest._history()
    since = _continued_overwrite(history.runs, settings) if overwrite else None
    done: list[Job] = []
    unrecorded: list[Job] = []
    replaced: list[Job] = []
    other: list[tuple[Job, dict[str, Any]]] = []
    for job in plan.done:
        made = _made_for(manifest, history, job)
        if made is None or made.settings is None:
            unrecorded.append(job)
        elif made.settings != settings:
            if overwrite:
                replaced.append(job)
            else:
                other.append((job, made.settings))
        elif overwrite and (since is None or made.run < since.number):
            replaced.append(job)
        else:
            done.append(job)
    if not overwrite:
        if not history.runs and unrecorded:
            raise OptionError(
                f"{manifest.folder} already holds {count(len(unrecorded), 'output')} that "
                f"lumos batch did not record (no {MANIFEST_NAME}), e.g. {unrecorded[0].output}; "
                "use --overwrite to replace them, or another output folder"
            )
        if other:
            raise OptionError(_mixed_message(manifest, other, settings))
    return Resume(
        todo=plan.jobs + unrecorded + replaced,
        done=done,
        unrecorded=unrecorded,
        replaced=replaced,
        continues=None if since is None else since.started,
    )


def _made_for(manifest: Manifest, history: _History, job: Job) -> _Made | None:
    """The record's latest write of ``job``'s output, if the file on disk is that one.

    A file changed after a later run started was written by that run, which
    never recorded it (stopped while writing it): its line is out of date.
    """
    name = manifest._name(job.output)
    made = None if name is None else history.made.get(name)
    if made is None:
        return None
    later = [r.t for r in history.runs[made.run + 1 :] if r.t is not None]
    if later:
        try:
            mtime = job.output.stat().st_mtime
        except OSError:
            return None
        if mtime > min(later):
            return None
    return made


def _continued_overwrite(runs: list[_Run], settings: dict[str, Any]) -> _Run | None:
    """The first of the latest unbroken series of stopped ``--overwrite`` runs with ``settings``."""
    first = None
    for run in reversed(runs):
        if run.finished or not run.overwrite or run.settings != settings:
            break
        first = run
    return first


def _mixed_message(
    manifest: Manifest, other: list[tuple[Job, dict[str, Any]]], settings: dict[str, Any]
) -> str:
    """``OUT holds N photos made with other settings (denoise auto -> 0.5); ...``."""
    counts = Counter(json.dumps(s, sort_keys=True) for _, s in other)
    before = json.loads(counts.most_common(1)[0][0])
    changed = sorted(k for k in set(before) | set(settings) if before.get(k) != settings.get(k))
    what = ", ".join(f"{k} {_shown(before.get(k))} -> {_shown(settings.get(k))}" for k in changed)
    return (
        f"{manifest.folder} holds {count(len(other), 'photo')} made with other settings "
        f"({what}); use --overwrite to redo them, or another output folder"
    )


def count(n: int, noun: str) -> str:
    """``1 worker``, ``2 workers``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _shown(value: Any) -> str:
    return "auto" if value is None else str(value)
