"""The administrators' audit pages: search, export, emergency-access review; who may use them.

Actors: ``admin`` (municipality A's administrator), ``admin_b`` (municipality B's), the usual
``therapist`` (A, a care role), ``manager`` (A, figures only) and ``outsider`` (B's therapist).
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.contrib import admin as django_admin
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from forlob.access import audit
from forlob.access.models import AccessLog, BreakGlassAccess
from forlob.access.services import break_glass
from forlob.access.views import SESSION_KEY
from tests.access.audit_support import AUDIT_PAGES, entry_at, make_admin, review_url
from tests.factories import CitizenFactory
from tests.helpers import COPENHAGEN, NOW, tr, urls_in

pytestmark = pytest.mark.usefixtures("frozen")

REASON = "Akut opkald fra vagtlæge om faldulykke i hjemmet."


@pytest.fixture
def admin(org_a):
    return make_admin(org_a)


@pytest.fixture
def admin_b(org_b):
    return make_admin(org_b, "Bodil", "Bestyrer")


@pytest.fixture
def other(org_a):
    """A second citizen of municipality A, whose entries must not show in Karen's search."""
    return CitizenFactory(municipality=org_a.municipality, first_name="Oskar", last_name="Olsen")


def new_logs(before: int) -> list[AccessLog]:
    return list(AccessLog.objects.order_by("id")[before:])


def search(client, **data):
    """Post the filter form, follow the redirect back to the list."""
    fields = {"outcome": "", "kind": "", **data}
    response = client.post(reverse("audit:log"), fields)
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == reverse("audit:log")
    return client.get(reverse("audit:log"))


def shown_ids(response) -> list[int]:
    return [row.id for row in response.context["rows"]]


# --- who may use the pages ------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*AUDIT_PAGES, "audit:break_glass_review"])
def test_anonymous_is_sent_to_login(client_for, name):
    url = review_url(1) if name == "audit:break_glass_review" else reverse(name)
    for method in AUDIT_PAGES.get(name, ("post",)):
        response = getattr(client_for(None), method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["therapist", "manager", "assessor", "outsider"])
def test_everyone_but_administrators_is_forbidden(client_for, case, who, request):
    actor = request.getfixturevalue(who)
    c = client_for(actor)
    grant = break_glass(
        actor=request.getfixturevalue("therapist"), citizen=case.citizen, reason=REASON
    )
    before = AccessLog.objects.count()
    for name, methods in AUDIT_PAGES.items():
        for method in methods:
            data = {"cpr": case.citizen.cpr} if method == "post" else None
            response = getattr(c, method)(reverse(name), data)
            assert response.status_code == 403, (name, method)
            assert case.citizen.full_name not in response.content.decode()
    response = c.post(review_url(grant.pk), {"decision": "justified"})
    assert response.status_code == 403
    grant.refresh_from_db()
    assert grant.review == BreakGlassAccess.Review.PENDING
    assert AccessLog.objects.count() == before  # nothing was looked up, so nothing to log


def test_wrong_methods_are_405(client_for, admin):
    c = client_for(admin)
    for name, methods in AUDIT_PAGES.items():
        for method in {"get", "post", "put", "patch", "delete"} - set(methods):
            assert getattr(c, method)(reverse(name)).status_code == 405, (name, method)
    for method in ("get", "put", "delete"):
        assert getattr(c, method)(review_url(1)).status_code == 405


def test_the_navigation_shows_the_access_log_to_administrators_only(client_for, admin, therapist):
    link = f'href="{reverse("audit:log")}"'
    assert link in client_for(admin).get(reverse("home")).content.decode()
    assert link not in client_for(therapist).get(reverse("home")).content.decode()


def test_djangos_admin_does_not_show_the_log():
    """Django's admin would read rows without auditing; the audit pages replace it."""
    assert AccessLog not in django_admin.site._registry
    assert BreakGlassAccess not in django_admin.site._registry


# --- the log page ---------------------------------------------------------------------------------


def test_the_log_lists_entries_newest_first_with_masked_cpr(client_for, case, admin, therapist):
    old = entry_at(NOW - timedelta(days=3), actor=therapist, citizen=case.citizen)
    client_for(therapist).get(reverse("citizens:detail", args=[case.citizen.pk]))
    response = client_for(admin).get(reverse("audit:log"))
    assert response.status_code == 200
    ids = shown_ids(response)
    assert ids == sorted(ids, key=lambda i: AccessLog.objects.get(pk=i).at, reverse=True)
    assert old.pk in ids
    html = response.content.decode()
    assert case.citizen.full_name in html
    assert case.citizen.cpr_masked in html
    assert case.citizen.cpr not in html
    assert case.citizen.cpr_formatted not in html
    assert escape(tr("Opened the citizen's record")) in html
    assert "Tove Terapeut" in html  # the user's name, not only the user name


def test_looking_at_the_log_is_itself_logged(client_for, case, admin):
    before = AccessLog.objects.count()
    client_for(admin).get(reverse("audit:log"))
    [log] = new_logs(before)
    assert (log.actor, log.kind, log.operation, log.citizen) == (
        admin,
        "search",
        "audit_search",
        None,
    )


def test_searching_by_cpr_never_puts_it_in_a_url_and_logs_a_read_of_that_citizen(
    client_for, case, admin, therapist, other
):
    mine = entry_at(NOW - timedelta(hours=2), actor=therapist, citizen=case.citizen)
    theirs = entry_at(NOW - timedelta(hours=1), actor=therapist, citizen=other)
    c = client_for(admin)
    before = AccessLog.objects.count()
    post = c.post(reverse("audit:log"), {"cpr": case.citizen.cpr_formatted})
    assert post.status_code == 302
    assert post["Location"] == "/audit/"  # no query string, no number
    assert case.citizen.cpr not in str(c.session[SESSION_KEY])
    assert c.session[SESSION_KEY]["citizen_id"] == case.citizen.pk

    response = c.get(reverse("audit:log"))
    ids = shown_ids(response)
    assert mine.pk in ids
    assert theirs.pk not in ids
    assert all(AccessLog.objects.get(pk=i).citizen_id == case.citizen.pk for i in ids)
    html = response.content.decode()
    for link in urls_in(html):
        assert case.citizen.cpr not in link and case.citizen.cpr[:6] not in link
    # Only entries about Karen, and saying so (masked); the full number is not echoed back.
    assert case.citizen.cpr not in html
    [log] = new_logs(before)
    assert (log.operation, log.kind, log.citizen_id) == ("audit_search", "search", case.citizen.pk)

    # The next page keeps the citizen; unticking "only entries about" drops it.
    assert mine.pk in shown_ids(c.get(reverse("audit:log"), {"page": 1}))
    response = search(c)
    assert theirs.pk in shown_ids(response)


@pytest.mark.parametrize("whose", ["unknown", "other municipality"])
def test_a_cpr_outside_the_municipality_is_not_found_and_logged_without_the_number(
    client_for, case, admin_b, whose
):
    cpr = case.citizen.cpr if whose == "other municipality" else "0101901234"
    c = client_for(admin_b)
    before = AccessLog.objects.count()
    response = c.post(reverse("audit:log"), {"cpr": cpr})
    assert response.status_code == 422
    assert response.context["form"].errors["cpr"] == [
        tr("No citizen of your municipality has this CPR number.")
    ]
    assert case.citizen.full_name not in response.content.decode()
    logs = new_logs(before)
    denied = [log for log in logs if log.outcome == "denied"]
    assert len(denied) == 1
    assert (denied[0].citizen_id, denied[0].reason) == (None, "no such citizen")
    for log in logs:
        assert cpr not in " ".join(
            str(v) for v in AccessLog.objects.filter(pk=log.pk).values()[0].values()
        )
    assert c.session.get(SESSION_KEY, {}).get("citizen_id") is None


def test_an_invalid_cpr_is_refused_by_the_form(client_for, admin):
    response = client_for(admin).post(reverse("audit:log"), {"cpr": "12345"})
    assert response.status_code == 422
    assert "cpr" in response.context["form"].errors


