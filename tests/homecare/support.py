"""Building everyday-rehabilitation cases through the services, step by step.

Used by the homecare tests and by the shared ``case`` fixture (tests/conftest.py), which needs one
active case of its citizen for the access matrix (tests/access/url_matrix.py).
"""

from __future__ import annotations

from datetime import date, timedelta

from forlob.citizens.models import Citizen
from forlob.core.choices import Profession, Role
from forlob.core.models import Municipality, Provider, User
from forlob.homecare import services
from forlob.homecare.models import (
    CareGroup,
    Criterion,
    Goal,
    HomecareService,
    Outcome,
    Performer,
    PlanAction,
    RehabCase,
    Visit,
)
from forlob.homecare.services import Line
from tests.factories import CitizenFactory, UserFactory
from tests.helpers import TODAY

STAGES = ("application", "assessed", "granted", "provider", "meeting", "active", "ended")


def provider(municipality: Municipality, name: str, kind: str = Provider.Kind.PRIVATE) -> Provider:
    return Provider.objects.create(municipality=municipality, name=name, kind=kind)


def provider_user(
    provider: Provider,
    *,
    role: str = Role.PROVIDER_STAFF,
    first_name: str = "Pia",
    last_name: str = "Plejer",
    group: CareGroup | None = None,
) -> User:
    user = UserFactory(
        municipality=provider.municipality,
        provider=provider,
        roles=[role],
        profession=Profession.SOCIAL_HEALTH_ASSISTANT,
        first_name=first_name,
        last_name=last_name,
        team=None,
    )
    if group is not None:
        group.members.add(user)
    return user


def assessor_user(municipality: Municipality) -> User:
    return UserFactory(
        municipality=municipality,
        roles=[Role.ASSESSOR],
        profession=Profession.ASSESSOR,
        first_name="Vera",
        last_name="Visitator",
    )


def service(name: str = "Personlig hygiejne og bad") -> HomecareService:
    return HomecareService.objects.get(name=name)


def criterion(code: str) -> Criterion:
    return Criterion.objects.get(code=code)


def build_case(
    *,
    assessor: User,
    professional: User | None = None,
    provider: Provider | None = None,
    contact_person: User | None = None,
    citizen: Citizen | None = None,
    until: str = "active",
    today: date = TODAY,
    received_on: date | None = None,
    existing: bool = False,
    kind: str = "personal_care",
    shadow_minutes: int = 120,
    before_minutes: int | None = None,
    times_per_week: int = 3,
) -> RehabCase:
    """A case taken through the flow up to ``until`` (one of ``STAGES``), via the services."""
    municipality = assessor.municipality
    citizen = citizen or CitizenFactory(municipality=municipality)
    received_on = received_on or today
    case = services.application_register(
        actor=assessor,
        cpr=citizen.cpr,
        kind=kind,
        received_on=received_on,
        is_existing_homecare=existing,
        weekly_minutes_before=before_minutes if existing else None,
        today=today,
        application_text="Kan ikke længere klare bad og påklædning.",
    )
    if until == "application":
        return fresh(case)
    services.assessment_save(
        actor=assessor,
        case=case,
        assessed_on=received_on,
        has_potential=True,
        fsiii_levels={"J1.1": 3, "J1.3": 2, "J3.8": 2},
        notes="Fortrolig: datter bekymret, tidligere fald.",
        criteria=[criterion("motivated")],
        shadow_lines=[Line(service(), shadow_minutes)],
        today=today,
    )
    if until == "assessed":
        return fresh(case)
    services.grant_save(
        actor=assessor,
        case=case,
        start=received_on,
        package=2,
        start_allowance_minutes=30,
        today=today,
    )
    if until == "granted":
        return fresh(case)
    assert provider is not None
    services.provider_choose(
        actor=assessor, case=case, provider=provider, chosen_on=received_on, today=today
    )
    if until == "provider":
        return fresh(case)
    assert professional is not None and contact_person is not None
    services.start_meeting_save(
        actor=professional,
        case=case,
        date_=received_on,
        professional=professional,
        contact_person=contact_person,
        relatives="Datter",
        held=until != "meeting",
        today=today,
    )
    if until == "meeting":
        return fresh(case)
    goal = services.goal_add(
        actor=professional,
        case=case,
        kind=Goal.Kind.COPM,
        title="Tage bad selv",
        fsiii_item="J1.1",
        citizen_words="Jeg vil gerne kunne gå i bad uden hjælp.",
        sub_goals=["Stå ved håndvasken i 5 minutter", "Vaske overkroppen selv"],
    )
    services.action_add(
        actor=professional,
        case=case,
        goal=goal,
        what="Træne bad med støtte ved siden af",
        who=Performer.PROVIDER_STAFF,
        times_per_week=times_per_week,
        how="Borgeren gør selv, medarbejderen guider",
    )
    services.visits_generate(actor=professional, case=case, today=today)
    if until == "active":
        return fresh(case)
    services.end_save(
        actor=professional,
        case=case,
        date_=today,
        outcome=Outcome.SELF_RELIANT,
        text="Klarer bad selv.",
        today=today,
    )
    return fresh(case)


def fresh(case: RehabCase) -> RehabCase:
    """The case as stored now (the services lock and change their own copy)."""
    return RehabCase.objects.get(pk=case.pk)


def case_for_matrix(*, citizen: Citizen, therapist: User) -> tuple[RehabCase, Visit, Goal]:
    """An active case of ``citizen`` with the therapist responsible: for the access matrix."""
    municipality = therapist.municipality
    chosen = provider(municipality, "Privat Pleje Matrix ApS")
    contact = provider_user(chosen, first_name="Kim", last_name="Kontakt")
    case = build_case(
        assessor=assessor_user(municipality),
        professional=therapist,
        provider=chosen,
        contact_person=contact,
        citizen=citizen,
        today=TODAY,
    )
    visit = case.visits.order_by("date", "planned_time").first()
    return case, visit, case.goals.first()


def action_of(case: RehabCase) -> PlanAction:
    return case.actions.first()


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
