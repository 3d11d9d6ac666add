"""Pathways over the JSON API: one pathway with its history, and status changes.

Only the manual moves of the state machine are accepted (``MANUAL_TRANSITIONS``); booked and
referred follow from booking and cancelling, exactly as on the page.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from forlob.access.policy import Action
from forlob.access.services import get_for_actor
from forlob.core.api import (
    ERRORS,
    MESSAGE_CHOICE,
    ApiValidationError,
    CitizenRef,
    Id,
    Text,
    actor_of,
    local_time,
)
from forlob.pathways.models import DropoutReason, Pathway
from forlob.pathways.services import MANUAL_TRANSITIONS, allowed_transitions, pathway_transition
from forlob.scheduling.api import AppointmentOut, appointment_out

router = Router(tags=["pathways"])

ManualStatus = Literal["active", "completed", "dropped_out", "cancelled"]
assert set(ManualStatus.__args__) == set(MANUAL_TRANSITIONS)  # type: ignore[attr-defined]


class TransitionOut(Schema):
    from_status: str
    to_status: str
    at: datetime
    by: str
    dropout_reason: str = Field(description="Code of the dropout reason, if any.")
    note: str


class PathwayOut(Schema):
    id: int
    citizen: CitizenRef
    referral_id: int | None
    pathway_type: str
    pathway_type_name: str
    status: str
    offer_deadline: date | None
    first_offered_at: datetime | None
    first_offered_start: datetime | None
    first_offer_within_deadline: bool | None
    responsible_id: int | None
    responsible_name: str
    team_id: int | None
    started_at: datetime | None
    ended_at: datetime | None
    next_statuses: list[str] = Field(description="The manual status changes allowed now.")
    appointments: list[AppointmentOut]
    transitions: list[TransitionOut]


class TransitionIn(Schema):
    to_status: ManualStatus
    dropout_reason: Text | None = Field(
        None, max_length=50, description="Code of a dropout reason; required for dropped_out."
    )
    note: Text = Field("", max_length=500)


_PATHWAY_QS = Pathway.objects.select_related(
    "citizen", "pathway_type", "responsible", "dropout_reason"
)


def pathway_out(pathway: Pathway) -> PathwayOut:
    return PathwayOut(
        id=pathway.pk,
        citizen=CitizenRef.of(pathway.citizen),
        referral_id=pathway.referral_id,
        pathway_type=pathway.pathway_type.code,
        pathway_type_name=pathway.pathway_type.name,
        status=pathway.status,
        offer_deadline=pathway.offer_deadline,
        first_offered_at=local_time(pathway.first_offered_at),
        first_offered_start=local_time(pathway.first_offered_start),
        first_offer_within_deadline=pathway.first_offer_within_deadline,
        responsible_id=pathway.responsible_id,
        responsible_name=str(pathway.responsible) if pathway.responsible else "",
        team_id=pathway.team_id,
        started_at=local_time(pathway.started_at),
        ended_at=local_time(pathway.ended_at),
        next_statuses=[s for s in MANUAL_TRANSITIONS if s in allowed_transitions(pathway.status)],
        appointments=[
            appointment_out(a)
            for a in pathway.appointments.select_related("staff", "location").order_by("start")
        ],
        transitions=[
            TransitionOut(
                from_status=t.from_status,
                to_status=t.to_status,
                at=local_time(t.at),
                by=str(t.by) if t.by else "",
                dropout_reason=t.dropout_reason.code if t.dropout_reason else "",
                note=t.note,
            )
            for t in pathway.transitions.select_related("by", "dropout_reason")
        ],
    )


@router.get(
    "/pathways/{id}",
    response={200: PathwayOut, **ERRORS},
    url_name="pathway_detail",
    summary="One pathway with its appointments and status history",
)
def pathway_detail(request: HttpRequest, id: Id) -> PathwayOut:
    pathway = get_for_actor(
        actor=actor_of(request),
        queryset=_PATHWAY_QS,
        pk=id,
        operation="api_pathway_detail",
        action=Action.VIEW_RECORD,
    )
    return pathway_out(pathway)


@router.post(
    "/pathways/{id}/transitions",
    response={200: PathwayOut, **ERRORS},
    url_name="pathway_transition",
    summary="Change the pathway's status (active, completed, dropped out, cancelled)",
)
def pathway_transition_endpoint(request: HttpRequest, id: Id, payload: TransitionIn) -> PathwayOut:
    actor = actor_of(request)
    pathway = get_for_actor(
        actor=actor,
        queryset=_PATHWAY_QS,
        pk=id,
        operation="api_pathway_transition",
        action=Action.MANAGE_PATHWAY,
    )
    reason = None
    if payload.dropout_reason:
        reason = DropoutReason.objects.filter(code=payload.dropout_reason, is_active=True).first()
        if reason is None:
            raise ApiValidationError({"dropout_reason": [_(MESSAGE_CHOICE)]})
    pathway_transition(
        actor=actor,
        pathway=pathway,
        to_status=payload.to_status,
        dropout_reason=reason,
        note=payload.note,
    )
    return pathway_out(_PATHWAY_QS.get(pk=pathway.pk))
