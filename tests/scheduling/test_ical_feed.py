"""The private calendar feed: the page that makes the address, and what Outlook gets from it.

Every feed is parsed back with ``icalendar`` and checked the way a calendar program reads it;
and every feed is searched for what must never leave Forløb (the citizen's name, CPR number,
diagnosis, pathway type).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from icalendar import Calendar, Event

from forlob.access.models import AccessLog
from forlob.core.choices import Role
from forlob.core.models import RoleAssignment
from forlob.scheduling import busy
from forlob.scheduling.busy import CalendarEntry
from forlob.scheduling.feeds import calendar_feed_create
from forlob.scheduling.ical import MESSAGE_ABSENCE, MESSAGE_APPOINTMENT, MESSAGE_BUSY
from forlob.scheduling.models import CalendarFeed
from forlob.scheduling.services import appointment_cancel
from tests.factories import AbsenceFactory, AppointmentFactory
from tests.helpers import COPENHAGEN, NOW, TODAY, at, tr

pytestmark = pytest.mark.usefixtures("frozen")

FEED_PAGE = "/calendar/feed/"
SESSION_DAY = date(2026, 8, 3)  # the case's GAIN session, 10–12


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """The guessing and fetch counters live in the cache: no test starts with another's."""
    cache.clear()
    yield
    cache.clear()


def feed_path(secret: str) -> str:
    return reverse("scheduling:feed_ics", kwargs={"token": secret})


def fetch(client_for, secret: str):
    return client_for(None).get(feed_path(secret))


def parse(response) -> Calendar:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def by_uid(calendar: Calendar) -> dict[str, Event]:
    return {str(e.uid): e for e in calendar.events}


@pytest.fixture
def secret(case) -> str:
    return calendar_feed_create(user=case.appointment.staff).secret


# --- the page -------------------------------------------------------------------------------------


def test_the_address_is_shown_once_and_only_its_hash_is_kept(client_for, therapist):
    c = client_for(therapist)
    assert c.get(FEED_PAGE).context["feed"] is None

    response = c.post(FEED_PAGE)

    assert response.status_code == 200
    url = response.context["new_url"]
    assert url.startswith("http://testserver/calendar/feed/") and url.endswith(".ics")
    assert response.context["webcal_url"] == "webcal://" + url.removeprefix("http://")
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get(user=therapist)
    assert token not in (feed.token_hash, feed.prefix) and token.startswith(feed.prefix)
    assert "no-store" in response["Cache-Control"]
    # Shown again later: the status, never the address.
    later = c.get(FEED_PAGE)
    assert later.context["feed"] == feed
    assert token not in later.content.decode()
    assert fetch(client_for, token).status_code == 200


def test_a_new_address_replaces_the_old_one(client_for, therapist):
    c = client_for(therapist)
    first = c.post(FEED_PAGE).context["new_url"].rsplit("/", 1)[1].removesuffix(".ics")
    second = c.post(FEED_PAGE).context["new_url"].rsplit("/", 1)[1].removesuffix(".ics")

    assert fetch(client_for, first).status_code == 404
    assert fetch(client_for, second).status_code == 200
    assert CalendarFeed.objects.filter(user=therapist, revoked_at__isnull=True).count() == 1


def test_stopping_the_address_stops_the_feed(client_for, therapist):
    secret = calendar_feed_create(user=therapist).secret
    c = client_for(therapist)

    response = c.post(reverse("scheduling:feed_revoke"))

    assert response.status_code == 302
    assert fetch(client_for, secret).status_code == 404
    assert c.get(FEED_PAGE).context["feed"] is None
    assert c.get(reverse("scheduling:feed_revoke")).status_code == 405


def test_without_a_calendar_no_address(client_for, manager):
    c = client_for(manager)
    assert c.get(FEED_PAGE).status_code == 403
    assert c.post(FEED_PAGE).status_code == 403
    assert c.post(reverse("scheduling:feed_revoke")).status_code == 403
    assert not CalendarFeed.objects.exists()


def test_making_addresses_is_rate_limited(client_for, therapist, settings):
    settings.FORLOB_TOKEN_CREATE_LIMIT = 2
    c = client_for(therapist)
    assert c.post(FEED_PAGE).status_code == 200
    assert c.post(FEED_PAGE).status_code == 200

    refused = c.post(FEED_PAGE)

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert refused.context["new_url"] == ""
    assert CalendarFeed.objects.filter(user=therapist).count() == 2


def test_the_calendar_page_links_to_the_feed_page(client_for, therapist):
    html = client_for(therapist).get(reverse("scheduling:day")).content.decode()
    assert f'href="{FEED_PAGE}"' in html


