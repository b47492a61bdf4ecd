"""Guards on the risk classifier's flags (``inference.safety_guards``): text that is plainly an idiom, a
past the writer says is over, a denial or someone else's worry sets aside a flag by which the classifier
would raise the rules' level, and never a finding of the rules. Lines in the tests' own words, none copied from the data."""

from __future__ import annotations

import pytest

from inference.safety import guarded, normalise, screen_text
from inference.safety_guards import guard
from inference.schema import RiskReading


def reading(level: str) -> RiskReading:
    """A classifier reading that flags the text, as a confidently wrong classifier would."""
    probs = (
        {"none": 0.02, "concern": 0.08, "crisis": 0.9}
        if level == "crisis"
        else {"none": 0.1, "concern": 0.85, "crisis": 0.05}
    )
    return {"level": level, "probs": probs, "harmless": False, "certain": False, "words": ["word"]}  # type: ignore[typeddict-item]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("this printer is killing me, third jam today", "idiom"),
        ("the plot twist scared me to death", "idiom"),
        ("i'd kill for a nap right now", "idiom"),
        ("dead on my feet after the wedding", "idiom"),
        ("my sister is going to kill me, i lost her charger", "idiom"),
        ("i cut my hair myself and regret it", "idiom"),
        ("ten years ago i was self harming. i've been clean since and i'm doing well", "past_recovered"),
        ("i used to think about dying a lot at uni, these days i'm in a good place", "past_recovered"),
        ("i'm not suicidal, just worn out from the move", "denial"),
        ("no thoughts of harming myself, just a rubbish week", "denial"),
        ("my friend keeps saying she wants to die, how do i help her?", "third_person"),
        ("my dad has stopped eating and i'm worried, what should i say to him", "third_person"),
        ("typed before connecting", "plain"),
        ("I waited all morning.", "plain"),
        # A learner's promise to act on the persona's matter, read as a plan with a time by the classifier.
        ("no problem, i'll chase the warehouse for you first thing tomorrow", "helper_promise"),
        ("Leave it with me — I'll ring the surgery tonight and call you back.", "helper_promise"),
        ("I'm going to put this right for you, I promise.", "helper_promise"),
        ("I've logged it and we will update you by Friday.", "helper_promise"),
    ],
)
def test_each_kind_of_guard_reads_its_text(text, kind):
    assert guard(normalise(text)) == kind
    result = screen_text(text, risk=reading("crisis"))
    if kind == "denial":
        # The classifier's crisis is set aside; what the rules found on their own stands.
        assert result["level"] == screen_text(text)["level"] != "crisis", result
    else:
        # An idiom, a past that is over or a friend's risk: the classifier's crisis is set aside, and
        # so are the rules' findings that are past or ambiguous by nature (``Rule.needs_model``).
        assert result["level"] == "none", result


@pytest.mark.parametrize(
    "text",
    [
        # Idioms meant literally, a denial taken back, a past that is back, one's own risk beside a friend's.
        "everyone says exams are killing them, i'd honestly be glad if this one did",
        "work is killing me, i can't eat or sleep anymore",
        "i'm not suicidal, i just want to stop existing",
        "i told them i'm not suicidal but i lied, i have a plan",
        "years ago i tried to end it, i've been well, but lately the thoughts are back",
        "i used to self harm and i'm doing well but i cut again tonight",
        "my friend said she wants to die and i want to die too",
        "been saving my mum's sleeping pills for weeks",
        "left a letter for my brother on the table. he'll find it in the morning",
        "he's outside the door and he says he'll kill me",
        "i want to crawl into a hole and never come out, i've got the tablets ready",
        # Short lines that carry a whole crisis in a few words are not plain.
        "friday. i've picked friday",
        "i'm done. bye everyone",
        "had enough of everything",
        "see you all never",
        "tonight is the night",
        # Errands that are a farewell, a plan or one's own risk, dressed as a promise.
        "i'll sort out the bills tonight so nobody has to deal with it after",
        "I'll make sure you're looked after when I'm gone",
        "let me just sort my things out tonight and then it's done",
        "i'm going to sort everything out tonight",
        "if it's cancer i'm not having treatment, i'll take care of it myself",
        "i don't think i can fix this, i don't think anyone can",
        "i'll handle it tonight with the pills i saved",
    ],
)
def test_no_guard_reads_a_look_alike_risk_as_harmless(text):
    assert guard(normalise(text)) is None
    assert screen_text(text, risk=reading("crisis"))["level"] == "crisis"


