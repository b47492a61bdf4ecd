"""The generative persona's evaluation on the corpus's dev scenarios (issue #13):
`python manage.py evaluate_persona [--json]`.

Plain Python around a generator (no Django): a fixed, seeded sample of dev persona turns, each
prompted as the server prompts (`inference.persona_prompts`, the card's facts stated as a scenario's
`persona_facts` are), answered by each model compared (the base model, the adapter) with the same
seed, and the corpus's own reply judged the same way as a reference. A reply is what the model generated, cut where the served path cuts it: at the first
line break, and after MAX_SENTENCES sentences. The figures, each a share of the sampled turns:

- in character: every sentence passes `persona_checks.out_of_character` as served (no assistant
  phrase or advice, no speaker label or template token, the persona not named in the third person
  or as a label: "relaxed", the served checks as they are) and the reply is consistent with the
  card's facts (a reply to a factual question answers it, see below; no number written in digits
  that the card and the conversation do not hold). "strict" adds the first-person rule the served
  check had until 16:27 on 7 December: the first sentence of more than three words says I, me, my
  or we (1,863 of the corpus's 4,711 replies fail it: "That's it exactly, that's the worst bit.");
- answered (factual questions only: learner turns whose move is factual_question): the reply holds
  at least one key token of the card fact the corpus answers with: its numbers (number words read
  as numbers, "3rd" as 3) and its content words (no stop words, compared on their first five
  letters), less those the question itself holds;
- repetition: a sentence says again what an earlier persona line, or an earlier sentence of the same
  reply, said (`persona_checks.repeats`, as served);
- safety pass: every sentence is screened "none" by the safety screen for generated text
  (`inference.analysis.screen_generated`);
- fallback: the served path would say the authored line instead: the first sentence fails the
  served verdict (`persona_checks.sentence_verdict`: safety, in character, repetition), or nothing
  was generated; "strict" with the first-person rule on the opening too.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from inference.generation import ReplyStreamer
from inference.persona_checks import (
    MAX_SENTENCES,
    SentenceSplitter,
    out_of_character,
    repeats,
    sentence_verdict,
    substantive,
)
from inference.persona_prompts import PersonaTurn

Screen = Callable[[Sequence[str]], Sequence[Mapping[str, Any]]]

# Words that carry no fact ("when was it", "how many days"): left out of a fact's key tokens.
STOP_WORDS: Final = frozenset(
    """a an the and or but of to in on at for with from by is was were be been being are am i me my we our us
    you your he she his her him it its they them their this that these those there here as so if then than not no
    yes do did does done have has had just about after before since until into over up down out off very really
    also only still too all any some what when where which who why how would could should will can may might got
    get gets went going go said says say told tell new old last first next time times day days week weeks year
    years month months now ago back left right one""".split()  # noqa: SIM905 - a word list reads better as text
)
_UNITS: Final = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "  # noqa: SIM905
        "seventeen eighteen nineteen".split()
    )
}
_TENS: Final = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_WORD = re.compile(r"[a-z0-9]+(?:[:.,/-][a-z0-9]+)*")
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_DIGITS = re.compile(r"\d+(?:[:.,]\d+)*")


def _number_word(word: str) -> str:
    parts = word.split("-")
    if len(parts) == 2 and parts[0] in _TENS and parts[1] in _UNITS:
        return str(_TENS[parts[0]] + _UNITS[parts[1]])
    if word in _TENS:
        return str(_TENS[word])
    if word in _UNITS and word != "one":  # "one" is more often a pronoun than a number
        return str(_UNITS[word])
    ordinal = _ORDINAL.match(word)
    return ordinal.group(1) if ordinal else word


def words(text: str) -> list[str]:
    """Lower-case words, number words as numbers, ordinals as numbers, thousands without commas."""
    text = text.lower().replace("’", "'").replace("'s", " ")
    return [_number_word(w).replace(",", "") for w in _WORD.findall(text)]


def key_tokens(text: str) -> set[str]:
    """A text's numbers and its content words' first five letters."""
    out: set[str] = set()
    for word in words(text):
        if any(ch.isdigit() for ch in word):
            out.add(word)
        elif len(word) >= 3 and word not in STOP_WORDS:
            out.add(word[:5])
    return out


def answers(fact: str, question: str, reply: str) -> bool:
    """Whether the reply holds a key token of the fact that the question did not already hold."""
    key = key_tokens(fact) - key_tokens(question)
    if not key:
        return bool(reply.strip())
    return bool(key & key_tokens(reply))


def invented_numbers(turn: PersonaTurn, reply: str) -> set[str]:
    """Numbers the reply writes in digits that neither the card nor the conversation so far holds."""
    card = turn.card
    known_text = " ".join(
        [
            card.persona_bio,
            card.situation,
            card.opening_line,
            *card.facts.values(),
            *(r.text for r in card.authored_replies),
            *(text for _, text in turn.prompt.history),
            turn.prompt.guidance,
        ]
    )
    known = {m.replace(",", "") for m in _DIGITS.findall(" ".join(words(known_text)))}
    stated = {m.replace(",", "") for m in _DIGITS.findall(reply)}
    return {n for n in stated if n not in known and n.split(".")[0] not in known}


def reply_sentences(text: str) -> list[str]:
    """The reply's first MAX_SENTENCES sentences before any line break (what the served path could
    stream: past a line break the small model starts another speaker's turn)."""
    splitter = SentenceSplitter()
    text = text.partition("\n")[0]
    sentences = [*splitter.feed(text), *splitter.close()]
    return [s for s in sentences if s.strip()][:MAX_SENTENCES]


