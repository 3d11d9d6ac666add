"""The citizen's access-log report (indsigt i adgangslog): who looked, when, and what they did."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils.html import escape

from forlob.access.models import AccessLog
from forlob.access.selectors import operation_label
from forlob.access.services import break_glass
from forlob.core.choices import Role
from tests.access.audit_support import entry_at, make_admin
from tests.factories import CitizenFactory, TherapistFactory
from tests.helpers import NOW, tr, urls_in

pytestmark = pytest.mark.usefixtures("frozen")

REASON = "Borgeren ringede akut; hendes terapeut er syg."


@pytest.fixture
def admin(org_a):
    return make_admin(org_a)


def report(client, citizen, **period):
    return client.post(reverse("audit:insight"), {"cpr": citizen.cpr_formatted, **period})


def test_the_form_asks_for_the_cpr_number_by_post(client_for, admin):
    response = client_for(admin).get(reverse("audit:insight"))
    assert response.status_code == 200
    assert 'method="post"' in response.content.decode()
    assert "cpr" in response.context["form"].fields


def test_the_report_lists_every_access_in_plain_words(
    client_for, case, admin, therapist, outsider, org_a
):
    other = CitizenFactory(municipality=org_a.municipality)
    entry_at(NOW - timedelta(days=2), actor=therapist, citizen=other)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        client_for(therapist).get(reverse("citizens:detail", args=[case.citizen.pk]))
        client_for(outsider).get(reverse("citizens:detail", args=[case.citizen.pk]))
    colleague = TherapistFactory(
        municipality=org_a.municipality, first_name="Niels", last_name="Nødadgang"
    )
    later = NOW + timedelta(hours=2)
    with time_machine.travel(later, tick=False):
        break_glass(actor=colleague, citizen=case.citizen, reason=REASON, now=later)
    entry_at(later + timedelta(minutes=1), actor=colleague, citizen=case.citizen)
    expected = AccessLog.objects.filter(citizen=case.citizen).count() + 1  # + making the report

    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        response = report(client_for(admin), case.citizen)

    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == expected
    assert [r.at for r in rows] == sorted(r.at for r in rows)  # oldest first, as a story
    html = response.content.decode()
    assert case.citizen.full_name in html
    assert case.citizen.cpr_formatted in html  # the printout goes to the citizen
    assert other.full_name not in html

    detail = [r for r in rows if r.operation == "citizen_detail"]
    allowed = next(r for r in detail if r.username == therapist.username)
    assert allowed.who == "Tove Terapeut"
    assert allowed.roles == tr(Role.THERAPIST.label)
    assert allowed.organisation == "Team Ortopædi, Genoptræning og rehabilitering"
    assert allowed.description == tr("Opened the citizen's record")
    refused = next(r for r in detail if r.username == outsider.username)
    assert refused.denied
    assert escape(tr("Refused")) in html
    # The emergency access and what was done under it both carry the reason.
    emergency = [r for r in rows if r.emergency_reason == REASON]
    assert {r.operation for r in emergency} == {"break_glass", "citizen_detail"}
    assert all(r.who == "Niels Nødadgang" for r in emergency)
    assert escape(REASON) in html
    # Making the report is the last entry, and it names the citizen.
    assert rows[-1].operation == "audit_insight_report"
    log = AccessLog.objects.order_by("id").last()
    assert (log.operation, log.kind, log.citizen_id, log.actor) == (
        "audit_insight_report",
        "read",
        case.citizen.pk,
        admin,
    )


def test_the_period_limits_the_report(client_for, case, admin, therapist):
    inside = entry_at(NOW - timedelta(days=10), actor=therapist, citizen=case.citizen)
    before = entry_at(NOW - timedelta(days=40), actor=therapist, citizen=case.citizen)
    day = (NOW - timedelta(days=10)).date()
    response = report(
        client_for(admin),
        case.citizen,
        date_from=(day - timedelta(days=1)).isoformat(),
        date_to=day.isoformat(),
    )
    ids = [r.id for r in response.context["rows"]]
    assert ids == [inside.pk]
    assert before.pk not in ids
    assert response.context["date_from"] == day - timedelta(days=1)


def test_without_a_period_the_report_covers_what_the_log_keeps(client_for, case, admin):
    response = report(client_for(admin), case.citizen)
    assert response.context["date_from"] == (NOW - timedelta(days=5 * 365)).date()
    assert response.context["date_to"] == NOW.date()
    assert response.context["retention_years"] == 5


def test_the_report_is_never_in_a_url_nor_cached(client_for, case, admin):
    response = report(client_for(admin), case.citizen)
    assert response.status_code == 200  # the answer to the POST itself, not a redirect
    for link in urls_in(response.content.decode()):
        assert case.citizen.cpr not in link and case.citizen.cpr[:6] not in link
    assert "no-store" in response["Cache-Control"]


def test_an_unknown_cpr_number_is_refused_and_logged_without_it(client_for, case, admin, org_b):
    elsewhere = CitizenFactory(municipality=org_b.municipality)
    c = client_for(admin)
    for cpr in ("010190-1234", elsewhere.cpr):
        before = AccessLog.objects.count()
        response = c.post(reverse("audit:insight"), {"cpr": cpr})
        assert response.status_code == 422
        assert response.context["form"].errors["cpr"] == [
            tr("No citizen of your municipality has this CPR number.")
        ]
        assert elsewhere.full_name not in response.content.decode()
        [log] = AccessLog.objects.order_by("id")[before:]
        assert (log.outcome, log.citizen_id, log.operation) == (
            "denied",
            None,
            "audit_insight_report",
        )
        assert cpr.replace("-", "") not in str(AccessLog.objects.filter(pk=log.pk).values()[0])


def test_the_report_prints_without_the_navigation(client_for, case, admin):
    html = report(client_for(admin), case.citizen).content.decode()
    assert "forlob/audit.css" in html
    assert 'class="report-actions no-print"' in html
    css = Path(finders.find("forlob/audit.css")).read_text(encoding="utf-8")
    print_rules = css[css.index("@media print") :]
    for hidden in (".topbar", "nav.tabs", ".no-print"):
        assert hidden in print_rules.split("display: none")[0]
    assert "@page" in print_rules


# --- operation codes in words ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("citizen_detail", "Opened the citizen's record"),
        ("pathway_detail", "Opened a rehabilitation pathway"),
        ("referral_detail", "Opened a referral"),
        ("appointment_book", "Booked an appointment"),
        ("citizen_search", "Searched for citizens"),
        ("referral_inbox", "Saw the citizen in the intake inbox"),
        ("calendar_day", "Saw the citizen in a day calendar"),
    ],
)
def test_operation_codes_read_as_plain_words(code, words):
    assert operation_label(code) == tr(words)


def test_a_status_change_names_the_status_and_unknown_codes_show_as_they_are():
    assert operation_label("pathway_transition:completed") == (
        f"{tr('Changed the status of a pathway')} ({tr('Completed')})"
    )
    assert operation_label("pathway_transition:odd") == (
        f"{tr('Changed the status of a pathway')} (odd)"
    )
    assert operation_label("something_new") == "something_new"


def test_operations_through_the_api_say_so():
    opened = tr("Opened the citizen's record")
    assert operation_label("api_citizen_detail") == f"{opened} {tr('(through an integration)')}"
    assert operation_label("api_pathway_transition:active").startswith(
        tr("Changed the status of a pathway")
    )
    assert operation_label("api_something_new") == "api_something_new"
