"""Guidance cites the learner's words, aims at the weakest mechanism and never shames; it is stored
as what was decided (codes and the learner's and persona's own words), not as sentences."""

from __future__ import annotations

import json

from courses.practice.guidance import guidance_compose, weakest_mechanism
from courses.practice.render import guidance_render
from tests.factories import analysis_build

FEELINGS = {"nervousness": 0.6, "anger": 0.3}
SHAMING = ("wrong", "bad", "failed", "should have", "poor", "terrible", "mistake")


def compose(text: str, **analysis):
    return guidance_compose(
        text=text,
        analysis=analysis_build(text=text, **analysis),
        persona_name="Maya Chen",
        persona_emotions=FEELINGS,
    )


def shown(text: str, **analysis):
    # As the page gets it: stored as JSON, read back, rendered.
    return guidance_render(json.loads(json.dumps(compose(text, **analysis))))


def test_worked_cites_the_rationale_words():
    g = shown("That sounds so stressful.", er=2, rationales={"er": ["sounds so stressful"]})
    assert "sounds so stressful" in g["worked"]
    assert g["worked"].startswith("You met Maya's feelings with warmth")


def test_try_next_aims_at_the_weakest_mechanism_and_the_persona_emotion():
    g = shown("That sounds so stressful.", er=2, ip=1, ex=0, rationales={"er": ["sounds so stressful"]})
    assert g["weakest"] == "ex"
    assert "anxious" in g["try_next"] and "?" in g["try_next"]
    assert "all this" in g["try_next"]  # no noun borrowed from the persona (see below)


def test_rewrite_adds_the_missing_mechanism_to_the_learners_own_words():
    g = shown("Just submit it tomorrow", er=0, ip=1, ex=1)
    assert g["weakest"] == "er"
    assert "Just submit it tomorrow" in g["rewrite"]
    assert g["rewrite"].startswith("I'm so sorry, that's a lot.")  # warmth: the emotional reaction it lacked
    ex = shown("That sounds hard.", er=2, ip=2, ex=0)
    assert ex["rewrite"].startswith("That sounds hard.") and ex["rewrite"].endswith("?")


def test_full_marks_have_no_rewrite():
    g = shown("…", er=2, ip=2, ex=2, rationales={"ip": ["you've been carrying this"]})
    assert g["weakest"] is None and g["rewrite"] is None
    assert weakest_mechanism({"er": 2, "ip": 2, "ex": 2}) is None


def test_guidance_never_shames_even_a_cold_turn():
    g = shown("Whatever, not my problem.", labels=("disapproval",))
    text = " ".join(str(v) for v in (g["worked"], g["try_next"], g["rewrite"])).lower()
    assert not any(word in text for word in SHAMING)
    # Nothing in it to praise, so no praise (a coach would not sign "that worked"); a next step instead.
    assert g["worked"] is None and g["try_next"]


def test_safety_concern_pauses_with_a_resource_card():
    g = shown("I don't want to be here anymore", safety="crisis")
    assert g["pause"] is True
    card = " ".join(f"{line['title']} {line['text']}" for line in g["resources"]["lines"])
    assert "findahelpline.com" in card and "emergency" in card and "trust" in card
    assert g["resources"]["continue_label"]
    assert g["try_next"] is None


def test_what_is_stored_is_the_decision_and_the_words_not_sentences():
    g = compose("  That sounds\nso stressful  ", er=2, ip=1, rationales={"er": ["sounds so stressful"]})
    assert g == {
        "version": 2,
        "pause": False,
        "blocker": None,
        "worked": {
            "code": "named_feeling",
            "mechanism": "er",
            "quote": "That sounds so stressful",
            "persona": "Maya",
            "emotion": "nervousness",
        },
        "try_next": {"code": "ask_open_question", "persona": "Maya", "emotion": "nervousness", "topic": None},
        "rewrite": {
            "code": "ask_open_question",
            "text": "That sounds so stressful",
            "emotion": "nervousness",
            "topic": None,
        },
        "weakest": "ex",
        "persona_emotion": "nervousness",
    }


def test_a_pause_stores_no_coaching_and_no_card_text():
    g = compose("I don't want to be here anymore", er=2, safety="concern")
    assert g == {
        "version": 2,
        "pause": True,
        "worked": None,
        "blocker": None,
        "try_next": None,
        "rewrite": None,
        "weakest": None,
        "persona_emotion": None,
    }


def test_a_reply_that_only_blocks_is_named_kindly_with_its_own_words_and_never_praised():
    text = "Just get over it, everyone feels lonely when they move. It's not a big deal."
    g = shown(text, blocker=("dismissive", "It's not a big deal"))
    assert g["worked"] is None  # no praise at all, not even "you kept the conversation going"
    assert g["blocker"] == {
        "name": "dismissive",
        "text": "‘It's not a big deal’ can make Maya feel their worry is being brushed aside.",
    }
    # "you sound really {adjective}", as the adjectives are written: "that sounds really let down" was not English.
    assert g["try_next"] == "Before any perspective, name what Maya feels, like “you sound really anxious”."
    # The rewrite takes the blocker out and puts the missing move in its place.
    assert "not a big deal" not in g["rewrite"] and g["rewrite"].startswith("You sound really anxious")


