"""Every API operation: the access rules, the audit trail, Danish validation errors, no CPR.

The three actors of tests/conftest.py, plus the assessor (may read, may not change) and the
manager (figures only). Like the pages: outside scope → 404 exactly as a missing id, audited as
denied; in scope but not the role's → 403; an allowed read → one allowed audit row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from forlob.access.models import AccessLog
from forlob.citizens import cpr as cprlib
from forlob.citizens.models import Citizen
from forlob.core.api import (
    MESSAGE_CHOICE,
    MESSAGE_FORBIDDEN,
    MESSAGE_FORMAT,
    MESSAGE_NOT_FOUND,
    MESSAGE_NULL_CHARACTERS,
    MESSAGE_REQUIRED,
)
from forlob.core.choices import Role
from forlob.pathways.models import Pathway, PathwayTransition
from forlob.pathways.services import MESSAGE_REASON_REQUIRED
from forlob.referrals import services as referral_services
from forlob.referrals.models import Referral
from forlob.scheduling.models import Appointment
from forlob.scheduling.services import MESSAGE_IN_PAST, MESSAGE_NOT_STARTED, MESSAGE_OVERLAP
from tests.conftest import Case
from tests.factories import CitizenFactory, UserFactory, make_cpr
from tests.helpers import TODAY, at, counts, tr

pytestmark = pytest.mark.usefixtures("frozen")

TUESDAY = TODAY + timedelta(days=1)


@dataclass(frozen=True)
class Op:
    """One API operation on one citizen's data, addressed by an id."""

    method: str
    template: str  # with {id}
    target: str  # the Case attribute whose pk is the id
    writes: bool = False
    body: Callable[[Case], dict[str, object]] = field(default=lambda c: {}, compare=False)

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.template}"

    def path(self, case: Case, pk: object = None) -> str:
        value = getattr(case, self.target).pk if pk is None else pk
        return self.template.format(id=value)


def _booking(case: Case) -> dict[str, object]:
    return {
        "staff_id": case.appointment.staff_id,
        "location_id": case.appointment.location_id,
        "start": at(TUESDAY, 13).isoformat(),
        "duration_minutes": 60,
    }


OPS = (
    Op("get", "/referrals/{id}", "pending"),
    Op("get", "/citizens/{id}", "citizen"),
    Op("get", "/citizens/{id}/timeline", "citizen"),
    Op("get", "/pathways/{id}", "pathway"),
    Op("get", "/pathways/{id}/free-slots", "pathway"),
    Op("post", "/pathways/{id}/transitions", "pathway", True, lambda c: {"to_status": "cancelled"}),
    Op("post", "/pathways/{id}/appointments", "pathway", True, _booking),
    *(Op("post", f"/appointments/{{id}}/{a}", "appointment", True) for a in ("decline", "cancel")),
)
# Operations without an object id; their access rules are tested one by one below.
LIST_OPS = {
    "GET /referrals",
    "POST /referrals",
    "POST /citizens/search",
    "GET /kpis/gop-offer-share",
    "GET /kpis",  # the KPI registry: tests/monitoring/test_kpi_api.py
    "GET /kpis/{code}",
}
READS = [op for op in OPS if not op.writes]
WRITES = [op for op in OPS if op.writes]


def state(case: Case) -> tuple:
    """Everything a citizen-data request could change."""
    return (
        counts(Citizen, Referral, Pathway, PathwayTransition, Appointment),
        Referral.objects.get(pk=case.pending.pk).status,
        Pathway.objects.values_list("status", "responsible_id", "team_id").get(pk=case.pathway.pk),
        Appointment.objects.get(pk=case.appointment.pk).status,
    )


def ids(ops):
    return [op.id for op in ops]


def new_logs(before: int) -> list[AccessLog]:
    return list(AccessLog.objects.order_by("id")[before:])


def test_every_operation_of_the_schema_is_in_this_matrix(client_for):
    """The API's "Some URLs are untested!": a new operation must be added here."""
    schema = client_for(None).get("/api/v1/openapi.json").json()
    in_schema = {
        f"{method.upper()} {path.removeprefix('/api/v1')}"
        for path, operations in schema["paths"].items()
        for method in operations
    }
    in_matrix = {re.sub(r"/(decline|cancel)$", "/{action}", op.id) for op in OPS} | LIST_OPS
    assert in_schema == in_matrix


