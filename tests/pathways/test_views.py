"""The pathway page: free times, booking through the form, status changes, assigning."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.core.models import Provider
from forlob.pathways.models import Pathway, PathwayStatus, PathwayTransition
from forlob.pathways.services import MESSAGE_REASON_REQUIRED
from forlob.scheduling.models import Appointment
from forlob.scheduling.services import (
    MESSAGE_IN_PAST,
    MESSAGE_LOCATION_CLOSED,
    MESSAGE_OUTSIDE_HOURS,
    MESSAGE_OVERLAP,
)
from tests.factories import (
    LocationFactory,
    PathwayFactory,
    TherapistFactory,
    dropout_reason,
    working_week,
)
from tests.helpers import NOW, TODAY, at, counts, flash, form_errors, tr

pytestmark = pytest.mark.usefixtures("frozen")

TUE = TODAY + timedelta(days=1)
WED = TODAY + timedelta(days=2)


@pytest.fixture
def pathway(therapist, org_a) -> Pathway:
    """A new GOP pathway (status referred), discharge today, deadline in a week."""
    return PathwayFactory(
        referral__citizen__municipality=org_a.municipality, responsible=therapist, team=org_a.team
    )


def booking(therapist, org_a, day=TUE, hhmm="10:00", minutes=60) -> dict[str, object]:
    return {
        "staff": therapist.pk,
        "location": org_a.location.pk,
        "date": day.isoformat(),
        "time": hhmm,
        "duration_minutes": minutes,
    }


# --- the page -------------------------------------------------------------------------------------


def test_detail_suggests_free_times_of_the_responsible_therapist(client_for, therapist, pathway):
    response = client_for(therapist).get(reverse("pathways:detail", args=[pathway.pk]))
    assert response.status_code == 200
    suggestions = response.context["suggestions"]
    assert len(suggestions) == 8
    first = suggestions[0]["slot"]
    assert first.start == at(TODAY, 8)  # now is 07:00: the first free time today
    assert first.staff == therapist
    assert all(s["within"] for s in suggestions)
    assert [s.value for s in response.context["manual_transitions"]] == [
        PathwayStatus.DROPPED_OUT,
        PathwayStatus.CANCELLED,
    ]
    html = response.content.decode()
    assert pathway.citizen.cpr_masked in html
    assert pathway.citizen.cpr_formatted not in html


def test_suggestions_skip_booked_times(client_for, therapist, case):
    response = client_for(therapist).get(reverse("pathways:detail", args=[case.pathway.pk]))
    starts = [s["slot"].start for s in response.context["suggestions"]]
    assert starts == [at(TODAY, 8) + timedelta(minutes=15 * i) for i in range(8)]
    appointments = list(response.context["appointments"])
    assert appointments == [case.appointment]


def test_suggestions_start_far_enough_ahead_to_still_be_free_when_picked(
    client_for, therapist, pathway
):
    # At 10:14:50 the 10:15 slot would be in the past by the time the user clicks it.
    with time_machine.travel(at(TODAY, 10, 14) + timedelta(seconds=50), tick=False):
        response = client_for(therapist).get(reverse("pathways:detail", args=[pathway.pk]))
        first = response.context["suggestions"][0]["slot"]
    assert first.start == at(TODAY, 10, 45)  # the grid time after 30 minutes' notice


def test_detail_without_responsible_has_no_suggestions(client_for, therapist, org_a):
    pathway = PathwayFactory(referral__citizen__municipality=org_a.municipality)
    response = client_for(therapist).get(reverse("pathways:detail", args=[pathway.pk]))
    assert response.status_code == 200
    assert response.context["suggestions"] == []


def test_closed_pathway_shows_no_booking_and_no_transitions(client_for, therapist, org_a):
    pathway = PathwayFactory(
        referral__citizen__municipality=org_a.municipality,
        responsible=therapist,
        status=PathwayStatus.COMPLETED,
    )
    response = client_for(therapist).get(reverse("pathways:detail", args=[pathway.pk]))
    assert response.context["suggestions"] == []
    assert response.context["manual_transitions"] == []
    assert 'id="booking-form"' not in response.content.decode()


# --- booking through the form ---------------------------------------------------------------------


def test_book_via_form(client_for, therapist, org_a, pathway):
    response = client_for(therapist).post(
        reverse("pathways:book", args=[pathway.pk]), booking(therapist, org_a)
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("pathways:detail", args=[pathway.pk])
    appt = Appointment.objects.get(pathway=pathway)
    assert (appt.start, appt.end) == (at(TUE, 10), at(TUE, 11))
    assert appt.is_first
    pathway.refresh_from_db()
    assert pathway.status == PathwayStatus.BOOKED
    assert pathway.first_offered_at == NOW
    assert pathway.first_offer_within_deadline is True


def test_book_a_suggested_time(client_for, therapist, org_a, pathway):
    c = client_for(therapist)
    slot = c.get(reverse("pathways:detail", args=[pathway.pk])).context["suggestions"][3]["slot"]
    data = booking(therapist, org_a, day=slot.start.date(), hhmm=f"{slot.start:%H:%M}")
    assert c.post(reverse("pathways:book", args=[pathway.pk]), data).status_code == 302
    assert Appointment.objects.get(pathway=pathway).start == slot.start


BOOKING_ERRORS = {
    # name: (changes to a valid booking, expected non-field messages)
    "before working hours": ({"time": "07:30"}, [MESSAGE_OUTSIDE_HOURS]),
    "after working hours": ({"time": "15:30"}, [MESSAGE_OUTSIDE_HOURS, MESSAGE_LOCATION_CLOSED]),
    "in the past": ({"date": TODAY.isoformat(), "time": "06:00"}, [MESSAGE_IN_PAST]),
}


@pytest.mark.parametrize("case_name", list(BOOKING_ERRORS), ids=list(BOOKING_ERRORS))
def test_booking_error_reshows_typed_values_with_422(
    client_for, therapist, org_a, pathway, case_name
):
    changes, messages = BOOKING_ERRORS[case_name]
    data = {**booking(therapist, org_a), **changes}
    before = counts(Appointment, PathwayTransition, AccessLog)

    response = client_for(therapist).post(reverse("pathways:book", args=[pathway.pk]), data)

    assert response.status_code == 422
    form = response.context["booking_form"]
    assert form.data["time"] == data["time"]
    assert form.data["date"] == data["date"]
    assert form_errors(response, "booking_form") == {"__all__": [tr(m) for m in messages]}
    html = response.content.decode()
    assert f'value="{data["time"]}"' in html
    assert f'value="{data["date"]}"' in html
    for m in messages:
        assert tr(m) in html
    # Nothing saved (the one allowed read of the page is audited, nothing else).
    after = counts(Appointment, PathwayTransition, AccessLog)
    assert after["Appointment"] == before["Appointment"]
    assert after["PathwayTransition"] == before["PathwayTransition"]
    assert after["AccessLog"] == before["AccessLog"] + 1
    pathway.refresh_from_db()
    assert pathway.status == PathwayStatus.REFERRED
    assert pathway.first_offered_at is None


def test_booking_overlap_via_form_is_422(client_for, therapist, org_a, case):
    other = PathwayFactory(referral__citizen__municipality=org_a.municipality)
    response = client_for(therapist).post(
        reverse("pathways:book", args=[other.pk]), booking(therapist, org_a, hhmm="10:30")
    )
    assert response.status_code == 422
    assert form_errors(response, "booking_form") == {"__all__": [tr(MESSAGE_OVERLAP)]}
    assert Appointment.objects.count() == 1


def test_booking_a_therapist_of_another_municipality_is_a_form_error(
    client_for, therapist, outsider, org_a, pathway
):
    data = {**booking(therapist, org_a), "staff": outsider.pk}
    response = client_for(therapist).post(reverse("pathways:book", args=[pathway.pk]), data)
    assert response.status_code == 422
    assert set(form_errors(response, "booking_form")) == {"staff"}
    assert not Appointment.objects.exists()


def test_booking_an_inactive_location_is_a_form_error(client_for, therapist, org_a, pathway):
    org_a.location.is_active = False
    org_a.location.save()
    response = client_for(therapist).post(
        reverse("pathways:book", args=[pathway.pk]), booking(therapist, org_a)
    )
    assert response.status_code == 422
    assert set(form_errors(response, "booking_form")) == {"location"}


def test_booking_with_missing_fields_is_422(client_for, therapist, pathway):
    response = client_for(therapist).post(reverse("pathways:book", args=[pathway.pk]), {})
    assert response.status_code == 422
    assert set(form_errors(response, "booking_form")) == {
        "staff",
        "location",
        "date",
        "time",
        "duration_minutes",
    }


def test_booking_a_colleague_of_the_same_municipality(client_for, therapist, org_a, pathway):
    colleague = TherapistFactory(municipality=org_a.municipality)
    working_week(colleague, org_a.location)
    data = {**booking(therapist, org_a), "staff": colleague.pk}
    assert (
        client_for(therapist).post(reverse("pathways:book", args=[pathway.pk]), data).status_code
        == 302
    )
    assert Appointment.objects.get().staff == colleague


# --- status changes -------------------------------------------------------------------------------


def transition(client, pathway, **data):
    return client.post(reverse("pathways:transition", args=[pathway.pk]), data)


def test_cancel_pathway(client_for, therapist, pathway):
    response = transition(client_for(therapist), pathway, to_status="cancelled", note="Flyttet")
    assert response.status_code == 302
    pathway.refresh_from_db()
    assert pathway.status == PathwayStatus.CANCELLED
    last = pathway.transitions.order_by("id").last()
    assert (last.to_status, last.by, last.note, last.at) == ("cancelled", therapist, "Flyttet", NOW)


def test_drop_out_needs_a_reason(client_for, therapist, pathway):
    c = client_for(therapist)
    response = transition(c, pathway, to_status="dropped_out")
    assert response.status_code == 302
    assert flash(response) == [tr(MESSAGE_REASON_REQUIRED)]
    pathway.refresh_from_db()
    assert pathway.status == PathwayStatus.REFERRED

    reason = dropout_reason("opt_out_general")
    transition(c, pathway, to_status="dropped_out", dropout_reason=reason.pk)
    pathway.refresh_from_db()
    assert (pathway.status, pathway.dropout_reason) == (PathwayStatus.DROPPED_OUT, reason)


def test_active_to_completed(client_for, therapist, case):
    c = client_for(therapist)
    transition(c, case.pathway, to_status="active")
    transition(c, case.pathway, to_status="completed")
    case.pathway.refresh_from_db()
    assert case.pathway.status == PathwayStatus.COMPLETED
    assert case.pathway.ended_at == NOW


@pytest.mark.parametrize("to_status", ["completed", "active", "bogus", ""])
def test_disallowed_or_unknown_status_changes_nothing(client_for, therapist, pathway, to_status):
    before = counts(PathwayTransition)
    response = transition(client_for(therapist), pathway, to_status=to_status)
    assert response.status_code == 302
    assert len(flash(response)) == 1
    pathway.refresh_from_db()
    assert pathway.status == PathwayStatus.REFERRED
    assert counts(PathwayTransition) == before


@pytest.mark.parametrize(
    ("start", "to_status"),
    [(PathwayStatus.REFERRED, "booked"), (PathwayStatus.BOOKED, "referred")],
)
def test_booked_and_referred_follow_from_appointments_not_from_a_post(
    client_for, therapist, org_a, start, to_status
):
    pathway = PathwayFactory(
        referral__citizen__municipality=org_a.municipality, responsible=therapist, status=start
    )
    transition(client_for(therapist), pathway, to_status=to_status)
    pathway.refresh_from_db()
    assert pathway.status == start


def test_assign(client_for, therapist, org_a, pathway):
    colleague = TherapistFactory(municipality=org_a.municipality)
    response = client_for(therapist).post(
        reverse("pathways:assign", args=[pathway.pk]), {"responsible": colleague.pk, "team": ""}
    )
    assert response.status_code == 302
    pathway.refresh_from_db()
    assert (pathway.responsible, pathway.team) == (colleague, None)


def test_assign_refuses_staff_of_another_municipality(client_for, therapist, outsider, pathway):
    response = client_for(therapist).post(
        reverse("pathways:assign", args=[pathway.pk]), {"responsible": outsider.pk}
    )
    assert response.status_code == 302
    pathway.refresh_from_db()
    assert pathway.responsible == therapist


def test_every_suggested_time_can_be_booked_through_the_form(client_for, therapist, org_a, pathway):
    org_a.location.is_active = False
    org_a.location.save()
    LocationFactory(municipality=org_a.municipality, name="Aktivitetscentret")
    c = client_for(therapist)
    suggestions = c.get(reverse("pathways:detail", args=[pathway.pk])).context["suggestions"]
    assert suggestions, "an active location remains, so there are times to suggest"
    assert all(s["slot"].location.is_active for s in suggestions)
    for suggestion in suggestions[:1]:
        slot = suggestion["slot"]
        data = {
            "staff": slot.staff.pk,
            "location": slot.location.pk,
            "date": f"{slot.start:%Y-%m-%d}",
            "time": f"{slot.start:%H:%M}",
            "duration_minutes": pathway.pathway_type.first_appointment_minutes,
        }
        assert c.post(reverse("pathways:book", args=[pathway.pk]), data).status_code == 302


@pytest.mark.parametrize("to_status", ["cancelled", "dropped_out"])
def test_closing_a_pathway_frees_its_future_times(client_for, therapist, org_a, case, to_status):
    c = client_for(therapist)
    transition(c, case.pathway, to_status=to_status, dropout_reason=dropout_reason().pk)
    case.pathway.refresh_from_db()
    assert case.pathway.status == to_status
    other = PathwayFactory(referral__citizen__municipality=org_a.municipality)
    response = c.post(reverse("pathways:book", args=[other.pk]), booking(therapist, org_a))
    assert response.status_code == 302  # Tuesday 10:00, the closed pathway's old time


def test_assign_records_the_provider_the_citizen_chose(client_for, therapist, org_a, pathway):
    chosen = Provider.objects.create(
        municipality=org_a.municipality, name="Fysio Privat", kind=Provider.Kind.PRIVATE
    )
    c = client_for(therapist)
    response = c.post(
        reverse("pathways:assign", args=[pathway.pk]),
        {"responsible": therapist.pk, "team": org_a.team.pk, "provider": chosen.pk},
    )
    assert response.status_code == 302
    pathway.refresh_from_db()
    assert pathway.provider == chosen
    assert "Fysio Privat" in c.get(reverse("pathways:detail", args=[pathway.pk])).content.decode()
