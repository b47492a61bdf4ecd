"""The fused decoding passes (`inference/fused_decoder.py`) against transformers' own forward on a
tiny randomly initialised Llama with grouped keys and values: the same logits, the same greedy
replies with and without drafts, and, over a restricted vocabulary, the same replies while the
likeliest token is in it and never a token outside it."""

from __future__ import annotations

import copy

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from inference import decoding
from inference.fused_decoder import FusedDecoder
from inference.reply_vocabulary import reply_vocabulary
from tests.tiny_lm import tiny_lm_save

VOCAB = 97
GREEDY = decoding.Sampling(temperature=0, repetition_penalty=1.2)


@pytest.fixture
def model() -> LlamaForCausalLM:
    torch.manual_seed(3)
    config = LlamaConfig(
        vocab_size=VOCAB,
        hidden_size=32,
        intermediate_size=48,
        num_hidden_layers=3,
        num_attention_heads=4,
        num_key_value_heads=2,  # two queries a key-value head, as SmolLM2's three
        max_position_embeddings=256,
        rms_norm_eps=1e-5,
        tie_word_embeddings=False,
        initializer_range=0.3,  # weights large enough for a varied reply, not one token repeated
    )
    return LlamaForCausalLM(config).eval()


PROMPT = [5, 17, 23, 42, 8, 17, 23, 61, 9, 30, 5, 17]  # "17 23" repeats: drafts are proposed


def _reply(model: LlamaForCausalLM, decoder: FusedDecoder | None, passes: list[int] | None = None) -> list[int]:
    """A greedy reply to PROMPT through `decoding.tokens`, by transformers' forward or the decoder's;
    `passes` gets the number of tokens of each pass."""
    with torch.inference_mode():
        out = model(input_ids=torch.tensor([PROMPT]), use_cache=True)
        first, past = out.logits[0, -1], out.past_key_values
        head = None
        if decoder is not None:
            head = decoder.head(PROMPT)
            past = decoder.keys_values(past, room=30)
            if head is not None:
                first = head.restrict(first)

        def forward(ids: list[int], cache: object) -> tuple[torch.Tensor, object]:
            if passes is not None:
                passes.append(len(ids))
            if decoder is not None:
                return decoder.forward(ids, cache, head)  # type: ignore[arg-type]
            result = model(input_ids=torch.tensor([ids]), past_key_values=cache, use_cache=True)
            return result.logits[0], result.past_key_values

        return list(
            decoding.tokens(
                forward,
                first,
                past,
                prompt_ids=PROMPT,
                penalised=set(),
                sampling=GREEDY,
                generator=torch.Generator().manual_seed(0),
                limit=24,
                stop_ids=(),
                draft=3,
            )
        )


def test_fusing_leaves_transformers_forward_as_it_was(model):
    ids = torch.tensor([PROMPT])
    with torch.inference_mode():
        before = model(input_ids=ids).logits
        FusedDecoder(model)
        after = model(input_ids=ids).logits
    assert torch.equal(before, after)
    assert FusedDecoder.supports(model)


def test_a_pass_over_one_token_or_a_draft_gives_transformers_logits(model):
    decoder = FusedDecoder(model)
    with torch.inference_mode():
        past = model(input_ids=torch.tensor([PROMPT]), use_cache=True).past_key_values
        cache = decoder.keys_values(past, room=8)
        for ids in ([7], [7, 3, 88, 14]):
            expected = model(input_ids=torch.tensor([ids]), past_key_values=copy.deepcopy(past), use_cache=True)
            logits, cache = decoder.forward(ids, cache)
            torch.testing.assert_close(logits, expected.logits[0], atol=1e-5, rtol=1e-5)
            cache.crop(-len(ids))  # rolled back, as a refused draft is
        assert cache.length == len(PROMPT)


def test_the_greedy_reply_is_transformers_greedy_reply_drafts_included(model):
    plain = _reply(model, None)
    passes: list[int] = []
    assert _reply(model, FusedDecoder(model), passes) == plain
    assert max(passes) > 1  # drafted tokens were checked in a pass


def test_a_restricted_vocabulary_keeps_the_reply_while_its_likeliest_tokens_are_in_it(model):
    plain = _reply(model, None)
    # Its own tokens and a few others (the prompt's are always allowed): the same reply.
    assert _reply(model, FusedDecoder(model, vocabulary={*plain, 1, 2, 3})) == plain
    # Without the reply's first token that is not in the prompt, that token never appears.
    banned = next(t for t in plain if t not in PROMPT)
    allowed = set(range(VOCAB)) - {banned}
    restricted = _reply(model, FusedDecoder(model, vocabulary=allowed))
    assert banned not in restricted
    assert restricted[: plain.index(banned)] == plain[: plain.index(banned)]


def test_the_prompts_own_tokens_are_always_writable(model):
    head = FusedDecoder(model, vocabulary={1, 2}).head([50, 2, 60])
    assert head is not None
    assert head.ids.tolist() == [1, 2, 50, 60]
    logits = head.logits(torch.randn(1, 32))
    assert torch.isfinite(logits[0, [1, 2, 50, 60]]).all() and torch.isinf(logits[0, 3]).item()


def test_a_model_it_does_not_compute_exactly_is_left_to_transformers(model):
    from peft import LoraConfig, get_peft_model

    # Adapters on its layers (a model in training): the fused weights would leave them out.
    adapted = get_peft_model(copy.deepcopy(model), LoraConfig(r=2, target_modules=["q_proj", "v_proj"]))
    assert not FusedDecoder.supports(adapted)
    assert not FusedDecoder.supports(adapted.merge_and_unload().to(torch.bfloat16))
    assert FusedDecoder.supports(model)


def test_the_reply_vocabulary_has_the_texts_words_in_their_spellings_and_the_special_tokens(tmp_path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_lm_save(tmp_path, "I waited all morning."))
    vocabulary = reply_vocabulary(tokenizer, ["I waited"])
    vocab = tokenizer.get_vocab()
    assert {vocab["▁I"], vocab["▁waited"], tokenizer.eos_token_id} <= vocabulary
    assert vocab["▁morning."] not in vocabulary
