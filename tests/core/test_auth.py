"""Login hardening: lockout (django-axes), TOTP second factor (django-otp), idle sessions,
password rules in Danish.

django-axes keeps its attempts in the database, so each test's transaction rollback resets them
(the database handler uses no cache).
"""

from __future__ import annotations

import subprocess
import sys
from base64 import b32decode
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from forlob.core.auth_forms import WRONG_CODE, too_many_wrong
from forlob.core.models import User
from tests.helpers import tr

PASSWORD = "rødgrød-med-fløde-2026"
WRONG = "forkert-kodeord-2026"
HOME = reverse("home")
LOGIN = reverse("login")
SETUP = reverse("otp_setup")
VERIFY = reverse("otp_verify")
INBOX = reverse("referrals:inbox")

enforced = override_settings(FORLOB_REQUIRE_2FA=True)


@pytest.fixture(autouse=True)
def fast_hasher(settings) -> None:
    """Argon2 takes ~0.1 s a login by design; these tests log in dozens of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user(therapist: User) -> User:
    therapist.set_password(PASSWORD)
    therapist.save(update_fields=["password"])
    return therapist


@pytest.fixture
def admin_user(user: User) -> User:
    user.is_staff = True
    user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


def log_in(client: Client, username: str, password: str, *, ip: str = "127.0.0.1", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def is_logged_in(client: Client) -> bool:
    response = client.get(HOME)
    return response.status_code == 200


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp() + steps_ahead * device.step
    return f"{totp.token():06d}"


def confirmed_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Forløb", confirmed=True)


def location(response) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(response["Location"])
    return parts.path, parse_qs(parts.query)


# --- the demo profile: password only ----------------------------------------------------------


def test_demo_and_tests_log_in_with_password_only(client, user):
    assert settings.FORLOB_DEMO is True
    assert settings.FORLOB_REQUIRE_2FA is False
    response = log_in(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert client.get(INBOX).status_code == 200


def test_wrong_password_shows_the_danish_error_and_keeps_the_user_name(client, user):
    response = log_in(client, user.username, WRONG)
    body = response.content.decode()
    assert response.status_code == 200
    assert tr("Wrong user name or password. Try again.") in body
    assert f'value="{user.username}"' in body
    assert not is_logged_in(client)


# --- lockout (django-axes) --------------------------------------------------------------------


def test_five_wrong_passwords_lock_out_even_the_right_one(client, user):
    for _ in range(4):
        assert log_in(client, user.username, WRONG).status_code == 200
    fifth = log_in(client, user.username, WRONG)
    assert fifth.status_code == 429
    assert "registration/lockout.html" in [t.name for t in fifth.templates]

    right = log_in(client, user.username, PASSWORD)
    assert right.status_code == 429
    assert not is_logged_in(client)
    body = right.content.decode()
    assert '<html lang="da"' in body
    assert 'data-testid="lockout"' in body
    assert "30" in body  # minutes
    assert user.username not in body  # the typed user name is not echoed


def test_lockout_is_per_user_name_and_address(client, user, outsider):
    outsider.set_password(PASSWORD)
    outsider.save(update_fields=["password"])
    for _ in range(5):
        log_in(client, user.username, WRONG)
    assert log_in(client, user.username, PASSWORD).status_code == 429

    # The same user from another computer, and another user from this one, are not blocked.
    elsewhere = Client()
    assert log_in(elsewhere, user.username, PASSWORD, ip="10.1.2.3").status_code == 302
    colleague = Client()
    assert log_in(colleague, outsider.username, PASSWORD).status_code == 302


def test_a_forged_forwarded_for_header_does_not_dodge_the_lockout(client, user):
    for i in range(5):
        log_in(client, user.username, WRONG, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    response = log_in(client, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 429


def test_lockout_ends_after_the_cool_off(client, user):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            log_in(client, user.username, WRONG)
        clock.shift(timedelta(minutes=29))
        assert log_in(client, user.username, PASSWORD).status_code == 429
        clock.shift(timedelta(minutes=2))
        assert log_in(client, user.username, PASSWORD).status_code == 302
        assert is_logged_in(client)


def test_a_successful_login_resets_the_failure_count(client, user):
    for _ in range(4):
        log_in(client, user.username, WRONG)
    assert log_in(client, user.username, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        log_in(client, user.username, WRONG)
    assert log_in(client, user.username, PASSWORD).status_code == 302


def test_the_admin_login_is_locked_out_too(client, admin_user):
    url = reverse("admin:login")
    for _ in range(5):
        client.post(url, {"username": admin_user.username, "password": WRONG})
    response = client.post(url, {"username": admin_user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert client.get(reverse("admin:index")).status_code == 302


def test_axes_records_failed_and_successful_logins(client, user):
    log_in(client, user.username, WRONG)
    log_in(client, user.username, WRONG)
    attempt = AccessAttempt.objects.get(username=user.username)
    assert attempt.failures_since_start == 2
    assert attempt.ip_address == "127.0.0.1"
    assert PASSWORD not in str(attempt.post_data) and WRONG not in str(attempt.post_data)

    log_in(client, user.username, PASSWORD)
    assert AccessLog.objects.filter(username=user.username, ip_address="127.0.0.1").exists()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"FORLOB_LOGIN_FAILURE_LIMIT": "3"}, "3 0:30:00"),
        ({"FORLOB_LOGIN_COOLOFF_MINUTES": "90"}, "5 1:30:00"),
        ({"FORLOB_LOGIN_FAILURE_LIMIT": "three"}, "must be an integer"),
        ({"FORLOB_LOGIN_FAILURE_LIMIT": "0"}, "must be positive"),
    ],
)
def test_lockout_limits_come_from_the_environment(env, expected, tmp_path):
    code = "import forlob.settings as s; print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME)"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env={"PATH": "/usr/bin:/bin", "FORLOB_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert expected in result.stdout + result.stderr


# --- idle sessions ----------------------------------------------------------------------------


def test_an_idle_session_is_sent_to_login(client, user):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        log_in(client, user.username, PASSWORD)
        assert client.get(INBOX).status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get(INBOX)
    assert response.status_code == 302
    path, query = location(response)
    assert path == LOGIN
    assert query["next"] == [INBOX]


def test_activity_keeps_the_session_alive(client, user):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        log_in(client, user.username, PASSWORD)
        for _ in range(4):  # 100 minutes in all, never 30 idle
            clock.shift(timedelta(minutes=25))
            assert client.get(INBOX).status_code == 200
        clock.shift(timedelta(minutes=30, seconds=1))
        assert client.get(INBOX).status_code == 302


def test_the_session_cookie_ends_with_the_browser(client, user):
    response = log_in(client, user.username, PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert cookie["httponly"] is True
    assert settings.SESSION_COOKIE_AGE == 30 * 60


# --- second factor (TOTP), enforced ------------------------------------------------------------


@enforced
def test_first_login_leads_to_setup_and_nothing_else(client, user):
    response = log_in(client, user.username, PASSWORD)
    assert response["Location"] == HOME
    response = client.get(HOME)
    assert response.status_code == 302
    assert location(response) == (SETUP, {"next": [HOME]})
    for url in (INBOX, reverse("citizens:search"), reverse("scheduling:day")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert location(response)[0] == SETUP
    # A form post is not repeated after the detour, so it is not carried in ``next``.
    assert client.post(reverse("citizens:search"), {"query": "Karen"})["Location"] == SETUP


@enforced
def test_setup_page_shows_a_qr_code_drawn_here_and_the_key(client, user):
    log_in(client, user.username, PASSWORD)
    response = client.get(SETUP + "?next=" + INBOX)
    body = response.content.decode()
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert "<svg" in body and 'role="img"' in body
    assert "<img" not in body  # no image fetched from anywhere
    shown = response.context["secret"].replace(" ", "")
    assert shown in body.replace(" ", "")
    assert b32decode(shown + "=" * (-len(shown) % 8)) == device.bin_key
    assert "no-store" in response["Cache-Control"]
    assert response.context["nav_items"] == []
    # Reloading keeps the same secret: a phone that already scanned it still fits.
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=user).count() == 1


@enforced
def test_the_first_correct_code_confirms_the_device_and_opens_the_app(client, user):
    log_in(client, user.username, PASSWORD)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)
    response = client.post(SETUP, {"token": code_for(device), "next": INBOX})
    assert response.status_code == 302
    assert response["Location"] == INBOX
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(INBOX).status_code == 200
    assert client.get(HOME).status_code == 200


@enforced
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12ab56", "The code is 6 digits, for example 123456."),
        ("", "Type the 6-digit code from the app."),
    ],
)
def test_a_malformed_code_is_shown_again_with_a_message(client, user, typed, message):
    log_in(client, user.username, PASSWORD)
    response = client.post(SETUP, {"token": typed})
    assert response.status_code == 200
    assert tr(message) in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@enforced
def test_a_wrong_code_is_refused_and_leaves_the_device_unconfirmed(client, user):
    log_in(client, user.username, PASSWORD)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)
    wrong = code_for(device, steps_ahead=10)
    response = client.post(SETUP, {"token": wrong})
    assert response.status_code == 200
    assert tr(WRONG_CODE) in response.content.decode()
    assert 'class="field has-error"' in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(HOME).status_code == 302


@enforced
def test_a_user_with_a_device_types_a_code_and_cannot_enrol_another(client, user):
    device = confirmed_device(user)
    log_in(client, user.username, PASSWORD)
    response = client.get(INBOX)
    assert location(response) == (VERIFY, {"next": [INBOX]})
    # Someone who only knows the password cannot swap in their own phone.
    response = client.get(SETUP)
    assert location(response)[0] == VERIFY
    assert TOTPDevice.objects.filter(user=user).count() == 1

    response = client.post(VERIFY, {"token": code_for(device), "next": INBOX})
    assert response["Location"] == INBOX
    assert client.get(INBOX).status_code == 200


@enforced
def test_a_used_code_cannot_be_used_again(client, user):
    device = confirmed_device(user)
    code = code_for(device)
    log_in(client, user.username, PASSWORD)
    assert client.post(VERIFY, {"token": code})["Location"] == HOME

    other = Client()
    log_in(other, user.username, PASSWORD)
    response = other.post(VERIFY, {"token": code})
    assert response.status_code == 200
    assert tr(WRONG_CODE) in response.content.decode()
    assert other.get(HOME).status_code == 302


@enforced
def test_wrong_codes_make_the_next_try_wait(client, user):
    device = confirmed_device(user)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        log_in(client, user.username, PASSWORD)
        client.post(VERIFY, {"token": code_for(device, steps_ahead=10)})
        # A wrong code: the next try must wait a second, even with the right code.
        response = client.post(VERIFY, {"token": code_for(device)})
        assert response.status_code == 200
        with translation.override("da"):
            assert too_many_wrong(1) in response.content.decode()
        clock.shift(timedelta(seconds=2))
        client.post(VERIFY, {"token": code_for(device, steps_ahead=10)})
        clock.shift(timedelta(seconds=1))
        # Two wrong codes in a row: a two-second wait, one second of which has passed.
        response = client.post(VERIFY, {"token": code_for(device)})
        with translation.override("da"):
            assert too_many_wrong(1) in response.content.decode()
        clock.shift(timedelta(seconds=1))
        assert client.post(VERIFY, {"token": code_for(device)})["Location"] == HOME


@enforced
def test_verification_gives_the_session_a_new_key(client, user):
    device = confirmed_device(user)
    log_in(client, user.username, PASSWORD)
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(VERIFY, {"token": code_for(device)})
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert before != after
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


@enforced
def test_the_admin_needs_the_second_factor_too(client, admin_user):
    device = confirmed_device(admin_user)
    log_in(client, admin_user.username, PASSWORD)
    response = client.get(reverse("admin:index"))
    assert location(response) == (VERIFY, {"next": [reverse("admin:index")]})
    assert location(client.get(reverse("admin:core_user_changelist")))[0] == VERIFY

    client.post(VERIFY, {"token": code_for(device)})
    assert client.get(reverse("admin:index")).status_code == 200


@enforced
def test_the_admin_login_form_does_not_skip_the_second_factor(client, admin_user):
    confirmed_device(admin_user)
    client.post(reverse("admin:login"), {"username": admin_user.username, "password": PASSWORD})
    assert location(client.get(reverse("admin:index")))[0] == VERIFY


@enforced
def test_logging_out_and_the_login_page_work_before_the_second_step(client, user):
    confirmed_device(user)
    log_in(client, user.username, PASSWORD)
    assert client.get(LOGIN).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    response = client.get(VERIFY)
    assert location(response)[0] == LOGIN


@enforced
def test_an_htmx_request_is_sent_to_the_second_step_with_a_client_redirect(client, user):
    confirmed_device(user)
    log_in(client, user.username, PASSWORD)
    response = client.get(INBOX, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith(VERIFY)


@enforced
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_after_the_code_only_our_own_pages_are_followed(client, user, target):
    device = confirmed_device(user)
    log_in(client, user.username, PASSWORD)
    response = client.post(VERIFY, {"token": code_for(device), "next": target})
    assert response["Location"] == HOME


@enforced
def test_a_verified_user_visiting_the_otp_pages_goes_on(client, user):
    device = confirmed_device(user)
    log_in(client, user.username, PASSWORD)
    client.post(VERIFY, {"token": code_for(device)})
    assert client.get(VERIFY + "?next=" + INBOX)["Location"] == INBOX
    assert client.get(SETUP)["Location"] == HOME


@enforced
def test_the_session_check_is_per_user(client, user, outsider):
    """A device id in the session that belongs to someone else counts for nothing."""
    their_device = confirmed_device(outsider)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = their_device.persistent_id
    session.save()
    assert location(client.get(HOME))[0] == SETUP


def test_the_otp_pages_need_a_login(client):
    for url in (SETUP, VERIFY):
        response = client.get(url)
        assert location(response) == (LOGIN, {"next": [url]})


# --- password rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "danish"),
    [
        ("Kort-kode1", "Denne adgangskode er for kort. Den skal indeholde mindst 12 tegn."),
        ("password1234", "Denne adgangskode er for almindelig."),
        ("830192746501", "Denne adgangskode er udelukkende numerisk."),
        ("tove.terapeut", "Din adgangskode minder for meget om"),
    ],
)
def test_password_rules_speak_danish(password, danish):
    staff = User(username="tove.terapeut", first_name="Tove", last_name="Terapeut")
    with translation.override("da"), pytest.raises(ValidationError) as exc:
        validate_password(password, staff)
    assert any(m.startswith(danish) for m in exc.value.messages), exc.value.messages


def test_a_good_long_password_is_accepted():
    validate_password(PASSWORD, User(username="tove.terapeut"))


def test_the_admin_refuses_a_weak_password_in_danish(client, admin_user, outsider):
    client.force_login(admin_user)
    url = reverse("admin:auth_user_password_change", args=[outsider.pk])
    response = client.post(url, {"password1": "kodeord12", "password2": "kodeord12"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Denne adgangskode er for kort. Den skal indeholde mindst 12 tegn." in body
    outsider.refresh_from_db()
    assert not outsider.check_password("kodeord12")
