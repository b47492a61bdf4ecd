"""Authored content: what instructors write in the admin. Learner state lives in progress.py."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from inference.labels import GOEMOTIONS_LABELS
from inference.persona_facts import FactsError, facts_parse, facts_read

# The emotion detector's 28 GoEmotions labels (Demszky et al., 2020): what a persona's authored
# feelings may name. inference.labels is plain Python, so validating a form loads no model code.
EMOTION_LABELS: tuple[str, ...] = GOEMOTIONS_LABELS


def validate_emotion_map(value: object) -> None:
    """A persona's emotions: {"anger": 0.7, ...} with GoEmotions names and 0..1 intensities."""
    if not isinstance(value, dict):
        raise ValidationError('Give emotions as an object, e.g. {"anger": 0.7}.')
    for label, intensity in value.items():
        if label not in EMOTION_LABELS:
            raise ValidationError(f"“{label}” is not a GoEmotions label.")
        if not isinstance(intensity, (int, float)) or not 0 <= intensity <= 1:
            raise ValidationError(f"Intensity of “{label}” must be a number from 0 to 1.")


def validate_persona_facts(value: object) -> None:
    """A persona's facts: one “what: the fact” a line (`inference.persona_facts`)."""
    if not isinstance(value, str):
        raise ValidationError("Write the facts as text, one “what: the fact” a line.")
    try:
        facts_parse(value)
    except FactsError as error:
        raise ValidationError(str(error)) from None


def validate_emotion_list(value: object) -> None:
    if not isinstance(value, list) or any(label not in EMOTION_LABELS for label in value):
        raise ValidationError('Give a list of GoEmotions labels, e.g. ["annoyance", "disapproval"].')


class Course(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True, help_text="Markdown.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def get_absolute_url(self) -> str:
        return reverse("courses:course", kwargs={"slug": self.slug})


class Module(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0, db_index=True)

    class Meta:
        ordering = ["course", "order", "id"]

    def __str__(self) -> str:
        return f"{self.course}: {self.title}"


class Item(models.Model):
    """One ordered step of a module: a lesson, a quiz or a scenario (multi-table inheritance,
    so progress rows point at one table whatever the kind)."""

    class Kind(models.TextChoices):
        LESSON = "lesson", "Lesson"
        QUIZ = "quiz", "Quiz"
        SCENARIO = "scenario", "Scenario"

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=10, choices=Kind.choices, editable=False)
    title = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=0, db_index=True)

    class Meta:
        ordering = ["module__order", "order", "id"]

    def __str__(self) -> str:
        return self.title

    def concrete(self) -> Lesson | Quiz | Scenario:
        """The lesson, quiz or scenario this item is."""
        # Multi-table inheritance names each child's one-to-one accessor after its model: the kind.
        concrete: Lesson | Quiz | Scenario = getattr(self, self.kind)
        return concrete

    def get_absolute_url(self) -> str:
        return reverse(f"courses:{self.kind}", kwargs={"item_id": self.pk})


class Lesson(Item):
    body = models.TextField(help_text="Markdown. Rendered to sanitised HTML.")
    estimated_minutes = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(1)])

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.kind = Item.Kind.LESSON
        super().save(*args, **kwargs)


class Quiz(Item):
    introduction = models.TextField(blank=True, help_text="Markdown.")
    pass_mark = models.PositiveSmallIntegerField(
        default=70, validators=[MaxValueValidator(100)], help_text="Percent needed to complete the quiz."
    )

    class Meta:
        verbose_name_plural = "quizzes"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.kind = Item.Kind.QUIZ
        super().save(*args, **kwargs)


class Question(models.Model):
    class Topic(models.TextChoices):
        EMOTION = "emotion", "Emotion recognition"
        EMPATHY = "empathy", "Empathic response"

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    topic = models.CharField(max_length=10, choices=Topic.choices, default=Topic.EMOTION)
    prompt = models.TextField(help_text="The question, e.g. “Which emotion is strongest here?”")
    message = models.TextField(blank=True, help_text="A short message from someone, quoted above the question.")
    explanation = models.TextField(help_text="Shown after answering.")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["quiz", "order", "id"]

    def __str__(self) -> str:
        return self.prompt[:80]

    @property
    def allows_several(self) -> bool:
        return sum(1 for choice in self.choices.all() if choice.is_correct) > 1


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(max_length=300)
    is_correct = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["question", "order", "id"]

    def __str__(self) -> str:
        return self.text


