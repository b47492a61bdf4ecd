"""Fine-tune the empathy scorer: three level heads, joint rationale tagging and, with the project's
role-play corpus, a blocker head.

Runs without Django: ``python -m inference.training.empathy_trainer --data DIR --out DIR``.
``python manage.py train_empathy`` wraps the same function.

Without ``--coaching`` the model learns EPITOME alone and everything is chosen on EPITOME dev, as
the first artefact was. With ``--coaching FILE`` it learns EPITOME train (less a hold-out) and the
corpus ``train`` split together: level losses on both, the rationale-tag loss on EPITOME rows only
(the corpus has no rationales), the blocker loss on corpus rows only (EPITOME has no blocker
labels). Epochs, seed, corpus weight, level thresholds, tag and blocker thresholds are chosen on a
tuning split (the corpus ``tune`` split plus a hash-chosen tenth of EPITOME train) that is never
reported; the figures reported are on EPITOME dev.csv and the corpus ``dev`` split, which choose
nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
import torch.nn.functional as F

from inference.coaching_eval import HEADLINE, Blocker, CoachedReply, Judgement, evaluate
from inference.empathy import (
    LEVELS,
    EmpathyLogits,
    EmpathyModel,
    blocker_classes,
    build_empathy_model,
    confident_levels,
    level_probs,
)
from inference.encoder import (
    EncodedText,
    collate,
    encode_pairs,
    length_sorted_batches,
    load_artefact_weights,
    read_artefact_config,
    save_artefact,
)
from inference.labels import EMPATHY_MECHANISMS
from inference.schema import BLOCKER_CLASSES
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
from inference.training.data import (
    CoachingExample,
    EmpathyExample,
    file_digest,
    read_coaching,
    read_epitome,
)
from inference.training.metrics import (
    blocker_figures,
    main_blockers,
    multiclass_scores,
    tune_blocker_threshold,
    tune_class_bias,
    tune_level_thresholds,
)

MIN_BIAS_GAIN = 0.01
EPITOME = "epitome"
COACHING = "coaching"
NO_LABEL = -1  # a row without a blocker label (EPITOME)


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
    # The role-play corpus (CSV with a split column); None: EPITOME only, chosen on its dev.
    coaching_file: str | None = None
    # Weight of a corpus row's level losses relative to an EPITOME row's (the blocker loss, corpus
    # rows only, has blocker_weight); one candidate model per value and seed, the best on the
    # tuning split kept.
    coaching_weights: Sequence[float] = (1.0,)
    blocker_weight: float = 1.0
    # With the corpus: level heads of its own beside EPITOME's (see inference.empathy.EmpathyModel).
    coaching_levels: bool = True
    # Start from this artefact's weights instead of the base (its coaching heads, where it has none,
    # start as copies of its level heads).
    init_artefact: str | None = None
    epitome_tune_share: float = 0.1  # of EPITOME train held out for tuning (with the corpus only)
    # Below issue #9's .05 on purpose: chosen on ~230 tuning replies, a cap at .05 itself came out at
    # .059-.077 on held-out replies (two models); .03 leaves room for that selection's optimism.
    false_praise_cap: float = 0.03
    blocker_precision_target: float = 0.8
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainRow:
    """One (context, response) pair of either source, with the labels it has."""

    context: str
    response: str
    levels: tuple[int, ...]  # in EMPATHY_MECHANISMS order
    rationales: dict[str, list[tuple[int, int]]] | None  # None: the row has no rationale labels
    blocker: int  # index in BLOCKER_CLASSES, NO_LABEL without a blocker label
    source: str  # EPITOME or COACHING
    line: int = 0  # the corpus file's line, for the coaching report


def epitome_row(example: EmpathyExample) -> TrainRow:
    return TrainRow(
        context=example.seeker_post,
        response=example.response,
        levels=tuple(example.levels[m] for m in EMPATHY_MECHANISMS),
        rationales=example.rationales,
        blocker=NO_LABEL,
        source=EPITOME,
    )


def coaching_row(example: CoachingExample) -> TrainRow:
    return TrainRow(
        context=example.context,
        response=example.response,
        levels=tuple(example.levels[m] for m in EMPATHY_MECHANISMS),
        rationales=None,
        blocker=BLOCKER_CLASSES.index(example.blocker),
        source=COACHING,
        line=example.line,
    )


def held_out_for_tuning(pair_id: str, share: float) -> bool:
    """Whether an EPITOME train pair (``sp_id/rp_id``) is held out for tuning: a hash of the ids,
    so the same pairs whatever the machine or the order of the file."""
    bucket = int(hashlib.sha256(pair_id.encode("utf-8")).hexdigest()[:8], 16) / 0x1_0000_0000
    return bucket < share


def tag_targets(example: TrainRow | EmpathyExample, item: EncodedText) -> np.ndarray:
    """1 where a response token overlaps a rationale span of that mechanism."""
    targets = np.zeros((len(item), len(EMPATHY_MECHANISMS)), dtype=np.float32)
    rationales = example.rationales or {}
    for position, span in enumerate(item.spans):
        if span is None:
            continue
        start, end, _ = span
        for m, mechanism in enumerate(EMPATHY_MECHANISMS):
            if any(start < r_end and end > r_start for r_start, r_end in rationales.get(mechanism, [])):
                targets[position, m] = 1.0
    return targets


def batch_tags(
    items: Sequence[EncodedText], tags: Sequence[np.ndarray], width: int, labelled: Sequence[bool] | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Tag targets and the mask of the response tokens they count on (none on unlabelled rows)."""
    target = torch.zeros((len(items), width, len(EMPATHY_MECHANISMS)))
    mask = torch.zeros((len(items), width))
    for row, (item, tag) in enumerate(zip(items, tags, strict=True)):
        target[row, : len(item)] = torch.from_numpy(tag)
        if labelled is None or labelled[row]:
            mask[row, : len(item)] = torch.tensor([0.0 if s is None else 1.0 for s in item.spans])
    return target, mask


