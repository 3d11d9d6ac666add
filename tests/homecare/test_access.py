"""Who sees what of everyday rehabilitation, above all across providers.

* The assessor's steps (TESTED_ELSEWHERE in tests/access/url_matrix.py): the generic negative
  tests, with the assessor as the allowed actor.
* Cross-provider: the staff of another provider (private or the municipality's own home care)
  get 404 on every citizen-data URL of the app, with a denied audit row naming the citizen, and
  nothing changes.
* The chosen provider's own staff see the plan, its actions, the evaluations and the driving
  list, and record evaluations — never the assessor's notes, the FSIII assessment, the shadow
  assessment or the economics (404, audited), and they do not write the plan (403/404, audited).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.homecare.models import (
    Assessment,
    Goal,
    Grant,
    PlanAction,
    ProviderChoice,
    RehabCase,
    StartMeeting,
    Visit,
    WeeklyEvaluation,
)
from forlob.pathways.models import Pathway, PathwayTransition
from tests.access.url_matrix import CITIZEN_URLS, CitizenUrl
from tests.helpers import TODAY, counts
from tests.homecare.support import build_case, provider, provider_user
from tests.homecare.test_views import application_body, assessment_body

pytestmark = pytest.mark.usefixtures("frozen")

HOMECARE_URLS = [u for u in CITIZEN_URLS if u.name.startswith("homecare:")]


def _grant(case) -> dict[str, object]:
    return {
        "start": TODAY.isoformat(),
        "time_model": "package",
        "package": "2",
        "start_allowance_minutes": "0",
        "responsible_profession": "therapist",
    }


def _provider(case) -> dict[str, object]:
    return {"provider": case.rehab.provider_id, "chosen_on": TODAY.isoformat()}


def _meeting(case) -> dict[str, object]:
    meeting = case.rehab.start_meeting
    return {
        "date": TODAY.isoformat(),
        "professional": meeting.professional_id,
        "contact_person": meeting.contact_person_id,
        "held": "on",
    }


ASSESSOR_STEPS = [
    CitizenUrl("homecare:assessment_save", "post", "rehab", data=lambda c: assessment_body()),
    CitizenUrl("homecare:grant_save", "post", "rehab", data=_grant),
    CitizenUrl("homecare:provider_choice", "post", "rehab", data=_provider),
    CitizenUrl("homecare:start_meeting", "post", "rehab", data=_meeting),
]
ALL_CASE_URLS = HOMECARE_URLS + ASSESSOR_STEPS


def ids(urls):
    return [u.id for u in urls]


def state() -> dict[str, int]:
    return counts(
        RehabCase,
        Assessment,
        Grant,
        ProviderChoice,
        StartMeeting,
        Goal,
        PlanAction,
        WeeklyEvaluation,
        Visit,
        Pathway,
        PathwayTransition,
    ) | {"completed": Visit.objects.filter(status="completed").count()}


def send(client, url: CitizenUrl, case, pk=None):
    path = url.url(case, pk)
    if url.method == "post":
        return client.post(path, url.data(case))
    return client.get(path)


def new_logs(before: int) -> list[AccessLog]:
    return list(AccessLog.objects.order_by("id")[before:])


# --- the assessor's and coordinator's steps: the generic negative tests ---------------------------


@pytest.mark.parametrize("url", ASSESSOR_STEPS, ids=ids(ASSESSOR_STEPS))
def test_anonymous_is_sent_to_login(client_for, case, url):
    response = send(client_for(None), url, case)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_application_form_is_sent_to_login(client_for, db):
    for method in ("get", "post"):
        response = getattr(client_for(None), method)(reverse("homecare:application_create"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", ASSESSOR_STEPS, ids=ids(ASSESSOR_STEPS))
@pytest.mark.parametrize("who", ["outsider", "manager"])
def test_no_access_is_404_audited_and_changes_nothing(client_for, case, url, who, request):
    actor = request.getfixturevalue(who)
    before_state, before = state(), AccessLog.objects.count()
    response = send(client_for(actor), url, case)
    assert response.status_code == 404
    assert state() == before_state
    [log] = new_logs(before)
    assert (log.outcome, log.actor, log.citizen_id) == ("denied", actor, case.citizen.pk)
    missing = send(client_for(actor), url, case, pk=10**9)
    assert missing.status_code == 404 and missing.content == response.content


@pytest.mark.parametrize("url", ASSESSOR_STEPS[:2], ids=ids(ASSESSOR_STEPS[:2]))
def test_therapist_may_see_but_not_assess(client_for, case, therapist, url):
    before_state, before = state(), AccessLog.objects.count()
    response = send(client_for(therapist), url, case)
    assert response.status_code == 403
    assert state() == before_state
    [log] = new_logs(before)
    assert (log.outcome, log.kind, log.citizen_id) == ("denied", "write", case.citizen.pk)


@pytest.mark.parametrize("url", ASSESSOR_STEPS, ids=ids(ASSESSOR_STEPS))
def test_wrong_method_is_405(client_for, case, assessor, url):
    c = client_for(assessor)
    before = AccessLog.objects.count()
    for method in ("get", "put", "delete", "patch"):
        assert getattr(c, method)(url.url(case)).status_code == 405, method
    assert AccessLog.objects.count() == before


@pytest.mark.parametrize("url", ASSESSOR_STEPS, ids=ids(ASSESSOR_STEPS))
def test_malformed_or_missing_id_is_404(client_for, case, assessor, url):
    c = client_for(assessor)
    for bad in ("abc", "-1", "1.5", "9" * 30):
        assert c.post(url.raw_url(case, bad), url.data(case)).status_code == 404, bad
    before = AccessLog.objects.count()
    assert send(c, url, case, pk=10**9).status_code == 404
    [log] = new_logs(before)
    assert (log.outcome, log.citizen_id, log.reason) == ("denied", None, "no such object")


@pytest.mark.parametrize("url", ASSESSOR_STEPS[2:], ids=ids(ASSESSOR_STEPS[2:]))
def test_assessor_and_coordinator_steps_are_accepted_and_audited(client_for, case, assessor, url):
    before = AccessLog.objects.count()
    response = send(client_for(assessor), url, case)
    assert response.status_code == 302
    logs = new_logs(before)
    assert logs[0].outcome == "allowed"
    assert all(log.citizen_id == case.citizen.pk for log in logs)
    assert any(log.kind == "write" for log in logs)


def test_application_form_is_for_assessors_only(client_for, assessor, therapist, manager):
    url = reverse("homecare:application_create")
    assert client_for(assessor).get(url).status_code == 200
    for user in (therapist, manager):
        assert client_for(user).get(url).status_code == 403
        assert client_for(user).post(url, application_body()).status_code == 403
    assert not RehabCase.objects.exists()
    c = client_for(assessor)
    for method in ("put", "delete", "patch"):
        assert getattr(c, method)(url).status_code == 405


# --- cross-provider: another provider's staff see nothing -----------------------------------------


@pytest.fixture
def rival(case) -> object:
    """Staff of another private provider in the same municipality."""
    other = provider(case.citizen.municipality, "Konkurrent Pleje ApS")
    return provider_user(other, first_name="Rita", last_name="Rival")


@pytest.fixture
def municipal_worker(case) -> object:
    """A home-care worker of the municipality's own home care (also a provider)."""
    from forlob.core.choices import Role
    from forlob.core.models import Provider

    own = provider(case.citizen.municipality, "Hjemmeplejen Syd", Provider.Kind.MUNICIPAL)
    return provider_user(own, role=Role.HOMECARE_WORKER, first_name="Hans", last_name="Hjem")


