"""Writes of monitoring: asking for a report, making it, and recording exports in the audit log.

Exports carry data out of the system, so each is recorded (who, what, when) even when it holds
no names: the annual report on request and on every download, the shared dataset, the Excel
lists. A report or dataset names no citizen, so its audit row names none either.
"""

from __future__ import annotations

import getpass
import logging
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.access.models import AccessLog
from forlob.access.policy import Action, can
from forlob.access.services import audit_record
from forlob.core.models import Municipality, Unit, User
from forlob.monitoring.models import ReportRun

log = logging.getLogger(__name__)

MESSAGE_UNIT_ELSEWHERE = gettext_noop("Choose a unit of your own municipality.")
MESSAGE_NO_MUNICIPALITY = gettext_noop("Your user belongs to no municipality.")
MESSAGE_YEAR_IN_FUTURE = gettext_noop("The report cannot be for a year that has not begun.")
MESSAGE_REPORT_FAILED = gettext_noop("The report could not be made. Try again or ask support.")

OP_REPORT_REQUEST = "export_annual_report"
OP_REPORT_DOWNLOAD = "export_annual_report_download"
OP_DATASET = "export_dataset"


def reports_dir() -> Path:
    return Path(getattr(settings, "FORLOB_REPORTS_DIR", settings.VAR_DIR / "reports"))


@transaction.atomic
def report_request(
    *, actor: User, year: int, quarter: int | None = None, unit: Unit | None = None
) -> ReportRun:
    """Ask for a report: a queued run, made by the worker after this transaction commits."""
    if not can(actor, Action.VIEW_AGGREGATES):
        raise PermissionDenied
    if actor.municipality_id is None:
        raise ValidationError(_(MESSAGE_NO_MUNICIPALITY), code="no_municipality")
    if unit is not None and unit.municipality_id != actor.municipality_id:
        raise ValidationError({"unit": _(MESSAGE_UNIT_ELSEWHERE)}, code="unit_elsewhere")
    if year > timezone.localdate().year:
        raise ValidationError({"year": _(MESSAGE_YEAR_IN_FUTURE)}, code="future_year")
    run = ReportRun.objects.create(
        municipality_id=actor.municipality_id,
        requested_by=actor,
        year=year,
        quarter=quarter,
        unit=unit,
    )
    audit_record(
        actor=actor, kind=AccessLog.Kind.READ, operation=OP_REPORT_REQUEST, obj=run,
        reason=run.title,
    )  # fmt: skip
    transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int) -> None:
    from forlob.monitoring.tasks import generate_report

    result = generate_report.enqueue(run_id)
    ReportRun.objects.filter(pk=run_id, task_id="").update(task_id=str(result.id)[:64])


def _progress(run_id: int, percent: int, message: str) -> None:
    ReportRun.objects.filter(pk=run_id).update(progress=min(percent, 99), message=message[:300])


def report_make(run_id: int) -> ReportRun:
    """Make the report's PDF (the worker runs this). Idempotent: a finished run stays as it is.

    The run is claimed with a conditional update, so two workers never make the same report.
    Progress is written as it goes; a failure is recorded on the run, never left "running".
    """
    from forlob.monitoring.reports import build_pdf

    claimed = ReportRun.objects.filter(
        pk=run_id, status__in=[ReportRun.Status.QUEUED, ReportRun.Status.FAILED]
    ).update(status=ReportRun.Status.RUNNING, progress=1, message="")
    run = ReportRun.objects.select_related("municipality", "requested_by", "unit").get(pk=run_id)
    if not claimed:
        return run
    try:
        pdf = build_pdf(run, lambda percent, step: _progress(run_id, percent, step))
        folder = reports_dir()
        folder.mkdir(parents=True, exist_ok=True)
        name = f"report-{run.pk}-{secrets.token_hex(8)}.pdf"
        (folder / name).write_bytes(pdf)
        (folder / name).chmod(0o600)
    except Exception:
        log.exception("report %s failed", run_id)
        ReportRun.objects.filter(pk=run_id).update(
            status=ReportRun.Status.FAILED,
            message=_(MESSAGE_REPORT_FAILED),
            finished_at=timezone.now(),
        )
        run.refresh_from_db()
        return run
    ReportRun.objects.filter(pk=run_id).update(
        status=ReportRun.Status.DONE,
        progress=100,
        message="",
        file_name=name,
        file_size=len(pdf),
        finished_at=timezone.now(),
    )
    run.refresh_from_db()
    return run


def report_file(run: ReportRun) -> Path | None:
    if run.status != ReportRun.Status.DONE or not run.file_name:
        return None
    path = reports_dir() / Path(run.file_name).name
    return path if path.is_file() else None


def report_download_record(*, actor: User, run: ReportRun) -> None:
    audit_record(
        actor=actor, kind=AccessLog.Kind.READ, operation=OP_REPORT_DOWNLOAD, obj=run,
        reason=run.title,
    )  # fmt: skip


def dataset_export_record(
    *, actor: User | None, municipality: Municipality, year: int, rows: int
) -> AccessLog:
    """Record a dataset export; from the command line (no user) under the system user's name."""
    reason = f"{municipality.code} {year}: {rows} rows"
    if actor is not None:
        return audit_record(
            actor=actor, kind=AccessLog.Kind.READ, operation=OP_DATASET, reason=reason
        )
    return AccessLog.objects.create(
        actor=None,
        actor_name=f"command line ({getpass.getuser()})"[:200],
        actor_roles="",
        kind=AccessLog.Kind.READ,
        operation=OP_DATASET,
        outcome=AccessLog.Outcome.ALLOWED,
        reason=reason,
    )