class Scenario(Item):
    class Setting(models.TextChoices):
        CUSTOMER_SERVICE = "customer_service", "Customer service"
        PEER_SUPPORT = "peer_support", "Peer support"
        EDUCATION = "education", "Education"
        HEALTHCARE = "healthcare", "Healthcare"
        WORKPLACE = "workplace", "Workplace"
        FAMILY = "family", "Family"

    class Difficulty(models.IntegerChoices):
        GENTLE = 1, "Gentle"
        MODERATE = 2, "Moderate"
        CHALLENGING = 3, "Challenging"

    class Engine(models.TextChoices):
        # Chosen per scenario (courses/practice/engine.py): the authored replies as they are, or a
        # language model's words guided by the authored reply that fits (closing lines stay authored).
        SCRIPTED = "scripted", "Scripted (authored replies)"
        GENERATIVE = "generative", "Generative (grounded in the authored replies)"

    persona_name = models.CharField(max_length=100)
    persona_bio = models.TextField(help_text="Who they are, in two or three sentences.")
    setting = models.CharField(max_length=20, choices=Setting.choices)
    difficulty = models.PositiveSmallIntegerField(choices=Difficulty.choices, default=Difficulty.MODERATE)
    situation = models.TextField(blank=True, help_text="What the learner is told before starting.")
    opening_line = models.TextField()
    starting_emotions = models.JSONField(
        default=dict, validators=[validate_emotion_map], help_text='e.g. {"anger": 0.7, "disappointment": 0.5}'
    )
    max_turns = models.PositiveSmallIntegerField(default=8, validators=[MinValueValidator(1), MaxValueValidator(50)])
    engine = models.CharField(max_length=20, choices=Engine.choices, default=Engine.SCRIPTED)
    persona_facts = models.TextField(
        blank=True,
        validators=[validate_persona_facts],
        help_text=(
            "Facts a learner may ask the persona about, one a line as “what: the fact”, e.g. “order number: 48213-B” "
            "or “appointment: Tuesday 14 May at 9:40”. The generative persona answers with them; the scripted one "
            "says its authored replies."
        ),
    )

    @property
    def facts(self) -> dict[str, str]:
        """The persona's facts for its prompt (a line the admin would refuse is left out)."""
        return facts_read(self.persona_facts)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.kind = Item.Kind.SCENARIO
        super().save(*args, **kwargs)


class ScenarioGoal(models.Model):
    """A learning goal, met when enough learner turns reach a level on one mechanism."""

    class Mechanism(models.TextChoices):
        EMOTIONAL_REACTION = "er", "Emotional reaction"
        INTERPRETATION = "ip", "Interpretation"
        EXPLORATION = "ex", "Exploration"

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="goals")
    description = models.CharField(max_length=300)
    mechanism = models.CharField(max_length=2, choices=Mechanism.choices)
    min_level = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(2)])
    min_turns = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["scenario", "order", "id"]

    def __str__(self) -> str:
        return self.description


class PersonaReply(models.Model):
    """An authored persona line and the conditions, over the analysis of the learner's
    last turn, under which it fits. Blank conditions match anything."""

    class Tone(models.TextChoices):
        ANY = "any", "Any tone"
        DISMISSIVE = "dismissive", "Dismissive or blaming (disapproval, annoyance, anger…)"
        WARM = "warm", "Warm (caring, approval…)"

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="replies")
    text = models.TextField()
    min_er = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(2)])
    max_er = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(2)])
    min_ip = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(2)])
    max_ip = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(2)])
    min_ex = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(2)])
    max_ex = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(2)])
    asked_question = models.BooleanField(
        null=True, blank=True, help_text="Yes: only when the learner asked a question. No: only when not."
    )
    tone = models.CharField(max_length=12, choices=Tone.choices, default=Tone.ANY)
    min_turn = models.PositiveSmallIntegerField(null=True, blank=True)
    max_turn = models.PositiveSmallIntegerField(null=True, blank=True)
    is_closing = models.BooleanField(default=False, help_text="Used to end the conversation once goals are met.")
    example_learner_lines = models.TextField(
        blank=True, help_text="One a line: things a learner might say that this reply answers well (breaks ties)."
    )
    emotion_shift = models.JSONField(
        default=dict, blank=True, help_text='How the persona\'s feelings move with this reply, e.g. {"anger": -0.2}'
    )
    priority = models.SmallIntegerField(default=0, help_text="Higher wins when several replies fit equally.")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["scenario", "order", "id"]
        verbose_name_plural = "persona replies"

    def __str__(self) -> str:
        return self.text[:80]

    def clean(self) -> None:
        for low, high in (("min_er", "max_er"), ("min_ip", "max_ip"), ("min_ex", "max_ex"), ("min_turn", "max_turn")):
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and lo > hi:
                raise ValidationError({low: f"{low} cannot be above {high}."})
        if not isinstance(self.emotion_shift, dict) or any(
            label not in EMOTION_LABELS or not isinstance(v, (int, float)) or not -1 <= v <= 1
            for label, v in (self.emotion_shift or {}).items()
        ):
            raise ValidationError({"emotion_shift": "Use GoEmotions labels with shifts from -1 to 1."})

    @property
    def condition_summary(self) -> str:
        """The conditions in words, for the admin list and the instructor."""
        parts: list[str] = []
        for mech, name in (("er", "emotional reaction"), ("ip", "interpretation"), ("ex", "exploration")):
            lo, hi = getattr(self, f"min_{mech}"), getattr(self, f"max_{mech}")
            if lo is not None and hi is not None and lo == hi:
                parts.append(f"{name} = {lo}")
            else:
                if lo is not None:
                    parts.append(f"{name} ≥ {lo}")
                if hi is not None:
                    parts.append(f"{name} ≤ {hi}")
        if self.asked_question is not None:
            parts.append("asked a question" if self.asked_question else "asked no question")
        if self.tone != self.Tone.ANY:
            parts.append(f"{self.tone} tone")
        if self.min_turn is not None:
            parts.append(f"turn ≥ {self.min_turn}")
        if self.max_turn is not None:
            parts.append(f"turn ≤ {self.max_turn}")
        if self.is_closing:
            parts.append("closing")
        return ", ".join(parts) or "any turn"
