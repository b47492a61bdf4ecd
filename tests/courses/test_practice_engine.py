"""The scripted persona engine: conditions, ranking, tie-breaks, no repeats, closing."""

from __future__ import annotations

from courses.models import PersonaReply, Scenario
from courses.practice.engine import (
    FALLBACK_CLOSING,
    ScriptedEngine,
    TurnFacts,
    engine_for,
    reply_fits,
    reply_specificity,
)
from tests.factories import analysis_build

SCENARIO = Scenario(persona_name="Dana Reyes", engine=Scenario.Engine.SCRIPTED, max_turns=6)


def reply(pk: int, text: str, **conditions) -> PersonaReply:
    return PersonaReply(pk=pk, text=text, **conditions)


def facts(
    text: str = "I see.", *, turn: int = 1, used=(), last_turn=False, wrap_up=False, said="", **analysis
) -> TurnFacts:
    return TurnFacts(
        text=text,
        analysis=analysis_build(**analysis),
        turn_number=turn,
        last_turn=last_turn,
        wrap_up=wrap_up,
        used_reply_ids=frozenset(used),
        said=said,
    )


def choose(replies, f, similarity=None):
    return ScriptedEngine().choose_reply(scenario=SCENARIO, replies=replies, facts=f, similarity=similarity)


def test_level_conditions_filter_replies():
    warm = reply(1, "Thank you for hearing me.", min_er=1)
    cold = reply(2, "You're not listening.", max_er=0, max_ip=0, max_ex=0)
    assert choose([warm, cold], facts(er=2)).text == "Thank you for hearing me."
    assert choose([warm, cold], facts(er=0)).text == "You're not listening."


def test_question_and_tone_conditions():
    answers_question = reply(1, "The worst part is the waiting.", asked_question=True)
    no_question = reply(2, "So what now?", asked_question=False)
    dismissive = reply(3, "Don't tell me to calm down!", tone=PersonaReply.Tone.DISMISSIVE)
    replies = [answers_question, no_question, dismissive]
    assert choose(replies, facts("What has been hardest for you?")).text == "The worst part is the waiting."
    assert choose(replies, facts("Okay.")).text == "So what now?"
    annoyed = facts("Calm down, it's just a parcel.", labels=("annoyance",), probs={"annoyance": 0.7})
    assert reply_fits(dismissive, annoyed)
    # Both fit with one condition each; the authored order decides, priority overrides it.
    assert choose([no_question, dismissive], annoyed).text == "So what now?"
    dismissive.priority = 1
    assert choose([no_question, dismissive], annoyed).text == "Don't tell me to calm down!"
    assert not reply_fits(dismissive, facts("Okay.", labels=("caring",)))


def test_specificity_then_priority_wins():
    generic = reply(1, "Mm.")
    specific = reply(2, "Yes, exactly that.", min_er=1, min_ip=1)
    assert reply_specificity(specific) == 2
    assert choose([generic, specific], facts(er=1, ip=1)).text == "Yes, exactly that."
    low = reply(3, "Low.", min_er=1, priority=0)
    high = reply(4, "High.", min_er=1, priority=5)
    assert choose([low, high], facts(er=1)).text == "High."


def test_similarity_breaks_ties_between_equal_replies():
    parcel = reply(1, "It was my daughter's present.", min_er=1, example_learner_lines="Was it something important?")
    refund = reply(2, "I just want my money back.", min_er=1, example_learner_lines="Do you want a refund?")
    calls: list[tuple[str, list[str]]] = []

    def similarity(text: str, candidates: list[str]) -> list[float]:
        calls.append((text, candidates))
        return [0.9 if "refund" in c else 0.1 for c in candidates]

    chosen = choose([parcel, refund], facts("Would a refund help?", er=1), similarity)
    assert chosen.text == "I just want my money back."
    assert calls and calls[0][1] == ["Was it something important?", "Do you want a refund?"]


def test_no_repeat_while_another_fits_then_repeat_when_nothing_else():
    first = reply(1, "First.", priority=2)
    second = reply(2, "Second.", priority=1)
    assert choose([first, second], facts()).text == "First."
    assert choose([first, second], facts(used={1})).text == "Second."
    assert choose([first, second], facts(used={1, 2})).text == "First."


def test_turn_window():
    early = reply(1, "Early.", max_turn=2)
    late = reply(2, "Late.", min_turn=3)
    assert choose([early, late], facts(turn=1)).text == "Early."
    assert choose([early, late], facts(turn=4)).text == "Late."


