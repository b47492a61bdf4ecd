"""python manage.py loadtest --learners 50 --turns 5 [--url http://127.0.0.1:8000] [--json]

Runs simulated learners against a RUNNING server on this machine (loopback only) and prints
turns sent, analysed and lost, and the send → analysis latency. The server and this command
must share the database (DATABASE_URL): the learners' accounts and sessions are written here
and read there. Everything the run creates is deleted at the end.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from empathycamp.tools import loadtest


class Command(BaseCommand):
    help = "Load-test live practice: N websocket learners × M turns against a running server on loopback."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--learners", type=int, default=10, help="Simulated learners, all at once (default 10).")
        parser.add_argument("--turns", type=int, default=5, help="Turns each learner sends (default 5).")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="The running server (loopback only).")
        parser.add_argument("--json", action="store_true", help="End with one line of JSON with the figures.")
        parser.add_argument(
            "--scenario", type=int, default=None, help="Scenario id (default: the demo course's longest)."
        )
        parser.add_argument("--timeout", type=float, default=180.0, help="Stop everything after this many seconds.")
        parser.add_argument(
            "--turn-timeout", type=float, default=30.0, help="Give up on one turn after this many seconds."
        )
        parser.add_argument(
            "--think-ms",
            type=int,
            default=None,
            help="Pause between a reply and the next turn, jittered ±50%% (default: the sustained pace the "
            "rate limit allows, 60 s / PRACTICE_TURNS_PER_MINUTE; 0 floods).",
        )
        parser.add_argument(
            "--ramp",
            type=float,
            default=None,
            help="Spread the learners' starts over this many seconds (default: one think time).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Seed for the choice of sentences.")
        parser.add_argument(
            "--keep", action="store_true", help="Keep the accounts and sessions afterwards (to inspect)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        learners_n: int = options["learners"]
        turns: int = options["turns"]
        if not 1 <= learners_n <= 1000:
            raise CommandError("--learners must be between 1 and 1000.")
        if not 1 <= turns <= 100:
            raise CommandError("--turns must be between 1 and 100.")
        if options["timeout"] <= 0 or options["turn_timeout"] <= 0:
            raise CommandError("Timeouts must be positive.")
        # A real learner cannot keep up more than the rate limit allows: pace at that by default, so
        # the figures describe the most a cohort of this size may ask of the server. --think-ms 0
        # --ramp 0 is the flood: every learner sends again the moment a reply ends.
        think_ms = options["think_ms"]
        if think_ms is None:
            think_ms = 60_000 // max(1, settings.PRACTICE_TURNS_PER_MINUTE)
        ramp_s = options["ramp"] if options["ramp"] is not None else think_ms / 1000
        if think_ms < 0 or ramp_s < 0:
            raise CommandError("--think-ms and --ramp cannot be negative.")
        try:
            target = loadtest.target_parse(options["url"])
            loadtest.server_check(target)
            scenario = loadtest.scenario_pick(options["scenario"])
        except loadtest.LoadtestError as exc:
            raise CommandError(str(exc)) from exc

        try:
            import websockets  # noqa: F401
        except ImportError as exc:
            raise CommandError("The websockets package is needed: pip install -r requirements.txt") from exc

        quiet = options["json"]
        stale = loadtest.stale_accounts_delete()
        if stale and not quiet:
            self.stdout.write(f"Removed {stale} rows left by an earlier run.")
        run_tag = uuid.uuid4().hex[:8]
        if not quiet:
            self.stdout.write(
                f"Creating {learners_n} learners on “{scenario.title}” (max {scenario.max_turns} turns a session)…"
            )
        learners: list[loadtest.SimulatedLearner] = []
        try:
            learners = loadtest.accounts_create(
                count=learners_n,
                scenario=scenario,
                sessions_each=loadtest.sessions_needed(turns=turns, scenario=scenario),
                run_tag=run_tag,
            )
            if not quiet:
                self.stdout.write(f"Running {learners_n} × {turns} turns against {target.http_base}…")
            result = asyncio.run(
                loadtest.loadtest_run(
                    learners,
                    target=target,
                    turns=turns,
                    scenario=scenario,
                    timeout=options["timeout"],
                    turn_timeout=options["turn_timeout"],
                    think_ms=think_ms,
                    ramp_s=ramp_s,
                    seed=options["seed"],
                )
            )
        finally:
            if learners and not options["keep"]:
                loadtest.accounts_delete(learners)

        for line in loadtest.report_lines(result):
            self.stdout.write(line)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), sort_keys=False))
