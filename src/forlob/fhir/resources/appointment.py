"""Appointment: a booked time with a therapist (the first one is the offer the GOP rule counts).

Status: booked → booked, attended → fulfilled, no-show → noshow, declined and cancelled →
cancelled (with ``cancelationReason`` text saying which). The therapist appears by name only
(``participant.actor.display``) and the location by name.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from forlob.fhir.build import instant, meta, patient_ref, ref
from forlob.fhir.registry import Context, ResourceType, register
from forlob.scheduling.models import Appointment, AppointmentStatus

STATUS = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.ATTENDED: "fulfilled",
    AppointmentStatus.NO_SHOW: "noshow",
    AppointmentStatus.DECLINED: "cancelled",
    AppointmentStatus.CANCELLED: "cancelled",
}


def to_fhir(appointment: Appointment, ctx: Context) -> dict[str, Any]:
    status = STATUS[appointment.status]
    participants = [
        {
            "actor": {**patient_ref(appointment.citizen_id)},
            "required": "required",
            "status": "declined"
            if appointment.status == AppointmentStatus.DECLINED
            else "accepted",
        },
        {
            "actor": {"display": str(appointment.staff)},
            "required": "required",
            "status": "accepted",
        },
    ]
    if appointment.location_id:
        participants.append(
            {
                "actor": {"display": appointment.location.name},
                "required": "information-only",
                "status": "accepted",
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(appointment.pk),
        "meta": meta(None, appointment.created_at),
        "status": status,
        "description": "Første aftale" if appointment.is_first else "Aftale",
        "start": instant(appointment.start),
        "end": instant(appointment.end),
        "minutesDuration": int((appointment.end - appointment.start).total_seconds() // 60),
        "created": instant(appointment.created_at),
        "participant": participants,
    }
    if appointment.pathway_id:
        resource["basedOn"] = [ref("ServiceRequest", appointment.pathway.referral_id)]
        resource["supportingInformation"] = [ref("EpisodeOfCare", appointment.pathway_id)]
    if status == "cancelled":
        resource["cancelationReason"] = {"text": appointment.get_status_display()}
    return resource


register(
    ResourceType(
        name="Appointment",
        queryset=lambda: Appointment.objects.select_related("staff", "location", "pathway"),
        to_fhir=to_fhir,
        documentation="A booked time (the first one is the offer counted by the 7-day rule).",
        sender=lambda actor: Q(pathway__referral__created_by=actor),
        date="start",
        ordering=("start", "pk"),
    )
)
