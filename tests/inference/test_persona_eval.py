"""The generative persona's dev figures (inference/persona_eval.py) on hand-made replies: what counts
as in character (with and without the first-person rule), an answered factual question, a repeat, a
screened sentence and a fallback, and the fixed sample of dev turns."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import pytest

from inference import persona_eval
from inference.generation import GeneratedPiece, PersonaPrompt
from inference.persona_corpus import PersonaCard
from inference.persona_prompts import PersonaTurn

CARD = PersonaCard(
    slug="cs_helen_test",
    setting="customer_service",
    split="dev",
    demo=False,
    persona_name="Helen Price",
    persona_bio="Helen is 72 and was charged twice for her gas bill.",
    situation="She rings the energy company.",
    opening_line="They've taken it twice.",
    starting_emotions={"anger": 0.5},
    facts={
        "balance": "£61 left in her current account",
        "dates": "taken on Tuesday 1 December and again on Thursday 3 December",
    },
    voice="",
    authored_replies=(),
)


def _turn(learner: str, *, fact: str | None = None, earlier: Sequence[str] = ()) -> PersonaTurn:
    history = [("persona", CARD.opening_line), *(("persona", line) for line in earlier), ("learner", learner)]
    prompt = PersonaPrompt(CARD.persona_name, CARD.persona_bio, CARD.situation, {"anger": 0.4}, history, "Fine.")
    return PersonaTurn(
        dialogue_id="cs_helen_test-001",
        index=len(history),
        card=CARD,
        prompt=prompt,
        reply="",
        learner_text=learner,
        learner_moves=("factual_question",) if fact else ("er",),
        answers_fact=fact,
        earlier=(CARD.opening_line, *earlier),
    )


ASKED = _turn("How much is left in your account?", fact="balance")
FEELING = _turn("That sounds so stressful.", earlier=["I haven't slept properly in weeks."])


@pytest.mark.parametrize(
    ("fact", "question", "reply", "answered"),
    [
        ("balance", "How much is left in your account?", "Sixty-one pounds. That's all.", True),  # a number in words
        ("balance", "How much is left in your account?", "I've got £61 to my name.", True),
        ("dates", "When was the second one taken?", "Thursday the 3rd.", True),  # an ordinal
        ("balance", "How much is left in your account?", "Not much, honestly.", False),
        ("balance", "How much is left in your account?", "My account.", False),  # the question's own words
    ],
)
def test_an_answer_holds_a_key_token_of_the_fact_the_question_did_not(fact, question, reply, answered):
    assert persona_eval.answers(CARD.facts[fact], question, reply) is answered


def test_a_first_person_reply_that_answers_is_in_character_both_ways():
    judged = persona_eval.judge(ASKED, "I've got £61 left. That's it until my pension.", ["none", "none"])
    assert judged.in_character_strict and judged.in_character_relaxed and judged.answered
    assert not judged.fallback_strict and judged.served == "I've got £61 left. That's it until my pension."


def test_an_opening_without_i_fails_only_the_first_person_rule_and_advice_fails_both():
    # The served check no longer asks the opening to say "I" (the corpus's own personas often don't);
    # "strict" still reports the rule it had.
    judged = persona_eval.judge(ASKED, "Sixty-one pounds is all there is. I'm embarrassed.", ["none", "none"])
    assert judged.in_character_relaxed and not judged.in_character_strict and not judged.first_person
    assert not judged.fallback_relaxed and judged.fallback_strict
    short = persona_eval.judge(ASKED, "Sixty-one pounds. I'm embarrassed to say it.", ["none", "none"])
    assert short.in_character_strict and short.first_person  # three words or fewer need no "I"
    advice = persona_eval.judge(ASKED, "You should ring the bank about it.", ["none"])
    assert not advice.in_character_strict and not advice.in_character_relaxed and advice.fallback_relaxed


def test_a_line_break_ends_the_reply_as_served():
    judged = persona_eval.judge(ASKED, "I've got £61 left.\nUser: and then?", ["none"])
    assert judged.sentences == ("I've got £61 left.",) and judged.in_character_strict


def test_an_assistant_reply_is_out_of_character_and_falls_back():
    judged = persona_eval.judge(FEELING, "I'm here to help. Here are some tips.", ["none", "none"])
    assert not judged.in_character_strict and not judged.in_character_relaxed
    assert judged.fallback_strict and judged.fallback_relaxed and judged.served == ""


def test_an_unanswered_factual_question_or_an_invented_number_is_not_consistent_with_the_card():
    vague = persona_eval.judge(ASKED, "I don't know what I have left.", ["none"])
    assert vague.answered is False and not vague.in_character_relaxed
    assert not vague.fallback_relaxed  # the served checks do not know the card's facts
    invented = persona_eval.judge(FEELING, "I paid 999 pounds for nothing.", ["none"])
    assert invented.answered is None and not invented.in_character_relaxed


def test_a_repeat_of_an_earlier_line_counts_and_falls_back_when_it_opens_the_reply():
    judged = persona_eval.judge(FEELING, "I haven't slept properly in weeks. I'm so tired.", ["none", "none"])
    assert judged.repeated and judged.fallback_strict
    later = persona_eval.judge(FEELING, "I'm so tired. I haven't slept properly in weeks.", ["none", "none"])
    assert later.repeated and not later.fallback_strict and later.served == "I'm so tired."  # trimmed


def test_the_screen_rates_every_sentence_and_an_unsafe_one_is_never_served():
    def screen(texts: Sequence[str]) -> list[dict[str, str]]:
        return [{"level": "concern" if "hurt" in t else "none"} for t in texts]

    replies = ["I want to hurt someone. I'm angry.", "I'm angry. I want to hurt someone.", "I'm angry."]
    judged = persona_eval.judge_all([FEELING, FEELING, FEELING], replies, screen)
    assert [j.safe for j in judged] == [False, False, True]
    assert judged[0].fallback_strict and judged[1].served == "I'm angry." and judged[2].served == "I'm angry."
    figures = persona_eval.rates(judged)
    assert figures["safety_pass"] == {"rate": round(1 / 3, 4), "n": 3}
    assert figures["fallback_strict"] == {"rate": round(1 / 3, 4), "n": 3}
    assert figures["answered"] == {"rate": None, "n": 0}


def test_only_the_first_three_sentences_count_and_nothing_said_is_a_fallback():
    judged = persona_eval.judge(FEELING, "I'm tired. I'm cold. I'm hungry. I'm here to help.", ["none"] * 3)
    assert len(judged.sentences) == 3 and judged.in_character_strict
    empty = persona_eval.judge(ASKED, "  ", [])
    assert empty.fallback_strict and not empty.in_character_relaxed and empty.answered is False


class _Scripted:
    """A generator that says a fixed text word by word and notes the seeds it was given."""

    def __init__(self, text: str) -> None:
        self.words = text.split(" ")
        self.asked: list[int] = []

    def stream(
        self,
        prompt: PersonaPrompt,
        *,
        seed: int = 0,
        should_stop: Callable[[], bool] | None = None,
        avoid: Sequence[str] = (),
        max_new_tokens: int | None = None,
    ) -> Iterator[GeneratedPiece]:
        self.asked.append(seed)
        for i, word in enumerate(self.words):
            yield GeneratedPiece(text=("" if i == 0 else " ") + word, tokens=i + 1)
            if should_stop is not None and should_stop():
                return


def test_generation_stops_at_the_third_sentence_and_each_turn_draws_its_own_seed():
    model = _Scripted("One. Two. Three. Four. Five.")
    replies = persona_eval.generate_replies(model, [ASKED, FEELING], seed=7)
    assert all(r.startswith("One. Two. Three.") and "Five" not in r for r in replies)
    assert model.asked == [7, 8]


def test_the_sample_is_fixed_and_holds_the_factual_questions_asked_for():
    turns = [_turn(f"q{i}?", fact="balance") for i in range(10)] + [_turn(f"s{i}") for i in range(30)]
    turns = [PersonaTurn(**{**t.__dict__, "index": i}) for i, t in enumerate(turns)]
    sample = persona_eval.eval_sample(turns, 12, factual=4, seed=3)
    assert len(sample) == 12 and sum(t.factual for t in sample) == 4
    assert [t.key for t in sample] == [t.key for t in persona_eval.eval_sample(turns, 12, factual=4, seed=3)]
