"""CPU benchmark of the whole analysis: the batched path against one forward call per message.

The turns are generated here, deterministically, from templates shaped like practice sessions
(a persona message and a learner reply of varied length and quality), so the benchmark needs
neither the data folder nor the network.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from inference import registry
from inference.analysis import TurnInput, analyse_turns, warm
from inference.safety import screen_texts

PERSONA_MESSAGES = (
    "I lost my job today and I don't know how to tell my family.",
    "My dog died last week. Everyone says it's just a pet but I can't stop thinking about him.",
    "I failed my driving test again. Third time. I feel like an idiot.",
    "My best friend moved across the country and I feel so alone now.",
    "I have a presentation tomorrow and I'm terrified I'll freeze up in front of everyone.",
    "My parents are getting divorced and they keep asking me to pick sides.",
    "I got the promotion! I still can't believe it.",
    "I've been working night shifts for months and I'm exhausted all the time.",
    "My sister didn't invite me to her wedding. I found out on social media.",
    "I keep comparing myself to my classmates and I always come out worse.",
    "The doctor called about my test results and wants to see me on Monday.",
    "Honestly I don't even know why I'm talking to you about this.",
)
OPENERS = (
    "I'm so sorry to hear that.",
    "That sounds really hard.",
    "Oh no, that must hurt a lot.",
    "Wow, congratulations!",
    "Okay.",
    "Hmm.",
    "I hear you.",
    "That's awful, I'm sorry.",
    "Thank you for telling me this.",
    "",
)
REFLECTIONS = (
    "It sounds like you feel {feeling} and a bit {feeling2}.",
    "I can imagine how {feeling} that makes you feel.",
    "I went through something similar last year and it took me a while to feel okay again.",
    "It makes sense that you'd feel {feeling} after all of that.",
    "You seem really {feeling} about it.",
    "",
)
QUESTIONS = (
    "What happened next?",
    "How are you holding up?",
    "Do you want to talk about what worries you most?",
    "What would help you right now?",
    "Have you told anyone else about it?",
    "How did your family react?",
    "",
)
ADVICE = (
    "You should just get over it.",
    "Maybe try going for a walk, it helps me.",
    "Have you thought about talking to a counsellor?",
    "Don't worry, everything happens for a reason.",
    "Just focus on the positives.",
    "",
)
FEELINGS = ("overwhelmed", "hurt", "lonely", "anxious", "frustrated", "sad", "proud", "exhausted", "confused", "scared")
FILLER = (
    "Anyway, I was thinking about this on the bus and I remembered when my own manager told me the same "
    "thing, and honestly it took me weeks to process it, so please be patient with yourself."
)


def generate_turns(n: int, seed: int = 7) -> list[TurnInput]:
    """``n`` (persona message, learner reply) pairs from the templates; same ``seed``, same turns."""
    rng = random.Random(seed)
    turns = []
    for _ in range(n):
        parts = [rng.choice(OPENERS), rng.choice(REFLECTIONS), rng.choice(QUESTIONS), rng.choice(ADVICE)]
        if rng.random() < 0.1:
            parts.append(FILLER)
        keep = [p for p in parts if p and rng.random() < 0.8] or [rng.choice(QUESTIONS[:-1])]
        text = " ".join(keep).format(feeling=rng.choice(FEELINGS), feeling2=rng.choice(FEELINGS))
        turns.append(TurnInput(text=text, context=rng.choice(PERSONA_MESSAGES)))
    return turns


def analyse_one_at_a_time(turns: list[TurnInput], pad_multiple: int = 1) -> list[dict[str, Any]]:
    """The baseline: one forward call per message and model, as a per-message pipeline would.

    Same weights, same pre- and post-processing, same safety screen; by default each message is
    also fed at its exact length, as transformers' pipelines do. ``pad_multiple=8`` gives it the
    batched path's shape rounding too.
    """
    detector = registry.emotion_detector()
    scorer = registry.empathy_scorer()
    risk = registry.risk_classifier()
    results = []
    for turn in turns:
        items = detector.encode([turn.text])
        probs, tokens = detector.forward_encoded(items, batch_size=1, pad_multiple=pad_multiple)
        emotion = detector.results([turn.text], items, probs, tokens)
        pair = scorer.encode([turn.context], [turn.text])
        log_probs, tags = scorer.forward_encoded(pair, batch_size=1, pad_multiple=pad_multiple)
        empathy = scorer.results([turn.text], pair, log_probs, tags)
        safety = screen_texts([turn.text], emotion, risk.read([turn.text], batch_size=1))
        results.append({"emotion": emotion[0], "empathy": empathy[0], "safety": safety[0]})
    return results


def _timed(function: Callable[[], Any]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def run_bench(
    n: int = 2000,
    latency_samples: int = 200,
    batch_size: int = 64,
    chunk: int = 256,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Turns per second both ways, their ratio, and single-turn latency of the batched entry point."""
    import torch

    turns = generate_turns(n)
    warm()
    # Steady state, as in a long-running worker: both paths first meet their shapes on other turns.
    warmup = generate_turns(256, seed=3)
    analyse_turns(warmup, batch_size=batch_size)
    analyse_one_at_a_time(warmup)
    analyse_one_at_a_time(warmup[:64], pad_multiple=8)
    # Workers claim what is queued, a few hundred turns at most, and analyse them in one call.
    batched_seconds = _timed(
        lambda: [analyse_turns(turns[k : k + chunk], batch_size=batch_size) for k in range(0, len(turns), chunk)]
    )
    log(f"batched: {n} turns in {batched_seconds:.1f} s")
    single_seconds = _timed(lambda: analyse_one_at_a_time(turns))
    log(f"one at a time: {n} turns in {single_seconds:.1f} s")
    padded_n = min(n, 500)
    padded_seconds = _timed(lambda: analyse_one_at_a_time(turns[:padded_n], pad_multiple=8))
    log(f"one at a time, shapes rounded like the batched path: {padded_n} turns in {padded_seconds:.1f} s")
    latencies = []
    for turn in generate_turns(latency_samples, seed=11):
        latencies.append(_timed(partial(analyse_turns, [turn])) * 1000)
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    result = {
        "n": n,
        "threads": torch.get_num_threads(),
        "device": str(registry.device()),
        "quantize": registry.config().quantize,
        "dtype": str(next(registry.emotion_detector().model.parameters()).dtype).replace("torch.", ""),
        "batch_size": batch_size,
        "batched_turns_per_s": round(n / batched_seconds, 1),
        "per_message_turns_per_s": round(n / single_seconds, 1),
        "ratio": round(single_seconds / batched_seconds, 2),
        "per_message_rounded_turns_per_s": round(padded_n / padded_seconds, 1),
        "ratio_vs_rounded": round((padded_seconds / padded_n) / (batched_seconds / n), 2),
        "warmup_turns": len(warmup),
        "single_turn_p50_ms": round(statistics.median(latencies), 1),
        "single_turn_p95_ms": round(p95, 1),
        "latency_samples": len(latencies),
        "mean_words_per_turn": round(statistics.mean(len(t.text.split()) for t in turns), 1),
    }
    log(
        f"batched {result['batched_turns_per_s']} turns/s, one at a time {result['per_message_turns_per_s']} turns/s "
        f"({result['ratio']}x); single turn p50 {result['single_turn_p50_ms']} ms, p95 {result['single_turn_p95_ms']} ms"
    )
    return result
