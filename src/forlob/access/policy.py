"""The permission policy: which role may do which action, and on which citizens.

Every view and service that touches citizen data asks this module, so a rule lives in one place.
Two questions are kept apart:

* *May this role do this kind of thing at all?* (``can``) — a manager without a care role may see
  aggregates but never open a citizen's record.
* *Is this citizen within the actor's scope?* (``citizens_in_scope``) — today: citizens of the
  actor's own municipality. The security issue narrows this to citizens with whom the actor's
  team has an active relation (Sundhedsloven §42 a); callers need not change when it does.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from forlob.core.choices import Role

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from forlob.citizens.models import Citizen
    from forlob.core.models import User


class Action(StrEnum):
    VIEW_CITIZEN = "view_citizen"
    REGISTER_REFERRAL = "register_referral"
    MANAGE_PATHWAY = "manage_pathway"
    BOOK = "book"
    VIEW_AGGREGATES = "view_aggregates"
    ADMINISTER = "administer"


_CARE = {Action.VIEW_CITIZEN, Action.REGISTER_REFERRAL, Action.MANAGE_PATHWAY, Action.BOOK}

ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.THERAPIST: frozenset(_CARE | {Action.VIEW_AGGREGATES}),
    Role.NURSE: frozenset(_CARE | {Action.VIEW_AGGREGATES}),
    Role.COORDINATOR: frozenset(_CARE | {Action.VIEW_AGGREGATES}),
    Role.ASSESSOR: frozenset({Action.VIEW_CITIZEN, Action.REGISTER_REFERRAL}),
    Role.HOMECARE_WORKER: frozenset(),
    Role.PROVIDER_STAFF: frozenset(),
    Role.MANAGER: frozenset({Action.VIEW_AGGREGATES}),
    Role.ANALYST: frozenset({Action.VIEW_AGGREGATES}),
    Role.ADMIN: frozenset({Action.ADMINISTER, Action.VIEW_AGGREGATES}),
}


def actions_for(user: User) -> frozenset[Action]:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    allowed: set[Action] = set()
    for role in user.role_codes:
        allowed |= ROLE_ACTIONS.get(role, frozenset())
    return frozenset(allowed)


def can(user: User, action: Action) -> bool:
    return action in actions_for(user)


def citizens_in_scope(user: User) -> QuerySet[Citizen]:
    """The citizens whose records ``user`` may open (before role checks)."""
    from forlob.citizens.models import Citizen

    if user.municipality_id is None:
        return Citizen.objects.none()
    # Provider staff see only their provider's citizens; that relation arrives with homecare.
    if user.provider_id is not None:
        return Citizen.objects.none()
    return Citizen.objects.filter(municipality_id=user.municipality_id)
