"""A tiny causal language model a test builds in a moment: a two-layer Llama, randomly initialised,
with a word-level tokenizer and a chat template, whose embeddings and output layer are then set
so that it says one given line, word by word, whatever it is asked. The real generation path
(`inference.generation.PersonaGenerator`: chat template, KV cache, sampling, decoding) runs on it
exactly as on SmolLM2, in milliseconds, and a test chooses what the persona "generates"."""

from __future__ import annotations

import itertools
from pathlib import Path

START = "<reply>"
END = "<|im_end|>"
# The prompt's words are unknown to the tokenizer (<unk>); only the generation prompt's marker
# decides the first word.
CHAT_TEMPLATE = (
    "{% for message in messages %} {{ message['content'] }}{% endfor %}"
    "{% if add_generation_prompt %} " + START + "{% endif %}"
)


def tiny_lm_save(folder: Path, line: str, *, seed: int = 0, layers: int = 2) -> Path:
    """Build the tiny model that says `line` (its words must not repeat) and save it, with its
    tokenizer, as a transformers folder; returns the folder. More `layers` say the same line, only
    slower (each adds a little time to every token: a browser test watches a reply arrive)."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    words = [f"▁{word}" for word in line.split()]
    if len(set(words)) != len(words):
        raise ValueError("the tiny model's line may not repeat a word")
    vocab = {"<unk>": 0, END: 1, f"▁{START}": 2}
    for word in words:
        vocab.setdefault(word, len(vocab))
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="<unk>", eos_token=END, pad_token=END)
    fast.chat_template = CHAT_TEMPLATE

    size = -(-len(vocab) // 4) * 4  # two heads of an even size
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=size,
        hidden_size=size,
        intermediate_size=16,
        num_hidden_layers=layers,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=512,
        tie_word_embeddings=False,
        eos_token_id=1,
        bos_token_id=None,
        pad_token_id=1,
    )
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        # The layers add nothing to the residual stream (their outputs are zeroed), so the last
        # position's hidden state is its token's one-hot embedding, and the output layer maps each
        # token to the next word of the line, then to the end of the turn.
        for layer in model.model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        model.model.embed_tokens.weight.copy_(torch.eye(size))
        model.lm_head.weight.zero_()
        chain = [vocab[f"▁{START}"], *(vocab[word] for word in words), vocab[END]]
        for current, following in itertools.pairwise(chain):
            model.lm_head.weight[following, current] = 10.0
    model.generation_config.eos_token_id = 1
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder
