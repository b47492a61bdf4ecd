"""Authoring in the Django admin, for instructors (staff in the Instructors group)."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import Model
from django.forms import BaseModelForm
from django.http import HttpRequest
from django.urls import URLPattern, path

from courses.admin_forms import (
    LabelledInlineFormSet,
    OrderInListForm,
    PersonaReplyAdminForm,
    PersonaTryForm,
    ScenarioAdminForm,
    ScenarioGoalAdminForm,
)
from courses.models import (
    Choice,
    Course,
    Enrollment,
    Item,
    ItemProgress,
    Lesson,
    Module,
    PersonaReply,
    Question,
    Quiz,
    QuizAttempt,
    Scenario,
    ScenarioGoal,
)
from courses.practice.authoring import scenario_warnings
from courses.selectors.generation import generation_report
from courses.views.authoring import persona_try_result_view, persona_try_view

_ItemT = TypeVar("_ItemT", bound=Item)
_LearnerStateT = TypeVar("_LearnerStateT", bound=Model)

admin.site.site_header = "EmpathyCamp authoring"
admin.site.site_title = "EmpathyCamp authoring"
admin.site.index_title = "Courses and content"


class ModuleInline(admin.TabularInline[Module, Course]):
    model = Module
    formset = LabelledInlineFormSet
    fields = ("order", "title", "summary")
    extra = 1
    ordering = ("order", "id")
    show_change_link = True


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin[Course]):
    list_display = ("title", "status", "author", "updated_at")
    list_filter = ("status",)
    search_fields = ("title", "summary", "description")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("author", "created_at", "updated_at")
    fields = ("title", "slug", "status", "summary", "description", "author", "created_at", "updated_at")
    ordering = ("title",)
    inlines = (ModuleInline,)

    def save_model(self, request: HttpRequest, obj: Course, form: Any, change: bool) -> None:
        if not change and obj.author_id is None:
            # The admin site lets in active staff users only (AdminSite.has_permission), so the
            # user here is never an AnonymousUser; the signature is the admin's, typed for any request.
            obj.author = cast(User, request.user)
        super().save_model(request, obj, form, change)


class ItemInline(admin.TabularInline[Item, Module]):
    """Reorder and rename a module's items here; add them as a lesson, quiz or scenario."""

    model = Item
    formset = LabelledInlineFormSet
    fields = ("order", "title", "kind")
    readonly_fields = ("kind",)
    ordering = ("order", "id")
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Module | None = None) -> bool:
        # A bare Item is neither lesson, quiz nor scenario; those have their own add forms.
        return False


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin[Module]):
    list_display = ("title", "course", "order")
    list_editable = ("order",)
    list_filter = ("course__status", "course")
    search_fields = ("title", "course__title")
    ordering = ("course__title", "order", "id")
    list_select_related = ("course",)
    inlines = (ItemInline,)

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> type[forms.ModelForm[Module]]:
        return super().get_changelist_form(request, **{"form": OrderInListForm, **kwargs})


class ItemAdmin(admin.ModelAdmin[_ItemT]):
    # Typed as any length: the lesson, quiz and scenario admins extend them.
    list_display: tuple[str, ...] = ("title", "module", "order")
    list_editable = ("order",)
    list_filter: ClassVar[tuple[str, ...]] = ("module__course__status", "module__course")
    search_fields: ClassVar[tuple[str, ...]] = ("title", "module__title", "module__course__title")
    ordering = ("module__course__title", "module__order", "order", "id")
    list_select_related = ("module__course",)
    # The module is a plain select, not select2's autocomplete: that box has no accessible name
    # (axe-core: serious), and a camp's modules are few enough to choose from a list.

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> type[forms.ModelForm[_ItemT]]:
        return super().get_changelist_form(request, **{"form": OrderInListForm, **kwargs})


@admin.register(Lesson)
class LessonAdmin(ItemAdmin[Lesson]):
    list_display = ("title", "module", "order", "estimated_minutes")
    fields = ("module", "order", "title", "estimated_minutes", "body")
    search_fields = (*ItemAdmin.search_fields, "body")


class QuestionInline(admin.StackedInline[Question, Quiz]):
    model = Question
    fields = ("order", "topic", "message", "prompt", "explanation")
    extra = 0
    ordering = ("order", "id")
    show_change_link = True


@admin.register(Quiz)
class QuizAdmin(ItemAdmin[Quiz]):
    list_display = ("title", "module", "order", "pass_mark")
    fields = ("module", "order", "title", "pass_mark", "introduction")
    inlines = (QuestionInline,)


class ChoiceInline(admin.TabularInline[Choice, Question]):
    model = Choice
    formset = LabelledInlineFormSet
    fields = ("order", "text", "is_correct")
    extra = 3
    ordering = ("order", "id")


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin[Question]):
    list_display = ("__str__", "quiz", "topic", "order")
    list_filter = ("topic", "quiz__module__course")
    search_fields = ("prompt", "message", "quiz__title")
    ordering = ("quiz__title", "order", "id")
    list_select_related = ("quiz",)
    autocomplete_fields = ("quiz",)
    inlines = (ChoiceInline,)


