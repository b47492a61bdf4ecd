"""Fine-tune the learned risk classifier (``inference.risk``) and tune its thresholds with the rules.

Data: the team's English safety lines (``inference/data/safety/written.csv``, its train and dev
splits) and the labelled EPITOME seeker posts (``epitome_seekers.csv``: ids and labels; the posts
are read from ``../shared/data/epitome``, split train / dev by a hash of the post id). Chinese lines
are left out: the encoder cannot read them (``inference.safety_zh`` screens Chinese). The held-out
``test.csv`` is never read here.

To training only, "none" examples the team did not write one by one: GoEmotions comments labelled
only with positive emotions, and EPITOME response posts (people answering someone in distress, as
learners do), each kept only where the rules find nothing in it. Without them the classifier
learned that a short, lower-case chat line is a crisis ("thanks for the session today" read 0.72
crisis on dev): the team's "none" lines are mostly hard cases, and plain everyday text was rare.

Each epoch the dev split is read and the three thresholds (crisis, flag, harmless) are tuned for
the screen as served, rules and classifier together (``inference.safety.combined_level``, and the
guards of ``inference.safety_guards`` that set aside the classifier's flags on plain idioms, pasts
that are over, denials and someone else's worry): the
fewest false alarms on "none" lines that keep crisis recall and concern recall at their targets
(where no setting reaches them, the smallest shortfall). The epoch with the best tuned result is
kept. ``python manage.py train_safety`` runs it.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from inference.encoder import (
    BASE_MODEL_NAME,
    collate,
    embedding_fingerprint,
    encode_texts,
    length_sorted_batches,
    load_artefact_weights,
    load_tokenizer,
    read_artefact_config,
    resolve_base_path,
    save_artefact,
)
from inference.risk import LEVELS, RiskModel, build_risk_model
from inference.safety import combined_level, guarded, rules_beside_model, rules_verdict
from inference.schema import SafetyLevel
from inference.training.common import pick_device, set_seed, state_copy
from inference.versions import fingerprint

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "safety"
COACHING_CSV = Path(__file__).resolve().parent.parent / "data" / "coaching" / "roleplay.csv"
EPITOME_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "epitome"
GOEMOTIONS_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "goemotions"
# GoEmotions label ids (labels.txt order) that make a comment plainly "none": positive feelings only.
_POSITIVE_IDS = frozenset({0, 1, 4, 5, 13, 15, 17, 18, 20, 21, 23})  # admiration ... relief
_INDEX = {level: i for i, level in enumerate(LEVELS)}
_RANK = {"none": 0, "concern": 1, "crisis": 2}
Log = Callable[[str], None]

# Threshold grids: P(crisis) for a crisis, P(concern) + P(crisis) for a flag, P(none) for "harmless".
# Below .10 too: with the persona lines and batch 5 in training the classifier reads fewer crises
# with confidence, and its best crisis threshold on dev fell under the old grid's floor.
CRISIS_GRID = (0.02, 0.03, 0.05, 0.07) + tuple(round(x, 2) for x in np.arange(0.10, 0.91, 0.05))
FLAG_GRID = tuple(round(x, 2) for x in np.arange(0.10, 0.91, 0.05))
HARMLESS_GRID = (0.8, 0.9, 0.95, 0.98, 0.99, 1.01)  # 1.01: never set a rule aside
CERTAIN_GRID = (0.95, 0.98, 0.99, 0.995, 1.01)  # P(none) that sets aside any rule finding; 1.01: never


@dataclass
class RiskTrainConfig:
    epochs: int = 5
    batch_size: int = 16
    lr: float = 5e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_len: int = 128  # while training; serving reads up to inference_max_len
    inference_max_len: int = 256
    layers: int = 6
    seed: int = 0
    crisis_target: float = 0.97
    concern_target: float = 0.90
    false_alarm_target: float = 0.03
    epitome_dev_share: float = 0.25
    goemotions_none: int = 1000  # weak "none" examples added to training (0: none)
    epitome_responses_none: int = 600
    roleplay_none: bool = True  # the role-play corpus's learner replies (train split) as "none"
    roleplay_false_alarm_target: float = 0.01  # on the corpus's tune split: learners' replies
    # Persona lines of the persona corpus's train split (``inference/data/persona``) as "none": the
    # screen reads every generated persona reply, and a persona's complaint is not the writer's risk.
    persona_none: int = 0
    device: str = "auto"
    base_model_path: str | None = None
    epitome_dir: str | None = None
    # A risk artefact to start from instead of the base encoder (training goes on from its weights,
    # with this run's data and schedule; its layers must match ``layers``). None: the base encoder.
    init_artefact: str | None = None


@dataclass(frozen=True)
class SafetyExample:
    text: str
    label: SafetyLevel
    source: str  # "written" or "epitome"
    kind: str


def epitome_split(sp_id: str, dev_share: float) -> str:
    """A seeker post's split, fixed by a hash of its id (the same post always lands on the same side)."""
    digest = int(hashlib.sha256(sp_id.encode()).hexdigest()[:8], 16)
    return "dev" if digest / 0xFFFFFFFF < dev_share else "train"


