"""Fine-tune the emotion detector on GoEmotions; optionally several seeds folded into one by distillation.

Runs without Django: ``python -m inference.training.emotion_trainer --data DIR --out DIR``.
``python manage.py train_emotion`` wraps the same function.
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

from inference.emotion import EmotionModel, build_emotion_model
from inference.encoder import EncodedText, collate, encode_texts, length_sorted_batches, save_artefact
from inference.labels import GOEMOTIONS_LABELS
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
from inference.training.data import EmotionExample, read_goemotions
from inference.training.metrics import (
    cross_fitted_macro_f1,
    emotion_scores,
    predict_with_thresholds,
    tune_thresholds,
    tune_thresholds_joint,
)


@dataclass
class EmotionTrainConfig:
    epochs: int = 5
    batch_size: int = 32
    lr: float = 8e-5
    max_len: int = 64  # 99.9% of GoEmotions comments fit in 42 word pieces
    inference_max_len: int = 128
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    layer_decay: float = 0.9
    head_lr_scale: float = 5.0
    dropout: float = 0.1
    dropout_samples: int = 4
    loss: str = "bce"  # bce (sqrt positive weights) or asl (asymmetric loss); "a,b" cycles over seeds
    seeds: Sequence[int] = (0,)
    distill: bool = False
    distill_alpha: float = 0.5  # weight of the gold labels against the teachers' probabilities
    distill_from: Sequence[str] = ()
    save_train_probs: bool = False
    max_train: int | None = None
    max_dev: int | None = None  # smoke tests only: the figures are then not comparable
    eval_batch_size: int = 256
    device: str = "auto"
    base_model_path: str | None = None
    time_budget: float | None = None  # seconds for the whole run; later epochs / seeds are skipped
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class FittedModel:
    name: str
    state: dict[str, torch.Tensor]
    dev_probs: np.ndarray
    epochs: list[dict[str, Any]]
    train_probs: np.ndarray | None = None
    source_dir: Path | None = None
    loss: str = "bce"

    @property
    def best(self) -> dict[str, Any]:
        return max(self.epochs, key=selection_score)


def _mean(losses: list[torch.Tensor]) -> torch.Tensor:
    """The mean of the losses, added in order as ``sum`` would (``sum`` is typed to return int | Tensor)."""
    total = losses[0]
    for loss in losses[1:]:
        total = total + loss
    return total / len(losses)


def selection_score(summary: dict[str, Any]) -> float:
    """Epochs and models are chosen on both targets: 28-label and Ekman-grouped macro-F1."""
    return float(summary["macro_f1_tuned"] + summary["ekman_macro_f1_tuned"])


def label_matrix(examples: Sequence[EmotionExample]) -> np.ndarray:
    matrix = np.zeros((len(examples), len(GOEMOTIONS_LABELS)), dtype=np.float32)
    for i, example in enumerate(examples):
        matrix[i, example.labels] = 1.0
    return matrix


def asymmetric_loss(
    logits: torch.Tensor, targets: torch.Tensor, gamma_neg: float = 4.0, clip: float = 0.05
) -> torch.Tensor:
    """Ridnik et al. 2021: down-weights easy negatives, which dominate 28-way multi-label data."""
    p = torch.sigmoid(logits)
    p_neg = (p - clip).clamp(min=0)
    loss_pos = targets * torch.log(p.clamp(min=1e-8))
    loss_neg = (1 - targets) * torch.log((1 - p_neg).clamp(min=1e-8)) * p_neg.pow(gamma_neg)
    return -(loss_pos + loss_neg).mean()


def predict_probs(
    model: EmotionModel, items: Sequence[EncodedText], pad_id: int, device: torch.device, batch_size: int
) -> np.ndarray:
    model.eval()
    probs = np.zeros((len(items), len(GOEMOTIONS_LABELS)), dtype=np.float32)
    with torch.inference_mode(), autocast(device):
        for index in length_sorted_batches([len(x) for x in items], batch_size):
            logits = model(collate([items[i] for i in index], pad_id, device))
            probs[index] = torch.sigmoid(logits.float()).cpu().numpy()
    return probs


def dev_summary(probs: np.ndarray, truth: np.ndarray) -> dict[str, Any]:
    thresholds = tune_thresholds(probs, truth)
    tuned = emotion_scores(truth, predict_with_thresholds(probs, thresholds))
    fixed = emotion_scores(truth, predict_with_thresholds(probs, np.full(probs.shape[1], 0.5)))
    return {
        "macro_f1_tuned": round(tuned["macro_f1"], 4),
        "micro_f1_tuned": round(tuned["micro_f1"], 4),
        "ekman_macro_f1_tuned": round(tuned["ekman_macro_f1"], 4),
        "sentiment_macro_f1_tuned": round(tuned["sentiment_macro_f1"], 4),
        "macro_f1_cross_fitted": round(cross_fitted_macro_f1(probs, truth), 4),
        "macro_f1_at_0_5": round(fixed["macro_f1"], 4),
    }


class EmotionTraining(TrainingJob):
    cfg: EmotionTrainConfig
    train: list[EmotionExample]
    dev: list[EmotionExample]

    def __init__(self, data_dir: Path, cfg: EmotionTrainConfig, log: Log = print):
        super().__init__(data_dir, cfg, log, suffix="tsv", read=read_goemotions)
        train = self.train
        self.train_items = encode_texts(self.tokenizer, [e.text for e in train], cfg.max_len)
        self.dev_items = encode_texts(self.tokenizer, [e.text for e in self.dev], cfg.inference_max_len)
        self.train_truth = label_matrix(train)
        self.dev_truth = label_matrix(self.dev)
        log(f"emotion: {len(train)} train / {len(self.dev)} dev texts on {self.device}")

    def fit(
        self, seed: int, loss_name: str, soft_targets: np.ndarray | None = None, name: str | None = None
    ) -> FittedModel:
        cfg = self.cfg
        set_seed(seed)
        model = build_emotion_model(self.base_path, cfg.dropout).to(self.device)
        optimizer, scheduler, steps_per_epoch = optimizer_and_schedule(model, cfg, len(self.train_items), self.device)
        hard = torch.tensor(self.train_truth)
        targets = (
            hard
            if soft_targets is None
            else cfg.distill_alpha * hard + (1 - cfg.distill_alpha) * torch.tensor(soft_targets)
        )
        positives = hard.sum(0).clamp(min=1)
        pos_weight = ((len(hard) - positives) / positives).sqrt().to(self.device)
        lengths = [len(x) for x in self.train_items]
        rng = random.Random(seed)
        pad = self.tokenizer.pad_token_id
        name = name or f"seed{seed}-{loss_name}"
        epochs: list[dict[str, Any]] = []
        best_state, best_score = None, -1.0
        for epoch in self.epoch_numbers(name, epochs):
            model.train()
            started = time.time()
            total = torch.zeros((), device=self.device)  # summed on device: no sync per step
            bar = progress(
                list(shuffled_length_batches(lengths, cfg.batch_size, rng)), desc=f"{name} epoch {epoch}/{cfg.epochs}"
            )
            for index in bar:
                batch = collate([self.train_items[i] for i in index], pad, self.device)
                y = targets[index].to(self.device)
                with autocast(self.device):
                    _, pooled = model.encode(batch)
                    # Multi-sample dropout: several dropout masks over the same pooled vector.
                    logits = [model.head(model.dropout(pooled)).float() for _ in range(cfg.dropout_samples)]
                if loss_name == "asl":
                    loss = _mean([asymmetric_loss(lg, y) for lg in logits])
                else:
                    loss = _mean([F.binary_cross_entropy_with_logits(lg, y, pos_weight=pos_weight) for lg in logits])
                optimizer_step(model, loss, optimizer, scheduler)
                total += loss.detach()
            dev_probs = predict_probs(model, self.dev_items, pad, self.device, cfg.eval_batch_size)
            summary = {
                "epoch": epoch,
                "train_loss": round(float(total) / steps_per_epoch, 5),
                **dev_summary(dev_probs, self.dev_truth),
            }
            self.epoch_done(name, epoch, epochs, summary, started)
            if selection_score(summary) > best_score:
                best_score = selection_score(summary)
                best_state = state_copy(model)
                best_dev = dev_probs
        if best_state is None:
            raise RuntimeError(f"{name}: no epoch was trained")
        model.load_state_dict(best_state)
        fitted = FittedModel(name=name, state=best_state, dev_probs=best_dev, epochs=epochs, loss=loss_name)
        if self.cfg.save_train_probs or self.cfg.distill:
            fitted.train_probs = predict_probs(model, self.train_items, pad, self.device, cfg.eval_batch_size)
        del model, optimizer
        release_device_memory(self.device)
        return fitted

    def export(self, fitted: FittedModel, out_dir: Path, record: dict[str, Any]) -> dict[str, Any]:
        thresholds = tune_thresholds_joint(fitted.dev_probs, self.dev_truth)
        final = emotion_scores(self.dev_truth, predict_with_thresholds(fitted.dev_probs, thresholds))
        model = build_emotion_model(self.base_path, self.cfg.dropout)
        load_trained_state(model, fitted.state)
        record["dev_final"] = {
            "macro_f1": round(final["macro_f1"], 4),
            "micro_f1": round(final["micro_f1"], 4),
            "ekman_macro_f1": round(final["ekman_macro_f1"], 4),
            "sentiment_macro_f1": round(final["sentiment_macro_f1"], 4),
            "macro_f1_cross_fitted": round(cross_fitted_macro_f1(fitted.dev_probs, self.dev_truth), 4),
            "per_label": final["per_label"],
            "n": final["n"],
        }
        config = {
            "kind": "emotion",
            **self.base_model_record(model),
            "labels": list(GOEMOTIONS_LABELS),
            "max_len": self.cfg.inference_max_len,
            "thresholds": [float(t) for t in thresholds],
            "training": record,
        }
        save_artefact(model, out_dir, config)
        return config


def load_teacher(directory: Path) -> FittedModel:
    """A teacher written by an earlier ``--save-train-probs`` run (possibly another process)."""
    from safetensors.torch import load_file

    config = json.loads((directory / "config.json").read_text())
    state: dict[str, torch.Tensor] = {}
    for shard in config["shards"]:
        state.update(load_file(str(directory / shard)))
    return FittedModel(
        name=config["training"]["chosen"],
        state={k: v.float() for k, v in state.items()},
        dev_probs=np.load(directory / "dev_probs.npy"),
        train_probs=np.load(directory / "train_probs.npy"),
        epochs=config["training"]["models"][config["training"]["chosen"]],
        source_dir=directory,
        loss=config["training"]["hyper_parameters"]["loss"].split(",")[0],
    )


def train_emotion(
    data_dir: Path, out_dir: Path, cfg: EmotionTrainConfig, log: Log = print, argv: Sequence[str] | None = None
) -> dict[str, Any]:
    """Train, pick the best model on dev, tune its thresholds, write the artefact and model card."""
    started = time.time()
    out_dir = Path(out_dir)
    job = EmotionTraining(Path(data_dir), cfg, log)
    losses = cfg.loss.split(",")
    candidates: list[FittedModel] = []
    if cfg.distill_from:
        candidates = [load_teacher(Path(d)) for d in cfg.distill_from]
    else:
        for k, seed in enumerate(cfg.seeds):
            if candidates and not job.has_time_for(sum(e["seconds"] for e in candidates[-1].epochs)):
                log(f"time budget reached: seeds after {candidates[-1].name} skipped")
                break
            candidates.append(job.fit(seed, losses[k % len(losses)]))
    record: dict[str, Any] = {"hyper_parameters": hyper_parameters(cfg), **cfg.extra}
    record["data"] = job.data_record()
    record["split"] = (
        "trained on train.tsv; epoch choice, model choice and thresholds (jointly for 28-label and Ekman macro-F1) on dev.tsv"
    )
    if len(candidates) > 1 or cfg.distill:
        ensemble = np.mean([c.dev_probs for c in candidates], axis=0)
        record["teacher_ensemble_dev"] = dev_summary(ensemble, job.dev_truth)
        log("teacher ensemble on dev: " + json.dumps(record["teacher_ensemble_dev"]))
    if cfg.distill:
        teacher_probs: list[np.ndarray] = []
        for candidate in candidates:
            if candidate.train_probs is None:  # pragma: no cover - fit keeps them when distilling
                raise ValueError(f"teacher {candidate.name} kept no probabilities on the training rows")
            teacher_probs.append(candidate.train_probs)
        soft = np.mean(teacher_probs, axis=0)
        if soft.shape[0] != len(job.train):
            raise ValueError("teacher probabilities do not match the training rows (different --max-train?)")
        student_seed = max(list(cfg.seeds) + [0]) + 100
        # "auto": the student learns with the loss of the best teacher.
        student_loss = losses[0] if losses[0] != "auto" else max(candidates, key=lambda c: selection_score(c.best)).loss
        candidates.append(
            job.fit(student_seed, student_loss, soft_targets=soft, name=f"student{student_seed}-{student_loss}")
        )
    chosen = max(candidates, key=lambda c: selection_score(c.best))
    record_choice(record, candidates, chosen, argv, started)
    log(f"chosen on dev: {chosen.name} " + json.dumps(chosen.best))
    config = job.export(chosen, out_dir, record)
    if cfg.save_train_probs and chosen.train_probs is not None:
        np.save(out_dir / "train_probs.npy", chosen.train_probs)
        np.save(out_dir / "dev_probs.npy", chosen.dev_probs)
    write_model_card(out_dir)
    final = record["dev_final"]
    log(
        f"emotion dev: macro-F1 {final['macro_f1']:.4f}, micro-F1 {final['micro_f1']:.4f}, "
        f"Ekman macro-F1 {final['ekman_macro_f1']:.4f} (cross-fitted thresholds: {final['macro_f1_cross_fitted']:.4f})"
    )
    return config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = EmotionTrainConfig()
    add_data_arguments(parser, d, "folder holding GoEmotions train.tsv and dev.tsv")
    parser.add_argument("--loss", default=d.loss, help="bce, asl, or a comma list cycled over seeds")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds, one model each")
    parser.add_argument("--distill", action="store_true", help="fold the seeds' ensemble into one student")
    parser.add_argument(
        "--distill-from", default="", help="comma-separated teacher folders from --save-train-probs runs"
    )
    parser.add_argument(
        "--save-train-probs", action="store_true", help="also write train/dev probabilities (teacher runs)"
    )
    add_run_arguments(parser, max_train_help="use a fixed random subset of this many rows")


def config_from_args(args: argparse.Namespace) -> EmotionTrainConfig:
    return EmotionTrainConfig(
        **common_config_kwargs(args),
        loss=args.loss,
        distill=args.distill or bool(args.distill_from),
        distill_from=tuple(d for d in args.distill_from.split(",") if d.strip()),
        save_train_probs=args.save_train_probs,
    )


def main(argv: Sequence[str] | None = None) -> None:
    cli_main(
        argv,
        description=__doc__.splitlines()[0],
        add_arguments=add_arguments,
        config_from_args=config_from_args,
        train=train_emotion,
    )


if __name__ == "__main__":
    main()
