"""The API's manners: rate limits with Retry-After, JSON errors for every path and method, docs.

The rate limits are off in the rest of the suite (tests/conftest.py); here each test sets the
limit it needs. The clock is frozen at 07:00:00, the start of a minute, so "wait until the
minute ends" is exactly 60 seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from forlob.core import ratelimit
from forlob.core.api import (
    MESSAGE_METHOD_NOT_ALLOWED,
    MESSAGE_NOT_FOUND,
    MESSAGE_RATE_LIMITED,
    MESSAGE_UNAUTHENTICATED,
)
from forlob.core.models import ApiToken
from tests.api.conftest import API, ApiClient
from tests.helpers import NOW, tr

pytestmark = pytest.mark.usefixtures("frozen")

WRONG = "flb_" + "x" * 43


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """The counters live in the cache: no test starts with another's."""
    cache.clear()
    yield
    cache.clear()


def assert_429(response, seconds: int = 60) -> None:
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "detail": tr(MESSAGE_RATE_LIMITED) % {"seconds": seconds},
        "code": "rate_limited",
    }
    assert response["Retry-After"] == str(seconds)


# --- the limiter itself ---------------------------------------------------------------------------


def test_hit_allows_the_limit_then_says_how_long_to_wait():
    answers = [ratelimit.hit("t:a", limit=3, window=60) for _ in range(5)]
    assert answers == [None, None, None, 60, 60]
    assert ratelimit.hit("t:b", limit=3, window=60) is None  # another key, its own count
    with time_machine.travel(NOW + timedelta(seconds=45), tick=False):
        assert ratelimit.hit("t:a", limit=3, window=60) == 15
    with time_machine.travel(NOW + timedelta(seconds=60), tick=False):
        assert ratelimit.hit("t:a", limit=3, window=60) is None  # a new window


def test_peek_does_not_count_and_a_limit_of_zero_is_off():
    for _ in range(2):
        assert ratelimit.peek("t:p", limit=2, window=60) is None
    ratelimit.hit("t:p", limit=2, window=60)
    ratelimit.hit("t:p", limit=2, window=60)
    assert ratelimit.peek("t:p", limit=2, window=60) == 60
    assert all(ratelimit.hit("t:off", limit=0, window=60) is None for _ in range(100))
    with pytest.raises(ValueError):
        ratelimit.hit("t:w", limit=1, window=0)


# --- requests per token ---------------------------------------------------------------------------


def test_a_token_gets_429_with_retry_after_after_the_limit(case, therapist, api_for, settings):
    settings.FORLOB_API_RATE_LIMIT = 3
    api = api_for(therapist)
    for _ in range(3):
        assert api.get("/referrals").status_code == 200

    assert_429(api.get("/referrals"))
    assert_429(api.post("/citizens/search", {"cpr": case.citizen.cpr}))

    with time_machine.travel(NOW + timedelta(seconds=60), tick=False):
        assert api.get("/referrals").status_code == 200


def test_each_token_has_its_own_count(case, therapist, api_for, settings):
    settings.FORLOB_API_RATE_LIMIT = 2
    first, second = api_for(therapist), api_for(therapist)
    for _ in range(2):
        assert first.get("/referrals").status_code == 200
    assert_429(first.get("/referrals"))

    assert second.get("/referrals").status_code == 200


def test_the_browser_session_is_not_counted(case, therapist, client_for, settings):
    settings.FORLOB_API_RATE_LIMIT = 1
    c = client_for(therapist)
    assert all(c.get(f"{API}/referrals").status_code == 200 for _ in range(3))


# --- failed tokens per address --------------------------------------------------------------------


