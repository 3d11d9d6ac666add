"""Opening and closing extra capacity on the capacity page, and who may do it.

"Now" is Monday 1 June 2026 07:00. The therapist (municipality A) works Mon–Fri 8–16 at A's
training centre, open 7:30–16:00. A Saturday block, 9–12, is the valid example.
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from forlob.core.choices import Role
from forlob.scheduling.capacity_services import (
    MESSAGE_ABSENT,
    MESSAGE_CLOSE_BOOKED,
    MESSAGE_CLOSE_PAST,
    MESSAGE_END_BEFORE_START,
    MESSAGE_IN_PAST,
    MESSAGE_LOCATION_CLOSED,
    MESSAGE_NOT_BOOKABLE_STAFF,
    MESSAGE_OTHER_LOCATION,
    MESSAGE_OVERLAPS_BLOCK,
    MESSAGE_OVERLAPS_HOURS,
    extra_capacity_close,
    extra_capacity_open,
    may_manage_capacity,
)
from forlob.scheduling.models import ExtraCapacity
from forlob.scheduling.selectors import free_windows
from tests.factories import AbsenceFactory, AppointmentFactory, LocationFactory, UserFactory
from tests.helpers import TODAY, at, counts, form_errors, tr

pytestmark = pytest.mark.usefixtures("frozen")

SAT = TODAY + timedelta(days=5)
OPEN = reverse("scheduling:extra_capacity_open")
PAGE = reverse("scheduling:capacity")


def close_url(block: ExtraCapacity) -> str:
    return reverse("scheduling:extra_capacity_close", args=[block.pk])


def data(staff, location, **overrides) -> dict[str, object]:
    return {
        "staff": staff.pk,
        "location": location.pk,
        "date": SAT.isoformat(),
        "start_time": "09:00",
        "end_time": "12:00",
        "note": "Sommerferie-dækning",
        **overrides,
    }


@pytest.fixture
def coordinator(org_a):
    return UserFactory(municipality=org_a.municipality, roles=[Role.COORDINATOR])


def block(staff, location, day=SAT, start=time(9), end=time(12)) -> ExtraCapacity:
    return ExtraCapacity.objects.create(
        staff=staff, location=location, date=day, start_time=start, end_time=end
    )


# --- opening --------------------------------------------------------------------------------------


def test_manager_opens_extra_capacity_and_it_becomes_bookable(
    client_for, manager, therapist, org_a
):
    response = client_for(manager).post(OPEN, data(therapist, org_a.location))
    assert response.status_code == 302 and response["Location"] == PAGE
    [opened] = ExtraCapacity.objects.all()
    assert (opened.staff, opened.location, opened.date) == (therapist, org_a.location, SAT)
    assert (opened.start_time, opened.end_time) == (time(9), time(12))
    assert (opened.note, opened.created_by) == ("Sommerferie-dækning", manager)
    # The therapist does not work on Saturdays: now there is free time to book.
    [window] = free_windows(
        staff_ids=[therapist.pk], first_day=SAT, last_day=SAT, default_location=None
    )
    assert (window.start, window.end, window.extra) == (at(SAT, 9), at(SAT, 12), True)
    page = client_for(manager).get(PAGE)
    assert list(page.context["blocks"]) == [opened]
    assert "Sommerferie-dækning" in page.content.decode()


def test_coordinator_may_open_extra_capacity(client_for, coordinator, therapist, org_a):
    assert may_manage_capacity(coordinator)
    response = client_for(coordinator).post(OPEN, data(therapist, org_a.location))
    assert response.status_code == 302
    assert ExtraCapacity.objects.count() == 1


def test_therapist_sees_the_page_but_may_not_open_or_close(client_for, therapist, org_a):
    c = client_for(therapist)
    page = c.get(PAGE)
    assert page.status_code == 200
    assert page.context["form"] is None and not page.context["may_manage"]
    assert reverse("scheduling:extra_capacity_open") not in page.content.decode()
    assert c.post(OPEN, data(therapist, org_a.location)).status_code == 403
    existing = block(therapist, org_a.location)
    assert c.post(close_url(existing)).status_code == 403
    assert list(ExtraCapacity.objects.all()) == [existing]
    with pytest.raises(PermissionDenied):
        extra_capacity_open(
            actor=therapist,
            staff=therapist,
            location=org_a.location,
            day=SAT,
            start_time=time(9),
            end_time=time(12),
        )


def test_another_municipalitys_staff_or_location_is_refused(
    client_for, manager, therapist, outsider, org_a, org_b
):
    c = client_for(manager)
    for bad in (data(outsider, org_a.location), data(therapist, org_b.location)):
        response = c.post(OPEN, bad)
        assert response.status_code == 422
        errors = form_errors(response)
        field = "staff" if bad["staff"] == outsider.pk else "location"
        assert errors == {
            field: [
                "Marker en gyldig valgmulighed. Det valg, du har foretaget, er ikke blandt de "
                "tilgængelige valgmuligheder."
            ]
        }
    assert ExtraCapacity.objects.count() == 0
    # The service checks again, whatever a form lets through.
    for staff, location, message in (
        (outsider, org_a.location, MESSAGE_NOT_BOOKABLE_STAFF),
        (therapist, org_b.location, MESSAGE_OTHER_LOCATION),
        (manager, org_a.location, MESSAGE_NOT_BOOKABLE_STAFF),  # not bookable: no therapist
    ):
        with pytest.raises(ValidationError) as exc:
            extra_capacity_open(
                actor=manager,
                staff=staff,
                location=location,
                day=SAT,
                start_time=time(9),
                end_time=time(12),
            )
        assert exc.value.messages == [tr(message)]
    assert ExtraCapacity.objects.count() == 0


def refused(client, payload) -> dict[str, list[str]]:
    before = counts(ExtraCapacity)
    response = client.post(OPEN, payload)
    assert response.status_code == 422
    assert counts(ExtraCapacity) == before  # nothing saved
    return form_errors(response)


def test_missing_fields_are_refused_in_danish(client_for, manager, therapist, org_a):
    errors = refused(client_for(manager), data(therapist, org_a.location, date="", end_time=""))
    assert errors == {"date": ["Dette felt er påkrævet."], "end_time": ["Dette felt er påkrævet."]}
    errors = refused(client_for(manager), data(therapist, org_a.location, date="31.02.2026"))
    assert errors == {"date": ["Indtast en gyldig dato."]}


def test_the_past_and_backwards_times_are_refused(client_for, manager, therapist, org_a):
    c = client_for(manager)
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    assert refused(c, data(therapist, org_a.location, date=yesterday)) == {
        "date": [tr(MESSAGE_IN_PAST)]
    }
    # Today before 07:00 has ended (it is 07:00 now); today 07:30–08:00 has not.
    early = data(therapist, org_a.location, date=TODAY.isoformat(), start_time="06:00")
    early["end_time"] = "07:00"
    assert "date" in refused(c, early)
    assert refused(c, data(therapist, org_a.location, start_time="12:00", end_time="09:00")) == {
        "end_time": [tr(MESSAGE_END_BEFORE_START)]
    }
    later_today = data(therapist, org_a.location, date=TODAY.isoformat())
    later_today.update(start_time="07:30", end_time="08:00")
    assert c.post(OPEN, later_today).status_code == 302


def test_closed_location_absence_and_overlaps_are_refused(client_for, manager, therapist, org_a):
    c = client_for(manager)
    # The centre closes at 16:00.
    assert refused(c, data(therapist, org_a.location, start_time="15:00", end_time="18:00")) == {
        "start_time": [tr(MESSAGE_LOCATION_CLOSED) % {"opens": "07:30", "closes": "16:00"}]
    }
    # Tuesday 15:00–16:00 overlaps her working hours 8–16.
    tuesday = data(therapist, org_a.location, date=(TODAY + timedelta(days=1)).isoformat())
    tuesday.update(start_time="15:00", end_time="16:00")
    assert refused(c, tuesday) == {
        "__all__": [tr(MESSAGE_OVERLAPS_HOURS) % {"hours": "08:00–16:00"}]
    }
    # Tuesday 7:30–8:00 touches them but does not overlap: allowed.
    tuesday.update(start_time="07:30", end_time="08:00")
    assert c.post(OPEN, tuesday).status_code == 302
    # Saturday: another block 11–13 overlaps 9–12.
    block(therapist, org_a.location, start=time(11), end=time(13))
    assert refused(c, data(therapist, org_a.location)) == {
        "__all__": [tr(MESSAGE_OVERLAPS_BLOCK) % {"hours": "11:00–13:00"}]
    }
    # Absent on the day: the block would not count.
    sunday = TODAY + timedelta(days=6)
    AbsenceFactory(staff=therapist, start_date=sunday, end_date=sunday)
    assert refused(c, data(therapist, org_a.location, date=sunday.isoformat())) == {
        "date": [tr(MESSAGE_ABSENT)]
    }
    assert ExtraCapacity.objects.count() == 2


def test_an_inactive_location_is_not_offered(client_for, manager, therapist, org_a):
    closed = LocationFactory(municipality=org_a.municipality, is_active=False)
    errors = refused(client_for(manager), data(therapist, closed))
    assert list(errors) == ["location"]


# --- closing --------------------------------------------------------------------------------------


def test_manager_closes_a_block(client_for, manager, therapist, org_a):
    existing = block(therapist, org_a.location)
    response = client_for(manager).post(close_url(existing))
    assert response.status_code == 302 and response["Location"] == PAGE
    assert ExtraCapacity.objects.count() == 0


def test_a_block_with_a_booked_time_or_in_the_past_stays(client_for, manager, therapist, org_a):
    c = client_for(manager)
    booked = block(therapist, org_a.location)
    AppointmentFactory(staff=therapist, location=org_a.location, start=at(SAT, 10))
    past = block(therapist, org_a.location, day=TODAY - timedelta(days=2))
    for target in (booked, past):
        response = c.post(close_url(target), follow=True)
        assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert tr(MESSAGE_CLOSE_PAST) in messages
    assert ExtraCapacity.objects.count() == 2
    with pytest.raises(ValidationError) as exc:
        extra_capacity_close(actor=manager, block=booked)
    assert exc.value.messages == [tr(MESSAGE_CLOSE_BOOKED)]


def test_another_municipalitys_block_is_not_found(client_for, manager, outsider, org_b):
    theirs = block(outsider, org_b.location)
    c = client_for(manager)
    assert c.post(close_url(theirs)).status_code == 404
    assert c.post(reverse("scheduling:extra_capacity_close", args=[10**9])).status_code == 404
    assert c.post(close_url(theirs).replace(str(theirs.pk), "9" * 30)).status_code == 404
    assert ExtraCapacity.objects.count() == 1
    # Nor is it listed on A's page.
    assert list(c.get(PAGE).context["blocks"]) == []


# --- the standard negative tests ------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client_for, therapist, org_a):
    existing = block(therapist, org_a.location)
    c = client_for(None)
    for method, url in (
        ("get", PAGE),
        ("post", OPEN),
        ("post", close_url(existing)),
        ("post", reverse("scheduling:simulation_run")),
    ):
        response = getattr(c, method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
    assert ExtraCapacity.objects.count() == 1


def test_wrong_methods_are_405(client_for, manager, therapist, org_a):
    existing = block(therapist, org_a.location)
    c = client_for(manager)
    for method in ("post", "put", "delete", "patch"):
        assert getattr(c, method)(PAGE).status_code == 405, method
    for url in (OPEN, close_url(existing), reverse("scheduling:simulation_run")):
        for method in ("get", "put", "delete", "patch"):
            assert getattr(c, method)(url).status_code == 405, (url, method)
    assert ExtraCapacity.objects.count() == 1


def test_a_role_without_key_figures_gets_403(client_for, org_a):
    homecare = UserFactory(municipality=org_a.municipality, roles=[Role.HOMECARE_WORKER])
    assert client_for(homecare).get(PAGE).status_code == 403
