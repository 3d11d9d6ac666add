"""Citizens over the JSON API: one citizen, the timeline, search.

The CPR number stays masked here too. The citizen's own page shows the full number to a user
who has opened the record; an API response is copied into other systems and logs far more
easily, and no integration we know of needs the full number back from us (it sent it).
Search is a POST so that a CPR number used as the query never lands in a URL or an access log.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Router, Schema

from forlob.access.policy import Action, can
from forlob.access.services import audit_reads, citizen_get_for_actor
from forlob.citizens.selectors import citizen_search, citizen_timeline
from forlob.core.api import (
    ERRORS,
    CitizenRef,
    Id,
    Text,
    actor_of,
    local_time,
)

router = Router(tags=["citizens"])


class PathwayRef(Schema):
    id: int
    pathway_type: str
    pathway_type_name: str
    status: str


class CitizenOut(Schema):
    id: int
    first_name: str
    last_name: str
    cpr_masked: str = Field(description="DDMMYY-****; the full number is never sent.")
    birth_date: date
    sex: str
    phone: str
    email: str
    address: str
    postal_code: str
    city: str
    is_test_person: bool
    pathways: list[PathwayRef]


class TimelineEntryOut(Schema):
    at: datetime
    kind: str = Field(description="referral | transition | appointment | note")
    title: str
    detail: str
    url: str = Field(description="The page in Forløb where this is shown (may be empty).")


class SearchIn(Schema):
    query: Text = Field(min_length=1, max_length=100, description="Name words or a CPR number.")


# Registered before /citizens/{id}, whose pattern would otherwise swallow "search".
@router.post(
    "/citizens/search",
    response={200: list[CitizenRef], **ERRORS},
    url_name="citizen_search",
    summary="Find citizens in your scope by name or CPR number",
)
def citizen_search_endpoint(request: HttpRequest, payload: SearchIn) -> list[CitizenRef]:
    actor = actor_of(request)
    if not can(actor, Action.VIEW_RECORD):
        raise PermissionDenied
    results = list(citizen_search(actor=actor, query=payload.query))
    audit_reads(actor=actor, operation="api_citizen_search_result", objects=results)
    return [CitizenRef.of(c) for c in results]


@router.get(
    "/citizens/{id}",
    response={200: CitizenOut, **ERRORS},
    url_name="citizen_detail",
    summary="One citizen",
)
def citizen_detail(request: HttpRequest, id: Id) -> CitizenOut:
    citizen = citizen_get_for_actor(
        actor=actor_of(request), citizen_id=id, operation="api_citizen_detail"
    )
    pathways = citizen.pathways.select_related("pathway_type").order_by("-created_at")
    return CitizenOut(
        id=citizen.pk,
        first_name=citizen.first_name,
        last_name=citizen.last_name,
        cpr_masked=citizen.cpr_masked,
        birth_date=citizen.birth_date,
        sex=citizen.sex,
        phone=citizen.phone,
        email=citizen.email,
        address=citizen.address,
        postal_code=citizen.postal_code,
        city=citizen.city,
        is_test_person=citizen.is_test_person,
        pathways=[
            PathwayRef(
                id=p.pk,
                pathway_type=p.pathway_type.code,
                pathway_type_name=p.pathway_type.name,
                status=p.status,
            )
            for p in pathways
        ],
    )


@router.get(
    "/citizens/{id}/timeline",
    response={200: list[TimelineEntryOut], **ERRORS},
    url_name="citizen_timeline",
    summary="Everything that happened to the citizen, newest first",
)
def citizen_timeline_endpoint(request: HttpRequest, id: Id) -> list[TimelineEntryOut]:
    citizen = citizen_get_for_actor(
        actor=actor_of(request), citizen_id=id, operation="api_citizen_timeline"
    )
    return [
        TimelineEntryOut(
            at=local_time(e.at), kind=e.kind, title=e.title, detail=e.detail, url=e.url
        )
        for e in citizen_timeline(citizen=citizen)
    ]
