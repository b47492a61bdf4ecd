"""Guidance and summaries as the reader sees them: the stored decisions (`guidance.Guidance`,
`summary.Summary`) written out as sentences in the active language.

Every sentence and every word put into one is here, marked for translation, so another interface
language is a .po file (`makemessages`), not code. The learner's and the persona's own words
(quotes, the topic) go in as they were written.
"""

from __future__ import annotations

import copy
from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy

from courses.practice.events import (
    BlockerView,
    GoalSummary,
    GuidanceView,
    Highlight,
    MechanismSummary,
    SummaryView,
    TrajectoryPoint,
)
from courses.practice.guidance import GUIDANCE_VERSION, BlockerNote, Guidance, Rewrite, TryNext, Worked
from courses.practice.rewrite_diff import word_diff
from courses.practice.summary import SUMMARY_VERSION, HighlightNote, Summary
from courses.practice.wellbeing import default_resources
from inference.schema import BlockerName, Mechanism

UNKNOWN_GUIDANCE_VERSION: Final = "Guidance of version {version!r} cannot be rendered (expected {expected})."
UNKNOWN_SUMMARY_VERSION: Final = "Summary of version {version!r} cannot be rendered (expected {expected})."
QUOTE_MAX_CHARS = 80

MECHANISM_NAMES: Final[dict[Mechanism, Promise]] = {
    "er": pgettext_lazy("empathy mechanism", "emotional reaction"),
    "ip": pgettext_lazy("empathy mechanism", "interpretation"),
    "ex": pgettext_lazy("empathy mechanism", "exploration"),
}

# How each persona emotion (a GoEmotions label) is named back: (adjective, noun), as in
# "you sound really {adjective}" and "the {noun} has been building up".
EMOTION_WORDS: Final[dict[str, tuple[Promise, Promise]]] = {
    "anger": (pgettext_lazy("feeling adjective", "angry"), pgettext_lazy("feeling noun", "anger")),
    "annoyance": (pgettext_lazy("feeling adjective", "frustrated"), pgettext_lazy("feeling noun", "frustration")),
    "disapproval": (
        pgettext_lazy("feeling adjective", "unhappy with how this went"),
        pgettext_lazy("feeling noun", "frustration"),
    ),
    "disgust": (pgettext_lazy("feeling adjective", "fed up"), pgettext_lazy("feeling noun", "frustration")),
    "disappointment": (pgettext_lazy("feeling adjective", "let down"), pgettext_lazy("feeling noun", "disappointment")),
    "sadness": (pgettext_lazy("feeling adjective", "sad"), pgettext_lazy("feeling noun", "sadness")),
    "grief": (pgettext_lazy("feeling adjective", "heartbroken"), pgettext_lazy("feeling noun", "grief")),
    "fear": (pgettext_lazy("feeling adjective", "scared"), pgettext_lazy("feeling noun", "fear")),
    "nervousness": (pgettext_lazy("feeling adjective", "anxious"), pgettext_lazy("feeling noun", "worry")),
    "confusion": (pgettext_lazy("feeling adjective", "confused"), pgettext_lazy("feeling noun", "confusion")),
    "embarrassment": (
        pgettext_lazy("feeling adjective", "embarrassed"),
        pgettext_lazy("feeling noun", "embarrassment"),
    ),
    "remorse": (pgettext_lazy("feeling adjective", "guilty"), pgettext_lazy("feeling noun", "guilt")),
    "surprise": (pgettext_lazy("feeling adjective", "caught off guard"), pgettext_lazy("feeling noun", "surprise")),
    "curiosity": (pgettext_lazy("feeling adjective", "curious"), pgettext_lazy("feeling noun", "curiosity")),
    "desire": (pgettext_lazy("feeling adjective", "eager"), pgettext_lazy("feeling noun", "hope")),
    "optimism": (pgettext_lazy("feeling adjective", "hopeful"), pgettext_lazy("feeling noun", "hope")),
    "relief": (pgettext_lazy("feeling adjective", "relieved"), pgettext_lazy("feeling noun", "relief")),
    "gratitude": (pgettext_lazy("feeling adjective", "grateful"), pgettext_lazy("feeling noun", "gratitude")),
    "approval": (pgettext_lazy("feeling adjective", "reassured"), pgettext_lazy("feeling noun", "trust")),
    "caring": (pgettext_lazy("feeling adjective", "cared for"), pgettext_lazy("feeling noun", "warmth")),
    "joy": (pgettext_lazy("feeling adjective", "happy"), pgettext_lazy("feeling noun", "happiness")),
    "excitement": (pgettext_lazy("feeling adjective", "excited"), pgettext_lazy("feeling noun", "excitement")),
    "love": (pgettext_lazy("feeling adjective", "loved"), pgettext_lazy("feeling noun", "warmth")),
    "admiration": (pgettext_lazy("feeling adjective", "impressed"), pgettext_lazy("feeling noun", "admiration")),
    "pride": (pgettext_lazy("feeling adjective", "proud"), pgettext_lazy("feeling noun", "pride")),
    "amusement": (pgettext_lazy("feeling adjective", "amused"), pgettext_lazy("feeling noun", "amusement")),
    "realization": (
        pgettext_lazy("feeling adjective", "like something just clicked"),
        pgettext_lazy("feeling noun", "realisation"),
    ),
}
# A feeling with no words of its own, or none known.
_UNNAMED_FEELING: Final = (pgettext_lazy("feeling adjective", "upset"), pgettext_lazy("feeling noun", "feelings"))