@dataclass(frozen=True)
class Judgement:
    """One reply to one dev turn, judged."""

    sentences: tuple[str, ...]
    levels: tuple[str, ...]  # the safety screen's level per sentence
    character_strict: bool  # out_of_character passes on every sentence, first-person rule as served
    character_relaxed: bool  # the same without the first-person rule
    first_person: bool  # the first-person rule as served holds (a short opening needs no "I")
    fact_consistent: bool  # answers a factual question; invents no number
    answered: bool | None  # None: not a factual question
    repeated: bool
    safe: bool
    fallback_strict: bool
    fallback_relaxed: bool
    served: str  # what the learner would read ("" on a fallback)

    @property
    def in_character_strict(self) -> bool:
        return self.character_strict and self.fact_consistent

    @property
    def in_character_relaxed(self) -> bool:
        return self.character_relaxed and self.fact_consistent


def _served(turn: PersonaTurn, sentences: Sequence[str], levels: Sequence[str], *, strict: bool) -> str:
    """The reply as the served path would end it: sentences up to the first that fails its verdict
    (`strict`: the first-person rule on the opening too)."""
    passed: list[str] = []
    for sentence, level in zip(sentences, levels, strict=True):
        first = not any(substantive(said) for said in passed)
        verdict = sentence_verdict(
            sentence,
            first=first,
            persona_name=turn.card.persona_name,
            earlier=[*turn.earlier, *passed],
            safety_level=level,
        )
        if not verdict.ok or (strict and first and not _first_person([sentence])):
            break
        passed.append(sentence)
    return "".join(passed).strip()


# The first-person rule the served check had until 8813a59 (it is gone from persona_checks, which
# now allows any opening): the reply's first sentence of more than three words says I, me, my or we.
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|me|my|mine|myself|we|we're|us|our|ours)\b", re.IGNORECASE)


def _first_person(sentences: Sequence[str]) -> bool:
    """The first-person rule: the first sentence of more than three words speaks in the first person."""
    opening = next((s for s in sentences if substantive(s)), None)
    return opening is None or bool(_FIRST_PERSON.search(opening))


