"""Care relations: why a user may look at a citizen's health data right now.

Sundhedsloven §42 a allows a health professional to look up a citizen's health data when it is
necessary for *current* treatment. A care role alone is therefore not enough: the user (or the
user's team, unit or provider, depending on the role's reach) must have an active relation to
the citizen — an open referral or pathway, an appointment, later a class enrolment or an
assigned plan — or have had one within the grace period after it closed
(``settings.FORLOB_ACCESS_GRACE_DAYS``).

Each app declares its relations where its models live (in its ``AppConfig.ready``), so a new kind
of relation is one ``register`` call and nobody edits the policy:

    register(Relation(
        name="pathway",
        model="pathways.Pathway",
        live=lambda since: Q(status__in=OPEN_STATUSES) | Q(ended_at__gte=since),
        staff=("responsible",),
        team="team",
        provider="provider",
        municipality="municipality",
    ))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from django.apps import apps
from django.db.models import Q, QuerySet

if TYPE_CHECKING:
    from forlob.core.models import User


class Reach(StrEnum):
    """How far a role's relations reach: whose relations count as the user's own."""

    OWN = "own"  # only relations naming the user
    TEAM = "team"  # the user's team's relations
    UNIT = "unit"  # every team of the user's unit
    MUNICIPALITY = "municipality"  # every relation of the user's municipality
    PROVIDER = "provider"  # the relations of the user's provider (private or municipal)
    SENDER = "sender"  # what became of the referrals the user (a referring system) sent
    NONE = "none"  # no citizen records at all (aggregates only)


@dataclass(frozen=True)
class Relation:
    """One kind of care relation, described by paths from a model to the parties involved.

    ``live(since)`` selects the rows that still count: open ones, and closed ones that closed at
    or after ``since`` (now minus the grace period). ``unassigned`` selects rows no team has
    taken yet (a new referral in the intake inbox): they belong to the municipality's intake, so
    every municipal care user of that municipality may open them.
    """

    name: str
    model: str  # "app_label.ModelName"
    live: Callable[[datetime], Q]
    municipality: str
    citizen: str = "citizen"
    staff: tuple[str, ...] = ()
    team: str | None = None
    provider: str | None = None
    unassigned: Q | None = None
    sender: str | None = None

    def citizen_ids(self, user: User, reach: Reach, since: datetime) -> QuerySet:
        """The ids of citizens this relation ties to ``user`` at ``reach``."""
        model = apps.get_model(self.model)
        rows = model._default_manager.filter(self.live(since)).filter(
            **{self.municipality: user.municipality_id}
        )
        if reach == Reach.MUNICIPALITY and user.provider_id is None:
            return rows.values(self.citizen)
        mine = Q(pk__in=[])  # matches nothing; each reach below widens it
        for field in self.staff:
            mine |= Q(**{field: user.pk})
        if reach == Reach.SENDER:
            if self.sender:
                mine |= Q(**{self.sender: user.pk})
        elif reach == Reach.PROVIDER:
            if self.provider and user.provider_id is not None:
                mine |= Q(**{self.provider: user.provider_id})
        elif user.provider_id is None:  # municipal staff
            if reach == Reach.TEAM and self.team and user.team_id is not None:
                mine |= Q(**{self.team: user.team_id})
            elif reach == Reach.UNIT and self.team and user.team_id is not None:
                mine |= Q(**{f"{self.team}__unit": user.team.unit_id})
            if self.unassigned is not None and reach != Reach.OWN:
                mine |= self.unassigned
        return rows.filter(mine).values(self.citizen)


_REGISTRY: dict[str, Relation] = {}


def register(relation: Relation) -> None:
    """Declare a kind of relation (idempotent by name, so reloading an app is harmless)."""
    _REGISTRY[relation.name] = relation


def registered() -> list[Relation]:
    return list(_REGISTRY.values())
