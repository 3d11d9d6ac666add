"""The annual report: asked for on a page, made by the worker, rendered as a real PDF, downloaded
by the municipality's own users only, every step in the audit log."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.core.choices import Profession, Role
from forlob.core.models import Municipality, Unit, User
from forlob.monitoring import kpis
from forlob.monitoring.filters import Filters, Period
from forlob.monitoring.models import ReportRun
from forlob.monitoring.presentation import tile
from forlob.monitoring.reports import commentary
from forlob.monitoring.services import (
    MESSAGE_REPORT_FAILED,
    MESSAGE_YEAR_IN_FUTURE,
    report_make,
)
from tests.factories import UserFactory
from tests.helpers import form_errors, tr
from tests.monitoring.support import S, day, pathway

REPORTS = reverse("monitoring:reports")


@pytest.fixture
def reports_dir(settings, tmp_path):
    settings.FORLOB_REPORTS_DIR = tmp_path / "reports"
    return settings.FORLOB_REPORTS_DIR


def pages_of(pdf: bytes, tmp_path) -> int:
    """Render every page with pdftoppm (poppler) and count the PNGs: the PDF really renders."""
    assert shutil.which("pdftoppm"), "pdftoppm missing: `make test` installs poppler-utils"
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    subprocess.run(  # noqa: S603
        ["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "page")],  # noqa: S607
        check=True,
        capture_output=True,
        timeout=120,
    )
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert all(p.stat().st_size > 1000 for p in pngs)
    return len(pngs)


# --- asking for a report --------------------------------------------------------------------------


@pytest.mark.django_db
def test_asking_queues_a_run_audits_it_and_shows_progress(
    client_for, manager, org_a, frozen, django_capture_on_commit_callbacks
):
    c = client_for(manager)
    assert c.get(REPORTS).status_code == 200
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = c.post(REPORTS, {"year": "2025", "quarter": "", "unit": org_a.unit.pk})
    run = ReportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("monitoring:report", args=[run.pk])
    assert (run.year, run.quarter, run.unit, run.status) == (2025, None, org_a.unit, "queued")
    assert len(callbacks) == 1
    run.refresh_from_db()
    assert run.task_id  # enqueued for the worker
    log = AccessLog.objects.get(operation="export_annual_report")
    assert (log.actor, log.citizen_id, log.object_id) == (manager, None, str(run.pk))

    page = c.get(reverse("monitoring:report", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page  # polls while it is not finished
    assert reverse("monitoring:report_download", args=[run.pk]) not in page


@pytest.mark.django_db
def test_bad_requests_show_errors_and_queue_nothing(client_for, manager, org_a, org_b, frozen):
    c = client_for(manager)
    response = c.post(REPORTS, {"year": "2031"})
    assert response.status_code == 200
    assert tr(MESSAGE_YEAR_IN_FUTURE) in form_errors(response)["year"]
    response = c.post(REPORTS, {"year": "2025", "unit": org_b.unit.pk})  # not ours
    assert "unit" in form_errors(response)
    response = c.post(REPORTS, {"year": "abc", "quarter": "7"})
    assert {"year", "quarter"} <= set(form_errors(response))
    assert response.context["form"]["year"].value() == "abc"  # what was typed stays
    assert not ReportRun.objects.exists()


@pytest.mark.django_db
def test_access_to_reports(client_for, manager, homecare_worker, org_b, frozen):
    run = ReportRun.objects.create(
        municipality=manager.municipality, requested_by=manager, year=2025
    )
    theirs = UserFactory(municipality=org_b.municipality, roles=[Role.MANAGER])
    for name in ("report", "report_status", "report_download"):
        url = reverse(f"monitoring:{name}", args=[run.pk])
        assert client_for(None).get(url).status_code == 302
        assert client_for(homecare_worker).get(url).status_code == 403
        assert client_for(theirs).get(url).status_code == 404  # not theirs: as if missing
        assert client_for(manager).post(url).status_code == 405
        missing = reverse(f"monitoring:{name}", args=[10**9])
        assert client_for(manager).get(missing).status_code == 404
    # Not made yet: nothing to download.
    assert (
        client_for(manager).get(reverse("monitoring:report_download", args=[run.pk])).status_code
        == 404
    )
    assert client_for(homecare_worker).get(REPORTS).status_code == 403
    assert client_for(theirs).get(REPORTS).context["runs"].count() == 0


@pytest.mark.django_db
def test_a_failing_report_is_marked_failed_not_left_running(manager, reports_dir, monkeypatch):
    run = ReportRun.objects.create(
        municipality=manager.municipality, requested_by=manager, year=2025
    )

    def broken(run, progress):
        progress(10, "x")
        raise RuntimeError("no fonts")

    monkeypatch.setattr("forlob.monitoring.reports.build_pdf", broken)
    run = report_make(run.pk)
    assert run.status == "failed"
    assert run.message == tr(MESSAGE_REPORT_FAILED)
    assert not reports_dir.exists() or not list(reports_dir.glob("*.pdf"))


# --- end to end: the worker makes it, pdftoppm renders it, the user downloads it ------------------


@pytest.mark.django_db(transaction=True)
def test_report_end_to_end_through_the_worker(client_for, reference_data, reports_dir, tmp_path):
    municipality = Municipality.objects.create(name="Randers Kommune", code="730")
    Unit.objects.create(municipality=municipality, name="Genoptræning")
    manager = User.objects.create_user(
        username="leder", municipality=municipality, profession=Profession.OTHER
    )
    manager.role_assignments.create(role=Role.MANAGER)
    for d in (3, 10, 17):
        pathway(municipality, created=day(2025, 2, d), status=S.COMPLETED, ended=day(2025, 4, d))
    pathway(
        municipality,
        created=day(2025, 2, 4),
        status=S.DROPPED_OUT,
        ended=day(2025, 3, 1),
        reason="opt_out_general",
    )
    c = client_for(manager)
    response = c.post(REPORTS, {"year": "2025", "quarter": ""})
    run = ReportRun.objects.get()
    assert response.status_code == 302 and run.status == "queued"

    call_command("worker", once=True)

    run.refresh_from_db()
    assert (run.status, run.progress) == ("done", 100), run.message
    status = c.get(reverse("monitoring:report_status", args=[run.pk])).content.decode()
    assert "hx-trigger" not in status  # finished: polling stops
    assert reverse("monitoring:report_download", args=[run.pk]) in status

    response = c.get(reverse("monitoring:report_download", args=[run.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    pdf = b"".join(response.streaming_content)
    assert pdf.startswith(b"%PDF")
    assert pages_of(pdf, tmp_path) >= 2
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"],  # noqa: S607
        input=pdf,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    assert "75,0 %" in text  # completion 3 of 4
    assert "Randers Kommune" in text
    assert AccessLog.objects.filter(
        operation="export_annual_report_download", actor=manager, citizen__isnull=True
    ).exists()
    # The worker again: a finished report is not made twice.
    call_command("worker", once=True)
    assert ReportRun.objects.get().file_name == run.file_name


# --- the commentary -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_commentary_says_met_missed_and_no_data(manager, org_a):
    filters = Filters(period=Period.month(2026, 6), today=date(2026, 7, 15))
    kpi = kpis.get("completion_rate")
    empty = tile(kpi, kpi.compute(manager, filters), filters)
    assert commentary(empty) == tr("%(label)s: no data in the period.") % {"label": kpi.label}

    for d in (2, 3, 4):
        pathway(
            org_a.municipality, created=day(2025, 1, 1), status=S.COMPLETED, ended=day(2026, 6, d)
        )
    pathway(org_a.municipality, created=day(2025, 1, 1), status=S.COMPLETED, ended=day(2025, 6, 2))
    met = tile(kpi, kpi.compute(manager, filters), filters)
    assert met.status == "met"
    assert commentary(met).startswith(
        tr("%(label)s was %(value)s: the target of %(target)s was met.")
        % {"label": kpi.label, "value": "100,0 %", "target": "100,0 %"}
    )

    gop_kpi = kpis.get("gop_offer_share")
    from tests.monitoring.support import gop

    gop(org_a.municipality, date(2026, 6, 1))  # never offered: 0 %
    missed = tile(gop_kpi, gop_kpi.compute(manager, filters), filters)
    text = commentary(missed)
    assert missed.status == "missed"
    assert "100,0" in text and "0,0 %" in text