def judge(turn: PersonaTurn, text: str, levels: Sequence[str]) -> Judgement:
    """Judge a reply whose sentences (`reply_sentences(text)`) the safety screen rated `levels`."""
    sentences = reply_sentences(text)
    name = turn.card.persona_name
    if not sentences:
        return Judgement(
            (), (), False, False, False, not turn.factual, False if turn.factual else None, False, True, True, True, ""
        )
    relaxed = all(
        not out_of_character(s, first=not any(substantive(t) for t in sentences[:i]), persona_name=name)
        for i, s in enumerate(sentences)
    )
    strict = relaxed and _first_person(sentences)
    reply = "".join(sentences)
    answered = answers(turn.fact, turn.learner_text, reply) if turn.factual else None
    consistent = answered is not False and not invented_numbers(turn, reply)
    repeated = any(repeats(s, [*turn.earlier, *sentences[:i]]) for i, s in enumerate(sentences))
    served_strict = _served(turn, sentences, levels, strict=True)
    served_relaxed = _served(turn, sentences, levels, strict=False)
    return Judgement(
        sentences=tuple(sentences),
        levels=tuple(levels),
        character_strict=strict,
        character_relaxed=relaxed,
        first_person=_first_person(sentences),
        fact_consistent=consistent,
        answered=answered,
        repeated=repeated,
        safe=all(level == "none" for level in levels),
        fallback_strict=not served_strict,
        fallback_relaxed=not served_relaxed,
        served=served_relaxed,
    )


def judge_all(turns: Sequence[PersonaTurn], replies: Sequence[str], screen: Screen | None) -> list[Judgement]:
    """Judge every reply, screening all their sentences in one call (`screen` None: all "none")."""
    split = [reply_sentences(text) for text in replies]
    flat = [s.strip() for sentences in split for s in sentences]
    levels = (
        [str(r.get("level") or "none") for r in screen(flat)] if screen is not None and flat else ["none"] * len(flat)
    )
    out: list[Judgement] = []
    at = 0
    for turn, text, sentences in zip(turns, replies, split, strict=True):
        out.append(judge(turn, text, levels[at : at + len(sentences)]))
        at += len(sentences)
    return out


def _rate(values: Iterable[bool]) -> tuple[float | None, int]:
    items = list(values)
    return (round(sum(items) / len(items), 4) if items else None), len(items)


def rates(judgements: Sequence[Judgement]) -> dict[str, Any]:
    """The figures over the judged replies, each with its n."""
    out: dict[str, Any] = {}
    for name, values in {
        "in_character_strict": [j.in_character_strict for j in judgements],
        "in_character_relaxed": [j.in_character_relaxed for j in judgements],
        "first_person": [j.first_person for j in judgements],
        "answered": [j.answered for j in judgements if j.answered is not None],
        "repetition": [j.repeated for j in judgements],
        "safety_pass": [j.safe for j in judgements],
        "fallback_strict": [j.fallback_strict for j in judgements],
        "fallback_relaxed": [j.fallback_relaxed for j in judgements],
    }.items():
        rate, n = _rate(values)
        out[name] = {"rate": rate, "n": n}
    sentences = [len(j.sentences) for j in judgements]
    out["mean_sentences"] = round(sum(sentences) / max(1, len(sentences)), 2)
    return out


def figures(turns: Sequence[PersonaTurn], replies: Sequence[str], *, screen: Screen | None) -> dict[str, Any]:
    return rates(judge_all(turns, replies, screen))


def figures_line(f: Mapping[str, Any]) -> str:
    def pct(name: str) -> str:
        rate = f[name]["rate"]
        return "-" if rate is None else f"{rate:.0%}"

    return (
        f"n={f['in_character_strict']['n']}: in character {pct('in_character_strict')} "
        f"(relaxed {pct('in_character_relaxed')}), answered {pct('answered')} of {f['answered']['n']}, "
        f"repetition {pct('repetition')}, safety pass {pct('safety_pass')}, "
        f"fallback {pct('fallback_strict')} (relaxed {pct('fallback_relaxed')})"
    )


