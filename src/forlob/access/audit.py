"""Administrators' work on the audit log: exports, the citizen's report, emergency-grant review.

Every one of these is itself an audited operation: looking at the log about a citizen is looking
at that citizen's data, and an export carries many citizens' data out of the system.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from typing import IO, TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.access.models import AccessLog, BreakGlassAccess
from forlob.access.selectors import (
    AuditFilters,
    AuditRow,
    audit_citizen,
    audit_log_search,
    break_glass_scope,
    describe_all,
)
from forlob.access.services import audit_record
from forlob.core.xlsx import Sheet, new_workbook, safe

if TYPE_CHECKING:
    from forlob.citizens.models import Citizen
    from forlob.core.models import User

MESSAGE_OWN_GRANT = gettext_noop(
    "You cannot review your own emergency access; another administrator must do it."
)
MESSAGE_ALREADY_REVIEWED = gettext_noop("This emergency access has already been reviewed.")
MESSAGE_NOTE_REQUIRED = gettext_noop(
    "Write a note when the access was not justified: what happens next?"
)
MESSAGE_BAD_DECISION = gettext_noop("Choose justified or not justified.")

# Excel's sheet holds 1,048,576 rows; one is the header.
XLSX_MAX_ROWS = 1_048_575
EXPORT_CHUNK = 2000


# --- the citizen's report -------------------------------------------------------------------------


def audit_citizen_not_found(*, actor: User, operation: str) -> None:
    """A CPR number that matches no citizen of the municipality: denied, without the number."""
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.READ,
        operation=operation,
        outcome=AccessLog.Outcome.DENIED,
        reason="no such citizen",
    )


def audit_insight_record(*, actor: User, citizen: Citizen | None) -> None:
    """Audit the making of a citizen's access-log report (or the failed lookup for one)."""
    if citizen is None:
        audit_citizen_not_found(actor=actor, operation="audit_insight_report")
    else:
        audit_record(
            actor=actor, kind=AccessLog.Kind.READ, operation="audit_insight_report", citizen=citizen
        )


# --- searching and exporting ----------------------------------------------------------------------


def audit_search_record(*, actor: User, filters: AuditFilters) -> AccessLog:
    """Audit one look at the log; naming the citizen when the search was for one."""
    citizen = audit_citizen(actor=actor, citizen_id=filters.citizen_id)
    return audit_record(
        actor=actor, kind=AccessLog.Kind.SEARCH, operation="audit_search", citizen=citizen
    )


def audit_export_start(*, actor: User, filters: AuditFilters) -> QuerySet[AccessLog]:
    """Record the export, then give the entries to write (newest first).

    The export is a search of the log (kind "search", operation "audit_export"); when it is
    filtered to one citizen, the entry names that citizen so the citizen's report shows it.
    """
    citizen = audit_citizen(actor=actor, citizen_id=filters.citizen_id)
    audit_record(actor=actor, kind=AccessLog.Kind.SEARCH, operation="audit_export", citizen=citizen)
    return audit_log_search(actor=actor, filters=filters)


def export_header() -> list[str]:
    return [
        _("Time"),
        _("User"),
        _("User name"),
        _("Roles"),
        _("Organisation"),
        _("Kind"),
        _("Operation"),
        _("What was done"),
        _("Citizen"),
        _("CPR number"),
        _("Outcome"),
        _("Reason"),
        _("Emergency access reason"),
        _("Object type"),
        _("Object id"),
    ]


def _cells(row: AuditRow) -> list[object]:
    return [
        row.at.replace(tzinfo=None),  # local wall-clock time; Excel has no time zones
        row.who,
        row.username,
        row.roles,
        row.organisation,
        row.kind,
        row.operation,
        row.description,
        row.citizen_name,
        row.citizen_cpr_masked,  # never the full number in an export
        row.outcome,
        row.reason,
        row.emergency_reason,
        row.object_type,
        row.object_id,
    ]


def _rows(entries: QuerySet[AccessLog], municipality_id: int | None) -> Iterator[list[object]]:
    for row in describe_all(
        entries.iterator(chunk_size=EXPORT_CHUNK), municipality_id=municipality_id
    ):
        # Reasons and names are typed by users: "=HYPERLINK(...)" must stay text.
        yield [safe(v) for v in _cells(row)]


