"""Live practice: a learner's role-play session with a persona, and its turns.

Learner state, like progress.py. A turn is saved before anything is analysed, so a dropped
socket, a page reload or a worker restart never loses what the learner wrote.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from .content import PersonaReply, Scenario


class PracticeSession(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused for wellbeing"
        CLOSING = "closing", "Wrapping up"  # the learner ended it; the persona's closing line is on its way
        COMPLETED = "completed", "Completed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_sessions")
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="sessions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    persona_state = models.JSONField(default=dict, help_text="Current feelings: label → intensity 0..1")
    goals_met = models.JSONField(default=list, help_text="Ids of ScenarioGoals met so far")
    score = models.FloatField(null=True, blank=True, help_text="Session score 0..1 for the dashboard")
    summary = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["learner", "scenario", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.learner} · {self.scenario} · {self.created_at:%Y-%m-%d %H:%M}"


class Turn(models.Model):
    class Role(models.TextChoices):
        LEARNER = "learner", "Learner"
        PERSONA = "persona", "Persona"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Analysing"
        # A generated persona reply on its way: its text so far is kept in Redis
        # (courses/practice/streams.py); `text` holds the authored fallback until it is done.
        STREAMING = "streaming", "Streaming"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    session = models.ForeignKey(PracticeSession, on_delete=models.CASCADE, related_name="turns")
    index = models.PositiveIntegerField(help_text="Position in the conversation, from 0 (the opening line)")
    role = models.CharField(max_length=8, choices=Role.choices)
    client_id = models.UUIDField(null=True, blank=True, help_text="Client-generated id of a learner turn")
    text = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DONE, db_index=True)
    failure_reason = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    analysis = models.JSONField(null=True, blank=True, help_text="Emotion, empathy and safety analysis")
    guidance = models.JSONField(null=True, blank=True)
    persona_state = models.JSONField(null=True, blank=True, help_text="Persona feelings after this turn")
    reply = models.ForeignKey(PersonaReply, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # A persona turn points at the learner turn it answers; one-to-one, so a retried task can
    # never write two answers to the same turn.
    in_reply_to = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="persona_reply"
    )
    # A persona turn's engine, and for a generated one the model version, whether it fell back to
    # the authored line and why (courses/practice/persona_stream.py). Null on turns saved before it.
    generation = models.JSONField(null=True, blank=True, help_text="Engine, model version, fallback")
    created_at = models.DateTimeField(auto_now_add=True)
    analysed_at = models.DateTimeField(null=True, blank=True)
    # When a worker last claimed the turn (queued → running), and when the sweeper last queued it
    # again: how a turn left running by a dead worker, or queued with no task, is found.
    claimed_at = models.DateTimeField(null=True, blank=True)
    requeued_at = models.DateTimeField(null=True, blank=True)
    # Which worker process claimed it ("host:pid", its heartbeat's name): a turn whose claimer no
    # longer beats is queued again within a minute instead of after the running limit, and only the
    # claimer may save its analysis.
    claimed_by = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["session", "index"]
        constraints = [
            models.UniqueConstraint(fields=["session", "index"], name="one_turn_per_position"),
            models.UniqueConstraint(
                fields=["session", "client_id"],
                condition=models.Q(client_id__isnull=False),
                name="one_turn_per_client_id",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.role} #{self.index}: {self.text[:40]}"