@pytest.mark.parametrize("url", ALL_CASE_URLS, ids=ids(ALL_CASE_URLS))
@pytest.mark.parametrize("who", ["rival", "municipal_worker"])
def test_another_providers_staff_get_404_audited_and_nothing_changes(
    client_for, case, url, who, request
):
    actor = request.getfixturevalue(who)
    before_state, before = state(), AccessLog.objects.count()
    response = send(client_for(actor), url, case)
    assert response.status_code == 404
    assert state() == before_state
    [log] = new_logs(before)
    assert (log.outcome, log.actor, log.citizen_id) == ("denied", actor, case.citizen.pk)
    assert case.citizen.full_name not in response.content.decode()


def test_another_provider_sees_nothing_in_lists(client_for, case, rival):
    c = client_for(rival)
    index = c.get(reverse("homecare:index"))
    assert all(not g.cases for g in index.context["groups"])
    rehab_provider = case.rehab.provider_id
    # Asking for the chosen provider's driving list answers with the rival's own (empty) list.
    response = c.get(
        reverse("homecare:driving_list"),
        {"provider": rehab_provider, "date": TODAY.isoformat(), "scope": "all"},
    )
    assert response.status_code == 200
    assert response.context["visits"] == []
    assert case.citizen.last_name not in response.content.decode()
    assert c.get(reverse("citizens:detail", args=[case.citizen.pk])).status_code == 404


