"""Production settings: Django's deployment check passes, and error pages echo nothing.

The settings are read once per process, so the production profile is checked in a subprocess
with the environment a municipality's server would have.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

CPR = "0101501234"
CPR_DASHED = "010150-1234"


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "forlob.settings",
        "FORLOB_DEMO": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "forlob.randers.dk",
        "FORLOB_CSRF_TRUSTED_ORIGINS": "https://forlob.randers.dk",
        "FORLOB_VAR_DIR": str(tmp_path),
    }
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, *args], env=env, capture_output=True, text=True, check=False, timeout=120
    )


def test_the_deployment_check_passes_with_production_settings(tmp_path):
    result = run(
        ["-m", "django", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deployment_check_would_catch_the_demo_profile(tmp_path):
    """The check above can fail: the demo profile (debug, insecure cookies) does not pass."""
    env = production_env(tmp_path, FORLOB_DEMO="1")
    result = run(["-m", "django", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG on
    assert "security.W012" in result.stderr  # session cookie not secure


PRINT_SETTINGS = """
import json
from django.conf import settings as s
names = [
    "DEBUG", "FORLOB_REQUIRE_2FA", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_NAME", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "X_FRAME_OPTIONS",
    "SECURE_REFERRER_POLICY", "CSRF_TRUSTED_ORIGINS", "SESSION_COOKIE_AGE",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE", "SESSION_SAVE_EVERY_REQUEST",
]
print(json.dumps({n: getattr(s, n) for n in names}))
"""


def production_settings(tmp_path: Path, **extra: str) -> dict[str, object]:
    result = run(["-c", PRINT_SETTINGS], production_env(tmp_path, **extra))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_profile_hardens_the_session(tmp_path):
    s = production_settings(tmp_path)
    assert s == {
        "DEBUG": False,
        "FORLOB_REQUIRE_2FA": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_NAME": "__Host-forlob_session",
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_REFERRER_POLICY": "same-origin",
        "CSRF_TRUSTED_ORIGINS": ["https://forlob.randers.dk"],
        "SESSION_COOKIE_AGE": 1800,
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "SESSION_SAVE_EVERY_REQUEST": True,
    }


def test_idle_timeout_and_2fa_come_from_the_environment(tmp_path):
    s = production_settings(tmp_path, FORLOB_SESSION_IDLE_MINUTES="15", FORLOB_REQUIRE_2FA="no")
    assert s["SESSION_COOKIE_AGE"] == 15 * 60
    assert s["FORLOB_REQUIRE_2FA"] is False


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY (or SECRET_KEY_FILE) must be set"),
        ({"FORLOB_CSRF_TRUSTED_ORIGINS": "forlob.randers.dk"}, "need a scheme"),
        ({"FORLOB_REQUIRE_2FA": "maybe"}, "FORLOB_REQUIRE_2FA must be a boolean"),
        ({"FORLOB_SESSION_IDLE_MINUTES": "half an hour"}, "must be an integer"),
    ],
)
def test_nonsense_in_the_environment_stops_start_up(tmp_path, extra, message):
    result = run(["-c", PRINT_SETTINGS], production_env(tmp_path, **extra))
    assert result.returncode != 0
    assert message in result.stderr


# --- error pages ------------------------------------------------------------------------------


def boom(request: HttpRequest) -> HttpResponse:
    """A bug that puts the posted CPR number into an exception message."""
    raise ValueError(f"could not handle {request.POST.get('cpr')}")


urlpatterns = [path("boom/", boom), path("", include("forlob.urls"))]


def assert_no_cpr(body: str) -> None:
    for text in (CPR, CPR_DASHED, CPR[:6]):
        assert text not in body


@override_settings(DEBUG=False)
def test_a_404_page_shows_nothing_of_the_request(client_for, therapist):
    client = client_for(therapist)
    posted = client.post("/citizens/no-such-page/", {"cpr": CPR_DASHED, "query": CPR})
    typed = client.get(f"/citizens/{CPR}/")
    for response in (posted, typed):
        body = response.content.decode()
        assert response.status_code == 404
        assert '<html lang="da"' in body  # our page, not Django's bare one
        assert_no_cpr(body)


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_a_500_page_shows_nothing_of_the_request_or_the_error(therapist):
    client = Client(raise_request_exception=False)
    client.force_login(therapist)
    response = client.post("/boom/", {"cpr": CPR_DASHED})
    body = response.content.decode()
    assert response.status_code == 500
    assert "could not handle" not in body
    assert_no_cpr(body)
    assert '<html lang="da"' in body
