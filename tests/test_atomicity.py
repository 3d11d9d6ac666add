"""Every multi-step write is all or nothing: a failure at its last step leaves no trace.

For each write that touches more than one row we make its *last* step fail - the audit row
(``audit_record`` where the service imports it), the pathway's history row
(``PathwayTransition.objects.create``) or the demo generator's last ``bulk_create`` - and check
that the database is exactly as before: every table's rows, values included (so statuses,
first-offer fields and the appointments a closing pathway would cancel are all covered), and no
audit row claiming a write that did not happen. Through the views, the user gets an error page,
never a success message over a half-done write.

The tests run inside pytest-django's transaction, so a service's ``transaction.atomic`` is a
savepoint here; rolling back to it is exactly what the service relies on in production.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.apps import apps
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.citizens import services as citizen_services
from forlob.pathways import services as pathway_services
from forlob.pathways.models import PathwayStatus, PathwayTransition
from forlob.referrals import services as referral_services
from forlob.referrals.models import Referral, ReferralType
from forlob.scheduling import services as scheduling_services
from forlob.scheduling.models import Appointment, AppointmentStatus
from tests.factories import (
    CitizenFactory,
    TherapistFactory,
    dropout_reason,
    gop_form,
    make_cpr,
    referral_type,
)
from tests.helpers import NOW, TODAY, at

pytestmark = pytest.mark.usefixtures("frozen")

NEW_CPR = make_cpr(date(1951, 8, 23), 457)


class InjectedFailure(Exception):
    """The failure we make happen; nothing in the app catches it."""


def fail(*args: object, **kwargs: object) -> None:
    raise InjectedFailure("injected failure")


def db_state(*, ignore_reads: bool = False) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (sessions aside), ordered by primary key.

    ``ignore_reads`` leaves out audit rows of reads: a view's access check records the read of
    the record it opens before the write starts, and that read did happen.
    """
    state = {}
    for model in apps.get_models():
        if model is Session:
            continue
        rows = model._default_manager.order_by("pk")
        if ignore_reads and model is AccessLog:
            rows = rows.exclude(kind=AccessLog.Kind.READ)
        fields = [f.attname for f in model._meta.concrete_fields]
        state[model._meta.label] = list(rows.values_list(*fields))
    return state