def test_a_strong_turn_never_closes_the_conversation_by_itself():
    regular = reply(1, "Go on.")
    closing = reply(2, "Thanks, that helped a lot.", is_closing=True)
    open_choice = choose([regular, closing], facts(er=2, ip=2, ex=2))
    assert open_choice.text == "Go on." and not open_choice.ends_session


def test_the_persona_closes_when_the_learner_wraps_up_or_at_the_last_turn():
    regular = reply(1, "Go on.")
    closing = reply(2, "Thanks, that helped a lot.", is_closing=True)
    for f in (facts(er=2, wrap_up=True), facts(turn=6, last_turn=True, er=2)):
        done = choose([regular, closing], f)
        assert done.text == "Thanks, that helped a lot." and done.ends_session and done.reply is closing


def test_a_closing_line_mentions_only_what_was_said():
    climbing = reply(1, "I did look at a climbing group, actually.", min_turn=3)
    closing = reply(2, "I think I'll message that climbing group tonight.", is_closing=True)
    generic = reply(3, "Thank you. I feel a bit less alone.", is_closing=True)
    replies = [climbing, closing, generic]
    unsaid = choose(replies, facts(wrap_up=True, said="I moved here in spring.\nThat sounds lonely."))
    assert unsaid.text == "Thank you. I feel a bit less alone."
    said = choose(replies, facts(wrap_up=True, said="I did look at a climbing group, actually.\nGo for it!"))
    assert said.text == "I think I'll message that climbing group tonight."


def test_without_a_fitting_closing_line_the_persona_closes_plainly():
    regular = reply(1, "Go on.")
    choice = choose([regular], facts(turn=6, last_turn=True))
    assert choice.ends_session and choice.reply is None and choice.text == FALLBACK_CLOSING


def test_nothing_fits_falls_back_to_the_most_generic_reply():
    strict = reply(1, "Strict.", min_er=2, min_ip=2)
    loose = reply(2, "Loose.", min_er=2)
    assert choose([strict, loose], facts(er=0)).text == "Loose."


def test_emotion_shift_is_carried():
    shifting = reply(1, "Okay.", emotion_shift={"anger": -0.2})
    assert choose([shifting], facts()).emotion_shift == {"anger": -0.2}


def test_engine_registry_picks_scripted():
    assert isinstance(engine_for(SCENARIO), ScriptedEngine)


def test_a_reply_for_dismissive_learners_answers_a_named_blocker_not_angry_words_on_their_behalf():
    cold = reply(1, "So you think I'm overreacting.", tone=PersonaReply.Tone.DISMISSIVE)
    plain = reply(2, "Go on.")
    text = "It's not a big deal, honestly."
    blocked = TurnFacts(
        text=text,
        analysis=analysis_build(text=text, blocker=("dismissive", "It's not a big deal")),
        turn_number=1,
    )
    assert choose([cold, plain], blocked).text == "So you think I'm overreacting."
    # Passing the buck brushes them aside too (the guide's deflection).
    text = "That's not really my department, sorry."
    passed = TurnFacts(
        text=text, analysis=analysis_build(text=text, blocker=("deflection", "not really my department")), turn_number=1
    )
    assert choose([cold, plain], passed).text == "So you think I'm overreacting."
    # Anger read in a reply with empathy in it is anger on the persona's behalf.
    assert choose([cold, plain], facts("That makes me furious for you.", er=2, labels=("anger",))).text == "Go on."


def test_a_line_quoting_the_learner_answers_only_a_turn_that_said_it():
    """Daniel answered a judging turn with "'These things happen.' Right." that nobody had said."""
    quoting = reply(
        1,
        "'These things happen.' Right. They keep happening to us. I'm just tired of being told it's nobody's fault.",
        max_er=0,
    )
    plain = reply(2, "A new date. Fine. And what do I do with her until then?", max_er=0)
    replies = [quoting, plain]
    assert choose(replies, facts("Well you should have checked the letter.", er=0)).text == plain.text
    assert choose(replies, facts("these things happen, the consultant is ill", er=0)).text == quoting.text
    assert choose(replies, facts("Sorry, but this thing happens all the time.", er=0)).text == quoting.text
    # When only the quoting line fits, it is still said rather than nothing.
    assert choose([quoting], facts("Well you should have checked the letter.", er=0)).text == quoting.text
    # The persona quoting their own words is no quotation of the learner.
    own = reply(3, "When they call and ask how it's going, I say 'great'. So it feels like I'm failing.", max_er=0)
    assert choose([own, plain], facts("Well you should have checked the letter.", er=0)).text == own.text
