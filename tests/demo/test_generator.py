"""The demo municipality as a user meets it: logins, volumes, calendars, the inbox, the 7-day KPI.

The demo is generated once for this module (scale 0.1) inside a transaction that is rolled back
when the module is done, so other test modules never see it.
"""

from __future__ import annotations

import itertools
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import F
from django.urls import reverse

from forlob.access.models import AccessLog
from forlob.citizens import cpr as cprlib
from forlob.citizens.models import Citizen
from forlob.core.choices import DiagnosisArea, GopLevel, Profession, Role
from forlob.core.models import Competency, Location, Team, User
from forlob.demo.generator import (
    DEMO_LOGINS,
    PASSWORD,
    POSTAL,
    VOLUMES,
    DemoSummary,
    generate,
)
from forlob.monitoring import selectors as kpi
from forlob.pathways.models import CLOSED_STATUSES, Pathway, PathwayStatus, PathwayTransition
from forlob.pathways.services import TRANSITIONS
from forlob.referrals import rules
from forlob.referrals.models import Referral, ReferralType
from forlob.scheduling.models import BUSY_STATUSES, Absence, Appointment, WorkingHours

CPH = ZoneInfo("Europe/Copenhagen")
# A Monday. The year behind it (17 March 2025 to 15 March 2026) holds a whole May, July,
# November and December.
TODAY = date(2026, 3, 16)
SCALE = 0.1
MIDNIGHT = datetime.combine(TODAY, time(0), tzinfo=CPH)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: object) -> Iterator[DemoSummary]:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        outer = transaction.atomic()
        outer.__enter__()
        try:
            summary = generate(seed=11, today=TODAY, scale=SCALE)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield summary
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def test_demo_logins_work_with_their_roles(demo: DemoSummary, client: object) -> None:
    for login in DEMO_LOGINS:
        assert client.login(username=login.username, password=PASSWORD), login.username  # type: ignore[attr-defined]
        client.logout()  # type: ignore[attr-defined]
        user = User.objects.get(username=login.username)
        assert user.role_codes == {login.role}
        assert user.municipality.name == "Randers Kommune"
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert User.objects.get(username="terapeut").team.name == "Team Ortopædi"
    assert User.objects.get(username="terapeut").profession == Profession.PHYSIOTHERAPIST
    # Home-care providers' staff (forlob.demo.homecare) and the hospital's system account
    # (forlob.demo.fhir) are not the unit's staff.
    others = User.objects.exclude(username__in=[d.username for d in DEMO_LOGINS]).filter(
        provider__isnull=True, integration__isnull=True
    )
    assert others.count() == 31
    system = User.objects.get(integration__name="Regionshospitalet Randers")
    assert not system.has_usable_password()
    assert system.role_codes == {"referring_system"}
    assert not any(u.has_usable_password() for u in others)
    assert demo.logins == DEMO_LOGINS


def test_the_manager_sees_the_dashboard_with_demo_figures(
    demo: DemoSummary, client: object
) -> None:
    client.force_login(User.objects.get(username="leder"))  # type: ignore[attr-defined]
    response = client.get(reverse("home"))  # type: ignore[attr-defined]
    assert response.status_code == 200


def test_organisation_and_staff_mix(demo: DemoSummary) -> None:
    assert list(Team.objects.values_list("name", flat=True).order_by("name")) == [
        "Team Kronisk sygdom & koordination",
        "Team Medicin",
        "Team Neurologi",
        "Team Ortopædi",
    ]
    assert Location.objects.count() == 3
    assert all(
        (loc.opens_at, loc.closes_at) == (time(7, 30), time(16)) for loc in Location.objects.all()
    )
    professions = Counter(User.objects.values_list("profession", flat=True))
    assert professions[Profession.PHYSIOTHERAPIST] == 23
    assert professions[Profession.OCCUPATIONAL_THERAPIST] == 4
    # 37 in the rehabilitation unit and the neuropsychologist leading GAIN; providers' aside
    assert User.objects.filter(provider__isnull=True, integration__isnull=True).count() == 38
    therapists = User.objects.filter(role_assignments__role=Role.THERAPIST)
    assert therapists.count() == 28  # with the neuropsychologist
    # Every therapist takes GOPs except the neuropsychologist, who leads GAIN classes only.
    gop_therapists = therapists.exclude(profession=Profession.NEUROPSYCHOLOGIST)
    assert not gop_therapists.filter(competencies__isnull=True).exists()
    specialised_neuro = Competency.objects.filter(
        diagnosis_area=DiagnosisArea.NEUROLOGICAL, max_level=GopLevel.SPECIALISED
    ).count()
    assert 2 <= specialised_neuro <= 5
    # Some part-time: fewer than five working days, or short days.
    minutes = defaultdict(int)
    for wh in WorkingHours.objects.all():
        minutes[wh.staff_id] += (wh.end_time.hour * 60 + wh.end_time.minute) - (
            wh.start_time.hour * 60 + wh.start_time.minute
        )
    assert sum(1 for m in minutes.values() if m < 35 * 60) >= 4
    # Summer: most staff have three weeks off in late June to August.
    summer = Absence.objects.filter(
        kind=Absence.Kind.HOLIDAY, start_date__gte=date(2025, 6, 1), end_date__lte=date(2025, 8, 31)
    )
    assert summer.values("staff").distinct().count() == 38  # every unit member
    assert summer.filter(end_date=F("start_date") + timedelta(days=18)).count() >= 25