def test_failed_tokens_are_limited_per_address(case, therapist, token_for, settings):
    settings.FORLOB_API_AUTH_FAILURE_LIMIT = 3
    good = token_for(therapist)
    guesser = ApiClient(WRONG)
    for _ in range(3):
        response = guesser.get("/referrals")
        assert response.status_code == 401
        assert response.json()["detail"] == tr(MESSAGE_UNAUTHENTICATED)

    assert_429(guesser.get("/referrals"))
    # The address is blocked, whatever token it sends now ...
    assert_429(ApiClient(good).get("/referrals"))
    # ... but not another address.
    other = ApiClient(good).client.get(f"{API}/referrals", REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200


def test_good_tokens_do_not_count_as_failures(case, therapist, api_for, settings):
    settings.FORLOB_API_AUTH_FAILURE_LIMIT = 2
    api = api_for(therapist)
    assert all(api.get("/referrals").status_code == 200 for _ in range(5))
    assert ApiClient(WRONG).get("/referrals").status_code == 401


# --- JSON errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/api/v1/nothing-here"),
        ("get", "/api/v1/referrals/"),  # the API's paths have no trailing slash
        ("post", "/api/v1/nothing/here"),  # no CSRF page either
        ("delete", "/api/v1/citizens"),
        ("get", "/api/v2/referrals"),
    ],
)
def test_unknown_paths_answer_json_404(client_for, therapist, method, path):
    for client in (client_for(None), client_for(therapist), ApiClient(WRONG).client):
        response = getattr(client, method)(path)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert response.json() == {"detail": tr(MESSAGE_NOT_FOUND), "code": "not_found"}


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_wrong_method_answers_json_405_with_allow(case, therapist, api_for, method):
    for client in (api_for(therapist).client, ApiClient(None).client):
        response = getattr(client, method)(f"{API}/referrals")
        assert response.status_code == 405
        assert response["Content-Type"].startswith("application/json")
        assert {m.strip() for m in response["Allow"].split(",")} == {"GET", "POST"}
        assert response.json() == {
            "detail": tr(MESSAGE_METHOD_NOT_ALLOWED)
            % {"method": method.upper(), "allowed": response["Allow"]},
            "code": "method_not_allowed",
        }


# --- where the docs are ---------------------------------------------------------------------------


def test_api_docs_leads_to_the_docs_page_when_logged_in(client_for, therapist):
    response = client_for(therapist).get("/api/docs", follow=True)
    assert response.redirect_chain == [(reverse("api:openapi-view"), 302)]
    assert response.status_code == 200
    assert b"/api/v1/openapi.json" in response.content


def test_api_docs_needs_a_login(client_for, db):
    response = client_for(None).get("/api/docs")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("path", ["/api/", "/api/v1/"])
def test_the_index_lists_schema_and_docs(client_for, db, path):
    response = client_for(None).get(path)
    assert response.status_code == 200
    [v1] = response.json()["versions"]
    assert (v1["openapi"], v1["docs"]) == ("/api/v1/openapi.json", "/api/v1/docs")
    assert client_for(None).get(v1["openapi"]).status_code == 200
    assert client_for(None).post(path).status_code == 405


def test_the_schema_declares_429_for_every_operation(client_for, db):
    schema = client_for(None).get("/api/v1/openapi.json").json()
    operations = [op for item in schema["paths"].values() for op in item.values()]
    assert operations
    assert all("429" in op["responses"] for op in operations)


# --- the token page -------------------------------------------------------------------------------


def test_making_tokens_is_rate_limited_per_user(therapist, outsider, client_for, settings):
    settings.FORLOB_TOKEN_CREATE_LIMIT = 2
    c = client_for(therapist)
    page = reverse("api_tokens")
    assert c.post(page, {"name": "", "days": 30}).status_code == 422  # a mistake costs nothing
    for n in range(2):
        assert c.post(page, {"name": f"script {n}", "days": 30}).status_code == 200

    refused = c.post(page, {"name": "one more", "days": 30})

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert refused.context["new_secret"] == ""
    assert ApiToken.objects.filter(user=therapist).count() == 2
    # Another user is not affected.
    assert client_for(outsider).post(page, {"name": "x", "days": 30}).status_code == 200
