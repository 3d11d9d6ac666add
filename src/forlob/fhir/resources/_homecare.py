"""What the everyday-rehabilitation mappings share: scope narrowing, statuses and id schemes.

Not a resource module itself (it registers nothing): ``care_plan``, ``goal`` and ``condition``
import it so that the three agree on ids (a Goal points at its Condition, the CarePlan at its
Goals) and on who may read what (``homecare/access.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from forlob.homecare.access import is_provider_staff, may_see_assessment
from forlob.homecare.models import Assessment, Outcome, RehabCase, Stage
from forlob.measures import fsiii

if TYPE_CHECKING:
    from forlob.core.models import User

# Id prefixes of the parts (see ``ResourceType.combined``).
CARE_PLAN_HOMECARE = "h"  # CarePlan/h<RehabCase id>
GOAL = "g"  # Goal/g<Goal id>
SUB_GOAL = "s"  # Goal/s<SubGoal id>


def condition_prefix(item_code: str) -> str:
    """Condition/J1.1-<Assessment id>: one Condition per assessed FSIII item."""
    return f"{item_code}-"


def condition_id(item_code: str, assessment_id: int) -> str:
    return f"{condition_prefix(item_code)}{assessment_id}"


def assessed_level(assessment: Assessment | None, item_code: str) -> int | None:
    """The item's FSIII level 0–4, or None when not assessed or "not relevant" (9)."""
    if assessment is None or item_code not in fsiii.ITEMS:
        return None
    level = assessment.fsiii_levels.get(item_code)
    if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 4:
        return None
    return level


def provider_narrow(case_path: str):
    """A ``narrow`` for rows under a case: a provider's staff see their provider's cases only."""

    def narrow(actor: User, qs: QuerySet) -> QuerySet:
        if not is_provider_staff(actor):
            return qs
        return qs.filter(**{f"{case_path}provider_id": actor.provider_id})

    return narrow


def assessment_narrow(actor: User, qs: QuerySet) -> QuerySet:
    """The assessment (FSIII levels) is municipal staff's only, as on the case pages."""
    return qs if may_see_assessment(actor) else qs.none()


def dropped_out(case: RehabCase) -> bool:
    return case.outcome == Outcome.DROPPED_OUT


# Goal.lifecycleStatus (http://hl7.org/fhir/goal-status) by the case's stage.
GOAL_STATUS = {
    Stage.ASSESSMENT: "proposed",
    Stage.GRANT: "proposed",
    Stage.PROVIDER: "accepted",
    Stage.START_MEETING: "planned",
    Stage.ACTIVE: "active",
    Stage.NOT_GRANTED: "rejected",
}


def goal_status(case: RehabCase) -> str:
    stage = case.stage
    if stage == Stage.ENDED:
        return "cancelled" if dropped_out(case) else "completed"
    return GOAL_STATUS[stage]