# --- not yours looks like not there ---------------------------------------------------------------


@pytest.mark.parametrize("op", OPS, ids=ids(OPS))
@pytest.mark.parametrize("who", ["outsider", "manager"])
def test_no_access_is_404_audited_as_denied_and_changes_nothing(case, api_for, op, who, request):
    actor = request.getfixturevalue(who)
    c = api_for(actor)
    before_state = state(case)
    before = AccessLog.objects.count()

    response = c.call(op.method, op.path(case), op.body(case))

    assert response.status_code == 404
    assert response.json() == {"detail": tr(MESSAGE_NOT_FOUND), "code": "not_found"}
    assert state(case) == before_state
    [log] = new_logs(before)
    assert (log.outcome, log.actor, log.citizen_id) == ("denied", actor, case.citizen.pk)


@pytest.mark.parametrize("op", OPS, ids=ids(OPS))
def test_outsiders_404_is_the_same_as_a_missing_id(case, api_for, outsider, op):
    c = api_for(outsider)
    theirs = c.call(op.method, op.path(case), op.body(case))
    missing = c.call(op.method, op.path(case, 10**9), op.body(case))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content


@pytest.mark.parametrize("op", OPS, ids=ids(OPS))
@pytest.mark.parametrize("bad", ["abc", "0", "-1", "1.5", "0x1", "9" * 30, "٣", "%20"])
def test_malformed_ids_are_refused_without_a_server_error(case, api_for, therapist, op, bad):
    response = api_for(therapist).call(op.method, op.path(case, bad), op.body(case))
    assert response.status_code in (404, 422), bad
    assert response["Content-Type"].startswith("application/json")


# --- may see, may not change ----------------------------------------------------------------------


@pytest.mark.parametrize("op", READS, ids=ids(READS))
def test_read_only_role_may_read(case, api_for, assessor, op):
    assert api_for(assessor).call(op.method, op.path(case)).status_code == 200


@pytest.mark.parametrize("op", WRITES, ids=ids(WRITES))
def test_read_only_role_gets_403_audited_and_nothing_changes(case, api_for, assessor, op):
    before_state = state(case)
    before = AccessLog.objects.count()
    response = api_for(assessor).call(op.method, op.path(case), op.body(case))
    assert response.status_code == 403
    assert response.json() == {"detail": tr(MESSAGE_FORBIDDEN), "code": "permission_denied"}
    assert state(case) == before_state
    [log] = new_logs(before)
    assert (log.outcome, log.kind, log.citizen_id) == ("denied", "write", case.citizen.pk)


@pytest.mark.parametrize(
    "method,path",
    [("get", "/referrals"), ("post", "/referrals"), ("post", "/citizens/search")],
)
def test_roles_without_citizen_access_get_403_on_lists(case, api_for, manager, method, path):
    # A valid body: the schema is checked before the view, and the refusal must be the role's.
    body = {"query": "Zacho"} if "search" in path else _new_referral(case.citizen.cpr)
    before = counts(Citizen, Referral)
    response = api_for(manager).call(method, path, body)
    assert response.status_code == 403
    assert "Zacho" not in response.content.decode()
    assert counts(Citizen, Referral) == before


# --- allowed --------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", READS, ids=ids(READS))
def test_allowed_read_writes_one_audit_row_for_the_right_citizen(case, api_for, therapist, op):
    c = api_for(therapist)
    before = AccessLog.objects.count()
    response = c.call(op.method, op.path(case))
    assert response.status_code == 200
    [log] = new_logs(before)
    assert (log.outcome, log.kind, log.actor) == ("allowed", "read", therapist)
    assert log.citizen_id == case.citizen.pk
    assert log.operation.startswith("api_")


@pytest.mark.parametrize("op", WRITES, ids=ids(WRITES))
def test_allowed_change_is_made_and_audited(case, api_for, therapist, op):
    before = AccessLog.objects.count()
    response = api_for(therapist).call(op.method, op.path(case), op.body(case))
    assert response.status_code in (200, 201)
    logs = new_logs(before)
    assert {log.citizen_id for log in logs} == {case.citizen.pk}
    assert {log.outcome for log in logs} == {"allowed"}
    assert any(log.kind == "write" for log in logs)


