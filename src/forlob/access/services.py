"""Writing the audit log, and the one guarded way to fetch a citizen's data."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from forlob.access.models import AccessLog
from forlob.access.policy import Action, can, citizens_in_scope

if TYPE_CHECKING:
    from forlob.citizens.models import Citizen
    from forlob.core.models import User

M = TypeVar("M", bound=Model)


def audit_record(
    *,
    actor: User,
    kind: str,
    operation: str,
    outcome: str = AccessLog.Outcome.ALLOWED,
    citizen: Citizen | None = None,
    citizen_id: int | None = None,
    obj: object | None = None,
    reason: str = "",
) -> AccessLog:
    """Append one audit row. Call it inside the transaction of the write it documents."""
    return AccessLog.objects.create(
        actor=actor if actor.is_authenticated else None,
        actor_name=(actor.get_username() if actor.is_authenticated else "anonymous")[:200],
        actor_roles=",".join(sorted(getattr(actor, "role_codes", ())))[:200],
        citizen_id=citizen.pk if citizen is not None else citizen_id,
        kind=kind,
        operation=operation[:100],
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "") or "") if obj is not None else "",
        outcome=outcome,
        reason=reason[:500],
    )


def get_for_actor(
    *,
    actor: User,
    queryset: QuerySet[M],
    pk: int,
    operation: str,
    action: Action = Action.VIEW_CITIZEN,
    citizen_field: str = "citizen",
) -> M:
    """Fetch one object holding citizen data if ``actor`` may do ``action`` on it; else 404.

    Every fetch is audited: an allowed read names the citizen; a denied one is recorded too.
    Outside scope, or a role that may not view citizens at all: 404. In scope and may view but
    ``action`` is not the role's: 403.
    "Not yours looks like not there": an object outside the actor's scope answers exactly as one
    that does not exist, so IDs cannot be probed. ``citizen_field`` is the path from the object
    to its citizen ("" when the object is the citizen).
    """
    scope_lookup = f"{citizen_field}__in" if citizen_field else "pk__in"
    obj = queryset.filter(**{scope_lookup: citizens_in_scope(actor)}, pk=pk).first()

    def citizen_of(o: Model) -> int:
        return o.pk if not citizen_field else getattr(o, f"{citizen_field}_id")

    if obj is None or not can(actor, Action.VIEW_CITIZEN):
        existing = queryset.model._default_manager.filter(pk=pk).first()
        audit_record(
            actor=actor,
            kind=AccessLog.Kind.READ,
            operation=operation,
            outcome=AccessLog.Outcome.DENIED,
            citizen_id=citizen_of(existing) if existing is not None else None,
            obj=existing,
            reason="" if existing is not None else "no such object",
        )
        raise Http404
    if not can(actor, action):
        # May see, may not change: the one case where we say "forbidden" rather than "not there".
        audit_record(
            actor=actor,
            kind=AccessLog.Kind.WRITE,
            operation=operation,
            outcome=AccessLog.Outcome.DENIED,
            citizen_id=citizen_of(obj),
            obj=obj,
            reason=f"role may not {action}",
        )
        raise PermissionDenied
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.READ,
        operation=operation,
        citizen_id=citizen_of(obj),
        obj=obj,
    )
    return obj


def citizen_get_for_actor(*, actor: User, citizen_id: int, operation: str) -> Citizen:
    """The citizen record, for viewing; 404 (audited) when outside the actor's scope."""
    from forlob.citizens.models import Citizen

    return get_for_actor(
        actor=actor,
        queryset=Citizen.objects.all(),
        pk=citizen_id,
        operation=operation,
        citizen_field="",
    )