@dataclass
class EvalSet:
    """Rows the models are scored on, encoded once."""

    name: str
    rows: list[TrainRow]
    items: list[EncodedText]
    tags: list[np.ndarray]  # gold tag targets
    levels: np.ndarray  # (n, mechanisms)
    blockers: np.ndarray  # (n,), NO_LABEL where unlabelled
    has_rationales: np.ndarray  # (n,) bool

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def coaching(self) -> np.ndarray:
        """Rows from the corpus (the ones with a blocker label)."""
        labelled: np.ndarray = self.blockers != NO_LABEL
        return labelled

    @property
    def only_blocking(self) -> np.ndarray:
        """Rows a coach would not praise at all: a blocker and every level 0."""
        blocking: np.ndarray = self.coaching & (self.blockers != 0) & (self.levels.sum(1) == 0)
        return blocking


@dataclass
class Predictions:
    log_probs: np.ndarray  # (n, mechanisms, 3)
    tags: list[np.ndarray]
    blocker_probs: np.ndarray | None  # (n, blocker classes)


@dataclass
class FittedScorer:
    name: str
    state: dict[str, torch.Tensor]
    select: Predictions  # on the selection split (tune with the corpus, else EPITOME dev), best epoch
    epochs: list[dict[str, Any]]
    score_key: str = "mean_macro_f1"
    coaching_weight: float = 1.0

    @property
    def best(self) -> dict[str, Any]:
        return max(self.epochs, key=lambda e: e[self.score_key])

    # The first artefact's record and the ensemble code read these names.
    @property
    def dev_log_probs(self) -> np.ndarray:
        return self.select.log_probs

    @property
    def dev_tag_probs(self) -> list[np.ndarray]:
        return self.select.tags


