"""Past practice: the dashboard's list of sessions, Resume on the scenario page, and the history page
of one session (transcript with analyses, summary, practise again). Who may see what."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from courses.models import PracticeSession
from courses.services.enrollments import enrollment_create
from courses.services.practice import practice_session_start
from tests.factories import Exchange, analysis_build, conversation_create, course_bundle_create

pytestmark = pytest.mark.django_db

WARM = "I'm sorry, that sounds so frustrating."
WORRIED = "I can't cope any more, I feel hopeless."


@pytest.fixture
def bundle(alice, bob):
    bundle = course_bundle_create(title="Empathy Basics")
    enrollment_create(learner=alice, course=bundle.course)
    enrollment_create(learner=bob, course=bundle.course)
    return bundle


def warm_analysis():
    return analysis_build(
        er=2,
        ip=1,
        labels=("caring", "sadness"),
        text=WARM,
        rationales={"er": ["I'm sorry"], "ip": ["sounds so frustrating"]},
    )


@pytest.fixture
def finished(alice, bundle):
    """Alice's finished session: two replies, a summary and a score."""
    session = practice_session_start(learner=alice, scenario=bundle.scenario)
    conversation_create(
        session=session,
        exchanges=[
            Exchange(WARM, warm_analysis(), reply="Thank you, it has been a long week."),
            Exchange("What worries you most about it?", analysis_build(ex=2), reply="That it happens again."),
        ],
        finish=True,
        score=0.75,
    )
    return session


@pytest.fixture
def unfinished(alice, bundle, finished):
    """Alice's later session, one reply in and not finished."""
    session = practice_session_start(learner=alice, scenario=bundle.scenario)
    conversation_create(session=session, exchanges=[Exchange(WARM, warm_analysis(), reply="It really is.")])
    return session


def history_url(session) -> str:
    return reverse("courses:practice_history", kwargs={"session_id": session.pk})


def practice_url(session) -> str:
    return reverse("courses:practice", kwargs={"session_id": session.pk})


def session_rows(html: str) -> list[str]:
    return re.findall(r'data-testid="practice-session" data-session-id="([0-9a-f-]+)"', html)


# --- Dashboard ---------------------------------------------------------------------------------


def test_the_dashboard_lists_sessions_newest_first_with_resume_only_for_the_unfinished(
    client, alice, finished, unfinished
):
    client.force_login(alice)
    html = client.get(reverse("courses:dashboard")).text
    assert session_rows(html) == [str(unfinished.pk), str(finished.pk)]
    # Resume opens the unfinished session itself; each session links to its history.
    assert html.count('data-testid="practice-resume"') == 1
    assert f'href="{practice_url(unfinished)}" data-testid="practice-resume"' in html
    assert f'href="{practice_url(finished)}"' not in html
    assert f'href="{history_url(unfinished)}"' in html and f'href="{history_url(finished)}"' in html
    # The link says what it opens.
    assert 'Resume<span class="visually-hidden"> your conversation with Dana (A missing parcel,' in html
    rows = html.split('data-testid="practice-session"')
    assert "Unfinished" in rows[1] and "No score yet" in rows[1]
    assert "Finished" in rows[2] and "75%" in rows[2]
    # Replies counted per session: the learner's turns, not the persona's.
    assert '"practice-replies">1 reply<' in rows[1] and '"practice-replies">2 replies<' in rows[2]
    assert '<th scope="col">Attempts</th>' in html or "No quizzes answered yet." in html
    assert '<th scope="col">Conversation</th>' in html and '<th scope="row">A missing parcel' in html


def test_the_dashboard_says_when_there_are_no_sessions(client, bob, bundle):
    client.force_login(bob)
    html = client.get(reverse("courses:dashboard")).text
    assert "No practice conversations yet." in html and not session_rows(html)


def test_the_dashboard_lists_the_20_latest_and_says_so(client, alice, bundle):
    for _ in range(21):
        practice_session_start(learner=alice, scenario=bundle.scenario)
    client.force_login(alice)
    html = client.get(reverse("courses:dashboard")).text
    assert len(session_rows(html)) == 20
    assert "Your 20 most recent conversations." in html


