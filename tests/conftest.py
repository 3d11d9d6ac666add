"""Shared fixtures: two municipalities and the three actors every view test uses.

* ``therapist``: municipality A, therapist role, Mon–Fri 8–16 at A's training centre.
* ``outsider``: a therapist of municipality B. Must see nothing of A's (private providers come
  later; until then the other municipality is the outsider).
* ``manager``: municipality A, manager role only: aggregates, never a citizen record.

Plus ``assessor`` (may read, may not change: the read-only actor for the 403 tests),
``client_for(user)`` and a fixed clock (``frozen``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client, override_settings
from hypothesis import HealthCheck, settings

from forlob.citizens.models import Citizen
from forlob.core.choices import DiagnosisArea, GopLevel, Profession, Role
from forlob.core.models import Location, Municipality, Team, Unit, User
from forlob.homecare.models import Goal, RehabCase, Visit
from forlob.notifications.models import OutboundMessage
from forlob.pathways.models import Pathway
from forlob.pathways.services import pathway_create_from_referral
from forlob.programmes.models import Enrolment
from forlob.referrals.models import Referral
from forlob.scheduling.models import Appointment
from forlob.scheduling.services import appointment_book
from tests import figures
from tests.factories import (
    CitizenFactory,
    CompetencyFactory,
    LocationFactory,
    MunicipalityFactory,
    OutboundMessageFactory,
    ReferralFactory,
    TeamFactory,
    TherapistFactory,
    UnitFactory,
    UserFactory,
    working_week,
)
from tests.helpers import NOW, TODAY, at
from tests.homecare.support import case_for_matrix
from tests.programmes.helpers import case_enrolment

# Database-backed examples are slower than Hypothesis' default deadline expects, and the `db`
# fixture is function-scoped on purpose: each example runs in its own savepoint (see the tests).
settings.register_profile(
    "forlob",
    deadline=None,
    max_examples=40,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("forlob")


def pytest_configure(config: pytest.Config) -> None:
    figures.configure(config)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    figures.summary(terminalreporter, config)


def seed_reference_data() -> None:
    """Run the data migrations that seed referral types and dropout reasons (idempotent).

    A transactional test (``transaction=True``, also the browser tests) empties every table when
    it ends, seeded rows included; the next transactional test on that database calls this.
    """
    from django.apps import apps

    for module in (
        "forlob.referrals.migrations.0002_seed_referral_types",
        "forlob.pathways.migrations.0002_seed_dropout_reasons",
        "forlob.questionnaires.migrations.0002_seed_questionnaires",
        "forlob.homecare.migrations.0002_seed_reference_data",
        "forlob.programmes.migrations.0002_seed_programmes",
        "forlob.cluster.migrations.0002_seed_reference_data",
    ):
        importlib.import_module(module).seed(apps, None)


@pytest.fixture
def reference_data(transactional_db: None) -> None:
    """For transactional tests: the seeded rows, whatever an earlier test's flush removed."""
    seed_reference_data()


@dataclass(frozen=True)
class Org:
    municipality: Municipality
    unit: Unit
    team: Team
    location: Location


def make_org(name: str, code: str) -> Org:
    municipality = MunicipalityFactory(name=name, code=code)
    unit = UnitFactory(municipality=municipality, name="Genoptræning og rehabilitering")
    team = TeamFactory(unit=unit, name="Team Ortopædi")
    location = LocationFactory(municipality=municipality, name=f"Sundhedshuset {name}")
    return Org(municipality=municipality, unit=unit, team=team, location=location)


@pytest.fixture
def org_a(db: None) -> Org:
    return make_org("Randers Kommune", "730")


@pytest.fixture
def org_b(db: None) -> Org:
    return make_org("Favrskov Kommune", "710")


def _therapist(org: Org, first_name: str, last_name: str) -> User:
    user = TherapistFactory(
        municipality=org.municipality, team=org.team, first_name=first_name, last_name=last_name
    )
    CompetencyFactory(
        staff=user, diagnosis_area=DiagnosisArea.ORTHOPAEDIC, max_level=GopLevel.SPECIALISED
    )
    working_week(user, org.location)
    return user


@pytest.fixture
def therapist(org_a: Org) -> User:
    return _therapist(org_a, "Tove", "Terapeut")


