"""Bulk import: upload → check (preview) → import in one transaction, in the request or the worker.

* ``import_job_create`` stores the upload and checks it: in the request when the file is small
  (``FORLOB_IMPORT_SYNC_BYTES``), else in the worker (``tasks.parse_import``).
* ``import_job_commit`` imports a checked job: in the request for up to
  ``FORLOB_IMPORT_SYNC_ROWS`` rows, else in the worker (``tasks.commit_import``). The file is
  checked again first (the database may have changed since the preview); then every row is
  written inside one ``transaction.atomic()``, so a single failing row leaves nothing behind.
* ``import_file`` is the same check and write for ``forlob import`` (no job, no stored file).

Progress: the check runs outside any transaction and stores rows done/total on the job. The
write runs inside the one transaction, whose updates nobody else can see before it ends (and on
SQLite no other connection may write meanwhile), so its progress goes to a small file beside the
upload, read by ``selectors.job_progress``.

Logs name jobs and exception classes only: a database error's text can quote a value (a CPR
number) from the row that failed.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.access.models import AccessLog
from forlob.access.policy import Action, can
from forlob.access.services import audit_record
from forlob.imports.kinds import get_kind
from forlob.imports.models import ImportJob, ImportKind
from forlob.imports.parsing import (
    CHANGED,
    NEW,
    UNCHANGED,
    Context,
    ParseResult,
    Progress,
    RowFailed,
    mask_cpr_like,
    parse,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from forlob.core.models import Municipality, User

log = logging.getLogger(__name__)

MESSAGE_NO_MUNICIPALITY = gettext_noop("Your user belongs to no municipality.")
MESSAGE_TOO_LARGE = gettext_noop("The file is larger than %(mb)d MB; split it.")
MESSAGE_NOT_READY = gettext_noop("This import cannot be started now (it is not ready, or runs).")
MESSAGE_NOT_DISCARDABLE = gettext_noop("This import can no longer be discarded.")
MESSAGE_FAILED = gettext_noop(
    "The import failed and nothing was saved. Try again, or ask support (job %(id)d)."
)
MESSAGE_FILE_GONE = gettext_noop("The uploaded file is gone; upload it again.")
MESSAGE_NO_LONGER_ALLOWED = gettext_noop("You may no longer import this kind of data.")
MESSAGE_EXPIRED = gettext_noop("Not imported within a day: the file was removed.")

SUMMARY_WORDS = {
    NEW: gettext_noop("new"),
    CHANGED: gettext_noop("changed"),
    UNCHANGED: gettext_noop("unchanged"),
    "removed": gettext_noop("removed"),
}


# --- settings ----------------------------------------------------------------------------------


def imports_dir() -> Path:
    return Path(getattr(settings, "FORLOB_IMPORTS_DIR", settings.VAR_DIR / "imports"))


def max_rows() -> int:
    return int(getattr(settings, "FORLOB_IMPORT_MAX_ROWS", 100_000))


def max_bytes() -> int:
    return int(getattr(settings, "FORLOB_IMPORT_MAX_BYTES", 20 * 1024 * 1024))


def sync_bytes() -> int:
    """Files up to this size are checked while the user waits; larger ones by the worker."""
    return int(getattr(settings, "FORLOB_IMPORT_SYNC_BYTES", 256 * 1024))


def sync_rows() -> int:
    """Imports of up to this many rows run while the user waits; larger ones in the worker."""
    return int(getattr(settings, "FORLOB_IMPORT_SYNC_ROWS", 500))


EXPIRE_AFTER = timedelta(hours=24)

# --- who may import what -----------------------------------------------------------------------


def may_import(user: User | AnonymousUser, kind: str) -> bool:
    """Referrals: whoever registers referrals. Staff: administrators. Calendars: administrators,
    and managers and care coordinators, who already open and close extra capacity."""
    if not user.is_authenticated or getattr(user, "municipality_id", None) is None:
        return False
    if kind == ImportKind.REFERRALS:
        return can(user, Action.REGISTER_REFERRAL)  # type: ignore[arg-type]
    if kind == ImportKind.STAFF:
        return can(user, Action.ADMINISTER)  # type: ignore[arg-type]
    if kind == ImportKind.CALENDARS:
        return can(user, Action.ADMINISTER) or can(user, Action.MANAGE_CAPACITY)  # type: ignore[arg-type]
    return False


def kinds_for(user: User | AnonymousUser) -> list[str]:
    return [k for k in ImportKind.values if may_import(user, k)]


# --- files and progress ------------------------------------------------------------------------


def _path(job: ImportJob) -> Path:
    return imports_dir() / Path(job.file_name).name


def _progress_path(job: ImportJob) -> Path:
    return imports_dir() / f"{Path(job.file_name).name}.progress"


def _remove_files(job: ImportJob) -> None:
    if job.file_name:
        for path in (_path(job), _progress_path(job)):
            path.unlink(missing_ok=True)


def _throttled(write: Callable[[int, int], None], every: float = 0.5) -> Progress:
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - last[0] >= every:
            last[0] = now
            write(done, total)

    return report


def _job_progress(job_id: int) -> Progress:
    return _throttled(
        lambda done, total: ImportJob.objects.filter(pk=job_id).update(
            rows_done=done, rows_total=total
        )
    )


def _file_progress(path: Path) -> Progress:
    def write(done: int, total: int) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(f"{done} {total}")
        os.replace(tmp, path)

    return _throttled(write)


def read_file_progress(job: ImportJob) -> tuple[int, int] | None:
    """The write step's (done, total), while the job is being imported."""
    try:
        done, total = _progress_path(job).read_text().split()
        return int(done), int(total)
    except (OSError, ValueError):
        return None


