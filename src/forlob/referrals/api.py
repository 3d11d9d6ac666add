"""Referrals over the JSON API: the intake inbox, one referral, registering a referral.

The CPR number travels only in the body of ``POST /referrals``; responses carry the masked form.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from forlob.access.policy import Action, can
from forlob.access.services import audit_reads, get_for_actor
from forlob.core.api import (
    ERRORS,
    MESSAGE_CHOICE,
    ApiValidationError,
    CitizenRef,
    Id,
    Text,
    actor_of,
)
from forlob.core.choices import DiagnosisArea, GopLevel
from forlob.core.models import Team
from forlob.referrals import selectors
from forlob.referrals.models import ChronicDisease, CoordinationArea, Referral, ReferralType
from forlob.referrals.services import referral_register_by_cpr

router = Router(tags=["referrals"])

MAX_PAGE = 200


class ReferralOut(Schema):
    id: int
    citizen: CitizenRef
    referral_type: str = Field(description="Code of the referral type, e.g. gop.")
    referral_type_name: str
    status: str
    received_date: date
    discharge_date: date | None
    offer_deadline: date | None
    days_left: int | None = Field(description="Calendar days until the offer deadline.")
    gop_level: str
    diagnosis_area: str
    chronic_disease: str
    coordination_area: str
    sender: str
    diagnosis_text: str
    team_id: int | None
    pathway_id: int | None


class ReferralPage(Schema):
    count: int
    items: list[ReferralOut]


class InboxFilters(Schema):
    type: Text = Field("", max_length=30, description="Referral type code.")
    area: DiagnosisArea | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=10**6)


class ReferralIn(Schema):
    """A referral; the citizen is named by CPR number, and registered here if new to us."""

    cpr: Text = Field(max_length=11, description="DDMMYY-SSSS or 10 digits.")
    first_name: Text = Field("", max_length=100, description="Needed if the citizen is new.")
    last_name: Text = Field("", max_length=100, description="Needed if the citizen is new.")
    phone: Text = Field("", max_length=20)
    referral_type: Text = Field(max_length=30, description="Referral type code, e.g. gop.")
    received_date: date
    discharge_date: date | None = None
    gop_level: GopLevel | None = None
    diagnosis_area: DiagnosisArea | None = None
    chronic_disease: ChronicDisease | None = None
    coordination_area: CoordinationArea | None = None
    sender: Text = Field("", max_length=200)
    diagnosis_text: Text = Field("", max_length=200)
    team_id: Id | None = None
    note: Text = Field("", max_length=5000)


def referral_out(referral: Referral, today: date) -> ReferralOut:
    pathway = getattr(referral, "pathway", None) if referral.status == "accepted" else None
    return ReferralOut(
        id=referral.pk,
        citizen=CitizenRef.of(referral.citizen),
        referral_type=referral.referral_type.code,
        referral_type_name=referral.referral_type.name,
        status=referral.status,
        received_date=referral.received_date,
        discharge_date=referral.discharge_date,
        offer_deadline=referral.offer_deadline,
        days_left=referral.days_left(today),
        gop_level=referral.gop_level,
        diagnosis_area=referral.diagnosis_area,
        chronic_disease=referral.chronic_disease,
        coordination_area=referral.coordination_area,
        sender=referral.sender,
        diagnosis_text=referral.diagnosis_text,
        team_id=referral.team_id,
        pathway_id=pathway.pk if pathway is not None else None,
    )


@router.get(
    "/referrals",
    response={200: ReferralPage, **ERRORS},
    url_name="referral_inbox",
    summary="The intake inbox: new referrals, most urgent first",
)
def referral_inbox(request: HttpRequest, filters: Query[InboxFilters]) -> ReferralPage:
    actor = actor_of(request)
    if not can(actor, Action.VIEW_RECORD):
        raise PermissionDenied
    qs = selectors.referral_inbox(
        actor=actor,
        referral_type=filters.type,
        diagnosis_area=filters.area.value if filters.area else "",
    )
    page = list(qs[filters.offset : filters.offset + filters.limit])
    # Each referral listed names a citizen: a read the citizen may later ask about.
    audit_reads(actor=actor, operation="api_referral_inbox", objects=page)
    today = timezone.localdate()
    return ReferralPage(count=qs.count(), items=[referral_out(r, today) for r in page])


@router.get(
    "/referrals/{id}",
    response={200: ReferralOut, **ERRORS},
    url_name="referral_detail",
    summary="One referral",
)
def referral_detail(request: HttpRequest, id: Id) -> ReferralOut:
    referral = get_for_actor(
        actor=actor_of(request),
        queryset=Referral.objects.select_related("citizen", "referral_type", "pathway"),
        pk=id,
        operation="api_referral_detail",
        action=Action.VIEW_RECORD,
    )
    return referral_out(referral, timezone.localdate())


@router.post(
    "/referrals",
    response={201: ReferralOut, **ERRORS},
    url_name="referral_register",
    summary="Register a referral (and the citizen, if new here)",
)
def referral_register(request: HttpRequest, payload: ReferralIn) -> Status[ReferralOut]:
    actor = actor_of(request)
    if not can(actor, Action.REGISTER_REFERRAL):
        raise PermissionDenied
    referral_type = ReferralType.objects.filter(code=payload.referral_type, is_active=True).first()
    team = None
    problems: dict[str, list[str]] = {}
    if referral_type is None:
        problems["referral_type"] = [_(MESSAGE_CHOICE)]
    if payload.team_id is not None:
        team = Team.objects.filter(
            pk=payload.team_id, unit__municipality_id=actor.municipality_id
        ).first()
        if team is None:
            problems["team_id"] = [_(MESSAGE_CHOICE)]
    if problems:
        raise ApiValidationError(problems)
    referral = referral_register_by_cpr(
        actor=actor,
        cpr=payload.cpr,
        first_name=payload.first_name,
        last_name=payload.last_name,
        phone=payload.phone,
        referral_type=referral_type,
        received_date=payload.received_date,
        today=timezone.localdate(),
        sender=payload.sender,
        team=team,
        diagnosis_text=payload.diagnosis_text,
        note=payload.note,
        discharge_date=payload.discharge_date,
        gop_level=payload.gop_level.value if payload.gop_level else "",
        diagnosis_area=payload.diagnosis_area.value if payload.diagnosis_area else "",
        chronic_disease=payload.chronic_disease.value if payload.chronic_disease else "",
        coordination_area=payload.coordination_area.value if payload.coordination_area else "",
    )
    referral = Referral.objects.select_related("citizen", "referral_type").get(pk=referral.pk)
    return Status(201, referral_out(referral, timezone.localdate()))
