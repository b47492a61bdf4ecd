"""Learner state: enrolments, per-item progress and quiz attempts.

Unique constraints make every write idempotent: a double click or a retry can never
count an item twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .content import Course, Item, Quiz


class Enrollment(models.Model):
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    enrolled_at = models.DateTimeField(auto_now_add=True)
    last_item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_activity_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "course"], name="one_enrollment_per_learner_course")]

    def __str__(self) -> str:
        return f"{self.learner} in {self.course}"


class ItemProgress(models.Model):
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="item_progress")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="progress")
    started_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    best_score = models.FloatField(
        null=True, blank=True, help_text="Quiz: best share correct; scenario: session score."
    )
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "item"], name="one_progress_per_learner_item")]
        verbose_name_plural = "item progress"

    def __str__(self) -> str:
        return f"{self.learner} · {self.item}"


class QuizAttempt(models.Model):
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    answers = models.JSONField(default=dict, help_text="question id → chosen choice ids")
    correct = models.PositiveIntegerField()
    total = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def score(self) -> float:
        return self.correct / self.total if self.total else 0.0
