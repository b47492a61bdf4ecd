"""A generated example rewrite: after a generative persona's reply, in the generation task (never in
the per-turn analysis, which has a latency target), the persona's language model is asked for a
minimal edit of the learner's reply that takes out its blocker and adds the missing mechanism
(`inference.rewriting`). The edit replaces the template rewrite in the turn's saved guidance, and
the page is sent the guidance again, only when all of these hold:

- there are words of the learner's to edit: the reply does not only block (on the coaching corpus's
  train split 1,061 of 1,186 replies with a blocker only block; those keep the template's move);
- it is a minimal edit of the learner's words without the blocker's: word-level similarity to them
  (difflib's ratio, `rewrite_diff.word_similarity`) at least MIN_SIMILARITY, at least
  MIN_KEPT_SHARE of them kept in order, at most MAX_ADDED_WORDS added, and something changed;
- the blocker's words did not come back, it does not loop, and what it adds is not an editor's or
  an assistant's words or advice (the persona's in-character check on each added sentence);
- the empathy scorer, reading it against the persona's message as it read the learner's reply,
  rates it higher (more ER + IP + EX in all) than the learner's reply was shown, with no blocker
  found in it;
- the safety screen for generated text passes it (`inference.analysis.screen_generated`).

Otherwise the template rewrite stays. Each attempt is counted by outcome
(`empathycamp_generated_rewrites_total`); nothing the model wrote is logged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from django.conf import settings

from courses.practice import events, render, signals
from courses.practice.broadcast import events_send_steps
from courses.practice.guidance import Guidance, Rewrite, rewrite_options
from courses.practice.rewrite_diff import added_words, kept_share, word_diff, word_keys, word_similarity
from courses.selectors.practice_rewrites import TurnToRewrite, turn_to_rewrite
from courses.services.guidance_rewrite import guidance_rewrite_save
from empathycamp import metrics
from inference.persona_checks import out_of_character
from inference.rewriting import EditingModel, RewriteRequest, example_words, rewrite_generate, sentences

logger = logging.getLogger(__name__)

# What makes an edit minimal, measured against the learner's words without the blocker's (what the
# template rewrite keeps, `kept_words`). The template keeps all of them and adds one move: on the
# coaching corpus's train split (`python manage.py rewrite_trial` prints these) its word similarity
# to them had quartiles 0.667 / 0.737 / 0.788 and it added 7 / 10 / 11 words (at most 11) when
# these thresholds were set (163 templates, the empathy scorer of 2026-12-01); with the scorer
# retrained on 2026-12-07 19:10, 0.549 / 0.704 / 0.766 and 10 / 10 / 11 (at most 17, the IP move; 104
# templates). An edit must keep nearly all the learner's words (80%: it may drop or change a few,
# which the template never does), stay about as close as most templates, and add at most 12 words:
# otherwise it is a new reply, not an edit of theirs.
MIN_SIMILARITY: Final = 0.6
MIN_KEPT_SHARE: Final = 0.8
MAX_ADDED_WORDS: Final = 12
# The blocker's words are back when this share of them reappears in order.
BLOCKER_BACK_SHARE: Final = 0.5

Outcome = Literal[
    "kept", "empty", "unchanged", "not_minimal", "blocker", "repeats", "off_task", "not_better", "unsafe", "error"
]
Score = Callable[[Sequence[Any]], Sequence[Mapping[str, Any]]]
Screen = Callable[[Sequence[str]], Sequence[Mapping[str, Any]]]


@dataclass(frozen=True)
class RewriteVerdict:
    """One candidate edit and whether it is kept (`outcome` "kept") or why not."""

    text: str
    outcome: Outcome
    similarity: float
    levels_before: dict[str, int] = field(default_factory=dict)
    levels_after: dict[str, int] | None = None
    blocker_after: str | None = None

    @property
    def kept(self) -> bool:
        return self.outcome == "kept"


def kept_words(turn: TurnToRewrite) -> str:
    """The learner's words a rewrite keeps: the reply without its blocker's words, or "" when it
    only blocks (the template's own part, `guidance.rewrite_options`)."""
    options = rewrite_options(turn.guidance, text=turn.text, analysis=turn.analysis)
    return options[0]["text"] if options else ""


def rewrite_request(turn: TurnToRewrite) -> RewriteRequest | None:
    """What to ask the model for this turn, or None when there is nothing to edit: the coaching
    paused for wellbeing, nothing is missing (no weakest mechanism), or the reply only blocks (none
    of the learner's words would stay: the template's feeling and question are shown instead)."""
    guidance = turn.guidance
    if guidance.get("pause") or guidance.get("weakest") is None:
        return None
    keep = kept_words(turn)
    if not keep:
        return None
    blocker = guidance.get("blocker")
    return RewriteRequest(
        persona_message=turn.persona_text,
        learner_reply=turn.text,
        blocker=blocker["code"] if blocker else None,
        blocker_words=blocker["quote"] if blocker else None,
        mechanism=guidance["weakest"],
        keep=keep,
    )


def _repeats(text: str, learner_text: str) -> bool:
    """Whether `text` says a run of three words twice that the learner's own words do not (a small
    model's loop: "I'm so sorry, I'm so sorry")."""

    def doubled(words: list[str]) -> set[tuple[str, ...]]:
        seen: set[tuple[str, ...]] = set()
        twice: set[tuple[str, ...]] = set()
        for i in range(len(words) - 2):
            gram = tuple(words[i : i + 3])
            (twice if gram in seen else seen).add(gram)
        return twice

    return bool(doubled(word_keys(text)) - doubled(word_keys(learner_text)))


# Words an editor or an assistant adds about the text rather than to the person ("That's a great
# example of how to make a character's story more relatable"): seen in the base model's edits.
_META = re.compile(
    r"\b(?:example|character'?s?|relatable|edit(?:ed|s)?|rewrit\w*|version|empath\w*|"
    r"the (?:reply|response|writer|message))\b",
    re.IGNORECASE,
)


# What a move added to the learner's words looks like: each of the three speaks to the other person
# (a feeling named back, "I'm sorry" among them; a meaning said back; a question). An added sentence that does neither speaks
# of the writer: SmolLM2-135M added "I'm not even that bothered." and "I'm not laughing anymore.",
# which the scorer rated higher (train split, `rewrite_trial`).
_SPEAKS_TO_THEM = re.compile(
    r"\?\s*$|\b(?:you|your|you're|you've|you'd|yourself)\b|^\W*(?:that|it|this)(?:'s| (?:sounds|must|seems|is))\b|"
    r"^\W*i'?m (?:so |really |very )?sorry\b",
    re.IGNORECASE,
)


def _off_task(candidate: str, kept_text: str, request: RewriteRequest) -> bool:
    """Whether what the edit adds speaks about the text, as an editor or an assistant would (the
    persona's in-character check, `inference.persona_checks.out_of_character`, on each added
    sentence; and editor's words), gives advice the learner did not, copies a worked example's
    words (`inference.rewriting.example_words`), or is a sentence that does not speak to the other
    person (`_SPEAKS_TO_THEM`)."""
    added = " ".join(s["text"] for s in word_diff(kept_text, candidate) if s["op"] == "added")
    if _META.search(added):
        return True
    if set(re.findall(r"[a-z']+", added.lower().replace("’", "'"))) & example_words(request):
        return True
    own = set(word_keys(kept_text))
    new = [sentence for sentence in sentences(candidate) if not set(word_keys(sentence)) <= own]
    # (a sentence of the learner's own is theirs to keep, whatever it says)
    return any(out_of_character(sentence, first=False) or not _SPEAKS_TO_THEM.search(sentence) for sentence in new)


def rewrite_judge(
    candidate: str,
    *,
    learner_text: str,
    kept_text: str,
    blocker_words: str | None,
    persona_text: str,
    analysis: Mapping[str, Any],
    score: Score,
    screen: Screen,
) -> RewriteVerdict:
    """Whether `candidate` may be shown instead of the template. Cheap checks first: it changed
    something; it is a minimal edit of `kept_text` (the learner's words without the blocker's:
    close to them, keeping nearly all of them, adding few words); the blocker's words did not come
    back; it does not loop. Then one scorer pass (with the persona's message, as the learner's reply
    was scored): more empathy in all, no blocker found. Then the safety screen."""
    from inference.analysis import TurnInput

    before = signals.levels(analysis)
    similarity = word_similarity(kept_text, candidate)

    def verdict(outcome: Outcome, **more: Any) -> RewriteVerdict:
        return RewriteVerdict(text=candidate, outcome=outcome, similarity=similarity, levels_before=before, **more)

    if not candidate.strip():
        return verdict("empty")
    if word_keys(candidate) in (word_keys(learner_text), word_keys(kept_text)):
        return verdict("unchanged")
    if (
        similarity < MIN_SIMILARITY
        or kept_share(kept_text, candidate) < MIN_KEPT_SHARE
        or added_words(kept_text, candidate) > MAX_ADDED_WORDS
    ):
        return verdict("not_minimal")
    if blocker_words and kept_share(blocker_words, candidate) >= BLOCKER_BACK_SHARE:
        return verdict("blocker")  # the words that got in the way, put back (the scorer may miss them in context)
    if _repeats(candidate, learner_text):
        return verdict("repeats")
    if _off_task(
        candidate,
        kept_text,
        RewriteRequest(persona_message=persona_text, learner_reply=learner_text, keep=kept_text),
    ):
        return verdict("off_task")
    judged = score([TurnInput(text=candidate, context=persona_text)])[0]
    after, blocker = signals.levels(judged), signals.main_blocker(judged)
    if sum(after.values()) <= sum(before.values()):
        return verdict("not_better", levels_after=after, blocker_after=blocker)
    if blocker:
        return verdict("blocker", levels_after=after, blocker_after=blocker)
    if signals.safety_level({"safety": screen([candidate])[0]}) != "none":
        return verdict("unsafe", levels_after=after)
    return verdict("kept", levels_after=after)


def rewrite_judge_turn(
    candidate: str, turn: TurnToRewrite, request: RewriteRequest, *, score: Score, screen: Screen
) -> RewriteVerdict:
    """`rewrite_judge` for a turn and the request made of it (what the task and `rewrite_trial` judge)."""
    return rewrite_judge(
        candidate,
        learner_text=turn.text,
        kept_text=request.keep,
        blocker_words=request.blocker_words,
        persona_text=turn.persona_text,
        analysis=turn.analysis,
        score=score,
        screen=screen,
    )


def generated_rewrite(guidance: Guidance, turn: TurnToRewrite, text: str, *, model: str) -> Rewrite:
    """The turn's rewrite with the model's edit in it: its template (kept, so the code, the feeling
    and the topic are still known), or the first option when the template failed its check."""
    base = guidance.get("rewrite") or rewrite_options(guidance, text=turn.text, analysis=turn.analysis)[0]
    return Rewrite(
        code=base["code"], text=base["text"], emotion=base["emotion"], topic=base["topic"], generated=text, model=model
    )


def rewrite_after_reply(
    persona_turn_id: int,
    *,
    editor: EditingModel | None = None,
    score: Score | None = None,
    screen: Screen | None = None,
) -> RewriteVerdict | None:
    """The generation task's last step for a persona reply: ask the model for an edit of the learner
    turn it answered, keep it if it passes (save, then send the guidance again), count the outcome.
    None when there was nothing to do. Never raises: the reply is saved and sent already."""
    if not settings.PRACTICE_GENERATED_REWRITES:
        return None
    try:
        turn = turn_to_rewrite(persona_turn_id=persona_turn_id)
        request = rewrite_request(turn) if turn is not None else None
        if turn is None or request is None:
            return None
        from empathycamp import runtime
        from inference import analysis, registry

        runtime.inference_configure()
        runtime.generator_configure()
        model: EditingModel = editor or registry.persona_generator()
        candidate = rewrite_generate(model, request)
        verdict = rewrite_judge_turn(
            candidate,
            turn,
            request,
            score=score or analysis.judge_replies,
            screen=screen or analysis.screen_generated,
        )
        if verdict.kept:
            rewrite = generated_rewrite(turn.guidance, turn, verdict.text, model=model.version)
            saved = guidance_rewrite_save(turn_id=turn.turn_id, rewrite=rewrite)
            if saved is not None:
                _guidance_send(turn, saved)
    except Exception as error:  # noqa: BLE001 - the template rewrite stays; the reply is done
        logger.warning("Generated rewrite after persona turn %s failed: %s", persona_turn_id, type(error).__name__)
        metrics.GENERATED_REWRITES.labels(outcome="error").inc()
        return None
    metrics.GENERATED_REWRITES.labels(outcome=verdict.outcome).inc()
    return verdict


def _guidance_send(turn: TurnToRewrite, guidance: Guidance) -> None:
    view = render.guidance_render(guidance, learner_text=turn.text)
    try:
        events_send_steps([([(turn.session_id, events.guidance(turn_id=turn.turn_id, guidance=view))], 0.0)])
    except Exception:
        # Saved first: a page that misses it reads the generated rewrite back on reconnect.
        logger.exception("Could not send the generated rewrite's guidance")
