"""Plain functions that build authored content for tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from itertools import count
from typing import Any

from courses.models import (
    Choice,
    Course,
    Lesson,
    Module,
    PersonaReply,
    PracticeSession,
    Question,
    Quiz,
    Scenario,
    ScenarioGoal,
    Turn,
)
from courses.practice.guidance import guidance_compose
from courses.practice.summary import GoalSpec, LearnerTurn, summary_compose
from inference.schema import TurnAnalysis

_serial = count(1)


@dataclass
class CourseBundle:
    course: Course
    module: Module
    lesson: Lesson
    quiz: Quiz
    scenario: Scenario
    single: Question  # one correct choice
    several: Question  # two correct choices


def course_create(*, title: str | None = None, status: str = Course.Status.PUBLISHED, **fields) -> Course:
    number = next(_serial)
    title = title or f"Course {number}"
    return Course.objects.create(
        title=title, slug=f"course-{number}", status=status, summary="A test course.", **fields
    )


def module_create(*, course: Course, title: str = "Module", order: int = 0) -> Module:
    return Module.objects.create(course=course, title=title, order=order)


def lesson_create(
    *, module: Module, title: str = "Lesson", body: str = "# Hello\n\nSome *warm* words.", order: int = 0
) -> Lesson:
    return Lesson.objects.create(module=module, title=title, body=body, order=order, estimated_minutes=3)


def question_create(*, quiz: Quiz, prompt: str, choices: list[tuple[str, bool]], order: int = 0) -> Question:
    question = Question.objects.create(
        quiz=quiz,
        prompt=prompt,
        message="I waited an hour and nobody called.",
        explanation=f"Because: {prompt}",
        order=order,
    )
    for position, (text, is_correct) in enumerate(choices):
        Choice.objects.create(question=question, text=text, is_correct=is_correct, order=position)
    return question


def quiz_create(*, module: Module, title: str = "Quiz", order: int = 1, pass_mark: int = 50) -> Quiz:
    return Quiz.objects.create(module=module, title=title, order=order, pass_mark=pass_mark)


def scenario_create(*, module: Module, title: str = "Scenario", order: int = 2) -> Scenario:
    scenario = Scenario.objects.create(
        module=module,
        title=title,
        order=order,
        persona_name="Dana",
        persona_bio="A customer whose parcel went missing twice.",
        setting=Scenario.Setting.CUSTOMER_SERVICE,
        difficulty=Scenario.Difficulty.MODERATE,
        situation="Dana calls the help line, upset.",
        opening_line="This is the second time!",
        starting_emotions={"anger": 0.7, "disappointment": 0.5},
    )
    ScenarioGoal.objects.create(
        scenario=scenario, description="Name Dana's frustration.", mechanism=ScenarioGoal.Mechanism.EMOTIONAL_REACTION
    )
    return scenario


def course_bundle_create(*, status: str = Course.Status.PUBLISHED, title: str | None = None) -> CourseBundle:
    """A course with one module holding a lesson, a two-question quiz and a scenario."""
    course = course_create(status=status, title=title)
    module = module_create(course=course, title="Getting started")
    lesson = lesson_create(module=module, title="What empathy is", order=0)
    quiz = quiz_create(module=module, title="Naming emotions", order=1)
    single = question_create(
        quiz=quiz,
        prompt="Which emotion is strongest?",
        choices=[("Anger", True), ("Joy", False), ("Relief", False)],
        order=0,
    )
    several = question_create(
        quiz=quiz,
        prompt="Which replies show an emotional reaction?",
        choices=[("That sounds so frustrating.", True), ("I'm sorry that happened.", True), ("Calm down.", False)],
        order=1,
    )
    scenario = scenario_create(module=module, title="A missing parcel", order=2)
    return CourseBundle(
        course=course, module=module, lesson=lesson, quiz=quiz, scenario=scenario, single=single, several=several
    )


def correct_answers(bundle: CourseBundle) -> dict[int, list[int]]:
    """Answers that get every question of the bundle's quiz right."""
    return {
        question.pk: [choice.pk for choice in question.choices.all() if choice.is_correct]
        for question in (bundle.single, bundle.several)
    }


def wrong_answers(bundle: CourseBundle) -> dict[int, list[int]]:
    """Answers that get every question of the bundle's quiz wrong."""
    return {
        question.pk: [choice.pk for choice in question.choices.all() if not choice.is_correct][:1]
        for question in (bundle.single, bundle.several)
    }


# --- Live practice ---------------------------------------------------------------------------


