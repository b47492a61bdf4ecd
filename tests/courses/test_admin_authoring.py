"""Authoring a scenario without reading code: plain-language conditions, emotion pickers, warnings
on save, and "Try this persona" (its permissions, and its answer through the real task path)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connections

from courses.admin_forms import (
    EmotionMapField,
    PersonaReplyAdminForm,
    emotions_format,
    emotions_parse,
)
from courses.models import PersonaReply, Scenario, ScenarioGoal, Turn
from courses.practice.authoring import scenario_warnings
from courses.practice.trial import persona_try_explain
from courses.services.demo import demo_seed
from empathycamp import tasking
from tests.db import connections_since_end, database_now
from tests.factories import analysis_build, course_bundle_create, persona_reply_create

pytestmark = pytest.mark.django_db


# --- Plain-language conditions -------------------------------------------------------------


def test_level_conditions_explain_the_scale_with_a_learner_line_for_each_level():
    fields = PersonaReplyAdminForm().fields
    er = fields["min_er"].help_text
    assert "0 = none" in er and "1 = weak or generic: “I'm sorry to hear that”" in er
    assert "2 = strong and specific to them: “I'm so sorry. Being ignored" in er
    assert "“that must be hard”" in fields["min_ip"].help_text
    assert "“What's your order number?”" in fields["min_ex"].help_text
    assert "“What goes through your mind on Sunday evenings" in fields["min_ex"].help_text
    assert fields["min_er"].label == "Emotional reactions at least"
    assert [label for _, label in fields["min_ip"].choices] == [
        "any level",
        "0 — none",
        "1 — weak or generic",
        "2 — strong and specific",
    ]


def test_asked_question_says_either_not_unknown_and_round_trips(client, charlie):
    form = PersonaReplyAdminForm()
    labels = [label for _, label in form.fields["asked_question"].choices]
    assert labels[0] == "Either: with or without a question" and "Unknown" not in labels
    bundle = course_bundle_create()
    for posted, stored in (("", None), ("True", True), ("False", False)):
        form = PersonaReplyAdminForm(
            data={"scenario": bundle.scenario.pk, "text": "Hm.", "tone": "any", "asked_question": posted, "order": 0,
                  "priority": 0, "emotion_shift": ""}
        )  # fmt: skip
        assert form.is_valid(), form.errors
        assert form.save().asked_question is stored
    client.force_login(charlie)
    page = client.get(f"/admin/courses/scenario/{bundle.scenario.pk}/change/").text
    assert "Either: with or without a question" in page
    assert ">Unknown<" not in page


def test_scenario_page_explains_how_a_reply_is_chosen(client, charlie):
    bundle = course_bundle_create()
    client.force_login(charlie)
    page = client.get(f"/admin/courses/scenario/{bundle.scenario.pk}/change/").text
    assert "How the persona chooses a reply" in page
    assert "Conditions must all hold." in page and "The most specific wins." in page and "Then priority." in page
    assert "Try this persona" in page and 'name="csrfmiddlewaretoken"' in page


def test_each_goal_row_input_is_named_for_screen_readers(client, charlie):
    bundle = course_bundle_create()
    client.force_login(charlie)
    page = client.get(f"/admin/courses/scenario/{bundle.scenario.pk}/change/").text
    for name in ("Description", "Mechanism", "Level needed", "Messages needed", "Delete"):
        assert f'aria-label="{name}"' in page, name


def test_a_reply_whose_levels_cross_is_refused_in_plain_words():
    bundle = course_bundle_create()
    form = PersonaReplyAdminForm(
        data={"scenario": bundle.scenario.pk, "text": "Hm.", "tone": "any", "order": 0, "priority": 0,
              "min_er": "2", "max_er": "1", "emotion_shift": ""}
    )  # fmt: skip
    assert not form.is_valid()
    assert "No message can be at least 2 and at most 1 on emotional reactions" in form.errors["min_er"][0]


# --- Emotion pickers -----------------------------------------------------------------------


def test_emotion_text_round_trips_to_the_same_json():
    stored = {"sadness": 0.6, "anger": 0.2}
    assert emotions_format(stored) == "sadness: 0.6, anger: 0.2"
    assert emotions_parse("sadness: 0.6, anger: 0.2", low=0, high=1) == stored
    assert emotions_parse(" Sadness = 0.6 ;\nanger:0.2 ", low=0, high=1) == stored
    assert emotions_parse('{"sadness": 0.6, "anger": 0.2}', low=0, high=1) == stored  # the old JSON still reads
    assert emotions_parse("anger: -0.25", low=-1, high=1) == {"anger": -0.25}
    assert emotions_parse("", low=0, high=1) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sadnes: 0.6", "“sadnes” is not an emotion the detector knows. Did you mean “sadness”?"),
        ("pizza: 0.6", "“pizza” is not an emotion the detector knows. Choose from: admiration, amusement"),
        ("sadness", "“sadness” has no intensity: write it as “sadness: 0.5”"),
        ("sadness: lots", "Give “sadness” a number from 0 to 1, e.g. “sadness: 0.5”."),
        ("anger: -0.2", "Give “anger” a number from 0 to 1"),
        ("anger: 0.2, anger: 0.3", "“anger” is listed twice."),
    ],
)
def test_emotion_text_names_what_is_wrong(text, message):
    with pytest.raises(ValidationError) as raised:
        EmotionMapField(low=0, high=1).clean(text)
    assert message in raised.value.messages[0]


def test_the_picker_lists_the_goemotions_names_and_loads_its_script_from_a_static_file():
    field = EmotionMapField(low=-1, high=1)
    html = field.widget.render("emotion_shift", {"anger": -0.2})
    assert 'data-emotion-picker data-low="-1" data-high="1"' in html
    assert "&quot;sadness&quot;" in html and "&quot;neutral&quot;" not in html
    assert 'value="anger: -0.2"' in html
    assert "<script" not in html and "style=" not in html
    assert "js/admin/emotion_picker.js" in str(field.widget.media)


def test_instructor_saves_starting_feelings_as_words_and_gets_the_same_json(client, charlie):
    bundle = course_bundle_create()
    client.force_login(charlie)
    url = f"/admin/courses/scenario/{bundle.scenario.pk}/change/"
    data = change_form_data(client.get(url))
    data["starting_emotions"] = "sadness: 0.6, anger: 0.2"
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    bundle.scenario.refresh_from_db()
    assert bundle.scenario.starting_emotions == {"sadness": 0.6, "anger": 0.2}

    data["starting_emotions"] = "sadnes: 0.6"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "“sadnes” is not an emotion the detector knows. Did you mean “sadness”?" in response.text
    bundle.scenario.refresh_from_db()
    assert bundle.scenario.starting_emotions == {"sadness": 0.6, "anger": 0.2}


def test_instructor_writes_the_personas_facts_a_line_each_and_a_malformed_line_is_named(client, charlie):
    bundle = course_bundle_create()
    client.force_login(charlie)
    url = f"/admin/courses/scenario/{bundle.scenario.pk}/change/"
    page = client.get(url)
    assert 'name="persona_facts"' in page.text and "one a line as “what: the fact”" in page.text
    data = change_form_data(page)
    data["persona_facts"] = "order number: 48213-B\r\n\r\nappointment: Tuesday 14 May at 9:40\r\n"
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    bundle.scenario.refresh_from_db()
    assert bundle.scenario.facts == {"order number": "48213-B", "appointment": "Tuesday 14 May at 9:40"}

    for text, message in [
        ("order number 48213-B", "Line 1 (“order number 48213-B”): write one fact a line as “what: the fact”"),
        ("order number: 48213-B\nOrder Number: 48213-C", "Line 2: “Order Number” is given twice."),
        ("appointment:", "Line 1 (“appointment:”): write one fact a line"),
    ]:
        data["persona_facts"] = text
        response = client.post(url, data)
        assert response.status_code == 200
        assert message in response.text, text
    bundle.scenario.refresh_from_db()
    assert bundle.scenario.facts == {"order number": "48213-B", "appointment": "Tuesday 14 May at 9:40"}


# --- Warnings ------------------------------------------------------------------------------


def _scenario(**fields: Any) -> Scenario:
    return Scenario(title="T", persona_name="P", max_turns=fields.pop("max_turns", 3), **fields)


def _reply(text: str, **conditions: Any) -> PersonaReply:
    return PersonaReply(text=text, **conditions)


def _enough(count: int) -> list[PersonaReply]:
    return [_reply(f"Line {n}.", min_turn=n, max_turn=n) for n in range(1, count + 1)] + [
        _reply("Thank you.", is_closing=True)
    ]


def test_a_goal_one_message_meets_is_warned_and_a_harder_one_is_not():
    scenario = _scenario()
    easy = ScenarioGoal(description="Name her feeling.", mechanism="er", min_level=1, min_turns=1)
    harder = ScenarioGoal(description="Explore twice.", mechanism="ex", min_level=1, min_turns=2)
    strong = ScenarioGoal(description="Reflect deeply.", mechanism="ip", min_level=2, min_turns=1)
    warnings = scenario_warnings(scenario=scenario, goals=[easy, harder, strong], replies=_enough(2))
    assert warnings == [
        (
            "A single message meets this goal: “Name her feeling.” (one message at level 1, which a stock line such "
            "as “I'm sorry to hear that” or “What happened?” reaches). If it should take more, raise “Messages "
            "needed” to 2 or more, or the level to 2."
        )
    ]
    assert scenario_warnings(scenario=scenario, goals=[harder, strong], replies=_enough(2)) == []


def test_too_few_replies_for_the_turns_is_warned():
    scenario = _scenario(max_turns=5)
    warnings = scenario_warnings(scenario=scenario, goals=[], replies=_enough(2))
    assert warnings == [
        (
            "Only 2 non-closing replies for up to 4 turns before the last (maximum turns 5): the persona will repeat "
            "itself. Add at least 2 more, or lower the maximum turns."
        )
    ]
    assert scenario_warnings(scenario=scenario, goals=[], replies=_enough(4)) == []
    no_closing = [r for r in _enough(4) if not r.is_closing]
    assert scenario_warnings(scenario=scenario, goals=[], replies=no_closing) == [
        (
            "No closing reply: on the last turn, or when the learner wraps up, the persona says the stock line "
            "“Thank you for talking this through with me.”"
        )
    ]


def test_replies_with_the_same_conditions_say_which_one_always_wins():
    first = _reply("I'm fine, really.", min_er=1, priority=1)
    second = _reply("Thanks, that helps.", min_er=1, priority=1)
    replies = [*_enough(2), first, second]
    (warning,) = scenario_warnings(scenario=_scenario(), goals=[], replies=replies)
    assert warning.startswith(
        "Reply 4 (“I'm fine, really.”) and reply 5 (“Thanks, that helps.”) set the same conditions "
        "(emotional reaction ≥ 1): reply 4 (“I'm fine, really.”) is always chosen over reply 5 (“Thanks, that helps.”)"
    )
    assert "neither has example learner lines, and it comes first. Reply 5 is said only once reply 4" in warning

    second.priority = 3
    (warning,) = scenario_warnings(scenario=_scenario(), goals=[], replies=replies)
    assert "reply 5 (“Thanks, that helps.”) is always chosen over reply 4" in warning
    assert "its priority is higher (3 against 1)" in warning

    # Equal priority, both with example lines: the learner's words decide, nothing to warn about.
    second.priority = 1
    first.example_learner_lines = "I'm sorry."
    second.example_learner_lines = "That sounds hard."
    assert scenario_warnings(scenario=_scenario(), goals=[], replies=replies) == []


def test_replies_that_can_never_be_chosen_are_named():
    crossed = _reply("Crossed.", min_ip=2, max_ip=1)
    too_late = _reply("Too late.", min_turn=3)  # turn 3 is the last: a closing reply's
    closing_too_late = _reply("Bye.", is_closing=True, min_turn=4)
    no_turn = _reply("Never.", min_turn=2, max_turn=1)
    replies = [*_enough(2), crossed, too_late, closing_too_late, no_turn]
    warnings = scenario_warnings(scenario=_scenario(max_turns=3), goals=[], replies=replies)
    assert warnings[:4] == [
        "Reply 4 (“Crossed.”) can never be chosen: interpretation at least 2 and at most 1: no message is both.",
        (
            "Reply 5 (“Too late.”) can never be chosen: from turn 3, but turn 3 is the last and gets a closing "
            "reply; non-closing replies answer turns 1 to 2."
        ),
        "Reply 6 (“Bye.”) can never be chosen: from turn 4, but the scenario ends at turn 3.",
        "Reply 7 (“Never.”) can never be chosen: from turn 2 until turn 1: no turn is both.",
    ]


def test_the_demo_scenarios_raise_no_warning_but_their_one_message_goals():
    demo_seed()
    scenarios = list(Scenario.objects.filter(module__course__slug="empathy-foundations"))
    assert len(scenarios) == 4
    for scenario in scenarios:
        goals = list(scenario.goals.order_by("order", "id"))
        replies = list(scenario.replies.order_by("order", "id"))
        warnings = scenario_warnings(scenario=scenario, goals=goals, replies=replies)
        # The demo's goals are met by one level-1 message on purpose (a first scenario is gentle),
        # and that is exactly what the goal warning tells an instructor; nothing else fires.
        assert [w for w in warnings if not w.startswith("A single message meets")] == [], scenario.title


def test_saving_a_faulty_scenario_shows_warnings_and_saves_anyway(client, charlie):
    bundle = course_bundle_create()
    persona_reply_create(scenario=bundle.scenario, text="Right.", min_er=1)
    persona_reply_create(scenario=bundle.scenario, text="Okay.", min_er=1)
    client.force_login(charlie)
    url = f"/admin/courses/scenario/{bundle.scenario.pk}/change/"
    data = change_form_data(client.get(url))
    data["persona_name"] = "Dana R."
    response = client.post(url, data)
    assert response.status_code == 302
    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert any("set the same conditions (emotional reaction ≥ 1)" in w for w in warnings)
    assert any("Only 2 non-closing replies for up to 7 turns" in w for w in warnings)
    assert any("No closing reply" in w for w in warnings)
    assert any("A single message meets this goal: “Name Dana's frustration.”" in w for w in warnings)
    bundle.scenario.refresh_from_db()
    assert bundle.scenario.persona_name == "Dana R."


# --- Try this persona ----------------------------------------------------------------------


def test_the_explanation_names_the_chosen_reply_the_conditions_that_held_and_its_rank():
    scenario = _scenario(max_turns=4, opening_line="It's gone again!")
    replies = [
        _reply("Whatever.", pk=1),
        _reply("You do get it.", pk=2, min_er=1, priority=1),
        _reply("Thanks for asking.", pk=3, min_er=1, asked_question=True),
        _reply("Bye.", pk=4, is_closing=True),
    ]
    text = "I'm so sorry. What happened?"
    result = persona_try_explain(
        scenario=scenario, replies=replies, text=text, analysis=analysis_build(er=1, ex=1), turn_number=1,
        similarity=None,
    )  # fmt: skip
    assert result["chosen"]["text"] == "Thanks for asking." and result["chosen"]["number"] == 3
    assert result["chosen"]["why"] == (
        "Reply 3: every condition held (2 set). Of the 3 fitting non-closing replies, it sets the most conditions."
    )
    verdict = result["replies"][2]
    assert verdict["conditions"] == [
        {"text": "emotional reaction at least 1 (was 1)", "held": True},
        {"text": "asked a question (asked one)", "held": True},
    ]
    assert [v["fits"] for v in result["replies"]] == [True, True, True, False]
    assert result["analysis"]["asked_question"] is True
    assert [level["level"] for level in result["analysis"]["levels"]] == [1, 0, 1]

    last = persona_try_explain(
        scenario=scenario, replies=replies, text=text, analysis=analysis_build(), turn_number=4, similarity=None
    )
    assert last["chosen"]["text"] == "Bye." and last["last_turn"] is True


def test_the_conditions_shown_hold_exactly_when_the_engine_says_the_reply_fits():
    """The Try panel's per-condition verdicts mirror engine.reply_fits on every demo reply."""
    from itertools import product

    from courses.practice.engine import TurnFacts, reply_fits
    from courses.practice.trial import reply_conditions

    demo_seed()
    replies = list(PersonaReply.objects.filter(scenario__module__course__slug="empathy-foundations"))
    assert len(replies) >= 20
    tones = [{}, {"labels": ("caring",)}, {"labels": ("annoyance",)}, {"blocker": ("dismissive", "whatever")}]
    texts = ["That sounds hard.", "What happened?"]
    for (er, ip, ex), tone, text, turn in product(product(range(3), repeat=3), tones, texts, (1, 3, 6)):
        facts = TurnFacts(text=text, analysis=analysis_build(er=er, ip=ip, ex=ex, **tone), turn_number=turn)
        for reply in replies:
            held = all(check["held"] for check in reply_conditions(reply, facts))
            assert held == reply_fits(reply, facts), (reply.text, er, ip, ex, tone, text, turn)


