"""Who may import what, and the negative tests of every import URL.

* anonymous → login; wrong method → 405
* no import right at all (analyst, home-care worker) → 403 everywhere
* referrals: REGISTER_REFERRAL (therapist, coordinator); staff: ADMINISTER; calendars:
  ADMINISTER or MANAGE_CAPACITY (manager, coordinator). Another kind → refused by the form (422)
  and its template → 403
* a job is its uploader's: another user's (same municipality) or another municipality's → 404,
  the same as a missing id
"""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from forlob.core.choices import Role
from forlob.imports.models import ImportJob
from forlob.imports.services import kinds_for
from tests.factories import UserFactory
from tests.imports.conftest import csv_bytes
from tests.imports.test_staff import HEADER, TOVE

pytestmark = pytest.mark.usefixtures("frozen")
INDEX = reverse("imports:index")


@pytest.fixture
def analyst(org_a):
    return UserFactory(municipality=org_a.municipality, roles=[Role.ANALYST])


@pytest.fixture
def homecare_worker(org_a):
    return UserFactory(municipality=org_a.municipality, roles=[Role.HOMECARE_WORKER])


@pytest.fixture
def job(client_for, admin):
    f = io.BytesIO(csv_bytes([HEADER, TOVE]))
    f.name = "staff.csv"
    client_for(admin).post(INDEX, {"kind": "staff", "file": f})
    return ImportJob.objects.get()


def job_urls(job):
    return [
        ("get", reverse("imports:job", args=[job.pk])),
        ("get", reverse("imports:job_status", args=[job.pk])),
        ("post", reverse("imports:commit", args=[job.pk])),
        ("post", reverse("imports:discard", args=[job.pk])),
    ]


def all_urls(job):
    return [
        ("get", INDEX),
        ("post", INDEX),
        ("get", reverse("imports:template", args=["staff", "csv"])),
        *job_urls(job),
    ]


def test_who_may_import_what(
    admin, coordinator, manager, therapist, assessor, analyst, homecare_worker
):
    assert kinds_for(admin) == ["staff", "calendars"]
    assert kinds_for(coordinator) == ["referrals", "calendars"]
    assert kinds_for(manager) == ["calendars"]
    assert kinds_for(therapist) == ["referrals"]
    assert kinds_for(assessor) == ["referrals"]
    assert kinds_for(analyst) == [] and kinds_for(homecare_worker) == []


def test_anonymous_is_sent_to_login(client_for, job):
    for method, url in all_urls(job):
        response = getattr(client_for(None), method)(url)
        assert response.status_code == 302 and reverse("login") in response["Location"], url


def test_roles_without_an_import_right_get_403(client_for, job, analyst, homecare_worker):
    for user in (analyst, homecare_worker):
        for method, url in all_urls(job):
            assert getattr(client_for(user), method)(url).status_code == 403, (user, url)


def test_another_users_job_is_not_there(client_for, job, org_b):
    other_admin = UserFactory(municipality=job.municipality, roles=[Role.ADMIN])
    admin_b = UserFactory(municipality=org_b.municipality, roles=[Role.ADMIN])
    for user in (other_admin, admin_b):
        for method, url in job_urls(job):
            assert getattr(client_for(user), method)(url).status_code == 404, (user, url)
    missing = ImportJob(pk=job.pk + 1000)
    for method, url in job_urls(missing):
        assert getattr(client_for(job.created_by), method)(url).status_code == 404
    job.refresh_from_db()
    assert job.status == "ready"


def test_a_kind_the_user_may_not_import(client_for, therapist, manager):
    f = io.BytesIO(csv_bytes([HEADER, TOVE]))
    f.name = "staff.csv"
    response = client_for(therapist).post(INDEX, {"kind": "staff", "file": f})
    assert response.status_code == 422 and not ImportJob.objects.exists()
    assert client_for(therapist).get(INDEX).status_code == 200
    for kind in ("staff", "calendars"):
        url = reverse("imports:template", args=[kind, "csv"])
        assert client_for(therapist).get(url).status_code == 403
    url = reverse("imports:template", args=["referrals", "xlsx"])
    assert client_for(manager).get(url).status_code == 403
    assert (
        client_for(manager).get(reverse("imports:template", args=["nope", "csv"])).status_code
        == 404
    )


def test_a_user_who_lost_the_right_sees_the_job_no_more(client_for, job, admin):
    admin.role_assignments.all().delete()
    admin.role_assignments.create(role=Role.MANAGER)  # may import calendars, not staff
    assert client_for(admin).get(reverse("imports:job", args=[job.pk])).status_code == 403


def test_wrong_methods(client_for, job, admin):
    c = client_for(admin)
    assert c.put(INDEX).status_code == 405
    assert c.post(reverse("imports:job", args=[job.pk])).status_code == 405
    assert c.post(reverse("imports:job_status", args=[job.pk])).status_code == 405
    assert c.get(reverse("imports:commit", args=[job.pk])).status_code == 405
    assert c.get(reverse("imports:discard", args=[job.pk])).status_code == 405
    assert c.post(reverse("imports:template", args=["staff", "csv"])).status_code == 405
