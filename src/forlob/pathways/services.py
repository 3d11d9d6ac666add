"""The pathway state machine and the writes that move a pathway.

Transition table (any other move raises ``InvalidTransition``)::

    referred ─► booked ─► active ─► completed
        │  ◄──────┘ (offered time declined or cancelled, none left)
        └─► dropped_out / cancelled from any open state
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.access.models import AccessLog
from forlob.access.services import audit_record
from forlob.core.models import Provider, Team, User
from forlob.pathways.models import (
    CLOSED_STATUSES,
    DropoutReason,
    Pathway,
    PathwayStatus,
    PathwayTransition,
)
from forlob.referrals.models import Referral
from forlob.scheduling.models import Appointment, AppointmentStatus

S = PathwayStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.REFERRED: frozenset({S.BOOKED, S.DROPPED_OUT, S.CANCELLED}),
    S.BOOKED: frozenset({S.ACTIVE, S.REFERRED, S.DROPPED_OUT, S.CANCELLED}),
    S.ACTIVE: frozenset({S.COMPLETED, S.DROPPED_OUT, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.DROPPED_OUT: frozenset(),
    S.CANCELLED: frozenset(),
}

# Moves a user makes by hand; booked and referred follow from booking, declining and cancelling
# appointments, so they are never accepted from a form.
MANUAL_TRANSITIONS: tuple[str, ...] = (S.ACTIVE, S.COMPLETED, S.DROPPED_OUT, S.CANCELLED)

MESSAGE_INVALID_TRANSITION = gettext_noop("A pathway cannot go from “%(from)s” to “%(to)s”.")
MESSAGE_UNKNOWN_STATUS = gettext_noop("Choose a valid status.")
MESSAGE_REASON_REQUIRED = gettext_noop("Choose a dropout reason.")
MESSAGE_ALREADY_PATHWAY = gettext_noop("This referral already has a pathway.")
MESSAGE_REFERRAL_CLOSED = gettext_noop("This referral has been rejected.")


class InvalidTransition(ValidationError):
    """An illegal move in the pathway state machine."""

    def __init__(self, from_status: str, to_status: str) -> None:
        super().__init__(
            _(MESSAGE_INVALID_TRANSITION)
            % {"from": S(from_status).label, "to": S(to_status).label},
            code="invalid_transition",
        )
        self.from_status = from_status
        self.to_status = to_status


def allowed_transitions(status: str) -> frozenset[str]:
    return TRANSITIONS[status]


def apply_transition(
    *,
    actor: User | None,
    pathway: Pathway,
    to_status: str,
    at: datetime,
    dropout_reason: DropoutReason | None = None,
    note: str = "",
) -> None:
    """Apply one transition to a pathway row locked by the caller, and write its history row.

    For services in other apps that move the pathway as part of their own transaction
    (booking moves referred → booked; attending the first time moves booked → active).
    """
    if to_status not in S.values:
        raise ValidationError(_(MESSAGE_UNKNOWN_STATUS), code="unknown_status")
    if to_status not in TRANSITIONS[pathway.status]:
        raise InvalidTransition(pathway.status, to_status)
    if to_status == S.DROPPED_OUT and dropout_reason is None:
        raise ValidationError({"dropout_reason": _(MESSAGE_REASON_REQUIRED)})
    from_status = pathway.status
    pathway.status = to_status
    fields = ["status"]
    if to_status == S.ACTIVE and pathway.started_at is None:
        pathway.started_at = at
        fields.append("started_at")
    if to_status in CLOSED_STATUSES:
        pathway.ended_at = at
        fields.append("ended_at")
        # A closed pathway must not keep holding the therapist's future times.
        Appointment.objects.filter(
            pathway=pathway, status=AppointmentStatus.BOOKED, start__gte=at
        ).update(status=AppointmentStatus.CANCELLED)
    if to_status == S.DROPPED_OUT:
        pathway.dropout_reason = dropout_reason
        fields.append("dropout_reason")
    pathway.save(update_fields=fields)
    PathwayTransition.objects.create(
        pathway=pathway,
        from_status=from_status,
        to_status=to_status,
        at=at,
        by=actor,
        dropout_reason=dropout_reason if to_status == S.DROPPED_OUT else None,
        note=note[:500],
    )


@transaction.atomic
def pathway_create_from_referral(
    *,
    actor: User,
    referral: Referral,
    responsible: User | None,
    team: Team | None,
    at: datetime | None = None,
) -> Pathway:
    """Turn a new referral into a pathway (status referred) with a responsible therapist/team."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status == Referral.Status.ACCEPTED:
        raise ValidationError(_(MESSAGE_ALREADY_PATHWAY), code="already_pathway")
    if referral.status == Referral.Status.REJECTED:
        raise ValidationError(_(MESSAGE_REFERRAL_CLOSED), code="rejected")
    at = at or timezone.now()
    pathway = Pathway.objects.create(
        citizen_id=referral.citizen_id,
        referral=referral,
        pathway_type_id=referral.referral_type_id,
        municipality_id=referral.municipality_id,
        team=team or (responsible.team if responsible else None) or referral.team,
        responsible=responsible,
        offer_deadline=referral.offer_deadline,
        created_by=actor,
    )
    PathwayTransition.objects.create(
        pathway=pathway, from_status="", to_status=S.REFERRED, at=at, by=actor
    )
    referral.status = Referral.Status.ACCEPTED
    referral.save(update_fields=["status"])
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation="pathway_create",
        citizen_id=referral.citizen_id,
        obj=pathway,
    )
    return pathway


@transaction.atomic
def pathway_transition(
    *,
    actor: User,
    pathway: Pathway,
    to_status: str,
    dropout_reason: DropoutReason | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Pathway:
    """Move a pathway to ``to_status``; raises ``InvalidTransition`` for an illegal move."""
    locked = Pathway.objects.select_for_update().get(pk=pathway.pk)
    apply_transition(
        actor=actor,
        pathway=locked,
        to_status=to_status,
        at=at or timezone.now(),
        dropout_reason=dropout_reason,
        note=note,
    )
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation=f"pathway_transition:{to_status}",
        citizen_id=locked.citizen_id,
        obj=locked,
    )
    return locked


@transaction.atomic
def pathway_assign(
    *,
    actor: User,
    pathway: Pathway,
    responsible: User | None,
    team: Team | None,
    provider: Provider | None = None,
) -> Pathway:
    """Who is responsible, which team, and which provider delivers (free choice)."""
    locked = Pathway.objects.select_for_update().get(pk=pathway.pk)
    locked.responsible = responsible
    locked.team = team
    locked.provider = provider
    locked.save(update_fields=["responsible", "team", "provider"])
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation="pathway_assign",
        citizen_id=locked.citizen_id,
        obj=locked,
    )
    return locked
