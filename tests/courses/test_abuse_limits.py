"""Abuse limits on the doors: log-in, sign-up, password reset and new practice sessions answer 429
in plain words once a client goes over them, and a sign-up does not tell whether an address exists."""

from __future__ import annotations

import pytest

from courses.models import PracticeSession
from courses.services.enrollments import enrollment_create
from tests.factories import course_bundle_create

pytestmark = pytest.mark.django_db


def test_guessing_passwords_is_stopped_even_with_the_right_one_at_the_end(client, alice, settings):
    limit = int(settings.RATE_LIMITS["login_username"].split("/")[0])
    for _ in range(limit):
        response = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    response = client.post("/accounts/login/", {"username": "alice", "password": "alice-password-1"})
    assert response.status_code == 429
    assert "Too many tries" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_login_form_itself_is_never_limited(client):
    for _ in range(30):
        assert client.get("/accounts/login/").status_code == 200


def test_mass_sign_up_from_one_address_is_stopped(client, settings):
    limit = int(settings.RATE_LIMITS["signup_ip"].split("/")[0])
    for number in range(limit):
        response = client.post(
            "/accounts/signup/",
            {
                "username": f"bot{number}",
                "email": f"bot{number}@example.com",
                "password1": "Zx9!long-pass",
                "password2": "Zx9!long-pass",
            },
        )
        assert response.status_code == 302, response.content.decode()[:300]
        client.logout()
    response = client.post(
        "/accounts/signup/",
        {"username": "bot-extra", "email": "x@example.com", "password1": "Zx9!long-pass", "password2": "Zx9!long-pass"},
    )
    assert response.status_code == 429


def test_sign_up_does_not_say_an_address_is_registered(client, alice):
    alice.email = "alice@example.com"
    alice.save()
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newcomer",
            "email": "alice@example.com",
            "password1": "Zx9!long-pass",
            "password2": "Zx9!long-pass",
        },
    )
    assert response.status_code == 302  # the same as for any new address
    assert "already" not in response.content.decode()


def test_password_reset_requests_are_limited(client, settings):
    limit = int(settings.RATE_LIMITS["password_reset_ip"].split("/")[0])
    for _ in range(limit):
        assert client.post("/accounts/password_reset/", {"email": "someone@example.com"}).status_code == 302
    assert client.post("/accounts/password_reset/", {"email": "someone@example.com"}).status_code == 429


def test_a_crawler_cannot_start_hundreds_of_sessions(client, alice, settings):
    bundle = course_bundle_create()
    enrollment_create(learner=alice, course=bundle.course)
    client.force_login(alice)
    limit = int(settings.RATE_LIMITS["practice_start_user"].split("/")[0])
    url = f"/scenarios/{bundle.scenario.pk}/practice/"
    statuses = [client.post(url).status_code for _ in range(limit + 5)]
    assert statuses[:limit] == [302] * limit
    assert set(statuses[limit:]) == {429}
    assert PracticeSession.objects.filter(learner=alice).count() == limit
