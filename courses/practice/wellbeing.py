"""What the learner is offered when their own words raise a safety concern: one wording, used by
the coaching card the server stores and by the page (through `events.page_constants`)."""

from __future__ import annotations

from typing import Final, TypedDict


class ResourceLine(TypedDict):
    title: str
    text: str


class WellbeingResources(TypedDict):
    title: str
    body: str
    lines: list[ResourceLine]
    continue_label: str


WELLBEING_RESOURCES: Final[WellbeingResources] = {
    "title": "Let's take a pause",
    "body": (
        "Some of what you wrote sounds like it might be about you, not only the role-play. "
        "If anything here is weighing on you, you don't have to carry it alone."
    ),
    "lines": [
        {"title": "Talk to someone you trust", "text": "A friend, family member, colleague or doctor."},
        {
            "title": "In an emergency",
            "text": "If you or someone else is in danger right now, call your local emergency number "
            "(112 in Europe, 911 in the US).",
        },
        {
            "title": "Crisis line",
            "text": "In the US, call or text 988 (Suicide & Crisis Lifeline), any time, free and confidential.",
        },
    ],
    "continue_label": "I'm okay, continue the practice",
}
