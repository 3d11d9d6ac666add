"""Appointment actions and the therapist's day list, through the views."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.pathways.models import PathwayStatus
from forlob.scheduling.models import AppointmentStatus
from forlob.scheduling.services import MESSAGE_NOT_BOOKED, MESSAGE_NOT_STARTED
from tests.factories import AppointmentFactory, TherapistFactory
from tests.helpers import TODAY, at, flash, tr

pytestmark = pytest.mark.usefixtures("frozen")

TUE = TODAY + timedelta(days=1)


def act(client, appointment, action):
    return client.post(
        reverse("scheduling:appointment_action", kwargs={"pk": appointment.pk, "action": action})
    )


@pytest.mark.parametrize(
    ("action", "appointment_status", "pathway_status"),
    [
        ("decline", AppointmentStatus.DECLINED, PathwayStatus.REFERRED),
        ("cancel", AppointmentStatus.CANCELLED, PathwayStatus.REFERRED),
    ],
)
def test_decline_and_cancel(
    client_for, therapist, case, action, appointment_status, pathway_status
):
    response = act(client_for(therapist), case.appointment, action)
    assert response.status_code == 302
    assert response["Location"] == reverse("pathways:detail", args=[case.pathway.pk])
    case.appointment.refresh_from_db()
    case.pathway.refresh_from_db()
    assert case.appointment.status == appointment_status
    assert case.pathway.status == pathway_status
    assert case.pathway.first_offered_start == case.appointment.start  # the offer still counts


def test_attendance_before_the_time_is_refused(client_for, therapist, case):
    response = act(client_for(therapist), case.appointment, "attended")
    assert response.status_code == 302
    assert flash(response) == [tr(MESSAGE_NOT_STARTED)]
    case.appointment.refresh_from_db()
    assert case.appointment.status == AppointmentStatus.BOOKED


@pytest.mark.parametrize(
    ("action", "appointment_status", "pathway_status"),
    [
        ("attended", AppointmentStatus.ATTENDED, PathwayStatus.ACTIVE),
        ("no_show", AppointmentStatus.NO_SHOW, PathwayStatus.BOOKED),
    ],
)
def test_attendance_after_the_time_has_begun(
    client_for, therapist, case, action, appointment_status, pathway_status
):
    with time_machine.travel(at(TUE, 10, 30), tick=False):
        # Logged in the next day: an 8-hour session from yesterday has expired.
        response = act(client_for(therapist), case.appointment, action)
    assert response.status_code == 302
    assert response["Location"] == reverse("pathways:detail", args=[case.pathway.pk])
    case.appointment.refresh_from_db()
    case.pathway.refresh_from_db()
    assert case.appointment.status == appointment_status
    assert case.pathway.status == pathway_status


def test_acting_twice_is_refused(client_for, therapist, case):
    c = client_for(therapist)
    act(c, case.appointment, "cancel")
    response = act(c, case.appointment, "decline")
    assert flash(response)[-1] == tr(MESSAGE_NOT_BOOKED)
    case.appointment.refresh_from_db()
    assert case.appointment.status == AppointmentStatus.CANCELLED


def test_unknown_action_is_not_found(client_for, therapist, case):
    c = client_for(therapist)
    url = f"/calendar/appointments/{case.appointment.pk}/delete/"
    assert c.post(url).status_code == 404
    case.appointment.refresh_from_db()
    assert case.appointment.status == AppointmentStatus.BOOKED


def test_day_lists_the_appointments_and_audits_each_citizen_shown(client_for, therapist, case):
    before = AccessLog.objects.count()
    response = client_for(therapist).get(reverse("scheduling:day"), {"date": TUE.isoformat()})
    assert response.status_code == 200
    assert response.context["staff"] == therapist
    assert response.context["day"] == TUE
    assert response.context["appointments"] == [case.appointment]
    assert case.citizen.full_name in response.content.decode()
    logs = AccessLog.objects.order_by("id")[before:]
    assert [(log.citizen_id, log.operation, log.outcome) for log in logs] == [
        (case.citizen.pk, "calendar_day", "allowed")
    ]


def test_day_defaults_to_today_and_ignores_a_bad_date(client_for, therapist, case):
    c = client_for(therapist)
    assert c.get(reverse("scheduling:day")).context["day"] == TODAY
    assert c.get(reverse("scheduling:day"), {"date": "31-02-2026"}).context["day"] == TODAY
    assert c.get(reverse("scheduling:day"), {"date": "x" * 5000}).context["day"] == TODAY


def test_day_of_a_colleague(client_for, therapist, org_a, case):
    colleague = TherapistFactory(municipality=org_a.municipality)
    AppointmentFactory(
        staff=colleague,
        pathway=case.pathway,
        location=org_a.location,
        start=at(TUE, 12),
        end=at(TUE, 13),
    )
    response = client_for(therapist).get(
        reverse("scheduling:day"), {"date": TUE.isoformat(), "staff": colleague.pk}
    )
    assert response.context["staff"] == colleague
    assert [a.start for a in response.context["appointments"]] == [at(TUE, 12)]


@pytest.mark.parametrize("staff", ["other municipality", "not a number", "9" * 30, "-1"])
def test_day_of_someone_outside_the_municipality_shows_your_own(
    client_for, therapist, outsider, case, staff
):
    value = str(therapist.pk) if staff == "other municipality" else staff
    if staff == "other municipality":
        # The outsider asks for A's therapist: B's own calendar is shown instead.
        response = client_for(outsider).get(
            reverse("scheduling:day"), {"date": TUE.isoformat(), "staff": value}
        )
        assert response.context["staff"] == outsider
        assert response.context["appointments"] == []
        assert case.citizen.full_name not in response.content.decode()
    else:
        response = client_for(therapist).get(
            reverse("scheduling:day"), {"date": TUE.isoformat(), "staff": value}
        )
        assert response.status_code == 200
        assert response.context["staff"] == therapist
