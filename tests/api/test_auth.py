"""Who may call the API: personal tokens, the browser session, and the token page and command."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse

from forlob.core.api import MESSAGE_CSRF, MESSAGE_UNAUTHENTICATED
from forlob.core.models import ApiToken
from forlob.core.tokens import (
    MAX_DAYS,
    MESSAGE_DAYS,
    MESSAGE_NAME_REQUIRED,
    api_token_create,
    hash_secret,
)
from tests.api.conftest import API, ApiClient
from tests.helpers import NOW, tr

pytestmark = pytest.mark.usefixtures("frozen")


def _assert_401(response) -> None:
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": tr(MESSAGE_UNAUTHENTICATED), "code": "not_authenticated"}
    assert response["WWW-Authenticate"].startswith("Bearer")


# --- tokens ---------------------------------------------------------------------------------------


def test_without_credentials_every_operation_answers_401_json(case):
    c = ApiClient(None)
    paths = [
        ("get", "/referrals"),
        ("post", "/referrals"),
        ("get", f"/referrals/{case.referral.pk}"),
        ("get", f"/citizens/{case.citizen.pk}"),
        ("get", f"/citizens/{case.citizen.pk}/timeline"),
        ("post", "/citizens/search"),
        ("get", f"/pathways/{case.pathway.pk}"),
        ("post", f"/pathways/{case.pathway.pk}/transitions"),
        ("get", f"/pathways/{case.pathway.pk}/free-slots"),
        ("post", f"/pathways/{case.pathway.pk}/appointments"),
        ("post", f"/appointments/{case.appointment.pk}/cancel"),
        ("get", "/kpis/gop-offer-share"),
    ]
    for method, path in paths:
        _assert_401(c.call(method, path, {}))


def test_a_token_authenticates_as_its_user(case, therapist, token_for):
    secret = token_for(therapist)
    response = ApiClient(secret).get(f"/citizens/{case.citizen.pk}")
    assert response.status_code == 200
    assert response.json()["last_name"] == "Zacho"


@pytest.mark.parametrize(
    "header",
    ["Bearer flb_not-a-real-token", "Bearer ", "Basic dG92ZTpzZWNyZXQ=", "flb_xyz", "Bearer \x7f"],
)
def test_wrong_or_malformed_tokens_answer_401(case, header):
    c = Client(headers={"authorization": header})
    _assert_401(c.get(f"{API}/citizens/{case.citizen.pk}"))


def test_a_revoked_token_stops_working(case, therapist, token_for, client_for):
    secret = token_for(therapist)
    c = ApiClient(secret)
    assert c.get(f"/citizens/{case.citizen.pk}").status_code == 200
    token = ApiToken.objects.get(token_hash=hash_secret(secret))
    page = client_for(therapist)
    response = page.post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    _assert_401(c.get(f"/citizens/{case.citizen.pk}"))


def test_an_expired_token_stops_working(case, therapist, token_for):
    secret = token_for(therapist, days=1)
    c = ApiClient(secret)
    assert c.get(f"/citizens/{case.citizen.pk}").status_code == 200
    with time_machine.travel(NOW + timedelta(days=1, seconds=1), tick=False):
        _assert_401(c.get(f"/citizens/{case.citizen.pk}"))


def test_an_inactive_users_token_stops_working(case, therapist, token_for):
    c = ApiClient(token_for(therapist))
    therapist.is_active = False
    therapist.save(update_fields=["is_active"])
    _assert_401(c.get(f"/citizens/{case.citizen.pk}"))


def test_only_a_hash_and_a_prefix_are_stored(therapist):
    new = api_token_create(user=therapist, name="Statistik", days=30)
    row = ApiToken.objects.get(pk=new.token.pk)
    stored = " ".join(str(v) for v in ApiToken.objects.filter(pk=row.pk).values().get().values())
    assert new.secret not in stored
    assert row.token_hash == hash_secret(new.secret)
    assert new.secret.startswith(row.prefix) and len(row.prefix) < 16
    assert row.expires_at == NOW + timedelta(days=30)


def test_last_used_is_recorded_about_once_a_minute(case, therapist, token_for):
    secret = token_for(therapist)
    token = ApiToken.objects.get(token_hash=hash_secret(secret))
    assert token.last_used_at is None
    c = ApiClient(secret)
    c.get(f"/citizens/{case.citizen.pk}")
    token.refresh_from_db()
    assert token.last_used_at == NOW
    with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
        c.get(f"/citizens/{case.citizen.pk}")
    token.refresh_from_db()
    assert token.last_used_at == NOW
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        c.get(f"/citizens/{case.citizen.pk}")
    token.refresh_from_db()
    assert token.last_used_at == NOW + timedelta(minutes=2)


# --- browser session ------------------------------------------------------------------------------


def test_a_logged_in_browser_may_read(case, therapist, client_for):
    response = client_for(therapist).get(f"{API}/pathways/{case.pathway.pk}")
    assert response.status_code == 200
    assert response.json()["status"] == "booked"


def test_a_browser_write_needs_the_csrf_token(case, therapist):
    c = Client(enforce_csrf_checks=True)
    c.force_login(therapist)
    body = {"to_status": "cancelled"}
    path = f"{API}/pathways/{case.pathway.pk}/transitions"
    refused = c.post(path, body, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json() == {"detail": tr(MESSAGE_CSRF), "code": "csrf_failed"}
    case.pathway.refresh_from_db()
    assert case.pathway.status == "booked"

    c.get(reverse("home"))  # sets the CSRF cookie, as any page does
    token = c.cookies["csrftoken"].value
    allowed = c.post(path, body, content_type="application/json", headers={"X-CSRFToken": token})
    assert allowed.status_code == 200
    assert allowed.json()["status"] == "cancelled"


def test_a_token_write_needs_no_csrf_token(case, therapist, token_for):
    c = Client(
        enforce_csrf_checks=True, headers={"authorization": f"Bearer {token_for(therapist)}"}
    )
    response = c.post(
        f"{API}/pathways/{case.pathway.pk}/transitions",
        {"to_status": "cancelled"},
        content_type="application/json",
    )
    assert response.status_code == 200


@override_settings(FORLOB_REQUIRE_2FA=True)
def test_a_session_without_its_second_factor_gets_nothing(case, therapist, client_for):
    """The API is exempt from the login redirects, so it must refuse a half-finished login."""
    response = client_for(therapist).get(f"{API}/citizens/{case.citizen.pk}")
    _assert_401(response)


# --- schema and docs ------------------------------------------------------------------------------


def test_the_schema_is_public_and_describes_the_token(db):
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"]["BearerToken"] == {
        "type": "http",
        "scheme": "bearer",
    }
    assert (
        len([op for ops in schema["paths"].values() for op in ops]) == 14
    )  # the operations of tests/api/test_endpoints.py OPS + LIST_OPS


def test_the_docs_page_needs_a_login_and_loads_nothing_from_outside(therapist, client_for):
    anonymous = client_for(None).get(f"{API}/docs")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    page = client_for(therapist).get(f"{API}/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "http://" not in html and "https://" not in html


# --- the token page and the command ---------------------------------------------------------------


def test_the_token_page_shows_a_new_token_once(therapist, client_for):
    c = client_for(therapist)
    response = c.post(reverse("api_tokens"), {"name": "Statistik", "days": "90"})
    assert response.status_code == 200
    secret = response.context["new_secret"]
    assert secret.startswith("flb_") and secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    # It works, and the next view of the page shows only its prefix.
    case_free = ApiClient(secret).get("/kpis/gop-offer-share")
    assert case_free.status_code == 200
    again = c.get(reverse("api_tokens")).content.decode()
    assert secret not in again
    assert secret[:10] in again
    assert "Statistik" in again


def test_the_token_page_refuses_a_nameless_token(therapist, client_for):
    response = client_for(therapist).post(reverse("api_tokens"), {"name": " ", "days": "30"})
    assert response.status_code == 422
    assert not ApiToken.objects.exists()
    assert response.context["form"].errors["name"]


def test_a_token_needs_a_name_an_expiry_and_an_active_user(therapist):
    with pytest.raises(ValidationError) as exc:
        api_token_create(user=therapist, name="  ", days=0)
    assert exc.value.message_dict["name"] == [tr(MESSAGE_NAME_REQUIRED)]
    assert exc.value.message_dict["days"] == [tr(MESSAGE_DAYS) % {"max": MAX_DAYS}]
    therapist.is_active = False
    with pytest.raises(ValidationError) as exc:
        api_token_create(user=therapist, name="Import", days=30)
    assert list(exc.value.message_dict) == ["user"]
    assert not ApiToken.objects.exists()


def test_nobody_revokes_someone_elses_token(therapist, outsider, token_for, client_for):
    secret = token_for(therapist)
    token = ApiToken.objects.get(token_hash=hash_secret(secret))
    response = client_for(outsider).post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert (
        client_for(therapist).get(reverse("api_token_revoke", args=[token.pk])).status_code == 405
    )


def test_the_token_page_needs_a_login(client_for, db):
    response = client_for(None).get(reverse("api_tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_command_prints_a_working_token(case, therapist):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token", therapist.username, "--name", "Import", "--days", "7", stdout=out,
        stderr=err,
    )  # fmt: skip
    secret = out.getvalue().strip()
    assert secret.startswith("flb_") and "\n" not in secret
    assert "not shown again" in err.getvalue()
    token = ApiToken.objects.get(token_hash=hash_secret(secret))
    assert (token.name, token.expires_at) == ("Import", NOW + timedelta(days=7))
    assert ApiClient(secret).get(f"/citizens/{case.citizen.pk}").status_code == 200


def test_the_command_refuses_unknown_users_and_bad_expiry(therapist):
    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_token", "nobody", "--name", "x")
    with pytest.raises(CommandError):
        call_command("create_api_token", therapist.username, "--name", "x", "--days", "0")
    assert not ApiToken.objects.exists()