def test_filters_narrow_the_list(client_for, case, admin, therapist, assessor):
    read = entry_at(NOW - timedelta(days=10), actor=therapist, citizen=case.citizen)
    denied = entry_at(
        NOW - timedelta(days=5),
        actor=assessor,
        citizen=case.citizen,
        operation="pathway_detail",
        outcome="denied",
    )
    transition = entry_at(
        NOW - timedelta(days=1),
        actor=therapist,
        citizen=case.citizen,
        operation="pathway_transition:completed",
        kind="write",
    )
    c = client_for(admin)
    assert set(shown_ids(search(c, outcome="denied"))) == {denied.pk}
    assert set(shown_ids(search(c, kind="write"))) >= {transition.pk}
    assert read.pk not in shown_ids(search(c, kind="write"))
    ids = shown_ids(search(c, username=assessor.username.upper()))
    assert set(ids) == {denied.pk}
    # The operation filter finds every status change under its base code.
    assert transition.pk in shown_ids(search(c, operation="pathway_transition"))
    assert read.pk not in shown_ids(search(c, operation="pathway_transition"))
    # The period counts whole Copenhagen days, both ends included.
    day = (NOW - timedelta(days=5)).date()
    ids = shown_ids(search(c, date_from=day.isoformat(), date_to=day.isoformat()))
    assert ids == [denied.pk]
    response = c.post(reverse("audit:log"), {"date_from": "2026-06-01", "date_to": "2026-05-01"})
    assert response.status_code == 422
    # Clearing the filters shows everything again.
    response = c.post(reverse("audit:log"), {"clear": "1"})
    assert response.status_code == 302
    assert {read.pk, denied.pk, transition.pk} <= set(shown_ids(c.get(reverse("audit:log"))))


def test_only_emergency_access_finds_the_grant_and_the_reads_under_it(
    client_for, case, admin, therapist
):
    before_grant = entry_at(NOW - timedelta(days=1), actor=therapist, citizen=case.citizen)
    grant = break_glass(actor=therapist, citizen=case.citizen, reason=REASON, now=NOW)
    under = entry_at(NOW + timedelta(hours=1), actor=therapist, citizen=case.citizen)
    after = entry_at(grant.expires_at + timedelta(minutes=1), actor=therapist, citizen=case.citizen)
    c = client_for(admin)
    response = search(c, break_glass_only="on")
    rows = {row.id: row for row in response.context["rows"]}
    assert under.pk in rows
    assert before_grant.pk not in rows
    assert after.pk not in rows
    assert AccessLog.objects.get(operation="break_glass").pk in rows
    assert rows[under.pk].emergency_reason == REASON
    assert REASON in response.content.decode()


def test_an_administrator_sees_only_the_own_municipality(
    client_for, case, admin_b, therapist, outsider
):
    ours = entry_at(NOW, actor=therapist, citizen=case.citizen)
    # B's therapist tried to open A's citizen: B's administrator sees the attempt, not who it was.
    attempt = client_for(outsider).get(reverse("citizens:detail", args=[case.citizen.pk]))
    assert attempt.status_code == 404
    response = client_for(admin_b).get(reverse("audit:log"))
    rows = {row.id: row for row in response.context["rows"]}
    assert ours.pk not in rows
    [mine] = [r for r in rows.values() if r.operation == "citizen_detail"]
    assert mine.username == outsider.username
    assert mine.citizen_name == tr("(citizen of another municipality)")
    html = response.content.decode()
    assert case.citizen.full_name not in html
    assert case.citizen.cpr_masked not in html


def test_the_list_is_paginated(client_for, case, admin, therapist):
    for minutes in range(60):
        entry_at(NOW - timedelta(minutes=minutes + 1), actor=therapist, citizen=case.citizen)
    c = client_for(admin)
    first = c.get(reverse("audit:log"))
    assert len(first.context["rows"]) == 50
    assert first.context["page"].paginator.count >= 60
    assert 'href="?page=2"' in first.content.decode()
    second = c.get(reverse("audit:log"), {"page": 2})
    # Each page view is logged, yet the pages do not shift: they keep the first view's snapshot.
    assert set(shown_ids(first)).isdisjoint(shown_ids(second))
    assert c.get(reverse("audit:log"), {"page": 1}).context["rows"] == first.context["rows"]
    # Opening the list again (no page number) shows the newest, including those page views.
    fresh = shown_ids(c.get(reverse("audit:log")))
    assert fresh[:3] == sorted(set(fresh[:3]), reverse=True)
    assert fresh[0] > max(shown_ids(first))
    assert min(r.at for r in first.context["rows"]) >= max(r.at for r in second.context["rows"])


