"""``manage.py purge_transcripts [--days N] [--dry-run]``: delete practice transcripts past retention."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.services.retention import practice_transcripts_purge


class Command(BaseCommand):
    help = (
        "Delete practice sessions (their turns, analyses, guidance and summary) whose last activity is "
        "older than PRACTICE_RETENTION_DAYS (or --days). Course progress and quiz results stay."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="override settings.PRACTICE_RETENTION_DAYS")
        parser.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"] if options["days"] is not None else settings.PRACTICE_RETENTION_DAYS
        if days < 1:
            raise CommandError("--days must be at least 1 (a purge of today's sessions is never meant).")
        result = practice_transcripts_purge(older_than=timedelta(days=days), dry_run=options["dry_run"])
        verb = "Would delete" if options["dry_run"] else "Deleted"
        self.stdout.write(
            f"{verb} {result.sessions} practice sessions ({result.turns} turns) "
            f"last active before {result.cutoff:%Y-%m-%d %H:%M} UTC."
        )
