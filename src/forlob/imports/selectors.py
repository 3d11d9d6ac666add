"""Reads for the import pages: the user's own jobs and how far a running one has come.

A job (its preview names citizens) belongs to the user who uploaded it: anyone else's answers as
a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forlob.core.models import User
from forlob.imports.models import ImportJob
from forlob.imports.services import read_file_progress

RECENT_JOBS = 20

PHASE_WAITING = gettext_noop("Waiting for the worker")
PHASE_CHECKING = gettext_noop("Checking rows")
PHASE_SAVING = gettext_noop("Saving rows")


def jobs_for(*, actor: User) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(
        created_by_id=actor.pk, municipality_id=actor.municipality_id
    ).select_related("created_by")[:RECENT_JOBS]


def job_for_actor(*, actor: User, pk: int) -> ImportJob:
    job = (
        ImportJob.objects.select_related("created_by", "municipality")
        .filter(pk=pk, created_by_id=actor.pk, municipality_id=actor.municipality_id)
        .first()
    )
    if job is None or actor.municipality_id is None:
        raise Http404
    return job


@dataclass(frozen=True)
class JobProgress:
    percent: int
    done: int
    total: int
    phase: str


def job_progress(job: ImportJob) -> JobProgress:
    """Progress of a running job in percent. Importing: the check is the first half, the write
    (reported through a file, see ``services``) the second."""
    if job.status in (ImportJob.Status.PARSE_QUEUED, ImportJob.Status.COMMIT_QUEUED):
        return JobProgress(0, 0, 0, _(PHASE_WAITING))
    if not job.is_running:
        return JobProgress(100, job.rows_done, job.rows_total, "")
    share = job.rows_done / job.rows_total if job.rows_total else 0.0
    if job.status == ImportJob.Status.PARSING:
        return JobProgress(
            min(99, int(100 * share)), job.rows_done, job.rows_total, _(PHASE_CHECKING)
        )
    written = read_file_progress(job)
    if written is None:
        return JobProgress(
            min(49, int(50 * share)), job.rows_done, job.rows_total, _(PHASE_CHECKING)
        )
    done, total = written
    return JobProgress(
        min(99, 50 + int(50 * done / total)) if total else 50, done, total, _(PHASE_SAVING)
    )
