"""The admin's authoring forms in plain language: condition fields that say what each level means
(with a learner line for each, from the annotation guide), "either" for the question condition,
and emotion pickers in place of JSON.

An emotion map travels as readable text, "sadness: 0.6, anger: 0.2": what the picker writes into
its text box (static/js/admin/emotion_picker.js), what an instructor without JavaScript types,
and what is parsed here. The models store the same JSON as before.
"""

from __future__ import annotations

import difflib
import json
import math
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils.html import format_html
from django.utils.safestring import SafeString

from courses.models import PersonaReply, Scenario, ScenarioGoal
from courses.models.content import EMOTION_LABELS

# --- Emotions ------------------------------------------------------------------------------

EMOTION_EXAMPLE = "sadness: 0.6, anger: 0.2"


def emotions_format(value: object) -> str:
    """{"sadness": 0.6, "anger": 0.2} as "sadness: 0.6, anger: 0.2" (anything else as it is)."""
    if isinstance(value, dict):
        return ", ".join(f"{label}: {float(amount):g}" for label, amount in value.items())
    if value is None:
        return ""
    return str(value)


def _unknown_emotion(label: str) -> ValidationError:
    close = difflib.get_close_matches(label, EMOTION_LABELS, n=1, cutoff=0.6)
    hint = f" Did you mean “{close[0]}”?" if close else ""
    return ValidationError(
        f"“{label}” is not an emotion the detector knows.{hint} Choose from: {', '.join(sorted(EMOTION_LABELS))}.",
        code="unknown_emotion",
    )


def _number(value: object) -> float:
    """The value as a float, NaN when it is none (a word, a boolean, a list)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return math.nan
    try:
        return float(value)
    except ValueError:
        return math.nan


def emotions_parse(text: str, *, low: float, high: float) -> dict[str, float]:
    """Parse "sadness: 0.6, anger: 0.2" (or the JSON object stored before) into a map of
    GoEmotions names to intensities in [low, high]. Raises ValidationError naming what is wrong."""
    text = text.strip()
    if not text:
        return {}
    pairs: list[tuple[str, object]]
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except ValueError:
            raise ValidationError(f"Write the emotions as “{EMOTION_EXAMPLE}”.", code="invalid_emotions") from None
        if not isinstance(loaded, dict):
            raise ValidationError(f"Write the emotions as “{EMOTION_EXAMPLE}”.", code="invalid_emotions")
        pairs = list(loaded.items())
    else:
        pairs = []
        for piece in text.replace("\n", ",").replace(";", ",").split(","):
            piece = piece.strip()
            if not piece:
                continue
            label, sep, raw = piece.replace("=", ":").partition(":")
            if not sep:
                raise ValidationError(
                    f"“{piece}” has no intensity: write it as “{piece}: 0.5” ({EMOTION_EXAMPLE}).",
                    code="invalid_emotions",
                )
            pairs.append((label, raw.strip()))
    result: dict[str, float] = {}
    for raw_label, raw_amount in pairs:
        label = str(raw_label).strip().lower()
        if label not in EMOTION_LABELS:
            raise _unknown_emotion(label)
        if label in result:
            raise ValidationError(f"“{label}” is listed twice.", code="duplicate_emotion")
        amount = _number(raw_amount)
        if not math.isfinite(amount) or not low <= amount <= high:
            raise ValidationError(
                f"Give “{label}” a number from {low:g} to {high:g}, e.g. “{label}: 0.5”.", code="invalid_intensity"
            )
        result[label] = round(amount, 2)
    return result


class EmotionPickerWidget(forms.TextInput):
    """A text box of "name: intensity" pairs that the picker script turns into a list of GoEmotions
    names, each chosen one with an intensity slider. Without the script the text box is the form."""

    def __init__(self, *, low: float, high: float, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"class": "vLargeTextField emotion-picker-text", "spellcheck": "false", **(attrs or {})})
        self.low, self.high = low, high

    class Media:
        css: ClassVar[dict[str, tuple[str, ...]]] = {"all": ("css/admin/authoring.css",)}
        js = ("js/admin/emotion_picker.js",)

    def format_value(self, value: Any) -> str | None:
        return emotions_format(value) or None

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        box = super().render(name, value, attrs, renderer)
        return format_html(
            '<div class="emotion-picker" data-emotion-picker data-low="{}" data-high="{}" data-labels="{}">{}</div>',
            f"{self.low:g}",
            f"{self.high:g}",
            json.dumps(sorted(label for label in EMOTION_LABELS if label != "neutral")),
            box,
        )


class EmotionMapField(forms.Field):
    """A map of GoEmotions names to intensities, edited with the picker; cleans to the dict the
    model's JSONField stores."""

    def __init__(self, *, low: float, high: float, **kwargs: Any) -> None:
        self.low, self.high = low, high
        kwargs.setdefault("widget", EmotionPickerWidget(low=low, high=high))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return emotions_format(value)

    def to_python(self, value: Any) -> dict[str, float]:
        if isinstance(value, dict):
            value = json.dumps(value)
        return emotions_parse(str(value or ""), low=self.low, high=self.high)

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != (initial or {})
        except ValidationError:
            return True