@pytest.mark.parametrize("op", OPS, ids=ids(OPS))
def test_wrong_method_is_405(case, api_for, therapist, op):
    c = api_for(therapist)
    wrong = {"get", "post", "put", "patch", "delete"} - {op.method}
    for method in wrong:
        assert c.call(method, op.path(case)).status_code == 405, method


# --- the intake inbox -----------------------------------------------------------------------------


def test_inbox_lists_new_referrals_with_masked_cpr_and_audits_each(case, api_for, therapist):
    before = AccessLog.objects.count()
    response = api_for(therapist).get("/referrals")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [item] = body["items"]
    assert item["id"] == case.pending.pk
    assert item["citizen"] == {
        "id": case.citizen.pk,
        "name": "Karen Zacho",
        "cpr_masked": case.citizen.cpr[:6] + "-****",
    }
    assert (item["referral_type"], item["chronic_disease"], item["status"]) == (
        "chronic",
        "copd",
        "new",
    )
    [log] = new_logs(before)
    assert (log.operation, log.citizen_id, log.object_id) == (
        "api_referral_inbox",
        case.citizen.pk,
        str(case.pending.pk),
    )


def test_inbox_filters_and_pages(case, api_for, therapist):
    c = api_for(therapist)
    assert c.get("/referrals", {"type": "chronic"}).json()["count"] == 1
    assert c.get("/referrals", {"type": "gop"}).json()["count"] == 0
    assert c.get("/referrals", {"area": "medical"}).json()["count"] == 0
    paged = c.get("/referrals", {"limit": 1, "offset": 1}).json()
    assert (paged["count"], paged["items"]) == (1, [])
    bad = c.get("/referrals", {"area": "knee", "limit": 0})
    assert bad.status_code == 422
    assert bad.json()["fields"] == {"area": [tr(MESSAGE_CHOICE)], "limit": [bad_limit_message()]}


def bad_limit_message() -> str:
    from forlob.core.api import MESSAGE_AT_LEAST

    return tr(MESSAGE_AT_LEAST) % {"limit": 1}


def test_outsiders_inbox_holds_nothing_of_ours(case, api_for, outsider):
    response = api_for(outsider).get("/referrals")
    assert response.json() == {"count": 0, "items": []}


# --- registering a referral -----------------------------------------------------------------------


def _new_referral(cpr: str, **extra: object) -> dict[str, object]:
    return {
        "cpr": cpr,
        "first_name": "Ny",
        "last_name": "Borger",
        "referral_type": "gop",
        "received_date": TODAY.isoformat(),
        "discharge_date": (TODAY - timedelta(days=1)).isoformat(),
        "gop_level": "basal",
        "diagnosis_area": "orthopaedic",
        **extra,
    }


def test_register_a_referral_for_a_new_citizen(org_a, api_for, therapist):
    cpr = make_cpr(TODAY.replace(year=1950), serial=321)
    before = counts(Citizen, Referral)
    response = api_for(therapist).post(
        "/referrals", _new_referral(f"{cpr[:6]}-{cpr[6:]}", team_id=org_a.team.pk)
    )
    assert response.status_code == 201, response.content
    body = response.json()
    citizen = Citizen.objects.get(cpr=cpr)
    assert citizen.municipality == org_a.municipality
    assert body["citizen"] == {
        "id": citizen.pk,
        "name": "Ny Borger",
        "cpr_masked": citizen.cpr_masked,
    }
    assert body["offer_deadline"] == (TODAY + timedelta(days=6)).isoformat()
    assert body["team_id"] == org_a.team.pk
    assert counts(Citizen, Referral) == {
        "Citizen": before["Citizen"] + 1,
        "Referral": before["Referral"] + 1,
    }
    assert cpr not in response.content.decode()
    assert Referral.objects.get(pk=body["id"]).created_by == therapist


def test_register_a_referral_for_a_known_citizen_by_cpr(case, api_for, therapist):
    body = _new_referral(case.citizen.cpr, first_name="", last_name="")
    response = api_for(therapist).post("/referrals", body)
    assert response.status_code == 201
    assert response.json()["citizen"]["id"] == case.citizen.pk
    assert Citizen.objects.filter(cpr=case.citizen.cpr).count() == 1