def emotion_words(label: str | None) -> tuple[str, str]:
    """(adjective, noun) for a GoEmotions label in the active language; "upset" when there is none."""
    adjective, noun = EMOTION_WORDS.get(label or "", _UNNAMED_FEELING)
    return str(adjective), str(noun)


def _quote(text: str, limit: int = QUOTE_MAX_CHARS) -> str:
    """The learner's words, cut (when long) at a word boundary, never inside a word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:") + "…"


def _persona(first_name: str | None) -> str:
    # Translators: the persona, subject of a coaching line, when the scenario gives no name.
    return first_name or gettext("They")


def _topic(topic: str | None) -> str:
    if topic:
        # Translators: what the persona spoke of, in their own words (e.g. "deadline"), in an example question.
        return gettext("the %(topic)s") % {"topic": topic}
    # Translators: in an example question, when the persona named nothing in particular.
    return gettext("all this")


def _worked(worked: Worked) -> str:
    # A template uses the parameters it names and ignores the rest (so may a translation).
    params = {"name": _persona(worked["persona"]), "quote": _quote(worked["quote"] or "")}
    code = worked["code"]
    if code == "named_feeling":
        params["feeling"] = emotion_words(worked["emotion"])[1]
        # Which feeling the learner named is not known, only that they met the persona's feelings.
        return gettext("You met %(name)s's feelings with warmth: ‘%(quote)s’.") % params
    if code == "understood":
        return gettext("You showed you understood what %(name)s is going through: ‘%(quote)s’.") % params
    if code == "invited":
        return gettext("You invited %(name)s to say more: ‘%(quote)s’.") % params
    if code == "some_mechanism":
        assert worked["mechanism"] is not None  # compose names the mechanism shown
        params["mechanism"] = str(MECHANISM_NAMES[worked["mechanism"]])
        return gettext("There's some %(mechanism)s in your reply — %(name)s can hear that you're listening.") % params
    return gettext("You kept the conversation going with %(name)s — that's where every good response starts.") % params


# What each blocker can do to the person, kindly, with the learner's words as evidence; and one
# thing to try instead.
def _blocker_sentence(code: BlockerName, params: dict[str, str]) -> str:
    if code == "dismissive":
        return gettext("‘%(quote)s’ can make %(name)s feel their %(feeling_noun)s is being brushed aside.") % params
    if code == "advice":
        return gettext("‘%(quote)s’ jumps to fixing things before %(name)s feels heard.") % params
    if code == "closed_question":
        return gettext("‘%(quote)s’ asks for a fact, so %(name)s has nothing to say about how it feels.") % params
    if code == "self_focus":
        return gettext("‘%(quote)s’ turns the conversation to you; %(name)s may feel they've lost the floor.") % params
    if code == "judging":
        return gettext("‘%(quote)s’ can sound like blame, and %(name)s may close up.") % params
    if code == "false_reassurance":
        return (
            gettext("‘%(quote)s’ promises it will be fine, which can tell %(name)s their worry isn't taken seriously.")
            % params
        )
    return gettext("‘%(quote)s’ moves away from what %(name)s is feeling.") % params


def _instead_of(code: BlockerName, params: dict[str, str]) -> str:
    if code == "dismissive":
        return (
            gettext("Before any perspective, name what %(name)s feels, like “you sound really %(adjective)s”.") % params
        )
    if code == "advice":
        return gettext("Hold the suggestion for now: first say back what you heard, then ask what would help.") % params
    if code == "closed_question":
        return (
            gettext("Ask about %(name)s's experience instead, like “what's been the hardest part of %(topic)s?”")
            % params
        )
    if code == "self_focus":
        return gettext("Keep the focus on %(name)s: reflect what they told you before sharing your own story.") % params
    if code == "judging":
        return gettext("Set the judgement aside and say back what %(name)s is going through.") % params
    if code == "false_reassurance":
        return (
            gettext("Take the worry seriously first, like “it makes sense you're %(adjective)s about this”.") % params
        )
    return gettext("Stay with what %(name)s is feeling for a moment before the process or the next step.") % params


def _blocker(note: BlockerNote) -> BlockerView:
    noun = emotion_words(note["emotion"])[1]
    params = {"quote": _quote(note["quote"]), "name": _persona(note["persona"]), "feeling_noun": noun}
    return BlockerView(name=note["code"], text=_blocker_sentence(note["code"], params))


def _try_next(try_next: TryNext) -> str:
    name = _persona(try_next["persona"])
    blocker = try_next.get("blocker")
    if try_next["code"] == "instead_of_blocker" and blocker:
        adjective, _ = emotion_words(try_next["emotion"])
        return _instead_of(blocker, {"name": name, "adjective": adjective, "topic": _topic(try_next["topic"])})
    if try_next["code"] == "keep_following":
        return gettext(
            "That was a full response. Keep following %(name)s's lead and let them say what matters most next."
        ) % {"name": name}
    adjective, noun = emotion_words(try_next["emotion"])
    if try_next["emotion"]:
        feeling = gettext("%(name)s still sounds %(adjective)s") % {"name": name, "adjective": adjective}
    else:
        feeling = gettext("%(name)s is still finding words for this") % {"name": name}
    params = {"feeling": feeling, "adjective": adjective, "feeling_noun": noun, "topic": _topic(try_next["topic"])}
    if try_next["code"] == "name_feeling":
        # An emotional reaction is warmth (the guide's ER), not naming the feeling: that is an
        # interpretation, and a learner who had just written "no wonder you're fuming" was told to
        # say "you sound really angry" (a walkthrough).
        return (
            gettext(
                "%(feeling)s — let them hear that you feel for them, in a few plain words, like “I'm so sorry, that's a lot”."
            )
            % params
        )
    if try_next["code"] == "ask_open_question":
        return (
            gettext("%(feeling)s — ask an open question about it, like “what worries you most about %(topic)s?”")
            % params
        )
    return (
        gettext(
            "%(feeling)s — say back what you think is behind the %(feeling_noun)s, like “it sounds like this has been "
            "building up for a while”."
        )
        % params
    )


def rewrite_text(rewrite: Rewrite) -> str:
    """The example rewrite as the learner reads it (the worker scores this text before keeping it)."""
    return _rewrite(rewrite)


def _rewrite(rewrite: Rewrite) -> str:
    generated = rewrite.get("generated")
    if generated:
        return generated  # the learner's own words, edited: shown as written, in their language
    adjective, noun = emotion_words(rewrite["emotion"])
    own = rewrite["text"]
    if own and own[-1] not in ".!?…":
        own += "."
    params = {"adjective": adjective, "feeling_noun": noun, "own": own, "topic": _topic(rewrite["topic"])}
    if rewrite["code"] == "name_and_ask":
        text = (
            gettext("You sound really %(adjective)s, and I'm sorry. %(own)s What's been the hardest part of %(topic)s?")
            % params
        )
    elif rewrite["code"] == "name_feeling" and "sorry" in own.lower():
        # Their own words already say sorry: a reaction without saying it twice.
        text = gettext("Oh, that's a lot. %(own)s") % params
    elif rewrite["code"] == "name_feeling":
        text = gettext("I'm so sorry, that's a lot. %(own)s") % params
    elif rewrite["code"] == "say_back_meaning":
        text = (
            gettext(
                "It sounds like the %(feeling_noun)s has been building up and you've been carrying it on your own. %(own)s"
            )
            % params
        )
    else:
        text = gettext("%(own)s What's been the hardest part of %(topic)s for you?") % params
    # An empty turn leaves the template's spaces behind.
    return " ".join(text.split())


def guidance_render(guidance: Guidance, *, learner_text: str | None = None) -> GuidanceView:
    """Stored guidance as the page and the socket show it: sentences, or the wellbeing card when paused.
    With `learner_text` (the turn's own words), an example rewrite comes with its word diff against
    them and whether it was generated or built from the template."""
    if guidance.get("version") not in (1, GUIDANCE_VERSION):
        raise ValueError(UNKNOWN_GUIDANCE_VERSION.format(version=guidance.get("version"), expected=GUIDANCE_VERSION))
    if guidance["pause"]:
        return GuidanceView(
            worked=None,
            blocker=None,
            try_next=None,
            rewrite=None,
            weakest=None,
            pause=True,
            resources=copy.deepcopy(default_resources()),
        )
    worked, try_next, rewrite = guidance["worked"], guidance["try_next"], guidance["rewrite"]
    blocker = guidance.get("blocker")
    view = GuidanceView(
        worked=_worked(worked) if worked else None,
        blocker=_blocker(blocker) if blocker else None,
        try_next=_try_next(try_next) if try_next else None,
        rewrite=_rewrite(rewrite) if rewrite else None,
        weakest=guidance["weakest"],
        persona_emotion=guidance["persona_emotion"],
        pause=False,
        resources=None,
    )
    if learner_text is not None and rewrite and view["rewrite"]:
        view["rewrite_diff"] = word_diff(learner_text, view["rewrite"], for_reading=True)
        view["rewrite_source"] = "generated" if rewrite.get("generated") else "template"
    return view


def _highlight_note(note: HighlightNote, name: str) -> str:
    if note == "named_feeling":
        # An emotional reaction is warmth, not naming a feeling (that is an interpretation): a
        # walkthrough saw this note on "I'm really sorry, Marcus", which names no feeling.
        return gettext("You met %(name)s's feelings with warmth") % {"name": name}
    if note == "understood":
        return gettext("You put into words what %(name)s was going through") % {"name": name}
    return gettext("You invited %(name)s to tell you more") % {"name": name}


def _practise_next(mechanism: Mechanism) -> str:
    if mechanism == "er":
        return gettext(
            "Let them hear that you feel for them, early and in plain words (“I'm so sorry, that's a lot to carry”) "
            "before anything else."
        )
    if mechanism == "ip":
        return gettext(
            "Say back what you think the situation means to them (“it sounds like this has been weighing on you”)."
        )
    return gettext(
        "Ask one open question about their experience (“what's been the hardest part?”) and let them answer."
    )


def summary_render(summary: Summary) -> SummaryView:
    """A stored session summary as the page and the socket show it."""
    if summary.get("version") != SUMMARY_VERSION:
        raise ValueError(UNKNOWN_SUMMARY_VERSION.format(version=summary.get("version"), expected=SUMMARY_VERSION))
    # Translators: the persona, object of a highlight note, when the scenario gives no name.
    name = summary["persona"] or gettext("them")
    return SummaryView(
        turns=summary["turns"],
        mechanisms={
            mech: MechanismSummary(name=str(MECHANISM_NAMES[mech]), average=result["average"], best=result["best"])
            for mech, result in summary["mechanisms"].items()
        },
        trajectory=[TrajectoryPoint(index=p["index"], emotions=dict(p["emotions"])) for p in summary["trajectory"]],
        goals=[GoalSummary(**goal) for goal in summary["goals"]],
        goals_met=summary["goals_met"],
        highlights=[
            Highlight(
                turn_index=h["turn_index"],
                mechanism=h["mechanism"],
                level=h["level"],
                quote=h["quote"],
                note=_highlight_note(h["note"], name),
            )
            for h in summary["highlights"]
        ],
        practise_next={"mechanism": summary["practise_next"], "text": _practise_next(summary["practise_next"])},
        score=summary["score"],
    )
