"""The learned half of the Chinese screen: a character n-gram linear classifier (none / concern / crisis).

The base encoder cannot read Chinese (about two thirds of the Han characters in the team's Chinese lines
become [UNK]), so the English risk classifier is not run on it. This one reads characters and pairs of
characters: TF-IDF (sublinear tf, l2 norm) and a multinomial logistic regression, trained by
``manage.py train_safety_zh`` (``inference/training/safety_zh_trainer.py``) on the Chinese train lines of
``inference/data/safety/written.csv``, its C and thresholds chosen on the Chinese dev lines together with
the written list, as served. Plain Python: the artefact is a JSON file of the n-grams' idf and weights,
read once per process; no torch, no scikit-learn at serving time.

Its reading has the English classifier's shape (``RiskReading``); ``inference.safety`` lets it raise
the written list's level (the higher wins), never lower it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from inference.schema import RiskReading, SafetyLevel

ARTEFACT = Path(__file__).resolve().parent / "artefacts" / "safety" / "zh_classifier.json"
LEVELS: tuple[SafetyLevel, ...] = ("none", "concern", "crisis")
MAX_WORDS = 3
_SPACE = re.compile(r"\s+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class ZhClassifier:
    ngram_range: tuple[int, int]
    grams: dict[str, tuple[float, float, float, float]]  # n-gram -> (idf, w_none, w_concern, w_crisis)
    intercept: tuple[float, float, float]
    crisis_threshold: float
    flag_threshold: float
    version: str

    @classmethod
    def from_config(cls, config: dict[str, Any], version: str = "") -> ZhClassifier:
        grams = {g: (float(v[0]), float(v[1]), float(v[2]), float(v[3])) for g, v in config["grams"].items()}
        low, high = config["ngram_range"]
        b0, b1, b2 = (float(x) for x in config["intercept"])
        return cls(
            ngram_range=(int(low), int(high)),
            grams=grams,
            intercept=(b0, b1, b2),
            crisis_threshold=float(config["thresholds"]["crisis"]),
            flag_threshold=float(config["thresholds"]["flag"]),
            version=version,
        )

    def features(self, text: str) -> dict[str, float]:
        """The text's l2-normalised TF-IDF weights over the known n-grams (as scikit-learn's
        ``TfidfVectorizer(analyzer="char", sublinear_tf=True)`` computes them on the same text)."""
        prepared = prepare(text)
        counts: dict[str, int] = {}
        low, high = self.ngram_range
        for n in range(low, high + 1):
            for i in range(len(prepared) - n + 1):
                gram = prepared[i : i + n]
                if gram in self.grams:
                    counts[gram] = counts.get(gram, 0) + 1
        weights = {g: (1.0 + math.log(c)) * self.grams[g][0] for g, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {g: w / norm for g, w in weights.items()} if norm else {}

    def probabilities(self, text: str) -> tuple[tuple[float, float, float], dict[str, float]]:
        x = self.features(text)
        logits = list(self.intercept)
        for gram, value in x.items():
            weights = self.grams[gram]
            for k in range(3):
                logits[k] += value * weights[k + 1]
        top = max(logits)
        exp = [math.exp(v - top) for v in logits]
        total = sum(exp)
        p_none, p_concern, p_crisis = (e / total for e in exp)
        return (p_none, p_concern, p_crisis), x

    def read(self, text: str) -> RiskReading:
        """The classifier's reading of one Chinese text."""
        (p_none, p_concern, p_crisis), x = self.probabilities(text)
        level: SafetyLevel = "none"
        if p_crisis >= self.crisis_threshold:
            level = "crisis"
        elif p_concern + p_crisis >= self.flag_threshold:
            level = "concern"
        return {
            "level": level,
            "probs": {"none": round(p_none, 4), "concern": round(p_concern, 4), "crisis": round(p_crisis, 4)},
            "harmless": False,  # it never sets the written list's finding aside
            "certain": False,
            "words": self._words(x, level) if level != "none" else [],
        }

    def _words(self, x: dict[str, float], level: SafetyLevel) -> list[str]:
        """The character pairs that pushed most towards ``level`` against none, most first."""
        k = LEVELS.index(level)
        pushes = {
            g: v * (self.grams[g][k + 1] - self.grams[g][1]) for g, v in x.items() if len(g) >= 2 and _HAN.search(g)
        }
        ranked = sorted((g for g, push in pushes.items() if push > 0), key=lambda g: -pushes[g])
        return ranked[:MAX_WORDS]


def prepare(text: str) -> str:
    """What the n-grams are read from: no white space, lower case (the trainer reads the same)."""
    return _SPACE.sub("", text).lower()


@cache
def classifier(path: Path = ARTEFACT) -> ZhClassifier | None:
    """This process's Chinese classifier, read once; None when the artefact is absent."""
    if not path.is_file():
        return None
    raw = path.read_bytes()
    return ZhClassifier.from_config(json.loads(raw), version=hashlib.sha256(raw).hexdigest()[:12])


def read(texts: list[str]) -> list[RiskReading | None]:
    """Readings for Chinese texts (None for all when no artefact is installed)."""
    model = classifier()
    return [model.read(text) if model is not None else None for text in texts]
