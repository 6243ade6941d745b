"""What the four trainers (LumosNet, LumosDN, LumosNE, LumosSR) run alike: the loop and the CLI.

Each trainer keeps what is its own: its networks, how a step's batch becomes
a loss, how its EMA weights are scored, its export. :func:`fit` does the rest
the same way for all four: resume from ``last.pt``, set the learning rate,
step, keep EMA weights, evaluate, write one CSV row (and a console line) every
50 steps and at each evaluation, save atomic checkpoints and, where a score is
given, the best EMA weights. :func:`add_common_options`, :func:`common_config`
and :func:`finish_run` are the command-line plumbing they share.
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import math
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ._checkpoint import ema_update, load_checkpoint, save_checkpoint

__all__ = [
    "PARITY_LIMIT",
    "Metric",
    "add_common_options",
    "common_config",
    "finish_run",
    "fit",
    "init_weights",
    "install_files",
    "run_progress",
    "start_run",
]

PARITY_LIMIT = 1e-3
"""Largest torch-vs-ONNX Runtime difference an export may show."""
LOG_EVERY = 50


@dataclass(frozen=True)
class Metric:
    """One number of an evaluation: its key in the dict, its CSV column, its format."""

    key: str
    column: str
    fmt: str = ".3f"


def start_run(cfg: Any) -> Path:
    """Seed torch, set its threads, create the run folder and save the config in it."""
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(asdict(cfg), indent=2))
    return out


def init_weights(cfg: Any, net: nn.Module, *, log: Callable[..., None]) -> None:
    """A fine-tune's start: ``cfg.init``'s weights into ``net``, unless the run resumes."""
    if cfg.init and not (Path(cfg.out_dir) / "last.pt").exists():
        net.load_state_dict(torch.load(cfg.init, weights_only=True))
        log(f"initialised from {cfg.init}")


def fit(
    cfg: Any,
    net: nn.Module,
    opt: torch.optim.Optimizer,
    *,
    make_step: Callable[[int], Callable[[int], torch.Tensor]],
    evaluate: Callable[[nn.Module], dict[str, float]],
    metrics: Sequence[Metric],
    describe: Callable[[dict[str, float]], str],
    lr_at: Callable[[int], float],
    score: Callable[[dict[str, float]], float] | None = None,
    clip_grad: float | None = 1.0,
    log: Callable[..., None] = print,
) -> Path:
    """Train ``net`` from ``cfg.out_dir/last.pt`` (if there) to ``cfg.steps``.

    The EMA weights start as a copy of ``net`` as given (at random, or a
    fine-tune's start), unless the checkpoint holds them.

    ``make_step(start)`` is called once the start step is known (a resumed run
    draws new samples: seed its sampler from ``start``) and returns
    ``loss_at(step)``, the loss of one step's batch. ``evaluate`` scores the
    EMA weights (every ``cfg.eval_every`` steps and at the end). With
    ``score``, the best-scoring EMA weights are kept as ``best.pt`` and that
    path is returned; without, the final EMA weights as ``ema.pt``.
    """
    out = Path(cfg.out_dir)
    ema = copy.deepcopy(net)
    start, elapsed, best = 0, 0.0, -math.inf
    ckpt_path = out / "last.pt"
    if ckpt_path.exists():
        ckpt = load_checkpoint(ckpt_path, net, ema, opt)
        start, elapsed, best = ckpt["step"], ckpt.get("elapsed", 0.0), ckpt.get("best", best)
        log(f"resumed at step {start}")
    loss_at = make_step(start)
    best_path = out / "best.pt"
    no_eval = {m.key: math.nan for m in metrics}

    log_file = out / "log.csv"
    new_log = not log_file.exists()
    with log_file.open("a", newline="") as fh:
        writer = csv.writer(fh)
        if new_log:
            writer.writerow(["step", "loss", *(m.column for m in metrics), "lr", "elapsed_s"])
        t0 = time.perf_counter()
        running = 0.0
        for step in range(start, cfg.steps):
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            loss = loss_at(step)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if clip_grad is not None:
                torch.nn.utils.clip_grad_norm_(net.parameters(), clip_grad)
            opt.step()
            ema_update(ema, net, cfg.ema)
            value = loss.item()
            running = 0.98 * running + 0.02 * value if step > start else value
            done = step + 1
            last = done == cfg.steps
            val = None
            if done % cfg.eval_every == 0 or last:
                val = evaluate(ema)
                if score is not None:
                    s = score(val)
                    if s > best or math.isnan(s):  # nan: nothing to score on, keep the latest
                        best = s
                        torch.save(ema.state_dict(), best_path)
            if done % LOG_EVERY == 0 or last or val is not None:
                now = elapsed + time.perf_counter() - t0
                v = val or no_eval
                writer.writerow(
                    [
                        done,
                        f"{running:.5f}",
                        *(format(v[m.key], m.fmt) for m in metrics),
                        f"{lr_at(step):.2e}",
                        f"{now:.0f}",
                    ]
                )
                fh.flush()
                log(
                    f"step {done}/{cfg.steps} loss {running:.4f} {describe(v)} {now:.0f}s",
                    flush=True,
                )
            if done % cfg.checkpoint_every == 0 or last:
                now = elapsed + time.perf_counter() - t0
                save_checkpoint(ckpt_path, net, ema, opt, step=done, elapsed=now, best=best)
    if score is None:
        torch.save(ema.state_dict(), out / "ema.pt")
        return out / "ema.pt"
    if not best_path.exists():
        torch.save(ema.state_dict(), best_path)
    return best_path


def add_common_options(ap: argparse.ArgumentParser, defaults: Any) -> None:
    """The options every training command has, with ``defaults`` (a config class)."""
    ap.add_argument("--data", default=defaults.data_root, help="folder with the datasets")
    ap.add_argument("--out", default=defaults.out_dir, help="run folder (checkpoints, log)")
    ap.add_argument("--steps", type=int, default=defaults.steps)
    ap.add_argument("--batch", type=int, default=defaults.batch)
    ap.add_argument("--lr", type=float, default=defaults.lr, help="peak learning rate")
    ap.add_argument("--seed", type=int, default=defaults.seed)
    ap.add_argument("--threads", type=int, default=defaults.threads)
    ap.add_argument("--eval-every", type=int, default=defaults.eval_every)
    ap.add_argument("--limit-images", type=int, default=None, help="use few images (smoke test)")
    ap.add_argument("--export-only", action="store_true", help="skip training; export --out")
    ap.add_argument("--install", action="store_true", help="copy the ONNX file(s) into the package")


def common_config(args: argparse.Namespace, defaults: Any) -> dict[str, Any]:
    """Config fields from :func:`add_common_options`' options."""
    return {
        "data_root": args.data,
        "out_dir": args.out,
        "steps": args.steps,
        "batch": args.batch,
        "lr": args.lr,
        "seed": args.seed,
        "threads": args.threads,
        "eval_every": args.eval_every,
        "checkpoint_every": min(defaults.checkpoint_every, args.steps),
        "limit_images": args.limit_images,
    }


def run_progress(out: Path) -> dict[str, Any]:
    """The record's ``steps_done`` and ``train_wall_s``, from the run's ``last.pt``."""
    path = out / "last.pt"
    ckpt = torch.load(path, weights_only=False) if path.exists() else {}
    return {"steps_done": ckpt.get("step"), "train_wall_s": round(ckpt.get("elapsed", 0.0))}


def install_files(files: Iterable[Path], out: Path, folder: Path) -> str:
    """Copy exported ``files`` and the run's record and log into the package's ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in [*files, out / "record.json", out / "log.csv"]:
        shutil.copy2(path, folder / path.name)
    return f"installed into {folder}"


def finish_run(out: Path, record: dict[str, Any], install: Callable[[], str] | None) -> int:
    """Write and print the run's record; refuse an export that fails parity; else install."""
    (out / "record.json").write_text(json.dumps(record, indent=2))
    print(json.dumps(record, indent=2))
    diff = record["onnx_parity_max_abs"]
    if diff > PARITY_LIMIT:
        print(f"parity check failed: {diff}", file=sys.stderr)
        return 1
    if install is not None:
        print(install())
    return 0
