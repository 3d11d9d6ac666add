"""Background work of imports, run by ``forlob worker`` (django-tasks, database backend)."""

from __future__ import annotations

from django.utils import translation
from django_tasks import task


@task()
def parse_import(job_id: int) -> str:
    """Check an uploaded file (too large to check while the user waited); returns the status."""
    from forlob.imports.services import import_job_parse

    with translation.override("da"):
        return import_job_parse(job_id).status


@task()
def commit_import(job_id: int) -> str:
    """Import a checked file in one transaction; returns the job's final status."""
    from forlob.imports.services import import_job_run_commit

    with translation.override("da"):
        return import_job_run_commit(job_id).status
