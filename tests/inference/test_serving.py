"""Registry, similarity, warm-up, labels and metrics: the serving plumbing and the numbers behind the cards."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_plain_modules_do_not_import_torch():
    probe = (
        "import sys, inference, inference.labels, inference.registry, inference.analysis, inference.schema,"
        " inference.versions, inference.safety_triggers; print('torch' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, check=False, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_registry_loads_each_model_once_across_threads(committed_models):
    registry = committed_models
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(registry.emotion_detector())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(d) for d in seen}) == 1
    assert registry.emotion_detector() is seen[0]


def test_registry_reconfigure_drops_models(committed_models):
    registry = committed_models
    before = registry.emotion_detector()
    threads = registry.config().threads
    registry.configure(threads=threads + 1)  # any other configuration
    try:
        assert registry.loaded() == []
    finally:
        registry.configure(threads=threads)
    assert registry.emotion_detector() is not before


def test_registry_accepts_the_settings_dict():
    from django.conf import settings

    from inference.registry import InferenceConfig

    config = InferenceConfig(**settings.INFERENCE)
    assert config.device in ("auto", "cpu", "cuda")


def test_similarity_ranks_paraphrases_first(committed_models):
    from inference.analysis import similarity

    scores = similarity(
        "I'm really sorry that your father died.",
        ["My condolences for the loss of your dad.", "The train leaves at six.", ""],
    )
    assert len(scores) == 3
    assert scores[0] > scores[1] + 0.2
    assert scores[2] == 0.0
    assert similarity("", ["anything"]) == [0.0]
    assert similarity("text", []) == []


def test_label_groupings_cover_all_labels():
    from inference.labels import EKMAN_LABELS, EKMAN_MAPPING, GOEMOTIONS_LABELS, SENTIMENT_LABELS, group_label_sets

    assert len(GOEMOTIONS_LABELS) == 28 and GOEMOTIONS_LABELS[-1] == "neutral"
    assert EKMAN_LABELS == ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")
    assert SENTIMENT_LABELS == ("positive", "negative", "ambiguous", "neutral")
    assert group_label_sets([["grief", "sadness", "curiosity"]], EKMAN_MAPPING) == [["sadness", "surprise"]]


def test_metrics_by_hand():
    from inference.training.metrics import emotion_scores, multiclass_scores, tune_thresholds

    truth = np.zeros((4, 28), dtype=bool)
    pred = np.zeros((4, 28), dtype=bool)
    truth[0, 15] = pred[0, 15] = True  # gratitude right
    truth[1, 16] = True
    pred[1, 25] = True  # grief read as sadness: wrong label, right Ekman group
    truth[2, 27] = pred[2, 27] = True
    truth[3, 2] = True
    pred[3, 27] = True
    scores = emotion_scores(truth, pred)
    assert scores["per_label"]["gratitude"]["f1"] == 1.0
    assert scores["per_label"]["grief"]["f1"] == 0.0
    assert scores["ekman_per_label"]["sadness"]["f1"] == 1.0
    assert scores["micro_f1"] == pytest.approx(2 * 2 / (2 * 2 + 2 + 2))
    three = multiclass_scores([0, 1, 2, 2], [0, 2, 2, 2])
    assert three["accuracy"] == 0.75
    assert three["macro_f1"] == pytest.approx((1 + 0 + 0.8) / 3)
    probs = np.array([[0.9], [0.35], [0.2], [0.1]])
    assert tune_thresholds(probs, np.array([[1], [1], [0], [0]]))[0] == pytest.approx(0.35, abs=0.011)


def test_encode_sentences_primes_the_cache_similarity_reads(committed_models, monkeypatch):
    from inference.analysis import encode_sentences, similarity

    encoder = committed_models.sentence_encoder()
    lines = ["I'm here for you, take your time.", "That sounds exhausting."]
    text = "It must be so tiring to carry all that alone."
    encode_sentences([text, *lines, ""])
    # Everything is cached now: no forward pass is left for similarity to make.
    monkeypatch.setattr(encoder, "_embed", lambda texts, batch_size=64: pytest.fail(f"encoded {texts!r} again"))
    scores = similarity(text, lines)
    assert len(scores) == 2 and scores[1] > 0.3
    encode_sentences([])


def test_warm_loads_every_model(committed_models):
    from inference.analysis import warm

    warm()
    # The generative persona's model is the generation worker's; a test before may have loaded it.
    analysis_models = [name for name in committed_models.loaded() if name != "generator"]
    assert analysis_models == ["emotion", "empathy", "risk", "similarity"]