def test_volumes_follow_the_year_at_scale(demo: DemoSummary) -> None:
    handled = Referral.objects.exclude(status=Referral.Status.NEW)
    by_type = Counter(handled.values_list("referral_type__code", flat=True))
    for code, volume in VOLUMES.items():
        expected = volume * SCALE * 364 / 365
        assert abs(by_type[code] - expected) <= max(2, 0.1 * expected), (code, by_type[code])
    gop = Referral.objects.filter(referral_type__code=ReferralType.GOP)
    areas = Counter(gop.values_list("diagnosis_area", flat=True))
    total = sum(areas.values())
    assert 0.45 < areas[DiagnosisArea.ORTHOPAEDIC] / total < 0.65
    assert 0.2 < areas[DiagnosisArea.MEDICAL] / total < 0.4
    assert 0.07 < areas[DiagnosisArea.NEUROLOGICAL] / total < 0.25
    levels = Counter(gop.values_list("gop_level", flat=True))
    assert levels[GopLevel.BASAL] > levels[GopLevel.ADVANCED] > levels[GopLevel.SPECIALISED]
    # Plans that reached us after discharge: about 15 %.
    late = gop.filter(received_date__gt=F("discharge_date")).count()
    assert 0.07 < late / gop.count() < 0.25
    # Appointments: a few per pathway, not every session.
    per_pathway = Appointment.objects.count() / Pathway.objects.count()
    assert 2 < per_pathway < 6
    assert demo.counts["appointments"] == Appointment.objects.count()


def test_july_and_december_are_quieter(demo: DemoSummary) -> None:
    def received_in(year: int, month: int) -> int:
        return Referral.objects.filter(received_date__year=year, received_date__month=month).count()

    assert received_in(2025, 7) < 0.8 * received_in(2025, 5)
    assert received_in(2025, 12) < 0.9 * received_in(2025, 11)
    weekdays = Counter(
        d.weekday() for d in Referral.objects.values_list("received_date", flat=True)
    )
    assert weekdays[0] > 3 * (weekdays[5] + weekdays[6])


def test_citizens_are_unique_test_persons_with_valid_cpr(demo: DemoSummary) -> None:
    citizens = list(Citizen.objects.all())
    assert len({c.cpr for c in citizens}) == len(citizens) == demo.counts["citizens"]
    for c in citizens:
        parsed = cprlib.parse(c.cpr)
        assert parsed.birth_date == c.birth_date
        assert parsed.is_male == (c.sex == Citizen.Sex.MALE)
        assert c.is_test_person
        assert not c.email
        assert not c.phone or (c.phone.startswith("01 ") and len(c.phone) == 9)  # unassigned
    assert {c.postal_code for c in citizens} <= {code for code, _, _ in POSTAL}
    assert len({c.first_name for c in citizens}) > 40
    assert len({c.last_name for c in citizens}) > 40
    gop_ages = [
        (r.received_date - r.citizen.birth_date).days / 365.25
        for r in Referral.objects.filter(referral_type__code=ReferralType.GOP).select_related(
            "citizen"
        )
    ]
    assert statistics.median(gop_ages) > 65
    several = Counter(Referral.objects.values_list("citizen_id", flat=True))
    assert sum(1 for n in several.values() if n > 1) >= 5


def test_no_therapist_is_double_booked(demo: DemoSummary) -> None:
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for staff_id, start, end in Appointment.objects.filter(status__in=BUSY_STATUSES).values_list(
        "staff_id", "start", "end"
    ):
        busy[staff_id].append((start, end))
    for times in busy.values():
        times.sort()
        for (_, end), (start, _) in itertools.pairwise(times):
            assert end <= start


def test_appointments_lie_in_working_hours_and_not_on_absence_days(demo: DemoSummary) -> None:
    hours = {(h.staff_id, h.weekday): h for h in WorkingHours.objects.all()}
    absent: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for a in Absence.objects.all():
        absent[a.staff_id].append((a.start_date, a.end_date))
    for appt in Appointment.objects.select_related("location"):
        start, end = appt.start.astimezone(CPH), appt.end.astimezone(CPH)
        day = start.date()
        assert end.date() == day
        wh = hours.get((appt.staff_id, day.weekday()))
        assert wh is not None, appt
        assert wh.start_time <= start.time() and end.time() <= wh.end_time
        assert wh.location_id == appt.location_id
        assert appt.location.opens_at <= start.time() and end.time() <= appt.location.closes_at
        assert not any(a <= day <= b for a, b in absent[appt.staff_id]), appt


