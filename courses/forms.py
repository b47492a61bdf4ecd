"""Forms: parse and validate what learners send; the services do the writing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User

from courses.models import Choice, Question

if TYPE_CHECKING:
    from courses.services.progress import QuestionResult, QuizResult


@dataclass(frozen=True)
class QuestionRow:
    """One question as the quiz page shows it: its inputs, what was ticked, and feedback if graded."""

    number: int
    question: Question
    name: str
    multiple: bool
    choices: list[Choice]
    chosen: set[int]
    errors: list[str]
    feedback: QuestionResult | None


class SignupForm(UserCreationForm[User]):
    email = forms.EmailField(required=True, help_text="For password resets only.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self) -> str:
        # Not checked for an existing account on purpose: "this e-mail already has an account" would
        # tell anyone whose address is registered here. A password reset reaches every account of
        # an address (Django's PasswordResetForm), so a second account costs its owner nothing.
        email: str = self.cleaned_data["email"].strip()
        return email


class QuizForm(forms.Form):
    """One field per question, named q<question id>: a single choice id, or a list of them
    when the question has several correct choices. Unknown ids and non-integers fail validation."""

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            choices = [(str(choice.pk), choice.text) for choice in question.choices.all()]
            if question.allows_several:
                self.fields[f"q{question.pk}"] = forms.MultipleChoiceField(
                    choices=choices, error_messages={"required": "Choose at least one answer."}
                )
            else:
                self.fields[f"q{question.pk}"] = forms.ChoiceField(
                    choices=choices, error_messages={"required": "Choose an answer."}
                )

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        # A radio group sends one value; QueryDict.get would quietly keep the last of several.
        if hasattr(self.data, "getlist"):
            for question in self.questions:
                name = f"q{question.pk}"
                if not question.allows_several and len(self.data.getlist(name)) > 1 and name not in self.errors:
                    self.add_error(name, "Choose one answer.")
        return cleaned

    def answers(self) -> dict[int, list[int]]:
        """The cleaned answers as {question id: [choice ids]}."""
        result: dict[int, list[int]] = {}
        for question in self.questions:
            value = self.cleaned_data[f"q{question.pk}"]
            values = value if isinstance(value, list) else [value]
            result[question.pk] = [int(v) for v in values]
        return result

    def rows(self, result: QuizResult | None = None) -> list[QuestionRow]:
        """The questions ready to render, with feedback from a graded attempt."""
        feedback = {r.question.pk: r for r in result.questions} if result else {}
        chosen = self.chosen() if self.is_bound else {}
        return [
            QuestionRow(
                number=number,
                question=question,
                name=f"q{question.pk}",
                multiple=question.allows_several,
                choices=list(question.choices.all()),
                chosen=(
                    set(feedback[question.pk].chosen_ids) if question.pk in feedback else chosen.get(question.pk, set())
                ),
                errors=[str(error) for error in self.errors.get(f"q{question.pk}", [])] if self.is_bound else [],
                feedback=feedback.get(question.pk),
            )
            for number, question in enumerate(self.questions, start=1)
        ]

    def chosen(self) -> dict[int, set[int]]:
        """What the learner ticked, as far as it parses, to redisplay the form after an error."""
        chosen: dict[int, set[int]] = {}
        for question in self.questions:
            raw = self.data.getlist(f"q{question.pk}") if hasattr(self.data, "getlist") else []
            chosen[question.pk] = {int(v) for v in raw if str(v).isdigit()}
        return chosen
