"""The batched analysis: exact result shape, sensible readings, the same readings as before, and
no crash on bad input."""

from __future__ import annotations

import json
import re

import pytest

from inference.labels import EKMAN_LABELS, EMPATHY_MECHANISMS, GOEMOTIONS_LABELS, SENTIMENT_LABELS

pytestmark = pytest.mark.usefixtures("committed_models")

from tests.inference.pinned import PINNED


def _analyse(*pairs):
    from inference.analysis import TurnInput, analyse_turns

    return analyse_turns([TurnInput(text=text, context=context) for text, context in pairs])


def _inside_a_word(text, position):
    """True where ``position`` falls between two characters of one written word ("I|'m", "so|rry")."""
    if position <= 0 or position >= len(text):
        return False
    before, after = text[position - 1], text[position]
    joined = before.isalnum() and after.isalnum()
    apostrophe = (after in "'’" and before.isalnum()) or (before in "'’" and after.isalnum() and position > 1)
    return joined or apostrophe


def assert_whole_words(text, start, end):
    # A learner reads the quote: it never begins or ends inside a word ("m really sorry").
    assert not _inside_a_word(text, start) and not _inside_a_word(text, end), text[start:end]


def assert_emotion_shape(emotion, text):
    assert set(emotion) == {"probs", "labels", "top", "ekman", "sentiment", "highlights", "shown"}
    assert list(emotion["probs"]) == list(GOEMOTIONS_LABELS)
    assert all(0.0 <= p <= 1.0 for p in emotion["probs"].values())
    assert emotion["labels"] and set(emotion["labels"]) <= set(GOEMOTIONS_LABELS)
    probs = [emotion["probs"][label] for label in emotion["labels"]]
    assert probs == sorted(probs, reverse=True)
    assert len(emotion["top"]) == 3 and all(label in GOEMOTIONS_LABELS for label, _ in emotion["top"])
    assert set(emotion["ekman"]["probs"]) == set(EKMAN_LABELS) and emotion["ekman"]["labels"]
    assert set(emotion["sentiment"]["probs"]) == set(SENTIMENT_LABELS) and emotion["sentiment"]["labels"]
    top_labels = {label for label, _ in emotion["top"]}
    assert set(emotion["highlights"]) <= top_labels
    for spans in emotion["highlights"].values():
        for span in spans:
            assert set(span) == {"start", "end", "text", "weight"}
            assert text[span["start"] : span["end"]] == span["text"]
            assert_whole_words(text, span["start"], span["end"])


def assert_result_shape(result, text):
    assert set(result) == {"text_truncated", "emotion", "empathy", "blockers", "safety", "models"}
    assert isinstance(result["text_truncated"], bool)
    assert_emotion_shape(result["emotion"], text)
    assert set(result["empathy"]) == set(EMPATHY_MECHANISMS)
    for mechanism in EMPATHY_MECHANISMS:
        score = result["empathy"][mechanism]
        assert set(score) == {"level", "probs", "rationales"}
        assert score["level"] in (0, 1, 2) and len(score["probs"]) == 3
        assert abs(sum(score["probs"]) - 1.0) < 1e-2
        for span in score["rationales"]:
            assert set(span) == {"start", "end", "text"}
            assert text[span["start"] : span["end"]] == span["text"]
            assert_whole_words(text, span["start"], span["end"])
    for blocker in result["blockers"]:
        assert set(blocker) == {"name", "start", "end", "text", "probability"}
        assert text[blocker["start"] : blocker["end"]] == blocker["text"]
    assert set(result["safety"]) == {"level", "reason", "category", "evidence"}
    assert result["safety"]["level"] in ("none", "concern", "crisis")
    for evidence in result["safety"]["evidence"]:
        assert evidence["by"] in ("rules", "model") and evidence["words"]
    assert set(result["models"]) == {"emotion", "empathy", "safety", "risk"}
    assert all(re.fullmatch(r"[0-9a-f]{12}", version) for version in result["models"].values())
    json.dumps(result)  # stored as JSON as it is


