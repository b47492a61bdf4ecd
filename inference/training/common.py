"""Pieces both trainers share: seeding, devices, optimiser groups, schedules and batching."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import random
import shlex
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn


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
    layers = model.encoder.config.num_hidden_layers
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


def linear_schedule(optimizer: torch.optim.Optimizer, total_steps: int, warmup_ratio: float) -> torch.optim.lr_scheduler.LambdaLR:
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
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join(shlex.quote(a) for a in argv),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "host_device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"CPU ({os.cpu_count()} cores)",
    }


def progress(iterable: Any, **kwargs: Any) -> Any:
    from tqdm.auto import tqdm

    return tqdm(iterable, mininterval=2.0, dynamic_ncols=True, **kwargs)