class _Line:
    """A file-like object whose write() hands back the line (for csv.writer in a generator)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(entries: QuerySet[AccessLog], *, municipality_id: int | None) -> Iterator[str]:
    """The export as CSV, one line at a time (bounded memory, for a streaming response).

    Semicolon-separated with a byte-order mark: what Danish Excel opens correctly.
    """
    writer = csv.writer(_Line(), delimiter=";")
    yield "\ufeff" + writer.writerow(export_header())
    for cells in _rows(entries, municipality_id):
        yield writer.writerow(
            [c.strftime("%Y-%m-%d %H:%M:%S") if isinstance(c, datetime) else c for c in cells]
        )


def write_xlsx(entries: QuerySet[AccessLog], *, municipality_id: int | None, out: IO[bytes]) -> int:
    """Write the export as an Excel workbook to ``out``; returns the number of entries.

    openpyxl's write-only mode streams rows to a temporary file, so memory stays flat however
    long the log is. The caller checks ``XLSX_MAX_ROWS`` first.
    """
    workbook = new_workbook()
    sheet = Sheet(
        workbook,
        _("Access log"),
        (19, 24, 14, 22, 28, 8, 22, 40, 24, 12, 10, 30, 30, 14, 10),
    )
    sheet.freeze("A2")
    sheet.header(export_header())
    count = 0
    for cells in _rows(entries, municipality_id):
        sheet.row(cells, number_formats={0: "yyyy-mm-dd hh:mm:ss"})
        count += 1
    workbook.save(out)
    return count


# --- reviewing emergency access -------------------------------------------------------------------

REVIEW_DECISIONS = (BreakGlassAccess.Review.JUSTIFIED, BreakGlassAccess.Review.NOT_JUSTIFIED)


def break_glass_review(
    *,
    actor: User,
    grant_id: int,
    decision: str,
    note: str = "",
    now: datetime | None = None,
) -> BreakGlassAccess:
    """An administrator judges an emergency access: justified, or not (with a note on follow-up).

    Outside the administrator's municipality the grant answers 404 as if missing. Nobody reviews
    their own grant (403, audited as denied), and a grant is reviewed once: two administrators
    clicking at the same time are serialised by the row lock, and the second is told it is done.
    """
    with transaction.atomic():
        grant = (
            break_glass_scope(actor=actor)
            .select_for_update()
            .select_related("citizen")
            .filter(pk=grant_id)
            .first()
        )
        if grant is None:
            raise Http404
        if grant.actor_id != actor.pk:
            return _review(actor=actor, grant=grant, decision=decision, note=note, now=now)
    # Outside the transaction, which only held the lock: the refusal itself must stay on record.
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation="break_glass_review",
        outcome=AccessLog.Outcome.DENIED,
        citizen=grant.citizen,
        obj=grant,
        reason="own emergency access",
    )
    raise PermissionDenied(_(MESSAGE_OWN_GRANT))


def _review(
    *, actor: User, grant: BreakGlassAccess, decision: str, note: str, now: datetime | None
) -> BreakGlassAccess:
    if grant.review != BreakGlassAccess.Review.PENDING:
        raise ValidationError(_(MESSAGE_ALREADY_REVIEWED), code="already_reviewed")
    if decision not in REVIEW_DECISIONS:
        raise ValidationError({"decision": _(MESSAGE_BAD_DECISION)}, code="bad_decision")
    note = " ".join((note or "").split())[:500]
    if decision == BreakGlassAccess.Review.NOT_JUSTIFIED and not note:
        raise ValidationError({"note": _(MESSAGE_NOTE_REQUIRED)}, code="note_required")
    grant.review = decision
    grant.review_note = note
    grant.reviewed_by = actor
    grant.reviewed_at = now or timezone.now()
    grant.save(update_fields=["review", "review_note", "reviewed_by", "reviewed_at"])
    audit_record(
        actor=actor,
        kind=AccessLog.Kind.WRITE,
        operation="break_glass_review",
        citizen=grant.citizen,
        obj=grant,
    )
    return grant
