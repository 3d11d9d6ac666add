"""The FHIR resource types Forløb serves, each declared once with its mapping and its scope.

A type names its Django queryset, the function that turns a row into a FHIR resource (a plain
dict, validated against fhir.resources' R4B model before it leaves), the path to the citizen it
concerns, and what a reader must be allowed. ``visible`` applies the access policy exactly as
the pages do:

* the rows must belong to a citizen in ``citizens_in_scope(actor)`` (§42 a care relations and
  break-the-glass grants, ``access/policy.py``);
* the actor's role must have the type's action (``view_record`` for the record itself, so
  provider and home-care staff do not read referrals or pathways here either);
* a referring system (reach ``sender``) sees only what came of the referrals it sent, through
  the type's ``sender`` filter; a type without one is closed to it;
* ``narrow`` lets an app narrow further (a provider's staff see their own provider's plans).

Apps declare their types in ``fhir/resources/*.py``; the module list is ``RESOURCE_MODULES``.

A FHIR type fed by more than one model (Encounter: attended appointments and group sessions) is
``ResourceType.combined`` of *parts*, each a full ``ResourceType`` with its own queryset, scope
and an id ``prefix`` (``a12``, ``s45``): ``locate`` finds the part an id belongs to, and a search
runs each part in turn and pages across them (``page``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Model, Q, QuerySet

from forlob.access.policy import Action, can, citizens_in_scope, reach_for
from forlob.access.relations import Reach

if TYPE_CHECKING:
    from forlob.core.models import User

RESOURCE_MODULES = (
    "forlob.fhir.resources.patient",
    "forlob.fhir.resources.service_request",
    "forlob.fhir.resources.episode_of_care",
    "forlob.fhir.resources.appointment",
    "forlob.fhir.resources.encounter",
    "forlob.fhir.resources.care_plan",
    "forlob.fhir.resources.goal",
    "forlob.fhir.resources.condition",
    "forlob.fhir.resources.observation",
    "forlob.fhir.resources.questionnaire",
)


@dataclass(frozen=True)
class Context:
    """What a mapping may need besides the row: who reads, and the server's base URL."""

    actor: User
    base: str  # e.g. "https://forlob.randers.dk/fhir"

    @property
    def sees_cpr(self) -> bool:
        """The full CPR number goes to those who may open the record, and back to the system
        that sent it; a provider's system gets the citizen without it (as its staff do)."""
        return can(self.actor, Action.VIEW_RECORD) or reach_for(self.actor) == Reach.SENDER


@dataclass(frozen=True)
class SearchParam:
    name: str
    kind: str  # "reference", "date", "token", "string"
    documentation: str
    apply: Callable[[QuerySet, list[str]], QuerySet]


