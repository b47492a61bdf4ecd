"""``manage.py evaluate_coaching --data FILE [--json] [--show-mistakes]``: the judgement a learner
meets, on role-play replies labelled by a coach (the corpus format)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inference.coaching_eval import (
    HEADLINE,
    CoachedReply,
    CoachingDataError,
    Judgement,
    evaluate,
    format_report,
    judgement_of,
    load_corpus,
)
from inference.management.commands._common import configure_registry, write_json_last


def _judge(rows: Sequence[CoachedReply]) -> list[Judgement]:
    """Each reply analysed against the persona message it answers, in one batched call, as the
    practice worker does."""
    from inference.analysis import TurnInput, analyse_turns

    analyses = analyse_turns([TurnInput(text=row.learner_reply, context=row.persona_message) for row in rows])
    return [judgement_of(analysis) for analysis in analyses]


class Command(BaseCommand):
    help = (
        "Evaluate the coaching judgement (levels shown, blockers) on a CSV with columns "
        "persona_message, learner_reply, er, ip, ex, blocker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", required=True, help="CSV in the role-play corpus format.")
        parser.add_argument("--json", action="store_true", help="End with one JSON line of the headline figures.")
        parser.add_argument("--device", default=None, help="Override settings.INFERENCE['device'].")
        parser.add_argument("--show-mistakes", action="store_true", help="List the replies judged unlike the coach.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rows = load_corpus(options["data"])
        except CoachingDataError as error:
            raise CommandError(str(error)) from error
        configure_registry(device=options["device"])
        report = evaluate(rows, _judge)
        if options["json"]:
            payload = {key: report[key] for key in HEADLINE}
            payload["per_blocker"] = report["per_blocker"]
            if options["show_mistakes"]:
                payload["mistakes"] = report["mistakes"]
            write_json_last(self, payload)
        else:
            self.stdout.write(format_report(report, show_mistakes=options["show_mistakes"]))
