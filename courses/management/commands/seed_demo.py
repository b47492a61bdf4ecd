"""`manage.py seed_demo`: load the demo course and demo accounts (safe to run again)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand

from courses.services.demo import SITE_URL, demo_seed


def _plural(label: str, count: int) -> str:
    if count == 1:
        return label
    if label.endswith("y"):
        return label[:-1] + "ies"
    return label + ("zes" if label.endswith("z") else "s")


def _tally(counter: Counter[str]) -> str:
    return ", ".join(f"{count} {_plural(label, count)}" for label, count in counter.items()) or "nothing"


class Command(BaseCommand):
    help = 'Load the demo course "Empathy Foundations" and the learner, instructor and admin demo accounts.'

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo_seed()
        course = result.course
        self.stdout.write(f'Demo course "{course.title}" ({course.get_status_display().lower()}):')
        if not result.changed:
            self.stdout.write("  already up to date")
        else:
            self.stdout.write(f"  created:   {_tally(result.created)}")
            self.stdout.write(f"  updated:   {_tally(result.updated)}")
            if result.removed:
                self.stdout.write(f"  removed:   {_tally(result.removed)} (old versions of changed sets)")
        self.stdout.write(self.style.SUCCESS(f"\nOpen {SITE_URL} and log in as:"))
        for account in result.accounts:
            note = "new" if account.created else "existing account; password left as it was"
            self.stdout.write(f"  {account.role:<11} {account.username} / {account.password}   ({note})")