def test_bob_sees_none_of_alices_sessions(client, bob, charlie, finished, unfinished):
    client.force_login(bob)
    assert session_rows(client.get(reverse("courses:dashboard")).text) == []
    for session in (finished, unfinished):
        assert client.get(history_url(session)).status_code == 404
        assert client.get(practice_url(session)).status_code == 404  # Resume opens nothing for him
    # An instructor sees no learner's sessions either (cohort views are for later).
    client.force_login(charlie)
    assert client.get(history_url(finished)).status_code == 404


def test_history_asks_visitors_to_log_in_and_refuses_unknown_ids(client, alice, finished):
    response = client.get(history_url(finished))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(alice)
    assert client.get("/practice/00000000-0000-0000-0000-000000000000/history/").status_code == 404
    assert client.post(history_url(finished)).status_code == 405


# --- Scenario page: resume or start anew -------------------------------------------------------


def test_the_scenario_page_offers_resume_of_the_unfinished_session_and_it_opens_the_same_one(
    client, alice, bundle, unfinished
):
    client.force_login(alice)
    html = client.get(bundle.scenario.get_absolute_url()).text
    resume = re.search(r'<a class="button" href="([^"]+)" data-testid="practice-resume">Resume', html)
    assert resume and resume.group(1) == practice_url(unfinished)
    assert 'Resume<span class="visually-hidden"> your conversation with Dana</span>' in html
    assert "Start a new conversation" in html
    assert "stays on <a" in html and "as unfinished, and you can still resume it there" in html
    page = client.get(resume.group(1))
    assert page.status_code == 200
    assert f'data-session-id="{unfinished.pk}"' in page.text
    assert json.dumps(WARM) in page.text  # the earlier turn, in the state the page embeds from the database


def test_without_an_unfinished_session_the_scenario_page_only_starts(client, alice, bob, bundle, finished):
    client.force_login(alice)
    html = client.get(bundle.scenario.get_absolute_url()).text
    assert "Start practice" in html and "practice-resume" not in html
    # Alice's unfinished session is hers alone: Bob's page offers no Resume.
    practice_session_start(learner=alice, scenario=bundle.scenario)
    client.force_login(bob)
    assert "practice-resume" not in client.get(bundle.scenario.get_absolute_url()).text


def test_a_paused_session_is_offered_for_resume_too(client, alice, bundle):
    session = practice_session_start(learner=alice, scenario=bundle.scenario)
    PracticeSession.objects.filter(pk=session.pk).update(status=PracticeSession.Status.PAUSED)
    client.force_login(alice)
    html = client.get(bundle.scenario.get_absolute_url()).text
    assert f'href="{practice_url(session)}" data-testid="practice-resume"' in html
    assert "paused to look after yourself" in html


def test_starting_anew_leaves_the_old_session_unfinished_and_resumable(client, alice, bundle, unfinished):
    client.force_login(alice)
    response = client.post(reverse("courses:practice_start", kwargs={"item_id": bundle.scenario.pk}))
    new = PracticeSession.objects.filter(learner=alice).latest("created_at")
    assert new.pk != unfinished.pk and response["Location"] == practice_url(new)
    unfinished.refresh_from_db()
    assert unfinished.status == PracticeSession.Status.ACTIVE
    dashboard = client.get(reverse("courses:dashboard")).text
    assert f'href="{practice_url(unfinished)}" data-testid="practice-resume"' in dashboard
    assert f'href="{practice_url(new)}" data-testid="practice-resume"' in dashboard
    # The scenario page offers the newest.
    assert practice_url(new) in client.get(bundle.scenario.get_absolute_url()).text


# --- History page ------------------------------------------------------------------------------