class ScenarioGoalInline(admin.TabularInline[ScenarioGoal, Scenario]):
    model = ScenarioGoal
    form = ScenarioGoalAdminForm
    formset = LabelledInlineFormSet
    fields = ("order", "description", "mechanism", "min_level", "min_turns")
    extra = 0
    ordering = ("order", "id")


class PersonaReplyInline(admin.StackedInline[PersonaReply, Scenario]):
    model = PersonaReply
    form = PersonaReplyAdminForm
    fields = (
        "order",
        "text",
        ("min_er", "max_er"),
        ("min_ip", "max_ip"),
        ("min_ex", "max_ex"),
        ("asked_question", "tone"),
        ("min_turn", "max_turn"),
        ("is_closing", "priority"),
        "emotion_shift",
        "example_learner_lines",
        "condition_summary",
    )
    readonly_fields = ("condition_summary",)
    extra = 0
    ordering = ("order", "id")


@admin.register(Scenario)
class ScenarioAdmin(ItemAdmin[Scenario]):
    list_display = ("title", "persona_name", "setting", "difficulty", "module", "order")
    list_filter = ("setting", "difficulty", *ItemAdmin.list_filter)
    search_fields = (*ItemAdmin.search_fields, "persona_name", "situation")
    fields = (
        "module",
        "order",
        "title",
        ("persona_name", "setting", "difficulty"),
        "persona_bio",
        "situation",
        "opening_line",
        "starting_emotions",
        ("max_turns", "engine"),
        "persona_facts",
        "generated_replies",
    )
    readonly_fields = ("generated_replies",)
    inlines = (ScenarioGoalInline, PersonaReplyInline)
    form = ScenarioAdminForm

    class Media:
        css = {"all": ("css/admin/authoring.css",)}
        js = ("js/admin/persona_try.js",)

    @admin.display(description="Generated replies")
    def generated_replies(self, obj: Scenario) -> str:
        """How the generative persona's replies ended lately: said as generated, or the authored line
        said instead and why (unsafe, out of character, repetition...)."""
        if obj.pk is None or obj.engine != Scenario.Engine.GENERATIVE:
            return "Only a generative scenario's replies are generated."
        return generation_report(scenario=obj).summary()

    def get_urls(self) -> list[URLPattern]:
        # Not wrapped in admin_view: the views answer a script with 403 rather than a log-in page.
        return [
            path("<int:object_id>/try/", persona_try_view, name="courses_scenario_try"),
            path("<int:object_id>/try/<str:token>/", persona_try_result_view, name="courses_scenario_try_result"),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> Any:
        scenario = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if scenario is not None and self.has_change_permission(request, scenario):
            extra["persona_try_form"] = PersonaTryForm(max_turns=scenario.max_turns)
        return super().change_view(request, object_id, form_url, extra)

    def save_related(self, request: HttpRequest, form: BaseModelForm[Scenario], formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        scenario_warnings_show(request, form.instance)


def scenario_warnings_show(request: HttpRequest, scenario: Scenario) -> None:
    """The scenario's authoring warnings (courses/practice/authoring.py) as admin messages: saved anyway."""
    goals = list(scenario.goals.order_by("order", "id"))
    replies = list(scenario.replies.order_by("order", "id"))
    for warning in scenario_warnings(scenario=scenario, goals=goals, replies=replies):
        messages.warning(request, f"{scenario.title}: {warning}")


@admin.register(PersonaReply)
class PersonaReplyAdmin(admin.ModelAdmin[PersonaReply]):
    form = PersonaReplyAdminForm
    list_display = ("__str__", "scenario", "condition_summary", "priority", "is_closing")
    list_filter = ("is_closing", "tone", "scenario__setting", "scenario")
    search_fields = ("text", "scenario__title", "scenario__persona_name")
    ordering = ("scenario__title", "order", "id")
    list_select_related = ("scenario",)
    autocomplete_fields = ("scenario",)

    def save_model(self, request: HttpRequest, obj: PersonaReply, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        scenario_warnings_show(request, obj.scenario)


class LearnerStateAdmin(admin.ModelAdmin[_LearnerStateT]):
    """Learner state is written by the site only; the admin shows it (to those with view rights,
    not to instructors) for support."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: _LearnerStateT | None = None) -> bool:
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(LearnerStateAdmin[Enrollment]):
    list_display = ("learner", "course", "enrolled_at", "last_activity_at", "completed_at")
    list_filter = ("course",)
    search_fields = ("learner__username", "learner__email", "course__title")
    list_select_related = ("learner", "course")


@admin.register(ItemProgress)
class ItemProgressAdmin(LearnerStateAdmin[ItemProgress]):
    list_display = ("learner", "item", "attempts", "best_score", "completed_at")
    list_filter = ("item__kind", "item__module__course")
    search_fields = ("learner__username", "item__title")
    list_select_related = ("learner", "item")


@admin.register(QuizAttempt)
class QuizAttemptAdmin(LearnerStateAdmin[QuizAttempt]):
    list_display = ("learner", "quiz", "correct", "total", "created_at")
    list_filter = ("quiz",)
    search_fields = ("learner__username", "quiz__title")
    list_select_related = ("learner", "quiz")
