""" "Download as Excel" on every list page: the rows of the page, for the same user and filters.

Each download reuses its page's selection, so the workbook holds exactly the rows the page shows
(names only where the page names, CPR numbers masked as on the page) and every citizen in it is
one audited read (operation ``export_<list>``). The negative tests of tests/access run here for
the download URLs (url_matrix.py: TESTED_ELSEWHERE): anonymous → login, wrong method → 405, a
role without the page's right → 403, another municipality's rows never in the file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext
from openpyxl import load_workbook

from forlob.access.models import AccessLog
from forlob.citizens.models import HealthLiteracy
from forlob.cluster.services import audit_sample_draw
from forlob.core.choices import Role
from tests.cluster.helpers import ADMIT, DISCHARGE, event
from tests.conftest import Case
from tests.factories import CitizenFactory, ReferralFactory, TeamFactory, TherapistFactory
from tests.helpers import COPENHAGEN, TODAY, tr

pytestmark = pytest.mark.usefixtures("frozen")

TOMORROW = TODAY + timedelta(days=1)
Q1 = "2026-1"
JANUARY = [date(2026, 1, 5) + timedelta(days=10 * i) for i in range(4)]  # 4 admissions in Q1


@dataclass(frozen=True)
class Export:
    name: str  # the download's URL name
    page: str  # the page it belongs to
    manager: int  # what a manager (key figures only, no citizen records) gets
    by_pk: bool = False  # addressed by the case's class

    def urls(self, case: Case) -> tuple[str, str]:
        args = [case.enrolment.programme_class_id] if self.by_pk else []
        page = "programmes:class_detail" if self.by_pk else self.page
        return reverse(self.name, args=args), reverse(page, args=args)


EXPORTS = (
    Export("referrals:inbox_xlsx", "referrals:inbox", 403),
    Export("scheduling:day_xlsx", "scheduling:day", 403),
    Export("programmes:class_list_xlsx", "programmes:class_list", 403),
    Export("programmes:class_participants_xlsx", "", 404, by_pk=True),
    Export("homecare:index_xlsx", "homecare:index", 403),
    Export("homecare:driving_list_xlsx", "homecare:driving_list", 403),
    Export("notifications:failed_xlsx", "notifications:failed", 403),
    Export("notifications:call_list_xlsx", "notifications:call_list", 403),
    Export("questionnaires:tracking_xlsx", "questionnaires:tracking", 200),  # counts only
    Export("cluster:follow_ups_xlsx", "cluster:follow_ups", 403),
    Export("cluster:audit_xlsx", "cluster:audit", 200),  # the audit: managers, without names
)
IDS = [e.name for e in EXPORTS]


def workbook(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "no-cache" in response["Cache-Control"]
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def table(response, sheet: int = 0) -> tuple[tuple, list[tuple]]:
    """(headings, data rows) of a list sheet: the headings follow the first blank line."""
    rows = list(workbook(response).worksheets[sheet].iter_rows(values_only=True))
    blank = next(i for i, r in enumerate(rows) if all(c is None for c in r))
    return rows[blank + 1], rows[blank + 2 :]


def text_of(response) -> str:
    book = workbook(response)
    return " ".join(
        str(c) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for c in r if c
    )


def column(header: tuple, rows: list[tuple], heading: str) -> list:
    i = header.index(tr(heading))
    return [r[i] for r in rows]


def export_logs(before: int) -> list[AccessLog]:
    return [
        log
        for log in AccessLog.objects.order_by("pk")[before:]
        if log.operation.startswith("export_")
    ]


# --- who may download -----------------------------------------------------------------------------


@pytest.mark.parametrize("export", EXPORTS, ids=IDS)
def test_anonymous_is_sent_to_login(client_for, case, export):
    url, _page = export.urls(case)
    response = client_for(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("export", EXPORTS, ids=IDS)
def test_wrong_method_is_405(client_for, case, therapist, export):
    url, _page = export.urls(case)
    c = client_for(therapist)
    for method in ("post", "put", "patch", "delete"):
        assert getattr(c, method)(url).status_code == 405, method


@pytest.mark.parametrize("export", EXPORTS, ids=IDS)
def test_a_manager_gets_what_the_page_gives(client_for, case, manager, export):
    url, page = export.urls(case)
    c = client_for(manager)
    assert c.get(url).status_code == export.manager
    assert c.get(page).status_code == export.manager
    if export.manager == 200:
        assert case.citizen.last_name not in text_of(c.get(url))


@pytest.mark.parametrize("export", EXPORTS, ids=IDS)
def test_another_municipality_never_gets_our_rows(client_for, case, outsider, export):
    url, _page = export.urls(case)
    response = client_for(outsider).get(url, {"date": TOMORROW.isoformat()})
    if export.by_pk:  # another municipality's class answers as a missing one
        assert response.status_code == 404
        return
    text = text_of(response)
    assert case.citizen.last_name not in text
    assert case.citizen.cpr_masked not in text
    assert not AccessLog.objects.filter(actor=outsider, citizen=case.citizen, outcome="allowed")


@pytest.mark.parametrize("export", EXPORTS, ids=IDS)
def test_the_page_links_to_its_download(client_for, case, therapist, manager, export):
    """Each list page offers the download with its own filters (when it shows rows)."""
    url, page = export.urls(case)
    user = manager if export.name == "questionnaires:tracking_xlsx" else therapist
    m = therapist.municipality
    visit = case.rehab_visit
    params: dict[str, object] = {
        "scheduling:day_xlsx": {"date": TOMORROW.isoformat()},
        "homecare:driving_list_xlsx": {
            "date": visit.date.isoformat(),
            "provider": visit.provider_id,
        },
        "cluster:audit_xlsx": {"quarter": Q1},
    }.get(export.name, {})
    if export.name == "notifications:call_list_xlsx":
        case.citizen.health_literacy = HealthLiteracy.LOW
        case.citizen.save()
    if export.name == "cluster:follow_ups_xlsx":
        event(m, TODAY, DISCHARGE, age=85)
    if export.name == "cluster:audit_xlsx":
        for day in JANUARY:
            event(m, day, ADMIT)
        audit_sample_draw(actor=therapist, period_start=JANUARY[0].replace(day=1))
    html = client_for(user).get(page, params).content.decode()
    assert f'href="{url}' in html, "no download link on the page"
    assert 'data-testid="xlsx-link"' in html
    for key, value in params.items():
        assert f"{key}={value}" in html.split(f'href="{url}', 1)[1].split('"', 1)[0]


# --- the rows are the page's rows -----------------------------------------------------------------


def test_inbox(client_for, case, therapist):
    ReferralFactory(citizen=case.citizen, type_code="chronic", chronic_disease="diabetes")
    c = client_for(therapist)
    page = c.get(reverse("referrals:inbox"), {"type": "chronic"})
    shown = [row["referral"] for row in page.context["rows"]]
    assert len(shown) == 2
    before = AccessLog.objects.count()
    header, rows = table(c.get(reverse("referrals:inbox_xlsx"), {"type": "chronic"}))
    assert column(header, rows, "Citizen") == [r.citizen.full_name for r in shown]
    assert column(header, rows, "CPR number") == [case.citizen.cpr_masked] * 2
    assert column(header, rows, "Level / area") == [r.subtype_display for r in shown]
    assert column(header, rows, "Days left") == [r.days_left(TODAY) for r in shown]
    # One read per citizen shown, under the export's own name.
    [log] = export_logs(before)
    assert (log.operation, log.citizen_id, log.actor) == (
        "export_referral_inbox",
        case.citizen.pk,
        therapist,
    )
    # The filter is the page's: no GOP referrals of this type.
    assert table(c.get(reverse("referrals:inbox_xlsx"), {"type": "gop"}))[1] == []


def test_inbox_never_holds_the_full_cpr_number(client_for, case, therapist):
    text = text_of(client_for(therapist).get(reverse("referrals:inbox_xlsx")))
    assert case.citizen.full_name in text
    assert case.citizen.cpr not in text and case.citizen.cpr_formatted not in text


def test_calendar_day_names_only_citizens_in_the_users_relations(client_for, case, therapist):
    params = {"staff": therapist.pk, "date": TOMORROW.isoformat()}
    c = client_for(therapist)
    page = c.get(reverse("scheduling:day"), params)
    [appointment] = page.context["appointments"]
    header, rows = table(c.get(reverse("scheduling:day_xlsx"), params))
    assert column(header, rows, "Citizen") == [case.citizen.full_name]
    assert rows[0][0] == appointment.start.astimezone(COPENHAGEN).replace(tzinfo=None)
    # A colleague of another team sees the same busy time, without the name (the new referral
    # is the team's, so it is no longer the whole intake's).
    case.pending.team = therapist.team
    case.pending.save()
    colleague = TherapistFactory(
        municipality=therapist.municipality, team=TeamFactory(unit=therapist.team.unit)
    )
    c = client_for(colleague)
    [appointment] = c.get(reverse("scheduling:day"), params).context["appointments"]
    assert appointment.citizen_visible is False
    before = AccessLog.objects.count()
    header, rows = table(c.get(reverse("scheduling:day_xlsx"), params))
    assert column(header, rows, "Citizen") == [tr("Busy (a citizen you have no care relation to)")]
    assert export_logs(before) == []


def test_class_list(client_for, case, therapist):
    c = client_for(therapist)
    page = c.get(reverse("programmes:class_list"), {"status": "all"})
    classes = page.context["classes"]
    before = AccessLog.objects.count()
    header, rows = table(c.get(reverse("programmes:class_list_xlsx"), {"status": "all"}))
    assert column(header, rows, "Class") == [k.name for k in classes]
    assert column(header, rows, "Places taken") == [k.taken for k in classes]
    [log] = export_logs(before)
    assert (log.operation, log.citizen_id) == ("export_class_list", None)  # counts, no citizen


def test_class_participants_and_waiting_list(client_for, case, therapist):
    klass = case.enrolment.programme_class
    c = client_for(therapist)
    page = c.get(reverse("programmes:class_detail", args=[klass.pk]))
    enrolled = [row["enrolment"] for row in page.context["rows"]]
    waiting = list(page.context["waiting"])
    assert enrolled == [case.enrolment]
    before = AccessLog.objects.count()
    response = c.get(reverse("programmes:class_participants_xlsx", args=[klass.pk]))
    book = workbook(response)
    header, rows = table_of(book, 0)
    assert column(header, rows, "Citizen") == [e.citizen.full_name for e in enrolled]
    assert column(header, rows, "CPR number") == [case.citizen.cpr_masked]
    if page.context["is_open"] and not page.context["ended"]:
        header, rows = table_of(book, 1)
        assert column(header, rows, "Citizen") == [r.citizen.full_name for r in waiting]
    assert {log.citizen_id for log in export_logs(before)} == {case.citizen.pk}


def test_class_participants_hide_citizens_outside_the_users_relations(client_for, case, therapist):
    klass = case.enrolment.programme_class
    case.pending.team = therapist.team  # not the whole intake's: the team's
    case.pending.save()
    colleague = TherapistFactory(
        municipality=therapist.municipality, team=TeamFactory(unit=therapist.team.unit)
    )
    c = client_for(colleague)
    assert c.get(reverse("programmes:class_detail", args=[klass.pk])).context["rows"] == []
    response = c.get(reverse("programmes:class_participants_xlsx", args=[klass.pk]))
    text = text_of(response)
    assert case.citizen.last_name not in text
    with translation.override("da"):
        hidden = ngettext(
            "%(n)d more citizen you have no care relation to.",
            "%(n)d more citizens you have no care relation to.",
            1,
        ) % {"n": 1}
    assert hidden in text


def table_of(book, index: int) -> tuple[tuple, list[tuple]]:
    rows = list(book.worksheets[index].iter_rows(values_only=True))
    blank = next(i for i, r in enumerate(rows) if all(c is None for c in r))
    return rows[blank + 1], rows[blank + 2 :]


def test_homecare_worklist(client_for, case, therapist):
    c = client_for(therapist)
    groups = c.get(reverse("homecare:index")).context["groups"]
    shown = [(g.stage, k) for g in groups for k in g.cases]
    assert shown, "the case's rehabilitation should be on the worklist"
    before = AccessLog.objects.count()
    header, rows = table(c.get(reverse("homecare:index_xlsx")))
    assert column(header, rows, "Citizen") == [k.citizen.full_name for _s, k in shown]
    assert column(header, rows, "Stage") == [str(s.label) for s, _k in shown]
    assert column(header, rows, "CPR number") == [k.citizen.cpr_masked for _s, k in shown]
    assert [log.operation for log in export_logs(before)] == ["export_homecare_worklist"]


def test_driving_list(client_for, case, therapist):
    visit = case.rehab_visit
    params = {"date": visit.date.isoformat(), "provider": visit.provider_id, "scope": "all"}
    c = client_for(therapist)
    visits = c.get(reverse("homecare:driving_list"), params).context["visits"]
    assert visit in visits
    before = AccessLog.objects.count()
    header, rows = table(c.get(reverse("homecare:driving_list_xlsx"), params))
    assert column(header, rows, "Citizen") == [v.citizen.full_name for v in visits]
    assert column(header, rows, "Minutes") == [v.duration_minutes for v in visits]
    assert tr("CPR number") not in header  # the page shows none
    assert {log.citizen_id for log in export_logs(before)} == {case.citizen.pk}


def test_failed_messages(client_for, case, therapist):
    c = client_for(therapist)
    shown = c.get(reverse("notifications:failed")).context["rows"]
    assert shown == [case.message]
    header, rows = table(c.get(reverse("notifications:failed_xlsx")))
    assert column(header, rows, "Citizen") == [case.citizen.full_name]
    assert column(header, rows, "Attempts") == [4]
    assert column(header, rows, "Reason") == [case.message.last_error_display]


def test_call_list(client_for, case, therapist):
    case.citizen.health_literacy = HealthLiteracy.LOW
    case.citizen.save()
    c = client_for(therapist)
    shown = c.get(reverse("notifications:call_list"), {"days": 3}).context["rows"]
    assert [r.citizen for r in shown] == [case.citizen]
    before = AccessLog.objects.count()
    header, rows = table(c.get(reverse("notifications:call_list_xlsx"), {"days": 3}))
    assert column(header, rows, "Citizen") == [case.citizen.full_name]
    assert column(header, rows, "Phone") == [case.citizen.phone or None]
    [log] = export_logs(before)
    assert (log.operation, log.citizen_id) == ("export_call_list", case.citizen.pk)


@pytest.fixture
def discharges(org_a, case):
    """Two discharges 78+ this month: Karen (a citizen here) and someone never registered."""
    karen = event(org_a.municipality, TODAY, DISCHARGE, age=85, citizen=case.citizen)
    stranger = event(org_a.municipality, TODAY, DISCHARGE, age=90, person="stranger")
    return karen.follow_up, stranger.follow_up


def test_follow_up_visits(client_for, therapist, discharges, case):
    karen, stranger = discharges
    c = client_for(therapist)
    rows_shown = c.get(reverse("cluster:follow_ups")).context["rows"]
    assert [(r["visit"], r["named"]) for r in rows_shown] == [(karen, True), (stranger, False)]
    before = AccessLog.objects.count()
    header, rows = table(c.get(reverse("cluster:follow_ups_xlsx")))
    assert column(header, rows, "Citizen") == [
        case.citizen.full_name,
        tr("Not registered as a citizen here"),
    ]
    assert column(header, rows, "CPR number") == [case.citizen.cpr_masked, None]
    assert column(header, rows, "Age") == [85, 90]
    assert [log.citizen_id for log in export_logs(before)] == [case.citizen.pk]
    # The status filter is the page's.
    header, rows = table(c.get(reverse("cluster:follow_ups_xlsx"), {"status": "done"}))
    assert rows == []


def test_audit_list_names_only_for_users_with_a_relation(client_for, org_a, therapist, manager):
    citizen = CitizenFactory(municipality=org_a.municipality, first_name="Aud", last_name="Itsen")
    for day in JANUARY:
        event(org_a.municipality, day, ADMIT, citizen=citizen, person="audit-person")
    event(org_a.municipality, TODAY - timedelta(days=2), DISCHARGE, age=85, citizen=citizen)
    [drawn] = audit_sample_draw(actor=manager, period_start=JANUARY[0].replace(day=1))
    # The manager (no citizen records): the case, without the name.
    header, rows = table(client_for(manager).get(reverse("cluster:audit_xlsx"), {"quarter": Q1}))
    assert column(header, rows, "Audit case") == [drawn.label]
    assert column(header, rows, "Citizen") == [None]
    # The therapist (a recent discharge is a relation): named, as on the page.
    c = client_for(therapist)
    [row] = c.get(reverse("cluster:audit"), {"quarter": Q1}).context["rows"]
    assert row["named"] is True
    before = AccessLog.objects.count()
    header, rows = table(c.get(reverse("cluster:audit_xlsx"), {"quarter": Q1}))
    assert column(header, rows, "Citizen") == [citizen.full_name]
    assert column(header, rows, "Admissions") == [drawn.admissions]
    [log] = export_logs(before)
    assert (log.operation, log.citizen_id) == ("export_audit_list", citizen.pk)


def test_a_home_care_worker_gets_no_record_lists(client_for, case, org_a):
    from tests.factories import UserFactory

    worker = UserFactory(municipality=org_a.municipality, roles=[Role.HOMECARE_WORKER])
    c = client_for(worker)
    for name in ("referrals:inbox_xlsx", "notifications:failed_xlsx", "scheduling:day_xlsx"):
        assert c.get(reverse(name)).status_code == 403, name
