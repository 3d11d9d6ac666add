"""CarePlan: one per intervention, from two sources.

``p<id>``: a pathway (not everyday rehabilitation), shaped as KL Gateway Rehab's
``klgateway-140-care-plan`` for a GOP (§140): category "Interventionsforløb efter §140", period
from the day the referral became a pathway, status from the pathway's, the
``basedOnServiceRequest`` extension to the referral, and one activity whose detail carries the
status, on dropout the KL cancellation type (``statusReason``, mapped from our dropout reasons),
the planned contacts (``scheduledTiming.repeat``: how many appointments and group sessions, of
how many minutes) and the performer. The profile is claimed only when the plan meets it: a GOP
with its referral and at least one planned contact. Other pathways (§119 programmes, free
physiotherapy …) have the same shape with our referral type as category and no profile. Needs
the whole record (``view_record``).

``h<id>``: an everyday-rehabilitation case (Serviceloven §83 a) once granted: the grant's period,
the provider as author, the goals (``Goal/g<id>``) and the plan's actions as activities (what,
who, how often). A provider's staff and its system read their own provider's plans
(``view_citizen``, narrowed as on the case pages).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from django.db.models import Prefetch

from forlob.access.policy import Action
from forlob.fhir import codes
from forlob.fhir.build import COPENHAGEN, coding, day, meta, patient_ref, ref
from forlob.fhir.registry import Context, ResourceType, register
from forlob.fhir.resources import _homecare
from forlob.homecare.models import Performer, PlanAction, RehabCase, Stage
from forlob.pathways.models import Pathway, PathwayStatus
from forlob.programmes.models import ClassSession, Enrolment, SessionStatus
from forlob.referrals.models import ReferralType
from forlob.scheduling.models import BUSY_STATUSES, Appointment

PATHWAY = "p"
HOMECARE = _homecare.CARE_PLAN_HOMECARE

# KL CancellationTypes (codes.CANCELLATION_TYPES) for our dropout reasons (pathways 0002).
CANCELLATION_FOR_DROPOUT = {
    "no_need_citizen": "4bbf6d6a-a1c6-41c2-b8c1-7352b7378adf",
    "no_need_professional": "a63b6aa6-7d56-4e67-a5b3-d73f6d262af5",
    "opt_out_general": "3a5a72b7-addf-4857-b80c-04e4246e3072",
    "opt_out_other_illness": "0cd5734d-b663-47c6-a3da-6b14a937d144",
    "opt_out_transport_cost": "f8436c2e-af1c-44fe-939d-473b518dd01d",
    "opt_out_transport_logistics": "8371b769-4bfb-4ac8-b130-d91c54784a56",
    "opt_out_other_training": "a3f2bd01-078b-486e-81be-797d192ad7bd",
    "event_ends_pathway": "82e99421-31da-4915-96ed-168ccfa1d20c",
    "no_contact_or_no_show": "ef491570-7884-4acd-bcf7-43d6b2c64762",
}

# CarePlan.status (request-status) and activity.detail.status (care-plan-activity-status).
PLAN_STATUS = {
    PathwayStatus.REFERRED: "active",
    PathwayStatus.BOOKED: "active",
    PathwayStatus.ACTIVE: "active",
    PathwayStatus.COMPLETED: "completed",
    PathwayStatus.DROPPED_OUT: "revoked",
    PathwayStatus.CANCELLED: "revoked",
}
ACTIVITY_STATUS = {
    PathwayStatus.REFERRED: "not-started",
    PathwayStatus.BOOKED: "scheduled",
    PathwayStatus.ACTIVE: "in-progress",
    PathwayStatus.COMPLETED: "completed",
    PathwayStatus.DROPPED_OUT: "stopped",
    PathwayStatus.CANCELLED: "cancelled",
}


def plan_reference(pathway: Pathway) -> dict[str, Any] | None:
    """The CarePlan a pathway's sessions are based on (None: an everyday-rehabilitation case
    not granted yet has no plan). Load ``rehab_case__grant`` with the pathway."""
    case = getattr(pathway, "rehab_case", None)
    if case is None:
        return ref("CarePlan", f"{PATHWAY}{pathway.pk}")
    if getattr(case, "grant", None) is None:
        return None
    return ref("CarePlan", f"{HOMECARE}{case.pk}")


def cancellation(pathway: Pathway) -> dict[str, Any]:
    """KL's cancellation type for a stopped intervention, with our own reason beside it."""
    reason = pathway.dropout_reason
    code = CANCELLATION_FOR_DROPOUT.get(reason.code if reason else "", codes.CANCELLATION_DEFAULT)
    codings = [coding(codes.KL_CODES, code, codes.CANCELLATION_TYPES[code])]
    if reason is not None:
        codings.append(coding(codes.LOCAL_DROPOUT_REASON, reason.code, reason.name))
    return {"coding": codings}


