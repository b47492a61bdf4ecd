"""python manage.py bench_generation [--json] [--prompts N]: the generative persona's path against
plain float32 `generate`, on the same fixed prompts in one run, and the served path's fallback rate."""

from __future__ import annotations

import json
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Benchmark the generative persona: the project's streaming path and transformers' plain fp32 generate "
        "on the same dev-scenario prompts (tokens/s, first-token latency, their ratio), then the served path "
        "(each sentence screened and checked) for its fallback rate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--prompts", type=int, default=12, help="how many fixed dev-scenario prompts")
        parser.add_argument("--max-new-tokens", type=int, default=None, help="default: PERSONA_MAX_NEW_TOKENS")
        parser.add_argument("--threads", type=int, default=None, help="override settings.INFERENCE['threads']")
        parser.add_argument("--device", default=None, help="override settings.INFERENCE['device'] (auto, cpu, cuda)")
        parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")

    def handle(self, *args: Any, **options: Any) -> None:
        import torch

        from courses.practice.persona_stream import reply_generate
        from courses.selectors.practice_worker import ReplyToGenerate
        from empathycamp import runtime
        from inference import analysis, registry
        from inference.generation_bench import bench_prompts, paths_paired
        from inference.persona_corpus import CorpusError, load_corpus

        overrides = {k: options[k] for k in ("threads", "device") if options[k] is not None}
        runtime.inference_configure(**overrides)
        runtime.generator_configure()
        try:
            prompts = bench_prompts(load_corpus(), count=options["prompts"])
        except CorpusError as exc:
            raise CommandError(f"The persona corpus does not load: {exc}") from exc
        if not prompts:
            raise CommandError("The persona corpus has no dev-scenario conversations to take prompts from.")
        log = self.stdout.write
        started = time.perf_counter()
        generator = registry.persona_generator()
        loaded_s = time.perf_counter() - started
        analysis.screen_generated(["I waited all morning."])  # the screen's models load here, not in a timing
        limit = options["max_new_tokens"] or settings.PERSONA_MAX_NEW_TOKENS
        log(
            f"model {generator.version} on {generator.device} ({next(generator.model.parameters()).dtype}), "
            f"{torch.get_num_threads()} threads, loaded in {loaded_s:.1f} s; {len(prompts)} prompts, "
            f"at most {limit} new tokens"
        )
        # One short pass first: the first call of a path pays for allocations.
        paths_paired(generator, prompts[:1], max_new_tokens=4, log=lambda line: None)
        # Nothing kept from the warm-up: the project's path reuses only what an earlier prompt of the
        # run left, as a worker reuses a scenario's card and a conversation's earlier turns.
        generator.prefixes_forget()
        log("The project's path (PersonaGenerator.stream), then plain fp32 generate (transformers), on each prompt:")
        project, plain = paths_paired(generator, prompts, max_new_tokens=limit, log=log)

        generator.prefixes_forget()
        log("Served (each sentence through the safety screen, the in-character and the repetition checks):")
        reasons: Counter[str] = Counter()
        outcomes: Counter[str] = Counter()
        first_sent_ms: list[float] = []
        samples: list[dict[str, Any]] = []
        for number, item in enumerate(prompts):
            began = time.perf_counter()
            sent_at: list[float] = []
            failed: list[str] = []
            result = reply_generate(
                ReplyToGenerate(
                    turn_id=number,
                    session_id=uuid.UUID(int=0),
                    persona_name=item.prompt.persona_name,
                    prompt=item.prompt,
                    earlier=item.earlier,
                    authored=item.prompt.guidance,
                ),
                generator=generator,
                screen=analysis.screen_generated,
                emit=_first_sent(began, sent_at),
                cancelled=lambda: False,
                tokens_per_event=settings.PERSONA_TOKENS_PER_EVENT,
                max_new_tokens=limit,
                rejected=_noted(failed),
            )
            outcomes[result.outcome] += 1
            if result.reason:
                reasons[f"{result.outcome}:{result.reason}"] += 1
            if sent_at:
                first_sent_ms.append(sent_at[0] * 1000)
            said = result.text if result.text is not None else item.prompt.guidance
            samples.append(
                {
                    "scenario": item.scenario,
                    "outcome": result.outcome,
                    "reason": result.reason,
                    "said": said,
                    "not_said": failed,
                }
            )
            log(f"  {item.scenario:<28} {result.outcome:<9} {result.reason or '':<17} {said[:70]!r}")
            for line in failed:
                log(f"      not said, {line}")

        figures: dict[str, Any] = {
            "model": generator.version,
            "device": str(generator.device),
            "threads": torch.get_num_threads(),
            "prompts": len(prompts),
            "max_new_tokens": limit,
            "project": project.summary(),
            "plain": plain.summary(),
            "ratio_tokens_per_s": round(project.tokens_per_s / plain.tokens_per_s, 2) if plain.tokens_per_s else None,
            "served": {
                "fallback_rate": round(outcomes["fallback"] / len(prompts), 3),
                "trimmed_rate": round(outcomes["trimmed"] / len(prompts), 3),
                "outcomes": dict(outcomes),
                "reasons": dict(reasons),
                "first_sentence_ms_p50": round(statistics.median(first_sent_ms), 1) if first_sent_ms else None,
            },
        }
        log(
            f"project {figures['project']['tokens_per_s']} tokens/s (first token p50 "
            f"{figures['project']['first_token_ms_p50']} ms) vs plain {figures['plain']['tokens_per_s']} tokens/s "
            f"(p50 {figures['plain']['first_token_ms_p50']} ms): ratio {figures['ratio_tokens_per_s']}; "
            f"served fallback rate {figures['served']['fallback_rate']:.0%} ({dict(reasons)})"
        )
        if options["json"]:
            self.stdout.write(json.dumps({**figures, "samples": samples}, sort_keys=True))


def _first_sent(began: float, sent_at: list[float]) -> Callable[[list[str]], None]:
    """An emitter that records when each sentence went out (seconds after `began`)."""

    def emit(texts: list[str]) -> None:
        sent_at.append(time.perf_counter() - began)

    return emit


def _noted(failed: list[str]) -> Callable[[str, str], None]:
    """Notes each sentence a check turned down (the corpus's prompts only: the bench may print them)."""

    def note(sentence: str, reason: str) -> None:
        failed.append(f"{reason}: {sentence.strip()[:80]!r}")

    return note
