"""The corpus's persona turns as the server would prompt for them (issue #13).

Plain Python (no torch, no Django). The generation worker builds an
`inference.generation.PersonaPrompt` from the scenario and the saved turns
(`courses.selectors.practice_worker.reply_to_generate`); this module fills the same fields from a
corpus card and a conversation, so the LoRA trainer learns from, and the evaluation judges, exactly
the prompt a learner's turn gets:

- name, bio and situation: the card's (a demo scenario's card is the scenario, see the corpus test);
- history: every turn before the reply, the card's opening line included, learner as "learner";
- feelings: the feelings the corpus gives the reply itself. The server passes the persona turn's
  `persona_state`, which is the state after the learner's turn (the scripted engine's update, then
  blended with the authored line's reading): how the persona feels as it answers, which is what a
  writer labelled on the reply, not the previous reply's feelings;
- guidance: the authored reply the writer marked as the best fit (what the scripted engine says).

- facts: the card's facts, stated in the system prompt by `inference.persona_facts.facts_text`, the
  function that states a scenario's `persona_facts` in the served prompt (the demo scenarios' are
  their cards', written by seed_demo). The evaluation also uses them to judge whether a reply
  answered a factual question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from inference.generation import PersonaPrompt, Speaker
from inference.persona_corpus import Corpus, Dialogue, PersonaCard

FACTUAL_QUESTION = "factual_question"


@dataclass(frozen=True)
class PersonaTurn:
    """One persona reply of the corpus with the prompt the server would give for it."""

    dialogue_id: str
    index: int  # the reply's position in its conversation
    card: PersonaCard
    prompt: PersonaPrompt
    reply: str  # what the writer had the persona say
    learner_text: str  # the turn it answers
    learner_moves: tuple[str, ...]
    answers_fact: str | None  # the card's fact the reply answers, for a factual question
    earlier: tuple[str, ...]  # the persona's earlier lines (the repetition check's reference)

    @property
    def key(self) -> str:
        return f"{self.dialogue_id}#{self.index}"

    @property
    def factual(self) -> bool:
        """A factual question the corpus answers with a fact on the card."""
        return FACTUAL_QUESTION in self.learner_moves and self.answers_fact is not None

    @property
    def fact(self) -> str:
        return self.card.facts.get(self.answers_fact or "", "")


def persona_prompt(
    card: PersonaCard, before: Sequence[tuple[Speaker, str]], *, feelings: dict[str, float], guidance: str
) -> PersonaPrompt:
    """The served prompt's fields from a corpus card and the conversation before the reply."""
    return PersonaPrompt(
        persona_name=card.persona_name,
        persona_bio=card.persona_bio,
        situation=card.situation,
        feelings=dict(feelings),
        history=list(before),
        guidance=guidance,
        facts=dict(card.facts),
    )


def dialogue_turns(dialogue: Dialogue, card: PersonaCard) -> list[PersonaTurn]:
    """Every persona reply of a conversation (the opening line is not one) with its prompt."""
    out: list[PersonaTurn] = []
    history: list[tuple[Speaker, str]] = []
    for index, turn in enumerate(dialogue.turns):
        if turn.role == "persona" and index > 0 and history and history[-1][0] == "learner":
            learner = dialogue.turns[index - 1]
            out.append(
                PersonaTurn(
                    dialogue_id=dialogue.id,
                    index=index,
                    card=card,
                    prompt=persona_prompt(card, history, feelings=turn.feelings or {}, guidance=turn.guidance),
                    reply=turn.text,
                    learner_text=learner.text,
                    learner_moves=learner.moves,
                    answers_fact=turn.answers_fact,
                    earlier=tuple(text for speaker, text in history if speaker == "persona"),
                )
            )
        history.append(("persona" if turn.role == "persona" else "learner", turn.text))
    return out


def split_turns(corpus: Corpus, split: str) -> list[PersonaTurn]:
    """The persona replies of a split's conversations, in corpus order."""
    return [t for d in corpus.split(split) for t in dialogue_turns(d, corpus.cards[d.scenario])]
