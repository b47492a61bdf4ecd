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
from typing import Any

from inference.generation import TOP_K, PersonaGenerator, PersonaPrompt, Speaker
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
                            facts=dict(card.facts),
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


def paths_paired(
    generator: PersonaGenerator, prompts: list[BenchPrompt], *, max_new_tokens: int, log: Callable[[str], None]
) -> tuple[PathFigures, PathFigures]:
    """The project's streaming path and plain `generate` on each prompt in turn, the order alternating
    from one prompt to the next, so a machine whose load changes during the run (other work on the
    same cores) weighs on both alike. Plain `generate` makes exactly as many new tokens as the
    project's path did: its repetition penalty also weighs the prompt's end-of-turn tokens, so left
    alone it seldom stops, and equal lengths keep the rates comparable."""
    project = PathFigures(tokens=0, seconds=0.0, first_token_ms=[])
    plain = PathFigures(tokens=0, seconds=0.0, first_token_ms=[])
    for number, item in enumerate(prompts):
        if number % 2:
            plain_first = True
            count_plain, seconds_plain, first_plain = 0, 0.0, 0.0  # set after the project's run
        else:
            plain_first = False
        started = time.perf_counter()
        first: float | None = None
        count = 0
        for piece in generator.stream(item.prompt, seed=number, avoid=item.earlier, max_new_tokens=max_new_tokens):
            if first is None:
                first = time.perf_counter() - started
            count = piece.tokens
        seconds = time.perf_counter() - started
        count = max(1, count)
        started = time.perf_counter()
        _, count_plain, first_plain = plain_generate(
            generator, item.prompt, max_new_tokens=count, seed=number, exact=True
        )
        seconds_plain = time.perf_counter() - started
        del plain_first
        project = _add(project, count, seconds, (first or 0.0) * 1000)
        plain = _add(plain, count_plain, seconds_plain, first_plain * 1000)
        log(
            f"  {item.scenario:<28} {count:>3} tokens: stream {count / seconds:5.1f}/s, first {(first or 0) * 1000:5.0f} ms;"
            f" generate {count_plain / seconds_plain:5.1f}/s, first {first_plain * 1000:5.0f} ms"
        )
    return project, plain


def _add(figures: PathFigures, tokens: int, seconds: float, first_ms: float) -> PathFigures:
    return PathFigures(
        tokens=figures.tokens + tokens,
        seconds=figures.seconds + seconds,
        first_token_ms=[*figures.first_token_ms, first_ms],
        lengths=[*figures.lengths, tokens],
    )


def plain_generate(
    generator: PersonaGenerator, prompt: PersonaPrompt, *, max_new_tokens: int, seed: int = 0, exact: bool = False
) -> tuple[str, int, float]:
    """transformers' own `generate` on the same model and prompt, fp32 sampling with the same
    settings: (text, new tokens, seconds to the first token); `exact`: exactly `max_new_tokens`.
    For `bench_generation` only."""
    import torch
    from transformers import TextStreamer

    config = generator.config
    input_ids = generator.encode(prompt)
    first: list[float] = []
    started = time.perf_counter()

    class _FirstToken(TextStreamer):
        def put(self, value: Any) -> None:
            # The streamer gets the prompt first, then each new token.
            if getattr(self, "_seen_prompt", False) and not first:
                first.append(time.perf_counter() - started)
            self._seen_prompt = True

        def end(self) -> None:
            pass

    torch.manual_seed(seed)
    with torch.inference_mode():
        out = generator.model.generate(
            input_ids,
            attention_mask=torch.ones_like(input_ids),
            max_new_tokens=max_new_tokens,
            min_new_tokens=max_new_tokens if exact else None,
            do_sample=config.temperature > 0,
            temperature=config.temperature if config.temperature > 0 else None,
            top_p=config.top_p if config.temperature > 0 else None,
            top_k=TOP_K if config.temperature > 0 else None,
            repetition_penalty=config.repetition_penalty,
            eos_token_id=sorted(generator.stop_ids),
            pad_token_id=generator.tokenizer.eos_token_id,
            streamer=_FirstToken(generator.tokenizer),
        )
    new = out[0, input_ids.shape[1] :]
    text = str(generator.tokenizer.decode(new, skip_special_tokens=True))
    return text, int(new.shape[0]), first[0] if first else time.perf_counter() - started
