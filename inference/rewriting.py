"""An example rewrite written by the persona's language model: a minimal edit of the learner's own
reply that takes out what got in the way (a communication blocker) and adds the missing mechanism.

Plain torch and transformers (no Django). The model is the generative persona's
(`inference.registry.persona_generator()`: SmolLM2-135M-Instruct by default, or an operator's
model); the prompt is a short editing instruction with two worked examples, then the persona's
message, the learner's reply, the blocker's words to take out, the words to keep and the move to
add. The answer is begun with the kept words and the model writes what it adds (asked for the whole
edit, SmolLM2-135M mostly wrote out the persona's message or an example's answer instead);
decoding is greedy, with no repetition penalty (an edit copies). What comes back is only a
candidate: the worker (`courses/practice/rewrite_generation.py`) keeps it only when it is a
minimal edit, the empathy scorer rates it higher than the learner's reply with no blocker and the
safety screen passes it; otherwise the learner sees the template rewrite.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Final, Protocol

MAX_NEW_TOKENS: Final = 64
# A rewrite is one to three sentences, as the learner's reply is; longer output is cut at a sentence end.
MAX_CHARS: Final = 400

# What each blocker does, in words a small model can act on (inference.schema.BLOCKER_NAMES).
BLOCKER_WORDS: Final[dict[str, str]] = {
    "advice": "it jumps to advice before they feel heard",
    "dismissive": "it brushes their feeling aside",
    "judging": "it sounds like blame",
    "self_focus": "it turns the talk to the writer",
    "false_reassurance": "it promises things will be fine",
    "closed_question": "it only asks for a fact",
    "deflection": "it moves away from their feeling",
}
# What each mechanism adds, as a few words to write (inference.schema.Mechanism).
MECHANISM_WORDS: Final[dict[str, str]] = {
    "er": "a few words naming how they feel, like “that sounds really hard”",
    "ip": "a few words saying back what this means to them, like “it sounds like you've been carrying this alone”",
    "ex": "one short open question about how it is for them, like “what's been the hardest part?”",
}

SYSTEM: Final = (
    "You edit a reply so that it shows more empathy, changing as few words as possible. Keep the "
    "writer's own words. Take out only the words you are told to take out, and add only what you are "
    "told to add. Write the edited reply only, nothing else."
)


@dataclass(frozen=True)
class RewriteRequest:
    """What the edit is asked to do: the persona's message, the learner's reply to it, the blocker's
    words to take out (None: none found) and the mechanism to add (None: only take out)."""

    persona_message: str
    learner_reply: str
    blocker: str | None = None
    blocker_words: str | None = None
    mechanism: str | None = None
    keep: str = ""  # the learner's words the edit keeps (the reply without the blocker's words)


# Two worked examples: a small model copies the shape of an answer better than it follows a rule, and
# each shows the kept words copied as they are, with one short addition (a feeling named before
# them; a question after them).
EXAMPLES: Final = (
    (
        RewriteRequest(
            persona_message="My landlord says he'll keep my whole deposit over one scuff on the wall.",
            learner_reply="Two years of rent on time and he does that. You should take him to court.",
            blocker="advice",
            blocker_words="You should take him to court.",
            mechanism="er",
            keep="Two years of rent on time and he does that.",
        ),
        "That sounds so unfair. Two years of rent on time and he does that.",
    ),
    (
        RewriteRequest(
            persona_message="I didn't get the job. I really thought this one was mine.",
            learner_reply="I'm sorry, you worked so hard for it. Don't worry, something better will come.",
            blocker="false_reassurance",
            blocker_words="Don't worry, something better will come.",
            mechanism="ex",
            keep="I'm sorry, you worked so hard for it.",
        ),
        "I'm sorry, you worked so hard for it. What was the hardest part of hearing no?",
    ),
)


def example_words(request: RewriteRequest) -> frozenset[str]:
    """Words of four letters or more that only the worked examples say: not in the instruction, the
    hints, or this request's own texts. An edit that adds one copied an example (SmolLM2-135M
    added "What was the hardest part of hearing no?", from the job example, to a reply about a
    grandfather's retirement)."""
    said = " ".join(
        [
            SYSTEM,
            *MECHANISM_WORDS.values(),
            *BLOCKER_WORDS.values(),
            request.persona_message,
            request.learner_reply,
        ]
    )
    ours = set(_words(said))
    theirs = {
        w for example, answer in EXAMPLES for w in _words(f"{example.persona_message} {example.learner_reply} {answer}")
    }
    return frozenset(w for w in theirs - ours if len(w) >= 4)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower().replace("’", "'"))


