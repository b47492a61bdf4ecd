"""The admin's "Try this persona": an instructor's line analysed as a learner turn would be, and the reply the
persona would choose, with why. Run by a task (courses/tasks.py: a worker, or the embedded pool),
so the web process never loads a model. Nothing is stored as a learner turn: the request and the
result live in the cache under a random token for a few minutes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, TypedDict

from django.core.cache import cache

from courses.models import PersonaReply, Scenario
from courses.practice import signals
from courses.practice.engine import (
    FALLBACK_CLOSING,
    Similarity,
    TurnFacts,
    engine_for,
    reply_fits,
    reply_specificity,
)
from empathycamp import runtime
from inference import analysis as models
from inference.schema import TurnAnalysis

logger = logging.getLogger(__name__)

TRIAL_TTL_S = 300
FAILED = "The analysis could not be completed. Try again in a moment."


def request_key(token: str) -> str:
    return f"persona-try:request:{token}"


def result_key(token: str) -> str:
    return f"persona-try:result:{token}"


class TrialRequest(TypedDict):
    user_id: int
    scenario_id: int
    text: str
    turn_number: int


class ConditionCheck(TypedDict):
    text: str
    held: bool


class ReplyVerdict(TypedDict):
    number: int
    reply_id: int
    text: str
    closing: bool
    considered: bool  # closing replies on the last turn, the others before it
    fits: bool
    specificity: int
    priority: int
    conditions: list[ConditionCheck]
    chosen: bool


def reply_conditions(reply: PersonaReply, facts: TurnFacts) -> list[ConditionCheck]:
    """Each condition the reply sets and whether it held for this turn, as `engine.reply_fits` tests them."""
    levels = signals.levels(facts.analysis)
    checks: list[ConditionCheck] = []
    for mech in signals.MECHANISMS:
        name = signals.MECHANISM_NAMES[mech]
        low, high = getattr(reply, f"min_{mech}"), getattr(reply, f"max_{mech}")
        if low is not None:
            checks.append({"text": f"{name} at least {low} (was {levels[mech]})", "held": levels[mech] >= low})
        if high is not None:
            checks.append({"text": f"{name} at most {high} (was {levels[mech]})", "held": levels[mech] <= high})
    if reply.asked_question is not None:
        asked = signals.asked_question(facts.text)
        wanted = "asked a question" if reply.asked_question else "asked no question"
        checks.append(
            {"text": f"{wanted} ({'asked one' if asked else 'asked none'})", "held": asked == reply.asked_question}
        )
    if reply.tone == PersonaReply.Tone.DISMISSIVE:
        checks.append({"text": "dismissive tone", "held": signals.is_dismissive(facts.analysis)})
    elif reply.tone == PersonaReply.Tone.WARM:
        checks.append({"text": "warm tone", "held": signals.is_warm(facts.analysis)})
    if reply.min_turn is not None:
        checks.append(
            {
                "text": f"from turn {reply.min_turn} (this is turn {facts.turn_number})",
                "held": facts.turn_number >= reply.min_turn,
            }
        )
    if reply.max_turn is not None:
        checks.append(
            {
                "text": f"until turn {reply.max_turn} (this is turn {facts.turn_number})",
                "held": facts.turn_number <= reply.max_turn,
            }
        )
    return checks


def _tone(analysis: TurnAnalysis) -> str:
    if signals.is_dismissive(analysis):
        return "dismissive"
    return "warm" if signals.is_warm(analysis) else "neither warm nor dismissive"


def analysis_view(text: str, analysis: TurnAnalysis) -> dict[str, Any]:
    """What the instructor is shown of the analysis: levels, blockers, emotions, safety, question, tone."""
    empathy: dict[str, Any] = dict(analysis.get("empathy") or {})
    levels = signals.levels(analysis)
    emotion: dict[str, Any] = dict(analysis.get("emotion") or {})
    probs = signals.emotion_probs(analysis)
    labels = [label for label in emotion.get("labels") or [] if label != "neutral"]
    safety: dict[str, Any] = dict(analysis.get("safety") or {})
    return {
        "levels": [
            {
                "mechanism": mech,
                "name": signals.MECHANISM_NAMES[mech],
                "level": levels[mech],
                "phrases": signals.rationale_phrases(analysis, mech, text)[:2],
                "probs": list((empathy.get(mech) or {}).get("probs") or []),
            }
            for mech in signals.MECHANISMS
        ],
        "blockers": [
            {"name": str(b.get("name")), "text": str(b.get("text") or ""), "probability": b.get("probability")}
            for b in signals.blockers(analysis)
        ],
        "emotions": [{"label": label, "probability": round(float(probs.get(label, 0.0)), 2)} for label in labels[:4]],
        "safety": {"level": signals.safety_level(analysis), "reason": str(safety.get("reason") or "")},
        "asked_question": signals.asked_question(text),
        "tone": _tone(analysis),
    }


def persona_try_explain(
    *,
    scenario: Scenario,
    replies: Sequence[PersonaReply],
    text: str,
    analysis: TurnAnalysis,
    turn_number: int,
    similarity: Similarity | None,
) -> dict[str, Any]:
    """The reply the scenario's engine chooses for `text` as the learner's turn `turn_number` (the
    first of a conversation: nothing said yet, no reply used), and each reply's verdict."""
    facts = TurnFacts(
        text=text,
        analysis=analysis,
        turn_number=turn_number,
        last_turn=turn_number >= scenario.max_turns,
        said=f"{scenario.opening_line}\n{text}",
    )
    choice = engine_for(scenario).choose_reply(scenario=scenario, replies=replies, facts=facts, similarity=similarity)
    verdicts: list[ReplyVerdict] = []
    for number, reply in enumerate(replies, start=1):
        considered = reply.is_closing == facts.last_turn
        verdicts.append(
            {
                "number": number,
                "reply_id": reply.pk,
                "text": reply.text,
                "closing": reply.is_closing,
                "considered": considered,
                "fits": considered and reply_fits(reply, facts),
                "specificity": reply_specificity(reply),
                "priority": reply.priority,
                "conditions": reply_conditions(reply, facts),
                "chosen": choice.reply is not None and choice.reply.pk == reply.pk,
            }
        )
    chosen = next((v for v in verdicts if v["chosen"]), None)
    return {
        "status": "done",
        "text": text,
        "turn_number": turn_number,
        "last_turn": facts.last_turn,
        "analysis": analysis_view(text, analysis),
        "paused": signals.needs_pause(analysis),
        "chosen": {
            "number": chosen["number"] if chosen else None,
            "text": choice.text,
            "why": _why(chosen, verdicts, facts),
        },
        "replies": verdicts,
    }