def test_a_reply_with_empathy_and_a_blocker_gets_both_the_praise_and_the_blocker():
    text = "I'm so sorry, that sounds exhausting. You should talk to your manager."
    g = shown(
        text,
        er=2,
        rationales={"er": ["I'm so sorry"]},
        blocker=("advice", "You should talk to your manager"),
    )
    assert g["worked"] == "You met Maya's feelings with warmth: ‘I'm so sorry’."
    assert g["blocker"]["name"] == "advice" and "‘You should talk to your manager’" in g["blocker"]["text"]
    assert "manager" not in g["rewrite"]


def test_without_blockers_from_the_scorer_guidance_reads_as_before():
    g = shown("That sounds so stressful.", er=2, rationales={"er": ["sounds so stressful"]})
    assert g["blocker"] is None and g["worked"].startswith("You met Maya's feelings with warmth")


def test_a_reply_with_no_empathy_gets_no_praise_even_without_a_blocker():
    g = shown("Okay.")
    assert g["worked"] is None and g["blocker"] is None
    assert g["try_next"]  # the next step is still offered


def test_a_reply_that_only_blocks_keeps_none_of_its_words_in_the_rewrite():
    text = "Honestly loads of people go through this when they move, it's normal. You'll settle in."
    g = shown(text, blocker=("false_reassurance", "You'll settle in."))
    # The rest of it minimises too: the rewrite starts afresh with a feeling and a question.
    assert g["rewrite"] == "You sound really anxious, and I'm sorry. What's been the hardest part of all this?"


def test_the_rewrite_never_says_sorry_twice_nor_ends_in_two_stops():
    text = "I'm sorry it isn't getting easier. Have you tried Meetup? You should just pick one event."
    g = shown(
        text,
        er=1,
        rationales={"er": ["I'm sorry it isn't getting easier"]},
        blocker=("advice", "Have you tried Meetup? You should just pick one event."),
    )
    assert g["rewrite"].count("sorry") == 1 and ".." not in g["rewrite"]


def test_long_quotes_are_cut_between_words():
    long = "That quiet on a Sunday evening sounds so heavy, especially when you grew up with your sister dropping by"
    g = shown(long, ip=2, rationales={"ip": [long]})
    quoted = g["worked"].split("‘")[1].split("’")[0]
    assert quoted.endswith("…") and quoted[:-1].split()[-1] in long.split()


def test_the_rewrite_keeps_the_learners_own_ellipsis():
    """'...' is the learner's pause, not a stray stop: it once came out as 'Saturday. no wonder'."""
    from courses.practice.guidance import without_phrase

    text = "Four months and still on your own every Saturday... no wonder it's getting to you."
    assert without_phrase(text, None) == text
    assert without_phrase("ugh. . that's rough... really", "ugh.") == "That's rough... really"


def test_the_example_question_borrows_no_noun_from_the_persona():
    """A noun lifted from the persona's message read as nonsense in a walkthrough ("What's been the
    hardest part of the door?", "…about the grade?" right after "it's not even the grade"): the
    question asks about "all this", whatever the persona said."""
    g = compose("That sounds so frustrating.", er=2, rationales={"er": ["sounds so frustrating"]})
    assert g["try_next"] is not None and g["try_next"]["topic"] is None
    assert all(r["topic"] is None for r in [g["rewrite"]] if r is not None)
    assert "all this" in guidance_render(g)["try_next"]


def test_the_next_step_never_asks_for_a_feeling_the_model_thinks_was_named():
    """A walkthrough: "ugh, that sounds so lonely" was shown ER 0 (the model at .7 for ER 1, under the
    cautious threshold) and told to name the feeling. Praise waits for a confident level; the next
    step goes by the likelier one."""
    text = "ugh, that sounds so lonely"
    analysis = analysis_build(text=text)
    analysis["empathy"]["er"]["probs"] = [0.3, 0.7, 0.0]
    g = guidance_compose(text=text, analysis=analysis, persona_name="Maya Chen", persona_emotions=FEELINGS)
    assert g["worked"] is None  # nothing shown, nothing praised
    assert g["weakest"] != "er" and g["try_next"]["code"] != "name_feeling"
    plain = guidance_compose(
        text=text, analysis=analysis_build(text=text), persona_name="Maya Chen", persona_emotions=FEELINGS
    )
    assert plain["try_next"]["code"] == "name_feeling"  # with the model sure of no feeling, it is asked for


def test_a_bare_token_is_not_kept_in_the_rewrite():
    """A walkthrough's "k" became "You sound really let down, and I'm sorry. K."."""
    for token in ("k", "Right.", "ok thanks", "hmm"):
        g = shown(token)
        assert g["rewrite"] == "You sound really anxious, and I'm sorry. What's been the hardest part of all this?", (
            token
        )
    assert "Right, that sounds hard." in shown("Right, that sounds hard.", er=0, ip=1)["rewrite"]