def persona_reply_create(*, scenario: Scenario, text: str, **conditions) -> PersonaReply:
    return PersonaReply.objects.create(scenario=scenario, text=text, **conditions)


def analysis_build(
    *,
    er: int = 0,
    ip: int = 0,
    ex: int = 0,
    labels: tuple[str, ...] = ("neutral",),
    probs: dict[str, float] | None = None,
    safety: str = "none",
    rationales: dict[str, list[str]] | None = None,
    text: str | None = None,
    blocker: tuple[str, str] | None = None,
) -> TurnAnalysis:
    """An analysis shaped like inference.analysis.analyse_turns' output (inference.schema.TurnAnalysis),
    for unit tests that run no model. With `text`, rationale spans (and the `blocker`'s words: a
    (name, words) pair) carry their offsets in it, as the scorer's do; without it they start at 0."""

    def span(words: str) -> dict[str, Any]:
        start = max(0, text.find(words)) if text else 0
        return {"start": start, "end": start + len(words), "text": words}

    probs = probs or {label: 0.8 for label in labels}
    rationales = rationales or {}
    return {
        "text_truncated": False,
        "emotion": {
            "probs": probs,
            "labels": list(labels),
            "top": sorted(([k, v] for k, v in probs.items()), key=lambda kv: -kv[1])[:3],
            "ekman": {},
            "sentiment": {},
            "highlights": {},
        },
        "empathy": {
            mech: {
                "level": level,
                "probs": [1.0 if level == i else 0.0 for i in range(3)],
                "rationales": [span(t) for t in rationales.get(mech, [])],
            }
            for mech, level in (("er", er), ("ip", ip), ("ex", ex))
        },
        "safety": {"level": safety, "reason": "", "category": None if safety == "none" else "distress"},
        "blockers": [{**span(blocker[1]), "name": blocker[0], "probability": 0.9}] if blocker else [],
        "models": {"emotion": "test-emotion", "empathy": "test-empathy", "safety": "test-safety"},
    }


@dataclass
class Exchange:
    """One learner turn of a conversation written straight to the database, and the persona's answer."""

    text: str
    analysis: TurnAnalysis
    reply: str | None = None  # None: the turn is not answered (a session paused on it, say)


def conversation_create(
    *, session: PracticeSession, exchanges: list[Exchange], finish: bool = False, score: float = 0.75
) -> list[Turn]:
    """The session's turns after its opening line, analysed and coached as a worker would have saved
    them, with no socket and no worker; with `finish`, the session completed with its summary."""
    scenario = session.scenario
    turns: list[Turn] = []
    learner_turns: list[LearnerTurn] = []
    index = 1
    for exchange in exchanges:
        guidance = guidance_compose(
            text=exchange.text,
            analysis=exchange.analysis,
            persona_name=scenario.persona_name,
            persona_emotions=scenario.starting_emotions,
        )
        learner = Turn.objects.create(
            session=session,
            index=index,
            role=Turn.Role.LEARNER,
            client_id=uuid.uuid4(),
            text=exchange.text,
            status=Turn.Status.DONE,
            analysis=exchange.analysis,
            guidance=guidance,
            persona_state={"anger": 0.4, "relief": 0.3},
        )
        turns.append(learner)
        learner_turns.append(LearnerTurn(index=index, text=exchange.text, analysis=exchange.analysis))
        index += 1
        if exchange.reply is not None:
            turns.append(
                Turn.objects.create(
                    session=session,
                    index=index,
                    role=Turn.Role.PERSONA,
                    text=exchange.reply,
                    in_reply_to=learner,
                    persona_state={"anger": 0.4, "relief": 0.3},
                    analysis={"emotion": {"top": [["relief", 0.6], ["neutral", 0.2]]}},
                )
            )
            index += 1
    if finish:
        goals = [
            GoalSpec(
                id=g.pk, description=g.description, mechanism=g.mechanism, min_level=g.min_level, min_turns=g.min_turns
            )
            for g in scenario.goals.all()
        ]
        trajectory = [{"index": 0, "emotions": dict(scenario.starting_emotions)}] + [
            {"index": turn.index, "emotions": {"anger": 0.4, "relief": 0.3}} for turn in learner_turns
        ]
        session.summary = summary_compose(
            turns=learner_turns, goals=goals, trajectory=trajectory, persona_name=scenario.persona_name
        )
        session.status = PracticeSession.Status.COMPLETED
        session.score = score
        session.save(update_fields=["summary", "status", "score", "updated_at"])
    return turns