def test_history_shows_the_transcript_with_analyses_coaching_and_the_summary(client, alice, finished):
    client.force_login(alice)
    response = client.get(history_url(finished))
    assert response.status_code == 200
    html = response.text
    assert "<h1>Your conversation with Dana</h1>" in html
    # The whole transcript, in order: the opening line, each reply and each answer.
    texts = re.findall(r'<p class="chat-message__text">([^<]*)</p>', html)
    assert texts == [
        "This is the second time!",
        "I&#x27;m sorry, that sounds so frustrating.",
        "Thank you, it has been a long week.",
        "What worries you most about it?",
        "That it happens again.",
    ]
    # The first reply's analysis as the practice page shows it: chips, ER / IP / EX, the words.
    first = html.split('data-testid="message-learner"')[1]
    assert '<span class="chip">caring</span>' in first and '<span class="chip">sadness</span>' in first
    assert re.search(r'data-mechanism="er" data-level="2"', first)
    assert re.search(r'data-mechanism="ip" data-level="1"', first)
    assert re.search(r'data-mechanism="ex" data-level="0"', first)
    assert "Emotional reaction: 2 of 2 (strong). Words: “I&#x27;m sorry”" in first
    assert "Coaching on this reply" in first and "Try next: " in first
    # Its example rewrite against the learner's words: kept as written, the added question in <ins>.
    assert (
        '<q class="rewrite-diff">I&#x27;m sorry, that sounds so frustrating. <ins class="rewrite-diff__added">' in first
    )
    assert '<span class="visually-hidden">added: </span>What&#x27;s been the hardest part' in first
    assert "Struck through: taken out of your reply. Underlined: added." in first
    # The persona's answer with the feelings it was written with (its state, as the thought bubble).
    assert '<p class="chat-message__feelings">Feeling: anger, relief</p>' in html
    # The summary.
    summary = html.split('data-testid="summary"')[1]
    for expected in ("Session summary", "You wrote 2 replies.", "Emotional reaction (ER)", "How Dana felt"):
        assert expected in summary
    assert "At the start: </strong>anger 70%, disappointment 50%" in summary
    assert "Name Dana&#x27;s frustration." in summary and "One thing to practise next" in summary
    assert "finished, score 75%" in html


def test_practise_again_starts_a_new_session_by_post_with_csrf(client, alice, bundle, finished):
    client.force_login(alice)
    html = client.get(history_url(finished)).text
    start = reverse("courses:practice_start", kwargs={"item_id": bundle.scenario.pk})
    form = re.search(rf'<form method="post" action="{start}">\s*<input type="hidden" name="csrfmiddlewaretoken"', html)
    assert form, "Practise again is a POST form with a CSRF token"
    assert 'Practise again<span class="visually-hidden"> with Dana, in a new conversation</span>' in html
    response = client.post(start)
    assert response.status_code == 302 and PracticeSession.objects.filter(learner=alice).count() == 2


def test_an_unfinished_sessions_history_offers_resume_and_no_summary(client, alice, unfinished):
    client.force_login(alice)
    html = client.get(history_url(unfinished)).text
    assert "This conversation is unfinished." in html
    assert f'href="{practice_url(unfinished)}" data-testid="practice-resume"' in html
    assert 'data-testid="summary"' not in html


def test_a_turn_the_safety_screen_flagged_shows_no_emotions_or_scores(client, alice, bundle):
    session = practice_session_start(learner=alice, scenario=bundle.scenario)
    flagged = analysis_build(er=2, ip=2, labels=("sadness", "fear"), safety="concern", rationales={"er": ["cope"]})
    conversation_create(session=session, exchanges=[Exchange(WORRIED, flagged)])
    PracticeSession.objects.filter(pk=session.pk).update(status=PracticeSession.Status.PAUSED)
    client.force_login(alice)
    html = client.get(history_url(session)).text
    turn = html.split('data-testid="message-learner"')[1].split("</li>")[0]
    assert 'data-safety="concern"' in turn
    assert "No scores for this message: how you are matters more." in turn
    for hidden in ("chip", "data-mechanism", "sadness", "fear", "Emotional reaction", "Coaching on this reply"):
        assert hidden not in turn, hidden