def test_pathway_history_follows_the_state_machine(demo: DemoSummary) -> None:
    history: dict[int, list[PathwayTransition]] = defaultdict(list)
    for t in PathwayTransition.objects.order_by("at", "id"):
        history[t.pathway_id].append(t)
    pathways = list(Pathway.objects.select_related("referral"))
    statuses = Counter(p.status for p in pathways)
    for p in pathways:
        moves = history[p.pk]
        assert moves[0].from_status == "" and moves[0].to_status == PathwayStatus.REFERRED
        for before, after in itertools.pairwise(moves):
            assert after.from_status == before.to_status
            assert after.to_status in TRANSITIONS[before.to_status]
            assert before.at <= after.at < MIDNIGHT
        assert moves[-1].to_status == p.status
        assert (p.ended_at is not None) == (p.status in CLOSED_STATUSES)
        assert (p.dropout_reason_id is not None) == (p.status == PathwayStatus.DROPPED_OUT)
        assert p.referral.status == Referral.Status.ACCEPTED
        assert p.created_at >= p.referral.created_at
    total = len(pathways)
    assert 0.6 < statuses[PathwayStatus.COMPLETED] / total < 0.85
    assert 0.06 < statuses[PathwayStatus.DROPPED_OUT] / total < 0.18
    assert 0 < statuses[PathwayStatus.CANCELLED] / total < 0.08
    assert statuses[PathwayStatus.ACTIVE] and statuses[PathwayStatus.BOOKED]
    rejected = Referral.objects.filter(status=Referral.Status.REJECTED)
    assert rejected.exists() and not rejected.filter(reject_reason="").exists()


def test_first_offer_is_the_first_booked_time_and_the_past_is_settled(demo: DemoSummary) -> None:
    firsts = {a.pathway_id: a for a in Appointment.objects.filter(is_first=True)}
    assert len(firsts) == Appointment.objects.filter(is_first=True).count()  # one per pathway
    for p in Pathway.objects.filter(first_offered_at__isnull=False):
        first = firsts[p.pk]
        assert first.start == p.first_offered_start
        assert first.created_at == p.first_offered_at < first.start
        assert p.first_offer_within_deadline == rules.offered_within(p.offer_deadline, first.start)
    past = Appointment.objects.filter(start__lt=MIDNIGHT)
    assert not past.filter(status="booked").exists()
    # Ahead: booked, or already declined or cancelled; nobody has attended the future.
    ahead = set(Appointment.objects.filter(start__gte=MIDNIGHT).values_list("status", flat=True))
    assert "booked" in ahead and ahead <= {"booked", "declined", "cancelled"}
    assert Appointment.objects.filter(status="declined").exists()  # the offer still counted


def test_inbox_has_overdue_and_waiting_referrals(demo: DemoSummary) -> None:
    inbox = Referral.objects.filter(status=Referral.Status.NEW)
    assert 10 <= inbox.count() <= 40
    assert not inbox.filter(pathway__isnull=False).exists()
    assert not inbox.filter(received_date__lt=TODAY - timedelta(days=9)).exists()
    overdue = inbox.filter(offer_deadline__lt=TODAY)
    assert overdue.exists()
    assert inbox.exclude(offer_deadline__lt=TODAY).exists()
    after_discharge = [r for r in inbox if r.arrived_after_discharge]
    assert any(r.offer_deadline >= TODAY for r in after_discharge)
    counts = kpi.inbox_counts(actor=User.objects.get(username="leder"), today=TODAY)
    assert counts.waiting == inbox.count() == demo.inbox
    assert counts.overdue == overdue.count() == demo.inbox_overdue
    # Booked pathways wait for their first time, which lies ahead.
    assert Pathway.objects.filter(
        status=PathwayStatus.BOOKED, appointments__start__gte=MIDNIGHT
    ).exists()


def test_most_gop_citizens_are_offered_a_time_within_seven_days(demo: DemoSummary) -> None:
    leder = User.objects.get(username="leder")
    decided = within = 0
    month = date(2025, 3, 1)
    while month <= TODAY:
        total = kpi.gop_offered_within_deadline(actor=leder, month_start=month, today=TODAY)[-1]
        decided += total.decided
        within += total.within
        month = kpi.month_bounds(month)[1]
    assert decided > 50
    assert 0.7 <= within / decided <= 0.98
    assert demo.gop_within_deadline == pytest.approx(within / decided, abs=0.03)


def test_no_audit_rows_and_history_keeps_its_own_timestamps(demo: DemoSummary) -> None:
    assert not AccessLog.objects.exists()  # the system made the demo, not a person
    for model in (Citizen, Referral, Pathway, Appointment):
        assert model._meta.get_field("created_at").auto_now_add  # restored after generation
    first = Referral.objects.order_by("created_at").first()
    assert first is not None and first.created_at < MIDNIGHT - timedelta(days=300)
    for r in Referral.objects.all():
        assert r.created_at.astimezone(CPH).date() == r.received_date
