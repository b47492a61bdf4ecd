"""The wellbeing card's lines: chosen by the learner's locale from settings, checked at start-up."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from courses.practice.wellbeing import ResourcesConfigError, default_resources, resources_for, validate
from empathycamp.settings.wellbeing import DEFAULT_WELLBEING_RESOURCES
from tests.factories import course_bundle_create


def lines(card) -> str:
    return " ".join(f"{line['title']} {line['text']}" for line in card["lines"])


@pytest.mark.parametrize(
    ("header", "expected", "absent"),
    [
        ("en-US,en;q=0.9", "988", "116 123"),
        ("en-GB,en;q=0.8", "116 123", "988"),
        ("en-IE", "116 123", "988"),
        ("zh-TW,zh;q=0.9", "1925", "988"),
        ("zh-Hant", "1925", "12356"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "12356", "1925"),
        ("de-DE,de;q=0.9", "findahelpline.com", "988"),
        ("", "findahelpline.com", "116 123"),
    ],
)
def test_the_learners_locale_chooses_the_lines(header, expected, absent):
    card = resources_for(header)
    assert expected in lines(card)
    assert absent not in lines(card)


def test_the_card_speaks_the_learners_script():
    assert resources_for("zh-TW")["title"] == "我們先停一下"
    assert resources_for("zh-CN")["title"] == "我们先停一下"
    # A Chinese region but an English-first browser: the region's lines, in English.
    english = resources_for("en-CN,en;q=0.9")
    assert english["title"] == "Let's take a pause" and "12356" in lines(english)


@pytest.mark.parametrize("header", ["*", "x" * 5000, ";;;q=abc,,", "zz-ZZ", "en-US;q=nonsense", "\u0000"])
def test_any_header_gets_a_card(header):
    card = resources_for(header)
    assert card["lines"] and card["continue_label"]


def test_the_default_list_is_valid_and_every_card_has_a_way_to_reach_help():
    validate(DEFAULT_WELLBEING_RESOURCES)
    for cards in DEFAULT_WELLBEING_RESOURCES["countries"].values():
        for card in cards.values():
            assert any(ch.isdigit() for ch in lines(card)) or "findahelpline.com" in lines(card)


@pytest.mark.parametrize(
    "breakage",
    [
        lambda c: c.pop("countries"),
        lambda c: c["countries"].pop("default"),
        lambda c: c["countries"]["US"]["en"].update(lines=[]),
        lambda c: c["countries"]["GB"]["en"].update(title=""),
        lambda c: c["countries"]["TW"]["zh-hant"]["lines"].append({"title": "no text"}),
    ],
)
def test_a_malformed_list_is_refused_with_where_it_is_wrong(breakage):
    config = copy.deepcopy(DEFAULT_WELLBEING_RESOURCES)
    breakage(config)
    with pytest.raises(ResourcesConfigError):
        validate(config)


def test_a_malformed_list_in_settings_stops_the_site_starting(settings):
    settings.WELLBEING_RESOURCES = {"countries": {"default": {"en": {"title": "x"}}}}
    with pytest.raises(SystemCheckError, match="courses.E001"):
        call_command("check")


def test_an_operators_list_replaces_the_default(settings):
    card = {"title": "Pause", "body": "b", "lines": [{"title": "Line", "text": "Call 000"}], "continue_label": "Go on"}
    settings.WELLBEING_RESOURCES = {"countries": {"default": {"en": card}, "AU": {"en": card}}}
    assert resources_for("en-AU") == card
    assert default_resources() == card


def test_the_practice_page_embeds_the_card_for_the_browsers_locale(client, alice, db):
    from courses.services.enrollments import enrollment_create
    from courses.services.practice import practice_session_start

    bundle = course_bundle_create(title="Locale course")
    enrollment_create(learner=alice, course=bundle.course)
    session = practice_session_start(learner=alice, scenario=bundle.scenario)
    client.force_login(alice)
    html = client.get(f"/practice/{session.pk}/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    start = html.index('id="practice-constants"')
    payload = html[html.index(">", start) + 1 : html.index("</script>", start)]
    assert "116 123" in lines(json.loads(payload)["resources"])