# --- exports --------------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def test_csv_export_follows_the_filters_masks_cpr_and_is_logged(
    client_for, case, admin, therapist, other
):
    entry_at(NOW - timedelta(hours=1), actor=therapist, citizen=other)
    tricky = entry_at(
        NOW - timedelta(hours=2),
        actor=therapist,
        citizen=case.citizen,
        outcome="denied",
        reason='=HYPERLINK("http://evil.example")',
    )
    c = client_for(admin)
    search(c, cpr=case.citizen.cpr)
    before = AccessLog.objects.count()
    response = c.get(reverse("audit:export_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="adgangslog-')
    [log] = new_logs(before)
    assert (log.kind, log.operation, log.citizen_id) == ("search", "audit_export", case.citizen.pk)

    header, *rows = csv_rows(response)
    assert header[0] == tr("Time")
    assert len(header) == 15
    citizens = {row[8] for row in rows}
    assert citizens == {case.citizen.full_name}
    assert {row[9] for row in rows} == {case.citizen.cpr_masked}
    body = "\n".join(";".join(r) for r in rows)
    assert case.citizen.cpr not in body and case.citizen.cpr_formatted not in body
    # The export is what the page showed (its snapshot, newest first); user-typed formulas stay
    # text.
    assert rows[0][6] == "audit_search"
    [bad] = [r for r in rows if r[11].endswith('HYPERLINK("http://evil.example")')]
    assert bad[11].startswith("'=")
    assert bad[0].startswith(tricky.at.astimezone(COPENHAGEN).strftime("%Y-%m-%d %H:%M"))


def test_excel_export_has_every_row(client_for, case, admin, therapist):
    for minutes in range(30):
        entry_at(NOW - timedelta(minutes=minutes + 1), actor=therapist, citizen=case.citizen)
    c = client_for(admin)
    before = AccessLog.objects.count()
    expected = before + 1  # every entry (all are municipality A's) and the export's own
    response = c.get(reverse("audit:export_xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert [log.operation for log in new_logs(before)] == ["audit_export"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == tr("Time")
    assert len(rows) - 1 == expected
    assert rows[1][0] is not None and rows[1][0].year == 2026  # a real date cell
    assert case.citizen.full_name in {r[8] for r in rows[1:]}
    assert case.citizen.cpr not in str(rows)


def test_excel_refuses_more_rows_than_a_sheet_holds(
    client_for, case, admin, therapist, monkeypatch
):
    entry_at(NOW, actor=therapist, citizen=case.citizen)
    monkeypatch.setattr(audit, "XLSX_MAX_ROWS", 1)
    c = client_for(admin)
    c.get(reverse("audit:log"))  # one more entry: now there are at least two
    before = AccessLog.objects.count()
    response = c.get(reverse("audit:export_xlsx"))
    assert response.status_code == 302
    assert AccessLog.objects.count() == before  # nothing was exported, nothing logged
    page = c.get(reverse("audit:log"))
    assert "CSV" in page.content.decode()


# --- emergency access review ----------------------------------------------------------------------


LATER = NOW + timedelta(hours=1)


@pytest.fixture
def grant(case, therapist) -> BreakGlassAccess:
    """An hour after the case's own entries (booking etc.), so only the grant's are under it."""
    with time_machine.travel(LATER, tick=False):
        return break_glass(actor=therapist, citizen=case.citizen, reason=REASON, now=LATER)


def test_pending_grants_are_listed_with_what_was_done_under_them(client_for, admin, grant, case):
    entry_at(LATER + timedelta(minutes=5), actor=grant.actor, citizen=case.citizen)
    before = AccessLog.objects.count()
    response = client_for(admin).get(reverse("audit:break_glass"))
    assert response.status_code == 200
    [shown] = response.context["pending"]
    assert shown == grant
    assert shown.entries == 2  # the grant's own entry and the read after it
    html = response.content.decode()
    assert REASON in html
    assert case.citizen.cpr_masked in html
    assert case.citizen.cpr not in html
    assert f'action="{review_url(grant.pk)}"' in html
    [log] = new_logs(before)
    assert (log.operation, log.kind) == ("break_glass_list", "search")


def test_an_administrator_confirms_a_grant_as_justified(client_for, admin, grant, case):
    before = AccessLog.objects.count()
    response = client_for(admin).post(review_url(grant.pk), {"decision": "justified", "note": ""})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.review, grant.reviewed_by, grant.reviewed_at) == ("justified", admin, NOW)
    [log] = new_logs(before)
    assert (log.operation, log.kind, log.citizen_id, log.outcome) == (
        "break_glass_review",
        "write",
        case.citizen.pk,
        "allowed",
    )
    page = client_for(admin).get(reverse("audit:break_glass"))
    assert page.context["pending"] == []
    assert list(page.context["reviewed"]) == [grant]


def test_not_justified_needs_a_note(client_for, admin, grant):
    c = client_for(admin)
    response = c.post(review_url(grant.pk), {"decision": "not_justified", "note": "  "})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.review == "pending"
    messages = [str(m) for m in c.get(reverse("audit:break_glass")).context["messages"]]
    assert tr("Write a note when the access was not justified: what happens next?") in messages

    c.post(review_url(grant.pk), {"decision": "not_justified", "note": "Samtale med leder."})
    grant.refresh_from_db()
    assert (grant.review, grant.review_note) == ("not_justified", "Samtale med leder.")


def test_nobody_reviews_their_own_emergency_access(client_for, org_a, case):
    """An administrator who is also a clinician broke the glass: another must review it."""
    from forlob.core.choices import Role
    from forlob.core.models import RoleAssignment

    both = make_admin(org_a, "Dorte", "Dobbelt")
    RoleAssignment.objects.create(user=both, role=Role.THERAPIST)
    both.__dict__.pop("role_codes", None)
    own = break_glass(actor=both, citizen=case.citizen, reason=REASON, now=NOW)
    c = client_for(both)
    page = c.get(reverse("audit:break_glass")).content.decode()
    assert f'action="{review_url(own.pk)}"' not in page
    before = AccessLog.objects.count()
    response = c.post(review_url(own.pk), {"decision": "justified"})
    assert response.status_code == 403
    own.refresh_from_db()
    assert (own.review, own.reviewed_by) == ("pending", None)
    [log] = new_logs(before)
    assert (log.operation, log.outcome, log.reason) == (
        "break_glass_review",
        "denied",
        "own emergency access",
    )


def test_a_grant_is_reviewed_once(client_for, admin, org_a, grant):
    second = make_admin(org_a, "Søren", "Sekundær")
    client_for(admin).post(review_url(grant.pk), {"decision": "justified"})
    c = client_for(second)
    response = c.post(review_url(grant.pk), {"decision": "not_justified", "note": "Nej."})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.review, grant.reviewed_by) == ("justified", admin)
    messages = [str(m) for m in c.get(reverse("audit:break_glass")).context["messages"]]
    assert tr("This emergency access has already been reviewed.") in messages


def test_another_municipalitys_grant_is_not_there(client_for, admin_b, grant, case):
    c = client_for(admin_b)
    assert c.get(reverse("audit:break_glass")).context["pending"] == []
    theirs = c.post(review_url(grant.pk), {"decision": "justified"})
    missing = c.post(review_url(10**9), {"decision": "justified"})
    assert theirs.status_code == missing.status_code == 404
    grant.refresh_from_db()
    assert grant.review == "pending"


def test_a_review_without_a_decision_changes_nothing(client_for, admin, grant):
    response = client_for(admin).post(review_url(grant.pk), {"decision": "maybe"})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.review == "pending"
