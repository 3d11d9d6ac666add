"""Goal: the goals of an everyday-rehabilitation plan, in the style of KL common's
``KLCommonCareSocialGoal``.

``g<id>``: a goal set with the citizen (a COPM activity or a goal linked to an FSIII item). Its
category is KL's "FSIII indsatsmål" (with our own goal kind beside it), the description its
title, the citizen's own words a note, ``addresses`` the FSIII Condition of its item when that
item was assessed, ``achievementStatus`` the latest weekly evaluation.

``s<id>``: a sub-goal (delmål). KL models a sub-goal as a Goal of its own that points at the
goal it belongs to with the ``goal-relationship`` extension (type text "based-on", coded
``other``), as in KL common's example AndreasDelmaal; we do the same.

``lifecycleStatus`` follows the case: planned until the start meeting is held, active while the
rehabilitation runs, completed when it ended (cancelled when the citizen dropped out). No goal
has a ``target``: Forløb records no target level for a goal. A provider's staff and its system
read their own provider's goals (``view_citizen``), as on the case pages.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from forlob.access.policy import Action
from forlob.fhir import codes
from forlob.fhir.build import COPENHAGEN, coding, day, patient_ref, ref
from forlob.fhir.registry import Context, ResourceType, register
from forlob.fhir.resources import _homecare
from forlob.homecare.models import Goal, Progress, SubGoal, WeeklyEvaluation

GOAL_TYPE = coding(codes.KL_CODES, "e6f35a88-6665-4471-9dce-9a98854532b4", "FSIII indsatsmål")
LOCAL_GOAL_KIND = f"{codes.LOCAL}/CodeSystem/goal-kind"  # Goal.Kind: copm / free
GOAL_RELATIONSHIP = "http://hl7.org/fhir/StructureDefinition/goal-relationship"
GOAL_RELATIONSHIP_TYPE = "http://terminology.hl7.org/CodeSystem/goal-relationship-type"
ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
ACHIEVEMENT_BY_PROGRESS = {
    Progress.WORSE: ("worsening", "Worsening"),
    Progress.UNCHANGED: ("no-change", "No Change"),
    Progress.SOME: ("improving", "Improving"),
    Progress.CLEAR: ("improving", "Improving"),
    Progress.REACHED: ("achieved", "Achieved"),
}
CASE_RELATED = (
    "case__assessment",
    "case__grant",
    "case__start_meeting",
)


def _created(moment: Any) -> str:
    return day(moment.astimezone(COPENHAGEN).date())


def goal_to_fhir(goal: Goal, ctx: Context) -> dict[str, Any]:
    case = goal.case
    resource: dict[str, Any] = {
        "resourceType": "Goal",
        "id": f"{_homecare.GOAL}{goal.pk}",
        "lifecycleStatus": _homecare.goal_status(case),
        "category": [
            {"coding": [GOAL_TYPE, coding(LOCAL_GOAL_KIND, goal.kind, goal.get_kind_display())]}
        ],
        "description": {"text": goal.title},
        "subject": patient_ref(case.citizen_id),
        "startDate": _created(goal.created_at),
    }
    evaluations = goal.latest_evaluations
    if evaluations:
        code, display = ACHIEVEMENT_BY_PROGRESS[Progress(evaluations[0].progress)]
        resource["achievementStatus"] = {"coding": [coding(ACHIEVEMENT, code, display)]}
        resource["statusDate"] = day(evaluations[0].week)
    if goal.kind == Goal.Kind.COPM:
        resource["expressedBy"] = patient_ref(case.citizen_id)
    if goal.citizen_words:
        resource["note"] = [{"text": goal.citizen_words}]
    if _homecare.assessed_level(getattr(case, "assessment", None), goal.fsiii_item) is not None:
        resource["addresses"] = [
            ref("Condition", _homecare.condition_id(goal.fsiii_item, case.assessment.pk))
        ]
    return resource


def sub_goal_to_fhir(sub_goal: SubGoal, ctx: Context) -> dict[str, Any]:
    goal = sub_goal.goal
    case = goal.case
    return {
        "resourceType": "Goal",
        "id": f"{_homecare.SUB_GOAL}{sub_goal.pk}",
        "extension": [
            {
                "url": GOAL_RELATIONSHIP,
                "extension": [
                    {
                        "url": "type",
                        "valueCodeableConcept": {
                            "coding": [coding(GOAL_RELATIONSHIP_TYPE, "other", "Other")],
                            "text": "based-on",
                        },
                    },
                    {"url": "target", "valueReference": ref("Goal", f"{_homecare.GOAL}{goal.pk}")},
                ],
            }
        ],
        "lifecycleStatus": _homecare.goal_status(case),
        "category": [{"coding": [GOAL_TYPE]}],
        "description": {"text": sub_goal.text},
        "subject": patient_ref(case.citizen_id),
        "startDate": _created(goal.created_at),
    }


register(
    ResourceType.combined(
        name="Goal",
        documentation=(
            "A goal of an everyday-rehabilitation plan (id g<n>) or one of its sub-goals "
            "(id s<n>, linked to its goal with the goal-relationship extension, as KL common)."
        ),
        parts=(
            ResourceType(
                name="Goal",
                prefix=_homecare.GOAL,
                queryset=lambda: Goal.objects.select_related(*CASE_RELATED).prefetch_related(
                    Prefetch(
                        "evaluations",
                        queryset=WeeklyEvaluation.objects.order_by("-week", "-pk"),
                        to_attr="latest_evaluations",
                    )
                ),
                to_fhir=goal_to_fhir,
                documentation="Goals.",
                action=Action.VIEW_CITIZEN,
                citizen="case__citizen",
                patient="case__citizen",
                narrow=_homecare.provider_narrow("case__"),
                date="created_at",
                ordering=("case_id", "ordering", "pk"),
            ),
            ResourceType(
                name="Goal",
                prefix=_homecare.SUB_GOAL,
                queryset=lambda: SubGoal.objects.select_related(
                    "goal", *(f"goal__{path}" for path in CASE_RELATED)
                ),
                to_fhir=sub_goal_to_fhir,
                documentation="Sub-goals.",
                action=Action.VIEW_CITIZEN,
                citizen="goal__case__citizen",
                patient="goal__case__citizen",
                narrow=_homecare.provider_narrow("goal__case__"),
                date="goal__created_at",
                ordering=("goal__case_id", "goal__ordering", "goal_id", "ordering", "pk"),
            ),
        ),
    )
)
