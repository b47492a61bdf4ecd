"""The course and its module order: each scenario comes after the lessons it practises."""

from __future__ import annotations

from . import lessons, quizzes, scenarios
from .schema import CourseData, ModuleData

COURSE = CourseData(
    title="Empathy Foundations",
    slug="empathy-foundations",
    summary="Learn to notice what people feel, and to show them you understand — then practise it in live role-plays.",
    description="""\
Empathy is a skill, and like any skill it gets better with practice. This course starts with what
empathy is (and what it is not), builds a vocabulary for emotions, and then takes apart the three
ways empathy shows up in what we say: **emotional reactions**, **interpretations** and
**explorations** (the EPITOME framework, Sharma et al., 2020).

Along the way you will practise with four people who need to be heard — a lonely newcomer, an
angry customer, a discouraged student and an exhausted carer — and get feedback on every message
you write. The course ends with supporting someone in distress and looking after yourself as a
helper.
""",
    modules=(
        ModuleData(
            title="Seeing feelings",
            summary="What empathy is and is not, and a richer vocabulary for what people feel.",
            items=(lessons.WHAT_EMPATHY_IS, lessons.NAMING_EMOTIONS, quizzes.EMOTION_RECOGNITION),
        ),
        ModuleData(
            title="The three ways empathy shows",
            summary="Emotional reactions, interpretations and explorations — then a first conversation to try them.",
            items=(
                lessons.EMOTIONAL_REACTIONS,
                lessons.INTERPRETATIONS,
                lessons.EXPLORATIONS,
                quizzes.EMPATHIC_RESPONSES,
                scenarios.PEER_SUPPORT,
            ),
        ),
        ModuleData(
            title="Empathy at work",
            summary="Bringing empathy to the counter, the phone line and the classroom.",
            items=(lessons.CUSTOMER_SERVICE, scenarios.CUSTOMER_SERVICE, scenarios.EDUCATION),
        ),
        ModuleData(
            title="Hard moments, and looking after yourself",
            summary=(
                "Supporting someone in distress, knowing when to point to professional help, and caring for the helper."
            ),
            items=(lessons.SUPPORTING_DISTRESS, scenarios.HEALTHCARE, lessons.SELF_CARE),
        ),
    ),
)