def _try(client, scenario_id: int, text: str = "I'm so sorry.", turn: int = 1):
    return client.post(f"/admin/courses/scenario/{scenario_id}/try/", {"text": text, "turn_number": turn})


@pytest.fixture
def no_task(monkeypatch):
    """The trial's task is not run (these tests are about who may ask)."""
    queued: list[tuple[Any, ...]] = []
    monkeypatch.setattr("courses.services.persona_try.enqueue", lambda task, *args: queued.append(args))
    return queued


def test_learners_anonymous_and_instructors_without_change_rights_are_refused(
    client, alice, django_user_model, no_task
):
    bundle = course_bundle_create()
    assert _try(client, bundle.scenario.pk).status_code == 403
    client.force_login(alice)
    assert _try(client, bundle.scenario.pk).status_code == 403
    viewer = django_user_model.objects.create_user("vera", "vera@example.com", "vera-password-1", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_scenario"))
    client.force_login(viewer)
    assert client.get(f"/admin/courses/scenario/{bundle.scenario.pk}/change/").status_code == 200
    assert 'data-testid="persona-try"' not in client.get(f"/admin/courses/scenario/{bundle.scenario.pk}/change/").text
    assert _try(client, bundle.scenario.pk).status_code == 403
    assert client.get(f"/admin/courses/scenario/{bundle.scenario.pk}/try/abc/").status_code == 403
    assert no_task == []


def test_the_trial_is_csrf_protected_validated_and_private_to_who_asked(client, charlie, django_user_model, no_task):
    from django.test import Client

    bundle = course_bundle_create()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(charlie)
    assert _try(strict, bundle.scenario.pk).status_code == 403

    client.force_login(charlie)
    assert _try(client, 999_999).status_code == 404
    response = _try(client, bundle.scenario.pk, text="", turn=9)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"text", "turn_number"}
    response = _try(client, bundle.scenario.pk)
    assert response.status_code == 202
    poll = response.json()["poll"]
    assert client.get(poll).json() == {"status": "pending"}
    assert len(no_task) == 1

    other = django_user_model.objects.create_user("olga", "olga@example.com", "olga-password-1", is_staff=True)
    other.user_permissions.add(Permission.objects.get(codename="change_scenario"))
    client.force_login(other)
    assert client.get(poll).status_code == 404


