"""python manage.py drafttest --learners 20 --seconds 60: hints while typing under load (loopback)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from empathycamp.tools import drafttest, loadtest


class Command(BaseCommand):
    help = "Learners typing at once against a running server: idle → hint latency of hints while typing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--learners", type=int, default=20, help="Simulated learners typing at once (default 20).")
        parser.add_argument("--seconds", type=float, default=60.0, help="How long they type (default 60).")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="The running server (loopback only).")
        parser.add_argument("--scenario", type=int, default=None, help="Scenario id (default: the demo's first).")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--json", action="store_true", help="End with one line of JSON with the figures.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["learners"] <= 500:
            raise CommandError("--learners must be between 1 and 500.")
        if not 1 <= options["seconds"] <= 1800:
            raise CommandError("--seconds must be between 1 and 1800.")
        try:
            target = loadtest.target_parse(options["url"])
            loadtest.server_check(target)
            scenario = loadtest.scenario_pick(options["scenario"])
        except loadtest.LoadtestError as exc:
            raise CommandError(str(exc)) from exc
        loadtest.stale_accounts_delete()
        learners = loadtest.accounts_create(
            count=options["learners"], scenario=scenario, sessions_each=1, run_tag=uuid.uuid4().hex[:8]
        )
        try:
            result = asyncio.run(
                drafttest.drafttest_run(learners, target=target, seconds=options["seconds"], seed=options["seed"])
            )
        finally:
            loadtest.accounts_delete(learners)
        for line in drafttest.report_lines(result):
            self.stdout.write(line)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict()))