def _why(chosen: ReplyVerdict | None, verdicts: Sequence[ReplyVerdict], facts: TurnFacts) -> str:
    kind = "closing replies (this is the last turn)" if facts.last_turn else "non-closing replies"
    if chosen is None:
        if facts.last_turn:
            return (
                f"No closing reply fits (or each would mention something not said yet), so the persona says the "
                f"stock line “{FALLBACK_CLOSING}”."
            )
        return "There are no non-closing replies to choose from."
    if not chosen["fits"]:
        fewest = chosen["specificity"]
        return (
            f"No reply's conditions all held, so the persona falls back on the most generic of the {kind}: reply "
            f"{chosen['number']} sets the fewest conditions ({fewest}), then the highest priority "
            f"({chosen['priority']}) wins."
        )
    fitting = [v for v in verdicts if v["fits"]]
    held = f"every condition held ({chosen['specificity']} set)" if chosen["specificity"] else "it sets no conditions"
    lead = f"Reply {chosen['number']}: {held}"
    if len(fitting) == 1:
        return f"{lead}, and it is the only one of the {kind} that fits."
    same_spec = [v for v in fitting if v["specificity"] == chosen["specificity"]]
    tied = [v for v in same_spec if v["priority"] == chosen["priority"] and v is not chosen]
    why = f"{lead}. Of the {len(fitting)} fitting {kind}, it sets the most conditions"
    if len(same_spec) > 1:
        rivals = [v for v in same_spec if v is not chosen and v not in tied]
        if rivals:
            why += f"; {_numbers(rivals)} set as many but {'has' if len(rivals) == 1 else 'have'} a lower priority"
        if tied:
            why += (
                f"; {_numbers(tied)} {'ties' if len(tied) == 1 else 'tie'} with it on conditions and priority "
                f"({chosen['priority']}), and its example learner lines read closest to this message (or it comes first)"
            )
    return why + "."


def _numbers(verdicts: Sequence[ReplyVerdict]) -> str:
    numbers = [str(v["number"]) for v in verdicts]
    return ("reply " if len(numbers) == 1 else "replies ") + ", ".join(numbers)


def persona_try_run(token: str) -> None:
    """Analyse the line stored under `token` with the models, choose the reply and write the
    result under the token (a failure writes status "failed")."""
    request: TrialRequest | None = cache.get(request_key(token))
    if request is None:
        return  # expired, or never asked
    try:
        scenario = Scenario.objects.get(pk=request["scenario_id"])
        replies = list(PersonaReply.objects.filter(scenario=scenario).order_by("order", "id"))
        runtime.inference_configure()
        analysis = models.analyse_turns([models.TurnInput(text=request["text"], context=scenario.opening_line)])[0]
        result = persona_try_explain(
            scenario=scenario,
            replies=replies,
            text=request["text"],
            analysis=analysis,
            turn_number=request["turn_number"],
            similarity=models.similarity,
        )
    except Exception:
        logger.exception("Persona trial of scenario %s failed", request.get("scenario_id"))
        result = {"status": "failed", "error": FAILED}
    cache.set(result_key(token), result, TRIAL_TTL_S)