def failing_at(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """Make the last step of the write fail: the audit row in ``where``, or the history row."""
    if where == "history":
        monkeypatch.setattr(PathwayTransition.objects, "create", fail)
        return
    module = {
        "citizens": citizen_services,
        "referrals": referral_services,
        "pathways": pathway_services,
        "scheduling": scheduling_services,
    }[where]
    monkeypatch.setattr(module, "audit_record", fail)


def assert_nothing_written(write: Callable[[], object], *, ignore_reads: bool = False) -> None:
    before = db_state(ignore_reads=ignore_reads)
    with pytest.raises(InjectedFailure):
        write()
    assert db_state(ignore_reads=ignore_reads) == before


@pytest.fixture
def referred(case):
    """The case citizen's second referral turned into a pathway that has no appointment yet."""
    pathway = pathway_services.pathway_create_from_referral(
        actor=case.appointment.staff,
        referral=case.pending,
        responsible=case.appointment.staff,
        team=None,
        at=NOW,
    )
    assert pathway.status == PathwayStatus.REFERRED
    return pathway


# --- services, called directly ------------------------------------------------------------------


def test_citizen_register(monkeypatch, therapist, org_a):
    failing_at(monkeypatch, "citizens")
    assert_nothing_written(
        lambda: citizen_services.citizen_register(
            actor=therapist,
            cpr=NEW_CPR,
            first_name="Ole",
            last_name="Olsen",
            municipality=org_a.municipality,
        )
    )


def test_citizen_note_add(monkeypatch, therapist, case):
    failing_at(monkeypatch, "citizens")
    assert_nothing_written(
        lambda: citizen_services.citizen_note_add(
            actor=therapist, citizen=case.citizen, text="Ringet op"
        )
    )


def test_referral_register(monkeypatch, therapist, case):
    failing_at(monkeypatch, "referrals")
    assert_nothing_written(
        lambda: referral_services.referral_register(
            actor=therapist,
            citizen=case.citizen,
            referral_type=referral_type(ReferralType.FREE_PHYSIO),
            received_date=TODAY,
            today=TODAY,
        )
    )


@pytest.mark.parametrize("where", ["citizens", "referrals"])
def test_referral_register_by_cpr_registers_no_citizen_without_the_referral(
    monkeypatch, therapist, where
):
    """A new citizen and the referral are one write: the citizen goes if the referral fails."""
    failing_at(monkeypatch, where)
    assert_nothing_written(
        lambda: referral_services.referral_register_by_cpr(
            actor=therapist,
            cpr=NEW_CPR,
            first_name="Ole",
            last_name="Olsen",
            referral_type=referral_type(ReferralType.FREE_PHYSIO),
            received_date=TODAY,
            today=TODAY,
        )
    )


def test_referral_reject(monkeypatch, therapist, case):
    failing_at(monkeypatch, "referrals")
    assert_nothing_written(
        lambda: referral_services.referral_reject(
            actor=therapist, referral=case.pending, reason=Referral.RejectReason.values[0]
        )
    )


@pytest.mark.parametrize("where", ["history", "pathways"])
def test_pathway_create_from_referral(monkeypatch, therapist, org_a, case, where):
    failing_at(monkeypatch, where)
    assert_nothing_written(
        lambda: pathway_services.pathway_create_from_referral(
            actor=therapist, referral=case.pending, responsible=therapist, team=org_a.team, at=NOW
        )
    )


@pytest.mark.parametrize("where", ["history", "pathways"])
def test_pathway_transition_to_cancelled_keeps_the_booked_times(
    monkeypatch, therapist, case, where
):
    """Closing a pathway cancels its future times; a failed close must leave them booked."""
    failing_at(monkeypatch, where)
    assert_nothing_written(
        lambda: pathway_services.pathway_transition(
            actor=therapist, pathway=case.pathway, to_status=PathwayStatus.CANCELLED, at=NOW
        )
    )
    case.appointment.refresh_from_db()
    assert case.appointment.status == AppointmentStatus.BOOKED


def test_pathway_transition_to_dropped_out(monkeypatch, therapist, case):
    failing_at(monkeypatch, "pathways")
    assert_nothing_written(
        lambda: pathway_services.pathway_transition(
            actor=therapist,
            pathway=case.pathway,
            to_status=PathwayStatus.DROPPED_OUT,
            dropout_reason=dropout_reason(),
            at=NOW,
        )
    )


def test_pathway_assign(monkeypatch, therapist, org_a, case):
    colleague = TherapistFactory(municipality=org_a.municipality, team=org_a.team)
    failing_at(monkeypatch, "pathways")
    assert_nothing_written(
        lambda: pathway_services.pathway_assign(
            actor=therapist, pathway=case.pathway, responsible=colleague, team=org_a.team
        )
    )


@pytest.mark.parametrize("where", ["history", "scheduling"])
def test_first_booking_records_no_offer_without_the_appointment(
    monkeypatch, therapist, org_a, referred, where
):
    """The first booking writes the appointment, the first offer and referred → booked."""
    failing_at(monkeypatch, where)
    assert_nothing_written(
        lambda: scheduling_services.appointment_book(
            actor=therapist,
            pathway=referred,
            staff=therapist,
            location=org_a.location,
            start=at(TODAY + timedelta(days=2), 9),
            duration_minutes=60,
            now=NOW,
        )
    )
    referred.refresh_from_db()
    assert referred.first_offered_at is None
    assert referred.status == PathwayStatus.REFERRED


@pytest.mark.parametrize("service", ["appointment_decline", "appointment_cancel"])
@pytest.mark.parametrize("where", ["history", "scheduling"])
def test_releasing_the_only_time(monkeypatch, therapist, case, service, where):
    """Declining or cancelling the only booked time also moves the pathway back to referred."""
    failing_at(monkeypatch, where)
    release = getattr(scheduling_services, service)
    assert_nothing_written(lambda: release(actor=therapist, appointment=case.appointment, now=NOW))


@pytest.mark.parametrize("where", ["history", "scheduling"])
def test_register_attendance(monkeypatch, therapist, case, where):
    """Attending the first time writes the attendance and booked → active."""
    failing_at(monkeypatch, where)
    later = case.appointment.start + timedelta(minutes=5)
    assert_nothing_written(
        lambda: scheduling_services.appointment_register_attendance(
            actor=therapist, appointment=case.appointment, attended=True, now=later
        )
    )


def test_seed_demo_leaves_nothing_when_its_last_write_fails(monkeypatch, db):
    """The generator writes a whole municipality in one transaction; appointments come last."""
    monkeypatch.setattr(Appointment.objects, "bulk_create", fail)
    assert_nothing_written(
        lambda: call_command("seed_demo", "--scale", "0.03", "--today", "2026-03-16")
    )


def test_seed_demo_after_a_failure_can_run_again(monkeypatch, db):
    """Nothing half-made blocks the retry ("Randers Kommune is already in the database")."""
    with monkeypatch.context() as m:
        m.setattr(Appointment.objects, "bulk_create", fail)
        with pytest.raises(InjectedFailure):
            call_command("seed_demo", "--scale", "0.03", "--today", "2026-03-16")
    call_command("seed_demo", "--scale", "0.03", "--today", "2026-03-16", stdout=StringIO())
    assert Appointment.objects.exists()
    with pytest.raises(CommandError):
        call_command("seed_demo", "--scale", "0.03", "--today", "2026-03-16", stdout=StringIO())


# --- through the views: an error page, never a success over a half-done write --------------------


@pytest.fixture
def erroring_client(client_for, therapist):
    """The therapist's client, answering an unhandled error with the 500 page as a browser would."""
    client = client_for(therapist)
    client.raise_request_exception = False
    return client


def assert_error_and_nothing_written(post: Callable[[], object]) -> None:
    before = db_state(ignore_reads=True)
    response = post()
    assert response.status_code == 500
    assert not [m for m in get_messages(response.wsgi_request) if m.level_tag == "success"]
    assert db_state(ignore_reads=True) == before


def referral_form(**overrides: object) -> dict[str, object]:
    return gop_form(
        cpr=NEW_CPR, first_name="Ole", last_name="Olsen", phone="", diagnosis_text="", **overrides
    )


def test_view_register_referral_for_a_new_citizen(monkeypatch, erroring_client):
    failing_at(monkeypatch, "referrals")
    assert_error_and_nothing_written(
        lambda: erroring_client.post(reverse("referrals:create"), referral_form())
    )


def test_view_register_referral_refused_after_the_citizen_was_registered(therapist, client_for):
    """The referral's own check fails after the new citizen is written: neither is kept."""
    client = client_for(therapist)
    before = db_state(ignore_reads=True)
    response = client.post(reverse("referrals:create"), referral_form(discharge_date=""))
    assert response.status_code == 200
    assert response.context["form"].errors["discharge_date"]
    assert db_state(ignore_reads=True) == before


def test_view_create_pathway(monkeypatch, erroring_client, therapist, org_a, case):
    failing_at(monkeypatch, "history")
    assert_error_and_nothing_written(
        lambda: erroring_client.post(
            reverse("referrals:create_pathway", args=[case.pending.pk]),
            {"responsible": therapist.pk, "team": org_a.team.pk},
        )
    )


def test_view_transition(monkeypatch, erroring_client, case):
    failing_at(monkeypatch, "pathways")
    assert_error_and_nothing_written(
        lambda: erroring_client.post(
            reverse("pathways:transition", args=[case.pathway.pk]),
            {"to_status": PathwayStatus.CANCELLED, "dropout_reason": "", "note": ""},
        )
    )


def test_view_assign(monkeypatch, erroring_client, org_a, case):
    colleague = TherapistFactory(municipality=org_a.municipality, team=org_a.team)
    failing_at(monkeypatch, "pathways")
    assert_error_and_nothing_written(
        lambda: erroring_client.post(
            reverse("pathways:assign", args=[case.pathway.pk]),
            {"responsible": colleague.pk, "team": org_a.team.pk},
        )
    )


def test_view_book(monkeypatch, erroring_client, therapist, org_a, referred):
    failing_at(monkeypatch, "scheduling")
    day = TODAY + timedelta(days=2)
    assert_error_and_nothing_written(
        lambda: erroring_client.post(
            reverse("pathways:book", args=[referred.pk]),
            {
                "staff": therapist.pk,
                "location": org_a.location.pk,
                "date": day.isoformat(),
                "time": "09:00",
                "duration_minutes": 60,
            },
        )
    )


@pytest.mark.parametrize("action", ["decline", "cancel", "attended", "no_show"])
def test_view_appointment_action(monkeypatch, client_for, therapist, case, action):
    failing_at(monkeypatch, "scheduling")
    # Once the time has begun, so that attendance may be registered (and the login is fresh).
    with time_machine.travel(case.appointment.start + timedelta(minutes=5), tick=False):
        client = client_for(therapist)
        client.raise_request_exception = False
        assert_error_and_nothing_written(
            lambda: client.post(
                reverse(
                    "scheduling:appointment_action",
                    kwargs={"pk": case.appointment.pk, "action": action},
                )
            )
        )


def test_the_injected_failure_would_be_seen(monkeypatch, therapist, org_a):
    """The check itself can fail: a write outside the service's transaction is caught."""
    before = db_state()

    def half_done() -> None:
        CitizenFactory(municipality=org_a.municipality)
        raise InjectedFailure

    with pytest.raises(InjectedFailure):
        half_done()
    assert db_state() != before