def test_a_guard_never_sets_aside_a_present_first_person_finding_of_the_rules():
    # The rules read a present wish to die in it; the past marker elsewhere does not matter, and
    # neither does a classifier that reads it as none.
    text = "i used to be fine and i'm doing well at work, but i want to kill myself"
    assert guard(normalise(text)) == "past_recovered"  # the guard alone would misread it
    assert screen_text(text)["level"] == "crisis"
    assert screen_text(text, risk=reading("crisis"))["level"] == "crisis"
    assert screen_text(text, risk=NONE_READING)["level"] == "crisis"


NONE_READING: RiskReading = {
    "level": "none",
    "probs": {"none": 0.9, "concern": 0.05, "crisis": 0.05},
    "harmless": False,
    "certain": False,
    "words": [],
}


@pytest.mark.parametrize(
    "text",
    [
        # Rules that are ambiguous by nature (``Rule.needs_model``): everyday senses, someone else's risk.
        "i'd jump off a cliff for a decent curry right now",
        "cut myself off from the news this week, feeling calmer",
        "i swear my printer is trying to kill me, second paper cut today",
        "i want to vanish every time i think of that speech",
        "my cousin has been self harming again",
        # A finding the rules read as past.
        "back in uni i wanted to die most days",
    ],
)
def test_an_ambiguous_or_past_finding_needs_the_classifiers_agreement(text):
    assert screen_text(text)["level"] != "none"  # the rules alone flag it, as before
    assert screen_text(text, risk=NONE_READING)["level"] == "none"
    assert screen_text(text, risk=reading("concern"))["level"] != "none"  # with its agreement it stands


@pytest.mark.parametrize(
    "text",
    [
        "i want to kill myself",
        "i've been saving my pills and i have enough now",
        "i'm going to cut tonight",
        "he hits me when he's drunk",
        "everyone would be better off without me",
        "i'm going to kill him when he gets home",
    ],
)
def test_known_present_phrasings_stand_against_a_classifier_that_reads_none(text):
    assert screen_text(text, risk=NONE_READING)["level"] == screen_text(text)["level"] == "crisis"


def test_guards_read_only_chat_length_text():
    long_post = "I'm not suicidal, just tired. " + "The week was long and the trains were late. " * 10
    assert guard(normalise(long_post)) is None


def test_the_trainer_sees_the_guards_as_the_screen_serves_them():
    assert guarded("the suspense is killing me, just tell me")
    assert not guarded("i've got the pills counted out for tonight")
    assert not guarded("这次考试要了我的命")  # Chinese: the guards are English only


@pytest.mark.parametrize(
    "text",
    [
        # Written in a walkthrough of the customer-service scenario; each paused practice with a crisis card.
        "I'll sort this out for you today.",
        "Let me get this fixed right away.",
        "I'm going to make this right.",
        "Leave it with me, I'll handle it tonight.",
        "I've made a note and I'll follow up tomorrow morning.",
        "let me look into it for you right now",
        # From a later walkthrough, paused in two scenarios before "myself" was read in its clause.
        "I'll sort out a new appointment for you today, and I'll ring you myself before 6 tonight to confirm it.",
    ],
)
def test_a_learners_promise_to_help_does_not_pause_practice(committed_models, text):
    from inference.analysis import safety_screen

    (result,) = safety_screen([text])
    assert result["level"] == "none", result
