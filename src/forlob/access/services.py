"""Writing the audit log, and the one guarded way to fetch a citizen's data."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.access.models import AccessLog, BreakGlassAccess
from forlob.access.policy import Action, can, citizens_in_scope, may_break_glass

# Actions that only read: refusing one is audited as a denied read.
READ_ACTIONS = frozenset({Action.VIEW_CITIZEN, Action.VIEW_RECORD})

if TYPE_CHECKING:
    from forlob.citizens.models import Citizen
    from forlob.core.models import User

M = TypeVar("M", bound=Model)


MESSAGE_REASON_TOO_SHORT = gettext_noop(
    "Write why you need access now (at least %(min)d characters); it is reviewed afterwards."
)
BREAK_GLASS_REASON_MIN = 15


def _actor_fields(actor: User) -> dict[str, object]:
    return {
        "actor": actor if actor.is_authenticated else None,
        "actor_name": (actor.get_username() if actor.is_authenticated else "anonymous")[:200],
        "actor_roles": ",".join(sorted(getattr(actor, "role_codes", ())))[:200],
    }


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
        **_actor_fields(actor),
        citizen_id=citizen.pk if citizen is not None else citizen_id,
        kind=kind,
        operation=operation[:100],
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "") or "") if obj is not None else "",
        outcome=outcome,
        reason=reason[:500],
    )


def audit_reads(
    *,
    actor: User,
    operation: str,
    objects: Iterable[Model],
    citizen_of: Callable[[Model], int] | None = None,
) -> None:
    """One allowed read row per object shown in a list (each names one citizen's data).

    Lists such as the intake inbox or a day calendar show names and masked CPR numbers; every
    citizen shown is a read the citizen may later ask about. One INSERT for the whole list.
    ``citizen_of`` finds the citizen of objects that have no ``citizen_id`` of their own.
    """
    from forlob.citizens.models import Citizen

    def default_citizen_of(obj: Model) -> int:
        return obj.pk if isinstance(obj, Citizen) else obj.citizen_id  # type: ignore[attr-defined]

    citizen_of = citizen_of or default_citizen_of
    fields = _actor_fields(actor)
    AccessLog.objects.bulk_create(
        AccessLog(
            **fields,
            citizen_id=citizen_of(obj),
            kind=AccessLog.Kind.READ,
            operation=operation[:100],
            object_type=type(obj).__name__,
            object_id=str(obj.pk),
            outcome=AccessLog.Outcome.ALLOWED,
        )
        for obj in objects
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
            kind=AccessLog.Kind.READ if action in READ_ACTIONS else AccessLog.Kind.WRITE,
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
    """The citizen record, for viewing; 404 (audited) when outside the actor's scope, 403 for
    home-care and provider staff (they see their citizens only through the plan's pages)."""
    from forlob.citizens.models import Citizen

    return get_for_actor(
        actor=actor,
        queryset=Citizen.objects.all(),
        pk=citizen_id,
        operation=operation,
        citizen_field="",
        action=Action.VIEW_RECORD,
    )


def break_glass(
    *, actor: User, citizen: Citizen, reason: str, now: datetime | None = None
) -> BreakGlassAccess:
    """Open a citizen's record outside the actor's relations, for a limited time and a reason.

    Not atomic as a whole on purpose: a refusal's audit row must survive the 404.
    Refused (404, audited as denied) for users who may not break the glass or citizens of another
    municipality, exactly as a missing citizen. The grant is flagged for an administrator's review.
    """
    now = now or timezone.now()
    if not may_break_glass(actor, citizen):
        audit_record(
            actor=actor,
            kind=AccessLog.Kind.READ,
            operation="break_glass",
            outcome=AccessLog.Outcome.DENIED,
            citizen=citizen,
            reason="not allowed to break the glass",
        )
        raise Http404
    reason = " ".join((reason or "").split())
    if len(reason) < BREAK_GLASS_REASON_MIN:
        raise ValidationError(
            {"reason": _(MESSAGE_REASON_TOO_SHORT) % {"min": BREAK_GLASS_REASON_MIN}},
            code="reason_too_short",
        )
    with transaction.atomic():
        grant = BreakGlassAccess.objects.create(
            actor=actor,
            citizen=citizen,
            reason=reason[:500],
            granted_at=now,
            expires_at=now + timedelta(hours=settings.FORLOB_BREAK_GLASS_HOURS),
        )
        audit_record(
            actor=actor,
            kind=AccessLog.Kind.READ,
            operation="break_glass",
            citizen=citizen,
            obj=grant,
            reason=reason,
        )
    return grant
