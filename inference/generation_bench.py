"""`bench_generation`'s measurements of the language model alone: the project's streaming path
(`PersonaGenerator.stream`: one prompt pass, then a token at a time from the KV cache) against
transformers' plain float32 `generate` with the same sampling settings, on the same prompts, in
one run. Plain Python around torch; no Django. The served path (the checks and the safety screen
on each sentence, and the fallback rate) is measured by the command, which knows the product.

The prompts are fixed: the dev scenarios' conversations of the persona corpus
(`inference/data/persona/`), at the learner turns the persona answers, in a set order.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from inference.generation import PersonaGenerator, PersonaPrompt, Speaker, plain_generate
from inference.persona_corpus import Corpus


@dataclass(frozen=True)
class BenchPrompt:
    scenario: str
    prompt: PersonaPrompt
    earlier: list[str]  # the persona's lines before (the repetition check's reference)


def bench_prompts(corpus: Corpus, *, count: int, split: str = "dev") -> list[BenchPrompt]:
    """Up to `count` prompts from the `split` scenarios, taken in turn from each scenario (sorted by
    slug), each dialogue (sorted by id) giving its persona turns in order: the card, the feelings
    and guidance the writers gave that turn, and the conversation up to the learner turn it answers."""
    per_scenario: dict[str, list[BenchPrompt]] = {}
    for dialogue in sorted(corpus.split(split), key=lambda d: (d.scenario, d.id)):
        card = corpus.cards[dialogue.scenario]
        history: list[tuple[Speaker, str]] = []
        for position, turn in enumerate(dialogue.turns):
            if turn.role == "persona" and position > 0 and history and history[-1][0] == "learner":
                per_scenario.setdefault(card.slug, []).append(
                    BenchPrompt(
                        scenario=card.slug,
                        prompt=PersonaPrompt(
                            persona_name=card.persona_name,
                            persona_bio=card.persona_bio,
                            situation=card.situation,
                            feelings=turn.feelings or card.starting_emotions,
                            history=list(history),
                            guidance=turn.guidance,
                        ),
                        earlier=[text for speaker, text in history if speaker == "persona"],
                    )
                )
            history.append(("persona" if turn.role == "persona" else "learner", turn.text))
    prompts: list[BenchPrompt] = []
    queues = [per_scenario[slug] for slug in sorted(per_scenario)]
    position = 0
    while len(prompts) < count and any(position < len(queue) for queue in queues):
        prompts += [queue[position] for queue in queues if position < len(queue)]
        position += 1
    return prompts[:count]


@dataclass(frozen=True)
class PathFigures:
    tokens: int
    seconds: float
    first_token_ms: list[float]
    lengths: list[int] = field(default_factory=list)  # new tokens per prompt

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, float]:
        firsts = sorted(self.first_token_ms)
        return {
            "tokens": self.tokens,
            "seconds": round(self.seconds, 2),
            "tokens_per_s": round(self.tokens_per_s, 1),
            "first_token_ms_p50": round(statistics.median(firsts), 1) if firsts else 0.0,
            "first_token_ms_max": round(firsts[-1], 1) if firsts else 0.0,
        }


def project_path(
    generator: PersonaGenerator, prompts: list[BenchPrompt], *, max_new_tokens: int, log: Callable[[str], None]
) -> PathFigures:
    """The project's streaming path on each prompt, to the end of the turn or `max_new_tokens`."""
    tokens, seconds, firsts, lengths = 0, 0.0, [], []
    for number, item in enumerate(prompts):
        started = time.perf_counter()
        first: float | None = None
        count = 0
        for piece in generator.stream(item.prompt, seed=number, avoid=item.earlier, max_new_tokens=max_new_tokens):
            if first is None:
                first = time.perf_counter() - started
            count = piece.tokens
        seconds += time.perf_counter() - started
        tokens += count
        lengths.append(max(1, count))
        firsts.append((first or 0.0) * 1000)
        log(f"  stream   {item.scenario:<28} {count:>3} tokens, first after {(first or 0) * 1000:.0f} ms")
    return PathFigures(tokens=tokens, seconds=seconds, first_token_ms=firsts, lengths=lengths)


def plain_path(
    generator: PersonaGenerator, prompts: list[BenchPrompt], *, lengths: list[int], log: Callable[[str], None]
) -> PathFigures:
    """transformers' `generate` (float32, same sampling) on each prompt, for exactly as many new tokens
    as the project's path made for it (`lengths`): its repetition penalty also weighs the prompt's
    end-of-turn tokens, so left alone it seldom stops, and equal lengths keep the rates comparable."""
    tokens, seconds, firsts = 0, 0.0, []
    for number, (item, length) in enumerate(zip(prompts, lengths, strict=True)):
        started = time.perf_counter()
        _, count, first = plain_generate(generator, item.prompt, max_new_tokens=length, seed=number, exact=True)
        seconds += time.perf_counter() - started
        tokens += count
        firsts.append(first * 1000)
        log(f"  generate {item.scenario:<28} {count:>3} tokens, first after {first * 1000:.0f} ms")
    return PathFigures(tokens=tokens, seconds=seconds, first_token_ms=firsts)
