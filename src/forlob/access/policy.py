"""The permission policy: which role may do what, how far it reaches, and on which citizens.

Every view, API endpoint and service that touches citizen data asks this module, so a rule lives
in one place. Three questions are kept apart:

* *May this role do this kind of thing at all?* (``can``) — a manager without a care role sees
  aggregates and pseudonymised lists but never opens a citizen's record.
* *How far do the role's relations reach?* (``reach_for``) — own team, unit, municipality, or
  own provider's citizens.
* *Which citizens may the user look at right now?* (``citizens_in_scope``) — those with whom the
  user has an active care relation within that reach (Sundhedsloven §42 a, see
  ``access/relations.py``), plus emergency grants ("break the glass") that have not expired.

The matrix in the README is generated from ``ROLE_ACTIONS`` and ``ROLE_REACH`` by
``forlob access-matrix --write README.md``; a test fails when the README drifts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forlob.access.relations import Reach, registered
from forlob.core.choices import Role

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from forlob.citizens.models import Citizen
    from forlob.core.models import User


class Action(StrEnum):
    VIEW_CITIZEN = "view_citizen"
    VIEW_RECORD = "view_record"
    REGISTER_REFERRAL = "register_referral"
    MANAGE_PATHWAY = "manage_pathway"
    EDIT_PLAN = "edit_plan"
    BOOK = "book"
    ASSESS = "assess"
    BREAK_GLASS = "break_glass"
    MANAGE_CAPACITY = "manage_capacity"
    RUN_SIMULATION = "run_simulation"
    VIEW_AGGREGATES = "view_aggregates"
    VIEW_PSEUDONYMISED = "view_pseudonymised"
    EXPORT = "export"
    IMPORT_HOSPITAL_DATA = "import_hospital_data"
    RECORD_AUDIT = "record_audit"
    ADMINISTER = "administer"


ACTION_LABELS: dict[Action, str] = {
    Action.VIEW_CITIZEN: _("view the data of citizens in their care"),
    Action.VIEW_RECORD: _("open the whole record: citizen page, referrals, pathways, calendar"),
    Action.REGISTER_REFERRAL: _("register referrals"),
    Action.MANAGE_PATHWAY: _("manage pathways (status, responsible, notes)"),
    Action.EDIT_PLAN: _("edit rehabilitation plans and evaluations"),
    Action.BOOK: _("book, cancel and register attendance"),
    Action.ASSESS: _("assess applications (everyday rehabilitation)"),
    Action.BREAK_GLASS: _("emergency access outside own relations, with a reason"),
    Action.MANAGE_CAPACITY: _("open and close extra capacity"),
    Action.RUN_SIMULATION: _("run the booking simulation"),
    Action.VIEW_AGGREGATES: _("see key figures and dashboards"),
    Action.VIEW_PSEUDONYMISED: _("see pseudonymised lists"),
    Action.EXPORT: _("export datasets"),
    Action.IMPORT_HOSPITAL_DATA: _("import hospital events (cluster data)"),
    Action.RECORD_AUDIT: _("draw and record cross-sector audits (cluster)"),
    Action.ADMINISTER: _("administer users, reference data and the audit log"),
}

_CLINICAL = {
    Action.VIEW_CITIZEN,
    Action.VIEW_RECORD,
    Action.REGISTER_REFERRAL,
    Action.MANAGE_PATHWAY,
    Action.EDIT_PLAN,
    Action.BOOK,
    Action.BREAK_GLASS,
    Action.VIEW_AGGREGATES,
    Action.RECORD_AUDIT,
}

ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.THERAPIST: frozenset(_CLINICAL),
    Role.NURSE: frozenset(_CLINICAL),
    Role.COORDINATOR: frozenset(
        _CLINICAL | {Action.MANAGE_CAPACITY, Action.RUN_SIMULATION, Action.IMPORT_HOSPITAL_DATA}
    ),
    Role.ASSESSOR: frozenset(
        {
            Action.VIEW_CITIZEN,
            Action.VIEW_RECORD,
            Action.REGISTER_REFERRAL,
            Action.ASSESS,
            Action.BREAK_GLASS,
            Action.VIEW_AGGREGATES,
        }
    ),
    # Home-care staff (municipal or private provider) carry out plans; they neither book nor
    # manage pathways, and they never break the glass. They see what the plan needs (the
    # everyday-rehabilitation pages) but not the whole record (no VIEW_RECORD): not the citizen
    # page with its full CPR number and timeline, not referrals, other pathways or calendars.
    Role.HOMECARE_WORKER: frozenset({Action.VIEW_CITIZEN, Action.EDIT_PLAN}),
    Role.PROVIDER_STAFF: frozenset({Action.VIEW_CITIZEN, Action.EDIT_PLAN}),
    Role.MANAGER: frozenset(
        {
            Action.VIEW_AGGREGATES,
            Action.VIEW_PSEUDONYMISED,
            Action.MANAGE_CAPACITY,
            Action.RUN_SIMULATION,
            Action.RECORD_AUDIT,
        }
    ),
    Role.ANALYST: frozenset(
        {
            Action.VIEW_AGGREGATES,
            Action.VIEW_PSEUDONYMISED,
            Action.EXPORT,
            Action.RUN_SIMULATION,
            Action.IMPORT_HOSPITAL_DATA,
            Action.RECORD_AUDIT,
        }
    ),
    Role.ADMIN: frozenset({Action.ADMINISTER, Action.VIEW_AGGREGATES}),
    # A hospital's or GP's system (FHIR, issue #8): it sends referrals and reads back what became
    # of them — the pathway and the times offered — and nothing else of the record.
    Role.REFERRING_SYSTEM: frozenset({Action.REGISTER_REFERRAL, Action.VIEW_CITIZEN}),
}

# How far each role's care relations reach. A user with several roles gets the widest.
ROLE_REACH: dict[str, Reach] = {
    Role.THERAPIST: Reach.TEAM,
    Role.NURSE: Reach.TEAM,
    Role.COORDINATOR: Reach.UNIT,
    Role.ASSESSOR: Reach.MUNICIPALITY,
    Role.HOMECARE_WORKER: Reach.PROVIDER,
    Role.PROVIDER_STAFF: Reach.PROVIDER,
    Role.MANAGER: Reach.NONE,
    Role.ANALYST: Reach.NONE,
    Role.ADMIN: Reach.NONE,
    Role.REFERRING_SYSTEM: Reach.SENDER,
}

REACH_LABELS: dict[Reach, str] = {
    Reach.OWN: _("own relations"),
    Reach.TEAM: _("own team's relations"),
    Reach.UNIT: _("own unit's relations"),
    Reach.MUNICIPALITY: _("the municipality's relations"),
    Reach.PROVIDER: _("own provider's citizens"),
    Reach.SENDER: _("the referrals it sent"),
    Reach.NONE: _("no citizen records"),
}

_REACH_ORDER = (
    Reach.NONE,
    Reach.SENDER,
    Reach.OWN,
    Reach.PROVIDER,
    Reach.TEAM,
    Reach.UNIT,
    Reach.MUNICIPALITY,
)


def actions_for(user: User) -> frozenset[Action]:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    allowed: set[Action] = set()
    for role in user.role_codes:
        allowed |= ROLE_ACTIONS.get(role, frozenset())
    return frozenset(allowed)


def can(user: User, action: Action) -> bool:
    return action in actions_for(user)


def reach_for(user: User) -> Reach:
    """The widest reach among the user's roles that may view citizens at all."""
    if not can(user, Action.VIEW_CITIZEN):
        return Reach.NONE
    reaches = [ROLE_REACH.get(role, Reach.NONE) for role in user.role_codes]
    return max(reaches, key=_REACH_ORDER.index, default=Reach.NONE)


