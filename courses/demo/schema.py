"""Small frozen shapes for authored demo content. They mirror the models in
`courses.models.content` field for field, so the seed can copy them across."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LessonData:
    title: str
    estimated_minutes: int
    body: str  # Markdown


@dataclass(frozen=True)
class ChoiceData:
    text: str
    is_correct: bool = False


def right(text: str) -> ChoiceData:
    """A correct choice; reads better in long lists than `ChoiceData(..., True)`."""
    return ChoiceData(text, is_correct=True)


def wrong(text: str) -> ChoiceData:
    return ChoiceData(text, is_correct=False)


@dataclass(frozen=True)
class QuestionData:
    topic: str  # "emotion" or "empathy"
    prompt: str
    choices: tuple[ChoiceData, ...]
    explanation: str
    message: str = ""


@dataclass(frozen=True)
class QuizData:
    title: str
    introduction: str
    questions: tuple[QuestionData, ...]
    pass_mark: int = 70


@dataclass(frozen=True)
class GoalData:
    description: str
    mechanism: str  # "er", "ip" or "ex"
    min_level: int = 1
    min_turns: int = 1


@dataclass(frozen=True)
class ReplyData:
    """An authored persona reply. Conditions left as None match anything."""

    text: str
    example_learner_lines: tuple[str, ...]
    emotion_shift: dict[str, float] = field(default_factory=dict)
    min_er: int | None = None
    max_er: int | None = None
    min_ip: int | None = None
    max_ip: int | None = None
    min_ex: int | None = None
    max_ex: int | None = None
    asked_question: bool | None = None
    tone: str = "any"  # "any", "dismissive" or "warm"
    min_turn: int | None = None
    max_turn: int | None = None
    is_closing: bool = False
    priority: int = 0


@dataclass(frozen=True)
class ScenarioData:
    title: str
    persona_name: str
    persona_bio: str
    setting: str
    difficulty: int  # 1 gentle, 2 moderate, 3 challenging
    situation: str
    opening_line: str
    starting_emotions: dict[str, float]
    max_turns: int
    goals: tuple[GoalData, ...]
    replies: tuple[ReplyData, ...]


ItemData = LessonData | QuizData | ScenarioData


@dataclass(frozen=True)
class ModuleData:
    title: str
    summary: str
    items: tuple[ItemData, ...]


@dataclass(frozen=True)
class CourseData:
    title: str
    slug: str
    summary: str
    description: str
    modules: tuple[ModuleData, ...]
