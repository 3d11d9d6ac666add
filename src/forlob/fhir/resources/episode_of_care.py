"""EpisodeOfCare: the pathway (forløb), from referral to completion or dropout.

Status: referred → waitlist, booked → planned, active → active, completed → finished, dropped
out and cancelled → cancelled. ``statusHistory`` comes from the pathway's transitions. A dropout
carries its reason in the local dropout-reason system (the KL §140 list) and, where one fits,
KL's cancellation type, so that the reason survives a round trip.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q

from forlob.fhir import codes
from forlob.fhir.build import coding, instant, meta, patient_ref, ref
from forlob.fhir.registry import Context, ResourceType, register
from forlob.pathways.models import Pathway, PathwayStatus, PathwayTransition

STATUS = {
    PathwayStatus.REFERRED: "waitlist",
    PathwayStatus.BOOKED: "planned",
    PathwayStatus.ACTIVE: "active",
    PathwayStatus.COMPLETED: "finished",
    PathwayStatus.DROPPED_OUT: "cancelled",
    PathwayStatus.CANCELLED: "cancelled",
}


def to_fhir(pathway: Pathway, ctx: Context) -> dict[str, Any]:
    types = [
        {
            "coding": [
                coding(
                    codes.LOCAL_REFERRAL_TYPE, pathway.pathway_type.code, pathway.pathway_type.name
                )
            ]
        }
    ]
    if pathway.dropout_reason_id:
        types.append(
            {
                "coding": [
                    coding(
                        codes.LOCAL_DROPOUT_REASON,
                        pathway.dropout_reason.code,
                        pathway.dropout_reason.name,
                    )
                ],
                "text": "Årsag til ophør",
            }
        )
    history = []
    transitions = list(pathway.transitions.all())
    for current, following in zip(transitions, [*transitions[1:], None], strict=True):
        entry = {"status": STATUS[current.to_status], "period": {"start": instant(current.at)}}
        if following is not None:
            entry["period"]["end"] = instant(following.at)
        history.append(entry)
    resource: dict[str, Any] = {
        "resourceType": "EpisodeOfCare",
        "id": str(pathway.pk),
        "meta": meta(None, pathway.created_at),
        "status": STATUS[pathway.status],
        "type": types,
        "patient": patient_ref(pathway.citizen_id),
        "managingOrganization": {
            "identifier": {"system": codes.MUNICIPALITY_CODE, "value": pathway.municipality.code},
            "display": pathway.provider.name if pathway.provider_id else pathway.municipality.name,
        },
        "period": {"start": instant(pathway.started_at or pathway.created_at)},
        "referralRequest": [ref("ServiceRequest", pathway.referral_id)],
    }
    if pathway.ended_at:
        resource["period"]["end"] = instant(pathway.ended_at)
    if history:
        resource["statusHistory"] = history
    if pathway.responsible_id:
        resource["careManager"] = {"display": str(pathway.responsible)}
    if pathway.team_id:
        resource["team"] = [{"display": pathway.team.name}]
    return resource


register(
    ResourceType(
        name="EpisodeOfCare",
        queryset=lambda: Pathway.objects.select_related(
            "pathway_type", "municipality", "provider", "responsible", "team", "dropout_reason"
        ).prefetch_related(
            Prefetch("transitions", queryset=PathwayTransition.objects.order_by("at", "pk"))
        ),
        to_fhir=to_fhir,
        documentation="A pathway (forløb) with its status history and, on dropout, the reason.",
        sender=lambda actor: Q(referral__created_by=actor),
        date="created_at",
    )
)
