"""The pages: upload → preview → import, the error list, discard, templates, the status box."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from forlob.core.models import User
from forlob.imports.models import ImportJob
from forlob.imports.services import MESSAGE_NOT_READY
from forlob.referrals.models import Referral
from tests.helpers import tr
from tests.imports.conftest import csv_bytes
from tests.imports.helpers import check
from tests.imports.test_referrals import HEADER as REFERRAL_HEADER
from tests.imports.test_referrals import gop
from tests.imports.test_staff import HEADER, KIRSTEN, TOVE

pytestmark = pytest.mark.usefixtures("frozen")
INDEX = reverse("imports:index")


def upload(client, kind, content, name="fil.csv"):
    f = io.BytesIO(content)
    f.name = name
    return client.post(INDEX, {"kind": kind, "file": f})


def test_upload_preview_and_import(client_for, admin, imports_dir):
    c = client_for(admin)
    response = upload(c, "staff", csv_bytes([HEADER, TOVE, KIRSTEN]), "personale.csv")
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "imports:job", args=[job.pk]
    )
    assert job.status == "ready" and job.rows_total == 2
    assert not User.objects.filter(username="tove.t").exists()  # checking writes nothing

    page = c.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert 'data-testid="import-preview"' in page
    assert "tove.t" in page and page.count('data-status="new"') == 2
    assert 'data-testid="import-commit"' in page

    response = c.post(reverse("imports:commit", args=[job.pk]), follow=True)
    job.refresh_from_db()
    assert job.status == "done" and job.summary["new"] == 2
    assert User.objects.filter(username__in=["tove.t", "kirsten.k"]).count() == 2
    assert 'data-testid="import-summary"' in response.content.decode()
    assert job.preview == []  # the names are not kept
    assert list(imports_dir.iterdir()) == []  # nor the file

    # A second press does nothing.
    response = c.post(reverse("imports:commit", args=[job.pk]), follow=True)
    assert tr(MESSAGE_NOT_READY) in response.content.decode()


def test_a_file_with_errors_lists_them_and_offers_no_import(client_for, admin):
    c = client_for(admin)
    bad = [*TOVE[:4], "kok", *TOVE[5:]]
    upload(c, "staff", csv_bytes([HEADER, TOVE, bad]))
    job = ImportJob.objects.get()
    assert job.status == "invalid" and job.error_count == 1
    page = c.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert 'data-testid="import-error-list"' in page
    assert "<td>3</td><td>E – roller</td>" in page
    assert 'data-testid="import-commit"' not in page
    assert 'data-status="error"' in page
    c.post(reverse("imports:commit", args=[job.pk]))
    assert not User.objects.filter(username="tove.t").exists()


def test_the_preview_masks_cpr_numbers(client_for, coordinator):
    content = csv_bytes([REFERRAL_HEADER, gop()])
    upload(client_for(coordinator), "referrals", content)
    job = ImportJob.objects.get()
    page = client_for(coordinator).get(reverse("imports:job", args=[job.pk])).content.decode()
    cpr = gop()[1]
    assert cpr not in page and f"{cpr[:6]}-****" in page
    assert cpr not in str(job.preview)
    client_for(coordinator).post(reverse("imports:commit", args=[job.pk]))
    assert Referral.objects.get().created_by == coordinator


def test_discard_removes_the_file(client_for, admin, imports_dir):
    c = client_for(admin)
    upload(c, "staff", csv_bytes([HEADER, TOVE]))
    job = ImportJob.objects.get()
    assert (imports_dir / job.file_name).exists()
    response = c.post(reverse("imports:discard", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "discarded" and not (imports_dir / job.file_name).exists()
    assert c.post(reverse("imports:commit", args=[job.pk])).status_code == 302
    assert not User.objects.filter(username="tove.t").exists()


def test_an_upload_that_is_too_large_is_refused(client_for, admin, settings):
    settings.FORLOB_IMPORT_MAX_BYTES = 1024 * 1024
    response = upload(client_for(admin), "staff", b"x" * (1024 * 1024 + 1))
    assert response.status_code == 422
    assert not ImportJob.objects.exists()


def test_templates_in_csv_and_excel_are_read_back_without_errors(client_for, admin, org_a):
    for kind in ("staff", "calendars"):
        for fmt in ("csv", "xlsx"):
            response = client_for(admin).get(reverse("imports:template", args=[kind, fmt]))
            assert response.status_code == 200
            assert "attachment" in response["Content-Disposition"]
            result = check(kind, response.content, org_a)
            # The template's example users do not exist here: only that is wrong.
            assert result.rows >= 2
            assert {p.column for p in result.problems} <= {"brugernavn", "team"}


def test_the_referral_template_checks_clean(client_for, coordinator, org_a):
    for fmt in ("csv", "xlsx"):
        response = client_for(coordinator).get(reverse("imports:template", args=["referrals", fmt]))
        result = check("referrals", response.content, org_a)
        assert [p.message for p in result.problems] == []


def test_the_status_box_polls_while_running_and_reloads_when_done(client_for, admin):
    c = client_for(admin)
    upload(c, "staff", csv_bytes([HEADER, TOVE]))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status="parsing", rows_done=3, rows_total=10)
    box = c.get(reverse("imports:job_status", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in box.content.decode()
    assert 'value="30"' in box.content.decode()
    assert "HX-Refresh" not in box
    assert "<noscript>" in c.get(reverse("imports:job", args=[job.pk])).content.decode()
    ImportJob.objects.filter(pk=job.pk).update(status="ready")
    box = c.get(reverse("imports:job_status", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert box["HX-Refresh"] == "true"
    assert "hx-trigger" not in box.content.decode()


def test_the_menu_links_to_the_import_for_administrators_and_capacity_managers(
    client_for, admin, manager, therapist
):
    def links(user):
        return [i["url"] for i in client_for(user).get("/").context["nav_items"]]

    assert INDEX in links(admin) and INDEX in links(manager)
    assert INDEX not in links(therapist)