def test_registration_errors_are_per_field_and_danish(org_a, api_for, therapist):
    c = api_for(therapist)
    before = counts(Citizen, Referral)

    missing = c.post("/referrals", {})
    assert missing.status_code == 422
    assert missing.json()["code"] == "invalid"
    fields = missing.json()["fields"]
    for name in ("cpr", "referral_type", "received_date"):
        assert fields[name] == [tr(MESSAGE_REQUIRED)], name

    bad_cpr = c.post("/referrals", _new_referral("311399-1234"))
    assert bad_cpr.json()["fields"] == {"cpr": [tr(cprlib.MESSAGE_DATE)]}

    nameless = c.post(
        "/referrals", _new_referral(make_cpr(TODAY.replace(year=1960)), first_name="")
    )
    assert nameless.json()["fields"] == {
        "first_name": [tr(referral_services.MESSAGE_NAME_FOR_NEW_CITIZEN)]
    }

    no_discharge = _new_referral(make_cpr(TODAY.replace(year=1961)), discharge_date=None)
    response = c.post("/referrals", no_discharge)
    assert response.json()["fields"] == {"discharge_date": [tr(referral_services.MESSAGE_REQUIRED)]}

    wrong = c.post(
        "/referrals",
        _new_referral(make_cpr(TODAY.replace(year=1962)), referral_type="knee", gop_level="x"),
    )
    assert wrong.json()["fields"] == {"gop_level": [tr(MESSAGE_CHOICE)]}  # the schema refuses first
    unknown_type = c.post(
        "/referrals", _new_referral(make_cpr(TODAY.replace(year=1963)), referral_type="knee")
    )
    assert unknown_type.json()["fields"] == {"referral_type": [tr(MESSAGE_CHOICE)]}

    nul = c.post("/referrals", _new_referral(make_cpr(TODAY.replace(year=1964)), sender="a\x00b"))
    assert nul.json()["fields"] == {"sender": [tr(MESSAGE_NULL_CHARACTERS)]}

    assert counts(Citizen, Referral) == before


def test_a_cpr_number_of_another_municipality_is_refused_without_saying_where(
    case, api_for, outsider
):
    response = api_for(outsider).post("/referrals", _new_referral(case.citizen.cpr))
    assert response.status_code == 422
    assert response.json()["fields"] == {"cpr": [tr(referral_services.MESSAGE_CPR_ELSEWHERE)]}
    assert "Randers" not in response.content.decode()
    assert not Referral.objects.filter(citizen=case.citizen, municipality=outsider.municipality)


def test_a_team_of_another_municipality_is_refused(org_b, api_for, therapist):
    body = _new_referral(make_cpr(TODAY.replace(year=1970)), team_id=org_b.team.pk)
    response = api_for(therapist).post("/referrals", body)
    assert response.json()["fields"] == {"team_id": [tr(MESSAGE_CHOICE)]}


