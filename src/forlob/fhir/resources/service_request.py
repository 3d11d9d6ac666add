"""ServiceRequest: a referral, shaped as KL Gateway Rehab's §140 ServiceRequest for a GOP.

``occurrencePeriod.start`` is the first contact offered (``anledningTilbudtFørsteKontakt``);
``status`` is active while the referral waits or its pathway runs, completed when the pathway has
ended, revoked when the referral was rejected (with the KL status reason where one fits).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from forlob.fhir import codes
from forlob.fhir.build import coding, day, instant, meta, patient_ref
from forlob.fhir.registry import Context, ResourceType, register
from forlob.referrals.models import Referral


def _status(referral: Referral) -> str:
    if referral.status == Referral.Status.REJECTED:
        return "entered-in-error" if referral.reject_reason == "sent_in_error" else "revoked"
    pathway = getattr(referral, "pathway", None)
    if pathway is not None and not pathway.is_open:
        return "completed"
    return "active"


def to_fhir(referral: Referral, ctx: Context) -> dict[str, Any]:
    is_gop = referral.referral_type.code == "gop"
    categories: list[dict[str, Any]] = []
    if is_gop and referral.gop_level:
        for code in codes.GGOP_CATEGORIES[referral.gop_level]:
            categories.append({"coding": [coding(codes.KL_CODES, code, codes.GGOP_DISPLAY[code])]})
    categories.append(
        {
            "coding": [
                coding(
                    codes.LOCAL_REFERRAL_TYPE,
                    referral.referral_type.code,
                    referral.referral_type.name,
                )
            ]
        }
    )
    if referral.diagnosis_area:
        categories.append(
            {
                "coding": [
                    coding(
                        codes.LOCAL_DIAGNOSIS_AREA,
                        referral.diagnosis_area,
                        referral.get_diagnosis_area_display(),
                    )
                ]
            }
        )
    if referral.external_id and "|" in referral.external_id:
        system, value = referral.external_id.split("|", 1)
    else:
        system, value = codes.LOCAL_REFERRAL_ID, str(referral.pk)
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": str(referral.pk),
        "meta": meta(codes.PROFILE_SERVICE_REQUEST if is_gop else None, referral.created_at),
        "identifier": [{"system": system, "value": value}],
        "status": _status(referral),
        "intent": "plan",
        "category": categories,
        "code": {"coding": [coding(codes.KL_CODES, codes.SERVICE_TRAINING, "Træning")]},
        "subject": patient_ref(referral.citizen_id),
        "authoredOn": day(referral.received_date),
        "requester": {"display": referral.sender or referral.municipality.name},
    }
    extensions = []
    if referral.discharge_date:
        extensions.append(
            {"url": codes.EXT_DISCHARGE_DATE, "valueDate": day(referral.discharge_date)}
        )
    reason = codes.REJECT_REASON_CODES.get(referral.reject_reason)
    if reason:
        extensions.append(
            {
                "url": codes.EXT_STATUS_REASON,
                "valueCodeableConcept": {
                    "coding": [coding(codes.KL_CODES, reason, codes.STATUS_REASONS[reason])]
                },
            }
        )
    if extensions:
        resource["extension"] = extensions
    pathway = getattr(referral, "pathway", None)
    if pathway is not None and pathway.first_offered_start:
        resource["occurrencePeriod"] = {"start": instant(pathway.first_offered_start)}
    if referral.diagnosis_text:
        resource["reasonCode"] = [{"text": referral.diagnosis_text}]
    if referral.offer_deadline:
        resource["note"] = [
            {"text": f"Frist for første tilbud: {referral.offer_deadline:%d.%m.%Y}"}
        ]
    return resource


register(
    ResourceType(
        name="ServiceRequest",
        queryset=lambda: Referral.objects.select_related(
            "referral_type", "municipality", "pathway"
        ),
        to_fhir=to_fhir,
        documentation=(
            "A referral (GOP as KL Gateway Rehab's §140 ServiceRequest). POST one, or a "
            "transaction Bundle of them, to register referrals in the intake inbox."
        ),
        sender=lambda actor: Q(created_by=actor),
        date="received_date",
        profile=codes.PROFILE_SERVICE_REQUEST,
    )
)
