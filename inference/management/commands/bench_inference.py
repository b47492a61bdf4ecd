"""python manage.py bench_inference [--json] [--n N]: batched analysis against one call per message."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from inference.management.commands._common import configure_registry, write_json_last


class Command(BaseCommand):
    help = "Benchmark the whole analysis (emotion + empathy + safety) on CPU, batched and one message at a time."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--n", type=int, default=2000, help="number of generated turns")
        parser.add_argument("--latency-samples", type=int, default=200)
        parser.add_argument("--batch-size", type=int, default=64)
        parser.add_argument("--threads", type=int, default=None, help="override settings.INFERENCE['threads']")
        parser.add_argument("--quantize", action="store_true", help="int8 dynamic quantisation")
        parser.add_argument("--dtype", default=None, help="auto, float32 or bfloat16 (default: settings, else auto)")
        parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")

    def handle(self, *args: Any, **options: Any) -> None:
        from inference.bench import run_bench

        # The benchmark is about the CPU path, whatever device the settings pick.
        configure_registry(
            device="cpu",
            threads=options["threads"],
            quantize=True if options["quantize"] else None,
            dtype=options["dtype"],
        )
        result = run_bench(
            n=options["n"],
            latency_samples=options["latency_samples"],
            batch_size=options["batch_size"],
            log=lambda line: self.stdout.write(line),
        )
        if options["json"]:
            write_json_last(self, result)
