"""Choosing a persona reply's tokens: sampling with a repetition penalty, and prompt-lookup
speculation, which lets one pass of the model decide several tokens.

Why speculate: on a CPU a small model's pass over six tokens costs little more than its pass over
one (reading the weights, ~540 MB for SmolLM2-135M in float32, takes the time, not the arithmetic),
and a persona's reply reuses words of its own prompt: the authored line given as guidance, the
learner's words, the card. So the words that followed the reply's last few tokens where they occur
in the prompt are drafted, and one pass checks them all. Speculative sampling's rule (accept a
drafted token with the model's own probability for it; on a refusal, draw from the rest of that
distribution) keeps the replies distributed exactly as drawing one token a pass would (Leviathan et
al. 2023, "Fast Inference from Transformers via Speculative Decoding"; a drafter that proposes one
token for sure is their case q = 1). With greedy decoding a draft is kept while it is the argmax.

Plain torch: no Django, no transformers beyond the model's call and its cache's `crop`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class Sampling:
    """How a token is drawn from the model's logits."""

    temperature: float = 0.7  # 0: greedy
    top_p: float = 0.9
    top_k: int = 50  # sorting all of SmolLM2's 49,152 tokens cost ~8 ms a token on one core
    repetition_penalty: float = 1.2  # on the tokens in `penalised`


@dataclass(frozen=True)
class Choices:
    """The tokens a position may take and their probabilities (summing to 1)."""

    ids: torch.Tensor  # (n,) token ids
    probs: torch.Tensor  # (n,) float32

    def probability(self, token: int) -> float:
        found = (self.ids == token).nonzero()
        return float(self.probs[found[0, 0]]) if found.numel() else 0.0


def choices(logits: torch.Tensor, penalised: Collection[int], sampling: Sampling) -> Choices:
    """The distribution a token is drawn from: the repetition penalty on `penalised` (CTRL's:
    positive logits divided, negative multiplied), then greedy, or top-k, temperature and top-p."""
    import torch

    if penalised and sampling.repetition_penalty != 1.0:
        index = torch.tensor(sorted(penalised), device=logits.device)
        values = logits[index]
        logits = logits.clone()
        logits[index] = torch.where(
            values > 0, values / sampling.repetition_penalty, values * sampling.repetition_penalty
        )
    if sampling.temperature <= 0:
        return Choices(ids=torch.argmax(logits).reshape(1).cpu(), probs=torch.ones(1))
    top, order = torch.topk(logits, min(sampling.top_k, logits.shape[-1]))
    probs = torch.softmax(top.float().cpu() / sampling.temperature, dim=-1)
    if sampling.top_p < 1.0:
        probs = probs * (torch.cumsum(probs, dim=-1) - probs < sampling.top_p)
    return Choices(ids=order.cpu(), probs=probs / probs.sum())


def draw(options: Choices, generator: torch.Generator, *, refused: int | None = None) -> int:
    """A token drawn from `options`; after a refused draft, from the rest of them (the residual
    distribution of speculative sampling when the drafter proposed `refused` for sure)."""
    import torch

    probs = options.probs
    if refused is not None:
        # Never all zero: a token of probability 1 is never refused (`accepts`).
        probs = torch.where(options.ids == refused, torch.zeros_like(probs), probs)
    choice = torch.multinomial(probs / probs.sum(), 1, generator=generator)
    return int(options.ids[int(choice)])


def accepts(options: Choices, token: int, generator: torch.Generator) -> bool:
    """Whether a drafted token is kept: with the model's probability for it."""
    import torch

    chance = options.probability(token)
    if chance >= 1.0:
        return True
    if chance <= 0.0:
        return False
    return float(torch.rand(1, generator=generator)) < chance


def lookup_draft(source: Sequence[int], *, length: int, longest: int = 3, shortest: int = 2) -> list[int]:
    """Up to `length` tokens that followed the latest earlier occurrence of `source`'s last n tokens
    (n from `longest` down to `shortest`), or none. `source` is the prompt and the reply so far."""
    if length <= 0:
        return []
    end = len(source)
    for n in range(min(longest, end - 1), shortest - 1, -1):
        tail = list(source[end - n :])
        first = tail[0]
        # Latest occurrence first: the guidance line and the conversation sit at the prompt's end.
        for start in range(end - n - 1, -1, -1):
            if source[start] == first and list(source[start : start + n]) == tail:
                follow = list(source[start + n : start + n + length])
                if follow:
                    return follow
    return []


Forward = Callable[[list[int], Any], tuple["torch.Tensor", Any]]


def tokens(
    forward: Forward,
    first_logits: torch.Tensor,
    past: Any,
    *,
    prompt_ids: Sequence[int],
    penalised: set[int],
    sampling: Sampling,
    generator: torch.Generator,
    limit: int,
    stop_ids: Collection[int],
    draft: int = 4,
) -> Iterator[int]:
    """The reply's tokens, as soon as each is decided (a pass may decide several), ending before a
    stop token or at `limit`. `forward(ids, past)` runs the model on `ids` after the cache `past`
    and returns (logits for each of them, the cache); a cache that must be rolled back is cropped
    with its `crop(-n)`. `penalised` grows with the reply's tokens. `draft`: tokens drafted a pass
    (0: one token a pass, no speculation)."""
    count = 0  # tokens of the reply so far
    source = list(prompt_ids)
    token = draw(choices(first_logits, penalised, sampling), generator)
    while token not in stop_ids:
        # The tokens this pass decides: the one drawn, then each draft the model accepts in turn
        # (each one penalised before the next is weighed, as drawing them one a pass would).
        decided = [token]
        penalised.add(token)
        source.append(token)
        drafted = lookup_draft(source, length=min(draft, limit - count - 1))
        if count + 1 >= limit:
            yield token
            return
        logits, past = forward([token, *drafted], past)
        following: int | None = None
        ended = False
        for position, proposed in enumerate(drafted):
            options = choices(logits[position], penalised, sampling)
            if not accepts(options, proposed, generator):
                following = draw(options, generator, refused=proposed)
                past.crop(-(len(drafted) - position))  # the refused draft and those after it
                break
            if proposed in stop_ids:
                ended = True
                break
            decided.append(proposed)
            penalised.add(proposed)
            source.append(proposed)
        yield from decided
        count += len(decided)
        if ended or count >= limit:
            return
        if following is None:
            following = draw(choices(logits[len(drafted)], penalised, sampling), generator)
        token = following
