"""The standard negative tests on every citizen-data URL (STYLE.md), and the audit log.

* anonymous → redirect to the login page
* outsider (other municipality) → 404, the same as a missing id, and a denied row in the log
* manager (no care role) → 404 on citizen records; 403 on the lists; the overview with figures
* assessor (may read, may not change) → 200 on reads, 403 on changes
* wrong method → 405; malformed or huge id → 404
* every allowed read → exactly one allowed row in the log, naming the right citizen
* a CPR number never appears in a URL the app generates, nor in the log
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.citizens.models import Citizen, CitizenNote
from forlob.pathways.models import Pathway, PathwayTransition
from forlob.referrals.models import Referral
from forlob.scheduling.models import Appointment
from tests.access.url_matrix import CITIZEN_URLS, PAGE_URLS, CitizenUrl
from tests.helpers import counts, urls_in

pytestmark = pytest.mark.usefixtures("frozen")

GET_URLS = [u for u in CITIZEN_URLS if u.method == "get"]
POST_URLS = [u for u in CITIZEN_URLS if u.method == "post" and u.writes]


def ids(urls):
    return [u.id for u in urls]


def state(case) -> tuple:
    """Everything a citizen-data request could change."""
    return (
        counts(Citizen, CitizenNote, Referral, Pathway, PathwayTransition, Appointment),
        Referral.objects.get(pk=case.pending.pk).status,
        Pathway.objects.values_list("status", "responsible_id", "team_id").get(pk=case.pathway.pk),
        Appointment.objects.get(pk=case.appointment.pk).status,
    )


def send(client, url: CitizenUrl, case, *, method: str | None = None, path: str | None = None):
    method = method or url.method
    path = path or url.url(case)
    data = url.data(case) if method == "post" else None
    return (
        getattr(client, method)(path, data) if data is not None else getattr(client, method)(path)
    )


def new_logs(before: int) -> list[AccessLog]:
    return list(AccessLog.objects.order_by("id")[before:])


# --- anonymous ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", CITIZEN_URLS, ids=ids(CITIZEN_URLS))
def test_anonymous_is_sent_to_login(client_for, case, url):
    response = send(client_for(None), url, case)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("page", PAGE_URLS, ids=ids(PAGE_URLS))
def test_anonymous_is_sent_to_login_from_every_page(client_for, page):
    c = client_for(None)
    for method in page.methods:
        response = getattr(c, method)(page.url())
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")


# --- outsider and manager: not yours looks like not there -----------------------------------------


@pytest.mark.parametrize("url", CITIZEN_URLS, ids=ids(CITIZEN_URLS))
@pytest.mark.parametrize("who", ["outsider", "manager"])
def test_no_access_answers_404_logs_denied_and_changes_nothing(client_for, case, url, who, request):
    actor = request.getfixturevalue(who)
    before_state = state(case)
    before = AccessLog.objects.count()

    response = send(client_for(actor), url, case)

    assert response.status_code == 404
    assert state(case) == before_state
    logs = new_logs(before)
    assert len(logs) == 1
    log = logs[0]
    assert log.outcome == AccessLog.Outcome.DENIED
    assert log.actor == actor
    assert log.citizen_id == case.citizen.pk
    assert case.citizen.full_name not in response.content.decode()


@pytest.mark.parametrize("url", CITIZEN_URLS, ids=ids(CITIZEN_URLS))
def test_outsider_404_is_the_same_as_a_missing_id(client_for, case, outsider, url):
    c = client_for(outsider)
    theirs = send(c, url, case)
    missing = send(c, url, case, path=url.url(case, 10**9))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content


# --- assessor: may read, may not change -----------------------------------------------------------


@pytest.mark.parametrize("url", GET_URLS, ids=ids(GET_URLS))
def test_read_only_role_may_read(client_for, case, assessor, url):
    assert send(client_for(assessor), url, case).status_code == 200


@pytest.mark.parametrize("url", POST_URLS, ids=ids(POST_URLS))
def test_read_only_role_may_not_change(client_for, case, assessor, url):
    before_state = state(case)
    before = AccessLog.objects.count()
    response = send(client_for(assessor), url, case)
    assert response.status_code == 403
    assert state(case) == before_state
    [log] = new_logs(before)
    assert (log.outcome, log.kind, log.citizen_id) == ("denied", "write", case.citizen.pk)


# --- wrong method, malformed id -------------------------------------------------------------------


@pytest.mark.parametrize("url", CITIZEN_URLS, ids=ids(CITIZEN_URLS))
def test_wrong_method_is_405(client_for, case, therapist, url):
    c = client_for(therapist)
    wrong = ["put", "delete", "patch"] + (["post"] if url.method == "get" else ["get"])
    before_state = state(case)
    before = AccessLog.objects.count()
    for method in wrong:
        response = send(c, url, case, method=method)
        assert response.status_code == 405, method
    assert state(case) == before_state
    assert AccessLog.objects.count() == before


@pytest.mark.parametrize("page", PAGE_URLS, ids=ids(PAGE_URLS))
def test_wrong_method_on_pages_is_405(client_for, therapist, page):
    c = client_for(therapist)
    for method in {"get", "post", "put", "delete", "patch"} - set(page.methods):
        assert getattr(c, method)(page.url()).status_code == 405, method


BAD_IDS = ["abc", "-1", "1.5", "0x1", "1e3", "%20", "", "٣", "9" * 30, "9" * 300]


@pytest.mark.parametrize("url", CITIZEN_URLS, ids=ids(CITIZEN_URLS))
def test_malformed_or_huge_id_is_404(client_for, case, therapist, url):
    c = client_for(therapist)
    before_state = state(case)
    for bad in BAD_IDS:
        response = send(c, url, case, path=url.raw_url(case, bad))
        assert response.status_code == 404, bad
    assert state(case) == before_state


@pytest.mark.parametrize("url", CITIZEN_URLS, ids=ids(CITIZEN_URLS))
def test_missing_id_is_404_and_logged(client_for, case, therapist, url):
    before = AccessLog.objects.count()
    response = send(client_for(therapist), url, case, path=url.url(case, 10**9))
    assert response.status_code == 404
    [log] = new_logs(before)
    assert (log.outcome, log.citizen_id, log.reason) == ("denied", None, "no such object")


# --- allowed --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", GET_URLS, ids=ids(GET_URLS))
def test_allowed_read_writes_exactly_one_log_row_for_the_right_citizen(
    client_for, case, therapist, url
):
    before = AccessLog.objects.count()
    response = send(client_for(therapist), url, case)
    assert response.status_code == 200
    [log] = new_logs(before)
    assert log.citizen_id == case.citizen.pk
    assert (log.outcome, log.kind, log.actor) == ("allowed", "read", therapist)
    assert log.actor_name == therapist.username
    assert log.actor_roles == "therapist"
    assert log.object_id == str(getattr(case, url.target).pk)


@pytest.mark.parametrize("url", POST_URLS, ids=ids(POST_URLS))
def test_allowed_change_is_accepted_and_audited(client_for, case, therapist, url):
    before = AccessLog.objects.count()
    response = send(client_for(therapist), url, case)
    assert response.status_code == 302
    logs = new_logs(before)
    assert logs, "no audit row"
    assert all(log.citizen_id == case.citizen.pk for log in logs)
    assert logs[0].outcome == AccessLog.Outcome.ALLOWED


# --- pages without an id --------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGE_URLS, ids=ids(PAGE_URLS))
def test_manager_sees_figures_but_no_citizen_lists(client_for, case, manager, page):
    response = client_for(manager).get(page.url())
    if page.shows_citizens:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert response.context["counts"].waiting == 1
        assert response.context["kpi_rows"]
    assert case.citizen.full_name not in response.content.decode()
    assert case.citizen.cpr[:6] not in response.content.decode()


def test_manager_may_not_search_or_register(client_for, case, manager):
    c = client_for(manager)
    assert c.post(reverse("citizens:search"), {"query": case.citizen.cpr}).status_code == 403
    before = counts(Citizen, Referral)
    assert c.post(reverse("referrals:create"), {"cpr": case.citizen.cpr}).status_code == 403
    assert counts(Citizen, Referral) == before


@pytest.mark.parametrize("page", PAGE_URLS, ids=ids(PAGE_URLS))
def test_outsider_pages_show_nothing_of_another_municipality(client_for, case, outsider, page):
    c = client_for(outsider)
    response = c.get(page.url(), {"staff": case.appointment.staff_id, "date": "2026-06-02"})
    assert response.status_code == 200
    html = response.content.decode()
    assert case.citizen.last_name not in html
    assert case.citizen.cpr_masked not in html
    if page.name == "citizens:search":
        for query in (case.citizen.cpr, case.citizen.last_name, case.citizen.cpr[:6]):
            response = c.post(page.url(), {"query": query})
            assert response.context["results"] == []
            assert case.citizen.full_name not in response.content.decode()


def test_search_finds_by_cpr_and_by_name_only_in_scope(client_for, case, therapist, outsider):
    c = client_for(therapist)
    for query in (
        case.citizen.cpr,
        case.citizen.cpr_formatted,
        "karen zacho",
        case.citizen.cpr[:6],
    ):
        results = c.post(reverse("citizens:search"), {"query": query}).context["results"]
        assert results == [case.citizen], query
    assert (
        client_for(outsider)
        .post(reverse("citizens:search"), {"query": case.citizen.cpr})
        .context["results"]
        == []
    )


def test_search_is_post_only_for_queries(client_for, case, therapist):
    c = client_for(therapist)
    before = AccessLog.objects.count()
    response = c.get(reverse("citizens:search"), {"query": case.citizen.cpr})
    assert response.status_code == 200
    assert response.context["results"] is None
    assert AccessLog.objects.count() == before

    response = c.post(reverse("citizens:search"), {"query": case.citizen.cpr})
    assert response.context["results"] == [case.citizen]
    search, shown = new_logs(before)
    assert (search.kind, search.outcome, search.citizen_id) == ("search", "allowed", None)
    # Each citizen in the result list is a read the citizen can later see in the insight report.
    assert (shown.kind, shown.operation, shown.citizen_id) == (
        "read",
        "citizen_search_result",
        case.citizen.pk,
    )
    # The search form posts to itself: no query string.
    assert 'method="post"' in response.content.decode()


# --- CPR numbers never in a URL, never in the log -------------------------------------------------


def _cpr_patterns(citizen: Citizen) -> list[re.Pattern[str]]:
    cpr = citizen.cpr
    return [re.compile(re.escape(cpr)), re.compile(re.escape(f"{cpr[:6]}-{cpr[6:]}")),
            re.compile(re.escape(f"{cpr[:6]}%2D{cpr[6:]}"), re.I)]  # fmt: skip


def test_cpr_never_appears_in_any_generated_url(client_for, case, therapist, org_a):
    c = client_for(therapist)
    responses = [
        c.get(reverse("home")),
        c.get(reverse("referrals:inbox")),
        c.get(reverse("referrals:create")),
        c.get(reverse("citizens:search")),
        c.post(reverse("citizens:search"), {"query": case.citizen.cpr}),
        c.post(reverse("citizens:search"), {"query": case.citizen.cpr[:6]}),
        c.get(reverse("citizens:detail", args=[case.citizen.pk])),
        c.get(reverse("referrals:detail", args=[case.referral.pk])),
        c.get(reverse("referrals:detail", args=[case.pending.pk])),
        c.get(reverse("pathways:detail", args=[case.pathway.pk])),
        c.get(reverse("scheduling:day"), {"date": "2026-06-02"}),
        # Registering a referral by CPR number redirects somewhere: not to a URL with the number.
        c.post(
            reverse("referrals:create"),
            {
                "cpr": case.citizen.cpr_formatted,
                "referral_type": case.pending.referral_type_id,
                "received_date": "2026-06-01",
                "chronic_disease": "diabetes",
            },
        ),
        # A refused booking re-shows the whole pathway page.
        c.post(reverse("pathways:book", args=[case.pathway.pk]), {"time": "07:00"}),
    ]
    patterns = _cpr_patterns(case.citizen)
    seen = 0
    for response in responses:
        assert response.status_code in (200, 302, 422)
        links = urls_in(response.content.decode()) if response.status_code != 302 else []
        if response.status_code == 302:
            links.append(response["Location"])
        seen += len(links)
        for link in links:
            assert not any(p.search(link) for p in patterns), link
    assert seen > 50  # the pages really had links to check
    # The citizen page is the one place that shows the full number, and it does.
    detail = c.get(reverse("citizens:detail", args=[case.citizen.pk])).content.decode()
    assert case.citizen.cpr_formatted in detail


def test_cpr_never_appears_in_the_access_log(client_for, case, therapist, outsider):
    for user in (therapist, outsider):
        c = client_for(user)
        c.post(reverse("citizens:search"), {"query": case.citizen.cpr})
        c.get(reverse("citizens:detail", args=[case.citizen.pk]))
        c.post(reverse("referrals:create"), {"cpr": case.citizen.cpr_formatted})
    assert AccessLog.objects.exists()
    for row in AccessLog.objects.values():
        text = " ".join(str(v) for v in row.values())
        assert case.citizen.cpr not in text
        assert case.citizen.cpr_formatted not in text