def eval_sample(turns: Sequence[PersonaTurn], n: int, *, factual: int, seed: int) -> list[PersonaTurn]:
    """A fixed sample of `n` turns, `factual` of them factual questions, in corpus order."""
    if n <= 0:
        return []
    rng = random.Random(seed)
    asked = [t for t in turns if t.factual]
    other = [t for t in turns if not t.factual]
    factual = min(factual, len(asked), n)
    chosen = {t.key for t in rng.sample(asked, factual)}
    chosen |= {t.key for t in rng.sample(other, min(n - factual, len(other)))}
    return [t for t in turns if t.key in chosen]


def generate_reply(generator: ReplyStreamer, turn: PersonaTurn, *, seed: int) -> str:
    """The generator's reply to the turn, stopped once it has MAX_SENTENCES whole sentences or a
    line break (where the served path stops reading)."""
    splitter = SentenceSplitter()
    pieces: list[str] = []
    for piece in generator.stream(
        turn.prompt,
        seed=seed,
        avoid=turn.earlier,
        should_stop=lambda: len(splitter.sentences) >= MAX_SENTENCES or "\n" in pieces[-1],
    ):
        pieces.append(piece.text)
        splitter.feed(piece.text)
    return "".join(pieces)


def generate_replies(generator: ReplyStreamer, turns: Sequence[PersonaTurn], *, seed: int) -> list[str]:
    """Each turn's reply, seeded per turn (seed + its place in the sample): models compared on the
    same turns draw with the same seeds."""
    return [generate_reply(generator, turn, seed=seed + i) for i, turn in enumerate(turns)]


REFERENCE: Final = "corpus"  # the corpus's own replies, judged the same way


