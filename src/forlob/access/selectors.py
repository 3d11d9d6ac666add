"""Reads on the audit log and on emergency grants, for administrators (and the citizen's report).

Everything here is scoped by ``audit_scope``: an administrator sees the entries about the
municipality's citizens and those made by the municipality's own staff. An entry by our staff
about another municipality's citizen is shown without that citizen's identity.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.access.models import AccessLog, BreakGlassAccess
from forlob.access.policy import Action, can
from forlob.core.choices import Role

if TYPE_CHECKING:
    from forlob.citizens.models import Citizen
    from forlob.core.models import User

# What an operation code means, in words a citizen understands (Danish in the catalogue).
# Codes come from the views and services that call ``audit_record``; an unknown code is shown
# as it is rather than hidden.
OPERATION_LABELS: dict[str, str] = {
    "citizen_detail": gettext_noop("Opened the citizen's record"),
    "citizen_search": gettext_noop("Searched for citizens"),
    "citizen_search_result": gettext_noop("Saw the citizen in search results"),
    "citizen_timeline": gettext_noop("Read the citizen's history"),
    "citizen_register": gettext_noop("Registered the citizen"),
    "citizen_note_add": gettext_noop("Wrote a note on the citizen"),
    "referral_inbox": gettext_noop("Saw the citizen in the intake inbox"),
    "referral_detail": gettext_noop("Opened a referral"),
    "referral_register": gettext_noop("Registered a referral"),
    "referral_reject": gettext_noop("Rejected a referral"),
    "pathway_detail": gettext_noop("Opened a rehabilitation pathway"),
    "pathway_create": gettext_noop("Created a rehabilitation pathway"),
    "pathway_assign": gettext_noop("Changed who is responsible for a pathway"),
    "pathway_transition": gettext_noop("Changed the status of a pathway"),
    "appointment_book": gettext_noop("Booked an appointment"),
    "appointment_decline": gettext_noop("Registered that the citizen declined an appointment"),
    "appointment_declined": gettext_noop("Registered that the citizen declined an appointment"),
    "appointment_cancel": gettext_noop("Cancelled an appointment"),
    "appointment_cancelled": gettext_noop("Cancelled an appointment"),
    "appointment_attended": gettext_noop("Registered that the citizen attended"),
    "appointment_no_show": gettext_noop("Registered that the citizen did not show up"),
    "calendar_day": gettext_noop("Saw the citizen in a day calendar"),
    "break_glass": gettext_noop("Emergency access to the record"),
    "break_glass_list": gettext_noop("Looked at emergency accesses awaiting review"),
    "break_glass_review": gettext_noop("Reviewed an emergency access"),
    "audit_search": gettext_noop("Looked up the access log"),
    "audit_export": gettext_noop("Exported the access log"),
    "audit_insight_report": gettext_noop("Made the access-log report for the citizen"),
    "audit_purge": gettext_noop("Deleted entries past the retention period"),
}


API_PREFIX = "api_"


def operation_label(code: str) -> str:
    """The plain-language description of an operation code; the code itself if unknown.

    ``pathway_transition:completed`` → "Changed the status of a pathway (Completed)";
    ``api_citizen_detail`` → "Opened the citizen's record (through an integration)".
    """
    through_api = code.startswith(API_PREFIX) and code[len(API_PREFIX) :].partition(":")[0] in (
        OPERATION_LABELS
    )
    base, _sep, detail = code.removeprefix(API_PREFIX if through_api else "").partition(":")
    label = OPERATION_LABELS.get(base)
    if label is None:
        return code
    words = _(label)
    if detail:
        from forlob.pathways.models import PathwayStatus

        shown = PathwayStatus(detail).label if detail in PathwayStatus.values else detail
        words = f"{words} ({shown})"
    if through_api:
        words = f"{words} {_('(through an integration)')}"
    return words


def role_labels(codes: str) -> str:
    """The snapshot ``actor_roles`` ("manager,therapist") in words."""
    labels = [str(Role(c).label) if c in Role.values else c for c in codes.split(",") if c]
    return ", ".join(labels)


# --- the filters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    """What the administrator asked for. Holds a citizen id, never a CPR number.

    Kept in the session between the POST of the filter form and the pages and exports that
    follow, so no filter (and no CPR number) travels in a URL.
    """

    date_from: date | None = None
    date_to: date | None = None
    username: str = ""
    operation: str = ""
    outcome: str = ""
    kind: str = ""
    break_glass_only: bool = False
    citizen_id: int | None = None
    # The newest entry when the search was made: paging through a log that grows while one
    # reads it (every page view is itself logged) must not shift the pages.
    until_id: int | None = None

    def to_session(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("date_from", "date_to"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_session(cls, data: object) -> AuditFilters:
        """Tolerant: anything odd in the session gives the default for that field."""
        if not isinstance(data, dict):
            return cls()
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = data.get(f.name)
            if f.name in ("date_from", "date_to"):
                try:
                    values[f.name] = date.fromisoformat(raw) if raw else None
                except (TypeError, ValueError):
                    values[f.name] = None
            elif f.name in ("citizen_id", "until_id"):
                values[f.name] = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
            elif f.name == "break_glass_only":
                values[f.name] = raw is True
            else:
                values[f.name] = raw if isinstance(raw, str) else ""
        return cls(**values)


# --- scope and search ---------------------------------------------------------------------------


def audit_scope(*, actor: User) -> QuerySet[AccessLog]:
    """The entries ``actor`` may search: none unless an administrator of a municipality."""
    if not can(actor, Action.ADMINISTER) or actor.municipality_id is None:
        return AccessLog.objects.none()
    m = actor.municipality_id
    return AccessLog.objects.filter(
        Q(citizen__municipality_id=m)
        | Q(actor__municipality_id=m)
        # System entries (the retention purge) belong to no municipality and to every one.
        | Q(actor__isnull=True, citizen__isnull=True)
    )


def audit_citizen_by_cpr(*, actor: User, cpr: str) -> Citizen | None:
    """The citizen of the administrator's municipality with this CPR number, if any."""
    from forlob.citizens.models import Citizen

    if not can(actor, Action.ADMINISTER) or actor.municipality_id is None:
        return None
    return Citizen.objects.filter(cpr=cpr, municipality_id=actor.municipality_id).first()


