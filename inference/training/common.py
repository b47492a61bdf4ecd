"""Pieces both trainers share: seeding, devices, optimiser groups, schedules, batching, the
training job's data and time budget, the training record and the command line."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import random
import shlex
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn

from inference.encoder import (
    BASE_MODEL_NAME,
    embedding_fingerprint,
    encoder_config,
    load_tokenizer,
    resolve_base_path,
)
from inference.training.data import file_digest

Log = Callable[[str], None]


class TrainConfig(Protocol):
    """The fields ``EmotionTrainConfig`` and ``EmpathyTrainConfig`` both have."""

    epochs: int
    batch_size: int
    lr: float
    max_len: int
    weight_decay: float
    warmup_ratio: float
    layer_decay: float
    head_lr_scale: float
    max_train: int | None
    max_dev: int | None
    device: str
    base_model_path: str | None
    time_budget: float | None
    extra: dict[str, Any]


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def pick_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda asked for, but CUDA is not available")
    return device


def autocast(device: torch.device) -> contextlib.AbstractContextManager[Any]:
    """bf16 autocast on GPU (no loss scaling needed); plain fp32 on CPU."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def layerwise_param_groups(
    model: nn.Module, lr: float, weight_decay: float, layer_decay: float, head_lr_scale: float = 1.0
) -> list[dict[str, Any]]:
    """AdamW groups with layer-wise learning-rate decay: lower layers move less than upper ones."""
    layers = encoder_config(model.get_submodule("encoder")).num_hidden_layers
    groups: dict[tuple[float, float], list[nn.Parameter]] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        if name.startswith("encoder.embeddings"):
            depth = 0
        elif name.startswith("encoder.encoder.layer."):
            depth = int(name.split(".")[3]) + 1
        elif name.startswith("encoder."):
            depth = layers
        else:
            depth = None
        scale = head_lr_scale if depth is None else layer_decay ** (layers - depth)
        decay = 0.0 if param.ndim == 1 else weight_decay
        groups.setdefault((lr * scale, decay), []).append(param)
    return [{"params": params, "lr": group_lr, "weight_decay": decay} for (group_lr, decay), params in groups.items()]


def linear_schedule(
    optimizer: torch.optim.Optimizer, total_steps: int, warmup_ratio: float
) -> torch.optim.lr_scheduler.LambdaLR:
    warmup = max(1, int(total_steps * warmup_ratio))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def make_optimizer(params: list[dict[str, Any]], device: torch.device) -> torch.optim.Optimizer:
    kwargs: dict[str, Any] = {"betas": (0.9, 0.999), "eps": 1e-6}
    if device.type == "cuda":
        kwargs["fused"] = True
    return torch.optim.AdamW(params, **kwargs)


def optimizer_and_schedule(
    model: nn.Module, cfg: TrainConfig, train_size: int, device: torch.device
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR, int]:
    """AdamW over layer-wise decayed groups, its linear warm-up / decay schedule, and the steps in one epoch."""
    optimizer = make_optimizer(
        layerwise_param_groups(model, cfg.lr, cfg.weight_decay, cfg.layer_decay, cfg.head_lr_scale), device
    )
    steps_per_epoch = math.ceil(train_size / cfg.batch_size)
    scheduler = linear_schedule(optimizer, steps_per_epoch * cfg.epochs, cfg.warmup_ratio)
    return optimizer, scheduler, steps_per_epoch


def optimizer_step(
    model: nn.Module, loss: torch.Tensor, optimizer: torch.optim.Optimizer, scheduler: torch.optim.lr_scheduler.LambdaLR
) -> None:
    """Back-propagate one batch's loss, clip the gradient norm at 1, step and clear."""
    torch.autograd.backward(loss)  # what loss.backward() calls; that method is unannotated
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)


def release_device_memory(device: torch.device) -> None:
    """Hand a finished model's cached GPU memory back before the next one is built."""
    if device.type == "cuda":
        torch.cuda.empty_cache()


def shuffled_length_batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> Iterator[list[int]]:
    """Random batches of similar length: shuffle, sort within pools of 50 batches, shuffle batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = batch_size * 50
    batches = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: lengths[i])
        batches += [chunk[k : k + batch_size] for k in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    yield from batches


def state_copy(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: tensor.detach().to("cpu", copy=True) for name, tensor in model.state_dict().items()}


def load_trained_state(model: nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Load a state that may lack the frozen embeddings (those stay as the base gave them)."""
    from inference.encoder import FROZEN_EMBEDDINGS

    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not any(k.endswith(f) for f in FROZEN_EMBEDDINGS)]
    if missing or unexpected:
        raise RuntimeError(f"state does not fit the model: missing {missing[:3]}, unexpected {unexpected[:3]}")


def run_record(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """When, where and how a training run was started, for the model card."""
    argv = list(sys.argv if argv is None else argv)
    if argv and argv[0].endswith(".py") and "/inference/training/" in argv[0]:
        # Started as ``python -m inference.training.<module>``: say so, not the file path.
        argv = ["python3", "-m", "inference.training." + argv[0].rsplit("/", 1)[1][:-3], *argv[1:]]
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join(shlex.quote(a) for a in argv),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "host_device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"CPU ({os.cpu_count()} cores)",
    }


def progress(iterable: Any, **kwargs: Any) -> Any:
    from tqdm.auto import tqdm

    return tqdm(iterable, mininterval=2.0, dynamic_ncols=True, **kwargs)


