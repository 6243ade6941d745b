"""The shared training loop: log columns, best weights by score, resume, parity refusal."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="needs the 'train' extra (torch==2.13.0)")


@dataclass(frozen=True)
class _Cfg:
    out_dir: str
    steps: int = 6
    ema: float = 0.5
    seed: int = 0
    threads: int = 1
    eval_every: int = 2
    checkpoint_every: int = 2


def _run(cfg: _Cfg, scores: list[float], starts: list[int]) -> Path:
    from lumos.train._runner import Metric, fit, start_run

    start_run(cfg)
    net = torch.nn.Linear(1, 1)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    x = torch.ones(4, 1)

    def make_step(start: int):
        starts.append(start)
        return lambda step: (net(x) - 3.0).pow(2).mean()

    def evaluate(model: torch.nn.Module) -> dict[str, float]:
        return {"score": scores.pop(0), "weight": float(model.weight.detach())}

    return fit(
        cfg,
        net,
        opt,
        make_step=make_step,
        evaluate=evaluate,
        metrics=(Metric("score", "val_score"), Metric("weight", "val_w", ".4f")),
        describe=lambda v: f"score {v['score']:.1f}",
        lr_at=lambda step: 0.1,
        score=lambda v: v["score"],
        log=lambda *a, **k: None,
    )


def test_fit_logs_keeps_the_best_and_resumes(tmp_path: Path) -> None:
    cfg = _Cfg(out_dir=str(tmp_path / "run"))
    starts: list[int] = []
    scores = [1.0, 5.0, 2.0]  # evaluations at steps 2, 4, 6: the best is step 4's
    best = _run(cfg, scores, starts)
    assert best.name == "best.pt" and not scores
    ckpt = torch.load(tmp_path / "run" / "last.pt", weights_only=False)
    assert ckpt["step"] == 6 and ckpt["best"] == 5.0
    rows = list(csv.reader((tmp_path / "run" / "log.csv").read_text().splitlines()))
    assert rows[0] == ["step", "loss", "val_score", "val_w", "lr", "elapsed_s"]
    assert [r[0] for r in rows[1:]] == ["2", "4", "6"] and rows[2][2] == "5.000"
    best_w = float(torch.load(best, weights_only=True)["weight"])
    assert f"{best_w:.4f}" == rows[2][3]  # best.pt holds step 4's EMA weights

    # More steps resume at 6; a worse score leaves best.pt alone.
    more = _Cfg(out_dir=cfg.out_dir, steps=8)
    _run(more, [4.0], starts)
    assert starts == [0, 6]
    assert float(torch.load(best, weights_only=True)["weight"]) == best_w
    assert json.loads((tmp_path / "run" / "config.json").read_text())["steps"] == 8


def test_finish_run_refuses_an_export_that_fails_parity(tmp_path: Path, capsys) -> None:
    from lumos.train._runner import finish_run

    installed: list[bool] = []

    def install() -> str:
        installed.append(True)
        return "installed"

    assert finish_run(tmp_path, {"onnx_parity_max_abs": 0.5}, install) == 1
    assert not installed and "parity check failed" in capsys.readouterr().err
    assert finish_run(tmp_path, {"onnx_parity_max_abs": 1e-6}, install) == 0
    assert installed and json.loads((tmp_path / "record.json").read_text())


def test_init_weights_starts_a_fine_tune_but_never_overrides_a_resume(tmp_path: Path) -> None:
    from lumos.train._runner import init_weights

    start = torch.nn.Linear(1, 1)
    torch.save(start.state_dict(), tmp_path / "start.pt")
    cfg = type("Cfg", (), {"init": str(tmp_path / "start.pt"), "out_dir": str(tmp_path / "run")})
    net = torch.nn.Linear(1, 1)
    init_weights(cfg, net, log=lambda *a: None)
    assert torch.equal(net.weight, start.weight)

    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "last.pt").write_bytes(b"")  # a run to resume: its own weights win
    other = torch.nn.Linear(1, 1)
    before = other.weight.clone()
    init_weights(cfg, other, log=lambda *a: None)
    assert torch.equal(other.weight, before)


def test_the_ema_weights_start_from_the_net_as_given(tmp_path: Path) -> None:
    from lumos.train._runner import Metric, fit

    cfg = _Cfg(out_dir=str(tmp_path / "run"), steps=1, eval_every=1, ema=0.9)
    (tmp_path / "run").mkdir()
    net = torch.nn.Linear(1, 1)
    start = {k: v.clone() for k, v in net.state_dict().items()}
    opt = torch.optim.SGD(net.parameters(), lr=0.0)  # the net stays where it started
    ema_path = fit(
        cfg,
        net,
        opt,
        make_step=lambda start: lambda step: net(torch.ones(1, 1)).sum(),
        evaluate=lambda model: {"w": 0.0},
        metrics=(Metric("w", "val_w"),),
        describe=lambda v: "",
        lr_at=lambda step: 0.0,
        log=lambda *a, **k: None,
    )
    ema = torch.load(ema_path, weights_only=True)
    assert all(torch.allclose(ema[k], start[k]) for k in start)  # a fine-tune's start, not random
