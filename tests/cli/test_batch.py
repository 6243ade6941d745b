"""`lumos batch` and `lumos.batch`: Dask engine, per-photo record, resume, bad input."""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lumos.batch import Cluster, Job, Manifest, enhance_file, plan_batch, run_batch
from lumos.batch._dask import _client, _report_of
from lumos.cli import main
from lumos.config import EnhanceOptions
from lumos.errors import LumosError

from .conftest import dark_photo

pytest.importorskip("distributed")


@pytest.fixture
def shoot(tmp_path: Path) -> Path:
    """A folder of three small dark photos (one in a subfolder) and one corrupt file."""
    folder = tmp_path / "shoot"
    (folder / "day2").mkdir(parents=True)
    for i, rel in enumerate(["a.jpg", "b.png", "day2/c.jpg"]):
        Image.fromarray(dark_photo(seed=i)).save(folder / rel)
    (folder / "broken.jpg").write_bytes(b"this is not a jpeg")
    return folder


def _records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "lumos_batch.jsonl").read_text().splitlines()]


def test_batch_writes_every_photo_and_records_each(
    shoot: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "out"
    code = main(["batch", str(shoot), "-o", str(out), "-r", "--workers", "2", "-q"])
    assert code == 1  # the corrupt file failed; the others were still enhanced
    for rel, size in [("a.jpg", (128, 96)), ("b.png", (128, 96)), ("day2/c.jpg", (128, 96))]:
        with Image.open(out / rel) as im:
            assert im.size == size
            assert np.asarray(im).mean() > 60  # brightened from a mean of about 25
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "broken.jpg" in err[0] and "Traceback" not in err[0]

    records = _records(out)
    assert records[0]["kind"] == "run" and records[0]["files"] == 4
    files = {Path(r["source"]).name: r for r in records if r["kind"] == "file"}
    assert records[-1] == {"kind": "end", "written": 3, "failed": 1}
    assert set(files) == {"a.jpg", "b.png", "c.jpg", "broken.jpg"}
    assert not files["broken.jpg"]["ok"] and "not an image" in files["broken.jpg"]["error"]
    assert files["a.jpg"]["ok"] and files["a.jpg"]["stats"]["width"] == 128
    assert files["a.jpg"]["stats"]["output_mean_luminance"] > 0.2


def test_rerun_resumes_without_redoing(shoot: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    (shoot / "broken.jpg").unlink()
    assert main(["batch", str(shoot), "-o", str(out), "--workers", "1", "-q"]) == 0
    before = (out / "a.jpg").stat().st_mtime_ns
    Image.fromarray(dark_photo(seed=7)).save(shoot / "new.jpg")  # one photo added since
    capsys.readouterr()

    assert main(["batch", str(shoot), "-o", str(out), "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "2 already done" in printed and "1 of 1 enhanced" in printed
    assert " on 1 worker (" in printed  # not "1 workers"
    assert (out / "a.jpg").stat().st_mtime_ns == before  # kept, not redone
    assert (out / "new.jpg").is_file()
    assert [r["kind"] for r in _records(out)].count("run") == 2


def test_other_settings_into_a_started_folder_are_refused(
    shoot: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "out"
    (shoot / "broken.jpg").unlink()
    assert main(["batch", str(shoot), "-o", str(out), "--workers", "1", "-q"]) == 0
    before = (out / "a.jpg").read_bytes()
    assert main(["batch", str(shoot), "-o", str(out), "--denoise", "0.2", "-q"]) == 2
    err = capsys.readouterr().err
    assert "other settings (denoise auto -> 0.2)" in err and err.count("\n") == 1
    assert (out / "a.jpg").read_bytes() == before
    # --overwrite redoes them with the new settings.
    assert main(["batch", str(shoot), "-o", str(out), "--denoise", "0.2", "--overwrite", "-q"]) == 0
    assert (out / "a.jpg").read_bytes() != before


def test_plan_never_writes_over_an_input(shoot: Path) -> None:
    plan = plan_batch([str(shoot)], shoot, recursive=False, fmt=None, overwrite=True)
    assert not plan.jobs and not plan.done
    assert {Path(f.source).name for f in plan.failures} >= {"a.jpg", "b.png"}
    assert all("overwrite an input" in f.reason for f in plan.failures)


def test_usage_errors_exit_2(shoot: Path, tmp_path: Path, capsys) -> None:
    for argv in (
        ["batch", str(shoot)],  # no -o
        ["batch", str(shoot), "-o", str(tmp_path / "o"), "--workers", "0"],
    ):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
    args = ["batch", str(shoot), "-o", str(tmp_path / "o"), "--workers", "2"]
    assert main([*args, "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_unreachable_scheduler_is_one_clear_error(shoot: Path, tmp_path: Path) -> None:
    job = Job(shoot / "a.jpg", tmp_path / "a.jpg")
    cluster = Cluster(scheduler="tcp://127.0.0.1:1", connect_timeout=0.5)
    with pytest.raises(
        LumosError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:1"
    ):
        run_batch([job], EnhanceOptions(model="classical"), cluster=cluster)
    assert not (tmp_path / "a.jpg").exists()


def test_without_dask_the_error_says_what_to_install(
    shoot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "dask", None)
    with pytest.raises(LumosError, match=r"pip install 'lumos\[batch\]'"):
        run_batch([Job(shoot / "a.jpg", tmp_path / "a.jpg")], EnhanceOptions())
    out = tmp_path / "out"
    assert main(["batch", str(shoot), "-o", str(out), "-q"]) == 1
    assert not (out / "lumos_batch.jsonl").exists()  # refused before anything was written


def test_a_lost_task_costs_one_photo() -> None:
    class KilledWorker(Exception):  # what distributed raises after a worker died on a task
        pass

    class Lost:
        def result(self):
            raise KilledWorker("task lumos-1 killed 2 workers")

    report = _report_of(Lost(), Job(Path("big.jpg"), Path("out/big.jpg")))
    assert report.error is not None and "worker died" in report.error
    assert report.output is None


def test_python_api_reports_as_photos_finish(shoot: Path, tmp_path: Path) -> None:
    (shoot / "broken.jpg").unlink()
    plan = plan_batch([str(shoot)], tmp_path / "o", recursive=True, fmt="png", overwrite=False)
    seen = []
    summary = run_batch(
        plan.jobs,
        EnhanceOptions(model="classical"),
        fmt="png",
        cluster=Cluster(workers=1),
        on_report=seen.append,
    )
    assert len(seen) == 3 and not summary.failed
    assert {r.output.name for r in summary.written} == {"a.png", "b.png", "c.png"}
    assert summary.megapixels == pytest.approx(3 * 128 * 96 / 1e6)
    # The same unit of work runs in-process too (what `lumos enhance` calls).
    one = enhance_file(
        plan.jobs[0], EnhanceOptions(), fmt="png", quality=95, overwrite=True, workers=1
    )
    assert one.error is None


def test_manifest_skips_a_torn_last_line_and_starts_the_next_run_on_a_new_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    m = Manifest(tmp_path)
    m.start_run({"model": "classical"}, {"scheduler": "local"}, files=1)
    m.close()
    with m.path.open("a") as fh:
        fh.write('{"kind": "file", "source": "x.jpg", "ok": tr')  # a crash mid-line
    again = Manifest(tmp_path)
    with caplog.at_level("WARNING", logger="lumos"):
        assert again.last_settings() == {"model": "classical"}
        assert again.last_settings() == {"model": "classical"}  # read twice, said once
    assert [r.message for r in caplog.records] == [
        f"{m.path}: last line cut short (a run was killed?); ignored"
    ]
    again.start_run({"model": "lumosnet"}, {"scheduler": "local"}, files=0)
    again.close()
    lines = m.path.read_text().splitlines()
    assert json.loads(lines[-1])["settings"] == {"model": "lumosnet"}  # not glued to the torn line
    assert Manifest(tmp_path).last_settings() == {"model": "lumosnet"}


def _stop_after_first_record(monkeypatch: pytest.MonkeyPatch, out: Path, wait_for: int) -> None:
    """Ctrl-C just after the first photo is recorded, once ``wait_for`` outputs are on disk
    (so that one photo is surely written while the batch stops)."""
    real = Manifest.record
    calls = []

    def record(self: Manifest, report) -> None:
        real(self, report)
        calls.append(report)
        if len(calls) == 1:
            deadline = time.monotonic() + 20
            while len(list(out.glob("*.*g"))) < wait_for and time.monotonic() < deadline:
                time.sleep(0.02)
            raise KeyboardInterrupt

    monkeypatch.setattr(Manifest, "record", record)


def _made(out: Path) -> dict[str, dict]:
    """Output name -> settings of the run whose line recorded it last."""
    made, settings = {}, None
    for r in _records(out):
        if r["kind"] == "run":
            settings = r["settings"]
        elif r["kind"] == "file" and r["ok"]:
            made[Path(r["output"]).relative_to(out).as_posix()] = settings
    return made


def _classical_batch(shoot: Path, tmp_path: Path, *, flat: bool = False) -> tuple[Path, list[str]]:
    """The shoot without its broken file (``flat``: day2's photo moved up beside the
    others), an output folder, and the argv of a one-worker classical batch into it."""
    (shoot / "broken.jpg").unlink()
    if flat:
        (shoot / "day2" / "c.jpg").rename(shoot / "c.jpg")
    out = tmp_path / "out"
    return out, ["batch", str(shoot), "-o", str(out), "--workers", "1", "--model", "classical"]


def test_photos_written_while_stopping_are_recorded(
    shoot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    out, argv = _classical_batch(shoot, tmp_path, flat=True)
    _stop_after_first_record(monkeypatch, out, wait_for=2)
    assert main(argv) == 130
    on_disk = {p.name for p in out.iterdir() if p.suffix != ".jsonl"}
    assert len(on_disk) == 2 and set(_made(out)) == on_disk  # every output has its line
    monkeypatch.undo()
    capsys.readouterr()
    assert main(argv) == 0
    assert "2 already done" in capsys.readouterr().out
    assert set(_made(out)) == {"a.jpg", "b.png", "c.jpg"}


def test_an_output_without_a_record_line_is_made_again(shoot: Path, tmp_path: Path, capsys) -> None:
    out, argv = _classical_batch(shoot, tmp_path)
    assert main([*argv, "-q"]) == 0
    # The client was killed (or a remote worker wrote after it left): a.jpg has no line.
    lines = (out / "lumos_batch.jsonl").read_text().splitlines()
    kept = [x for x in lines if '"name": "a.jpg"' not in x]
    (out / "lumos_batch.jsonl").write_text("\n".join(kept) + "\n")
    (out / "a.jpg").write_bytes(b"not what this run would write")
    capsys.readouterr()
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "1 already done" in printed and "1 output in" in printed and "made again" in printed
    assert "1 of 1 enhanced" in printed
    assert (out / "a.jpg").read_bytes()[:2] == b"\xff\xd8"  # a JPEG again, and recorded
    assert set(_made(out)) == {"a.jpg", "b.png"}


def test_outputs_lumos_batch_did_not_record_are_not_taken_as_done(
    shoot: Path, tmp_path: Path, capsys
) -> None:
    (shoot / "broken.jpg").unlink()
    out = tmp_path / "out"
    assert main(["enhance", str(shoot / "a.jpg"), "-o", str(out), "-q"]) == 0
    before = (out / "a.jpg").read_bytes()
    assert main(["batch", str(shoot), "-o", str(out), "--workers", "1", "-q"]) == 2
    err = capsys.readouterr().err
    assert "did not record" in err and "--overwrite" in err and err.count("\n") == 1
    assert (out / "a.jpg").read_bytes() == before


def test_a_folder_never_mixes_settings_and_an_overwrite_run_resumes(
    shoot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    out, argv = _classical_batch(shoot, tmp_path, flat=True)
    assert main([*argv, "-q"]) == 0
    redo = [*argv, "--denoise", "0.5"]
    _stop_after_first_record(monkeypatch, out, wait_for=0)
    assert main([*redo, "--overwrite", "-q"]) == 130  # stopped after 1 or 2 photos
    monkeypatch.undo()
    capsys.readouterr()

    # Without --overwrite the new settings would finish a folder half made the old way.
    assert main([*redo, "-q"]) == 2
    assert "made with other settings (denoise auto -> 0.5)" in capsys.readouterr().err
    # The stopped --overwrite run resumes: what it did is kept, the rest redone.
    assert main([*redo, "--overwrite"]) == 0
    printed = capsys.readouterr().out
    assert "already done in" in printed and "by the --overwrite run started" in printed
    assert "3 of 3" not in printed
    assert {s["denoise"] for s in _made(out).values()} == {0.5} and len(_made(out)) == 3
    # A finished --overwrite run is not resumed: the same command redoes them all.
    assert main([*redo, "--overwrite"]) == 0
    assert "3 of 3 enhanced" in capsys.readouterr().out


def test_failures_found_while_planning_are_recorded(tmp_path: Path, capsys) -> None:
    for folder, names in (("A", ["x.jpg", "y.jpg"]), ("B", ["x.jpg"])):
        (tmp_path / folder).mkdir()
        for i, name in enumerate(names):
            Image.fromarray(dark_photo(seed=i)).save(tmp_path / folder / name)
    a, b, out = tmp_path / "A", tmp_path / "B", tmp_path / "out"
    argv = [str(a), str(b), "-o", str(out), "--workers", "1", "--model", "classical", "-q"]
    assert main(["batch", *argv]) == 1
    records = _records(out)
    assert records[0]["files"] == 3
    failed = [r for r in records if r["kind"] == "file" and not r["ok"]]
    assert len(failed) == 1 and failed[0]["source"] == str(b / "x.jpg")
    assert "already the output of" in failed[0]["error"]
    capsys.readouterr()

    # Every photo refused: say so (and record it), not "nothing to do".
    assert main(["batch", str(b), "-o", str(b), "--workers", "1"]) == 1
    captured = capsys.readouterr()
    assert "nothing to do" not in captured.out and "0 of 1 enhanced, 1 failed" in captured.out
    assert "would overwrite an input" in captured.err
    assert [r["kind"] for r in _records(b)] == ["run", "file", "end"]


def test_outputs_in_the_input_folder_are_not_read_back_as_inputs(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "shoot"
    folder.mkdir()
    for i, name in enumerate(["x.jpg", "y.jpg"]):
        Image.fromarray(dark_photo(seed=i)).save(folder / name)
    argv = ["batch", str(folder), "-o", str(folder), "--format", "png", "--workers", "1"]
    assert main([*argv, "--model", "classical", "-q"]) == 0
    capsys.readouterr()
    assert main([*argv, "--model", "classical"]) == 0
    captured = capsys.readouterr()
    assert "2 already done" in captured.out and captured.err == ""


def test_an_output_folder_inside_the_input_tree_is_not_read_back(
    shoot: Path, capsys: pytest.CaptureFixture
) -> None:
    (shoot / "broken.jpg").unlink()
    out = shoot / "enhanced"
    argv = ["batch", str(shoot), "-o", str(out), "-r", "--workers", "1"]
    assert main([*argv, "-q"]) == 0
    assert main(argv) == 0
    assert "3 already done" in capsys.readouterr().out
    assert not (out / "enhanced").exists()  # the first run's results were not enhanced again
    assert main(["enhance", str(shoot), "-o", str(out), "-r", "-q", "--overwrite"]) == 0
    assert not (out / "enhanced").exists()


def _ignores_sigint() -> bool:
    return signal.getsignal(signal.SIGINT) == signal.SIG_IGN


def test_local_workers_leave_ctrl_c_to_the_client() -> None:
    # Ctrl-C in a terminal reaches every worker too: they must not die with a traceback each.
    with _client(Cluster(workers=1)) as client:
        assert list(client.run(_ignores_sigint).values()) == [True]


def test_shadows_are_a_recorded_setting(shoot: Path, tmp_path: Path, capsys) -> None:
    out, argv = _classical_batch(shoot, tmp_path)
    assert main([*argv, "--shadows", "0.4", "-q"]) == 0
    assert {s["shadows"] for s in _made(out).values()} == {0.4}
    files = [r for r in _records(out) if r["kind"] == "file"]
    assert {r["stats"]["shadows"] for r in files} == {0.4}  # what each photo used
    before = (out / "a.jpg").read_bytes()
    capsys.readouterr()

    # The same value resumes; another one (auto, here) would mix two looks in the folder.
    assert main([*argv, "--shadows", "0.4"]) == 0
    assert "2 already done" in capsys.readouterr().out
    assert main([*argv, "-q"]) == 2
    err = capsys.readouterr().err
    assert "other settings (shadows 0.4 -> auto)" in err and err.count("\n") == 1
    assert (out / "a.jpg").read_bytes() == before
    assert main([*argv, "--shadows", "auto", "--overwrite", "-q"]) == 0
    assert {s["shadows"] for s in _made(out).values()} == {None}


def test_a_record_from_before_an_option_resumes_with_its_default(
    shoot: Path, tmp_path: Path, capsys
) -> None:
    out, argv = _classical_batch(shoot, tmp_path)
    assert main([*argv, "-q"]) == 0
    # As an older lumos wrote it: no "shadows" among the run's settings.
    records = _records(out)
    for r in records:
        if r["kind"] == "run":
            del r["settings"]["shadows"]
    (out / "lumos_batch.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    capsys.readouterr()
    assert main(argv) == 0  # the default (auto) is what that run used
    assert "2 already done" in capsys.readouterr().out
    assert main([*argv, "--shadows", "0.5", "-q"]) == 2
    assert "other settings (shadows auto -> 0.5)" in capsys.readouterr().err


def test_an_output_folder_it_cannot_write_to_is_one_clear_line(
    shoot: Path, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As a folder that is not writable (root, who runs the tests, may write anywhere):
    # the record cannot be opened. That was an "internal error" line.
    out = tmp_path / "out"
    out.mkdir()
    real_open = Path.open

    def refuse_record(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.name == "lumos_batch.jsonl" and "a" in (
            args[0] if args else kwargs.get("mode", "r")
        ):
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse_record)
    assert main(["batch", str(shoot), "-o", str(out), "-r", "--workers", "1"]) == 1
    err = capsys.readouterr().err
    assert (
        err
        == f"lumos: {out / 'lumos_batch.jsonl'}: cannot write the batch record: Permission denied\n"
    )
    assert list(out.iterdir()) == []  # no photo was enhanced


def test_unreachable_scheduler_creates_no_output_folder(
    shoot: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    """The folder (and its record) were made before the scheduler was found unreachable."""
    import functools

    from lumos.cli import batch as batch_cmd

    monkeypatch.setattr(batch_cmd, "Cluster", functools.partial(Cluster, connect_timeout=0.5))
    out = tmp_path / "out"
    assert main(["batch", str(shoot), "-o", str(out), "--scheduler", "tcp://127.0.0.1:1"]) == 1
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
    assert not out.exists()