# --- Conditions ----------------------------------------------------------------------------

# From the annotation guide (inference/data/coaching/GUIDE.md): what each level of each mechanism
# means, with a learner line for it.
LEVELS: dict[str, tuple[str, str, tuple[str, str, str]]] = {
    "er": (
        "Emotional reactions",
        "warmth, compassion or sorrow about their feelings",
        (
            "none: no warmth, or kind words used to brush the feeling aside (“Don't be sad, it's one exam”)",
            "weak or generic: “I'm sorry to hear that”, “oh no, that's tough”",
            (
                "strong and specific to them: “I'm so sorry. Being ignored by the people you count on would "
                "leave anyone feeling crushed.”"
            ),
        ),
    ),
    "ip": (
        "Interpretations",
        "showing they understand the person's feelings or experience",
        (
            "none: no understanding shown (“Same! When I moved I…”)",
            "weak or generic: “I understand how you feel”, “that must be hard”",
            (
                "a specific reflection: “So you rearranged work, sat in all day, and we let you down. For the "
                "second time.”"
            ),
        ),
    ),
    "ex": (
        "Explorations",
        "inviting them to say more about their feelings or experience",
        (
            "none, or only a factual question: “What's your order number?”",
            "a generic invitation: “What happened?”, “How are you feeling?”",
            "a specific invitation: “What goes through your mind on Sunday evenings when the flat goes quiet?”",
        ),
    ),
}
_SHORT = ("none", "weak or generic", "strong and specific")


def level_help(mechanism: str) -> str:
    name, what, levels = LEVELS[mechanism]
    lines = "; ".join(f"{level} = {text}" for level, text in enumerate(levels))
    return f"{name}: {what}, scored 0, 1 or 2 on the learner's last message. {lines}. Blank: any level."


def _level_choices(mechanism: str) -> list[tuple[Any, str]]:
    return [("", "any level"), *((level, f"{level} — {_SHORT[level]}") for level in range(3))]


def _level_field(mechanism: str, bound: str) -> forms.TypedChoiceField:
    name = LEVELS[mechanism][0]
    return forms.TypedChoiceField(
        label=f"{name} at {bound}",
        choices=_level_choices(mechanism),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=level_help(mechanism) if bound == "least" else f"Blank: no upper limit on {name.lower()}.",
    )


def _asked(value: Any) -> bool:
    return value in (True, "True")


ASKED_CHOICES: list[tuple[Any, str]] = [
    ("", "Either: with or without a question"),
    (True, "Only when the learner asked a question"),
    (False, "Only when the learner asked no question"),
]
ASKED_HELP = (
    "A message counts as a question when it has a question mark, or a sentence opens like one "
    "(what, how, why, would, could, do, is, tell me…)."
)
TONE_HELP = (
    "Dismissive: the scorer names a dismissive or judging blocker in the learner's message (“it's not a big "
    "deal”, “you should have planned better”), or, with no blocker named, the message shows no empathy and "
    "reads as annoyed, disapproving, angry or disgusted. Warm: the message reads as caring, approving, "
    "grateful, admiring, loving or hopeful, and is not dismissive."
)
TURN_HELP = (
    "The learner's first message is turn 1. Non-closing replies answer turns before the scenario's last "
    "(maximum turns); the last turn always gets a closing reply."
)