class EmpathyTraining(TrainingJob):
    cfg: EmpathyTrainConfig
    train: list[EmpathyExample]
    dev: list[EmpathyExample]

    def __init__(self, data_dir: Path, cfg: EmpathyTrainConfig, log: Log = print):
        super().__init__(data_dir, cfg, log, suffix="csv", read=read_epitome)
        self.coaching_file = Path(cfg.coaching_file) if cfg.coaching_file else None
        self.with_coaching = self.coaching_file is not None
        self.unlocated = sum(e.unlocated_rationales for e in self.train)
        epitome_train = self.train
        self.epitome_tune: list[EmpathyExample] = []
        self.coaching: list[CoachingExample] = []
        if self.coaching_file is not None:
            self.coaching = read_coaching(self.coaching_file)
            held = [held_out_for_tuning(e.pair_id, cfg.epitome_tune_share) for e in self.train]
            epitome_train = [e for e, h in zip(self.train, held, strict=True) if not h]
            self.epitome_tune = [e for e, h in zip(self.train, held, strict=True) if h]
        corpus = {
            split: [coaching_row(e) for e in self.coaching if e.split == split] for split in ("train", "tune", "dev")
        }
        self.rows = [epitome_row(e) for e in epitome_train] + corpus["train"]
        self.blocker_classes = BLOCKER_CLASSES if self.with_coaching else ()
        self.per_source = self.with_coaching and cfg.coaching_levels

        rows = self.rows
        self.train_items = self.encode(rows, [r.context for r in rows])
        self.train_items_no_context = self.encode(rows, [""] * len(rows))
        self.train_tags = [tag_targets(r, x) for r, x in zip(rows, self.train_items, strict=True)]
        self.train_tags_no_context = [tag_targets(r, x) for r, x in zip(rows, self.train_items_no_context, strict=True)]
        self.train_levels = np.array([r.levels for r in rows], dtype=np.int64).reshape(-1, len(EMPATHY_MECHANISMS))
        self.train_blockers = np.array([r.blocker for r in rows], dtype=np.int64)
        self.train_has_rationales = [r.rationales is not None for r in rows]
        self.train_is_coaching = np.array([r.source == COACHING for r in rows])

        self.epitome_dev = self.eval_set("EPITOME dev", [epitome_row(e) for e in self.dev])
        if self.with_coaching:
            self.select = self.eval_set("tune", [epitome_row(e) for e in self.epitome_tune] + corpus["tune"])
            self.coaching_dev: EvalSet | None = self.eval_set("corpus dev", corpus["dev"])
        else:
            self.select = self.epitome_dev
            self.coaching_dev = None
        if self.with_coaching:
            log(
                f"empathy: {len(epitome_train)} EPITOME + {len(corpus['train'])} corpus train rows, "
                f"{len(self.epitome_tune)} + {len(corpus['tune'])} tune, {len(self.dev)} EPITOME dev + "
                f"{len(corpus['dev'])} corpus dev on {self.device}; {self.unlocated} train rationales not found"
            )
        else:
            log(
                f"empathy: {len(rows)} train / {len(self.dev)} dev pairs on {self.device}; {self.unlocated} train rationales not found in their response"
            )

    # The selection split's figures per epoch (legacy name: dev).
    @property
    def dev_levels(self) -> np.ndarray:
        return self.select.levels

    def encode(self, rows: Sequence[TrainRow], contexts: Sequence[str]) -> list[EncodedText]:
        return encode_pairs(self.tokenizer, contexts, [r.response for r in rows], self.cfg.max_len)

    def eval_set(self, name: str, rows: list[TrainRow]) -> EvalSet:
        items = self.encode(rows, [r.context for r in rows])
        return EvalSet(
            name=name,
            rows=rows,
            items=items,
            tags=[tag_targets(r, x) for r, x in zip(rows, items, strict=True)],
            levels=np.array([r.levels for r in rows], dtype=np.int64).reshape(-1, len(EMPATHY_MECHANISMS)),
            blockers=np.array([r.blocker for r in rows], dtype=np.int64),
            has_rationales=np.array([r.rationales is not None for r in rows], dtype=bool),
        )

    def row_weights(self, coaching_weight: float) -> np.ndarray:
        return np.where(self.train_is_coaching, coaching_weight, 1.0)

    def class_weights(self, row_weights: np.ndarray | None = None) -> torch.Tensor:
        weights = []
        for m in range(len(EMPATHY_MECHANISMS)):
            counts = np.bincount(self.train_levels[:, m], weights=row_weights, minlength=LEVELS).astype(float) + 1.0
            w = (counts / counts.sum()) ** -self.cfg.class_weight_power
            weights.append(w / w.mean())
        return torch.tensor(np.array(weights), dtype=torch.float32)

    def blocker_class_weights(self) -> torch.Tensor:
        labelled = self.train_blockers[self.train_blockers != NO_LABEL]
        counts = np.bincount(labelled, minlength=len(BLOCKER_CLASSES)).astype(float) + 1.0
        w = (counts / counts.sum()) ** -self.cfg.class_weight_power
        return torch.tensor(w / w.mean(), dtype=torch.float32)

    def build_model(self) -> EmpathyModel:
        return build_empathy_model(
            self.base_path, self.cfg.dropout, blockers=len(self.blocker_classes), coaching_levels=self.per_source
        )

    def warm_start(self, model: EmpathyModel, artefact: Path) -> None:
        config = read_artefact_config(artefact)
        if blocker_classes(config) != self.blocker_classes:
            raise ValueError(f"{artefact} has blocker classes {blocker_classes(config)}, not {self.blocker_classes}")
        start = build_empathy_model(
            self.base_path,
            self.cfg.dropout,
            blockers=len(self.blocker_classes),
            coaching_levels=bool(config.get("coaching_levels", False)),
        )
        load_artefact_weights(start, artefact, config)
        state = start.state_dict()
        if model.coaching_levels is not None and start.coaching_levels is None:
            state.update({f"coaching_levels.{k}": v.clone() for k, v in start.levels.state_dict().items()})
        load_trained_state(model, state)
        self.log(f"starting from {artefact} (its training: {config.get('training', {}).get('hyper_parameters')})")

    def predict(
        self, model: EmpathyModel, items: Sequence[EncodedText], coaching: Sequence[bool] | np.ndarray | None = None
    ) -> Predictions:
        """Every head's output; a row's levels come from the heads of its source (``coaching``
        marks the corpus rows; only they read the coaching heads)."""
        model.eval()
        log_probs = np.zeros((len(items), len(EMPATHY_MECHANISMS), LEVELS), dtype=np.float32)
        from_coaching = np.zeros(len(items), dtype=bool) if coaching is None else np.asarray(coaching, dtype=bool)
        tags: list[np.ndarray] = [np.zeros(0)] * len(items)
        blocker_probs = np.zeros((len(items), len(self.blocker_classes)), dtype=np.float32)
        with torch.inference_mode(), autocast(self.device):
            for index in length_sorted_batches([len(x) for x in items], self.cfg.eval_batch_size):
                logits = model(collate([items[i] for i in index], self.tokenizer.pad_token_id, self.device))
                log_probs[index] = (
                    torch.log_softmax(self.row_level_logits(logits, from_coaching[index]), -1).cpu().numpy()
                )
                tag_probs = torch.sigmoid(logits.tags.float()).cpu().numpy()
                for row, i in enumerate(index):
                    tags[i] = tag_probs[row, : len(items[i])]
                if logits.blockers is not None:
                    blocker_probs[index] = torch.softmax(logits.blockers.float(), -1).cpu().numpy()
        return Predictions(log_probs, tags, blocker_probs if self.blocker_classes else None)

    def row_level_logits(self, logits: EmpathyLogits, coaching: np.ndarray) -> torch.Tensor:
        """Each row's level logits from the heads of its source."""
        if logits.coaching_levels is None or not coaching.any():
            return logits.levels.float()
        pick = torch.as_tensor(coaching, device=logits.levels.device)[:, None, None]
        return torch.where(pick, logits.coaching_levels.float(), logits.levels.float())

    def tagging_scores(
        self, tags: Sequence[np.ndarray], threshold: float = 0.5, on: EvalSet | None = None
    ) -> dict[str, float]:
        """Token-level F1 of the rationale tagger on responses whose gold level is above 0 (rows
        with rationale labels only)."""
        data = on or self.select
        scores = {}
        for m, mechanism in enumerate(EMPATHY_MECHANISMS):
            tp = fp = fn = 0
            for i, item in enumerate(data.items):
                if data.levels[i, m] == 0 or not data.has_rationales[i]:
                    continue
                mask = np.array([s is not None for s in item.spans])
                gold = data.tags[i][mask, m] > 0.5
                pred = tags[i][mask, m] >= threshold
                tp += int((gold & pred).sum())
                fp += int((~gold & pred).sum())
                fn += int((gold & ~pred).sum())
            scores[f"{mechanism}_token_f1"] = round(2 * tp / max(1, 2 * tp + fp + fn), 4)
        return scores

    def level_scores(
        self, log_probs: np.ndarray, bias: dict[str, list[float]] | None = None, on: EvalSet | None = None
    ) -> dict[str, Any]:
        data = on or self.select
        result: dict[str, Any] = {}
        for m, mechanism in enumerate(EMPATHY_MECHANISMS):
            offset = np.array((bias or {}).get(mechanism, [0.0, 0.0, 0.0]))
            result[mechanism] = multiclass_scores(data.levels[:, m], (log_probs[:, m] + offset).argmax(1))
        return result

    def shown_level_scores(self, levels: np.ndarray, on: EvalSet) -> dict[str, Any]:
        return {
            mechanism: multiclass_scores(on.levels[:, m], levels[:, m])
            for m, mechanism in enumerate(EMPATHY_MECHANISMS)
        }

    def epoch_summary(self, epoch: int, train_loss: float, predicted: Predictions) -> dict[str, Any]:
        scores = self.level_scores(predicted.log_probs)
        summary: dict[str, Any] = {"epoch": epoch, "train_loss": train_loss}
        for mechanism in EMPATHY_MECHANISMS:
            summary[f"{mechanism}_acc"] = round(scores[mechanism]["accuracy"], 4)
            summary[f"{mechanism}_f1"] = round(scores[mechanism]["macro_f1"], 4)
        summary["mean_macro_f1"] = round(float(np.mean([scores[m]["macro_f1"] for m in EMPATHY_MECHANISMS])), 4)
        if predicted.blocker_probs is not None:
            labelled = self.select.coaching
            blocker = multiclass_scores(
                self.select.blockers[labelled],
                predicted.blocker_probs[labelled].argmax(1),
                classes=len(BLOCKER_CLASSES),
            )
            summary["blocker_acc"] = round(blocker["accuracy"], 4)
            summary["blocker_f1"] = round(blocker["macro_f1"], 4)
            # One figure to choose epochs and candidates by: the levels and the blockers alike.
            summary["selection_score"] = round(
                float(np.mean([scores[m]["macro_f1"] for m in EMPATHY_MECHANISMS] + [blocker["macro_f1"]])), 4
            )
        summary.update(self.tagging_scores(predicted.tags))
        return summary

    def fit(
        self,
        seed: int,
        soft_levels: np.ndarray | None = None,
        name: str | None = None,
        coaching_weight: float = 1.0,
    ) -> FittedScorer:
        cfg = self.cfg
        set_seed(seed)
        model = self.build_model()
        if cfg.init_artefact:
            self.warm_start(model, Path(cfg.init_artefact))
        model = model.to(self.device)
        optimizer, scheduler, steps_per_epoch = optimizer_and_schedule(model, cfg, len(self.train_items), self.device)
        row_weight_array = self.row_weights(coaching_weight)
        weights = self.class_weights(row_weight_array if self.with_coaching else None).to(self.device)
        blocker_weights = self.blocker_class_weights().to(self.device) if self.blocker_classes else None
        levels = torch.tensor(self.train_levels)
        blockers = torch.tensor(self.train_blockers)
        row_weights = torch.tensor(row_weight_array, dtype=torch.float32)
        rng = random.Random(seed)
        pad = self.tokenizer.pad_token_id
        name = name or f"seed{seed}"
        soft = None if soft_levels is None else torch.tensor(soft_levels, dtype=torch.float32)
        score_key = "selection_score" if self.blocker_classes else "mean_macro_f1"
        epochs: list[dict[str, Any]] = []
        best: tuple[float, dict[str, torch.Tensor], Predictions] | None = None
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
                tag_target, tag_mask = batch_tags(
                    chosen,
                    [tags[i] for i in index],
                    batch["input_ids"].shape[1],
                    [self.train_has_rationales[i] for i in index],
                )
                y = levels[index].to(self.device)
                r = row_weights[index].to(self.device)
                with autocast(self.device):
                    logits = model(batch)
                level_logits = self.row_level_logits(logits, self.train_is_coaching[index])
                loss = torch.zeros((), device=self.device)
                for m in range(len(EMPATHY_MECHANISMS)):
                    # Class-weighted cross-entropy (F.cross_entropy(..., weight=weights[m]) when every row
                    # weight is 1), each row's term scaled by its source's weight. The row weights stay out
                    # of the normaliser: batches are sorted by length and corpus replies are short, so a
                    # batch is often all corpus rows, and a normalised weight would cancel there.
                    per_row = F.cross_entropy(level_logits[:, m], y[:, m], weight=weights[m], reduction="none")
                    loss = loss + (r * per_row).sum() / weights[m][y[:, m]].sum()
                if soft is not None:
                    # Distillation: the gold levels plus the teachers' averaged level distribution.
                    target = soft[index].to(self.device)
                    soft_loss = -(target * torch.log_softmax(level_logits, -1)).sum(-1).mean(0).sum()
                    loss = cfg.distill_alpha * loss + (1 - cfg.distill_alpha) * soft_loss
                tag_loss = F.binary_cross_entropy_with_logits(
                    logits.tags.float(), tag_target.to(self.device), reduction="none"
                ).sum(-1)
                mask = tag_mask.to(self.device)
                loss = loss + cfg.tag_weight * (tag_loss * mask).sum() / mask.sum().clamp(min=1)
                labelled = [k for k, i in enumerate(index) if self.train_blockers[i] != NO_LABEL]
                if logits.blockers is not None and blocker_weights is not None and labelled:
                    # Only corpus rows carry a blocker label; EPITOME rows are masked out.
                    keep = torch.tensor(labelled, device=self.device)
                    loss = loss + cfg.blocker_weight * F.cross_entropy(
                        logits.blockers.float()[keep], blockers[index][labelled].to(self.device), weight=blocker_weights
                    )
                optimizer_step(model, loss, optimizer, scheduler)
                total += loss.detach()
            predicted = self.predict(model, self.select.items, self.select.coaching)
            summary = self.epoch_summary(epoch, round(float(total) / steps_per_epoch, 4), predicted)
            self.epoch_done(name, epoch, epochs, summary, started)
            if best is None or summary[score_key] > best[0]:
                best = (summary[score_key], state_copy(model), predicted)
        assert best is not None
        del model, optimizer
        release_device_memory(self.device)
        return FittedScorer(
            name=name,
            state=best[1],
            select=best[2],
            epochs=epochs,
            score_key=score_key,
            coaching_weight=coaching_weight,
        )

    def trained_model(self, fitted: FittedScorer) -> EmpathyModel:
        model = self.build_model()
        load_trained_state(model, fitted.state)
        return model

    def final_levels(self, fitted: FittedScorer, record: dict[str, Any]) -> tuple[dict[str, Any], float]:
        """The first artefact's choices, on EPITOME dev: level offsets for macro-F1 and the tag threshold."""
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
        tag_choice = self.tag_threshold(fitted.dev_tag_probs)
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
        final["tagging"] = {"threshold": tag_choice, **self.tagging_scores(fitted.dev_tag_probs, tag_choice)}
        final["n"] = len(self.dev)
        record["dev_final"] = final
        return {"tag_threshold": tag_choice, "level_bias": bias}, tag_choice

    @staticmethod
    def epitome_bias(log_probs: np.ndarray, levels: np.ndarray) -> dict[str, list[float]]:
        """Per-level offsets of the EPITOME heads for macro-F1, kept where they gain at least
        ``MIN_BIAS_GAIN`` on these (tuning) rows."""
        bias: dict[str, list[float]] = {}
        for m, mechanism in enumerate(EMPATHY_MECHANISMS):
            candidate = tune_class_bias(log_probs[:, m], levels[:, m])
            before = multiclass_scores(levels[:, m], log_probs[:, m].argmax(1))["macro_f1"]
            after = multiclass_scores(levels[:, m], (log_probs[:, m] + np.array(candidate)).argmax(1))["macro_f1"]
            bias[mechanism] = [round(float(b), 4) for b in candidate] if after - before >= MIN_BIAS_GAIN else [0.0] * 3
        return bias

    @staticmethod
    def bias_array(bias: dict[str, list[float]]) -> np.ndarray:
        return np.array([bias[m] for m in EMPATHY_MECHANISMS], dtype=np.float32)

    def tag_threshold(self, tags: Sequence[np.ndarray]) -> float:
        thresholds = np.round(np.arange(0.2, 0.71, 0.05), 2)
        return float(max(thresholds, key=lambda t: np.mean(list(self.tagging_scores(tags, float(t)).values()))))

    @staticmethod
    def judged(
        predicted: Predictions, thresholds: np.ndarray, blocker_threshold: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """The levels shown and the main blocker named (class index, 0 for none) for each row."""
        shown = confident_levels(level_probs(predicted.log_probs), thresholds)
        assert predicted.blocker_probs is not None
        return shown, main_blockers(predicted.blocker_probs, blocker_threshold)

    def level_report(self, data: EvalSet, predicted: Predictions, shown: np.ndarray) -> dict[str, Any]:
        """EPITOME-style figures of the shown levels (and of the argmax, before thresholds)."""
        raw = self.level_scores(predicted.log_probs, on=data)
        tuned = self.shown_level_scores(shown, data)
        return {
            mechanism: {
                "accuracy": round(tuned[mechanism]["accuracy"], 4),
                "macro_f1": round(tuned[mechanism]["macro_f1"], 4),
                "accuracy_raw": round(raw[mechanism]["accuracy"], 4),
                "macro_f1_raw": round(raw[mechanism]["macro_f1"], 4),
                "per_class_f1": tuned[mechanism]["per_class_f1"],
                "support": tuned[mechanism]["support"],
                "confusion": tuned[mechanism]["confusion"],
            }
            for mechanism in EMPATHY_MECHANISMS
        }

    def coaching_report(self, data: EvalSet, shown: np.ndarray, named: np.ndarray) -> dict[str, Any]:
        """The figures of ``inference.coaching_eval`` on the corpus rows of ``data``."""
        picked = [i for i in range(len(data)) if data.rows[i].source == COACHING]
        if not picked:
            return {"n": 0}
        replies = [
            CoachedReply(
                line=data.rows[i].line,
                persona_message=data.rows[i].context,
                learner_reply=data.rows[i].response,
                levels={m: data.rows[i].levels[k] for k, m in enumerate(EMPATHY_MECHANISMS)},
                blocker=cast(Blocker, BLOCKER_CLASSES[data.rows[i].blocker]),
            )
            for i in picked
        ]
        judgements = [
            Judgement(
                levels={m: int(shown[i, k]) for k, m in enumerate(EMPATHY_MECHANISMS)},
                blocker=cast(Blocker, BLOCKER_CLASSES[int(named[i])]),
            )
            for i in picked
        ]
        report = evaluate(replies, lambda rows: judgements)
        result = {key: report[key] for key in HEADLINE}
        result["false_praise_n"] = report["false_praise_n"]
        result["closed_question_n"] = report["closed_question_n"]
        result["per_blocker"] = report["per_blocker"]
        return result

    def final_coaching(self, fitted: FittedScorer, record: dict[str, Any]) -> dict[str, Any]:
        """Thresholds tuned on the tuning split; figures on EPITOME dev and the corpus dev split."""
        select = fitted.select
        assert select.blocker_probs is not None and self.coaching_dev is not None
        tune = self.select
        coaching_rows = tune.coaching
        # With coaching heads the thresholds are theirs alone, chosen on the corpus rows they read.
        rows = coaching_rows if self.per_source else np.ones(len(tune), dtype=bool)
        thresholds, level_info = tune_level_thresholds(
            level_probs(select.log_probs[rows]), tune.levels[rows], tune.only_blocking[rows], self.cfg.false_praise_cap
        )
        epitome_bias = self.epitome_bias(select.log_probs[~coaching_rows], tune.levels[~coaching_rows])
        blocker_threshold, blocker_info = tune_blocker_threshold(
            select.blocker_probs[coaching_rows], tune.blockers[coaching_rows], self.cfg.blocker_precision_target
        )
        tag_choice = self.tag_threshold(select.tags)
        tune_shown, tune_named = self.judged(select, thresholds, blocker_threshold)
        record["tuning"] = {
            "split": tune.name,
            "rows": len(tune),
            "epitome_rows": int((~coaching_rows).sum()),
            "corpus_rows": int(coaching_rows.sum()),
            "level_thresholds": level_info,
            "blocker_threshold": {"threshold": blocker_threshold, **blocker_info},
            "tag_threshold": tag_choice,
            "corpus_figures": self.coaching_report(tune, tune_shown, tune_named),
            "note": "chosen on these rows, so optimistic; not a reported figure",
        }
        model = self.trained_model(fitted).to(self.device)
        dev = self.predict(model, self.epitome_dev.items)
        corpus_dev = self.predict(model, self.coaching_dev.items, np.ones(len(self.coaching_dev), dtype=bool))
        dev_served = (
            self.predict(model, self.epitome_dev.items, np.ones(len(self.epitome_dev), dtype=bool))
            if self.per_source
            else dev
        )
        del model
        served_shown, _ = self.judged(dev_served, thresholds, blocker_threshold)
        dev_shown = (
            level_probs(dev.log_probs, self.bias_array(epitome_bias)).argmax(-1) if self.per_source else served_shown
        )
        final: dict[str, Any] = self.level_report(self.epitome_dev, dev, dev_shown)
        if self.per_source:
            final["served_heads"] = {
                m: round(v["macro_f1"], 4) for m, v in self.shown_level_scores(served_shown, self.epitome_dev).items()
            }
        final["tagging"] = {"threshold": tag_choice, **self.tagging_scores(dev.tags, tag_choice, self.epitome_dev)}
        final["n"] = len(self.dev)
        record["dev_final"] = final
        corpus_shown, corpus_named = self.judged(corpus_dev, thresholds, blocker_threshold)
        record["coaching_dev"] = self.coaching_report(self.coaching_dev, corpus_shown, corpus_named)
        if len(self.coaching_dev):
            record["coaching_dev"]["levels"] = {
                m: {"macro_f1_raw": v["macro_f1_raw"], "per_class_f1": v["per_class_f1"], "support": v["support"]}
                for m, v in self.level_report(self.coaching_dev, corpus_dev, corpus_shown).items()
            }
            record["coaching_dev"]["blocker_figures"] = blocker_figures(self.coaching_dev.blockers, corpus_named)
        per_source: dict[str, Any] = (
            {"coaching_levels": True, "epitome_level_bias": epitome_bias} if self.per_source else {}
        )
        return {
            **per_source,
            "tag_threshold": tag_choice,
            "level_bias": {m: [0.0, 0.0, 0.0] for m in EMPATHY_MECHANISMS},
            "level_thresholds": {
                m: [round(float(t), 4) for t in thresholds[k]] for k, m in enumerate(EMPATHY_MECHANISMS)
            },
            "blockers": list(BLOCKER_CLASSES),
            "blocker_threshold": round(float(blocker_threshold), 4),
        }

    def export(self, fitted: FittedScorer, out_dir: Path, record: dict[str, Any]) -> dict[str, Any]:
        if self.with_coaching:
            choices = self.final_coaching(fitted, record)
        else:
            choices, _ = self.final_levels(fitted, record)
        model = self.trained_model(fitted)
        config = {
            "kind": "empathy",
            **self.base_model_record(model),
            "mechanisms": list(EMPATHY_MECHANISMS),
            "max_len": self.cfg.max_len,
            **choices,
            "training": record,
        }
        save_artefact(model, out_dir, config)
        return config

    def data_record(self, **train_extra: Any) -> dict[str, Any]:
        record = super().data_record(train_rationales_not_located=self.unlocated, **train_extra)
        if self.coaching_file is not None:
            counts = {split: sum(1 for e in self.coaching if e.split == split) for split in ("train", "tune", "dev")}
            record.update(
                {
                    "epitome_train_rows_fitted": len(self.train) - len(self.epitome_tune),
                    "epitome_train_rows_held_for_tuning": len(self.epitome_tune),
                    "epitome_tune_rule": (
                        f"sha256 of 'sp_id/rp_id', first 8 hex digits / 2**32 < {self.cfg.epitome_tune_share}"
                    ),
                    "coaching_file": self.coaching_file.name,
                    "coaching_sha256_16": file_digest(self.coaching_file),
                    "coaching_rows": len(self.coaching),
                    "coaching_train_rows": counts["train"],
                    "coaching_tune_rows": counts["tune"],
                    "coaching_dev_rows": counts["dev"],
                    "coaching_situations": len({e.situation for e in self.coaching}),
                    "coaching_blockers": {
                        name: sum(1 for e in self.coaching if e.blocker == name) for name in BLOCKER_CLASSES
                    },
                }
            )
        return record


SPLIT_EPITOME = "trained on train.csv; epoch choice, seed choice, level offsets and tag threshold on dev.csv"
SPLIT_COACHING = (
    "trained on EPITOME train.csv less a held-out {share:.0%} (by a hash of sp_id/rp_id) plus the corpus train "
    "split; epochs, seed, corpus weight, level thresholds, tag and blocker thresholds chosen on the tuning split "
    "(that hold-out plus the corpus tune split), which is never reported; figures reported on EPITOME dev.csv and "
    "the corpus dev split, which chose nothing"
)


def train_empathy(
    data_dir: Path, out_dir: Path, cfg: EmpathyTrainConfig, log: Log = print, argv: Sequence[str] | None = None
) -> dict[str, Any]:
    """Train one model per seed (and corpus weight), keep the best on the selection split, tune
    the shown levels there, write artefact and card."""
    started = time.time()
    job = EmpathyTraining(Path(data_dir), cfg, log)
    candidates: list[FittedScorer] = []
    weights = tuple(cfg.coaching_weights) if job.with_coaching else (1.0,)
    plan = [(seed, weight) for seed in cfg.seeds for weight in weights]
    for seed, weight in plan:
        # With distillation, keep room for one more teacher and the student.
        needed = sum(e["seconds"] for e in candidates[-1].epochs) * (2 if cfg.distill else 1) if candidates else 0
        if candidates and not job.has_time_for(needed):
            log(f"time budget reached: candidates after {candidates[-1].name} skipped")
            break
        name = f"seed{seed}" if len(weights) == 1 else f"seed{seed}-w{weight:g}"
        candidates.append(job.fit(seed, name=name, coaching_weight=weight))
    record: dict[str, Any] = {}
    if cfg.distill and candidates:
        teacher_probs = []
        for teacher in candidates:
            model = job.trained_model(teacher).to(job.device)
            teacher_probs.append(np.exp(job.predict(model, job.train_items, job.train_is_coaching).log_probs))
            del model
        ensemble_dev = np.log(np.mean([np.exp(c.dev_log_probs) for c in candidates], axis=0))
        record["teacher_ensemble_dev"] = {m: round(v["macro_f1"], 4) for m, v in job.level_scores(ensemble_dev).items()}
        log("teacher ensemble on the selection split (macro-F1): " + json.dumps(record["teacher_ensemble_dev"]))
        student_seed = max(cfg.seeds) + 100
        best_teacher = max(candidates, key=lambda c: c.best[c.score_key])
        candidates.append(
            job.fit(
                student_seed,
                soft_levels=np.mean(teacher_probs, axis=0),
                name=f"student{student_seed}",
                coaching_weight=best_teacher.coaching_weight,
            )
        )
    chosen = max(candidates, key=lambda c: c.best[c.score_key])
    record = {**record, "hyper_parameters": hyper_parameters(cfg), **cfg.extra}
    record["data"] = job.data_record()
    record["split"] = SPLIT_COACHING.format(share=cfg.epitome_tune_share) if job.with_coaching else SPLIT_EPITOME
    if job.with_coaching:
        record["selection_split"] = "tune"
        record["selection_score"] = "mean of ER, IP, EX macro-F1 (argmax) and blocker macro-F1 (8 classes)"
        record["chosen_coaching_weight"] = chosen.coaching_weight
    record_choice(record, candidates, chosen, argv, started)
    config = job.export(chosen, Path(out_dir), record)
    write_model_card(Path(out_dir))
    final = record["dev_final"]
    log(
        "empathy EPITOME dev: "
        + ", ".join(
            f"{m.upper()} acc {final[m]['accuracy']:.4f} macro-F1 {final[m]['macro_f1']:.4f} (raw {final[m]['macro_f1_raw']:.4f})"
            for m in EMPATHY_MECHANISMS
        )
    )
    if "coaching_dev" in record:
        log("empathy corpus dev: " + json.dumps({k: v for k, v in record["coaching_dev"].items() if k in HEADLINE}))
    return config


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(s) for s in str(text).split(",") if s.strip())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = EmpathyTrainConfig()
    add_data_arguments(parser, d, "folder holding EPITOME train.csv and dev.csv")
    parser.add_argument("--tag-weight", type=float, default=d.tag_weight)
    parser.add_argument("--seeds", default="0", help="comma-separated seeds; the best on the selection split is kept")
    parser.add_argument("--no-bias-tuning", action="store_true")
    parser.add_argument("--distill", action="store_true", help="fold the seeds' ensemble into one student")
    parser.add_argument(
        "--coaching",
        default=None,
        metavar="FILE",
        help="the role-play corpus CSV (with a split column): train on it too, with a blocker head, and choose on "
        "its tune split plus a tenth of EPITOME train",
    )
    parser.add_argument(
        "--coaching-weight",
        default=",".join(f"{w:g}" for w in d.coaching_weights),
        help="loss weight of a corpus row (EPITOME rows weigh 1); comma-separated values are candidates, the best "
        "on the tune split is kept",
    )
    parser.add_argument("--blocker-weight", type=float, default=d.blocker_weight, help="weight of the blocker loss")
    parser.add_argument(
        "--init-artefact",
        default=None,
        metavar="DIR",
        help="start from this empathy artefact's weights instead of the base encoder",
    )
    parser.add_argument(
        "--shared-level-heads",
        action="store_true",
        help="with --coaching: one set of level heads for EPITOME and the corpus (the 2026-12-01 model) instead of a "
        "set per source",
    )
    add_run_arguments(parser)


def config_from_args(args: argparse.Namespace) -> EmpathyTrainConfig:
    return EmpathyTrainConfig(
        **common_config_kwargs(args),
        tag_weight=args.tag_weight,
        tune_bias=not args.no_bias_tuning,
        distill=args.distill,
        coaching_file=args.coaching,
        coaching_weights=_floats(args.coaching_weight) or (1.0,),
        blocker_weight=args.blocker_weight,
        coaching_levels=not args.shared_level_heads,
        init_artefact=args.init_artefact,
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