def grace_start(now: datetime | None = None) -> datetime:
    """Relations that closed at or after this moment still count."""
    return (now or timezone.now()) - timedelta(days=settings.FORLOB_ACCESS_GRACE_DAYS)


def related_citizens(user: User, *, now: datetime | None = None) -> QuerySet[Citizen]:
    """Citizens tied to ``user`` by a live care relation (no emergency grants)."""
    from forlob.citizens.models import Citizen

    reach = reach_for(user)
    if reach == Reach.NONE or user.municipality_id is None:
        return Citizen.objects.none()
    since = grace_start(now)
    related = Q(pk__in=[])
    for relation in registered():
        related |= Q(pk__in=relation.citizen_ids(user, reach, since))
    return Citizen.objects.filter(related, municipality_id=user.municipality_id)


def citizens_in_scope(user: User, *, now: datetime | None = None) -> QuerySet[Citizen]:
    """The citizens whose records ``user`` may open now (before the per-action role check)."""
    from forlob.access.models import BreakGlassAccess
    from forlob.citizens.models import Citizen

    if reach_for(user) == Reach.NONE or user.municipality_id is None:
        return Citizen.objects.none()
    grants = BreakGlassAccess.objects.filter(
        actor_id=user.pk, expires_at__gt=now or timezone.now()
    ).values("citizen")
    return Citizen.objects.filter(
        Q(pk__in=related_citizens(user, now=now).values("pk")) | Q(pk__in=grants),
        municipality_id=user.municipality_id,
    )


def may_break_glass(user: User, citizen: Citizen) -> bool:
    """Emergency access is for the municipality's own clinicians, within their municipality."""
    return (
        can(user, Action.BREAK_GLASS)
        and user.provider_id is None
        and user.municipality_id is not None
        and citizen.municipality_id == user.municipality_id
    )
