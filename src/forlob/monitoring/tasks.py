"""Background work of monitoring, run by ``forlob worker`` (django-tasks, database backend)."""

from __future__ import annotations

from django.utils import translation
from django_tasks import task


@task()
def generate_report(run_id: int) -> str:
    """Make one annual/quarterly report PDF; returns the run's final status."""
    from forlob.monitoring.services import report_make

    with translation.override("da"):
        return report_make(run_id).status
