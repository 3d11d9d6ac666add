"""Booking over the JSON API: free times, booking, and what happens to an appointment.

The rules are the booking services' (``scheduling/services.py``): the first time booked is the
first offer, even if the citizen declines it; overlaps, absences and opening hours are checked
under the therapist's lock. This module only translates JSON to those calls.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Field, Query, Router, Schema, Status

from forlob.access.policy import Action
from forlob.access.services import get_for_actor
from forlob.core.api import (
    ERRORS,
    MESSAGE_CHOICE,
    ApiValidationError,
    Id,
    actor_of,
    local_time,
)
from forlob.core.models import Location
from forlob.pathways.models import Pathway
from forlob.scheduling.models import Appointment
from forlob.scheduling.selectors import free_slots, suggestion_not_before, therapists_for
from forlob.scheduling.services import appointment_book
from forlob.scheduling.views import APPOINTMENT_ACTIONS

router = Router(tags=["scheduling"])

MAX_SLOT_DAYS = 62
MAX_DAYS_AHEAD = 730
MESSAGE_RANGE = gettext_noop("The last day must lie within %(days)d days after the first day.")
MESSAGE_TOO_FAR = gettext_noop("Choose a time within %(days)d days from today.")
MESSAGE_NO_THERAPIST = gettext_noop("Choose a therapist: the pathway has no responsible one.")


class AppointmentOut(Schema):
    id: int
    pathway_id: int
    citizen_id: int
    staff_id: int
    staff_name: str
    location_id: int
    location_name: str
    start: datetime
    end: datetime
    status: str
    is_first: bool


class FreeSlotOut(Schema):
    staff_id: int
    staff_name: str
    location_id: int
    location_name: str
    start: datetime
    end: datetime
    within_deadline: bool | None = Field(
        description="Whether the time lies on or before the pathway's offer deadline."
    )


class FreeSlotQuery(Schema):
    staff_id: Id | None = Field(None, description="Default: the pathway's responsible therapist.")
    first_day: date | None = Field(None, description="Default: today.")
    last_day: date | None = Field(None, description="Default: a week after the offer deadline.")
    duration_minutes: int | None = Field(None, ge=5, le=480)
    limit: int = Field(20, ge=1, le=100)


class BookingIn(Schema):
    staff_id: Id
    location_id: Id
    start: datetime = Field(description="Local time (Europe/Copenhagen) unless an offset is given.")
    duration_minutes: int = Field(ge=5, le=480)


def appointment_out(appt: Appointment) -> AppointmentOut:
    return AppointmentOut(
        id=appt.pk,
        pathway_id=appt.pathway_id,
        citizen_id=appt.citizen_id,
        staff_id=appt.staff_id,
        staff_name=str(appt.staff),
        location_id=appt.location_id,
        location_name=appt.location.name,
        start=local_time(appt.start),
        end=local_time(appt.end),
        status=appt.status,
        is_first=appt.is_first,
    )


def _pathway(request: HttpRequest, pk: int, operation: str, action: Action) -> Pathway:
    return get_for_actor(
        actor=actor_of(request),
        queryset=Pathway.objects.select_related("pathway_type", "responsible"),
        pk=pk,
        operation=operation,
        action=action,
    )


def _day_in_range(value: date, today: date, field: str) -> None:
    if abs((value - today).days) > MAX_DAYS_AHEAD:
        raise ApiValidationError({field: [_(MESSAGE_TOO_FAR) % {"days": MAX_DAYS_AHEAD}]})


@router.get(
    "/pathways/{id}/free-slots",
    response={200: list[FreeSlotOut], **ERRORS},
    url_name="pathway_free_slots",
    summary="Free times for the pathway's first or next appointment",
)
def pathway_free_slots(request: HttpRequest, id: Id, q: Query[FreeSlotQuery]) -> list[FreeSlotOut]:
    pathway = _pathway(request, id, "api_pathway_free_slots", Action.VIEW_RECORD)
    today = timezone.localdate()
    first_day = q.first_day or today
    last_day = q.last_day or max(pathway.offer_deadline or today, first_day) + timedelta(days=7)
    _day_in_range(first_day, today, "first_day")
    _day_in_range(last_day, today, "last_day")
    if not 0 <= (last_day - first_day).days <= MAX_SLOT_DAYS:
        raise ApiValidationError({"last_day": [_(MESSAGE_RANGE) % {"days": MAX_SLOT_DAYS}]})
    therapists = therapists_for(municipality_id=pathway.municipality_id)
    if q.staff_id is not None:
        staff = therapists.filter(pk=q.staff_id).first()
        if staff is None:
            raise ApiValidationError({"staff_id": [_(MESSAGE_CHOICE)]})
    elif pathway.responsible is not None:
        staff = pathway.responsible
    else:
        raise ApiValidationError({"staff_id": [_(MESSAGE_NO_THERAPIST)]})
    if not pathway.is_open:
        return []  # a closed pathway books nothing: no time is free for it
    slots = free_slots(
        staff=staff,
        first_day=first_day,
        last_day=last_day,
        duration_minutes=q.duration_minutes or pathway.pathway_type.first_appointment_minutes,
        default_location=Location.objects.filter(
            municipality_id=pathway.municipality_id, is_active=True
        ).first(),
        not_before=suggestion_not_before(timezone.now()),
        limit=q.limit,
    )
    return [
        FreeSlotOut(
            staff_id=s.staff.pk,
            staff_name=str(s.staff),
            location_id=s.location.pk,
            location_name=s.location.name,
            start=local_time(s.start),
            end=local_time(s.end),
            within_deadline=None
            if pathway.offer_deadline is None
            else timezone.localdate(s.start) <= pathway.offer_deadline,
        )
        for s in slots
    ]


@router.post(
    "/pathways/{id}/appointments",
    response={201: AppointmentOut, **ERRORS},
    url_name="appointment_book",
    summary="Book an appointment for the pathway's citizen",
)
def appointment_book_endpoint(
    request: HttpRequest, id: Id, payload: BookingIn
) -> Status[AppointmentOut]:
    actor = actor_of(request)
    pathway = _pathway(request, id, "api_appointment_book", Action.BOOK)
    start = payload.start
    if timezone.is_naive(start):
        start = timezone.make_aware(start)
    # Far-off times are refused here, before arithmetic on them could overflow.
    if abs((start - timezone.now()).days) > MAX_DAYS_AHEAD:
        raise ApiValidationError({"start": [_(MESSAGE_TOO_FAR) % {"days": MAX_DAYS_AHEAD}]})
    problems: dict[str, list[str]] = {}
    staff = (
        therapists_for(municipality_id=pathway.municipality_id).filter(pk=payload.staff_id).first()
    )
    if staff is None:
        problems["staff_id"] = [_(MESSAGE_CHOICE)]
    location = Location.objects.filter(
        pk=payload.location_id, municipality_id=pathway.municipality_id, is_active=True
    ).first()
    if location is None:
        problems["location_id"] = [_(MESSAGE_CHOICE)]
    if problems:
        raise ApiValidationError(problems)
    appointment = appointment_book(
        actor=actor,
        pathway=pathway,
        staff=staff,
        location=location,
        start=start,
        duration_minutes=payload.duration_minutes,
    )
    appointment = Appointment.objects.select_related("staff", "location").get(pk=appointment.pk)
    return Status(201, appointment_out(appointment))


@router.post(
    "/appointments/{id}/{action}",
    response={200: AppointmentOut, **ERRORS},
    url_name="appointment_action",
    summary="The citizen declined, the time is cancelled, or attendance is registered",
)
def appointment_action(
    request: HttpRequest, id: Id, action: Literal["decline", "cancel", "attended", "no_show"]
) -> AppointmentOut:
    actor = actor_of(request)
    appointment = get_for_actor(
        actor=actor,
        queryset=Appointment.objects.all(),
        pk=id,
        operation=f"api_appointment_{action}",
        action=Action.BOOK,
    )
    APPOINTMENT_ACTIONS[action](actor, appointment)
    appointment = Appointment.objects.select_related("staff", "location").get(pk=appointment.pk)
    return appointment_out(appointment)
