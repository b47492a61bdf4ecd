"""Prompt-lookup speculation (inference/decoding.py): replies come sooner, never differently.

A reply drawn with drafts must be distributed exactly as one drawn a token a pass: a learner would
otherwise meet a persona that parrots its guidance line (always accepting drafts does that)."""

from __future__ import annotations

from collections import Counter

import pytest
import torch

from inference import decoding
from inference.generation import GeneratorConfig, PersonaGenerator, PersonaPrompt
from tests.tiny_lm import tiny_lm_save


def test_a_draft_is_what_followed_the_latest_occurrence_of_the_last_tokens():
    source = [7, 1, 2, 3, 9, 5, 1, 2, 4, 8, 6, 1, 2]
    assert decoding.lookup_draft(source, length=3) == [4, 8, 6]  # "1 2" last seen before "4 8 6"
    assert decoding.lookup_draft([*source, 4], length=2) == [8, 6]  # "1 2 4" matches longer
    assert decoding.lookup_draft([5, 6, 7], length=3) == []  # no earlier bigram
    assert decoding.lookup_draft(source, length=0) == []


class _Cache:
    """A stand-in KV cache that counts what the model has seen and can be cropped."""

    def __init__(self) -> None:
        self.length = 0

    def crop(self, n: int) -> None:
        assert n < 0 and -n <= self.length
        self.length += n


VOCAB = 6
STOP = 5


def _toy_forward(weights: torch.Tensor, passes: list[int]):
    """A 'model' whose next-token logits depend on the current token only."""

    def forward(ids: list[int], past: _Cache) -> tuple[torch.Tensor, _Cache]:
        passes.append(len(ids))
        past.length += len(ids)
        return weights[torch.tensor(ids)], past

    return forward


def _replies(draft: int, sampling: decoding.Sampling, runs: int, prompt: list[int]) -> tuple[Counter, int]:
    torch.manual_seed(0)
    weights = torch.randn(VOCAB, VOCAB) * 1.5
    weights[:, STOP] -= 1.0  # replies of a few tokens, sometimes ending early
    passes: list[int] = []
    replies: Counter = Counter()
    for seed in range(runs):
        past = _Cache()
        past.length = len(prompt)
        reply = decoding.tokens(
            _toy_forward(weights, passes),
            weights[prompt[-1]],
            past,
            prompt_ids=prompt,
            penalised=set(),
            sampling=sampling,
            generator=torch.Generator().manual_seed(seed),
            limit=4,
            stop_ids={STOP},
            draft=draft,
        )
        replies[tuple(reply)] += 1
    return replies, len(passes)


PROMPT = [0, 1, 2, 3, 4, 1, 2, 3, 0, 4, 2, 1, 3, 0, 2]


def test_drafting_leaves_the_replies_distributed_as_one_token_a_pass():
    sampling = decoding.Sampling(temperature=0.9, top_p=0.95, top_k=5, repetition_penalty=1.3)
    runs = 4000
    plain, plain_passes = _replies(0, sampling, runs, PROMPT)
    drafted, drafted_passes = _replies(4, sampling, runs, PROMPT)
    total_variation = sum(abs(plain[k] - drafted[k]) for k in plain.keys() | drafted.keys()) / (2 * runs)
    # Two samples of 4,000 from one distribution over these few replies differ by ~.03; always
    # accepting drafts (the tempting bug) moves it past .2.
    assert total_variation < 0.06, total_variation
    assert drafted_passes < plain_passes  # and it does save passes


def test_greedy_replies_are_the_same_with_or_without_drafts_in_fewer_passes():
    sampling = decoding.Sampling(temperature=0, repetition_penalty=1.0)
    plain, plain_passes = _replies(0, sampling, 1, PROMPT)
    drafted, drafted_passes = _replies(4, sampling, 1, PROMPT)
    assert plain == drafted
    assert drafted_passes <= plain_passes


@pytest.fixture(scope="module")
def guided(tmp_path_factory):
    folder = tiny_lm_save(tmp_path_factory.mktemp("tiny"), "I waited all morning and nobody rang back.")

    def load(draft: int) -> PersonaGenerator:
        # float32 on purpose: the fused pass is float32's, and "auto" is bfloat16 on a CPU with AMX
        # (as this machine has), where the reply would run through transformers instead.
        return PersonaGenerator.load(
            GeneratorConfig(model_path=str(folder), temperature=0, draft_tokens=draft, dtype="float32")
        )

    return load


def test_the_persona_says_its_guided_line_in_fewer_model_passes_with_a_real_cache(guided):
    """On a real model and KV cache (cropped after each refused draft): the same reply, with the
    line's words drafted from the guidance in the prompt and checked several a pass."""
    prompt = PersonaPrompt(
        persona_name="Helen",
        persona_bio="A customer.",
        situation="",
        feelings={"annoyance": 0.7},
        history=[("learner", "What happened?")],
        guidance="I waited all morning and nobody rang back.",
    )
    texts, passes = [], []
    for draft in (0, 4):
        generator = guided(draft)
        # The reply's passes (the prompt's are transformers'): a float32 Llama on the CPU runs them fused.
        assert generator.decoder is not None
        forward = generator.decoder.forward
        runs: list[int] = []

        def spy(ids, past, head=None, _forward=forward, _runs=runs):
            _runs.append(len(ids))
            return _forward(ids, past, head)

        generator.decoder.forward = spy
        texts.append("".join(p.text for p in generator.stream(prompt)))
        passes.append(len(runs))
    assert texts[0] == texts[1] == "I waited all morning and nobody rang back."
    assert passes[1] < passes[0] - 3