def _local_day(moment: datetime) -> str:
    return day(moment.astimezone(COPENHAGEN).date())


def _planned_minutes(pathway: Pathway) -> list[int]:
    """The length of every planned contact: appointments kept free of declines and
    cancellations, and the group sessions of the pathway's classes."""
    minutes = [int((a.end - a.start).total_seconds() // 60) for a in pathway.planned_appointments]
    for enrolment in pathway.enrolments.all():
        minutes += [
            int((s.end - s.start).total_seconds() // 60)
            for s in enrolment.programme_class.sessions.all()
        ]
    return minutes


def pathway_to_fhir(pathway: Pathway, ctx: Context) -> dict[str, Any]:
    is_140 = pathway.pathway_type.code == ReferralType.GOP and pathway.referral_id is not None
    if is_140:
        category = coding(
            codes.KL_CODES, codes.CARE_PLAN_INTERVENTION, "Interventionsforløb efter §140"
        )
    else:
        category = coding(
            codes.LOCAL_REFERRAL_TYPE, pathway.pathway_type.code, pathway.pathway_type.name
        )
    detail: dict[str, Any] = {"status": ACTIVITY_STATUS[pathway.status]}
    if detail["status"] in ("stopped", "cancelled"):
        detail["statusReason"] = cancellation(pathway)
    minutes = _planned_minutes(pathway)
    if minutes:
        detail["scheduledTiming"] = {
            "repeat": {
                "count": len(minutes),
                "duration": Counter(minutes).most_common(1)[0][0],
                "durationUnit": "min",
            }
        }
    performer: dict[str, Any] = {
        "display": (
            pathway.provider.name
            if pathway.provider_id
            else pathway.team.name
            if pathway.team_id
            else pathway.municipality.name
        )
    }
    if not pathway.provider_id:
        performer["identifier"] = {
            "system": codes.MUNICIPALITY_CODE,
            "value": pathway.municipality.code,
        }
    detail["performer"] = [performer]
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": f"{PATHWAY}{pathway.pk}",
        "meta": meta(codes.PROFILE_CARE_PLAN if is_140 and minutes else None),
        "status": PLAN_STATUS[pathway.status],
        "intent": "plan",
        "category": [{"coding": [category]}],
        "subject": patient_ref(pathway.citizen_id),
        "period": {"start": _local_day(pathway.created_at)},
        "activity": [{"detail": detail}],
    }
    if pathway.ended_at:
        resource["period"]["end"] = _local_day(pathway.ended_at)
    if pathway.referral_id:
        resource["extension"] = [
            {
                "url": codes.EXT_BASED_ON_SERVICE_REQUEST,
                "valueReference": ref("ServiceRequest", pathway.referral_id),
            }
        ]
    if not resource["meta"]:
        del resource["meta"]
    return resource


# --- everyday rehabilitation ----------------------------------------------------------------------

HOMECARE_PLAN_STATUS = {
    Stage.PROVIDER: "draft",
    Stage.START_MEETING: "draft",
    Stage.ACTIVE: "active",
}
HOMECARE_ACTIVITY_STATUS = {
    Stage.PROVIDER: "not-started",
    Stage.START_MEETING: "not-started",
    Stage.ACTIVE: "in-progress",
}


def _homecare_statuses(case: RehabCase) -> tuple[str, str]:
    stage = case.stage
    if stage == Stage.ENDED:
        return ("revoked", "stopped") if _homecare.dropped_out(case) else ("completed", "completed")
    return HOMECARE_PLAN_STATUS.get(stage, "draft"), HOMECARE_ACTIVITY_STATUS.get(
        stage, "not-started"
    )


def case_to_fhir(case: RehabCase, ctx: Context) -> dict[str, Any]:
    grant = case.grant
    status, activity_status = _homecare_statuses(case)
    organisation = case.provider.name if case.provider_id else case.municipality.name
    activities = []
    for action in case.actions.all():
        detail: dict[str, Any] = {
            "status": activity_status,
            "description": f"{action.what} ({action.how})" if action.how else action.what,
            "scheduledTiming": {
                "repeat": {"frequency": action.times_per_week, "period": 1, "periodUnit": "wk"}
            },
            "performer": [{"display": str(Performer(action.who).label)}],
        }
        if action.goal_id:
            detail["goal"] = [ref("Goal", f"{_homecare.GOAL}{action.goal_id}")]
        activities.append({"detail": detail})
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": f"{HOMECARE}{case.pk}",
        "status": status,
        "intent": "plan",
        "category": [
            {
                "coding": [
                    coding(
                        codes.LOCAL_REFERRAL_TYPE,
                        case.pathway.pathway_type.code,
                        case.pathway.pathway_type.name,
                    )
                ]
            }
        ],
        "title": case.pathway.pathway_type.name,
        "subject": patient_ref(case.citizen_id),
        "period": {"start": day(grant.start), "end": day(grant.end)},
        "created": day(grant.decided_on),
        "author": {"display": organisation},
        "supportingInfo": [ref("EpisodeOfCare", case.pathway_id)],
    }
    goals = [ref("Goal", f"{_homecare.GOAL}{goal.pk}") for goal in case.goals.all()]
    if goals:
        resource["goal"] = goals
    if activities:
        resource["activity"] = activities
    return resource


register(
    ResourceType.combined(
        name="CarePlan",
        documentation=(
            "An intervention: a pathway (id p<n>; a GOP as KL Gateway Rehab "
            "klgateway-140-care-plan, with the KL cancellation type on dropout) or a granted "
            "everyday-rehabilitation plan with its goals and actions (id h<n>)."
        ),
        profile=codes.PROFILE_CARE_PLAN,
        parts=(
            ResourceType(
                name="CarePlan",
                prefix=PATHWAY,
                queryset=lambda: (
                    Pathway.objects.filter(rehab_case__isnull=True)
                    .select_related(
                        "pathway_type", "municipality", "provider", "team", "dropout_reason"
                    )
                    .prefetch_related(
                        Prefetch(
                            "appointments",
                            queryset=Appointment.objects.filter(status__in=BUSY_STATUSES),
                            to_attr="planned_appointments",
                        ),
                        Prefetch(
                            "enrolments",
                            queryset=Enrolment.objects.select_related("programme_class"),
                        ),
                        Prefetch(
                            "enrolments__programme_class__sessions",
                            queryset=ClassSession.objects.filter(status=SessionStatus.PLANNED),
                        ),
                    )
                ),
                to_fhir=pathway_to_fhir,
                documentation="Pathways (§140 GOP interventions and the other kinds).",
                date="created_at",
                ordering=("created_at", "pk"),
            ),
            ResourceType(
                name="CarePlan",
                prefix=HOMECARE,
                queryset=lambda: (
                    RehabCase.objects.filter(grant__isnull=False)
                    .select_related(
                        "grant",
                        "provider",
                        "municipality",
                        "assessment",
                        "start_meeting",
                        "pathway__pathway_type",
                    )
                    .prefetch_related(
                        "goals",
                        Prefetch(
                            "actions", queryset=PlanAction.objects.order_by("goal__ordering", "pk")
                        ),
                    )
                ),
                to_fhir=case_to_fhir,
                documentation="Everyday-rehabilitation plans.",
                action=Action.VIEW_CITIZEN,
                narrow=_homecare.provider_narrow(""),
                date="grant__start",
                ordering=("grant__start", "pk"),
            ),
        ),
    )
)
