"""Fine-tune the empathy scorer on EPITOME: three level heads and joint rationale tagging.

Runs without Django: ``python -m inference.training.empathy_trainer --data DIR --out DIR``.
``python manage.py train_empathy`` wraps the same function.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from inference.empathy import LEVELS, EmpathyModel, build_empathy_model
from inference.encoder import EncodedText, collate, encode_pairs, length_sorted_batches, save_artefact
from inference.labels import EMPATHY_MECHANISMS
from inference.training.card import write_model_card
from inference.training.common import (
    Log,
    TrainingJob,
    add_data_arguments,
    add_run_arguments,
    autocast,
    cli_main,
    common_config_kwargs,
    hyper_parameters,
    load_trained_state,
    optimizer_and_schedule,
    optimizer_step,
    progress,
    record_choice,
    release_device_memory,
    set_seed,
    shuffled_length_batches,
    state_copy,
)
from inference.training.data import EmpathyExample, read_epitome
from inference.training.metrics import multiclass_scores, tune_class_bias

MIN_BIAS_GAIN = 0.01


@dataclass
class EmpathyTrainConfig:
    epochs: int = 8
    batch_size: int = 16
    lr: float = 6e-5
    max_len: int = 256
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    layer_decay: float = 0.9
    head_lr_scale: float = 5.0
    dropout: float = 0.1
    tag_weight: float = 1.0
    class_weight_power: float = 0.5  # class weight = frequency ** -power
    context_dropout: float = 0.1  # sometimes train without the message answered
    seeds: Sequence[int] = (0,)
    tune_bias: bool = True
    distill: bool = False  # fold the seeds' ensemble into one student
    distill_alpha: float = 0.5
    max_train: int | None = None
    max_dev: int | None = None  # smoke tests only: the figures are then not comparable
    eval_batch_size: int = 64
    device: str = "auto"
    base_model_path: str | None = None
    time_budget: float | None = None  # seconds for the whole run; later epochs / seeds are skipped
    extra: dict[str, Any] = field(default_factory=dict)


def tag_targets(example: EmpathyExample, item: EncodedText) -> np.ndarray:
    """1 where a response token overlaps a rationale span of that mechanism."""
    targets = np.zeros((len(item), len(EMPATHY_MECHANISMS)), dtype=np.float32)
    for position, span in enumerate(item.spans):
        if span is None:
            continue
        start, end, _ = span
        for m, mechanism in enumerate(EMPATHY_MECHANISMS):
            if any(start < r_end and end > r_start for r_start, r_end in example.rationales.get(mechanism, [])):
                targets[position, m] = 1.0
    return targets


def batch_tags(
    items: Sequence[EncodedText], tags: Sequence[np.ndarray], width: int
) -> tuple[torch.Tensor, torch.Tensor]:
    target = torch.zeros((len(items), width, len(EMPATHY_MECHANISMS)))
    mask = torch.zeros((len(items), width))
    for row, (item, tag) in enumerate(zip(items, tags, strict=True)):
        target[row, : len(item)] = torch.from_numpy(tag)
        mask[row, : len(item)] = torch.tensor([0.0 if s is None else 1.0 for s in item.spans])
    return target, mask


@dataclass
class FittedScorer:
    name: str
    state: dict[str, torch.Tensor]
    dev_log_probs: np.ndarray
    dev_tag_probs: list[np.ndarray]
    epochs: list[dict[str, Any]]

    @property
    def best(self) -> dict[str, Any]:
        return max(self.epochs, key=lambda e: e["mean_macro_f1"])


class EmpathyTraining(TrainingJob):
    cfg: EmpathyTrainConfig
    train: list[EmpathyExample]
    dev: list[EmpathyExample]

    def __init__(self, data_dir: Path, cfg: EmpathyTrainConfig, log: Log = print):
        super().__init__(data_dir, cfg, log, suffix="csv", read=read_epitome)
        train = self.train

        def encode(rows: Sequence[EmpathyExample], ctx: Sequence[str]) -> list[EncodedText]:
            return encode_pairs(self.tokenizer, ctx, [e.response for e in rows], cfg.max_len)

        self.train_items = encode(train, [e.seeker_post for e in train])
        self.train_items_no_context = encode(train, [""] * len(train))
        self.dev_items = encode(self.dev, [e.seeker_post for e in self.dev])
        self.train_tags = [tag_targets(e, x) for e, x in zip(train, self.train_items, strict=True)]
        self.train_tags_no_context = [
            tag_targets(e, x) for e, x in zip(train, self.train_items_no_context, strict=True)
        ]
        self.dev_tags = [tag_targets(e, x) for e, x in zip(self.dev, self.dev_items, strict=True)]
        self.train_levels = np.array([[e.levels[m] for m in EMPATHY_MECHANISMS] for e in train])
        self.dev_levels = np.array([[e.levels[m] for m in EMPATHY_MECHANISMS] for e in self.dev])
        self.unlocated = sum(e.unlocated_rationales for e in train)
        log(
            f"empathy: {len(train)} train / {len(self.dev)} dev pairs on {self.device}; {self.unlocated} train rationales not found in their response"
        )

    def class_weights(self) -> torch.Tensor:
        weights = []
        for m in range(len(EMPATHY_MECHANISMS)):
            counts = np.bincount(self.train_levels[:, m], minlength=LEVELS).astype(float) + 1.0
            w = (counts / counts.sum()) ** -self.cfg.class_weight_power
            weights.append(w / w.mean())
        return torch.tensor(np.array(weights), dtype=torch.float32)

    def predict(self, model: EmpathyModel, items: Sequence[EncodedText]) -> tuple[np.ndarray, list[np.ndarray]]:
        model.eval()
        log_probs = np.zeros((len(items), len(EMPATHY_MECHANISMS), LEVELS), dtype=np.float32)
        tags: list[np.ndarray] = [np.zeros(0)] * len(items)
        with torch.inference_mode(), autocast(self.device):
            for index in length_sorted_batches([len(x) for x in items], self.cfg.eval_batch_size):
                level_logits, tag_logits = model(
                    collate([items[i] for i in index], self.tokenizer.pad_token_id, self.device)
                )
                log_probs[index] = torch.log_softmax(level_logits.float(), -1).cpu().numpy()
                tag_probs = torch.sigmoid(tag_logits.float()).cpu().numpy()
                for row, i in enumerate(index):
                    tags[i] = tag_probs[row, : len(items[i])]
        return log_probs, tags

    def tagging_scores(self, tags: Sequence[np.ndarray], threshold: float = 0.5) -> dict[str, float]:
        """Token-level F1 of the rationale tagger on responses whose gold level is above 0."""
        scores = {}
        for m, mechanism in enumerate(EMPATHY_MECHANISMS):
            tp = fp = fn = 0
            for i, item in enumerate(self.dev_items):
                if self.dev_levels[i, m] == 0:
                    continue
                mask = np.array([s is not None for s in item.spans])
                gold = self.dev_tags[i][mask, m] > 0.5
                pred = tags[i][mask, m] >= threshold
                tp += int((gold & pred).sum())
                fp += int((~gold & pred).sum())
                fn += int((gold & ~pred).sum())
            scores[f"{mechanism}_token_f1"] = round(2 * tp / max(1, 2 * tp + fp + fn), 4)
        return scores

    def level_scores(self, log_probs: np.ndarray, bias: dict[str, list[float]] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for m, mechanism in enumerate(EMPATHY_MECHANISMS):
            offset = np.array((bias or {}).get(mechanism, [0.0, 0.0, 0.0]))
            result[mechanism] = multiclass_scores(self.dev_levels[:, m], (log_probs[:, m] + offset).argmax(1))
        return result

    def fit(self, seed: int, soft_levels: np.ndarray | None = None, name: str | None = None) -> FittedScorer:
        cfg = self.cfg
        set_seed(seed)
        model = build_empathy_model(self.base_path, cfg.dropout).to(self.device)
        optimizer, scheduler, steps_per_epoch = optimizer_and_schedule(model, cfg, len(self.train_items), self.device)
        weights = self.class_weights().to(self.device)
        levels = torch.tensor(self.train_levels)
        rng = random.Random(seed)
        pad = self.tokenizer.pad_token_id
        name = name or f"seed{seed}"
        soft = None if soft_levels is None else torch.tensor(soft_levels, dtype=torch.float32)
        epochs: list[dict[str, Any]] = []
        best: tuple[float, dict[str, torch.Tensor], np.ndarray, list[np.ndarray]] | None = None
        for epoch in self.epoch_numbers(name, epochs):
            model.train()
            started = time.time()
            total = torch.zeros((), device=self.device)  # summed on device: no sync per step
            # Same rows every epoch, but a few lose the message answered, as learner turns sometimes do.
            use_context = [rng.random() >= cfg.context_dropout for _ in self.train_items]
            items = [
                a if keep else b
                for a, b, keep in zip(self.train_items, self.train_items_no_context, use_context, strict=True)
            ]
            tags = [
                a if keep else b
                for a, b, keep in zip(self.train_tags, self.train_tags_no_context, use_context, strict=True)
            ]
            batches = list(shuffled_length_batches([len(x) for x in items], cfg.batch_size, rng))
            for index in progress(batches, desc=f"{name} epoch {epoch}/{cfg.epochs}"):
                chosen = [items[i] for i in index]
                batch = collate(chosen, pad, self.device)
                tag_target, tag_mask = batch_tags(chosen, [tags[i] for i in index], batch["input_ids"].shape[1])
                y = levels[index].to(self.device)
                with autocast(self.device):
                    level_logits, tag_logits = model(batch)
                level_logits = level_logits.float()
                loss = sum(
                    F.cross_entropy(level_logits[:, m], y[:, m], weight=weights[m])
                    for m in range(len(EMPATHY_MECHANISMS))
                )
                if soft is not None:
                    # Distillation: the gold levels plus the teachers' averaged level distribution.
                    target = soft[index].to(self.device)
                    soft_loss = -(target * torch.log_softmax(level_logits, -1)).sum(-1).mean(0).sum()
                    loss = cfg.distill_alpha * loss + (1 - cfg.distill_alpha) * soft_loss
                tag_loss = F.binary_cross_entropy_with_logits(
                    tag_logits.float(), tag_target.to(self.device), reduction="none"
                ).sum(-1)
                mask = tag_mask.to(self.device)
                loss = loss + cfg.tag_weight * (tag_loss * mask).sum() / mask.sum().clamp(min=1)
                optimizer_step(model, loss, optimizer, scheduler)
                total += loss.detach()
            log_probs, dev_tags = self.predict(model, self.dev_items)
            scores = self.level_scores(log_probs)
            summary: dict[str, Any] = {"epoch": epoch, "train_loss": round(float(total) / steps_per_epoch, 4)}
            for mechanism in EMPATHY_MECHANISMS:
                summary[f"{mechanism}_acc"] = round(scores[mechanism]["accuracy"], 4)
                summary[f"{mechanism}_f1"] = round(scores[mechanism]["macro_f1"], 4)
            summary["mean_macro_f1"] = round(float(np.mean([scores[m]["macro_f1"] for m in EMPATHY_MECHANISMS])), 4)
            summary.update(self.tagging_scores(dev_tags))
            self.epoch_done(name, epoch, epochs, summary, started)
            if best is None or summary["mean_macro_f1"] > best[0]:
                best = (summary["mean_macro_f1"], state_copy(model), log_probs, dev_tags)
        assert best is not None
        del model, optimizer
        release_device_memory(self.device)
        return FittedScorer(name=name, state=best[1], dev_log_probs=best[2], dev_tag_probs=best[3], epochs=epochs)

    def export(self, fitted: FittedScorer, out_dir: Path, record: dict[str, Any]) -> dict[str, Any]:
        raw = self.level_scores(fitted.dev_log_probs)
        bias: dict[str, list[float]] = {}
        if self.cfg.tune_bias:
            for m, mechanism in enumerate(EMPATHY_MECHANISMS):
                candidate = tune_class_bias(fitted.dev_log_probs[:, m], self.dev_levels[:, m])
                gain = (
                    self.level_scores(fitted.dev_log_probs, {mechanism: candidate})[mechanism]["macro_f1"]
                    - raw[mechanism]["macro_f1"]
                )
                bias[mechanism] = candidate if gain >= MIN_BIAS_GAIN else [0.0, 0.0, 0.0]
        tuned = self.level_scores(fitted.dev_log_probs, bias)
        thresholds = np.round(np.arange(0.2, 0.71, 0.05), 2)
        tag_choice = max(
            thresholds, key=lambda t: np.mean(list(self.tagging_scores(fitted.dev_tag_probs, float(t)).values()))
        )
        final: dict[str, Any] = {}
        for mechanism in EMPATHY_MECHANISMS:
            final[mechanism] = {
                "accuracy": round(tuned[mechanism]["accuracy"], 4),
                "macro_f1": round(tuned[mechanism]["macro_f1"], 4),
                "accuracy_raw": round(raw[mechanism]["accuracy"], 4),
                "macro_f1_raw": round(raw[mechanism]["macro_f1"], 4),
                "per_class_f1": tuned[mechanism]["per_class_f1"],
                "support": tuned[mechanism]["support"],
                "confusion": tuned[mechanism]["confusion"],
            }
        final["tagging"] = {
            "threshold": float(tag_choice),
            **self.tagging_scores(fitted.dev_tag_probs, float(tag_choice)),
        }
        final["n"] = len(self.dev)
        record["dev_final"] = final
        model = build_empathy_model(self.base_path, self.cfg.dropout)
        load_trained_state(model, fitted.state)
        config = {
            "kind": "empathy",
            **self.base_model_record(model),
            "mechanisms": list(EMPATHY_MECHANISMS),
            "max_len": self.cfg.max_len,
            "tag_threshold": float(tag_choice),
            "level_bias": bias,
            "training": record,
        }
        save_artefact(model, out_dir, config)
        return config

    def data_record(self, **train_extra: Any) -> dict[str, Any]:
        return super().data_record(train_rationales_not_located=self.unlocated, **train_extra)


def train_empathy(
    data_dir: Path, out_dir: Path, cfg: EmpathyTrainConfig, log: Log = print, argv: Sequence[str] | None = None
) -> dict[str, Any]:
    """Train one model per seed, keep the best on dev, tune level offsets, write artefact and card."""
    started = time.time()
    job = EmpathyTraining(Path(data_dir), cfg, log)
    candidates: list[FittedScorer] = []
    for seed in cfg.seeds:
        # With distillation, keep room for one more teacher and the student.
        needed = sum(e["seconds"] for e in candidates[-1].epochs) * (2 if cfg.distill else 1) if candidates else 0
        if candidates and not job.has_time_for(needed):
            log(f"time budget reached: seeds after {candidates[-1].name} skipped")
            break
        candidates.append(job.fit(seed))
    record: dict[str, Any] = {}
    if cfg.distill and candidates:
        teacher_probs = []
        for teacher in candidates:
            model = build_empathy_model(job.base_path, cfg.dropout).to(job.device)
            load_trained_state(model, teacher.state)
            teacher_probs.append(np.exp(job.predict(model, job.train_items)[0]))
            del model
        ensemble_dev = np.log(np.mean([np.exp(c.dev_log_probs) for c in candidates], axis=0))
        record["teacher_ensemble_dev"] = {m: round(v["macro_f1"], 4) for m, v in job.level_scores(ensemble_dev).items()}
        log("teacher ensemble on dev (macro-F1): " + json.dumps(record["teacher_ensemble_dev"]))
        student_seed = max(cfg.seeds) + 100
        candidates.append(
            job.fit(student_seed, soft_levels=np.mean(teacher_probs, axis=0), name=f"student{student_seed}")
        )
    chosen = max(candidates, key=lambda c: c.best["mean_macro_f1"])
    record = {**record, "hyper_parameters": hyper_parameters(cfg), **cfg.extra}
    record["data"] = job.data_record()
    record["split"] = "trained on train.csv; epoch choice, seed choice, level offsets and tag threshold on dev.csv"
    record_choice(record, candidates, chosen, argv, started)
    config = job.export(chosen, Path(out_dir), record)
    write_model_card(Path(out_dir))
    final = record["dev_final"]
    log(
        "empathy dev: "
        + ", ".join(
            f"{m.upper()} acc {final[m]['accuracy']:.4f} macro-F1 {final[m]['macro_f1']:.4f} (raw {final[m]['macro_f1_raw']:.4f})"
            for m in EMPATHY_MECHANISMS
        )
    )
    return config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = EmpathyTrainConfig()
    add_data_arguments(parser, d, "folder holding EPITOME train.csv and dev.csv")
    parser.add_argument("--tag-weight", type=float, default=d.tag_weight)
    parser.add_argument("--seeds", default="0", help="comma-separated seeds; the best on dev is kept")
    parser.add_argument("--no-bias-tuning", action="store_true")
    parser.add_argument("--distill", action="store_true", help="fold the seeds' ensemble into one student")
    add_run_arguments(parser)


def config_from_args(args: argparse.Namespace) -> EmpathyTrainConfig:
    return EmpathyTrainConfig(
        **common_config_kwargs(args),
        tag_weight=args.tag_weight,
        tune_bias=not args.no_bias_tuning,
        distill=args.distill,
    )


def main(argv: Sequence[str] | None = None) -> None:
    cli_main(
        argv,
        description=__doc__.splitlines()[0],
        add_arguments=add_arguments,
        config_from_args=config_from_args,
        train=train_empathy,
    )


if __name__ == "__main__":
    main()
