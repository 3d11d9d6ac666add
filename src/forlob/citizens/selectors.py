"""Reads on citizens, always through the actor's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from forlob.access.models import AccessLog
from forlob.access.policy import citizens_in_scope, may_break_glass
from forlob.access.services import audit_record
from forlob.citizens import cpr as cprlib
from forlob.citizens.models import Citizen
from forlob.core.models import User

SEARCH_LIMIT = 50


def citizen_search(*, actor: User, query: str) -> QuerySet[Citizen]:
    """Citizens in scope matching a CPR number exactly or every word of a name.

    A search is audited (without the query text: it may be a CPR number).
    """
    query = (query or "").strip()
    qs = citizens_in_scope(actor)
    if not query:
        return qs.none()
    digits = query.replace("-", "").replace(" ", "")
    if digits.isdigit():
        try:
            qs = qs.filter(cpr=cprlib.parse(digits).digits)
        except Exception:
            qs = qs.filter(cpr__startswith=digits) if len(digits) == 6 else qs.none()
    else:
        for word in query.split():
            qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    audit_record(actor=actor, kind=AccessLog.Kind.SEARCH, operation="citizen_search")
    return qs.order_by("last_name", "first_name")[:SEARCH_LIMIT]


def citizen_outside_relations(*, actor: User, query: str) -> Citizen | None:
    """The citizen with exactly this CPR number when the actor could break the glass for them.

    Only an exact, valid CPR number finds a citizen outside the actor's relations (never a
    name), only in the actor's own municipality, and only for users who may break the glass.
    """
    try:
        digits = cprlib.parse(query or "").digits
    except ValidationError:
        return None
    citizen = Citizen.objects.filter(cpr=digits, municipality_id=actor.municipality_id).first()
    if citizen is None or not may_break_glass(actor, citizen):
        return None
    if citizens_in_scope(actor).filter(pk=citizen.pk).exists():
        return None
    return citizen


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # referral | pathway | transition | appointment | note
    title: str
    detail: str
    url: str = ""


def citizen_timeline(*, citizen: Citizen) -> list[TimelineEntry]:
    """Everything that happened to the citizen, newest first. Call after the access check."""
    from forlob.pathways.models import PathwayTransition
    from forlob.scheduling.models import Appointment

    entries: list[TimelineEntry] = []
    for ref in citizen.referrals.select_related("referral_type"):
        entries.append(
            TimelineEntry(
                at=ref.created_at,
                kind="referral",
                title=_("Referral received: %(type)s") % {"type": ref.referral_type.name},
                detail=ref.subtype_display,
                url=reverse("referrals:detail", args=[ref.pk]),
            )
        )
    transitions = PathwayTransition.objects.filter(pathway__citizen=citizen).select_related(
        "pathway__pathway_type", "by", "dropout_reason"
    )
    for tr in transitions:
        detail = tr.dropout_reason.name if tr.dropout_reason else tr.note
        entries.append(
            TimelineEntry(
                at=tr.at,
                kind="transition",
                title=_("%(type)s: %(status)s")
                % {"type": tr.pathway.pathway_type.name, "status": tr.get_to_status_display()},
                detail=f"{detail} ({tr.by})" if tr.by else detail,
                url=reverse("pathways:detail", args=[tr.pathway_id]),
            )
        )
    for appt in Appointment.objects.filter(citizen=citizen).select_related("staff", "location"):
        entries.append(
            TimelineEntry(
                at=appt.start,
                kind="appointment",
                title=_("Appointment (%(status)s)") % {"status": appt.get_status_display()},
                detail=f"{appt.staff}, {appt.location}",
                url=reverse("pathways:detail", args=[appt.pathway_id]),
            )
        )
    for note in citizen.notes.select_related("author"):
        entries.append(
            TimelineEntry(
                at=note.created_at,
                kind="note",
                title=_("Note by %(author)s") % {"author": note.author},
                detail=note.text,
            )
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries
