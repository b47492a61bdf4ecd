"""A persona's facts: what a learner may ask about (where she moved from, when the appointment was,
the order number), as an instructor writes them and as the persona's prompt states them.

Plain Python (no torch, no Django): the Scenario model validates an instructor's text with
`facts_parse`, the served prompt (`inference.generation.prompt_messages`) and therefore the LoRA
trainer and the persona evaluation (`inference.persona_prompts`, from a corpus card's facts) state
them with the one function `facts_text`, so training and serving cannot word them differently.

An instructor writes one fact a line, "what: the fact" ("order number: 48213-B"). A corpus card's
keys are snake_case ("order_number"); both read the same in the prompt ("order number: 48213-B").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

MAX_FACTS: Final = 40
MAX_KEY_CHARS: Final = 60
MAX_VALUE_CHARS: Final = 300
# The heading of the facts in the system prompt.
FACTS_HEADING: Final = "Facts about you (use them when you are asked):"


class FactsError(ValueError):
    """An instructor's facts text that cannot be read; the message says which line and why."""


def fact_key(key: str) -> str:
    """A fact's name as the prompt says it: "order_number" and " order  number" both "order number"."""
    return " ".join(key.replace("_", " ").split())


def _read(text: str, *, strict: bool) -> dict[str, str]:
    facts: dict[str, str] = {}
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        name, value = fact_key(key), " ".join(value.split())
        shown = line.strip() if len(line.strip()) <= 40 else line.strip()[:40] + "…"
        problem = ""
        if not colon or not name or not value:
            problem = (
                f"Line {number} (“{shown}”): write one fact a line as “what: the fact”, e.g. “order number: 48213-B”."
            )
        elif len(name) > MAX_KEY_CHARS:
            problem = f"Line {number}: the name before the colon is longer than {MAX_KEY_CHARS} characters."
        elif len(value) > MAX_VALUE_CHARS:
            problem = f"Line {number}: the fact is longer than {MAX_VALUE_CHARS} characters; split it in two."
        elif name.casefold() in seen:
            problem = f"Line {number}: “{name}” is given twice."
        if problem:
            if strict:
                raise FactsError(problem)
            continue
        seen.add(name.casefold())
        facts[name] = value
    if len(facts) > MAX_FACTS:
        if strict:
            raise FactsError(f"{len(facts)} facts; at most {MAX_FACTS} (each one makes every reply slower to start).")
        facts = dict(list(facts.items())[:MAX_FACTS])
    return facts


def facts_parse(text: str) -> dict[str, str]:
    """An instructor's facts, one "what: the fact" a line (blank lines skipped), as a mapping in the
    written order. Raises FactsError naming the first line that is not one, a name given twice (in
    any case), a name or fact too long, or more than MAX_FACTS facts."""
    return _read(text, strict=True)


def facts_read(text: str) -> dict[str, str]:
    """The facts of a saved text for the prompt: as `facts_parse`, but a line it would refuse is
    left out rather than refused (text saved outside the admin's validation), the first of a name
    given twice kept, and the first MAX_FACTS facts."""
    return _read(text, strict=False)


def facts_lines(facts: Mapping[str, str]) -> str:
    """Facts as an instructor edits them: "what: the fact", one a line (a corpus card's facts for the
    demo scenarios). `facts_parse` reads it back to the same facts, names as `fact_key` says them."""
    return "\n".join(f"{fact_key(key)}: {' '.join(value.split())}" for key, value in facts.items())


def facts_text(facts: Mapping[str, str]) -> str:
    """The facts as the persona's system prompt states them ("" when there are none): the same for
    the served prompt, the trainer's and the evaluation's."""
    lines = [f"- {fact_key(key)}: {' '.join(value.split())}" for key, value in facts.items() if value.strip()]
    return "\n".join([FACTS_HEADING, *lines]) if lines else ""
