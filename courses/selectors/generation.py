"""Reads for instructors about a generative persona: how its generated replies ended lately."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from courses.models import Scenario, Turn

# The newest replies read for the report; enough to see a rate, bounded for a busy scenario.
REPORT_LIMIT = 2000


@dataclass(frozen=True)
class GenerationReport:
    """A scenario's generated persona replies over the last `days` days."""

    days: int
    replies: int = 0
    generated: int = 0  # every sentence passed
    trimmed: int = 0  # the sentences before one that failed a check
    fell_back: Counter[str] = field(default_factory=Counter)  # the authored line said, by reason
    models: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.replies:
            return f"No generated replies in the last {self.days} days."
        fell_back = sum(self.fell_back.values())
        reasons = ", ".join(f"{reason.replace('_', ' ')} {count}" for reason, count in self.fell_back.most_common())
        parts = [
            f"{self.replies} generated replies in the last {self.days} days",
            f"{self.generated} said as generated",
            f"{self.trimmed} cut short at a sentence that failed a check",
            f"{fell_back} fell back to the authored line ({fell_back / self.replies:.0%})"
            + (f": {reasons}" if reasons else ""),
        ]
        if self.models:
            parts.append("model " + ", ".join(self.models))
        return "; ".join(parts) + "."


def generation_report(*, scenario: Scenario, days: int = 30) -> GenerationReport:
    """How the scenario's generated persona replies of the last `days` days ended (one query)."""
    records = (
        Turn.objects.filter(
            session__scenario=scenario,
            role=Turn.Role.PERSONA,
            status=Turn.Status.DONE,
            generation__engine=Scenario.Engine.GENERATIVE,
            created_at__gte=timezone.now() - timedelta(days=days),
        )
        .order_by("-created_at")
        .values_list("generation", flat=True)[:REPORT_LIMIT]
    )
    report = GenerationReport(days=days)
    replies = generated = trimmed = 0
    models: list[str] = []
    for record in records:
        if not isinstance(record, dict) or "fell_back" not in record:
            continue
        replies += 1
        if record.get("fell_back"):
            report.fell_back[str(record.get("reason") or "unknown")] += 1
        elif record.get("reason"):
            trimmed += 1
        else:
            generated += 1
        model = record.get("model")
        if isinstance(model, str) and model not in models:
            models.append(model)
    return GenerationReport(
        days=days, replies=replies, generated=generated, trimmed=trimmed, fell_back=report.fell_back, models=models
    )
