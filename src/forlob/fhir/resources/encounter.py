"""Encounter: a delivered session, as KL Gateway Rehab's ``klgateway-140-encounter``.

Two sources, hence two id schemes: ``a<id>`` for an attended appointment (scheduling) and
``s<id>`` for a citizen's attendance marked *present* at a group session of a class
(programmes). Only what happened counts: booked, cancelled or missed times are Appointments,
not Encounters. The profile allows little: status (always ``finished``), class (v3 ``AMB``; a
video session KL's "Skærmbesøg", a phone session v3 ``VR``), period, subject and the
``basedOnCarePlan`` extension pointing at the pathway's CarePlan (``care_plan.plan_reference``).

A referring system reads back the Encounters of the pathways its own referrals became, as it
reads their Appointments: what became of the referral.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from forlob.fhir import codes
from forlob.fhir.build import coding, instant, meta, patient_ref
from forlob.fhir.registry import Context, ResourceType, register
from forlob.fhir.resources.care_plan import plan_reference
from forlob.programmes.models import Attendance, AttendanceStatus, SessionMode
from forlob.scheduling.models import Appointment, AppointmentStatus

APPOINTMENT = "a"
SESSION = "s"

AMBULATORY = coding(codes.ACT_CODE, "AMB", "ambulatory")
VIRTUAL = coding(codes.ACT_CODE, "VR", "virtual")
SCREEN_VISIT = coding(codes.KL_CODES, "124be95d-6924-4609-9d2a-e7c73ae3ab3d", "Skærmbesøg")
CLASS_BY_MODE = {
    SessionMode.IN_PERSON: AMBULATORY,
    SessionMode.VIDEO: SCREEN_VISIT,
    SessionMode.PHONE: VIRTUAL,
}


def _encounter(
    resource_id: str, citizen_id: int, start: Any, end: Any, klass: dict, pathway: Any
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": resource_id,
        "meta": meta(codes.PROFILE_ENCOUNTER),
        "status": "finished",
        "class": klass,
        "subject": patient_ref(citizen_id),
        "period": {"start": instant(start), "end": instant(end)},
    }
    if pathway is not None:
        resource["extension"] = [
            {"url": codes.EXT_BASED_ON_CARE_PLAN, "valueReference": plan_reference(pathway)}
        ]
    return resource


def appointment_to_fhir(appointment: Appointment, ctx: Context) -> dict[str, Any]:
    return _encounter(
        f"{APPOINTMENT}{appointment.pk}",
        appointment.citizen_id,
        appointment.start,
        appointment.end,
        AMBULATORY,
        appointment.pathway,
    )


def attendance_to_fhir(attendance: Attendance, ctx: Context) -> dict[str, Any]:
    session = attendance.session
    return _encounter(
        f"{SESSION}{attendance.pk}",
        attendance.enrolment.citizen_id,
        session.start,
        session.end,
        CLASS_BY_MODE.get(session.mode, AMBULATORY),
        attendance.enrolment.pathway,
    )


register(
    ResourceType.combined(
        name="Encounter",
        documentation=(
            "A delivered session (KL Gateway Rehab klgateway-140-encounter): an attended "
            "appointment (id a<n>) or a group session the citizen attended (id s<n>)."
        ),
        profile=codes.PROFILE_ENCOUNTER,
        parts=(
            ResourceType(
                name="Encounter",
                prefix=APPOINTMENT,
                queryset=lambda: Appointment.objects.filter(
                    status=AppointmentStatus.ATTENDED
                ).select_related("pathway__rehab_case__grant"),
                to_fhir=appointment_to_fhir,
                documentation="Attended appointments.",
                sender=lambda actor: Q(pathway__referral__created_by=actor),
                date="start",
                ordering=("start", "pk"),
            ),
            ResourceType(
                name="Encounter",
                prefix=SESSION,
                queryset=lambda: Attendance.objects.filter(
                    status=AttendanceStatus.PRESENT
                ).select_related("session", "enrolment__pathway__rehab_case__grant"),
                to_fhir=attendance_to_fhir,
                documentation="Group sessions attended.",
                citizen="enrolment__citizen",
                patient="enrolment__citizen",
                sender=lambda actor: Q(enrolment__pathway__referral__created_by=actor),
                date="session__start",
                ordering=("session__start", "pk"),
            ),
        ),
    )
)