def test_trials_are_rate_limited(client, charlie, no_task, settings):
    bundle = course_bundle_create()
    client.force_login(charlie)
    limit = int(settings.RATE_LIMITS["persona_try_user"].split("/")[0])
    codes = [_try(client, bundle.scenario.pk).status_code for _ in range(limit + 1)]
    assert codes[:limit] == [202] * limit and codes[-1] == 429


@pytest.fixture
def embedded(settings):
    """Embedded mode: the real task runs in the web process's pool; the pool's database connection
    is ended afterwards, so the test database can be dropped."""
    settings.EMBEDDED_MODE = True
    started = database_now()
    yield
    tasking._embedded_executor().submit(connections.close_all).result(timeout=120)
    connections_since_end(started)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_try_this_persona_answers_through_the_real_task_and_models(client, charlie, embedded):
    """The embedded pool runs the real task with the real models; the page's poll gets the answer."""
    demo_seed()
    scenario = Scenario.objects.get(persona_name="Priya")
    client.force_login(charlie)
    response = _try(client, scenario.pk, text="I'm so sorry, that sounds really lonely. What are your weekends like?")
    assert response.status_code == 202
    result = _poll(client, response.json()["poll"])
    assert result["status"] == "done", result
    texts = set(scenario.replies.values_list("text", flat=True))
    assert result["chosen"]["text"] in texts
    chosen = next(v for v in result["replies"] if v["chosen"])
    assert chosen["fits"] and all(check["held"] for check in chosen["conditions"])
    assert result["chosen"]["why"].startswith(f"Reply {chosen['number']}: ")
    levels = {level["mechanism"]: level["level"] for level in result["analysis"]["levels"]}
    assert levels["ex"] >= 1 and result["analysis"]["asked_question"] is True
    assert result["analysis"]["safety"]["level"] == "none"
    assert not Turn.objects.exists()  # a trial is never a learner's turn


def _poll(client, url: str, timeout: float = 180.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data: dict[str, Any] = client.get(url).json()
        if data["status"] != "pending":
            return data
        time.sleep(0.25)
    raise AssertionError("the trial never answered")


# --- Helpers -------------------------------------------------------------------------------


def change_form_data(response) -> dict[str, Any]:
    """The admin change form's fields and its inline formsets as the browser would post them unchanged."""
    data: dict[str, Any] = {}

    def add(form) -> None:
        for name in form.fields:
            bound = form[name]
            value = bound.value()
            if value is None or value is False:
                continue
            data[bound.html_name] = "on" if value is True and name in _checkboxes(form) else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        for form in formset.forms:
            add(form)
    return data


def _checkboxes(form) -> set[str]:
    from django.forms import CheckboxInput

    return {name for name, field in form.fields.items() if isinstance(field.widget, CheckboxInput)}