class EditingModel(Protocol):
    """What an edit needs of `inference.generation.PersonaGenerator` (a test's tiny model too)."""

    @property
    def model(self) -> Any: ...
    @property
    def tokenizer(self) -> Any: ...
    @property
    def stop_ids(self) -> Collection[int]: ...
    @property
    def version(self) -> str: ...


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _request_text(request: RewriteRequest) -> str:
    lines = [
        f'They said: "{_one_line(request.persona_message)}"',
        f'The reply: "{_one_line(request.learner_reply)}"',
    ]
    if request.blocker_words:
        why = BLOCKER_WORDS.get(request.blocker or "", "it gets in the way")
        lines.append(f'Take out: "{_one_line(request.blocker_words)}" ({why}).')
    if request.keep:
        lines.append(f'Keep, word for word: "{_one_line(request.keep)}"')
    if request.mechanism in MECHANISM_WORDS:
        lines.append(f"Add: {MECHANISM_WORDS[request.mechanism]}.")
    lines.append("Edited reply:")
    return "\n".join(lines)


def rewrite_messages(request: RewriteRequest) -> list[dict[str, str]]:
    """The chat messages for the model's template: the instruction, the worked examples, the request."""
    messages = [{"role": "system", "content": SYSTEM}]
    for example, answer in EXAMPLES:
        messages += [{"role": "user", "content": _request_text(example)}, {"role": "assistant", "content": answer}]
    return [*messages, {"role": "user", "content": _request_text(request)}]


_LABEL = re.compile(r"^\s*(?:edited reply|the reply|reply|answer)\s*:\s*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…](?=\s|$)")


def sentences(text: str) -> list[str]:
    """`text` cut after each sentence end (the last piece may have none)."""
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        pieces.append(text[start : match.end()].strip())
        start = match.end()
    pieces.append(text[start:].strip())
    return [piece for piece in pieces if piece]


def rewrite_clean(raw: str, *, max_sentences: int = 4) -> str:
    """The model's answer as a rewrite: its first line, without a label ("Edited reply:") or the
    quotes around it, whitespace collapsed, a sentence said twice said once, at most `max_sentences`
    sentences and MAX_CHARS (a small model goes on past the edit, repeating itself)."""
    line = next((part for part in raw.strip().splitlines() if part.strip()), "")
    line = _LABEL.sub("", line).strip()
    if len(line) >= 2 and line[0] in "\"“'" and line[-1] in "\"”'":
        line = line[1:-1]
    line = " ".join(line.strip().strip('"“”').split())
    kept: list[str] = []
    for sentence in sentences(line):
        if sentence.lower() in {k.lower() for k in kept}:
            continue
        if len(kept) >= max_sentences or len(" ".join([*kept, sentence])) > MAX_CHARS:
            break
        kept.append(sentence)
    return " ".join(kept)


def rewrite_generate(
    editor: EditingModel,
    request: RewriteRequest,
    *,
    max_new_tokens: int = MAX_NEW_TOKENS,
    prefill: bool = True,
) -> str:
    """The model's minimal edit of the learner's reply (greedy), cleaned (`rewrite_clean`); "" when
    it wrote nothing usable. With `prefill` (and words to keep), the model's answer is begun with the
    learner's kept words and it writes what follows: the edit is those words and what it adds
    (SmolLM2-135M, asked to write the whole edit, mostly rewrote the persona's message or the
    worked example instead). Grad mode is left as it was (inference_mode inside)."""
    import torch

    encoded = editor.tokenizer.apply_chat_template(
        rewrite_messages(request), add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    device = next(editor.model.parameters()).device
    input_ids = encoded["input_ids"].to(device)
    start = " ".join(request.keep.split()) if prefill else ""
    if start:
        begun = editor.tokenizer(start, add_special_tokens=False, return_tensors="pt")["input_ids"].to(device)
        input_ids = torch.cat([input_ids, begun], dim=1)
    stops = sorted(editor.stop_ids)
    pad = editor.tokenizer.pad_token_id if editor.tokenizer.pad_token_id is not None else stops[0] if stops else 0
    with torch.inference_mode():
        out = editor.model.generate(
            input_ids=input_ids,
            attention_mask=torch.ones_like(input_ids),
            max_new_tokens=max_new_tokens,
            do_sample=False,
            num_beams=1,
            repetition_penalty=1.0,
            eos_token_id=stops or None,
            pad_token_id=pad,
        )
    text = str(editor.tokenizer.decode(out[0, input_ids.shape[1] :], skip_special_tokens=True))
    if start:
        # What it added, on the kept words' line; a model that only ended the line added nothing.
        added = text.splitlines()[0] if text.strip() else ""
        text = start + ("" if not added or added[0] in " ,.;:!?" else " ") + added.rstrip()
    # The learner's sentences, and one or two added: an edit, not a longer reply.
    return rewrite_clean(text, max_sentences=len(sentences(request.keep or request.learner_reply)) + 2)
