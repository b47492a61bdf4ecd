"""The tokens a persona's reply may be made of: those of the persona corpus's text, every word of
it in the spellings a reply might use, the tokenizer's single characters and its special tokens.

Why: the output layer over SmolLM2's 49,152 tokens reads 113 MB of float32 a token, a fifth of a
decoding pass on a CPU; a persona's replies (plain everyday English about the situation on its
card) use a small part of them. `FusedDecoder` scores only these and the prompt's own tokens, so a
reply can still repeat any word it was given (a learner's, or an authored scenario's not in the
corpus). The single characters keep every text writable, one character a token where need be.
Greedy replies are unchanged wherever the model's likeliest token is in the set (the persona model
card counts how often it is not). Plain Python; the tokenizer is any transformers tokenizer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from inference.persona_corpus import Corpus

WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def corpus_texts(corpus: Corpus) -> Iterator[str]:
    """Every text of the corpus: the cards (bio, situation, opening, facts, authored replies) and
    the conversations (each turn and the guidance written for it)."""
    for card in corpus.cards.values():
        yield from (card.persona_name, card.persona_bio, card.situation, card.opening_line, card.voice)
        yield from card.facts.values()
        yield from (reply.text for reply in card.authored_replies)
    for dialogue in corpus.dialogues:
        for turn in dialogue.turns:
            yield turn.text
            if turn.guidance:
                yield turn.guidance


def reply_vocabulary(tokenizer: Any, texts: Iterable[str]) -> frozenset[int]:
    """The token ids of `texts` as written, of each of their words alone in four spellings (after a
    space or not, lower case or capitalised: BPE splits a word by what precedes it), of every
    single-character token and of the special tokens."""
    written = sorted(set(texts))  # the corpus repeats its authored lines as guidance, turn after turn
    words = {word for text in written for word in WORD.findall(text)}
    variants = [
        spelling for word in words for base in {word.lower(), word.capitalize()} for spelling in (base, " " + base)
    ]
    ids: set[int] = set()
    for chunk in (written, variants):
        for encoded in tokenizer(chunk, add_special_tokens=False)["input_ids"]:
            ids.update(encoded)
    vocab: dict[str, int] = tokenizer.get_vocab()
    ids.update(index for token, index in vocab.items() if len(token) == 1)
    ids.update(int(index) for index in tokenizer.all_special_ids)
    ids.update(int(index) for index in tokenizer.added_tokens_decoder)
    return frozenset(ids)