def audit_citizen(*, actor: User, citizen_id: int | None) -> Citizen | None:
    from forlob.citizens.models import Citizen

    if citizen_id is None or actor.municipality_id is None:
        return None
    return Citizen.objects.filter(pk=citizen_id, municipality_id=actor.municipality_id).first()


def _grants_covering() -> QuerySet[BreakGlassAccess]:
    """Emergency grants of the entry's user for the entry's citizen open at the entry's time."""
    return BreakGlassAccess.objects.filter(
        actor_id=OuterRef("actor_id"),
        citizen_id=OuterRef("citizen_id"),
        granted_at__lte=OuterRef("at"),
        expires_at__gt=OuterRef("at"),
    )


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_log_search(*, actor: User, filters: AuditFilters) -> QuerySet[AccessLog]:
    """The entries matching ``filters`` within the actor's scope, newest first.

    Each entry carries ``emergency_reason``: the reason of the emergency grant under which it
    was made (break the glass), or "".
    """
    qs = audit_scope(actor=actor)
    f = filters
    if f.date_from:
        qs = qs.filter(at__gte=_local_midnight(f.date_from))
    if f.date_to:
        qs = qs.filter(at__lt=_local_midnight(f.date_to + timedelta(days=1)))
    if f.username:
        qs = qs.filter(Q(actor_name__iexact=f.username) | Q(actor__username__iexact=f.username))
    if f.operation:
        # "pathway_transition" also finds "pathway_transition:completed" and the like.
        qs = qs.filter(Q(operation=f.operation) | Q(operation__startswith=f"{f.operation}:"))
    if f.outcome:
        qs = qs.filter(outcome=f.outcome)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.citizen_id is not None:
        qs = qs.filter(citizen_id=f.citizen_id)
    if f.until_id is not None:
        qs = qs.filter(id__lte=f.until_id)
    if f.break_glass_only:
        qs = qs.filter(Q(operation="break_glass") | Exists(_grants_covering()))
    return (
        qs.annotate(emergency_reason=Subquery(_grants_covering().values("reason")[:1]))
        .select_related(
            "citizen",
            "actor__team__unit",
            "actor__provider",
            "actor__municipality",
        )
        .order_by("-at", "-id")
    )


# --- one entry as people read it ----------------------------------------------------------------


@dataclass(frozen=True)
class AuditRow:
    """One entry in words: for the admin page, the exports and the citizen's report."""

    id: int
    at: datetime  # local time
    who: str
    username: str
    roles: str
    organisation: str
    kind: str
    operation: str
    description: str
    citizen_name: str
    citizen_cpr_masked: str
    outcome: str
    denied: bool
    reason: str
    emergency_reason: str
    object_type: str
    object_id: str


def _organisation(user: User | None) -> str:
    if user is None:
        return ""
    if user.provider_id is not None:
        return user.provider.name
    if user.team_id is not None:
        return f"{user.team.name}, {user.team.unit.name}"
    return user.municipality.name if user.municipality_id is not None else ""


