"""Builders for programme tests: the seeded programmes, class staff, classes, enrolments."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time, timedelta

from forlob.citizens.models import Citizen
from forlob.core.choices import Profession, Role
from forlob.core.models import Location, User
from forlob.pathways.models import Pathway
from forlob.programmes.models import (
    ClassSession,
    Enrolment,
    Programme,
    ProgrammeClass,
    SessionStaff,
)
from forlob.programmes.services import ClassDraft, class_create, class_enrol
from forlob.referrals.models import Referral
from tests.factories import CitizenFactory, ReferralFactory, TherapistFactory, working_week
from tests.helpers import NOW, TODAY, at

# The Monday a week after NOW (Monday 1 June 2026): classes in the tests start here.
START = TODAY + timedelta(days=7)


def programme(code: str) -> Programme:
    """A seeded programme (programmes/migrations/0002) by its code."""
    return Programme.objects.get(code=code)


def staff_member(
    org: object,
    profession: str,
    first_name: str,
    *,
    roles: Iterable[str] = (Role.THERAPIST,),
    weekdays: Iterable[int] = range(5),
) -> User:
    """A clinician of ``org`` (conftest ``Org``) working Mon–Fri 8–16 at the org's location."""
    user = TherapistFactory(
        municipality=org.municipality,  # type: ignore[attr-defined]
        team=org.team,  # type: ignore[attr-defined]
        first_name=first_name,
        last_name=str(Profession(profession).label).split()[0],
        profession=profession,
        roles=list(roles),
    )
    working_week(user, org.location, weekdays=weekdays)  # type: ignore[attr-defined]
    return user


def gain_staff(org: object) -> list[User]:
    """A neuropsychologist, a physiotherapist and an occupational therapist."""
    return [
        staff_member(org, Profession.NEUROPSYCHOLOGIST, "Nina"),
        staff_member(org, Profession.PHYSIOTHERAPIST, "Peter"),
        staff_member(org, Profession.OCCUPATIONAL_THERAPIST, "Olga"),
    ]


def gain_class(
    org: object,
    actor: User,
    staff: list[User] | None = None,
    *,
    start_date: date = START,
    start_time: time = time(10, 0),
    capacity: int | None = None,
    now: object = NOW,
) -> ProgrammeClass:
    """A GAIN class through the service (sessions 10–12 on the start day, week 3 and week 7)."""
    return class_create(
        actor=actor,
        draft=ClassDraft(
            programme=programme("gain"),
            location=org.location,  # type: ignore[attr-defined]
            start_date=start_date,
            start_time=start_time,
            staff=staff if staff is not None else gain_staff(org),
            capacity=capacity,
            team=org.team,  # type: ignore[attr-defined]
        ),
        now=now,  # type: ignore[arg-type]
    )


def concussion_referral(org: object, **kwargs: object) -> Referral:
    """A new GAIN referral (concussion) for a new citizen of ``org``'s municipality."""
    citizen = kwargs.pop("citizen", None) or CitizenFactory(
        municipality=org.municipality  # type: ignore[attr-defined]
    )
    return ReferralFactory(
        citizen=citizen,
        type_code="concussion",
        team=org.team,
        **kwargs,  # type: ignore[attr-defined]
    )


def enrol_new(
    klass: ProgrammeClass, actor: User, org: object, count: int = 1, now: object = NOW
) -> list[Enrolment]:
    return [
        class_enrol(
            actor=actor,
            programme_class=klass,
            referral=concussion_referral(org),
            now=now,  # type: ignore[arg-type]
        )
        for _ in range(count)
    ]


def case_enrolment(
    *, citizen: Citizen, pathway: Pathway, staff: User, location: Location
) -> Enrolment:
    """For the shared ``case`` fixture: the case citizen on a GAIN class of the case therapist.

    Written directly (no service, no audit row), on the case's own pathway, so the citizen keeps
    exactly one pathway. Its one session lies two months ahead (Monday 3 August 2026, 10–12), out
    of the way of the calendars other tests look at.
    """
    klass = ProgrammeClass.objects.create(
        programme=programme("gain"),
        municipality_id=citizen.municipality_id,
        team=staff.team,
        location=location,
        name="GAIN efterår",
        start_date=date(2026, 8, 3),
        start_time=time(10, 0),
        end_date=date(2026, 8, 3),
        capacity=8,
        lead=staff,
    )
    klass.staff.set([staff])
    session = ClassSession.objects.create(
        programme_class=klass,
        number=1,
        title="Gruppeforløb",
        location=location,
        start=at(date(2026, 8, 3), 10),
        end=at(date(2026, 8, 3), 12),
    )
    SessionStaff.objects.create(session=session, staff=staff, start=session.start, end=session.end)
    return Enrolment.objects.create(
        programme_class=klass, pathway=pathway, citizen=citizen, enrolled_at=NOW
    )
