"""Who may fetch which part of an everyday-rehabilitation case (on top of ``forlob.access``).

Every view fetches a case or a visit through ``forlob.access.services.get_for_actor``, which
checks the citizen scope (``citizens_in_scope``: the care relations of ``access/relations.py``),
the role's action, and audits the fetch. This module only narrows the *queryset* handed to it:

* A provider's staff (``user.provider`` set: a private provider, or the municipality's own home
  care) see only cases whose citizen chose *their* provider, and only visits on *their*
  provider's driving lists. A case of the same citizen with another provider, or from before the
  citizen changed provider, answers 404 exactly as a missing one (and the denial is audited).
* The assessment part (the assessor's notes, FSIII levels, the shadow assessment, economics) is
  never fetched for a provider's staff at all: 404, audited as denied.

The municipality's staff (no provider) see every case within their role's reach.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from forlob.access.policy import Action, can
from forlob.access.services import get_for_actor
from forlob.homecare.models import RehabCase, Visit

if TYPE_CHECKING:
    from forlob.core.models import User


def is_provider_staff(user: User) -> bool:
    """Employed by a home-care provider (private or municipal): sees the plan, never the notes."""
    return getattr(user, "provider_id", None) is not None


def may_see_assessment(user: User) -> bool:
    """The assessor's notes, the shadow assessment and the economics: municipal staff only."""
    return can(user, Action.VIEW_CITIZEN) and not is_provider_staff(user)


def cases_for(user: User) -> QuerySet[RehabCase]:
    """The cases ``user`` may look at, before the citizen scope (which ``get_for_actor`` adds)."""
    qs = RehabCase.objects.all()
    if is_provider_staff(user):
        qs = qs.filter(provider_id=user.provider_id)
    return qs


def visits_for(user: User) -> QuerySet[Visit]:
    qs = Visit.objects.all()
    if is_provider_staff(user):
        qs = qs.filter(provider_id=user.provider_id)
    return qs


def pick_action(user: User, *actions: Action) -> Action:
    """The first of ``actions`` the user's roles allow (else the first: the fetch answers 403).

    For steps that more than one kind of role carries out (the provider choice and the start
    meeting: the assessor or the coordinator/therapist), so ``get_for_actor`` still writes exactly
    one audit row and answers 403 to a role that may see but not change.
    """
    return next((a for a in actions if can(user, a)), actions[0])


def get_case(
    *,
    actor: User,
    pk: int,
    operation: str,
    actions: tuple[Action, ...] = (Action.VIEW_CITIZEN,),
    assessment: bool = False,
) -> RehabCase:
    """One case for ``actor`` or 404/403 (audited). ``assessment``: the municipal-only part."""
    queryset = cases_for(actor)
    if assessment and not may_see_assessment(actor):
        queryset = RehabCase.objects.none()
    return get_for_actor(
        actor=actor,
        queryset=queryset.select_related(
            "citizen",
            "pathway",
            "provider",
            "assessment",
            "grant",
            "start_meeting",
            "start_meeting__professional",
            "start_meeting__contact_person",
        ),
        pk=pk,
        operation=operation,
        action=pick_action(actor, *actions),
    )


def get_visit(*, actor: User, pk: int, operation: str, action: Action) -> Visit:
    return get_for_actor(
        actor=actor,
        queryset=visits_for(actor).select_related("citizen", "case"),
        pk=pk,
        operation=operation,
        action=action,
    )