def test_result_shape_and_order():
    texts = ["That sounds really hard. What happened?", "ok", "I'm so sorry for your loss, I'm here for you."]
    results = _analyse(*[(t, "My father died last month.") for t in texts])
    assert len(results) == 3
    for text, result in zip(texts, results, strict=True):
        assert_result_shape(result, text)
    # Order is the caller's, not the length-sorted batch order.
    assert results[1]["empathy"]["er"]["level"] == 0
    assert results[2]["empathy"]["er"]["level"] >= 1


def test_grief_is_read_as_grief_or_sadness():
    (result,) = _analyse(("My grandmother passed away last night and I can't stop crying", ""))
    assert {"grief", "sadness"} & set(result["emotion"]["labels"])
    assert result["emotion"]["ekman"]["labels"][0] == "sadness"
    assert result["emotion"]["sentiment"]["labels"][0] == "negative"
    words = {span["text"].lower() for spans in result["emotion"]["highlights"].values() for span in spans}
    assert words & {"passed", "away", "crying", "grandmother"}


def test_thanks_is_read_as_gratitude():
    (result,) = _analyse(("Thank you so much, this really helped me", ""))
    assert "gratitude" in result["emotion"]["labels"]
    assert result["emotion"]["top"][0][0] == "gratitude"


@pytest.mark.parametrize("context", ["I went to the hospital yesterday.", ""])
def test_a_question_is_an_exploration(context):
    (result,) = _analyse(("What happened next?", context))
    assert result["empathy"]["ex"]["level"] >= 1
    assert result["empathy"]["ex"]["rationales"]


@pytest.mark.parametrize(
    "text",
    [
        "I'm really sorry, that's a lot to carry on your own",
        "im so sorry you're going through this, it's not fair. what's been the hardest part?",
        "That sounds exhausting. I’m so sorry you’re dealing with this alone. How're you holding up?",
    ],
)
def test_quotes_and_highlights_are_whole_written_words(text):
    (result,) = _analyse((text, "My mum needs help with everything now. It takes an hour to get her dressed."))
    assert_result_shape(result, text)
    assert result["empathy"]["er"]["rationales"], "a warm reply shows the words behind its emotional reaction"


def test_warmth_is_an_emotional_reaction_with_its_span():
    text = "I'm so sorry to hear that, it must be awful. Have you talked to anyone?"
    (result,) = _analyse((text, "I lost my job today."))
    assert result["empathy"]["er"]["level"] >= 1
    assert any("sorry" in span["text"] for span in result["empathy"]["er"]["rationales"])


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "😀😀😀🙏",
        "Ich bin heute sehr traurig, weil mein Hund gestorben ist.",
        "这是一个测试",
        "\x00\x01\x02\xff\ufffd binary \x7f",
        "a" * 50_000,
        "word " * 3000,
    ],
)
def test_bad_input_gives_a_well_formed_result(text):
    (result,) = _analyse((text, "Hello"))
    from inference.analysis import MAX_CHARS

    assert_result_shape(result, text[:MAX_CHARS])
    assert result["text_truncated"] == (len(text) > 1000)


def test_empty_text_is_neutral_and_not_empathic():
    (result,) = _analyse(("", "How are you?"))
    assert result["emotion"]["labels"] == ["neutral"]
    assert all(result["empathy"][m]["level"] == 0 for m in EMPATHY_MECHANISMS)
    assert result["safety"]["level"] == "none"


def test_long_text_is_truncated_with_flag():
    text = "I feel so alone and nobody understands me. " * 100
    (result,) = _analyse((text, ""))
    assert result["text_truncated"] is True
    for spans in result["emotion"]["highlights"].values():
        assert all(span["end"] <= len(text) for span in spans)


def test_crisis_reaches_the_safety_screen():
    (result,) = _analyse(("I want to kill myself tonight", "How was your day?"))
    assert result["safety"]["level"] == "crisis"