def summary_text(counts: dict[str, int]) -> str:
    return ", ".join(
        f"{counts[key]} {_(word)}" for key, word in SUMMARY_WORDS.items() if counts.get(key)
    )


# --- the job ------------------------------------------------------------------------------------


def import_job_create(*, actor: User, kind: str, content: bytes, filename: str) -> ImportJob:
    """Store an upload and check it (now for a small file, else in the worker)."""
    if not may_import(actor, kind):
        raise PermissionDenied
    if len(content) > max_bytes():
        raise ValidationError({"file": _(MESSAGE_TOO_LARGE) % {"mb": max_bytes() // (1024 * 1024)}})
    folder = imports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.upload"
    path = folder / name
    path.write_bytes(content)
    path.chmod(0o600)
    job = ImportJob.objects.create(
        kind=kind,
        municipality_id=actor.municipality_id,
        created_by=actor,
        original_name=mask_cpr_like(Path(filename or "").name)[:200] or "-",
        file_name=name,
        file_size=len(content),
    )
    if len(content) <= sync_bytes():
        return import_job_parse(job.pk)
    transaction.on_commit(lambda: _enqueue("parse", job.pk))
    return job


def _enqueue(step: str, job_id: int) -> None:
    from forlob.imports.tasks import commit_import, parse_import

    result = (parse_import if step == "parse" else commit_import).enqueue(job_id)
    ImportJob.objects.filter(pk=job_id).update(task_id=str(result.id)[:64])


def _allowed(job: ImportJob) -> bool:
    actor = job.created_by
    return (
        actor.is_active
        and actor.municipality_id == job.municipality_id
        and may_import(actor, job.kind)
    )


def _finish(job_id: int, **fields: object) -> ImportJob:
    ImportJob.objects.filter(pk=job_id).update(finished_at=timezone.now(), **fields)
    job = ImportJob.objects.select_related("created_by", "municipality").get(pk=job_id)
    if job.status != ImportJob.Status.READY:
        _remove_files(job)
    return job


def _problems(result: ParseResult) -> dict[str, object]:
    return {
        "errors": [p.as_dict() for p in result.problems],
        "error_count": result.problem_count,
    }


def _check(job: ImportJob, *, today: date) -> tuple[ParseResult, Context] | None:
    try:
        content = _path(job).read_bytes()
    except OSError:
        _finish(job.pk, status=ImportJob.Status.FAILED, message=_(MESSAGE_FILE_GONE))
        return None
    if not _allowed(job):
        _finish(job.pk, status=ImportJob.Status.FAILED, message=_(MESSAGE_NO_LONGER_ALLOWED))
        return None
    return parse(
        get_kind(job.kind),
        content,
        municipality=job.municipality,
        actor=job.created_by,
        today=today,
        max_rows=max_rows(),
        progress=_job_progress(job.pk),
    )


def import_job_parse(job_id: int, *, today: date | None = None) -> ImportJob:
    """Check an uploaded file and keep the preview (the worker, or the request for small files).

    Claimed with a conditional update, so two workers never check the same job.
    """
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PARSE_QUEUED).update(
        status=ImportJob.Status.PARSING, rows_done=0
    )
    job = ImportJob.objects.select_related("created_by", "municipality").get(pk=job_id)
    if not claimed:
        return job
    try:
        checked = _check(job, today=today or timezone.localdate())
        if checked is None:
            return ImportJob.objects.get(pk=job_id)
        result, _ctx = checked
    except Exception as exc:
        log.error("import job %s: check failed (%s)", job_id, type(exc).__name__)
        return _finish(
            job_id, status=ImportJob.Status.FAILED, message=_(MESSAGE_FAILED) % {"id": job_id}
        )
    return _finish(
        job_id,
        status=ImportJob.Status.READY if result.ok else ImportJob.Status.INVALID,
        rows_done=len(result.items),
        rows_total=len(result.items),
        preview=result.preview,
        summary=result.counts(),
        **_problems(result),
    )


def import_job_commit(*, actor: User, job: ImportJob) -> ImportJob:
    """Import a checked job: now when it is small, else queued for the worker."""
    if job.created_by_id != actor.pk or not may_import(actor, job.kind):
        raise PermissionDenied
    background = job.rows_total > sync_rows()
    claimed = ImportJob.objects.filter(
        pk=job.pk, status=ImportJob.Status.READY, error_count=0
    ).update(
        status=ImportJob.Status.COMMIT_QUEUED if background else ImportJob.Status.COMMITTING,
        rows_done=0,
    )
    if not claimed:
        raise ValidationError(_(MESSAGE_NOT_READY), code="not_ready")
    if background:
        transaction.on_commit(lambda: _enqueue("commit", job.pk))
        return ImportJob.objects.get(pk=job.pk)
    return _commit(job.pk)


def import_job_run_commit(job_id: int) -> ImportJob:
    """The worker's side of ``import_job_commit``."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.COMMIT_QUEUED).update(
        status=ImportJob.Status.COMMITTING, rows_done=0
    )
    if not claimed:
        return ImportJob.objects.get(pk=job_id)
    return _commit(job_id)


def _commit(job_id: int, *, today: date | None = None) -> ImportJob:
    job = ImportJob.objects.select_related("created_by", "municipality").get(pk=job_id)
    try:
        checked = _check(job, today=today or timezone.localdate())
        if checked is None:
            return ImportJob.objects.get(pk=job_id)
        result, ctx = checked
        if not result.ok:
            return _finish(
                job_id, status=ImportJob.Status.INVALID, preview=result.preview, **_problems(result)
            )
        counts = _write(ctx, result, progress=_file_progress(_progress_path(job)), job=job)
    except RowFailed as exc:
        return _finish(
            job_id,
            status=ImportJob.Status.INVALID,
            errors=[exc.problem.as_dict()],
            error_count=1,
        )
    except Exception as exc:
        log.error("import job %s: import failed (%s)", job_id, type(exc).__name__)
        return _finish(
            job_id, status=ImportJob.Status.FAILED, message=_(MESSAGE_FAILED) % {"id": job_id}
        )
    return _finish(
        job_id,
        status=ImportJob.Status.DONE,
        summary=counts,
        rows_done=len(result.items),
        rows_total=len(result.items),
        preview=[],
    )


def _write(
    ctx: Context,
    result: ParseResult,
    *,
    progress: Progress,
    job: ImportJob | None = None,
    filename: str = "",
) -> dict[str, int]:
    """Every row in one transaction, and the audit row for the whole import inside it."""
    kind = get_kind(result.kind)
    with transaction.atomic():
        counts = kind.write(ctx, result.items, progress)
        audit_record(
            actor=ctx.actor,  # type: ignore[arg-type]
            kind=AccessLog.Kind.WRITE,
            operation=f"import_{result.kind}",
            obj=job,
            reason=" ".join(p for p in (mask_cpr_like(filename), summary_text(counts)) if p),
        )
    return counts


def import_job_discard(*, actor: User, job: ImportJob) -> ImportJob:
    if job.created_by_id != actor.pk:
        raise PermissionDenied
    discardable = (ImportJob.Status.READY, ImportJob.Status.INVALID, ImportJob.Status.FAILED)
    claimed = ImportJob.objects.filter(pk=job.pk, status__in=discardable).update(
        status=ImportJob.Status.DISCARDED, preview=[]
    )
    if not claimed:
        raise ValidationError(_(MESSAGE_NOT_DISCARDABLE), code="not_discardable")
    return _finish(job.pk)


def import_jobs_expire(now: datetime | None = None) -> int:
    """Remove files and previews older than a day (the worker runs this every hour)."""
    cutoff = (now or timezone.now()) - EXPIRE_AFTER
    old = ImportJob.objects.filter(created_at__lt=cutoff).exclude(status__in=ImportJob.RUNNING)
    count = 0
    for job in old.exclude(file_name="", preview=[]):
        if job.status == ImportJob.Status.READY:
            ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.READY).update(
                status=ImportJob.Status.DISCARDED, message=_(MESSAGE_EXPIRED)
            )
        _remove_files(job)
        ImportJob.objects.filter(pk=job.pk).update(file_name="", preview=[])
        count += 1
    return count


# --- the command line -------------------------------------------------------------------------


def import_file(
    *,
    kind: str,
    content: bytes,
    municipality: Municipality,
    actor: User | AnonymousUser,
    filename: str = "",
    dry_run: bool = False,
    today: date | None = None,
    check_progress: Progress | None = None,
    write_progress: Progress | None = None,
) -> tuple[ParseResult, dict[str, int] | None]:
    """Check a file and, unless ``dry_run`` or there are errors, import it all in one go.

    Returns the check's result and the counts written (None when nothing was written). A row
    that fails while being written is added to the result's problems; nothing is saved then.
    """
    result, ctx = parse(
        get_kind(kind),
        content,
        municipality=municipality,
        actor=actor,
        today=today or timezone.localdate(),
        max_rows=max_rows(),
        progress=check_progress,
    )
    if not result.ok or dry_run:
        return result, None
    try:
        counts = _write(
            ctx, result, progress=write_progress or (lambda done, total: None), filename=filename
        )
    except RowFailed as exc:
        result.add(exc.problem)
        return result, None
    return result, counts
