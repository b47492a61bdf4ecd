"""The persona-dialogue corpus (issue #13) as the trainer of the generative persona will read it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from courses.demo.scenarios import CUSTOMER_SERVICE, EDUCATION, HEALTHCARE, PEER_SUPPORT
from inference.persona_corpus import SETTINGS, counts, load_corpus, problems


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_the_committed_corpus_has_no_problems(corpus):
    assert problems(corpus) == []


def test_the_corpus_is_as_large_and_as_wide_as_the_issue_asks(corpus):
    figures = counts(corpus)
    assert figures["persona_turns"] >= 3000
    assert figures["scenarios"] >= 16
    assert set(figures["persona_turns_by_setting"]) == set(SETTINGS)
    # Dev scenarios are whole scenarios: none of their conversations is in train.
    dev = {d.scenario for d in corpus.split("dev")}
    train = {d.scenario for d in corpus.split("train")}
    assert dev and train and not dev & train


@pytest.mark.parametrize("demo", [PEER_SUPPORT, CUSTOMER_SERVICE, EDUCATION, HEALTHCARE], ids=lambda d: d.setting)
def test_the_demo_personas_are_the_ones_learners_meet(corpus, demo):
    cards = [c for c in corpus.cards.values() if c.demo and c.setting == demo.setting]
    assert len(cards) == 1
    card = cards[0]
    assert card.persona_name == demo.persona_name
    assert card.opening_line == demo.opening_line
    authored = {r.text for r in card.authored_replies}
    assert {r.text for r in demo.replies} <= authored
    assert card.split == "train"


def _write(tmp_path: Path, card: dict, dialogues: list[dict]) -> Path:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "dialogues").mkdir()
    (tmp_path / "scenarios" / f"{card['slug']}.json").write_text(json.dumps(card))
    lines = "\n".join(json.dumps(d) for d in dialogues)
    (tmp_path / "dialogues" / f"{card['slug']}.jsonl").write_text(lines)
    return tmp_path


def test_the_checks_catch_what_a_reviewer_would(tmp_path):
    card = {
        "slug": "peer_sam_test",
        "setting": "peer_support",
        "split": "dev",
        "persona_name": "Sam",
        "persona_bio": "Sam is 30.",
        "situation": "A friend.",
        "opening_line": "I lost my job today.",
        "starting_emotions": {"sadness": 0.6},
        "facts": {f"fact{i}": str(i) for i in range(12)},
        "authored_replies": [{"when": "reaction", "text": f"line {i}"} for i in range(10)],
    }
    persona = {"role": "persona", "feelings": {"sadness": 0.5}}
    turns = [{"role": "persona", "text": "I lost my job today."}]
    turns += [{"role": "learner", "text": "Where did you work?", "moves": ["factual_question"]}]
    turns += [{**persona, "text": "I'm here to help you with that."}]  # an assistant, no fact named
    for i in range(5):
        turns += [{"role": "learner", "text": "that's rough", "moves": ["er"]}, {**persona, "text": f"It was {i}."}]
    turns += [{"role": "learner", "text": "mm", "moves": ["er"]}, {**persona, "text": "It was 0."}]  # a repeat
    corpus = load_corpus(
        _write(tmp_path, card, [{"id": "t-1", "scenario": "peer_sam_test", "ending": "open", "turns": turns}])
    )
    found = "\n".join(problems(corpus))
    assert "an assistant's phrase" in found
    assert "factual question left without answers_fact" in found
    assert "repeats itself" in found