class TrainingJob:
    """What both training jobs hold: config, log, device, base model and tokenizer, the train and
    dev rows (fixed subsets where asked), and the clock for ``cfg.time_budget``."""

    def __init__(self, data_dir: Path, cfg: TrainConfig, log: Log, *, suffix: str, read: Callable[[Path], list[Any]]):
        self.cfg = cfg
        self.log = log
        self.started = time.time()
        self.device = pick_device(cfg.device)
        self.base_path = resolve_base_path(cfg.base_model_path)
        self.tokenizer = load_tokenizer(self.base_path)
        self.train_file = Path(data_dir) / f"train.{suffix}"
        self.dev_file = Path(data_dir) / f"dev.{suffix}"
        train = read(self.train_file)
        self.dev = read(self.dev_file)
        if cfg.max_dev and cfg.max_dev < len(self.dev):
            self.dev = random.Random(4321).sample(self.dev, cfg.max_dev)
        self.train_total = len(train)
        if cfg.max_train and cfg.max_train < len(train):
            # A fixed subsample so teachers and a later student see the same rows.
            train = random.Random(1234).sample(train, cfg.max_train)
        self.train = train

    def has_time_for(self, seconds: float) -> bool:
        if self.cfg.time_budget is None:
            return True
        return time.time() - self.started + 1.15 * seconds + 20 < self.cfg.time_budget

    def epoch_numbers(self, name: str, epochs: Sequence[dict[str, Any]]) -> Iterator[int]:
        """1 to ``cfg.epochs``, stopping early (and saying so) when another epoch as long as the
        last one in ``epochs`` would overrun the time budget."""
        for epoch in range(1, self.cfg.epochs + 1):
            if epochs and not self.has_time_for(epochs[-1]["seconds"]):
                self.log(f"{name}: time budget reached, stopping after epoch {epoch - 1}")
                return
            yield epoch

    def epoch_done(
        self, name: str, epoch: int, epochs: list[dict[str, Any]], summary: dict[str, Any], started: float
    ) -> None:
        """Time the epoch's ``summary`` (from ``started``), keep it in ``epochs`` and log it."""
        summary["seconds"] = round(time.time() - started, 1)
        epochs.append(summary)
        self.log(f"{name} epoch {epoch}: " + json.dumps(summary))

    def data_record(self, **train_extra: Any) -> dict[str, Any]:
        """The data files, digests and row counts for the model card; ``train_extra`` follows the train rows."""
        return {
            "train_file": self.train_file.name,
            "train_sha256_16": file_digest(self.train_file),
            "train_rows_total": self.train_total,
            "train_rows_used": len(self.train),
            **train_extra,
            "dev_file": self.dev_file.name,
            "dev_sha256_16": file_digest(self.dev_file),
            "dev_rows": len(self.dev),
        }

    def base_model_record(self, model: nn.Module) -> dict[str, Any]:
        """The artefact config's ``base_model`` and ``base_fingerprint``: loading refuses another base."""
        return {
            "base_model": BASE_MODEL_NAME if self.cfg.base_model_path is None else str(self.cfg.base_model_path),
            "base_fingerprint": embedding_fingerprint(model.get_submodule("encoder")),
        }


def hyper_parameters(cfg: Any) -> dict[str, Any]:
    """A train config dataclass's fields in declaration order, less ``extra`` (which the record spreads)."""
    return {k: v for k, v in asdict(cfg).items() if k != "extra"}


def record_choice(
    record: dict[str, Any], candidates: Sequence[Any], chosen: Any, argv: Sequence[str] | None, started: float
) -> None:
    """Add every candidate's epochs, the one chosen, how the run was started and how long it took."""
    record["models"] = {c.name: c.epochs for c in candidates}
    record["chosen"] = chosen.name
    record["run"] = run_record(argv)
    record["train_seconds"] = round(time.time() - started, 1)


def add_data_arguments(parser: argparse.ArgumentParser, defaults: TrainConfig, data_help: str) -> None:
    """The options both trainers take first: data, output and the main hyper-parameters."""
    parser.add_argument("--data", required=True, help=data_help)
    parser.add_argument("--out", required=True, help="artefact folder to write")
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--lr", type=float, default=defaults.lr)
    parser.add_argument("--max-len", type=int, default=defaults.max_len)
    parser.add_argument("--layer-decay", type=float, default=defaults.layer_decay)


def add_run_arguments(parser: argparse.ArgumentParser, max_train_help: str | None = None) -> None:
    """The options both trainers take last: subsets, device, time budget and base model."""
    parser.add_argument("--max-train", type=int, default=None, help=max_train_help)
    parser.add_argument("--max-dev", type=int, default=None, help="smoke tests: a fixed subset of dev")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--time-budget", type=float, default=None, help="seconds; stop adding epochs / seeds past it")
    parser.add_argument("--base-model-path", default=None)


def common_config_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The config fields both trainers read from the options of ``add_data_arguments``,
    ``add_run_arguments`` and ``--seeds``."""
    return {
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "max_len": args.max_len,
        "layer_decay": args.layer_decay,
        "seeds": tuple(int(s) for s in str(args.seeds).split(",") if s.strip()),
        "max_train": args.max_train,
        "max_dev": args.max_dev,
        "device": args.device,
        "base_model_path": args.base_model_path,
        "time_budget": args.time_budget,
    }


def cli_main(
    argv: Sequence[str] | None,
    *,
    description: str,
    add_arguments: Callable[[argparse.ArgumentParser], None],
    config_from_args: Callable[[argparse.Namespace], Any],
    train: Callable[..., Any],
) -> None:
    """``python -m inference.training.<trainer>``: parse the options and train."""
    parser = argparse.ArgumentParser(description=description)
    add_arguments(parser)
    args = parser.parse_args(argv)
    train(Path(args.data), Path(args.out), config_from_args(args), argv=sys.argv)