class _Words:
    """Memoised labels for one run over many entries (an export may hold millions).

    Translating a label costs more than reading the row; within one request the language does
    not change, so each code, role set, user and citizen is put into words once.
    """

    def __init__(self, municipality_id: int | None) -> None:
        self.municipality_id = municipality_id
        self._labels: dict[tuple[str, str], str] = {}
        self._actors: dict[int, tuple[str, str]] = {}
        self._citizens: dict[int, tuple[str, str]] = {}

    def label(self, kind: str, code: str) -> str:
        key = (kind, code)
        if key not in self._labels:
            if kind == "operation":
                self._labels[key] = operation_label(code)
            elif kind == "roles":
                self._labels[key] = role_labels(code)
            else:
                choices = AccessLog.Kind if kind == "kind" else AccessLog.Outcome
                self._labels[key] = str(dict(choices.choices).get(code, code))
        return self._labels[key]

    def actor(self, entry: AccessLog) -> tuple[str, str]:
        """(name, organisation) of the entry's user as they are now; the snapshot if gone."""
        if entry.actor_id is None:
            return entry.actor_name, ""
        if entry.actor_id not in self._actors:
            user = entry.actor
            self._actors[entry.actor_id] = (
                user.get_full_name() or user.get_username(),
                _organisation(user),
            )
        return self._actors[entry.actor_id]

    def citizen(self, entry: AccessLog) -> tuple[str, str]:
        """(name, masked CPR); a citizen of another municipality is not named."""
        if entry.citizen_id is None:
            return "", ""
        if entry.citizen_id not in self._citizens:
            citizen = entry.citizen
            if citizen.municipality_id == self.municipality_id:
                words = (citizen.full_name, citizen.cpr_masked)
            else:
                words = (_("(citizen of another municipality)"), "")
            self._citizens[entry.citizen_id] = words
        return self._citizens[entry.citizen_id]

    def row(self, entry: AccessLog) -> AuditRow:
        who, organisation = self.actor(entry)
        citizen_name, citizen_cpr = self.citizen(entry)
        emergency = getattr(entry, "emergency_reason", None) or ""
        if not emergency and entry.operation == "break_glass" and entry.outcome == "allowed":
            emergency = entry.reason
        return AuditRow(
            id=entry.pk,
            at=timezone.localtime(entry.at),
            who=who,
            username=entry.actor_name,
            roles=self.label("roles", entry.actor_roles),
            organisation=organisation,
            kind=self.label("kind", entry.kind),
            operation=entry.operation,
            description=self.label("operation", entry.operation),
            citizen_name=citizen_name,
            citizen_cpr_masked=citizen_cpr,
            outcome=self.label("outcome", entry.outcome),
            denied=entry.outcome == AccessLog.Outcome.DENIED,
            reason=entry.reason,
            emergency_reason=emergency,
            object_type=entry.object_type,
            object_id=entry.object_id,
        )


def describe_all(
    entries: Iterable[AccessLog], *, municipality_id: int | None
) -> Iterator[AuditRow]:
    """Each entry in words, as seen from ``municipality_id``'s administration.

    A user's name and workplace are as they are now (the log keeps the user name and roles as
    they were, and the name when the user is gone); a citizen of another municipality is not
    named.
    """
    words = _Words(municipality_id)
    for entry in entries:
        yield words.row(entry)


# --- the citizen's report -------------------------------------------------------------------------


def insight_entries(
    *, actor: User, citizen: Citizen, date_from: date | None, date_to: date | None
) -> list[AuditRow]:
    """Every entry about ``citizen`` in the period, oldest first (the citizen reads it as a story).

    Call only after the lookup of ``citizen`` has been audited.
    """
    filters = AuditFilters(date_from=date_from, date_to=date_to, citizen_id=citizen.pk)
    entries = audit_log_search(actor=actor, filters=filters).order_by("at", "id")
    return list(describe_all(entries, municipality_id=actor.municipality_id))


# --- emergency grants ---------------------------------------------------------------------------


def break_glass_scope(*, actor: User) -> QuerySet[BreakGlassAccess]:
    """Grants on the administrator's municipality's citizens."""
    if not can(actor, Action.ADMINISTER) or actor.municipality_id is None:
        return BreakGlassAccess.objects.none()
    return BreakGlassAccess.objects.filter(citizen__municipality_id=actor.municipality_id)


def break_glass_pending(*, actor: User) -> QuerySet[BreakGlassAccess]:
    """Grants waiting for review, oldest first, with how many entries were made under each."""
    return (
        break_glass_scope(actor=actor)
        .filter(review=BreakGlassAccess.Review.PENDING)
        .select_related("actor__team__unit", "actor__municipality", "actor__provider", "citizen")
        .annotate(
            entries=Subquery(
                AccessLog.objects.filter(
                    actor_id=OuterRef("actor_id"),
                    citizen_id=OuterRef("citizen_id"),
                    at__gte=OuterRef("granted_at"),
                    at__lt=OuterRef("expires_at"),
                )
                .order_by()
                .values("citizen_id")
                .annotate(n=Count("id"))
                .values("n")[:1]
            )
        )
        .order_by("granted_at", "id")
    )


def break_glass_recently_reviewed(*, actor: User, limit: int = 20) -> QuerySet[BreakGlassAccess]:
    return (
        break_glass_scope(actor=actor)
        .exclude(review=BreakGlassAccess.Review.PENDING)
        .select_related("actor", "citizen", "reviewed_by")
        .order_by("-reviewed_at", "-id")[:limit]
    )
