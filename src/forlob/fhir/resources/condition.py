"""Condition: a functional-ability level from an everyday-rehabilitation assessment (FSIII).

One Condition per assessed FSIII item, id ``<item>-<assessment id>`` (``J3.8-12``), in the
style of KL common's ``KLCommonCareSocialCondition``: ``code`` is the FSIII home-care condition
code itself — FSIII's item numbering (``J1.1`` … ``J5.1``) is the code in
``urn:oid:1.2.208.176.2.21`` (KL common's ValueSet KLConditionCodesHomeCare; example
ConditionWalking: ``J3.8`` "Gå"), so no local code is needed — and ``severity`` the level in
FSIII's severity codes (ValueSet KLSeveritiesFSIII, descendants of ``B``): level 0 → ``B1``
"Ingen/ubetydelige begrænsninger" … level 4 → ``B5`` "Totale begrænsninger" (``B6`` "Ikke
relevant" is level 9, which makes no Condition). ``recordedDate`` is the day of the assessment,
``clinicalStatus`` active.

The assessment belongs to the municipality: as on the case pages, a provider's staff and its
system never see the FSIII levels (searches come back empty, reads 404), although a Goal they
read may point at its Condition.
"""

from __future__ import annotations

from typing import Any

from forlob.access.policy import Action
from forlob.fhir import codes
from forlob.fhir.build import coding, day, patient_ref
from forlob.fhir.registry import Context, ResourceType, register
from forlob.fhir.resources import _homecare
from forlob.homecare.models import Assessment
from forlob.measures import fsiii

CATEGORY = coding(
    "http://terminology.hl7.org/CodeSystem/condition-category",
    "problem-list-item",
    "Problem List Item",
)
# KL's display where it differs from the label on our forms (KLConditionCodesHomeCare).
KL_DISPLAY = {
    "J2.1": "Lave husligt arbejde",
    "J4.1": "Anvende kommunikationsudstyr og -teknikker",
    "J4.5": "Følelsesfunktioner",
    "J5.1": "Have lønnet beskæftigelse",
}
SEVERITY = {
    0: ("B1", "Ingen/ubetydelige begrænsninger"),
    1: ("B2", "Lette begrænsninger"),
    2: ("B3", "Moderate begrænsninger"),
    3: ("B4", "Svære begrænsninger"),
    4: ("B5", "Totale begrænsninger"),
    9: ("B6", "Ikke relevant"),
}
LEVELS = (0, 1, 2, 3, 4)


def item_coding(item_code: str) -> dict[str, Any]:
    return coding(codes.FSIII, item_code, KL_DISPLAY.get(item_code, fsiii.ITEMS[item_code].label))


def severity_coding(level: int) -> dict[str, Any]:
    code, display = SEVERITY[level]
    return coding(codes.FSIII, code, display)


def _mapping(item_code: str):
    def to_fhir(assessment: Assessment, ctx: Context) -> dict[str, Any]:
        level = assessment.fsiii_levels[item_code]
        return {
            "resourceType": "Condition",
            "id": _homecare.condition_id(item_code, assessment.pk),
            "clinicalStatus": {"coding": [coding(codes.CONDITION_CLINICAL, "active", "Active")]},
            "category": [{"coding": [CATEGORY]}],
            "severity": {"coding": [severity_coding(level)]},
            "code": {"coding": [item_coding(item_code)]},
            "subject": patient_ref(assessment.case.citizen_id),
            "recordedDate": day(assessment.assessed_on),
            "asserter": {"display": str(assessment.assessor)},
        }

    return to_fhir


def _part(item_code: str) -> ResourceType:
    return ResourceType(
        name="Condition",
        prefix=_homecare.condition_prefix(item_code),
        queryset=lambda: Assessment.objects.filter(
            **{f"fsiii_levels__{item_code}__in": LEVELS}
        ).select_related("case", "assessor"),
        to_fhir=_mapping(item_code),
        documentation=f"FSIII {item_code}.",
        action=Action.VIEW_CITIZEN,
        citizen="case__citizen",
        patient="case__citizen",
        narrow=_homecare.assessment_narrow,
        date="assessed_on",
        ordering=("assessed_on", "pk"),
    )


register(
    ResourceType.combined(
        name="Condition",
        documentation=(
            "A functional-ability level (FSIII, urn:oid:1.2.208.176.2.21) from an "
            "everyday-rehabilitation assessment: code the FSIII item (J1.1 …), severity the "
            "level as FSIII B1–B5. Id <item>-<assessment>. Municipal staff only."
        ),
        parts=tuple(_part(code) for code in fsiii.ITEMS),
    )
)