def test_batch_equals_one_at_a_time():
    from inference.analysis import TurnInput, analyse_turns

    turns = [TurnInput("I'm proud of you for trying.", "I finished the race!"), TurnInput("Why?", "I quit.")]
    together = analyse_turns(turns)
    alone = [analyse_turns([t])[0] for t in turns]
    for a, b in zip(together, alone, strict=True):
        assert a["emotion"]["labels"] == b["emotion"]["labels"]
        assert [a["empathy"][m]["level"] for m in EMPATHY_MECHANISMS] == [
            b["empathy"][m]["level"] for m in EMPATHY_MECHANISMS
        ]
        for label, prob in a["emotion"]["probs"].items():
            assert abs(prob - b["emotion"]["probs"][label]) < 0.03


def test_detect_emotions_returns_the_emotion_part():
    from inference.analysis import detect_emotions

    texts = ["I'm furious with you.", "", "Thanks!"]
    readings = detect_emotions(texts)
    assert len(readings) == 3
    for text, reading in zip(texts, readings, strict=True):
        assert_emotion_shape(reading, text)
    assert readings[1]["labels"] == ["neutral"]
    assert "gratitude" in readings[2]["labels"]
    assert detect_emotions([]) == []


def test_each_analysis_names_the_models_that_made_it():
    from inference.analysis import model_versions
    from inference.safety import rules_fingerprint

    results = _analyse(("Thanks for telling me.", "I had a rough day."), ("", ""))
    versions = model_versions()
    assert [r["models"] for r in results] == [versions, versions]
    assert versions["safety"] == rules_fingerprint()
    assert len(set(versions.values())) == 4
    results[0]["models"]["emotion"] = "edited"  # each analysis holds its own copy
    assert results[1]["models"] == versions == model_versions()


def _same(actual, expected, where="$"):
    """Equal, numbers to within the last stored digit (another CPU may round the last one differently)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and list(actual) == list(expected), where
        for key in expected:
            _same(actual[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), where
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            _same(a, e, f"{where}[{i}]")
    elif isinstance(expected, float):
        assert actual == pytest.approx(expected, abs=2e-3), where
    else:
        assert actual == expected and type(actual) is type(expected), where


@pytest.fixture
def float32_models(committed_models):
    """The committed models in float32, as the pinned readings were captured."""
    registry = committed_models
    dtype = str(next(registry.emotion_detector().model.parameters()).dtype)
    if dtype == "torch.float32":
        yield registry
        return
    before = registry.config()
    registry.configure(dtype="float32")
    try:
        yield registry
    finally:
        registry.configure(before)


def test_readings_are_the_pinned_ones(float32_models):
    """The committed models give exactly the pinned readings for the pinned turns: a change of code
    path shows here. A retrained model has new fingerprints: re-capture (tests/inference/pinned.py)."""
    from inference.analysis import TurnInput, analyse_turns

    pinned = json.loads(PINNED.read_text())
    results = analyse_turns([TurnInput(text=text, context=context) for text, context in pinned["turns"]])
    for result, expected in zip(results, pinned["analyses"], strict=True):
        assert result.pop("models") == pinned["models"], "the artefacts changed: re-capture the pinned readings"
        _same(json.loads(json.dumps(result)), expected)


def test_the_committed_model_names_no_blocker_and_runs_one_pass(committed_models, monkeypatch):
    """An artefact without a blocker head loads as before: no blockers, argmax levels after offsets,
    and a single batched pass of the empathy model for all the turns."""
    from inference.analysis import TurnInput, analyse_turns

    scorer = committed_models.empathy_scorer()
    if "blockers" in scorer.config:
        pytest.skip("the committed artefact has a blocker head (test_training covers one)")
    assert scorer.blocker_classes == () and scorer.level_thresholds is None
    passes: list[int] = []
    score = scorer.score
    monkeypatch.setattr(scorer, "score", lambda items, **kw: passes.append(len(items)) or score(items, **kw))
    texts = ["Just get over it, you should have planned better.", "What's your order number?", "Don't worry!"]
    results = analyse_turns([TurnInput(text=t, context="I lost my job today.") for t in texts])
    assert passes == [3]
    assert [r["blockers"] for r in results] == [[], [], []]
