"""The generic negative tests on the two GET forms, which need the edit right.

The POST URLs (record, skip) run through tests/access/test_access.py via url_matrix. The forms
differ from the matrix's GET URLs in one way: a read-only role (the assessor) gets 403, since
showing a form one may not submit would mislead.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.measures.models import MeasureRecord
from tests.access.test_access import BAD_IDS

pytestmark = pytest.mark.usefixtures("frozen")

FORMS = ["measures:record_form", "measures:skip_form"]


def url(name: str, pk: object, instrument: str = "copm", time_point: str = "start") -> str:
    return reverse(name, args=[987654321, instrument, time_point]).replace("987654321", str(pk))


def new_logs(before: int) -> list[AccessLog]:
    return list(AccessLog.objects.order_by("id")[before:])


@pytest.mark.parametrize("name", FORMS)
def test_anonymous_is_sent_to_login(client_for, case, name):
    response = client_for(None).get(url(name, case.pathway.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("name", FORMS)
@pytest.mark.parametrize("who", ["outsider", "manager"])
def test_no_access_is_404_logged_as_denied(client_for, case, name, who, request):
    actor = request.getfixturevalue(who)
    before = AccessLog.objects.count()
    response = client_for(actor).get(url(name, case.pathway.pk))
    assert response.status_code == 404
    [log] = new_logs(before)
    assert (log.outcome, log.actor, log.citizen_id) == ("denied", actor, case.citizen.pk)
    assert case.citizen.full_name not in response.content.decode()


@pytest.mark.parametrize("name", FORMS)
def test_outsider_404_is_the_same_as_a_missing_id(client_for, case, outsider, name):
    c = client_for(outsider)
    theirs = c.get(url(name, case.pathway.pk))
    missing = c.get(url(name, 10**9))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content


@pytest.mark.parametrize("name", FORMS)
def test_read_only_role_gets_403_logged(client_for, case, assessor, name):
    before = AccessLog.objects.count()
    assert client_for(assessor).get(url(name, case.pathway.pk)).status_code == 403
    [log] = new_logs(before)
    assert (log.outcome, log.kind, log.citizen_id) == ("denied", "write", case.citizen.pk)


@pytest.mark.parametrize("name", FORMS)
def test_wrong_method_is_405_and_writes_nothing(client_for, case, therapist, name):
    c = client_for(therapist)
    before = AccessLog.objects.count()
    for method in ("post", "put", "delete", "patch"):
        assert getattr(c, method)(url(name, case.pathway.pk)).status_code == 405, method
    assert AccessLog.objects.count() == before
    assert not MeasureRecord.objects.exists()


@pytest.mark.parametrize("name", FORMS)
def test_malformed_or_huge_id_is_404(client_for, case, therapist, name):
    c = client_for(therapist)
    for bad in BAD_IDS:
        assert c.get(url(name, bad)).status_code == 404, bad


@pytest.mark.parametrize("name", FORMS)
def test_missing_id_is_404_and_logged(client_for, case, therapist, name):
    before = AccessLog.objects.count()
    assert client_for(therapist).get(url(name, 10**9)).status_code == 404
    [log] = new_logs(before)
    assert (log.outcome, log.citizen_id, log.reason) == ("denied", None, "no such object")


@pytest.mark.parametrize("name", FORMS)
def test_allowed_read_is_one_log_row_for_the_citizen(client_for, case, therapist, name):
    before = AccessLog.objects.count()
    response = client_for(therapist).get(url(name, case.pathway.pk))
    assert response.status_code == 200
    [log] = new_logs(before)
    assert (log.outcome, log.kind, log.actor, log.citizen_id) == (
        "allowed",
        "read",
        therapist,
        case.citizen.pk,
    )
    assert log.object_id == str(case.pathway.pk)


@pytest.mark.parametrize("name", ["measures:record", "measures:skip"])
def test_posts_by_someone_without_access_write_no_record(
    client_for, case, outsider, assessor, name
):
    for actor in (outsider, assessor):
        client_for(actor).post(url(name, case.pathway.pk, "chairstand30"), {"count": "9"})
    assert not MeasureRecord.objects.exists()