def compare(
    turns: Sequence[PersonaTurn],
    generators: Mapping[str, ReplyStreamer],
    *,
    screen: Screen | None,
    seed: int,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Every generator's replies to the same turns with the same seeds, and the corpus's own replies,
    judged: {"n", "models": {name: figures}, "replies": [{turn, learner, guidance, fact, name: reply}]}."""
    import time

    replies: dict[str, Sequence[str]] = {REFERENCE: [t.reply for t in turns]}
    seconds: dict[str, float] = {}
    for name, generator in generators.items():
        started = time.perf_counter()
        out: list[str] = []
        for i, turn in enumerate(turns):
            out.append(generate_reply(generator, turn, seed=seed + i))
            if (i + 1) % 10 == 0 or i + 1 == len(turns):
                log(f"{name}: {i + 1}/{len(turns)} replies, {(time.perf_counter() - started) / (i + 1):.1f} s each")
        replies[name] = out
        seconds[name] = round((time.perf_counter() - started) / max(1, len(turns)), 2)
    return judged_result(turns, replies, seconds=seconds, screen=screen, seed=seed)


def judged_result(
    turns: Sequence[PersonaTurn],
    replies: Mapping[str, Sequence[str]],
    *,
    seconds: Mapping[str, float],
    screen: Screen | None,
    seed: int,
) -> dict[str, Any]:
    """The figures and the per-turn rows of replies already generated (`compare`'s result; also how
    a stored evaluation is judged again when the checks change)."""
    judged = {name: judge_all(turns, texts, screen) for name, texts in replies.items()}
    models = {
        name: {**rates(j), **({"seconds_per_reply": seconds[name]} if name in seconds else {})}
        for name, j in judged.items()
    }
    rows = []
    for i, turn in enumerate(turns):
        row: dict[str, Any] = {
            "turn": turn.key,
            "scenario": turn.card.slug,
            "learner": turn.learner_text,
            "moves": list(turn.learner_moves),
            "guidance": turn.prompt.guidance,
            "fact": turn.fact if turn.factual else None,
        }
        for name, texts in replies.items():
            j = judged[name][i]
            row[name] = {
                "reply": texts[i].strip(),
                "served": j.served,
                "in_character_strict": j.in_character_strict,
                "in_character_relaxed": j.in_character_relaxed,
                "answered": j.answered,
                "repeated": j.repeated,
                "safe": j.safe,
            }
        rows.append(row)
    return {"n": len(turns), "seed": seed, "models": models, "replies": rows}


FIGURE_NAMES: Final = (
    ("in_character_strict", "in character (with the first-person rule)"),
    ("in_character_relaxed", "in character (served checks as they are: no first-person rule)"),
    ("first_person", "first substantive sentence in the first person"),
    ("answered", "answered factual questions"),
    ("repetition", "repetition"),
    ("safety_pass", "safety-screen pass"),
    ("fallback_strict", "fallback (with the first-person rule)"),
    ("fallback_relaxed", "fallback (served checks as they are)"),
)


def report_table(result: Mapping[str, Any]) -> list[str]:
    """The figures as a Markdown table: one row per figure, one column per model."""
    names = list(result["models"])
    lines = ["| figure | n | " + " | ".join(names) + " |", "| --- | --- | " + " | ".join("---" for _ in names) + " |"]
    for key, label in FIGURE_NAMES:
        n = result["models"][names[0]][key]["n"]
        cells = []
        for name in names:
            rate = result["models"][name][key]["rate"]
            cells.append("-" if rate is None else f"{rate:.1%}")
        lines.append(f"| {label} | {n} | " + " | ".join(cells) + " |")
    return lines


def sample_rows(result: Mapping[str, Any], k: int) -> list[Mapping[str, Any]]:
    """`k` of the compared turns, evenly spread over the sample (the same ones each run)."""
    rows: list[Mapping[str, Any]] = list(result["replies"])
    if k <= 0 or not rows:
        return []
    step = max(1, len(rows) // k)
    return rows[::step][:k]


def sample_lines(result: Mapping[str, Any], k: int) -> list[str]:
    """Sample turns as Markdown: the learner's words, the guidance, and each model's reply."""
    lines: list[str] = []
    for row in sample_rows(result, k):
        lines += ["", f"**{row['turn']}** ({', '.join(row['moves'])})", f"- learner: {row['learner']}"]
        if row["fact"]:
            lines.append(f"- card fact: {row['fact']}")
        lines.append(f"- guidance: {row['guidance']}")
        for name in result["models"]:
            reply = row[name]
            marks = [
                "in character" if reply["in_character_relaxed"] else "out of character",
                *(["answered" if reply["answered"] else "not answered"] if reply["answered"] is not None else []),
                *(["repeats"] if reply["repeated"] else []),
                *(["unsafe"] if not reply["safe"] else []),
                *(["falls back"] if name != REFERENCE and not reply["served"] else []),
            ]
            lines.append(f"- {name}: {reply['reply']!r} ({', '.join(marks)})")
    return lines


def report_write(result: Mapping[str, Any], folder: Any, *, samples: int = 5) -> None:
    """EVALUATION.md and evaluation.json beside the adapter."""
    import json
    from pathlib import Path

    folder = Path(folder)
    models = result["models"]
    lines = [
        "# Generative persona: dev evaluation",
        "",
        (
            f"`python manage.py evaluate_persona --write` on {result['n']} fixed dev turns (seed {result['seed']}; "
            f"{models[REFERENCE]['answered']['n']} of them factual questions) from the corpus's dev scenarios, which training "
            "never saw. Each model answers the same turns with the same seeds and the served sampling settings; "
            f"'{REFERENCE}' is the corpus's own reply, judged the same way (what the definitions give a writer's line). "
            "Definitions: `inference/persona_eval.py`."
        ),
        "",
        *(
            ["The replies were generated once and judged again (`--rejudge`) after the served checks changed.", ""]
            if result.get("rejudged")
            else []
        ),
        *report_table(result),
        "",
        "Seconds per reply on this run: "
        + ", ".join(
            f"{name} {figures['seconds_per_reply']}"
            for name, figures in models.items()
            if "seconds_per_reply" in figures
        )
        + ". Versions: "
        + ", ".join(f"{name} `{version}`" for name, version in result.get("versions", {}).items())
        + ".",
        "",
        "## Sample replies",
        *sample_lines(result, samples),
        "",
    ]
    (folder / "EVALUATION.md").write_text("\n".join(lines), encoding="utf-8")
    (folder / "evaluation.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
