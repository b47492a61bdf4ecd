from .content import (
    EMOTION_LABELS,
    Choice,
    Course,
    Item,
    Lesson,
    Module,
    PersonaReply,
    Question,
    Quiz,
    Scenario,
    ScenarioGoal,
)
from .practice import PracticeSession, Turn
from .progress import Enrollment, ItemProgress, QuizAttempt

__all__ = [
    "EMOTION_LABELS",
    "Choice",
    "Course",
    "Enrollment",
    "Item",
    "ItemProgress",
    "Lesson",
    "Module",
    "PersonaReply",
    "PracticeSession",
    "Question",
    "Quiz",
    "QuizAttempt",
    "Scenario",
    "ScenarioGoal",
    "Turn",
]