# --- what the feed holds --------------------------------------------------------------------------


def test_the_feed_has_the_appointments_sessions_and_absences(client_for, case, secret):
    staff = case.appointment.staff
    AbsenceFactory(staff=staff, start_date=date(2026, 6, 15), end_date=date(2026, 6, 19))
    far = AppointmentFactory(
        pathway=case.pathway,
        staff=staff,
        location=case.appointment.location,
        start=NOW + timedelta(days=200),
    )
    long_ago = AppointmentFactory(
        pathway=case.pathway,
        staff=staff,
        location=case.appointment.location,
        start=NOW - timedelta(days=40),
    )
    someone_else = AppointmentFactory(start=at(TODAY + timedelta(days=1), 12))

    calendar = parse(fetch(client_for, secret))

    events = by_uid(calendar)
    appointment = events[f"appointment-{case.appointment.pk}@testserver"]
    assert appointment.start == at(TODAY + timedelta(days=1), 10)
    assert appointment.end == at(TODAY + timedelta(days=1), 11)
    assert str(appointment.start.tzinfo) == "Europe/Copenhagen"
    assert appointment["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    assert str(appointment["LOCATION"]) == case.appointment.location.name
    assert str(appointment["STATUS"]) == "CONFIRMED"
    assert str(appointment["SUMMARY"]).startswith(tr(MESSAGE_APPOINTMENT))
    assert str(appointment["CLASS"]) == "PRIVATE"
    assert appointment.DTSTAMP is not None
    assert "/calendar/?date=2026-06-02" in str(appointment["URL"])

    # The group session, from the busy-time registry (programmes registers no entries yet).
    [session] = [e for e in calendar.events if str(e.uid).startswith(f"busy-{staff.pk}-")]
    assert (session.start, session.end) == (at(SESSION_DAY, 10), at(SESSION_DAY, 12))
    assert str(session["SUMMARY"]) == tr(MESSAGE_BUSY)

    # The absence: all day, end exclusive, without its kind.
    [absence] = [e for e in calendar.events if str(e.uid).startswith("absence-")]
    assert (absence.start, absence.end) == (date(2026, 6, 15), date(2026, 6, 20))
    assert str(absence["SUMMARY"]) == tr(MESSAGE_ABSENCE)

    # 30 days back, 180 ahead; only the member's own times.
    for outside in (far, long_ago, someone_else):
        assert f"appointment-{outside.pk}@testserver" not in events
    assert len(calendar.events) == 3

    [zone] = calendar.timezones
    assert str(zone["TZID"]) == "Europe/Copenhagen"
    assert str(calendar["X-WR-CALNAME"]).endswith(staff.get_full_name())
    assert calendar["REFRESH-INTERVAL"].to_ical() == b"PT1H"
    assert calendar["X-PUBLISHED-TTL"].to_ical() == b"PT1H"


def test_the_feed_names_no_citizen_and_no_diagnosis(client_for, case, secret):
    case.referral.diagnosis_text = "Hoftealloplastik efter fald"
    case.referral.save(update_fields=["diagnosis_text"])

    text = fetch(client_for, secret).content.decode()
    unfolded = text.replace("\r\n ", "")  # long lines are folded in iCalendar

    citizen = case.citizen
    for secret_text in (
        citizen.first_name,
        citizen.last_name,
        citizen.full_name,
        citizen.cpr,
        citizen.cpr[:6],
        citizen.cpr_masked,
        case.referral.diagnosis_text,
        case.referral.get_diagnosis_area_display(),
        case.pathway.pathway_type.name,
    ):
        assert secret_text not in unfolded, secret_text


def test_a_cancelled_appointment_stays_in_the_feed_as_cancelled(client_for, case, secret):
    uid = f"appointment-{case.appointment.pk}@testserver"
    before = by_uid(parse(fetch(client_for, secret)))[uid]
    assert before.sequence == 0

    appointment_cancel(actor=case.appointment.staff, appointment=case.appointment, now=NOW)
    after = by_uid(parse(fetch(client_for, secret)))[uid]

    assert str(after["STATUS"]) == "CANCELLED"
    assert after.sequence == 1
    assert str(after["SUMMARY"]).startswith(tr("Cancelled: %(summary)s").split("%")[0])
    assert str(after["TRANSP"]) == "TRANSPARENT"


def test_uids_are_stable_between_fetches(client_for, case, secret):
    AbsenceFactory(staff=case.appointment.staff, start_date=date(2026, 6, 15))
    first = set(by_uid(parse(fetch(client_for, secret))))
    second = set(by_uid(parse(fetch(client_for, secret))))
    assert first == second and len(first) == 3


def test_apps_that_register_calendar_entries_show_title_and_place(
    client_for, case, secret, monkeypatch
):
    staff = case.appointment.staff

    def sessions(staff_ids, start, end):
        return [
            CalendarEntry(
                staff_id=staff.pk,
                start=at(SESSION_DAY, 10),
                end=at(SESSION_DAY, 12),
                uid="programme-session-1",
                summary="Hold: GAIN efterår, gang 1",
                location="Sal 2",
            )
        ]

    monkeypatch.setattr(busy, "_entry_sources", [sessions])

    calendar = parse(fetch(client_for, secret))

    session = by_uid(calendar)["programme-session-1@testserver"]
    assert (str(session["SUMMARY"]), str(session["LOCATION"])) == (
        "Hold: GAIN efterår, gang 1",
        "Sal 2",
    )
    # The same commitment is not shown twice as a plain busy block.
    assert not [e for e in calendar.events if str(e.uid).startswith("busy-")]


# --- the address as a guard -----------------------------------------------------------------------


def test_the_feed_needs_no_login_and_is_never_cached(client_for, case, secret):
    response = fetch(client_for, secret)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_unknown_addresses_are_404_and_guessing_is_throttled(client_for, case, secret, settings):
    settings.FORLOB_API_AUTH_FAILURE_LIMIT = 3
    c = client_for(None)
    for n in range(3):
        assert c.get(feed_path(f"{'x' * 42}{n}")).status_code == 404

    refused = c.get(feed_path(secret))  # even the right address, from this client, for now

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    other_address = c.get(feed_path(secret), REMOTE_ADDR="192.0.2.7")
    assert other_address.status_code == 200


def test_a_stopped_address_is_404_but_not_counted_as_guessing(client_for, case, settings):
    settings.FORLOB_API_AUTH_FAILURE_LIMIT = 2
    old = calendar_feed_create(user=case.appointment.staff).secret
    new = calendar_feed_create(user=case.appointment.staff).secret
    for _ in range(5):  # Outlook keeps polling an address nobody removed
        assert fetch(client_for, old).status_code == 404
    assert fetch(client_for, new).status_code == 200


def test_the_feed_stops_when_the_user_is_deactivated(client_for, case, secret):
    staff = case.appointment.staff
    staff.is_active = False
    staff.save(update_fields=["is_active"])

    assert fetch(client_for, secret).status_code == 404


def test_the_feed_stops_when_the_user_loses_the_calendar(client_for, case, secret):
    staff = case.appointment.staff
    RoleAssignment.objects.filter(user=staff).update(role=Role.MANAGER)

    assert fetch(client_for, secret).status_code == 404


def test_one_feed_is_fetched_at_most_the_limit_per_hour(client_for, case, secret, settings):
    settings.FORLOB_CALENDAR_FEED_LIMIT = 2
    assert fetch(client_for, secret).status_code == 200
    assert fetch(client_for, secret).status_code == 200
    refused = fetch(client_for, secret)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600


def test_every_fetch_is_audited_and_noted_as_used(client_for, case, secret):
    before = AccessLog.objects.count()

    fetch(client_for, secret)

    [log] = AccessLog.objects.order_by("pk")[before:]
    staff = case.appointment.staff
    assert (log.actor, log.kind, log.operation, log.outcome) == (
        staff,
        AccessLog.Kind.READ,
        "calendar_feed",
        AccessLog.Outcome.ALLOWED,
    )
    assert log.citizen_id is None
    feed = CalendarFeed.objects.get(user=staff)
    assert (log.object_type, log.object_id) == ("CalendarFeed", str(feed.pk))
    assert feed.last_used_at == NOW


def test_head_works_and_other_methods_do_not(client_for, case, secret):
    c = client_for(None)
    assert c.head(feed_path(secret)).status_code == 200
    for method in ("post", "put", "delete"):
        assert getattr(c, method)(feed_path(secret)).status_code == 405


def test_times_are_copenhagen_wall_clock_in_winter_too(client_for, case, secret):
    winter = AppointmentFactory(
        pathway=case.pathway,
        staff=case.appointment.staff,
        location=case.appointment.location,
        start=datetime(2026, 11, 2, 9, 0, tzinfo=COPENHAGEN),
    )
    event = by_uid(parse(fetch(client_for, secret)))[f"appointment-{winter.pk}@testserver"]
    assert event.start == datetime(2026, 11, 2, 9, 0, tzinfo=COPENHAGEN)
    assert event.start.utcoffset() == timedelta(hours=1)