def test_an_earlier_provider_cannot_open_the_citizens_new_case(
    client_for, assessor, therapist, private, provider_staff, other_private, other_staff
):
    """The citizen moved from ``other_private`` to ``private``: the old provider's staff still
    have the citizen in scope (grace period), but not the new provider's case or visits."""
    case = build_case(
        assessor=assessor,
        professional=therapist,
        provider=private,
        contact_person=provider_staff,
    )
    old = build_case(
        assessor=assessor,
        professional=therapist,
        provider=other_private,
        contact_person=other_staff,
        citizen=case.citizen,
        until="ended",
    )
    c = client_for(other_staff)
    assert c.get(reverse("homecare:plan", args=[old.pk])).status_code == 200
    before = AccessLog.objects.count()
    assert c.get(reverse("homecare:plan", args=[case.pk])).status_code == 404
    [log] = new_logs(before)
    assert log.outcome == "denied" and log.citizen_id == case.citizen_id
    visit = case.visits.first()
    assert c.post(reverse("homecare:visit_done", args=[visit.pk])).status_code == 404
    page = c.get(reverse("citizens:detail", args=[case.citizen_id]))
    assert reverse("homecare:plan", args=[case.pk]) not in page.content.decode()


# --- the chosen provider's own staff: the plan side only ------------------------------------------


@pytest.fixture
def own_staff(case):
    return case.rehab.start_meeting.contact_person


SECRET = "Fortrolig: datter bekymret"  # the assessor's notes (tests/homecare/support.py)


@pytest.mark.parametrize("name", ["case", "plan", "evaluations"])
def test_own_provider_sees_the_plan_side_without_the_assessors_notes(
    client_for, case, own_staff, name
):
    response = client_for(own_staff).get(reverse(f"homecare:{name}", args=[case.rehab.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert SECRET not in html
    assert 'data-testid="economics"' not in html and 'data-testid="shadow-lines"' not in html
    assert reverse("homecare:assessment", args=[case.rehab.pk]) not in html
    assert response.context["municipal"] is False


@pytest.mark.parametrize(
    "url",
    [
        u
        for u in ALL_CASE_URLS
        if u.name
        not in {
            "homecare:case",
            "homecare:plan",
            "homecare:evaluations",
            "homecare:evaluation_add",
            "homecare:visits_generate",
            "homecare:visit_done",
        }
    ],
    ids=lambda u: u.id,
)
def test_own_provider_may_not_open_the_assessment_or_write_the_plan(
    client_for, case, own_staff, url
):
    before_state, before = state(), AccessLog.objects.count()
    response = send(client_for(own_staff), url, case)
    assert response.status_code in (403, 404)
    assert state() == before_state
    [log] = new_logs(before)
    assert (log.outcome, log.citizen_id) == ("denied", case.citizen.pk)
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize(
    "name", ["homecare:evaluation_add", "homecare:visits_generate", "homecare:visit_done"]
)
def test_own_provider_records_evaluations_and_plans_visits(client_for, case, own_staff, name):
    [url] = [u for u in HOMECARE_URLS if u.name == name]
    before = AccessLog.objects.count()
    response = send(client_for(own_staff), url, case)
    assert response.status_code == 302
    logs = new_logs(before)
    assert logs[0].outcome == "allowed"
    assert any(log.kind == "write" and log.outcome == "allowed" for log in logs)


def test_own_provider_staff_never_reach_the_shadow_assessment(client_for, case, own_staff):
    c = client_for(own_staff)
    # The pathway and citizen pages (with their panels) are the whole record: not for them.
    for url in (
        reverse("pathways:detail", args=[case.rehab.pathway_id]),
        reverse("citizens:detail", args=[case.citizen.pk]),
    ):
        response = c.get(url)
        assert response.status_code == 403
        assert SECRET not in response.content.decode()
    html = c.get(reverse("homecare:plan", args=[case.rehab.pk])).content.decode()
    assert SECRET not in html


def test_own_provider_driving_list_and_worklist(client_for, case, own_staff):
    c = client_for(own_staff)
    response = c.get(reverse("homecare:driving_list"))
    assert [v.citizen_id for v in response.context["visits"]] == [case.citizen.pk]
    index = c.get(reverse("homecare:index"))
    shown = [case_.pk for g in index.context["groups"] for case_ in g.cases]
    assert shown == [case.rehab.pk]