class PersonaReplyAdminForm(forms.ModelForm[PersonaReply]):
    """A persona reply's conditions in plain language."""

    min_er = _level_field("er", "least")
    max_er = _level_field("er", "most")
    min_ip = _level_field("ip", "least")
    max_ip = _level_field("ip", "most")
    min_ex = _level_field("ex", "least")
    max_ex = _level_field("ex", "most")
    asked_question = forms.TypedChoiceField(
        label="Asked a question",
        choices=ASKED_CHOICES,
        coerce=_asked,
        empty_value=None,
        required=False,
        help_text=ASKED_HELP,
    )
    emotion_shift = EmotionMapField(
        low=-1,
        high=1,
        required=False,
        label="Emotion shift",
        help_text=(
            "How this reply moves the persona's feelings: pick an emotion and slide from −1 (much less) to 1 "
            f"(much more). Without the picker, type “{EMOTION_EXAMPLE}” (negative numbers lower a feeling)."
        ),
    )

    class Meta:
        model = PersonaReply
        fields = "__all__"
        labels: ClassVar[dict[str, str]] = {
            "min_turn": "From turn",
            "max_turn": "Until turn",
            "is_closing": "Closing reply",
        }
        help_texts: ClassVar[dict[str, str]] = {
            "tone": TONE_HELP,
            "min_turn": TURN_HELP,
            "max_turn": "Blank: no last turn.",
            "is_closing": (
                "Closing replies are used only on the scenario's last turn or when the learner wraps up, and "
                "other replies never then."
            ),
            "priority": (
                "Among fitting replies that set the same number of conditions, the higher priority wins. A reply "
                "that sets more conditions beats one with fewer whatever their priorities."
            ),
            "example_learner_lines": (
                "One a line: things a learner might say that this reply answers well. When fitting replies are "
                "still tied on conditions and priority, the one with an example line closest in meaning to the "
                "learner's message wins."
            ),
        }

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        data = cleaned if cleaned is not None else self.cleaned_data
        for mech, (name, _, _) in LEVELS.items():
            low, high = data.get(f"min_{mech}"), data.get(f"max_{mech}")
            if low is not None and high is not None and low > high:
                self.add_error(
                    f"min_{mech}",
                    f"No message can be at least {low} and at most {high} on {name.lower()}: this reply could never "
                    "be chosen.",
                )
        low, high = data.get("min_turn"), data.get("max_turn")
        if low is not None and high is not None and low > high:
            self.add_error(
                "min_turn", f"From turn {low} until turn {high} is no turn: this reply could never be chosen."
            )
        return cleaned


class ScenarioAdminForm(forms.ModelForm[Scenario]):
    starting_emotions = EmotionMapField(
        low=0,
        high=1,
        label="Starting feelings",
        help_text=(
            "How the persona feels as the conversation opens: pick an emotion and set its intensity from 0 to 1. "
            f"Without the picker, type “{EMOTION_EXAMPLE}”."
        ),
        error_messages={"required": "Choose at least one feeling the persona starts with."},
    )

    class Meta:
        model = Scenario
        fields = "__all__"
        help_texts: ClassVar[dict[str, str]] = {
            "max_turns": (
                "How many messages the learner sends at most. The persona answers each one; on the last it says a "
                "closing reply and the conversation ends."
            ),
        }


GOAL_LEVEL_CHOICES: list[tuple[int, str]] = [
    (1, "1 — weak or generic counts (e.g. “I'm sorry to hear that”)"),
    (2, "2 — only strong and specific counts"),
]


class ScenarioGoalAdminForm(forms.ModelForm[ScenarioGoal]):
    min_level = forms.TypedChoiceField(
        label="Level needed",
        choices=GOAL_LEVEL_CHOICES,
        coerce=int,
        initial=1,
        help_text="The level a learner message must reach on the mechanism (0 none, 1 weak or generic, 2 strong).",
    )

    class Meta:
        model = ScenarioGoal
        fields = "__all__"
        labels: ClassVar[dict[str, str]] = {"min_turns": "Messages needed"}
        help_texts: ClassVar[dict[str, str]] = {
            "min_turns": "How many learner messages must reach the level. 1: a single message meets the goal.",
        }


class LabelledInlineFormSet(forms.BaseInlineFormSet[Any, Any, Any]):
    """A tabular inline's inputs named for screen readers: the admin labels its table columns,
    not each row's inputs (axe-core: "Form elements must have labels")."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        for name, field in form.fields.items():
            field.widget.attrs.setdefault("aria-label", str(field.label or name.replace("_", " ").capitalize()))


class PersonaTryForm(forms.Form):
    """A learner line to try on the saved persona, and the turn it would be."""

    text = forms.CharField(
        label="A learner's message",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
    )
    turn_number = forms.IntegerField(label="As turn", min_value=1, initial=1)

    def __init__(self, *args: Any, max_turns: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["turn_number"]
        assert isinstance(field, forms.IntegerField)
        field.max_value = max_turns
        field.validators.append(MaxValueValidator(max_turns))
        field.widget.attrs.update({"min": 1, "max": max_turns})
        field.help_text = f"1 is the learner's first message; {max_turns} is the last (a closing reply)."


# --- Change lists ----------------------------------------------------------------------------


class OrderInListForm(forms.ModelForm):  # type: ignore[type-arg]
    """A change list's editable "order" box, named for its row ("Order of “What empathy is”"): a
    table cell's input has no label of its own, and a screen reader would hear eight "edit text"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        title = getattr(self.instance, "title", "")
        if "order" in self.fields:
            self.fields["order"].widget.attrs["aria-label"] = f"Order of “{title}”" if title else "Order"
