"""Large files: checked and imported by the real worker, with progress on the job."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.core.models import User
from forlob.imports.models import ImportJob
from forlob.imports.selectors import job_progress
from forlob.imports.services import _progress_path, import_jobs_expire
from tests.imports.conftest import csv_bytes
from tests.imports.test_staff import HEADER


def staff_rows(n):
    return [
        [f"user{i:04d}", "Test", f"Nummer {i}", "", "terapeut", "", "", "", ""] for i in range(n)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_checked_and_imported_by_the_worker(
    client_for, reference_data, admin, settings, imports_dir
):
    settings.FORLOB_IMPORT_SYNC_BYTES = 100  # everything larger goes to the worker
    settings.FORLOB_IMPORT_SYNC_ROWS = 10
    c = client_for(admin)
    f = io.BytesIO(csv_bytes([HEADER, *staff_rows(150)]))
    f.name = "mange.csv"
    c.post(reverse("imports:index"), {"kind": "staff", "file": f})
    job = ImportJob.objects.get()
    assert job.status == "parse_queued" and job.task_id
    page = c.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'data-testid="import-progress"' in page

    call_command("worker", once=True)  # checks the file
    job.refresh_from_db()
    assert (job.status, job.rows_total, job.error_count) == ("ready", 150, 0)
    assert not User.objects.filter(username__startswith="user").exists()

    response = c.post(reverse("imports:commit", args=[job.pk]))
    job.refresh_from_db()
    assert response.status_code == 302 and job.status == "commit_queued"
    assert not User.objects.filter(username__startswith="user").exists()

    call_command("worker", once=True)  # imports it
    job.refresh_from_db()
    assert job.status == "done", job.message
    assert (job.rows_done, job.rows_total) == (150, 150)
    assert job_progress(job).percent == 100
    assert job.summary["new"] == 150
    assert User.objects.filter(username__startswith="user").count() == 150
    assert AccessLog.objects.filter(operation="import_staff", actor=admin).count() == 1
    assert list(imports_dir.iterdir()) == []  # upload and progress file removed
    box = c.get(reverse("imports:job_status", args=[job.pk])).content.decode()
    assert "hx-trigger" not in box

    call_command("worker", once=True)  # nothing left to do; the job stays done
    job.refresh_from_db()
    assert job.status == "done"


@pytest.mark.django_db(transaction=True)
def test_a_conflict_found_when_importing_leaves_nothing(
    client_for, reference_data, admin, settings, org_b
):
    """Checked fine, but before the worker imports, one user name is taken elsewhere."""
    settings.FORLOB_IMPORT_SYNC_ROWS = 0
    c = client_for(admin)
    f = io.BytesIO(csv_bytes([HEADER, *staff_rows(5)]))
    f.name = "fem.csv"
    c.post(reverse("imports:index"), {"kind": "staff", "file": f})
    job = ImportJob.objects.get()
    assert job.status == "ready"
    c.post(reverse("imports:commit", args=[job.pk]))
    User.objects.create(username="user0004", municipality=org_b.municipality)
    call_command("worker", once=True)
    job.refresh_from_db()
    assert job.status == "invalid"
    assert [(e["row"], e["column"]) for e in job.errors] == [(6, "brugernavn")]
    assert User.objects.filter(username__startswith="user").count() == 1  # only org_b's


@pytest.mark.django_db
def test_progress_of_the_write_is_read_from_the_side_file(admin, imports_dir):
    job = ImportJob.objects.create(
        kind="staff",
        municipality=admin.municipality,
        created_by=admin,
        original_name="x.csv",
        file_name="abc.upload",
        status="committing",
        rows_done=40,
        rows_total=40,
    )
    assert job_progress(job).percent == 49  # checked, nothing written yet
    imports_dir.mkdir(parents=True, exist_ok=True)
    _progress_path(job).write_text("30 40")
    progress = job_progress(job)
    assert (progress.percent, progress.done, progress.total) == (87, 30, 40)


@pytest.mark.django_db
def test_uploads_nobody_imported_are_removed_after_a_day(client_for, admin, imports_dir):
    from datetime import timedelta

    from django.utils import timezone

    f = io.BytesIO(csv_bytes([HEADER, *staff_rows(1)]))
    f.name = "glemt.csv"
    client_for(admin).post(reverse("imports:index"), {"kind": "staff", "file": f})
    job = ImportJob.objects.get()
    assert import_jobs_expire() == 0
    assert import_jobs_expire(timezone.now() + timedelta(hours=25)) == 1
    job.refresh_from_db()
    assert job.status == "discarded" and job.preview == [] and job.file_name == ""
    assert list(imports_dir.iterdir()) == []