@pytest.fixture
def outsider(org_b: Org) -> User:
    return _therapist(org_b, "Ulla", "Udenfor")


@pytest.fixture
def manager(org_a: Org) -> User:
    return UserFactory(
        municipality=org_a.municipality,
        roles=[Role.MANAGER],
        profession=Profession.ADMINISTRATIVE,
        first_name="Mette",
        last_name="Leder",
    )


@pytest.fixture
def assessor(org_a: Org) -> User:
    """May view citizens and register referrals, may not manage pathways or book: 403 actor."""
    return UserFactory(
        municipality=org_a.municipality,
        roles=[Role.ASSESSOR],
        profession=Profession.ASSESSOR,
        first_name="Vibeke",
        last_name="Visitator",
    )


@pytest.fixture
def client_for(db: None) -> Callable[[User | None], Client]:
    """``client_for(user)``: a test client logged in as ``user`` (anonymous for None)."""

    def make(user: User | None) -> Client:
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make


@pytest.fixture(autouse=True)
def rate_limits_off() -> Iterator[None]:
    """The rate limits count in the process-wide cache, across tests (ids repeat after a
    rollback), and the API fuzzing sends hundreds of requests with one token: off everywhere but
    in the tests of the limits, which set their own (tests/api/test_hygiene.py)."""
    with override_settings(
        FORLOB_API_RATE_LIMIT=0,
        FORLOB_API_AUTH_FAILURE_LIMIT=0,
        FORLOB_TOKEN_CREATE_LIMIT=0,
        FORLOB_CALENDAR_FEED_LIMIT=0,
    ):
        yield


@pytest.fixture
def frozen() -> Iterator[datetime]:
    """Stop the clock at NOW (Monday 1 June 2026, 07:00 Copenhagen) for views that read it."""
    with time_machine.travel(NOW, tick=False):
        yield NOW


@dataclass(frozen=True)
class Case:
    """One citizen of municipality A with everything the citizen-data URLs need."""

    citizen: Citizen
    referral: Referral  # accepted: has ``pathway``
    pending: Referral  # a second, still new referral of the same citizen
    pathway: Pathway  # booked
    appointment: Appointment  # booked, tomorrow 10:00
    message: OutboundMessage  # the SMS reminder for the appointment, failed (gateway down)
    enrolment: Enrolment  # on a GAIN class of the therapist (one session, 3 August), same pathway
    rehab: RehabCase  # everyday rehabilitation, active, private provider, therapist responsible
    rehab_visit: Visit  # the case's first rehab visit on the provider's driving list (today)
    rehab_goal: Goal  # the case's goal (no evaluations yet)


@pytest.fixture
def case(therapist: User, org_a: Org, frozen: datetime) -> Case:
    citizen = CitizenFactory(municipality=org_a.municipality, first_name="Karen", last_name="Zacho")
    referral = ReferralFactory(citizen=citizen, discharge_date=TODAY - timedelta(days=2))
    pending = ReferralFactory(citizen=citizen, type_code="chronic", chronic_disease="copd")
    pathway = pathway_create_from_referral(
        actor=therapist, referral=referral, responsible=therapist, team=org_a.team, at=NOW
    )
    appointment = appointment_book(
        actor=therapist,
        pathway=pathway,
        staff=therapist,
        location=org_a.location,
        start=at(TODAY + timedelta(days=1), 10),
        duration_minutes=60,
        now=NOW,
    )
    pathway.refresh_from_db()
    referral.refresh_from_db()
    return Case(
        citizen=citizen,
        referral=referral,
        pending=pending,
        pathway=pathway,
        appointment=appointment,
        message=OutboundMessageFactory(
            citizen=citizen,
            purpose="reminder",
            related_key=f"appointment:{appointment.pk}",
            event_start=appointment.start,
            offset_minutes=120,
            due_at=appointment.start - timedelta(hours=2),
            status="failed",
            attempts=4,
            last_error="HTTP 503: Service Unavailable",
        ),
        enrolment=case_enrolment(
            citizen=citizen, pathway=pathway, staff=therapist, location=org_a.location
        ),
        **dict(
            zip(
                ("rehab", "rehab_visit", "rehab_goal"),
                case_for_matrix(citizen=citizen, therapist=therapist),
                strict=True,
            )
        ),
    )