def test_broken_json_is_a_400_in_json(api_for, therapist):
    c = api_for(therapist).client
    response = c.post("/api/v1/referrals", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


# --- citizens ------------------------------------------------------------------------------------


def test_citizen_and_timeline(case, api_for, therapist):
    c = api_for(therapist)
    citizen = c.get(f"/citizens/{case.citizen.pk}").json()
    assert citizen["cpr_masked"] == case.citizen.cpr_masked
    assert "cpr" not in citizen
    # The case citizen also has an everyday-rehabilitation pathway (case.rehab, with its referral).
    pathways = {p["id"] for p in citizen["pathways"]}
    assert pathways == {case.pathway.pk, case.rehab.pathway_id}
    timeline = c.get(f"/citizens/{case.citizen.pk}/timeline").json()
    kinds = [e["kind"] for e in timeline]
    assert kinds.count("referral") == 3 and "appointment" in kinds and "transition" in kinds


def test_search_by_cpr_or_name_in_scope_only(case, api_for, therapist, outsider):
    c = api_for(therapist)
    for query in (case.citizen.cpr, case.citizen.cpr_formatted, "karen zacho"):
        response = c.post("/citizens/search", {"query": query})
        assert [r["id"] for r in response.json()] == [case.citizen.pk], query
    assert api_for(outsider).post("/citizens/search", {"query": case.citizen.cpr}).json() == []
    empty = c.post("/citizens/search", {"query": ""})
    assert empty.status_code == 422


def test_search_is_audited_without_the_query(case, api_for, therapist):
    before = AccessLog.objects.count()
    api_for(therapist).post("/citizens/search", {"query": case.citizen.cpr})
    logs = new_logs(before)
    assert {log.kind for log in logs} == {"search", "read"}
    for log in logs:
        assert case.citizen.cpr not in " ".join(str(v) for v in vars(log).values())


# --- pathways -------------------------------------------------------------------------------------


def test_pathway_shows_appointments_history_and_next_moves(case, api_for, therapist):
    body = api_for(therapist).get(f"/pathways/{case.pathway.pk}").json()
    assert body["status"] == "booked"
    assert [a["id"] for a in body["appointments"]] == [case.appointment.pk]
    assert [t["to_status"] for t in body["transitions"]] == ["referred", "booked"]
    assert body["next_statuses"] == ["active", "dropped_out", "cancelled"]
    assert body["first_offer_within_deadline"] is True


def test_transitions_follow_the_state_machine(case, api_for, therapist):
    c = api_for(therapist)
    path = f"/pathways/{case.pathway.pk}/transitions"
    no_reason = c.post(path, {"to_status": "dropped_out"})
    assert no_reason.status_code == 422
    assert no_reason.json()["fields"] == {"dropout_reason": [tr(MESSAGE_REASON_REQUIRED)]}
    illegal = c.post(path, {"to_status": "completed"})
    assert (illegal.status_code, illegal.json()["code"]) == (422, "invalid_transition")
    not_manual = c.post(path, {"to_status": "booked"})
    assert not_manual.json()["fields"] == {"to_status": [tr(MESSAGE_CHOICE)]}
    unknown_reason = c.post(path, {"to_status": "dropped_out", "dropout_reason": "bored"})
    assert unknown_reason.json()["fields"] == {"dropout_reason": [tr(MESSAGE_CHOICE)]}
    assert Pathway.objects.get(pk=case.pathway.pk).status == "booked"

    done = c.post(path, {"to_status": "dropped_out", "dropout_reason": "no_need_citizen"})
    assert done.status_code == 200
    assert done.json()["status"] == "dropped_out"
    assert PathwayTransition.objects.filter(pathway=case.pathway, to_status="dropped_out").exists()
    # Closing the pathway frees the therapist's booked time, as on the page.
    assert Appointment.objects.get(pk=case.appointment.pk).status == "cancelled"


# --- booking --------------------------------------------------------------------------------------


def test_free_slots_for_the_responsible_therapist(case, api_for, therapist, outsider):
    c = api_for(therapist)
    slots = c.get(f"/pathways/{case.pathway.pk}/free-slots", {"limit": 50}).json()
    assert slots and all(s["staff_id"] == therapist.pk for s in slots)
    starts = {s["start"] for s in slots}
    assert at(TUESDAY, 10).isoformat() not in starts  # the booked time is not free
    assert at(TUESDAY, 11).isoformat() in starts
    assert all(s["within_deadline"] for s in slots if s["start"] < at(TUESDAY, 23).isoformat())
    other = c.get(f"/pathways/{case.pathway.pk}/free-slots", {"staff_id": outsider.pk})
    assert other.json()["fields"] == {"staff_id": [tr(MESSAGE_CHOICE)]}
    too_long = c.get(
        f"/pathways/{case.pathway.pk}/free-slots",
        {"first_day": TODAY.isoformat(), "last_day": (TODAY + timedelta(days=100)).isoformat()},
    )
    assert list(too_long.json()["fields"]) == ["last_day"]


def test_booking_goes_through_the_calendar_rules(case, api_for, therapist, outsider):
    c = api_for(therapist)
    path = f"/pathways/{case.pathway.pk}/appointments"
    overlap = c.post(path, {**_booking(case), "start": at(TUESDAY, 10, 30).isoformat()})
    assert overlap.status_code == 422
    assert overlap.json()["fields"] == {"__all__": [tr(MESSAGE_OVERLAP)]}
    past = c.post(path, {**_booking(case), "start": at(TODAY - timedelta(days=1), 10).isoformat()})
    assert past.json()["fields"] == {"start": [tr(MESSAGE_IN_PAST)]}
    foreign = c.post(path, {**_booking(case), "staff_id": outsider.pk})
    assert foreign.json()["fields"] == {"staff_id": [tr(MESSAGE_CHOICE)]}
    far = c.post(path, {**_booking(case), "start": "9999-12-31T23:59:00"})
    assert list(far.json()["fields"]) == ["start"]
    assert Appointment.objects.count() == 1

    booked = c.post(path, {**_booking(case), "start": "2026-06-02T13:00:00"})  # local time
    assert booked.status_code == 201
    assert booked.json()["start"] == at(TUESDAY, 13).isoformat()
    assert booked.json()["is_first"] is False


def test_appointment_actions(case, api_for, therapist):
    c = api_for(therapist)
    early = c.post(f"/appointments/{case.appointment.pk}/attended")
    assert early.status_code == 422
    assert early.json() == {
        "detail": tr(MESSAGE_NOT_STARTED),
        "code": "not_started",
        "fields": {"__all__": [tr(MESSAGE_NOT_STARTED)]},
    }
    unknown = c.post(f"/appointments/{case.appointment.pk}/delete")
    assert unknown.status_code == 422
    cancelled = c.post(f"/appointments/{case.appointment.pk}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    # No booked time left: the pathway goes back to referred, as on the page.
    assert Pathway.objects.get(pk=case.pathway.pk).status == "referred"
    again = c.post(f"/appointments/{case.appointment.pk}/cancel")
    assert again.json()["code"] == "not_booked"


# --- key figures ----------------------------------------------------------------------------------


def test_kpi_for_those_who_may_see_figures(case, api_for, manager, org_a):
    response = api_for(manager).get("/kpis/gop-offer-share", {"month": "2026-05"})
    assert response.status_code == 200
    body = response.json()
    assert body["month"] == "2026-05"
    rows = {r["area"]: r for r in body["rows"]}
    # The case's GOP: discharged 30 May, first time offered 2 June, deadline 6 June.
    assert rows["orthopaedic"] | {"label": ""} == {
        "area": "orthopaedic",
        "label": "",
        "decided": 1,
        "within": 1,
        "pending": 0,
        "share": 1.0,
    }
    assert rows["all"]["decided"] == 1
    assert api_for(manager).get("/kpis/gop-offer-share").json()["month"] == "2026-06"
    nobody = UserFactory(municipality=org_a.municipality, roles=[Role.HOMECARE_WORKER])
    assert api_for(nobody).get("/kpis/gop-offer-share").status_code == 403


@pytest.mark.parametrize("month", ["2026-13", "26-05", "0000-01", "9999-12", "2026-5", "٢٠٢٦-٠٥"])
def test_kpi_month_must_be_yyyy_mm(db, api_for, manager, month):
    response = api_for(manager).get("/kpis/gop-offer-share", {"month": month})
    assert response.status_code == 422
    assert response.json()["fields"] == {"month": [tr(MESSAGE_FORMAT)]}


# --- no CPR number anywhere but masked ------------------------------------------------------------


def test_no_response_carries_a_full_cpr_number(case, api_for, therapist, assessor, outsider):
    other = CitizenFactory(municipality=case.citizen.municipality)
    cprs = [case.citizen.cpr, other.cpr]
    patterns = [re.compile(p) for c in cprs for p in (c, f"{c[:6]}-{c[6:]}", f"{c[:6]} {c[6:]}")]
    responses = []
    for user in (therapist, assessor, outsider):
        c = api_for(user)
        responses += [
            c.get("/referrals"),
            c.get(f"/referrals/{case.pending.pk}"),
            c.get(f"/citizens/{case.citizen.pk}"),
            c.get(f"/citizens/{case.citizen.pk}/timeline"),
            c.get(f"/pathways/{case.pathway.pk}"),
            c.post("/citizens/search", {"query": case.citizen.cpr}),
            c.post("/citizens/search", {"query": case.citizen.cpr[:6]}),
            c.post("/referrals", _new_referral(case.citizen.cpr, chronic_disease="copd")),
            c.post("/referrals", _new_referral(other.cpr, referral_type="chronic")),
            c.post("/referrals", _new_referral(case.citizen.cpr[:6] + "-999")),
        ]
    assert any(case.citizen.cpr_masked in r.content.decode() for r in responses)
    for response in responses:
        text = response.content.decode()
        assert not any(p.search(text) for p in patterns), text[:300]
    for row in AccessLog.objects.values():
        text = " ".join(str(v) for v in row.values())
        assert not any(p.search(text) for p in patterns)
