"""Train the Chinese screen's character n-gram classifier (``inference.safety_zh_model``).

Data: the Chinese lines of ``inference/data/safety/written.csv`` (Simplified, Traditional, some
Cantonese), its train split to fit, its dev split to choose C and the two thresholds, for the screen as
served: the written list (``inference.safety_zh``) and the classifier together, the higher level
winning. The choice minimises the risk trainer's ``shortfall`` (a missed crisis counts twice). The
held-out ``test.csv`` is never read. ``python manage.py train_safety_zh`` runs it (about a minute on a shared core).

Plain numpy: character 1- and 2-grams seen in at least ``min_df`` train lines, smoothed idf,
sublinear tf, l2 norm (what ``inference.safety_zh_model`` reads at serving time), and a multinomial
logistic regression with balanced class weights and an L2 penalty of 1 / (2C) on the weights (not
the intercept), fitted by full-batch Adam.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from inference.safety import screen_text
from inference.safety_zh_model import ARTEFACT, LEVELS, ZhClassifier, prepare
from inference.schema import SafetyLevel
from inference.training.risk_trainer import DATA_DIR, screen_figures, shortfall

_RANK = {"none": 0, "concern": 1, "crisis": 2}
C_GRID = (1.0, 3.0, 10.0, 30.0)
THRESHOLD_GRID = tuple(round(x, 2) for x in np.arange(0.30, 0.91, 0.05))


@dataclass
class ZhTrainConfig:
    ngram_low: int = 1
    ngram_high: int = 2
    min_df: int = 2
    crisis_target: float = 0.97
    concern_target: float = 0.90
    false_alarm_target: float = 0.03


def load_lines(data_dir: Path = DATA_DIR) -> tuple[list[tuple[str, SafetyLevel]], list[tuple[str, SafetyLevel]]]:
    train: list[tuple[str, SafetyLevel]] = []
    dev: list[tuple[str, SafetyLevel]] = []
    with (data_dir / "written.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["lang"].startswith("zh"):
                label: SafetyLevel = row["label"]  # type: ignore[assignment]
                (dev if row["split"] == "dev" else train).append((row["text"], label))
    return train, dev


def _served(list_level: SafetyLevel, p: np.ndarray, crisis: float, flag: float) -> SafetyLevel:
    """The screen's level for a dev line: the list's, raised by the classifier (the higher wins)."""
    model: SafetyLevel = "crisis" if p[2] >= crisis else ("concern" if p[1] + p[2] >= flag else "none")
    return model if _RANK[model] > _RANK[list_level] else list_level


def vocabulary(texts: list[str], low: int, high: int, min_df: int) -> tuple[dict[str, int], np.ndarray]:
    """The n-grams seen in at least ``min_df`` texts (sorted), and their smoothed idf."""
    document_frequency: dict[str, int] = {}
    for text in texts:
        prepared = prepare(text)
        seen = {prepared[i : i + n] for n in range(low, high + 1) for i in range(len(prepared) - n + 1)}
        for gram in seen:
            document_frequency[gram] = document_frequency.get(gram, 0) + 1
    grams = sorted(g for g, df in document_frequency.items() if df >= min_df)
    idf = np.array([np.log((1 + len(texts)) / (1 + document_frequency[g])) + 1 for g in grams])
    return {g: i for i, g in enumerate(grams)}, idf


def features(texts: list[str], index: dict[str, int], idf: np.ndarray, low: int, high: int) -> np.ndarray:
    out = np.zeros((len(texts), len(index)))
    for row, text in enumerate(texts):
        prepared = prepare(text)
        for n in range(low, high + 1):
            for i in range(len(prepared) - n + 1):
                column = index.get(prepared[i : i + n])
                if column is not None:
                    out[row, column] += 1
    out = np.where(out > 0, 1 + np.log(np.maximum(out, 1)), 0) * idf
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.asarray(out / np.where(norms > 0, norms, 1))


def fit(x: np.ndarray, y: np.ndarray, c: float, steps: int = 3000, lr: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Weights (n-grams x 3) and intercept (3) of the balanced, L2-penalised multinomial regression."""
    counts = np.bincount(y, minlength=3)
    sample = (len(y) / (3 * np.maximum(counts, 1)))[y]
    onehot = np.eye(3)[y]
    w = np.zeros((x.shape[1], 3))
    b = np.zeros(3)
    m = [np.zeros_like(w), np.zeros_like(b)]
    v = [np.zeros_like(w), np.zeros_like(b)]
    for step in range(1, steps + 1):
        logits = x @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        residual = (p - onehot) * sample[:, None]
        grads = [x.T @ residual + w / c, residual.sum(axis=0)]
        for k, (param, grad) in enumerate(zip((w, b), grads, strict=True)):
            m[k] = 0.9 * m[k] + 0.1 * grad
            v[k] = 0.999 * v[k] + 0.001 * grad**2
            param -= lr * (m[k] / (1 - 0.9**step)) / (np.sqrt(v[k] / (1 - 0.999**step)) + 1e-8)
    return w, b


def softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return np.asarray(p / p.sum(axis=1, keepdims=True))


def train_zh(out: Path = ARTEFACT, cfg: ZhTrainConfig | None = None, data_dir: Path = DATA_DIR) -> dict[str, Any]:
    """Fit, choose C and thresholds on dev, write the JSON artefact; returns its record."""
    cfg = cfg or ZhTrainConfig()
    started = time.time()
    train, dev = load_lines(data_dir)
    targets = {
        "crisis_recall": cfg.crisis_target,
        "concern_recall": cfg.concern_target,
        "false_alarm_rate": cfg.false_alarm_target,
    }
    low, high = cfg.ngram_low, cfg.ngram_high
    index, idf = vocabulary([text for text, _ in train], low, high, cfg.min_df)
    x_train = features([text for text, _ in train], index, idf, low, high)
    x_dev = features([text for text, _ in dev], index, idf, low, high)
    y_train = np.array([LEVELS.index(label) for _, label in train])
    dev_gold = [label for _, label in dev]
    dev_list: list[SafetyLevel] = [screen_text(text)["level"] for text, _ in dev]
    best: tuple[Any, ...] | None = None
    chosen: dict[str, Any] = {}
    fitted: tuple[np.ndarray, np.ndarray] | None = None
    for c in C_GRID:
        w, b = fit(x_train, y_train, c)
        probs = softmax(x_dev @ w + b)
        for crisis in THRESHOLD_GRID:
            for flag in THRESHOLD_GRID:
                predicted = [_served(level, p, crisis, flag) for level, p in zip(dev_list, probs, strict=True)]
                figures = screen_figures(dev_gold, predicted)
                key = (shortfall(figures, targets), figures["false_alarm_rate"], -crisis, -flag, c)
                if best is None or key < best:
                    best, fitted = key, (w, b)
                    chosen = {"C": c, "thresholds": {"crisis": crisis, "flag": flag}, "dev": figures}
    assert fitted is not None
    w, b = fitted
    list_only = screen_figures(dev_gold, dev_list)
    grams = {gram: [round(float(idf[i]), 6), *(round(float(x), 6) for x in w[i])] for gram, i in index.items()}
    config: dict[str, Any] = {
        "kind": "safety_zh",
        "labels": list(LEVELS),
        "ngram_range": [cfg.ngram_low, cfg.ngram_high],
        "intercept": [round(float(x), 6) for x in b],
        "thresholds": chosen["thresholds"],
        "training": {
            "hyper_parameters": {**asdict(cfg), "C": chosen["C"], "class_weight": "balanced"},
            "data": {
                "train_rows": len(train),
                "dev_rows": len(dev),
                "written_sha256_16": hashlib.sha256((data_dir / "written.csv").read_bytes()).hexdigest()[:16],
            },
            "train_seconds": round(time.time() - started, 1),
        },
        "evaluation": {"split": "dev (C and thresholds chosen on it)", "list_only": list_only, **chosen["dev"]},
        "grams": grams,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(config, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    # The served reader must give what was fitted.
    served = ZhClassifier.from_config(config)
    for (text, _), p in zip(dev, softmax(x_dev @ w + b), strict=True):
        mine = served.probabilities(text)[0]
        if max(abs(a - q) for a, q in zip(mine, p, strict=True)) > 1e-3:
            raise AssertionError(f"the served reader disagrees with the fit on {text!r}: {mine} vs {p}")
    return {k: v for k, v in config.items() if k != "grams"}
