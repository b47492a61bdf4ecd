"""Sign up, log in, log out and password reset."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_signup_creates_a_learner_and_logs_them_in(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "dora",
            "email": "dora@example.com",
            "password1": "warm-tea-and-time",
            "password2": "warm-tea-and-time",
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="dora")
    assert not user.is_staff and not user.groups.exists()
    assert client.get(reverse("courses:dashboard")).status_code == 200


def test_signup_shows_errors(client, alice):
    response = client.post(
        reverse("signup"), {"username": "alice", "email": "ALICE@example.com", "password1": "123", "password2": "124"}
    )
    assert response.status_code == 400
    assert "already exists" in response.text and "didn’t match" in response.text
    assert get_user_model().objects.count() == 1


def test_signup_ignores_an_offsite_next(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "eve",
            "email": "eve@example.com",
            "password1": "warm-tea-and-time",
            "password2": "warm-tea-and-time",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == reverse("courses:catalogue")


def test_login_and_logout(client, alice):
    assert "Log in" in client.get(reverse("login")).text
    response = client.post(reverse("login"), {"username": "alice", "password": "alice-password-1"})
    assert response["Location"] == reverse("courses:dashboard")
    assert client.get(reverse("courses:dashboard")).status_code == 200
    assert client.get(reverse("logout")).status_code == 405  # log out is a POST
    assert client.post(reverse("logout"))["Location"] == reverse("courses:catalogue")
    assert client.get(reverse("courses:dashboard")).status_code == 302


def test_wrong_password_is_refused(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200 and "correct username and password" in response.text


def test_password_reset_by_email(client, alice):
    response = client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"] and "EmpathyCamp" in message.subject
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body).group(1)
    form_url = client.get(link)["Location"]  # Django swaps the token for a session one
    response = client.post(form_url, {"new_password1": "a-fresh-start-42", "new_password2": "a-fresh-start-42"})
    assert response["Location"] == reverse("password_reset_complete")
    assert client.login(username="alice", password="a-fresh-start-42")


def test_password_reset_for_unknown_address_sends_nothing(client):
    client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert mail.outbox == []
