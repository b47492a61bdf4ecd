"""python manage.py evaluate_persona [--adapter DIR] [--n N] [--json]: the generative persona's dev figures,
the base model and the adapter on the same dev turns, with the corpus's own replies as a reference."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from inference.management.commands._common import configure_registry, write_json_last


class Command(BaseCommand):
    help = (
        "Generate replies to a fixed, seeded sample of the persona corpus's dev turns with the base model and with "
        "the adapter, and report in-character, answered-question, repetition, safety-pass and fallback rates."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        from inference.persona_corpus import DATA_DIR
        from inference.training.persona_trainer import DEFAULT_OUT

        parser.add_argument("--data", default=str(DATA_DIR), help="the persona corpus folder")
        parser.add_argument("--adapter", default=str(DEFAULT_OUT), help="the adapter folder ('' : base model only)")
        parser.add_argument("--n", type=int, default=64, help="dev turns in the sample")
        parser.add_argument("--factual", type=int, default=24, help="of which factual questions")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--samples", type=int, default=5, help="sample replies to print")
        parser.add_argument(
            "--write", action="store_true", help="write EVALUATION.md and evaluation.json beside the adapter"
        )
        parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
        parser.add_argument(
            "--rejudge", default=None, help="judge the replies of a stored evaluation.json again (no generation)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from inference import analysis, persona_eval
        from inference.generation import GeneratorConfig, PersonaGenerator
        from inference.persona_corpus import load_corpus
        from inference.persona_prompts import split_turns

        configure_registry()
        turns = persona_eval.eval_sample(
            split_turns(load_corpus(Path(options["data"])), "dev"),
            options["n"],
            factual=options["factual"],
            seed=options["seed"],
        )
        config = GeneratorConfig(
            model_path=settings.PERSONA_MODEL_PATH,
            cache_dir=settings.PERSONA_MODEL_CACHE_DIR,
            dtype=settings.INFERENCE["dtype"],
            max_new_tokens=settings.PERSONA_MAX_NEW_TOKENS,
            temperature=settings.PERSONA_TEMPERATURE,
        )
        if options["rejudge"]:
            result = self.rejudge(Path(options["rejudge"]), turns)
            adapter = Path(options["adapter"]) if options["adapter"] else None
            self.report(result, adapter, options)
            return
        generators: dict[str, Any] = {"base": PersonaGenerator.load(config)}
        adapter = Path(options["adapter"]) if options["adapter"] else None
        if adapter is not None:
            if not (adapter / "adapter_config.json").is_file():
                raise CommandError(
                    f"{adapter}: no adapter_config.json (train one with train_persona, or pass --adapter '')"
                )
            generators["adapter"] = PersonaGenerator.load(
                GeneratorConfig(**{**config.__dict__, "adapter_path": str(adapter)})
            )
        result = persona_eval.compare(
            turns, generators, screen=analysis.screen_generated, seed=options["seed"], log=self.stdout.write
        )
        result["adapter"] = str(adapter) if adapter else None
        result["versions"] = {name: g.version for name, g in generators.items()}
        self.report(result, adapter, options)

    def rejudge(self, stored: Path, turns: list[Any]) -> dict[str, Any]:
        """The stored evaluation's replies judged by today's checks (the same turns: same --n, --factual, --seed)."""
        import json

        from inference import analysis, persona_eval

        old = json.loads(stored.read_text(encoding="utf-8"))
        if [row["turn"] for row in old["replies"]] != [t.key for t in turns]:
            raise CommandError(f"{stored}: its turns are not this sample's (give the same --n, --factual and --seed)")
        names = [name for name in old["models"] if name != persona_eval.REFERENCE]
        replies = {
            persona_eval.REFERENCE: [t.reply for t in turns],
            **{
                name: [row[name]["reply"] for row in old["replies"]]
                for name in sorted(names, key=["base", "adapter"].index)
            },
        }
        seconds = {name: old["models"][name].get("seconds_per_reply", 0.0) for name in names}
        result = persona_eval.judged_result(
            turns, replies, seconds=seconds, screen=analysis.screen_generated, seed=old["seed"]
        )
        result.update({"adapter": old.get("adapter"), "versions": old.get("versions", {}), "rejudged": True})
        return result

    def report(self, result: dict[str, Any], adapter: Path | None, options: dict[str, Any]) -> None:
        from inference import persona_eval

        for line in persona_eval.report_table(result):
            self.stdout.write(line)
        for line in persona_eval.sample_lines(result, options["samples"]):
            self.stdout.write(line)
        if options["write"] and adapter is not None:
            persona_eval.report_write(result, adapter, samples=options["samples"])
        if options["json"]:
            write_json_last(self, result)
