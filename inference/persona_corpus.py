"""The persona-dialogue corpus (issue #13): persona cards and the conversations written for them.

Files under `inference/data/persona/`: `scenarios/<slug>.json` is one persona card (who they are,
facts a learner may ask about, the authored replies that guide them) and `dialogues/<slug>.jsonl`
holds that persona's conversations, one per line. The trainer of the generative persona reads
them through `load_corpus`; `python -m inference.persona_corpus` checks them and prints counts.

The checks are the ones a reviewer of the corpus would make by hand: every persona turn answers
a learner turn, stays in the first person without an assistant's phrases, never repeats itself
within a conversation, and a persona answers a factual question only with a fact on its card.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data" / "persona"

SETTINGS = ("healthcare", "education", "customer_service", "workplace", "peer_support", "family")
SPLITS = ("train", "dev")
# What a learner turn does, as the writer meant it: the guide's mechanisms, its seven blockers,
# a factual question, small talk and the learner ending the conversation.
MOVES = frozenset(
    {
        "er",
        "ip",
        "ex",
        "factual_question",
        "dismissive",
        "advice",
        "closed_question",
        "self_focus",
        "judging",
        "false_reassurance",
        "deflection",
        "small_talk",
        "wrap_up",
    }
)
# When an authored reply fits, in the words of the scripted engine's conditions.
REPLY_WHEN = frozenset(
    {
        "dismissive",
        "no_empathy",
        "factual_question",
        "exploration",
        "reaction",
        "interpretation",
        "later_turn",
        "closing",
        "fallback",
    }
)
ENDINGS = frozenset({"wrap_up", "max_turns", "open"})
MIN_PERSONA_TURNS, MAX_PERSONA_TURNS = 6, 10

# Phrases that give away an assistant rather than a person in the situation.
ASSISTANT_PHRASES = re.compile(
    r"\b(?:as an ai|language model|i'?m here to help|how can i (?:help|assist)|here are some|"
    r"it'?s important to|i (?:would|'d) recommend|you (?:should|might want to) consider|"
    r"i understand your (?:concern|frustration)s?|feel free to|i hope this helps)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AuthoredReply:
    when: str
    text: str


@dataclass(frozen=True)
class PersonaCard:
    slug: str
    setting: str
    split: str
    demo: bool
    persona_name: str
    persona_bio: str
    situation: str
    opening_line: str
    starting_emotions: dict[str, float]
    facts: dict[str, str]
    voice: str
    authored_replies: tuple[AuthoredReply, ...]


@dataclass(frozen=True)
class DialogueTurn:
    role: str  # "persona" or "learner"
    text: str
    moves: tuple[str, ...] = ()  # learner turns
    feelings: dict[str, float] | None = None  # persona turns after the opening
    guidance: str = ""  # persona turns: the authored reply that fits best
    answers_fact: str | None = None  # persona turns: the card's fact this line answers


@dataclass(frozen=True)
class Dialogue:
    id: str
    scenario: str
    ending: str
    turns: tuple[DialogueTurn, ...]

    @property
    def persona_replies(self) -> int:
        """Persona turns that answer a learner (the opening line is not one)."""
        return sum(1 for t in self.turns[1:] if t.role == "persona")


@dataclass(frozen=True)
class Corpus:
    cards: dict[str, PersonaCard]
    dialogues: tuple[Dialogue, ...]

    def split(self, name: str) -> list[Dialogue]:
        return [d for d in self.dialogues if self.cards[d.scenario].split == name]


class CorpusError(ValueError):
    pass


def _card(path: Path) -> PersonaCard:
    raw = json.loads(path.read_text(encoding="utf-8"))
    try:
        card = PersonaCard(
            slug=raw["slug"],
            setting=raw["setting"],
            split=raw["split"],
            demo=bool(raw.get("demo", False)),
            persona_name=raw["persona_name"],
            persona_bio=raw["persona_bio"],
            situation=raw["situation"],
            opening_line=raw["opening_line"],
            starting_emotions={str(k): float(v) for k, v in raw["starting_emotions"].items()},
            facts={str(k): str(v) for k, v in raw["facts"].items()},
            voice=raw.get("voice", ""),
            authored_replies=tuple(AuthoredReply(r["when"], r["text"]) for r in raw["authored_replies"]),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise CorpusError(f"{path.name}: missing or malformed field {exc}") from exc
    if card.slug != path.stem:
        raise CorpusError(f"{path.name}: slug {card.slug!r} differs from the file name")
    return card


def _turn(raw: dict[str, object], where: str) -> DialogueTurn:
    role, text = raw.get("role"), raw.get("text")
    if role not in ("persona", "learner") or not isinstance(text, str) or not text.strip():
        raise CorpusError(f"{where}: a turn needs role persona|learner and a text")
    moves = raw.get("moves") or ()
    feelings = raw.get("feelings")
    answers = raw.get("answers_fact")
    guidance = raw.get("guidance") or ""
    if not isinstance(moves, list | tuple) or not isinstance(guidance, str):
        raise CorpusError(f"{where}: moves must be a list and guidance a text")
    if feelings is not None and not isinstance(feelings, dict):
        raise CorpusError(f"{where}: feelings must map emotion to intensity")
    return DialogueTurn(
        role=role,
        text=text.strip(),
        moves=tuple(str(m) for m in moves),
        feelings={str(k): float(v) for k, v in feelings.items()} if feelings else None,
        guidance=guidance,
        answers_fact=str(answers) if answers else None,
    )


def _dialogues(path: Path) -> list[Dialogue]:
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{where}: not JSON ({exc.msg})") from exc
        turns = tuple(_turn(t, f"{where} turn {i}") for i, t in enumerate(raw.get("turns", [])))
        out.append(
            Dialogue(
                id=str(raw.get("id", "")),
                scenario=str(raw.get("scenario", "")),
                ending=str(raw.get("ending", "")),
                turns=turns,
            )
        )
    return out


def load_cards(data_dir: Path = DATA_DIR) -> dict[str, PersonaCard]:
    """The persona cards by slug, without the conversations."""
    return {c.slug: c for c in (_card(p) for p in sorted((data_dir / "scenarios").glob("*.json")))}


def load_corpus(data_dir: Path = DATA_DIR) -> Corpus:
    cards = load_cards(data_dir)
    dialogues: list[Dialogue] = []
    for path in sorted((data_dir / "dialogues").glob("*.jsonl")):
        dialogues.extend(_dialogues(path))
    return Corpus(cards=cards, dialogues=tuple(dialogues))


def _normalised(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]+", "", text.lower()).strip()


def problems(corpus: Corpus) -> list[str]:
    """Everything that breaks the corpus' rules, one line each (empty when it is sound)."""
    found: list[str] = []
    for card in corpus.cards.values():
        if card.setting not in SETTINGS:
            found.append(f"{card.slug}: setting {card.setting!r} is not one of {SETTINGS}")
        if card.split not in SPLITS:
            found.append(f"{card.slug}: split {card.split!r} is not train or dev")
        if len(card.facts) < 8:
            found.append(f"{card.slug}: {len(card.facts)} facts; a card needs at least 8")
        whens = {r.when for r in card.authored_replies}
        if whens - REPLY_WHEN:
            found.append(f"{card.slug}: unknown authored reply conditions {sorted(whens - REPLY_WHEN)}")
        if len(card.authored_replies) < 8:
            found.append(f"{card.slug}: {len(card.authored_replies)} authored replies; at least 8")
    seen_ids: set[str] = set()
    for d in corpus.dialogues:
        where = d.id or "(no id)"
        if d.id in seen_ids:
            found.append(f"{where}: the id is used twice")
        seen_ids.add(d.id)
        known = corpus.cards.get(d.scenario)
        if known is None:
            found.append(f"{where}: no card for scenario {d.scenario!r}")
            continue
        card = known
        if d.ending not in ENDINGS:
            found.append(f"{where}: ending {d.ending!r} is not one of {sorted(ENDINGS)}")
        if not d.turns or d.turns[0].role != "persona" or d.turns[0].text != card.opening_line:
            found.append(f"{where}: the first turn must be the card's opening line")
        for i, (a, b) in enumerate(zip(d.turns, d.turns[1:], strict=False)):
            if a.role == b.role:
                found.append(f"{where}: turns {i} and {i + 1} are both {a.role}")
        if d.turns and d.turns[-1].role != "persona":
            found.append(f"{where}: the conversation must end on the persona")
        if not MIN_PERSONA_TURNS <= d.persona_replies <= MAX_PERSONA_TURNS:
            found.append(f"{where}: {d.persona_replies} persona replies; 6 to 10 are wanted")
        said: set[str] = set()
        for i, t in enumerate(d.turns):
            if t.role == "learner":
                if not t.moves or set(t.moves) - MOVES:
                    found.append(f"{where} turn {i}: moves {list(t.moves)} must be a non-empty subset of MOVES")
                continue
            if i == 0:
                continue
            if ASSISTANT_PHRASES.search(t.text):
                found.append(f"{where} turn {i}: an assistant's phrase: {t.text[:60]!r}")
            key = _normalised(t.text)
            if key in said:
                found.append(f"{where} turn {i}: the persona repeats itself: {t.text[:60]!r}")
            said.add(key)
            if not t.feelings:
                found.append(f"{where} turn {i}: a persona turn needs its feelings")
            if t.answers_fact and t.answers_fact not in card.facts:
                found.append(f"{where} turn {i}: answers_fact {t.answers_fact!r} is not on the card")
            previous = d.turns[i - 1]
            if "factual_question" in previous.moves and not t.answers_fact:
                found.append(f"{where} turn {i}: a factual question left without answers_fact")
    return found


def counts(corpus: Corpus) -> dict[str, object]:
    per_split: Counter[str] = Counter()
    per_setting: Counter[str] = Counter()
    persona_turns = 0
    for d in corpus.dialogues:
        card = corpus.cards[d.scenario]
        per_split[card.split] += d.persona_replies
        per_setting[card.setting] += d.persona_replies
        persona_turns += d.persona_replies
    return {
        "scenarios": len(corpus.cards),
        "dialogues": len(corpus.dialogues),
        "persona_turns": persona_turns,
        "persona_turns_by_split": dict(per_split),
        "persona_turns_by_setting": dict(per_setting),
    }


def main(argv: list[str]) -> int:
    corpus = load_corpus(Path(argv[0]) if argv else DATA_DIR)
    found = problems(corpus)
    for line in found:
        print(line)
    print(json.dumps(counts(corpus)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