@dataclass(frozen=True)
class ResourceType:
    name: str
    queryset: Callable[[], QuerySet]
    to_fhir: Callable[[Any, Context], dict[str, Any]]
    documentation: str
    action: Action | tuple[Action, ...] = Action.VIEW_RECORD  # a tuple: any one of them
    citizen: str | None = "citizen"  # path to the citizen; "" for the citizen itself, None: none
    sender: Callable[[User], Q] | None = None
    narrow: Callable[[User, QuerySet], QuerySet] | None = None
    patient: str | None = "citizen"  # path searched by `patient` (None: no patient search)
    date: str | None = None  # field searched by `date`
    params: tuple[SearchParam, ...] = ()
    profile: str | None = None
    ordering: tuple[str, ...] = ("-pk",)
    prefix: str = ""  # a part's id prefix ("a" → id "a12"); "" for plain digit ids
    parts: tuple[ResourceType, ...] = ()  # set by ``combined``

    @classmethod
    def combined(
        cls, *, name: str, documentation: str, parts: tuple[ResourceType, ...], **kwargs: Any
    ) -> ResourceType:
        """One FHIR type from several models: each part keeps its queryset, mapping and scope,
        and needs a distinct, non-digit-ending ``prefix`` so that ids do not collide."""
        prefixes = [p.prefix for p in parts]
        if len(set(prefixes)) != len(parts) or not all(p and not p[-1].isdigit() for p in prefixes):
            raise ValueError(f"{name}: parts need distinct prefixes not ending in a digit")
        params = {p.name: p for part in parts for p in part.params}
        return cls(
            name=name,
            queryset=parts[0].queryset,
            to_fhir=parts[0].to_fhir,
            documentation=documentation,
            citizen=next((p.citizen for p in parts if p.citizen is not None), None),
            patient=next((p.patient for p in parts if p.patient), None),
            date=next((p.date for p in parts if p.date), None),
            params=tuple(params.values()),
            parts=parts,
            **kwargs,
        )

    def sources(self) -> tuple[ResourceType, ...]:
        """The parts to search (the type itself when it has one model)."""
        return self.parts or (self,)

    def resource_id(self, obj: Model) -> str:
        return f"{self.prefix}{obj.pk}"

    def locate(self, resource_id: str) -> tuple[ResourceType, int] | None:
        """The part and primary key behind a resource id, or None for an id we never made."""
        for part in self.sources():
            if not resource_id.startswith(part.prefix):
                continue
            rest = resource_id[len(part.prefix) :]
            if rest.isascii() and rest.isdigit() and len(rest) < 13:
                return part, int(rest)
        return None

    def citizen_id(self, obj: Model) -> int:
        if not self.citizen:
            return obj.pk
        value: Any = obj
        parts = self.citizen.split("__")
        for part in parts[:-1]:
            value = getattr(value, part)
        return getattr(value, f"{parts[-1]}_id")

    def may_read_type(self, actor: User) -> bool:
        """May ``actor`` read this kind of resource at all (before asking which rows)?"""
        if self.parts:
            return any(part.may_read_type(actor) for part in self.parts)
        if not actor.is_authenticated or not actor.is_active:
            return False
        if reach_for(actor) == Reach.SENDER:
            return self.sender is not None and can(actor, Action.VIEW_CITIZEN)
        actions = self.action if isinstance(self.action, tuple) else (self.action,)
        return any(can(actor, action) for action in actions)

    def visible(self, actor: User) -> QuerySet:
        """The rows ``actor`` may read now (empty when the type is closed to the actor)."""
        if self.parts:
            raise TypeError(f"{self.name} has several parts: ask each of sources().")
        qs = self.queryset()
        if not self.may_read_type(actor):
            return qs.none()
        if self.citizen is not None:
            scope = citizens_in_scope(actor)
            qs = qs.filter(**{f"{self.citizen}__in" if self.citizen else "pk__in": scope})
        if reach_for(actor) == Reach.SENDER and self.sender is not None:
            qs = qs.filter(self.sender(actor))
        if self.narrow is not None:
            qs = self.narrow(actor, qs)
        return qs


def page(
    found: list[tuple[ResourceType, QuerySet]], offset: int, count: int
) -> tuple[int, list[tuple[ResourceType, Any]]]:
    """The total over the parts' ordered querysets, and the rows ``offset`` to ``offset+count``
    of their concatenation (part by part), each with its part."""
    total, rows = 0, []
    for part, qs in found:
        n = qs.count()
        start, wanted = max(0, offset - total), count - len(rows)
        if wanted > 0 and start < n:
            rows += [(part, obj) for obj in qs[start : start + wanted]]
        total += n
    return total, rows


_TYPES: dict[str, ResourceType] = {}


def register(resource_type: ResourceType) -> None:
    _TYPES[resource_type.name] = resource_type


def types() -> dict[str, ResourceType]:
    if not _TYPES:
        for module in RESOURCE_MODULES:
            importlib.import_module(module)
    return dict(sorted(_TYPES.items()))


def get(name: str) -> ResourceType | None:
    return types().get(name)