def load_examples(
    data_dir: Path = DATA_DIR, epitome_dir: Path | None = None, dev_share: float = 0.25
) -> tuple[list[SafetyExample], list[SafetyExample]]:
    """The train and dev examples (English written lines, and EPITOME seeker posts where the
    EPITOME files are present)."""
    train: list[SafetyExample] = []
    dev: list[SafetyExample] = []
    with (data_dir / "written.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["lang"] != "en":
                continue
            example = SafetyExample(row["text"], _level(row["label"]), "written", row["kind"])
            (dev if row["split"] == "dev" else train).append(example)
    epitome_dir = epitome_dir or EPITOME_DIR
    posts: dict[str, str] = {}
    for name in ("train.csv", "dev.csv"):
        path = epitome_dir / name
        if path.is_file():
            with path.open(newline="", encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    posts.setdefault(row["sp_id"], row["seeker_post"])
    with (data_dir / "epitome_seekers.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            text = posts.get(row["sp_id"])
            if text is None:
                continue
            example = SafetyExample(text, _level(row["label"]), "epitome", row["kind"])
            (dev if epitome_split(row["sp_id"], dev_share) == "dev" else train).append(example)
    return train, dev


def weak_negatives(cfg: RiskTrainConfig, epitome_dir: Path | None = None) -> list[SafetyExample]:
    """The "none" examples added to training (see the module's docstring), a fixed sample."""
    rng = random.Random(cfg.seed + 7)
    out: list[SafetyExample] = []
    goemotions = GOEMOTIONS_DIR / "train.tsv"
    if cfg.goemotions_none and goemotions.is_file():
        candidates = []
        with goemotions.open(encoding="utf-8") as handle:
            for line in handle:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 3 and {int(x) for x in parts[1].split(",")} <= _POSITIVE_IDS:
                    candidates.append(parts[0])
        rng.shuffle(candidates)
        out += [
            SafetyExample(t, "none", "goemotions", "positive") for t in candidates if rules_verdict(t)[0] == "none"
        ][: cfg.goemotions_none]
    responses = (epitome_dir or EPITOME_DIR) / "train.csv"
    if cfg.epitome_responses_none and responses.is_file():
        with responses.open(newline="", encoding="utf-8") as handle:
            texts = sorted({row["response_post"] for row in csv.DictReader(handle) if row["response_post"].strip()})
        rng.shuffle(texts)
        out += [
            SafetyExample(t, "none", "epitome_response", "response") for t in texts if rules_verdict(t)[0] == "none"
        ][: cfg.epitome_responses_none]
    if cfg.roleplay_none:
        out += [SafetyExample(t, "none", "roleplay", "learner_reply") for t in roleplay_replies("train")]
    if cfg.persona_none:
        lines = [t for t in persona_lines("train") if rules_verdict(t)[0] == "none"]
        rng.shuffle(lines)
        out += [SafetyExample(t, "none", "persona", "persona_line") for t in lines[: cfg.persona_none]]
    return out


def persona_lines(split: str) -> list[str]:
    """The persona corpus's persona lines (openings and replies) in one split, each once, in order:
    what the screen reads of every generated persona reply (hard negatives: a persona's complaint,
    worry or grief in the first person is not the writer's risk)."""
    from inference.persona_corpus import load_corpus

    corpus = load_corpus()
    seen: dict[str, None] = {}
    for dialogue in corpus.split(split):
        for turn in dialogue.turns:
            if turn.role == "persona" and turn.text.strip():
                seen.setdefault(turn.text, None)
    return list(seen)


def roleplay_replies(split: str) -> list[str]:
    """Learner replies of the role-play corpus (``inference/data/coaching``) in one split: what the
    screen reads most in the product, none of it the writer's own crisis (replies that reflect a
    persona's distress back are the hard part)."""
    with COACHING_CSV.open(newline="", encoding="utf-8") as handle:
        return [
            row["learner_reply"]
            for row in csv.DictReader(handle)
            if row["split"] == split and row["learner_reply"].strip()
        ]


def _level(label: str) -> SafetyLevel:
    value = label.strip().lower()
    if value == "crisis":
        return "crisis"
    if value == "concern":
        return "concern"
    if value == "none":
        return "none"
    raise ValueError(f"unknown safety label {label!r}")


def screen_figures(gold: Sequence[SafetyLevel], predicted: Sequence[SafetyLevel]) -> dict[str, float]:
    """Crisis recall, concern recall (concern lines flagged at all) and false alarms on none."""
    pairs = list(zip(gold, predicted, strict=True))
    crisis = [p for g, p in pairs if g == "crisis"]
    concern = [p for g, p in pairs if g == "concern"]
    none = [p for g, p in pairs if g == "none"]
    return {
        "crisis_recall": round(sum(p == "crisis" for p in crisis) / max(len(crisis), 1), 4),
        "concern_recall": round(sum(p != "none" for p in concern) / max(len(concern), 1), 4),
        "false_alarm_rate": round(sum(p != "none" for p in none) / max(len(none), 1), 4),
    }


# A dev row as the rules read it: their level, whether it is weak, whether a guard would set aside
# a flag by which the classifier raises the rules' level (``inference.safety_guards``), and, where
# given, their level when the classifier reads the text as none (ambiguous rules, pasts and guarded
# texts need its agreement: ``inference.safety._agreed``; the level and weakness above are then
# those beside a flag, and the weakness is the one beside none).
RulesReading = tuple[SafetyLevel, bool, bool] | tuple[SafetyLevel, bool, bool, SafetyLevel]


def rules_reading(text: str) -> RulesReading:
    flagged, unflagged, weak = rules_beside_model(text)
    return (flagged, weak, guarded(text), unflagged)


def _served_level(p: np.ndarray, rule: RulesReading, t: dict[str, float]) -> SafetyLevel:
    """The screen's level for one dev row under thresholds ``t`` (as ``inference.safety`` serves it)."""
    rule_level, weak, guard = rule[0], rule[1], rule[2]
    model_level = _model_level(p, t["crisis"], t["flag"])
    if len(rule) == 4 and model_level == "none":
        rule_level = rule[3]
    if guard and _RANK[model_level] > _RANK[rule_level]:
        return rule_level  # the classifier would raise it, and a guard sets that flag aside
    if rule_level != "none" and p[0] >= t["certain"]:
        weak = True  # the classifier is near certain the text is harmless: any rule finding may go
    return combined_level(rule_level, weak, model_level, bool(p[0] >= t["harmless"]))


def _model_level(p: np.ndarray, crisis: float, flag: float) -> SafetyLevel:
    if p[2] >= crisis:
        return "crisis"
    if p[1] + p[2] >= flag:
        return "concern"
    return "none"


def shortfall(figures: dict[str, float], targets: dict[str, float]) -> float:
    """How far ``figures`` fall short of the targets: missed crisis recall counts twice (a crisis
    missed is the worst outcome), missed concern recall and false alarms over the target once each,
    false alarms on learners' role-play replies twice (each one pauses a learner's practice for
    nothing). Zero when all are met."""
    return round(
        2 * max(0.0, targets["crisis_recall"] - figures["crisis_recall"])
        + max(0.0, targets["concern_recall"] - figures["concern_recall"])
        + max(0.0, figures["false_alarm_rate"] - targets["false_alarm_rate"])
        + 2 * max(0.0, figures.get("roleplay_false_alarm_rate", 0.0) - targets.get("roleplay_false_alarm_rate", 1.0)),
        4,
    )


def targets_of(cfg: RiskTrainConfig) -> dict[str, float]:
    return {
        "crisis_recall": cfg.crisis_target,
        "concern_recall": cfg.concern_target,
        "false_alarm_rate": cfg.false_alarm_target,
        "roleplay_false_alarm_rate": cfg.roleplay_false_alarm_target,
    }


def tune_thresholds(
    probs: np.ndarray,
    gold: Sequence[SafetyLevel],
    rules: Sequence[RulesReading],
    targets: dict[str, float],
    roleplay: tuple[np.ndarray, Sequence[RulesReading]] | None = None,
) -> tuple[dict[str, float], dict[str, float]]:
    """The thresholds that bring the served screen closest to the targets on these rows
    (``shortfall``; ties: fewer false alarms, then the higher thresholds), and the figures they give.
    Where every target can be met this is the fewest false alarms that meet them."""
    best: tuple[float, ...] | None = None
    chosen: dict[str, float] = {}
    figures: dict[str, float] = {}
    for crisis, flag, harmless, certain in itertools.product(CRISIS_GRID, FLAG_GRID, HARMLESS_GRID, CERTAIN_GRID):
        if certain < harmless:
            continue
        t = {"crisis": crisis, "flag": flag, "harmless": harmless, "certain": certain}
        predicted = [_served_level(p, rule, t) for p, rule in zip(probs, rules, strict=True)]
        f = screen_figures(gold, predicted)
        if roleplay is not None:
            rp_probs, rp_rules = roleplay
            flagged = sum(_served_level(p, rule, t) != "none" for p, rule in zip(rp_probs, rp_rules, strict=True))
            f["roleplay_false_alarm_rate"] = round(flagged / max(len(rp_rules), 1), 4)
        key = (shortfall(f, targets), f["false_alarm_rate"], -crisis, -flag, -harmless, -certain)
        if best is None or key < best:
            best, chosen, figures = key, t, f
    return chosen, figures


def tune_thresholds_keeping(
    probs: np.ndarray,
    gold: Sequence[SafetyLevel],
    rules: Sequence[RulesReading],
    floor: dict[str, float],
    roleplay: tuple[np.ndarray, Sequence[RulesReading]] | None = None,
) -> tuple[dict[str, float], dict[str, float]] | None:
    """The thresholds (``certain`` never) with the fewest false alarms on these rows among those that keep crisis recall
    and concern recall at least at ``floor`` (and false alarms on the role-play replies at most
    ``floor["roleplay_false_alarm_rate"]`` where given); ties: the higher thresholds. None when no
    setting keeps the floor. For choosing a new artefact's thresholds so that the screen loses no
    recall on dev against the one it replaces (``floor``: that one's dev figures, rules as served)."""
    best: tuple[float, ...] | None = None
    chosen: dict[str, float] = {}
    figures: dict[str, float] = {}
    # "certain" stays 1.01 (never): no reading of the classifier sets aside a present first-person
    # finding of the rules ("i want to kill myself"), however sure it is.
    for crisis, flag, harmless, certain in itertools.product(CRISIS_GRID, FLAG_GRID, HARMLESS_GRID, (1.01,)):
        t = {"crisis": crisis, "flag": flag, "harmless": harmless, "certain": certain}
        f = screen_figures(gold, [_served_level(p, rule, t) for p, rule in zip(probs, rules, strict=True)])
        if f["crisis_recall"] < floor["crisis_recall"] or f["concern_recall"] < floor["concern_recall"]:
            continue
        if roleplay is not None:
            rp_probs, rp_rules = roleplay
            flagged = sum(_served_level(p, rule, t) != "none" for p, rule in zip(rp_probs, rp_rules, strict=True))
            f["roleplay_false_alarm_rate"] = round(flagged / max(len(rp_rules), 1), 4)
            if f["roleplay_false_alarm_rate"] > floor.get("roleplay_false_alarm_rate", 1.0):
                continue
        key = (f["false_alarm_rate"], -crisis, -flag, -harmless, -certain)
        if best is None or key < best:
            best, chosen, figures = key, t, f
    return (chosen, figures) if best is not None else None


def dev_readings(
    artefact: Path, data_dir: Path = DATA_DIR, dev_share: float = 0.25, device: str = "cpu"
) -> tuple[np.ndarray, list[SafetyLevel], list[RulesReading], tuple[np.ndarray, list[RulesReading]]]:
    """An artefact's probabilities on the dev rows and the role-play tune replies, with their gold
    labels and the rules as served, as ``train_risk`` reads them each epoch."""
    config = read_artefact_config(artefact)
    base_path = resolve_base_path(None)
    tokenizer = load_tokenizer(base_path)
    model = build_risk_model(base_path, layers=config.get("layers"))
    load_artefact_weights(model, artefact, config)
    dev_device = pick_device(device)
    model = model.to(dev_device)
    _, dev = load_examples(data_dir, None, dev_share)
    items = encode_texts(tokenizer, [e.text for e in dev], int(config.get("max_len", 256)))
    replies = roleplay_replies("tune")
    tune_items = encode_texts(tokenizer, replies, int(config.get("max_len", 256)))
    return (
        predict(model, items, tokenizer.pad_token_id, dev_device),
        [e.label for e in dev],
        [rules_reading(e.text) for e in dev],
        (predict(model, tune_items, tokenizer.pad_token_id, dev_device), [rules_reading(t) for t in replies]),
    )


def retune_keeping(candidate: Path, current: Path, log: Log = print) -> dict[str, Any] | None:
    """Choose ``candidate``'s thresholds on dev so that the screen keeps at least ``current``'s dev
    crisis and concern recall (and role-play false alarms at most), with the fewest false alarms;
    write them into ``candidate``'s config. None (nothing written) when no setting keeps them."""
    probs, gold, rules, roleplay = dev_readings(current)
    thresholds = read_artefact_config(current)["thresholds"]
    floor = screen_figures(gold, [_served_level(p, rule, thresholds) for p, rule in zip(probs, rules, strict=True)])
    rp_probs, rp_rules = roleplay
    rp_flagged = sum(_served_level(p, r, thresholds) != "none" for p, r in zip(rp_probs, rp_rules, strict=True))
    floor["roleplay_false_alarm_rate"] = round(rp_flagged / max(len(rp_rules), 1), 4)
    log(f"{current} on dev, rules as served: {json.dumps(floor)}")
    probs, gold, rules, roleplay = dev_readings(candidate)
    tuned = tune_thresholds_keeping(probs, gold, rules, floor, roleplay)
    if tuned is None:
        log(f"no thresholds of {candidate} keep that recall on dev; nothing written")
        return None
    chosen, figures = tuned
    config = read_artefact_config(candidate)
    config["thresholds"] = chosen
    config["evaluation"] = {
        "split": "dev (thresholds chosen on it: fewest false alarms keeping the replaced artefact's recall)",
        **figures,
        "replaced": {"artefact": str(current), "thresholds": thresholds, **floor},
    }
    (candidate / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    log(f"{candidate}: thresholds {json.dumps(chosen)} on dev {json.dumps(figures)}")
    return config


def predict(
    model: RiskModel, items: Sequence[Any], pad_id: int, device: torch.device, batch_size: int = 64
) -> np.ndarray:
    model.eval()
    out = np.zeros((len(items), len(LEVELS)), dtype=np.float32)
    with torch.inference_mode():
        for batch_index in length_sorted_batches([len(item) for item in items], batch_size):
            batch = collate([items[i] for i in batch_index], pad_id, device, 8)
            out[batch_index] = torch.softmax(model(batch).float(), dim=-1).cpu().numpy()
    return out


def train_risk(out_dir: Path, cfg: RiskTrainConfig, log: Log = print, data_dir: Path = DATA_DIR) -> dict[str, Any]:
    """Train, pick the epoch, tune the thresholds and write the artefact; returns its record."""
    started = time.time()
    set_seed(cfg.seed)
    device = pick_device(cfg.device)
    base_path = resolve_base_path(cfg.base_model_path)
    tokenizer = load_tokenizer(base_path)
    epitome_dir = Path(cfg.epitome_dir) if cfg.epitome_dir else None
    train, dev = load_examples(data_dir, epitome_dir, cfg.epitome_dev_share)
    weak = weak_negatives(cfg, epitome_dir)
    log(
        f"train {len(train)} rows (+{len(weak)} weak 'none'), dev {len(dev)} rows "
        f"({sum(e.source == 'epitome' for e in train + dev)} EPITOME seeker posts)"
    )
    train = train + weak
    train_items = encode_texts(tokenizer, [e.text for e in train], cfg.max_len)
    dev_items = encode_texts(tokenizer, [e.text for e in dev], cfg.inference_max_len)
    labels = torch.tensor([_INDEX[e.label] for e in train])
    counts = np.bincount(labels.numpy(), minlength=len(LEVELS))
    class_weight = torch.tensor(len(train) / (len(LEVELS) * np.maximum(counts, 1)), dtype=torch.float32, device=device)
    dev_gold = [e.label for e in dev]
    dev_rules = [rules_reading(e.text) for e in dev]
    tune_replies = roleplay_replies("tune")
    tune_items = encode_texts(tokenizer, tune_replies, cfg.inference_max_len)
    tune_rules = [rules_reading(t) for t in tune_replies]

    model = build_risk_model(base_path, layers=cfg.layers)
    if cfg.init_artefact:
        init_config = read_artefact_config(Path(cfg.init_artefact))
        if init_config.get("layers") != cfg.layers:
            raise ValueError(f"{cfg.init_artefact} has {init_config.get('layers')} layers, not {cfg.layers}")
        load_artefact_weights(model, Path(cfg.init_artefact), init_config)
        log(
            f"starting from {cfg.init_artefact} (its training: {init_config.get('training', {}).get('hyper_parameters')})"
        )
    model = model.to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps = cfg.epochs * ((len(train) + cfg.batch_size - 1) // cfg.batch_size)
    warmup = max(1, int(cfg.warmup_ratio * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, (steps - step) / steps)
    )
    rng = np.random.default_rng(cfg.seed)
    epochs: list[dict[str, Any]] = []
    best: tuple[Any, ...] | None = None
    best_state: dict[str, torch.Tensor] = {}
    chosen: dict[str, Any] = {}
    for epoch in range(1, cfg.epochs + 1):
        epoch_started = time.time()
        model.train()
        order = rng.permutation(len(train))
        total = 0.0
        for start in range(0, len(order), cfg.batch_size):
            index = order[start : start + cfg.batch_size].tolist()
            batch = collate([train_items[i] for i in index], tokenizer.pad_token_id, device, 8)
            loss = F.cross_entropy(model(batch), labels[index].to(device), weight=class_weight)
            optimizer.zero_grad()
            torch.autograd.backward(loss)  # loss.backward() is unannotated
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            total += float(loss.detach()) * len(index)
        probs = predict(model, dev_items, tokenizer.pad_token_id, device)
        roleplay = (predict(model, tune_items, tokenizer.pad_token_id, device), tune_rules)
        thresholds, figures = tune_thresholds(probs, dev_gold, dev_rules, targets_of(cfg), roleplay)
        summary = {
            "epoch": epoch,
            "train_loss": round(total / len(train), 4),
            "thresholds": thresholds,
            "dev": figures,
            "seconds": round(time.time() - epoch_started, 1),
        }
        epochs.append(summary)
        log(f"epoch {epoch}: " + json.dumps(summary))
        key = (shortfall(figures, targets_of(cfg)), figures["false_alarm_rate"], epoch)
        if best is None or key < best:
            best, best_state, chosen = key, state_copy(model), summary
    model.load_state_dict(best_state)
    config = {
        "kind": "risk",
        "labels": list(LEVELS),
        "layers": cfg.layers,
        "max_len": cfg.inference_max_len,
        "thresholds": chosen["thresholds"],
        "base_model": BASE_MODEL_NAME if cfg.base_model_path is None else str(cfg.base_model_path),
        "base_fingerprint": embedding_fingerprint(model.encoder),
        "training": {
            "hyper_parameters": asdict(cfg),
            "data": {
                "train_rows": len(train),
                "weak_none_rows": len(weak),
                "dev_rows": len(dev),
                "written_sha256_16": _digest(data_dir / "written.csv"),
                "epitome_labels_sha256_16": _digest(data_dir / "epitome_seekers.csv"),
                "rules": fingerprint([json.dumps(r) for r in dev_rules]),
            },
            "epochs": epochs,
            "chosen_epoch": chosen["epoch"],
            "train_seconds": round(time.time() - started, 1),
            "device": str(device),
        },
        "evaluation": {"split": "dev (thresholds tuned on it)", **chosen["dev"]},
    }
    save_artefact(model, out_dir, config)
    log(f"chose epoch {chosen['epoch']} ({json.dumps(chosen['dev'])}); wrote {out_dir}")
    return config


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
